#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "cli/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void day_text(int64_t day, char *buf, size_t len)
{
    time_t t = (time_t)(day * DNASYNC_DAY_S);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d", &tm);
}

static int print_days(const cli_t *cli, sync_context_t *sync)
{
    sync_day_status_t *days = NULL;
    size_t n = 0;
    if (sync_get_days(sync, &days, &n) != 0)
        return cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    for (size_t i = 0; i < n; i++) {
        char d[32];
        day_text(days[i].day, d, sizeof d);
        if (cli->json) {
            json_line_t j;
            json_begin(&j, stdout);
            json_str(&j, "day", d);
            json_bool(&j, "verified", days[i].verified);
            json_bool(&j, "closed", days[i].closed);
            json_uint(&j, "expires_at", days[i].expires_at);
            if (days[i].problem[0])
                json_str(&j, "problem", days[i].problem);
            json_end(&j);
        } else {
            char t[CLI_TIME_LEN];
            printf("  %s  %-10s  leaves the DHT at %s%s%s\n", d,
                   days[i].verified ? (days[i].closed ? "complete" : "verified") : "unverified",
                   cli_time((int64_t)days[i].expires_at, t), days[i].problem[0] ? ": " : "",
                   days[i].problem);
        }
    }
    free(days);
    return CLI_OK;
}

static int run(cli_t *cli, const cli_args_t *a)
{
    bool show_days = cli_opt(a, "days") != NULL;
    dnasync_home_t *home;
    if (cli_open_home(cli, false, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    sync_status_t st;
    int rc = CLI_OK;
    if (sync_get_status(sync, &st) != 0) {
        rc = cli_error(CLI_FAIL, "%s", sync_errmsg(sync));
    } else if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", dnasync_home_name(home));
        json_str(&j, "device_id", dnasync_home_device_id(home));
        json_str(&j, "profile", dnasync_home_profile(home));
        json_uint(&j, "last_upload_time", st.last_upload_time);
        json_uint(&j, "last_download_time", st.last_download_time);
        json_uint(&j, "pending_uploads", st.pending_uploads);
        json_uint(&j, "pending_downloads", st.pending_downloads);
        json_bool(&j, "realtime_enabled", st.realtime_enabled);
        json_uint(&j, "pending_tombstones", st.pending_tombstones);
        json_uint(&j, "messages", st.messages);
        json_uint(&j, "verified_days", st.verified_days);
        json_uint(&j, "window_days", st.window_days);
        json_uint(&j, "oldest_unverified_expiry", st.oldest_unverified_expiry);
        json_uint(&j, "rejected_values", st.rejected_values);
        json_uint(&j, "damaged_rows", st.damaged_rows);
        json_end(&j);
    } else {
        printf("identity            %s\n", dnasync_home_name(home));
        printf("device              %s (%s)\n", dnasync_home_device_id(home),
               dnasync_home_profile(home));
        printf("messages            %zu\n", st.messages);
        printf("pending uploads     %zu\n", st.pending_uploads);
        printf("pending deletions   %zu\n", st.pending_tombstones);
        printf("pending downloads   %zu\n", st.pending_downloads);
        char t[CLI_TIME_LEN];
        printf("last upload         %s\n", cli_time((int64_t)st.last_upload_time, t));
        printf("last download       %s\n", cli_time((int64_t)st.last_download_time, t));
        printf("realtime            %s\n", st.realtime_enabled ? "on" : "off");
        printf("verified days       %u of %u\n", st.verified_days, st.window_days);
        if (st.oldest_unverified_expiry)
            printf("oldest unverified day expires at %s\n",
                   cli_time((int64_t)st.oldest_unverified_expiry, t));
        printf("rejected values     %" PRIu64 "\n", st.rejected_values);
        printf("damaged rows        %zu%s\n", st.damaged_rows,
               st.damaged_rows ? " (pending, unreadable in the cache; `dnasync sync` names them)"
                               : "");
        if (show_days)
            printf("days:\n");
    }
    if (rc == CLI_OK && show_days)
        rc = print_days(cli, sync);
    cli_close_home(cli, home);
    return rc;
}

static const cli_option_t options[] = {
    {"days", 0, NULL, "one line per day of the window: verified or not, when it leaves the DHT"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_status = {
    "status",
    "",
    0,
    0,
    options,
    "show sync state, pending work and per-day completeness",
    "Prints every sync_status_t field (with --json: one object, fields by name; times in\n"
    "Unix seconds there, ISO-8601 local time here).\n"
    "--days adds one line per day of the 30-day DHT window: verified complete or not,\n"
    "and when that day's values leave the DHT.\n",
    run,
    0};
