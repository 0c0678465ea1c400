/* One definition per rule (issue 15): the kind -> value type mapping (dht_type_of_kind), where a
 * put through the native transport with a kind that has no type is refused and stores nothing
 * (never guessed to be an identity); and the name rule, where a DHT key accepts exactly the names
 * common/names.h accepts. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "common/names.h"
#include "dht/dht_codec.h"
#include "dht/dht_keys.h"
#include "dht_testutil.h"
#include "gw_testutil.h"
#include "net/net.h"
#include "testenv.h"

#include <string.h>
#include <time.h>

static test_clock_t clk;

/* Values a get through net returns for key (-1 when the get fails). */
static int count_on(dnasync_net_t *net, const uint8_t key[DNASYNC_DHT_KEY_BYTES])
{
    dnasync_net_value_t *vals = NULL;
    size_t n = 0;
    char err[DNASYNC_NET_ERR_MAX] = "";
    if (net->ops->get(net, key, &vals, &n, err) != 0)
        return -1;
    dnasync_net_values_free(vals, n);
    return (int)n;
}

static void test_unknown_kind_refused(void)
{
    CHECK_EQ_INT(dht_type_of_kind(99), 0);
    CHECK_EQ_INT(dht_kind_of_type(dht_type_of_kind(DHT_KIND_IDENTITY)), DHT_KIND_IDENTITY);
    dht_storage_context_t *ctx = tu_ctx(NULL, &clk.env);
    dnasync_net_t *net = NULL;
    CHECK_EQ_INT(dnasync_net_dht_new(ctx, &net), 0);
    uint8_t sk[32];
    tu_seed(sk, 7);
    gt_value_t id;
    gt_identity(&id, "kindtest", sk, clk.now_ms / 1000u);

    dnasync_net_put_t it = {
        .val = id.data, .len = id.len, .kind = 99, .vid = id.vid, .created = (int64_t)id.created};
    memcpy(it.key, id.key, sizeof it.key);
    char err[DNASYNC_NET_ERR_MAX] = "";
    net->ops->put(net, &it, 1, DNASYNC_NET_PUT_BEST_EFFORT, err);
    CHECK(!it.ok);
    CHECK(net->ops->put(net, &it, 1, 0, err) != 0 || !it.ok);
    CHECK_EQ_INT(count_on(net, id.key), 0);

    it.kind = DHT_KIND_IDENTITY; /* the same value under its own kind is stored */
    net->ops->put(net, &it, 1, DNASYNC_NET_PUT_BEST_EFFORT, err);
    CHECK_EQ_INT(count_on(net, id.key), 1);

    gt_value_free(&id);
    dnasync_net_free(net);
    dht_storage_free(ctx);
}

static void test_key_names_follow_the_name_rule(void)
{
    /* names the old DHT-only rule let through, the one rule refuses */
    const char *bad[] = {"bob:x", "carol#8af9", " alice", "alice ", "\xc0\xaf", "\xed\xa0\x80"};
    uint8_t key[DNASYNC_DHT_KEY_BYTES];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(dnasync_name_check(bad[i], NULL, 0) != 0);
        CHECK(!dht_name_valid(bad[i]));
        CHECK(dht_key_id(key, bad[i]) != 0);
        CHECK(dht_key_sum(key, bad[i], 20000) != 0);
    }
    const char *good[] = {"alice", "Zo\xc3\xab Smith", "o'brien"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        CHECK(dht_name_valid(good[i]));
        CHECK_EQ_INT(dht_key_id(key, good[i]), 0);
    }
}

int main(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* the fake clock starts at the real time */
    test_clock_init(&clk, (uint64_t)ts.tv_sec, 15);
    RUN(test_unknown_kind_refused);
    RUN(test_key_names_follow_the_name_rule);
    return 0;
}
