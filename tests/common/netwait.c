#define _POSIX_C_SOURCE 200809L
#include "netwait.h"

#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int tu_peers_ready(dht_storage_context_t *ctx, unsigned want)
{
    dht_storage_stats_t s;
    return dht_storage_stats(ctx, &s) == 0 && s.nodes >= want && s.nodes_good >= 1;
}

void tu_wait_peers(dht_storage_context_t *ctx, unsigned want)
{
    for (int i = 0; i < 100 && !tu_peers_ready(ctx, want); i++) /* <= 10 s */
        nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
}

int tu_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    CHECK(bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&a, &len) == 0);
    close(fd);
    return ntohs(a.sin_port);
}
