#define _POSIX_C_SOURCE 200809L
#include "hostile_net.h"

#include "check.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "proc.h"
#include "testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pid_t spawn_node(const char *dir, size_t i, const char *boot, char out[32])
{
    char log[4200], *log_text;
    snprintf(log, sizeof log, "%s/node%zu.log", dir, i);
    char *argv[] = {
        DNASYNC_CLI_PATH, "node", "--port", "0", "--bind", "127.0.0.1", boot ? "--bootstrap" : NULL,
        (char *)boot,     NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    log_text = proc_wait_for_text(log, "listening on ", 30);
    if (!log_text) {
        proc_stop(pid, 5);
        fprintf(stderr, "node %zu did not start\n", i);
        exit(1);
    }
    const char *p = strstr(log_text, "listening on ");
    const char *end = p ? strchr(p, '\n') : NULL;
    const char *c = end;
    while (c && c > p && c[-1] != ':')
        c--;
    int port = c ? atoi(c) : 0;
    free(log_text);
    CHECK(port > 0);
    snprintf(out, 32, "127.0.0.1:%d", port);
    return pid;
}

void hnet_start(hnet_t *net)
{
    memset(net, 0, sizeof *net);
    net->devs.dir = test_tmpdir("hostile");
    for (size_t i = 0; i < HNET_NODES; i++)
        net->pid[i] = spawn_node(net->devs.dir, i, i ? net->boot[0] : NULL, net->boot[i]);
    net->hostile = hostile_start(net->boot[0]);
    CHECK(net->hostile != NULL);
}

static void open_home(tdev_t *d, const char *const *boot, size_t nb, bool network)
{
    dnasync_home_options_t opt = {
        .env = NULL, .bootstrap = boot, .n_bootstrap = nb, .network = network};
    char err[512];
    if (dnasync_home_open(d->home, &opt, &d->h, err, sizeof err) != 0) {
        fprintf(stderr, "open %s: %s\n", d->home, err);
        exit(1);
    }
    d->sync = dnasync_home_sync(d->h);
}

void hnet_open(hnet_t *net, tdev_t *d)
{
    const char *boot[HNET_NODES + 1];
    size_t n = 0;
    char hostile[32];
    for (size_t i = 0; i < HNET_NODES; i++)
        boot[n++] = net->boot[i];
    if (net->hostile) {
        hostile_addr(net->hostile, hostile);
        boot[n++] = hostile; /* known from the start, like any node a device was told about */
    }
    open_home(d, boot, n, true);
}

void hnet_open_offline(tdev_t *d)
{
    open_home(d, NULL, 0, false);
}

void hnet_stop(hnet_t *net)
{
    hostile_stop(net->hostile);
    net->hostile = NULL;
    for (size_t i = 0; i < HNET_NODES; i++)
        proc_stop(net->pid[i], 10);
    test_rmtree(net->devs.dir);
    free(net->devs.dir);
}

int hnet_sync_for(tdev_t *d, const char *id, int passes)
{
    for (int i = 0; i < passes; i++) {
        size_t up = 0, down = 0, del = 0;
        (void)sync_pass(d->sync, &up, &down, &del); /* a refused value may fail a pass */
        message_info_t m;
        memset(&m, 0, sizeof m);
        int rc = sync_get_message(d->sync, id, &m);
        message_info_clear(&m);
        if (rc == 0)
            return 1;
        nanosleep(&(struct timespec){0, 200000000}, NULL);
    }
    return 0;
}

int hnet_today_verified(tdev_t *d, char *why, size_t len)
{
    sync_day_status_t *days = NULL;
    size_t n = 0;
    CHECK_EQ_INT(sync_get_days(d->sync, &days, &n), 0);
    CHECK(n > 0);
    int verified = days[n - 1].verified;
    if (why && len)
        snprintf(why, len, "%s", days[n - 1].problem);
    free(days);
    return verified;
}

void hnet_summary(uint8_t **out, size_t *len, uint64_t *vid, const char *mailbox, int64_t day,
                  unsigned seed, uint32_t writer, int shard, uint32_t count, uint64_t x)
{
    dht_summary_entry_t e = {(uint8_t)shard, count, x};
    dht_value_t s;
    memset(&s, 0, sizeof s);
    s.version = DHT_VALUE_FORMAT;
    s.kind = DHT_KIND_SUMMARY;
    s.created_at = (uint64_t)time(NULL);
    s.mailbox = (char *)mailbox;
    s.day = (uint64_t)day;
    memset(s.writer_id, 0x77, sizeof s.writer_id);
    memcpy(s.writer_id, &writer, sizeof writer);
    s.counter = 1;
    s.entries = count ? &e : NULL;
    s.n_entries = count ? 1 : 0;
    uint8_t sk[32];
    memset(sk, 0x5a, sizeof sk);
    memcpy(sk, &seed, sizeof seed);
    CHECK_EQ_INT(dht_value_sign(&s, sk), 0);
    CHECK_EQ_INT(dht_value_encode(&s, out, len), 0);
    *vid = dht_value_id(&s);
}
