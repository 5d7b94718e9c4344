/*
 * vhost-user front-end harness: plays QEMU's part against any vhost-user back-end and measures
 * the IOTLB round trip QEMU pays with the vCPU stalled (send IOTLB_MSG with NEED_REPLY, wait for
 * the u64 ack). The same binary, with the same code path, drives every back-end of the benchmark.
 *
 *   vhost_frontend --socket S [--raw] [--rings N] [--warmup W] [--iters N] [--burst B]
 *                  [--bursts M] [--out PREFIX] [--sync] [--label NAME]
 *
 * Handshake (skipped with --raw, for the ping-pong floor), in QEMU 7.2's order:
 *   SET_OWNER, GET_FEATURES, GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES(REPLY_ACK|BACKEND_REQ),
 *   SET_BACKEND_REQ_FD (socketpair), SET_FEATURES(VERSION_1|ACCESS_PLATFORM|PROTOCOL_FEATURES),
 *   SET_MEM_TABLE (one shared memfd region), then per ring SET_VRING_NUM, one IOTLB UPDATE that
 *   covers every ring, per ring SET_VRING_BASE/ADDR/KICK/CALL, SET_VRING_ENABLE: the device runs,
 *   its rings are translated, and no request is ever kicked (an idle guest).
 * Measurement, all IOTLB messages with NEED_REPLY:
 *   single: UPDATE(page) then INVALIDATE(page), one at a time; both round trips are timed.
 *   burst:  B UPDATEs pipelined, B acks; then B INVALIDATEs pipelined, B acks (timed, divided by B).
 * Pages cycle over 256 IOVAs so caches stay small. With --sync the harness prints "READY" after
 * the warm-up and waits for a line on stdin before measuring, then prints "DONE" (so the caller can
 * snapshot the back-end around exactly the measured window), then the JSON summary.
 * Output: PREFIX.inv, PREFIX.upd, PREFIX.burst (ns per sample, one per line) and a JSON line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
    GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, SET_MEM_TABLE = 5, SET_VRING_NUM = 8,
    SET_VRING_ADDR = 9, SET_VRING_BASE = 10, SET_VRING_KICK = 12, SET_VRING_CALL = 13,
    GET_PROTOCOL_FEATURES = 15, SET_PROTOCOL_FEATURES = 16, SET_VRING_ENABLE = 18,
    SET_BACKEND_REQ_FD = 21, IOTLB_MSG = 22,
};
enum { FLAG_VERSION = 0x1, FLAG_REPLY = 0x4, FLAG_NEED_REPLY = 0x8 };
enum { IOTLB_MISS = 1, IOTLB_UPDATE = 2, IOTLB_INVALIDATE = 3, PERM_RW = 3 };
#define F_PROTOCOL_FEATURES (1ULL << 30)
#define F_VERSION_1 (1ULL << 32)
#define F_ACCESS_PLATFORM (1ULL << 33)
#define PF_REPLY_ACK (1ULL << 3)
#define PF_BACKEND_REQ (1ULL << 5)

#define MEM_SIZE (16u << 20)
#define GPA_BASE 0x40000000ull
#define RING_IOVA 0x10000000ull /* rings at memfd offset 0, 16 KiB per ring */
#define RING_STRIDE 0x4000ull
#define DATA_IOVA 0x20000000ull /* data pages at memfd offset 1 MiB */
#define DATA_OFFSET (1u << 20)
#define PAGES 256u
#define RING_SIZE 256u
#define MAX_BURST 256

struct __attribute__((packed)) hdr { uint32_t request, flags, size; };
struct __attribute__((packed)) iotlb { uint64_t iova, size, uaddr; uint8_t perm, type; uint8_t pad[6]; };
struct __attribute__((packed)) iotlb_msg { struct hdr h; struct iotlb m; };
struct __attribute__((packed)) ack_msg { struct hdr h; uint64_t value; };

static int sock = -1;
static int backend_fd = -1;
static uint8_t *mem;
static volatile int stopping;
static volatile long backend_messages, backend_misses;

static void die(const char *what)
{
    fprintf(stderr, "vhost_frontend: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(2);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void send_all(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
    struct iovec iov = { (void *)buf, len };
    char control[CMSG_SPACE(sizeof(int) * 8)];
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds > 0) {
        memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    ssize_t n;
    do n = sendmsg(fd, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    if (n != (ssize_t)len) die("sendmsg");
    /* fds go with the first byte; the rest of a short write would follow plainly (never seen) */
}

static void recv_all(int fd, void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = recv(fd, (char *)buf + done, len - done, MSG_WAITALL);
        if (n == 0) { errno = 0; die("back-end closed the connection"); }
        if (n < 0) { if (errno == EINTR) continue; die("recv"); }
        done += (size_t)n;
    }
}

static void request(uint32_t req, const void *payload, uint32_t size, const int *fds, int nfds, int need_reply)
{
    uint8_t buf[sizeof(struct hdr) + 512];
    struct hdr h = { req, FLAG_VERSION | (need_reply ? FLAG_NEED_REPLY : 0), size };
    memcpy(buf, &h, sizeof h);
    if (size) memcpy(buf + sizeof h, payload, size);
    send_all(sock, buf, sizeof h + size, fds, nfds);
}

/* Reads a reply to req; returns its u64 payload (a reply of another size is a protocol error). */
static uint64_t reply_u64(uint32_t req)
{
    struct ack_msg a;
    recv_all(sock, &a, sizeof a);
    if (a.h.request != req || !(a.h.flags & FLAG_REPLY) || a.h.size != 8) {
        fprintf(stderr, "vhost_frontend: bad reply to %u: request %u flags 0x%x size %u\n", req, a.h.request, a.h.flags, a.h.size);
        exit(2);
    }
    return a.value;
}

static uint64_t get_u64(uint32_t req)
{
    request(req, NULL, 0, NULL, 0, 0);
    return reply_u64(req);
}

static void set_acked(uint32_t req, const void *payload, uint32_t size, const int *fds, int nfds)
{
    request(req, payload, size, fds, nfds, 1);
    uint64_t status = reply_u64(req);
    if (status != 0) { fprintf(stderr, "vhost_frontend: request %u refused (%llu)\n", req, (unsigned long long)status); exit(2); }
}

static void set_u64(uint32_t req, uint64_t v) { set_acked(req, &v, 8, NULL, 0); }

static void set_state(uint32_t req, uint32_t index, uint32_t num)
{
    uint32_t s[2] = { index, num };
    set_acked(req, s, sizeof s, NULL, 0);
}

static inline void iotlb_send(uint8_t type, uint64_t iova, uint64_t size, uint64_t uaddr)
{
    struct iotlb_msg m = { { IOTLB_MSG, FLAG_VERSION | FLAG_NEED_REPLY, sizeof(struct iotlb) },
                           { iova, size, uaddr, PERM_RW, type, { 0 } } };
    send_all(sock, &m, sizeof m, NULL, 0);
}

static inline void iotlb_ack(void)
{
    uint64_t status = reply_u64(IOTLB_MSG);
    if (status != 0) { fprintf(stderr, "vhost_frontend: IOTLB message refused (%llu)\n", (unsigned long long)status); exit(2); }
}

/* The back-end request channel: counts what the back-end sends (misses should never come) and acks. */
static void *backend_loop(void *arg)
{
    (void)arg;
    struct pollfd p = { backend_fd, POLLIN, 0 };
    while (!stopping) {
        if (poll(&p, 1, 100) <= 0) continue;
        struct hdr h;
        uint8_t payload[4096];
        ssize_t n = recv(backend_fd, &h, sizeof h, MSG_WAITALL);
        if (n <= 0) return NULL;
        if (h.size > sizeof payload || recv(backend_fd, payload, h.size, MSG_WAITALL) != (ssize_t)h.size) return NULL;
        backend_messages++;
        if (h.request == 1 /* BACKEND_IOTLB_MSG */ && h.size >= 26 && payload[25] == IOTLB_MISS) backend_misses++;
        if (h.flags & FLAG_NEED_REPLY) {
            struct ack_msg a = { { h.request, FLAG_VERSION | FLAG_REPLY, 8 }, 0 };
            send_all(backend_fd, &a, sizeof a, NULL, 0);
        }
    }
    return NULL;
}

static void handshake(int rings)
{
    request(SET_OWNER, NULL, 0, NULL, 0, 0);
    uint64_t features = get_u64(GET_FEATURES);
    uint64_t want = F_VERSION_1 | F_ACCESS_PLATFORM | F_PROTOCOL_FEATURES;
    if ((features & want) != want) {
        fprintf(stderr, "vhost_frontend: back-end features 0x%llx lack VERSION_1|ACCESS_PLATFORM|PROTOCOL_FEATURES\n", (unsigned long long)features);
        exit(2);
    }
    uint64_t pf = get_u64(GET_PROTOCOL_FEATURES);
    if ((pf & (PF_REPLY_ACK | PF_BACKEND_REQ)) != (PF_REPLY_ACK | PF_BACKEND_REQ)) {
        fprintf(stderr, "vhost_frontend: protocol features 0x%llx lack REPLY_ACK|BACKEND_REQ\n", (unsigned long long)pf);
        exit(2);
    }
    uint64_t pf_set = PF_REPLY_ACK | PF_BACKEND_REQ;
    request(SET_PROTOCOL_FEATURES, &pf_set, 8, NULL, 0, 0);

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) die("socketpair");
    backend_fd = pair[0];
    set_acked(SET_BACKEND_REQ_FD, NULL, 0, &pair[1], 1);
    close(pair[1]);
    set_u64(SET_FEATURES, want);

    /* Sealed against shrinking, as QEMU's memory-backend-memfd is (seal=on): the bridge maps no other memory. */
    int memfd = memfd_create("hb-bench-guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0 || ftruncate(memfd, MEM_SIZE) < 0) die("memfd");
    if (fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) die("F_ADD_SEALS");
    mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (mem == MAP_FAILED) die("mmap");
    memset(mem, 0, MEM_SIZE);
    struct __attribute__((packed)) { uint32_t n, pad; uint64_t gpa, size, uaddr, offset; } table =
        { 1, 0, GPA_BASE, MEM_SIZE, (uint64_t)(uintptr_t)mem, 0 };
    set_acked(SET_MEM_TABLE, &table, sizeof table, &memfd, 1);
    close(memfd);

    for (int r = 0; r < rings; r++) set_state(SET_VRING_NUM, (uint32_t)r, RING_SIZE);
    /* One translation for every ring, as QEMU would have answered the back-end's misses. */
    iotlb_send(IOTLB_UPDATE, RING_IOVA, RING_STRIDE * (uint64_t)rings, (uint64_t)(uintptr_t)mem);
    iotlb_ack();
    for (int r = 0; r < rings; r++) {
        set_state(SET_VRING_BASE, (uint32_t)r, 0);
        uint64_t base = RING_IOVA + RING_STRIDE * (uint64_t)r;
        struct __attribute__((packed)) { uint32_t index, flags; uint64_t desc, used, avail, log; } addr =
            { (uint32_t)r, 0, base, base + 0x2000, base + 0x1000, 0 };
        set_acked(SET_VRING_ADDR, &addr, sizeof addr, NULL, 0);
        int kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (kick < 0 || call < 0) die("eventfd");
        uint64_t index = (uint64_t)r;
        set_acked(SET_VRING_KICK, &index, 8, &kick, 1);
        set_acked(SET_VRING_CALL, &index, 8, &call, 1);
        /* the harness keeps its ends open (never kicked): the device idles like a quiet guest */
    }
    for (int r = 0; r < rings; r++) set_state(SET_VRING_ENABLE, (uint32_t)r, 1);
}

static void connect_socket(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) { fprintf(stderr, "socket path too long\n"); exit(2); }
    strcpy(a.sun_path, path);
    for (int attempt = 0; attempt < 200; attempt++) {
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0) die("socket");
        if (connect(sock, (struct sockaddr *)&a, sizeof a) == 0) return;
        close(sock);
        usleep(50000);
    }
    die("connect");
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *sorted, size_t n, double p)
{
    if (n == 0) return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

static void write_samples(const char *prefix, const char *ext, const uint64_t *v, size_t n)
{
    if (!prefix) return;
    char path[4096];
    snprintf(path, sizeof path, "%s.%s", prefix, ext);
    FILE *f = fopen(path, "w");
    if (!f) die(path);
    for (size_t i = 0; i < n; i++) fprintf(f, "%llu\n", (unsigned long long)v[i]);
    fclose(f);
}

static void summary(const char *name, uint64_t *v, size_t n, int last)
{
    uint64_t *s = malloc(n * sizeof *s + 1);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_u64);
    printf("\"%s\":{\"n\":%zu,\"p50_ns\":%llu,\"p99_ns\":%llu,\"min_ns\":%llu,\"max_ns\":%llu}%s", name, n,
           (unsigned long long)pct(s, n, 50), (unsigned long long)pct(s, n, 99), (unsigned long long)(n ? s[0] : 0),
           (unsigned long long)(n ? s[n - 1] : 0), last ? "" : ",");
    free(s);
}

int main(int argc, char **argv)
{
    const char *path = NULL, *prefix = NULL, *label = "";
    int raw = 0, sync = 0, rings = 1;
    long warmup = 2000, iters = 20000, burst = 32, bursts = 500;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--raw")) raw = 1;
        else if (!strcmp(a, "--sync")) sync = 1;
        else if (v && !strcmp(a, "--socket")) path = v, i++;
        else if (v && !strcmp(a, "--out")) prefix = v, i++;
        else if (v && !strcmp(a, "--label")) label = v, i++;
        else if (v && !strcmp(a, "--rings")) rings = atoi(v), i++;
        else if (v && !strcmp(a, "--warmup")) warmup = atol(v), i++;
        else if (v && !strcmp(a, "--iters")) iters = atol(v), i++;
        else if (v && !strcmp(a, "--burst")) burst = atol(v), i++;
        else if (v && !strcmp(a, "--bursts")) bursts = atol(v), i++;
        else { fprintf(stderr, "usage: vhost_frontend --socket S [--raw] [--rings N] [--warmup W] [--iters N] [--burst B] [--bursts M] [--out PREFIX] [--sync] [--label L]\n"); return 2; }
    }
    if (!path || rings < 1 || rings > 8 || iters < 1 || burst < 1 || burst > MAX_BURST || bursts < 0 || warmup < 0) {
        fprintf(stderr, "vhost_frontend: bad arguments\n");
        return 2;
    }

    connect_socket(path);
    pthread_t backend_thread;
    int have_backend_thread = 0;
    uint64_t base_uaddr = 0;
    if (!raw) {
        handshake(rings);
        if (pthread_create(&backend_thread, NULL, backend_loop, NULL) != 0) die("pthread_create");
        have_backend_thread = 1;
        base_uaddr = (uint64_t)(uintptr_t)mem + DATA_OFFSET;
    }

    uint64_t *inv = malloc((size_t)iters * sizeof *inv), *upd = malloc((size_t)iters * sizeof *upd);
    uint64_t *bur = malloc(((size_t)bursts + 1) * sizeof *bur);
    if (!inv || !upd || !bur) die("malloc");

    for (long i = 0; i < warmup; i++) {
        uint64_t page = (uint64_t)(i % PAGES) * 4096u;
        iotlb_send(IOTLB_UPDATE, DATA_IOVA + page, 4096, base_uaddr + page);
        iotlb_ack();
        iotlb_send(IOTLB_INVALIDATE, DATA_IOVA + page, 4096, 0);
        iotlb_ack();
    }
    if (sync) {
        printf("READY\n");
        fflush(stdout);
        char line[64];
        if (!fgets(line, sizeof line, stdin)) { fprintf(stderr, "vhost_frontend: no GO on stdin\n"); return 2; }
    }

    for (long i = 0; i < iters; i++) {
        uint64_t page = (uint64_t)(i % PAGES) * 4096u;
        uint64_t t0 = now_ns();
        iotlb_send(IOTLB_UPDATE, DATA_IOVA + page, 4096, base_uaddr + page);
        iotlb_ack();
        uint64_t t1 = now_ns();
        iotlb_send(IOTLB_INVALIDATE, DATA_IOVA + page, 4096, 0);
        iotlb_ack();
        uint64_t t2 = now_ns();
        upd[i] = t1 - t0;
        inv[i] = t2 - t1;
    }
    for (long b = 0; b < bursts; b++) {
        uint64_t first = (uint64_t)((b * burst) % PAGES);
        for (long k = 0; k < burst; k++) {
            uint64_t page = ((first + (uint64_t)k) % PAGES) * 4096u;
            iotlb_send(IOTLB_UPDATE, DATA_IOVA + page, 4096, base_uaddr + page);
        }
        for (long k = 0; k < burst; k++) iotlb_ack();
        uint64_t t0 = now_ns();
        for (long k = 0; k < burst; k++) {
            uint64_t page = ((first + (uint64_t)k) % PAGES) * 4096u;
            iotlb_send(IOTLB_INVALIDATE, DATA_IOVA + page, 4096, 0);
        }
        for (long k = 0; k < burst; k++) iotlb_ack();
        bur[b] = (now_ns() - t0) / (uint64_t)burst;
    }
    if (sync) {
        printf("DONE\n");
        fflush(stdout);
    }

    write_samples(prefix, "inv", inv, (size_t)iters);
    write_samples(prefix, "upd", upd, (size_t)iters);
    write_samples(prefix, "burst", bur, (size_t)bursts);
    printf("{\"harness\":\"c\",\"label\":\"%s\",\"raw\":%s,\"rings\":%d,\"burst\":%ld,", label, raw ? "true" : "false", rings, burst);
    summary("invalidate", inv, (size_t)iters, 0);
    summary("update", upd, (size_t)iters, 0);
    summary("burst_invalidate", bur, (size_t)bursts, 0);
    printf("\"backend_messages\":%ld,\"backend_misses\":%ld}\n", backend_messages, backend_misses);
    fflush(stdout);

    stopping = 1;
    if (have_backend_thread) pthread_join(backend_thread, NULL);
    close(sock);
    return 0;
}
