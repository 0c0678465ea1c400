/* Per-client request rate and listen count (see gw_limits.h). */
#include "node/gw_limits.h"

#include <stdio.h>
#include <string.h>

void gw_limits_init(gw_limits_t *l, double rate, int max_listens)
{
    memset(l, 0, sizeof *l);
    pthread_mutex_init(&l->mu, NULL);
    l->rate = rate;
    l->burst = 2 * rate;
    l->max_listens = max_listens;
}

void gw_limits_free(gw_limits_t *l)
{
    pthread_mutex_destroy(&l->mu);
}

/* The entry of addr, created (replacing the least recently seen one without open listens) when
 * new; NULL when every entry holds listens. Caller holds mu. */
static gw_client_t *find(gw_limits_t *l, const char *addr, uint64_t now_ms)
{
    gw_client_t *victim = NULL;
    for (int i = 0; i < GW_LIMIT_CLIENTS; i++) {
        gw_client_t *c = &l->c[i];
        if (c->addr[0] && strcmp(c->addr, addr) == 0)
            return c;
        if (c->listens > 0)
            continue;
        if (!c->addr[0]) { /* a free entry beats any used one */
            if (!victim || victim->addr[0])
                victim = c;
        } else if (!victim || (victim->addr[0] && c->last_ms < victim->last_ms))
            victim = c;
    }
    if (victim) {
        snprintf(victim->addr, sizeof victim->addr, "%s", addr);
        victim->tokens = l->burst;
        victim->last_ms = now_ms;
        victim->listens = 0;
    }
    return victim;
}

int gw_limits_request(gw_limits_t *l, const char *addr, uint64_t now_ms)
{
    pthread_mutex_lock(&l->mu);
    gw_client_t *c = find(l, addr, now_ms);
    int ok = 0;
    if (c) {
        if (now_ms > c->last_ms)
            c->tokens += (double)(now_ms - c->last_ms) * l->rate / 1000.0;
        if (c->tokens > l->burst)
            c->tokens = l->burst;
        c->last_ms = now_ms;
        if (c->tokens >= 1.0) {
            c->tokens -= 1.0;
            ok = 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return ok;
}

int gw_limits_listen_open(gw_limits_t *l, const char *addr, uint64_t now_ms)
{
    pthread_mutex_lock(&l->mu);
    gw_client_t *c = find(l, addr, now_ms);
    int ok = c && c->listens < l->max_listens;
    if (ok)
        c->listens++;
    pthread_mutex_unlock(&l->mu);
    return ok;
}

void gw_limits_listen_close(gw_limits_t *l, const char *addr)
{
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < GW_LIMIT_CLIENTS; i++)
        if (l->c[i].addr[0] && strcmp(l->c[i].addr, addr) == 0 && l->c[i].listens > 0)
            l->c[i].listens--;
    pthread_mutex_unlock(&l->mu);
}
