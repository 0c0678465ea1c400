/* Per-day completeness of the 30-day window, for status. */
#define _POSIX_C_SOURCE 200809L
#include "sync/sync_days.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t day_expiry(int64_t day)
{
    /* Values uploaded on `day` were created no later than its end; they leave the DHT 30 days
     * after creation at the latest. */
    return (uint64_t)(day + 1 + SYNC_WINDOW_DAYS) * DNASYNC_DAY_S;
}

static int fill_days(sync_context_t *ctx, sync_day_status_t *days, size_t n)
{
    int64_t today = sync_today(ctx);
    for (size_t i = 0; i < n; i++) {
        int64_t day = today - SYNC_WINDOW_DAYS + (int64_t)i;
        dnasync_cache_day_t st;
        if (dnasync_cache_day_get(ctx->cache, ctx->identity, day, &st) != 0)
            return sync_cache_fail(ctx);
        days[i].day = day;
        days[i].verified = st.verified;
        days[i].closed = st.closed;
        days[i].expires_at = day_expiry(day);
        /* kept by the download (sync_download.c, set_day) while the day is not verified */
        char key[64], *why = NULL;
        snprintf(key, sizeof key, "day_problem:%lld", (long long)day);
        if (!st.verified && dnasync_cache_meta_get(ctx->cache, key, &why) == 0 && why)
            snprintf(days[i].problem, sizeof days[i].problem, "%s", why);
        free(why);
    }
    return DNASYNC_OK;
}

int sync_get_days(sync_context_t *ctx, sync_day_status_t **out, size_t *count)
{
    size_t n = SYNC_WINDOW_DAYS + 1;
    *out = calloc(n, sizeof **out);
    *count = 0;
    if (!*out)
        return dnasync_err_set(&ctx->err, DNASYNC_ENOMEM, "out of memory");
    pthread_mutex_lock(&ctx->lock);
    int rc = fill_days(ctx, *out, n);
    pthread_mutex_unlock(&ctx->lock);
    if (rc != 0) {
        free(*out);
        *out = NULL;
        return rc;
    }
    *count = n;
    return DNASYNC_OK;
}

/* Caller holds ctx->lock. */
int sync_days_summary(sync_context_t *ctx, uint32_t *verified, uint32_t *window,
                      uint64_t *oldest_unverified_expiry)
{
    sync_day_status_t days[SYNC_WINDOW_DAYS + 1];
    int rc = fill_days(ctx, days, SYNC_WINDOW_DAYS + 1);
    *verified = 0;
    *window = SYNC_WINDOW_DAYS + 1;
    *oldest_unverified_expiry = 0;
    for (size_t i = 0; rc == 0 && i < SYNC_WINDOW_DAYS + 1; i++) {
        if (days[i].verified)
            (*verified)++;
        else if (!*oldest_unverified_expiry)
            *oldest_unverified_expiry = days[i].expires_at;
    }
    return rc;
}
