/*
 * bench.c — the C side of BenchmarkReadQR/libapcv: times N apcv_read of QR
 * presentations already waiting at the emulated scanner.
 *
 *   bench N PROFILE
 *
 * Opens {"emulate":{"profile":PROFILE,"mode":"qr","presented":N}} (the N
 * presentations are made before the clock starts), then reads them one by
 * one, each identity JSON freed, and prints "ns/op <wall nanoseconds per
 * read> cpu-ns/op <CPU nanoseconds per read>" (the process's user + system
 * time, all its threads: steadier than wall time on a loaded machine).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "apcv.h"

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double cpu_ns(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: bench N PROFILE\n");
        return 64;
    }
    int n = atoi(argv[1]);
    char config[256];
    snprintf(config, sizeof config, "{\"emulate\":{\"profile\":\"%s\",\"mode\":\"qr\",\"presented\":%d}}", argv[2], n);
    apcv_handle h;
    int rc = apcv_open(config, &h);
    if (rc != APCV_OK) {
        fprintf(stderr, "open: %d %s\n", rc, apcv_message(rc, "en"));
        return 1;
    }
    double start = now_ns(), cpu_start = cpu_ns();
    for (int i = 0; i < n; i++) {
        char *id = NULL;
        rc = apcv_read(h, 10000, &id);
        apcv_free(id);
        if (rc != APCV_OK) {
            fprintf(stderr, "read %d: %d %s\n", i, rc, apcv_message(rc, "en"));
            return 1;
        }
    }
    double elapsed = now_ns() - start, cpu = cpu_ns() - cpu_start;
    apcv_close(h);
    printf("ns/op %.0f cpu-ns/op %.0f\n", elapsed / n, cpu / n);
    return 0;
}
