/*
 * The floor: the least a back-end can do per IOTLB round trip on a UNIX stream socket. Accepts
 * connections one after another on SOCKET; for each, reads whole 44-byte IOTLB_MSG requests
 * (12-byte vhost-user header + 32-byte payload, what QEMU sends) and answers each with the 20-byte
 * u64 ack (a valid vhost-user reply, so the front-end harness runs unchanged with --raw).
 * One recv and one send per message, blocking, no parsing beyond the header's request id.
 * With --batch: one recv takes whatever is queued (up to 4 KiB), one send answers every complete
 * message in it: the least a back-end costs when it reads queued messages together and answers
 * them together (HilBridge's pattern since issue 16), so a bridge that batches is held to that floor.
 *
 *   pingpong [--batch] SOCKET
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define REQUEST_LEN 44

struct __attribute__((packed)) ack_msg { uint32_t request, flags, size; uint64_t value; };

static int serve(int fd)
{
    uint8_t req[REQUEST_LEN];
    for (;;) {
        size_t got = 0;
        while (got < sizeof req) {
            ssize_t n = recv(fd, req + got, sizeof req - got, 0);
            if (n == 0) return 0;
            if (n < 0) { if (errno == EINTR) continue; return -1; }
            got += (size_t)n;
        }
        uint32_t request;
        memcpy(&request, req, sizeof request);
        struct ack_msg a = { request, 0x1 | 0x4, 8, 0 };
        if (send(fd, &a, sizeof a, MSG_NOSIGNAL) != (ssize_t)sizeof a) return -1;
    }
}

static int serve_batched(int fd)
{
    uint8_t buf[4096];
    size_t have = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + have, sizeof buf - have, 0);
        if (n == 0) return 0;
        if (n < 0) { if (errno == EINTR) continue; return -1; }
        have += (size_t)n;
        struct ack_msg acks[sizeof buf / REQUEST_LEN];
        size_t at = 0, count = 0;
        for (; have - at >= REQUEST_LEN; at += REQUEST_LEN) {
            uint32_t request;
            memcpy(&request, buf + at, sizeof request);
            acks[count++] = (struct ack_msg){ request, 0x1 | 0x4, 8, 0 };
        }
        if (count && send(fd, acks, count * sizeof acks[0], MSG_NOSIGNAL) != (ssize_t)(count * sizeof acks[0])) return -1;
        memmove(buf, buf + at, have - at);
        have -= at;
    }
}

int main(int argc, char **argv)
{
    int batch = argc == 3 && !strcmp(argv[1], "--batch");
    if (argc != 2 && !batch) { fprintf(stderr, "usage: pingpong [--batch] SOCKET\n"); return 2; }
    const char *path = argv[argc - 1];
    signal(SIGPIPE, SIG_IGN);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) { fprintf(stderr, "pingpong: socket path too long\n"); return 2; }
    strcpy(a.sun_path, path);
    unlink(path);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4) < 0) { perror("pingpong: listen"); return 1; }
    for (;;) {
        int fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) { if (errno == EINTR) continue; perror("pingpong: accept"); return 1; }
        if (batch) serve_batched(fd); else serve(fd);
        close(fd);
    }
}
