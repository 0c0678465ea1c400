#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "cli/progress.h"
#include "daemon/daemon.h"

#include <stdio.h>
#include <stdlib.h>

static void on_event(void *user, const sync_event_t *ev)
{
    if (ev->kind == SYNC_EVENT_PROGRESS)
        cli_progress_report(user, "catching up", ev->done, ev->total);
}

/* Never silent: a day left unverified says why on stderr (a flooded or unreadable summary key,
 * a summary naming values this device lacks or refused). */
static void warn_unverified(sync_context_t *sync)
{
    sync_day_status_t *days = NULL;
    size_t n = 0;
    if (sync_get_days(sync, &days, &n) != 0)
        return;
    for (size_t i = 0; i < n; i++)
        if (!days[i].verified && days[i].problem[0])
            fprintf(stderr, "dnasync: warning: day %lld not verified: %s\n", (long long)days[i].day,
                    days[i].problem);
    free(days);
}

static int run(cli_t *cli, const cli_args_t *a)
{
    (void)a;
    dnasync_home_t *home;
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    cli_progress_t progress;
    cli_progress_init(&progress, cli);
    if (!cli->daemon_home)
        sync_set_event_callback(sync, on_event, &progress);
    else /* the daemon keeps its callback (subscribers) and passes this pass's events on */
        daemon_command_events(on_event, &progress);
    size_t up = 0, down = 0, del = 0;
    int rc = sync_pass(sync, &up, &down, &del);
    if (cli->daemon_home)
        daemon_command_events(NULL, NULL);
    cli_progress_end(&progress);
    sync_status_t st;
    sync_get_status(sync, &st);
    /* Damaged cached messages were skipped, not fatal: every other one went on. Never silent. */
    cli_warn_damaged(sync, "was not uploaded", "it stays pending and untouched");
    warn_unverified(sync);
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_uint(&j, "uploaded", up);
        json_uint(&j, "downloaded", down);
        json_uint(&j, "deleted", del);
        json_uint(&j, "pending_uploads", st.pending_uploads);
        json_uint(&j, "verified_days", st.verified_days);
        json_uint(&j, "damaged_rows", st.damaged_rows);
        json_bool(&j, "ok", rc == 0);
        if (rc != 0)
            json_str(&j, "error", sync_errmsg(sync));
        json_end(&j);
    } else {
        printf("uploaded %zu, downloaded %zu, deleted %zu; %zu pending; %u of %u days verified\n",
               up, down, del, st.pending_uploads, st.verified_days, st.window_days);
    }
    int code = CLI_OK;
    if (rc != 0)
        code = cli_error(CLI_FAIL, "sync incomplete: %s", sync_errmsg(sync));
    cli_close_home(cli, home);
    return code;
}

const cli_command_t cli_cmd_sync = {
    "sync",
    "",
    0,
    0,
    NULL,
    "one pass: upload pending, download new messages and deletions",
    "Uploads pending messages and deletions, then reads every unverified day of the 30-day\n"
    "window and fetches what this device lacks. A day with 100 or more values to fetch shows\n"
    "progress: on a terminal one updating line on stderr, into a pipe or file one line per\n"
    "report, with --json {\"progress\":{\"step\":...,\"done\":N,\"total\":M}} objects on stdout\n"
    "before the result; the last report of a day is \"M of M\" when everything came.\n"
    "With --json: {\"uploaded\":N,\"downloaded\":N,\"deleted\":N,...}. Exit 1 if any part failed\n"
    "(what succeeded is kept; the rest is retried next time).\n"
    "A pending message whose copy in the cache is damaged is skipped with a warning on stderr\n"
    "naming it (it stays pending; damaged_rows counts them); that alone does not fail the pass.\n",
    run,
    0};
