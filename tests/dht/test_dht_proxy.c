/* `dnasync node --proxy-port`: OpenDHT's REST proxy for browser devices answers on loopback,
 * serves /node/info, and a value POSTed through it (as a browser would, text/plain) comes back
 * from GET /key/<hash>. Real processes, plain HTTP over a socket. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "netwait.h"
#include "proc.h"
#include "testenv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* One HTTP/1.0 request; returns the malloc'd response (headers + body) or NULL. For streaming
 * endpoints the read stops after timeout_ms without new bytes. */
static char *http(int port, const char *method, const char *path, const char *body, int timeout_ms)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        if (s >= 0)
            close(s);
        return NULL;
    }
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     method, path, body ? strlen(body) : 0, body ? body : "");
    CHECK(write(s, req, (size_t)n) == n);
    size_t cap = 65536, len = 0;
    char *buf = calloc(1, cap);
    struct pollfd p = {s, POLLIN, 0};
    while (len + 1 < cap && poll(&p, 1, timeout_ms) > 0) {
        ssize_t r = read(s, buf + len, cap - len - 1);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(s);
    return buf;
}

int main(void)
{
    char *dir = test_tmpdir("proxy");
    char log[4200], portarg[16];
    snprintf(log, sizeof log, "%s/node.log", dir);
    int port = tu_free_port();
    snprintf(portarg, sizeof portarg, "%d", port);
    char *argv[] = {(char *)DNASYNC_CLI_PATH, "node",  "--bind", "127.0.0.1", "--port", "0",
                    "--proxy-port",           portarg, NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "REST proxy on", 20);
    CHECK(text);
    free(text);

    /* The proxy may accept before it answers (slow under ASan on a busy machine): ask again
     * until a full answer comes, bounded (<= 20 tries of <= 5 s). */
    char *r = NULL;
    for (int i = 0; i < 20; i++) {
        free(r);
        r = http(port, "GET", "/node/info", NULL, 5000);
        if (r && strstr(r, "200") && strstr(r, "node_id"))
            break;
        nanosleep(&(struct timespec){0, 100000000}, NULL);
    }
    if (!(r && strstr(r, "node_id")))
        fprintf(stderr, "last answer: %s\n", r ? r : "(no connection)");
    CHECK(r && strstr(r, "200") && strstr(r, "node_id"));
    free(r);

    /* A browser-style POST (text/plain, base64 data) and the value read back. */
    r = http(port, "POST", "/key/dnasync-proxy-test", "{\"data\":\"aGVsbG8=\"}", 3000);
    CHECK(r && strstr(r, " 200 "));
    free(r);
    r = http(port, "GET", "/key/dnasync-proxy-test", NULL, 3000);
    CHECK(r && strstr(r, "aGVsbG8="));
    free(r);

    CHECK_EQ_INT(proc_stop(pid, 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
