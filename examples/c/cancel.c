/*
 * cancel.c — end a waiting apcv_read from another thread, as the desk's
 * "Cancel" button does (POSIX threads; on Windows use CreateThread the same
 * way).
 *
 *   cancel [CONFIG_JSON]
 *
 * Starts apcv_read (no time limit) in a thread, waits for its "reading has
 * started" (apcv_read is under way when a second apcv_read gets
 * APCV_E_BUSY), calls apcv_cancel from the main thread and prints what the
 * reading thread got: APCV_E_CANCELLED. Then apcv_next_event, waiting with
 * no limit in a thread, is cancelled the same way. Exit 0 when both were.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "apcv.h"

static apcv_handle h;

struct call {
    int rc;
    volatile int done;
};

static void *reading(void *arg) {
    struct call *c = arg;
    char *out = NULL;
    c->rc = apcv_read(h, -1, &out);
    apcv_free(out);
    __atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *waiting_event(void *arg) {
    struct call *c = arg;
    char *out = NULL;
    do { /* skip the events already queued (device-added) */
        apcv_free(out);
        out = NULL;
        c->rc = apcv_next_event(h, -1, &out);
    } while (c->rc == APCV_OK);
    apcv_free(out);
    __atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void pause_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* cancel calls apcv_cancel until the call in thread t has ended: a cancel
 * that comes before the call started does nothing. */
static int cancel(pthread_t t, struct call *c) {
    for (int i = 0; i < 3000 && !__atomic_load_n(&c->done, __ATOMIC_SEQ_CST); i++) {
        apcv_cancel(h);
        pause_ms(10);
    }
    if (!__atomic_load_n(&c->done, __ATOMIC_SEQ_CST))
        return -1;
    pthread_join(t, NULL);
    return c->rc;
}

int main(int argc, char **argv) {
    /* An emulated phone that is never presented: the read waits. */
    const char *config = argc > 1 ? argv[1] : "{\"emulate\":{\"absent\":true}}";
    int rc = apcv_open(config, &h);
    if (rc != APCV_OK) {
        fprintf(stderr, "open: %d: %s\n", rc, apcv_message(rc, "en"));
        return 1;
    }
    struct call r = {0, 0}, e = {0, 0};
    pthread_t t;
    pthread_create(&t, NULL, reading, &r);
    /* A second read while the first waits gets APCV_E_BUSY. */
    int busy;
    for (;;) {
        char *out = NULL;
        busy = apcv_read(h, 20, &out);
        apcv_free(out);
        if (busy != APCV_E_READ_TIMEOUT)
            break;
        /* This one started first: the thread's was the busy one. Again. */
        if (__atomic_load_n(&r.done, __ATOMIC_SEQ_CST)) {
            pthread_join(t, NULL);
            r.done = 0;
            pthread_create(&t, NULL, reading, &r);
        }
    }
    printf("second read: %d (busy %d)\n", busy, APCV_E_BUSY);
    rc = cancel(t, &r);
    printf("read: %d (cancelled %d): %s\n", rc, APCV_E_CANCELLED, rc > 0 ? apcv_message(rc, "fr") : "");

    pthread_create(&t, NULL, waiting_event, &e);
    int erc = cancel(t, &e);
    printf("next_event: %d (cancelled %d)\n", erc, APCV_E_CANCELLED);

    apcv_close(h);
    char *x = NULL;
    printf("after close: %d (bad handle %d)\n", apcv_read(h, 10, &x), APCV_E_BAD_HANDLE);
    apcv_free(x);
    return busy == APCV_E_BUSY && rc == APCV_E_CANCELLED && erc == APCV_E_CANCELLED ? 0 : 1;
}
