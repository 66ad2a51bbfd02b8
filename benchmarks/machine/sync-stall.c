/*
 * Does a disk sync on this machine stall threads that never touch the disk?
 *
 * A pacing thread wakes every 200 µs (nanosleep, then a short spin) and records how late it woke,
 * 20,000 times, while a second thread either idles or overwrites one 4 KiB block of a preallocated
 * 16 MiB file and calls fdatasync in a loop. Each thread can be pinned to a CPU. On a machine
 * whose syncs only block the thread that asked, both runs show the same lateness.
 *
 *   gcc -O2 -pthread -o /tmp/sync-stall benchmarks/machine/sync-stall.c
 *   cd /tmp && for pace in 0 1; do for sync in 0 1; do ./sync-stall $pace $sync; done; done
 *
 * Arguments: the pacer's CPU, the syncing thread's CPU (-1: not pinned). Writes sync-stall.bin in
 * the current directory. Prints the pacer's lateness with and without the syncing loop.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { Wakeups = 20000, PeriodMicros = 200, FileBytes = 16 << 20, Block = 4096 };

static volatile int stopping;
static int syncing;
static int sync_cpu = -1;

static double now_micros(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void pin(int cpu)
{
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "cannot pin to CPU %d\n", cpu);
        exit(2);
    }
}

static void *sync_loop(void *unused)
{
    (void)unused;
    pin(sync_cpu);
    int fd = open("sync-stall.bin", O_RDWR);
    if (fd < 0) { perror("sync-stall.bin"); exit(2); }
    char block[Block];
    memset(block, 1, sizeof block);
    off_t at = 0;
    while (!stopping) {
        if (syncing) {
            pwrite(fd, block, Block, at);
            at = (at + Block) % FileBytes;
            fdatasync(fd);
        } else {
            usleep(100);
        }
    }
    close(fd);
    return NULL;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void run(int pace_cpu, int with_sync)
{
    static double late[Wakeups];
    pthread_t other;
    stopping = 0;
    syncing = with_sync;
    pthread_create(&other, NULL, sync_loop, NULL);
    pin(pace_cpu);
    usleep(200000);
    double due = now_micros() + 1000;
    for (int i = 0; i < Wakeups; i++) {
        due += PeriodMicros;
        double wait;
        while ((wait = due - now_micros()) > 60) {
            struct timespec sleep = { 0, (long)((wait - 50) * 1000) };
            nanosleep(&sleep, NULL);
        }
        while (now_micros() < due) {}
        late[i] = now_micros() - due;
    }
    stopping = 1;
    pthread_join(other, NULL);
    qsort(late, Wakeups, sizeof late[0], by_value);
    char what[64];
    snprintf(what, sizeof what, with_sync ? "a thread on CPU %d syncing" : "a thread on CPU %d idle", sync_cpu);
    printf("pacer on CPU %2d, %-28s wake-up lateness p50 %7.1f µs, p99 %8.1f µs, p99.9 %8.1f µs, max %8.1f µs\n",
        pace_cpu, what, late[Wakeups / 2],
        late[Wakeups * 99 / 100], late[Wakeups * 999 / 1000], late[Wakeups - 1]);
}

/* Written and synced before any measuring: later writes overwrite allocated blocks, so fdatasync has no metadata to write. */
static void preallocate(void)
{
    int fd = open("sync-stall.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror("sync-stall.bin"); exit(2); }
    char block[Block];
    memset(block, 1, sizeof block);
    for (off_t at = 0; at < FileBytes; at += Block) {
        if (pwrite(fd, block, Block, at) != Block) { perror("pwrite"); exit(2); }
    }
    fsync(fd);
    close(fd);
    sleep(1);
}

int main(int argc, char **argv)
{
    int pace_cpu = argc > 1 ? atoi(argv[1]) : -1;
    sync_cpu = argc > 2 ? atoi(argv[2]) : -1;
    preallocate();
    run(pace_cpu, 0);
    run(pace_cpu, 1);
    return 0;
}
