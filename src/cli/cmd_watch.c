#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "cli/text.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct watch {
    const cli_t *cli;
    sync_context_t *sync;
} watch_t;

static void on_event(void *user, const sync_event_t *ev)
{
    watch_t *w = user;
    if (ev->kind == SYNC_EVENT_PROGRESS)
        return;
    message_info_t msg;
    memset(&msg, 0, sizeof msg);
    char *text = NULL;
    bool have =
        ev->kind == SYNC_EVENT_MESSAGE && sync_get_message(w->sync, ev->message_id, &msg) == 0;
    if (have)
        sync_open_message(w->sync, &msg, &text, NULL);
    if (w->cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "event", ev->kind == SYNC_EVENT_MESSAGE ? "message" : "deleted");
        json_str(&j, "message_id", ev->message_id);
        if (have) {
            json_str(&j, "sender", msg.sender);
            json_str(&j, "recipient", msg.recipient);
            json_int(&j, "created_at", msg.created_at);
            json_str(&j, "text", text);
        }
        json_end(&j);
    } else if (have) {
        char when[CLI_TIME_LEN];
        printf("new %s %s from ", ev->message_id, cli_time(msg.created_at, when));
        cli_put_text(stdout, msg.sender);
        fputs(" to ", stdout);
        cli_put_text(stdout, msg.recipient);
        fputs(": ", stdout);
        cli_put_text(stdout, text ? text : "(cannot decrypt)");
        fputc('\n', stdout);
    } else {
        printf("%s %s\n", ev->kind == SYNC_EVENT_DELETED ? "deleted" : "new", ev->message_id);
    }
    fflush(stdout);
    free(text);
    message_info_clear(&msg);
}

static int run(cli_t *cli, const cli_args_t *a)
{
    (void)a;
    /* Block the stop signals in every thread; this one waits for them below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    dnasync_home_t *home;
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    watch_t w = {cli, sync};
    sync_set_event_callback(sync, on_event, &w);
    bool realtime = strcmp(dnasync_home_profile(home), "mobile") != 0;
    int rc = CLI_OK;
    if (realtime && sync_enable_realtime(sync) != 0) {
        rc = cli_error(CLI_FAIL, "cannot listen on the DHT: %s", sync_errmsg(sync));
    } else {
        if (!realtime)
            sync_run_background(sync);
        fprintf(stderr, "dnasync: watching as %s on device %.8s (%s); Ctrl-C stops\n",
                dnasync_home_name(home), dnasync_home_device_id(home),
                realtime ? "real-time" : "periodic");
        int sig = 0;
        sigwait(&stop, &sig);
        fprintf(stderr, "dnasync: stopping (signal %d)\n", sig);
    }
    dnasync_home_free(home); /* stops the listen and the background thread, then the node */
    return rc;
}

const cli_command_t cli_cmd_watch = {
    "watch",
    "",
    0,
    0,
    NULL,
    "stay online and print each arrival and deletion as it happens",
    "With --profile desktop (the default) a DHT listen wakes the sync at once (with a periodic\n"
    "safety net); with --profile mobile: periodic sync only. Prints one line per new message or\n"
    "deletion (with --json one object: event, message_id, sender, recipient, created_at, text)\n"
    "until SIGINT/SIGTERM.\n",
    run,
    0};
