/*
 * read.c — read one appli carte Vitale through libapcv, as billing software
 * written in C would.
 *
 *   read [CONFIG_JSON [RECEIPT_JSON]]
 *
 * Opens a session on CONFIG_JSON (default: an in-memory emulated phone, with
 * "masked": true, so that the identity printed has its NIRs masked, names
 * reduced to their initial and birth dates to their year: a demo should not
 * handle personal data), prints the library's version, waits up to 30 s for a presentation and
 * prints the verified identity JSON — or the refusal's code and its French
 * desk message — then posts RECEIPT_JSON (if given) and prints the events
 * the session saw. Exit status: 0 read, 3 refused, 1 other failure.
 *
 * Build (see README.md): gcc -I../../libapcv read.c -L. -lapcv -o read
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apcv.h"

int main(int argc, char **argv) {
    const char *config = argc > 1 ? argv[1] : "{\"emulate\":{\"profile\":\"famille-6-drome\"},\"masked\":true}";
    const char *receipt = argc > 2 ? argv[2] : NULL;

    const char *version = apcv_version();
    if (atoi(version) != APCV_ABI_VERSION) {
        fprintf(stderr, "libapcv ABI %d, this program was built for %d\n", atoi(version), APCV_ABI_VERSION);
        return 1;
    }
    printf("version: %s\n", version);

    apcv_handle h;
    int rc = apcv_open(config, &h);
    if (rc != APCV_OK) {
        fprintf(stderr, "open: %d: %s\n", rc, apcv_message(rc, "fr"));
        return 1;
    }

    char *identity = NULL;
    rc = apcv_read(h, 30000, &identity);
    int status = 0;
    if (rc == APCV_OK) {
        printf("identity: %s\n", identity); /* personal data: never log it */
    } else {
        /* identity holds the error JSON: {"code":…,"message_fr":…,"message_en":…} */
        printf("refused: %d %s\n", rc, identity ? identity : "");
        printf("message: %s\n", apcv_message(rc, "fr"));
        status = (rc == APCV_E_CLOSED || rc == APCV_E_BAD_CONFIG || rc == APCV_E_INTERNAL) ? 1 : 3;
    }
    apcv_free(identity);

    if (rc == APCV_OK && receipt != NULL) {
        int r = apcv_post_receipt(h, receipt);
        printf("receipt: %d %s\n", r, r == APCV_OK ? "ok" : apcv_message(r, "fr"));
        if (r != APCV_OK)
            status = 1;
    }

    /* The events queued since apcv_open; 0 ms: do not wait for more. */
    char *event = NULL;
    while (apcv_next_event(h, 0, &event) == APCV_OK) {
        printf("event: %s\n", event);
        apcv_free(event);
        event = NULL;
    }
    apcv_free(event); /* the error JSON of the last call */

    rc = apcv_close(h);
    if (rc != APCV_OK) {
        fprintf(stderr, "close: %d\n", rc);
        return 1;
    }
    return status;
}
