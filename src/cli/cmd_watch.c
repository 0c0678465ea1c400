#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "cli/text.h"
#include "daemon/client.h"
#include "sync/sync_scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

typedef struct watch {
    const cli_t *cli;
    sync_context_t *sync;
} watch_t;

/* What an event line shows of a message; every pointer borrowed for the call. */
typedef struct shown {
    const char *sender;
    const char *recipient;
    int64_t created_at;
} shown_t;

/* One arrival or deletion, the same whether the event came from this process's node or from
 * the home's daemon. msg NULL: only the id is known. */
static void print_event(const cli_t *cli, bool message, const char *id, const shown_t *msg,
                        const char *text)
{
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "event", message ? "message" : "deleted");
        json_str(&j, "message_id", id);
        if (msg) {
            json_str(&j, "sender", msg->sender);
            json_str(&j, "recipient", msg->recipient);
            json_int(&j, "created_at", msg->created_at);
            json_str(&j, "text", text);
        }
        json_end(&j);
    } else if (msg) {
        char when[CLI_TIME_LEN];
        printf("new %s %s from ", id, cli_time(msg->created_at, when));
        cli_put_text(stdout, msg->sender);
        fputs(" to ", stdout);
        cli_put_text(stdout, msg->recipient);
        fputs(": ", stdout);
        cli_put_text(stdout, text ? text : "(cannot decrypt)");
        fputc('\n', stdout);
    } else {
        printf("%s %s\n", message ? "new" : "deleted", id);
    }
    fflush(stdout);
}

static void on_event(void *user, const sync_event_t *ev)
{
    watch_t *w = user;
    if (ev->kind != SYNC_EVENT_MESSAGE && ev->kind != SYNC_EVENT_DELETED)
        return;
    message_info_t msg;
    memset(&msg, 0, sizeof msg);
    char *text = NULL;
    bool have =
        ev->kind == SYNC_EVENT_MESSAGE && sync_get_message(w->sync, ev->message_id, &msg) == 0;
    if (have)
        sync_open_message(w->sync, &msg, &text, NULL);
    shown_t shown = {msg.sender, msg.recipient, msg.created_at};
    print_event(w->cli, ev->kind == SYNC_EVENT_MESSAGE, ev->message_id, have ? &shown : NULL, text);
    free(text);
    message_info_clear(&msg);
}

/* A notification of the home's daemon (docs/rpc.md), printed as on_event prints. */
static void on_notification(void *user, const char *method, json_t *p)
{
    const cli_t *cli = user;
    bool message = strcmp(method, "message") == 0;
    const char *id = json_string_value(json_object_get(p, "message_id"));
    if ((!message && strcmp(method, "deleted") != 0) || !id)
        return;
    bool have = message && json_is_string(json_object_get(p, "sender"));
    shown_t msg = {json_string_value(json_object_get(p, "sender")),
                   json_string_value(json_object_get(p, "recipient")),
                   (int64_t)json_integer_value(json_object_get(p, "created_at"))};
    size_t len = 0;
    char *text = client_text(p, "text", &len);
    print_event(cli, message, id, have ? &msg : NULL, text);
    free(text);
}

/* The daemon's verdict on the global options of this run (docs/rpc.md): they describe a node
 * of watch's own, and the daemon's are fixed. It checks them as for any command it runs, here
 * with a status that prints nothing. CLI_OK, or the exit code after the daemon's message. */
static int daemon_takes_options(const cli_t *cli)
{
    char *argv[2 * (CLI_MAX_BOOTSTRAP + CLI_MAX_GATEWAY) + 8], port[16];
    int n = 0;
    if (cli->json)
        argv[n++] = "--json";
    if (cli->profile)
        argv[n++] = "--profile", argv[n++] = (char *)cli->profile;
    if (cli->port) {
        snprintf(port, sizeof port, "%d", cli->port);
        argv[n++] = "--port", argv[n++] = port;
    }
    for (size_t i = 0; i < cli->n_bootstrap; i++)
        argv[n++] = "--bootstrap", argv[n++] = (char *)cli->bootstrap[i];
    for (size_t i = 0; i < cli->n_gateway; i++)
        argv[n++] = "--gateway", argv[n++] = (char *)cli->gateway[i];
    if (n == (cli->json ? 1 : 0))
        return CLI_OK;
    argv[n++] = "status";
    argv[n] = NULL;
    int rc = client_check_command(cli->home, n, argv);
    return rc > 0 ? rc : CLI_OK;
}

/* watch while the home's daemon runs: its notifications, until SIGINT/SIGTERM. */
static int watch_daemon(cli_t *cli, int fd, const sigset_t *stop)
{
    int refused = daemon_takes_options(cli);
    if (refused != CLI_OK) {
        close(fd);
        return refused;
    }
    int sfd = signalfd(-1, stop, SFD_CLOEXEC);
    if (sfd < 0) {
        close(fd);
        return cli_error(CLI_FAIL, "signalfd: %s", strerror(errno));
    }
    fprintf(stderr, "dnasync: watching through the daemon of %s; Ctrl-C stops\n", cli->home);
    int rc = client_subscribe(fd, sfd, on_notification, cli);
    close(sfd);
    close(fd);
    if (rc < 0)
        return cli_error(CLI_FAIL, "the daemon of %s refused the subscription", cli->home);
    if (rc > 0)
        return cli_error(CLI_FAIL, "the daemon of %s stopped", cli->home);
    fprintf(stderr, "dnasync: stopping\n");
    return CLI_OK;
}

static int run(cli_t *cli, const cli_args_t *a)
{
    /* Block the stop signals in every thread; this one waits for them below. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    int fd = client_connect(cli->home);
    bool log_passes = cli_opt(a, "log-passes") != NULL;
    if (fd >= 0 && log_passes) {
        close(fd);
        return cli_error(CLI_USAGE,
                         "--log-passes needs watch's own node; the daemon of %s runs "
                         "the passes (stop it first)",
                         cli->home);
    }
    if (fd >= 0) /* the home's daemon runs its node: its events, not a second node */
        return watch_daemon(cli, fd, &stop);

    dnasync_home_t *home;
    cli->session = true; /* a desktop session joins the DHT; mobile stays on its gateway */
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    watch_t w = {cli, sync};
    sync_set_event_callback(sync, on_event, &w);
    if (log_passes)
        sync_set_pass_log(sync, stderr);
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

static const cli_option_t options[] = {
    {"log-passes", 0, NULL, "a line on stderr per step of each sync pass (nodes, days, verdicts)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_watch = {
    "watch",
    "",
    0,
    0,
    options,
    "stay online and print each arrival and deletion as it happens",
    "With --profile desktop (the default) a DHT listen wakes the sync at once (with a periodic\n"
    "safety net); with --profile mobile: periodic sync only. Prints one line per new message or\n"
    "deletion (with --json one object: event, message_id, sender, recipient, created_at, text)\n"
    "until SIGINT/SIGTERM.\n"
    "--log-passes: each pass writes lines starting \"pass N\" to stderr: its start (periodic or\n"
    "wake, and the good nodes of this device's routing table), each day read (held values,\n"
    "summaries per writer, fetched, verified or why not), its end (docs/cli.md).\n",
    run,
    0};
