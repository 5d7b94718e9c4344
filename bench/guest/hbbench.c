/*
 * Guest block benchmark, run by /init in hb.mode=bench (built static for aarch64 by bench/run.sh and
 * added to a bench-only initramfs). Synchronous O_DIRECT I/O at queue depth 1 on a whole disk:
 *
 *   hbbench DEV SECONDS SEQ_BS SPAN_MIB TESTS
 *
 * TESTS is a comma list of seqwrite, seqread, randwrite, randread (default order: write before
 * read). Sequential tests use SEQ_BS-byte requests, random ones 4 KiB, all within the first
 * SPAN_MIB MiB; each runs for SECONDS of guest time. Every 4 KiB block written carries a stamp
 * (magic, block number); every block read must carry its own stamp or be all zero (never
 * written): a back-end that returns wrong data fails the run instead of looking fast.
 * Prints one line per test:
 *   HB: bench test=T bs=B ops=N bytes=N seconds=S mbps=X iops=X lat_p50_us=X lat_p99_us=X errors=N bad_blocks=N
 * and exits 0 only if every test ran without errors or bad blocks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096u
#define MAGIC 0x48624265e5c4a11dull /* "HbBe..." */
#define MAX_LAT (1u << 20)

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void stamp(uint8_t *buf, uint64_t first_block, size_t len)
{
    for (size_t off = 0; off < len; off += BLOCK) {
        uint64_t h[2] = { MAGIC, first_block + off / BLOCK };
        memcpy(buf + off, h, sizeof h);
    }
}

/* Returns the number of blocks in buf that are neither all-zero headers nor their own stamp. */
static unsigned check(const uint8_t *buf, uint64_t first_block, size_t len)
{
    unsigned bad = 0;
    for (size_t off = 0; off < len; off += BLOCK) {
        uint64_t h[2];
        memcpy(h, buf + off, sizeof h);
        if (h[0] == 0 && h[1] == 0) continue;
        if (h[0] != MAGIC || h[1] != first_block + off / BLOCK) bad++;
    }
    return bad;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t lat[MAX_LAT];

static int run(int fd, const char *test, uint64_t seconds, size_t seq_bs, uint64_t span)
{
    int write_op = strstr(test, "write") != NULL, random_op = strncmp(test, "rand", 4) == 0;
    if (!write_op && strstr(test, "read") == NULL) { fprintf(stderr, "hbbench: unknown test %s\n", test); return 1; }
    size_t bs = random_op ? BLOCK : seq_bs;
    uint64_t slots = span / bs;
    uint8_t *buf;
    if (slots == 0 || posix_memalign((void **)&buf, BLOCK, bs) != 0) { fprintf(stderr, "hbbench: bad sizes\n"); return 1; }
    memset(buf, 0, bs);

    uint64_t ops = 0, errors = 0, bad = 0, slot = 0, n_lat = 0;
    uint64_t start = now_ns(), end = start + seconds * 1000000000ull, t = start;
    while (t < end) {
        uint64_t s = random_op ? next_random() % slots : slot;
        off_t offset = (off_t)(s * bs);
        uint64_t first_block = (uint64_t)offset / BLOCK;
        if (write_op) stamp(buf, first_block, bs);
        uint64_t t0 = now_ns();
        ssize_t n = write_op ? pwrite(fd, buf, bs, offset) : pread(fd, buf, bs, offset);
        t = now_ns();
        if (n != (ssize_t)bs) {
            errors++;
            if (errors > 16) break; /* a dead device: stop, the line says so */
        } else {
            ops++;
            if (!write_op) bad += check(buf, first_block, bs);
        }
        if (n_lat < MAX_LAT) lat[n_lat++] = (uint32_t)((t - t0) / 1000u > UINT32_MAX ? UINT32_MAX : (t - t0) / 1000u);
        slot = (slot + 1) % slots;
    }
    double secs = (double)(t - start) / 1e9;
    qsort(lat, n_lat, sizeof lat[0], cmp_u32);
    uint32_t p50 = n_lat ? lat[(size_t)(0.50 * (double)(n_lat - 1) + 0.5)] : 0;
    uint32_t p99 = n_lat ? lat[(size_t)(0.99 * (double)(n_lat - 1) + 0.5)] : 0;
    uint64_t bytes = ops * bs;
    printf("HB: bench test=%s bs=%zu ops=%llu bytes=%llu seconds=%.3f mbps=%.2f iops=%.1f lat_p50_us=%u lat_p99_us=%u errors=%llu bad_blocks=%llu\n",
           test, bs, (unsigned long long)ops, (unsigned long long)bytes, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0,
           secs > 0 ? (double)ops / secs : 0.0, p50, p99, (unsigned long long)errors, (unsigned long long)bad);
    fflush(stdout);
    free(buf);
    return errors || bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: hbbench DEV SECONDS SEQ_BS SPAN_MIB TESTS\n");
        return 2;
    }
    uint64_t seconds = strtoull(argv[2], NULL, 10), span = strtoull(argv[4], NULL, 10) << 20;
    size_t seq_bs = (size_t)strtoull(argv[3], NULL, 10);
    if (seconds == 0 || seq_bs == 0 || seq_bs % BLOCK || seq_bs > (8u << 20) || span < seq_bs) {
        fprintf(stderr, "hbbench: bad arguments\n");
        return 2;
    }
    int fd = open(argv[1], O_RDWR | O_DIRECT | O_CLOEXEC);
    if (fd < 0) { fprintf(stderr, "hbbench: open %s: %s\n", argv[1], strerror(errno)); return 1; }
    uint64_t size = 0;
    if (ioctl(fd, 0x80081272 /* BLKGETSIZE64 */, &size) == 0 && size && span > size) span = size - size % seq_bs;
    rng ^= now_ns();

    int failed = 0;
    char *tests = strdup(argv[5]);
    for (char *save = NULL, *test = strtok_r(tests, ",", &save); test; test = strtok_r(NULL, ",", &save))
        failed |= run(fd, test, seconds, seq_bs, span);
    close(fd);
    return failed;
}
