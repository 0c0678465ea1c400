/* dnasync-rpc: a small client of the dnasync daemon's socket (docs/rpc.md), in plain C with
 * no library beyond libc. Sends one JSON-RPC 2.0 request and prints the response line; with
 * `subscribe` it then prints every notification line until the daemon closes the socket.
 *
 *   dnasync-rpc SOCKET METHOD [PARAMS_JSON]
 *   dnasync-rpc ~/.dna/dnasync.sock status
 *   dnasync-rpc ~/.dna/dnasync.sock send '{"recipient":"bob","text":"hi"}'
 *   dnasync-rpc ~/.dna/dnasync.sock subscribe
 *
 * Exit: 0 a result, 1 an error response, 2 usage, 3 cannot connect or the connection closed
 * before a response. PARAMS_JSON is sent as given: the daemon checks it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int connect_to(const char *path)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a.sun_path) {
        fprintf(stderr, "dnasync-rpc: socket path too long\n");
        return -1;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "dnasync-rpc: cannot connect to %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: dnasync-rpc SOCKET METHOD [PARAMS_JSON]\n");
        return 2;
    }
    const char *params = argc == 4 ? argv[3] : "{}";
    size_t need = strlen(argv[2]) + strlen(params) + 64;
    char *req = malloc(need);
    if (!req)
        return 3;
    /* The method name goes in as given; a name with quotes is the daemon's to refuse. */
    snprintf(req, need, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}\n", argv[2],
             params);
    int fd = connect_to(argv[1]);
    if (fd < 0 || send_all(fd, req, strlen(req)) != 0) {
        free(req);
        return 3;
    }
    free(req);
    /* Print line by line; the first line is the response, later ones notifications. */
    FILE *in = fdopen(fd, "r");
    if (!in)
        return 3;
    char *line = NULL;
    size_t cap = 0;
    int rc = 3;
    ssize_t n;
    int first = 1;
    while ((n = getline(&line, &cap, in)) > 0) {
        fwrite(line, 1, (size_t)n, stdout);
        fflush(stdout);
        if (first) {
            /* The daemon writes jsonrpc, id, then result or error (docs/rpc.md). */
            static const char err[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":";
            rc = strncmp(line, err, sizeof err - 1) == 0 ? 1 : 0;
            first = 0;
            if (strcmp(argv[2], "subscribe") != 0 || rc != 0)
                break;
        }
    }
    free(line);
    fclose(in);
    return rc;
}
