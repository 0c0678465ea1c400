/* The device runtime (daemon.h): one home, its one DHT node, its sync strategy, its socket. */
#define _POSIX_C_SOURCE 200809L
#include "daemon/daemon.h"

#include "common/err.h"
#include "daemon/exec.h"
#include "daemon/log.h"
#include "daemon/methods.h"
#include "daemon/ready.h"
#include "daemon/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events arrive on the sync engine's threads; they reach the server while it exists. */
static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static server_t *ev_server;
static sync_context_t *ev_sync;

static json_t *message_params(const char *id)
{
    message_info_t m;
    memset(&m, 0, sizeof m);
    json_t *p = json_pack("{s:s}", "message_id", id);
    if (p && sync_get_message(ev_sync, id, &m) == 0) {
        char *text = NULL;
        bool opened = sync_open_message(ev_sync, &m, &text, NULL) == 0;
        json_object_set_new(p, "sender", json_string(m.sender));
        json_object_set_new(p, "recipient", json_string(m.recipient));
        json_object_set_new(p, "created_at", json_integer(m.created_at));
        if (!opened || rpc_put_text(p, "text", text) != 0)
            json_object_set_new(p, "text", json_null());
        free(text);
        message_info_clear(&m);
    }
    return p;
}

/* The command the worker thread is running may want the events of its own pass (sync's
 * progress lines), as it gets them in its own process. */
static _Thread_local sync_event_cb command_cb;
static _Thread_local void *command_user;

void daemon_command_events(sync_event_cb cb, void *user)
{
    command_cb = cb;
    command_user = user;
}

static void on_event(void *user, const sync_event_t *ev)
{
    (void)user;
    if (command_cb)
        command_cb(command_user, ev);
    pthread_mutex_lock(&ev_mu);
    if (ev_server) {
        switch (ev->kind) {
        case SYNC_EVENT_MESSAGE:
            server_notify(ev_server, "message", message_params(ev->message_id));
            break;
        case SYNC_EVENT_DELETED:
            server_notify(ev_server, "deleted", json_pack("{s:s}", "message_id", ev->message_id));
            break;
        case SYNC_EVENT_RECEIPT:
            server_notify(ev_server, "receipt", json_pack("{s:s}", "message_id", ev->message_id));
            break;
        case SYNC_EVENT_PROGRESS:
            server_notify(ev_server, "progress",
                          json_pack("{s:I,s:I}", "done", (json_int_t)ev->done, "total",
                                    (json_int_t)ev->total));
            break;
        default: break;
        }
    }
    pthread_mutex_unlock(&ev_mu);
}

int daemon_run(const char *dir, const dnasync_home_options_t *opt_in, char *err, size_t errlen)
{
    /* Before any thread exists, so every thread inherits the mask and this one waits. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    if (dlog_init() != 0 || exec_init() != 0)
        return dnasync_err_buf(err, errlen, DNASYNC_EIO,
                               "cannot set up the log and the output capture");
    dnasync_home_options_t opt = *opt_in;
    opt.network = true;
    opt.role = "daemon";
    dnasync_home_t *home = NULL;
    uint64_t start_ms = dnasync_env_now_ms(NULL);
    dlog(DLOG_INFO, "starting on home %s", dir);
    int rc = dnasync_home_open(dir, &opt, &home, err, errlen);
    if (rc != 0)
        return rc;
    server_t *srv = NULL;
    rc = server_start(home, dir, &srv, err, errlen);
    if (rc != 0) {
        dnasync_home_free(home);
        return rc;
    }
    sync_context_t *sync = dnasync_home_sync(home);
    pthread_mutex_lock(&ev_mu);
    ev_server = srv;
    ev_sync = sync;
    pthread_mutex_unlock(&ev_mu);
    sync_set_event_callback(sync, on_event, NULL);
    bool realtime = strcmp(dnasync_home_profile(home), "mobile") != 0;
    if (realtime && sync_enable_realtime(sync) != 0) {
        dlog(DLOG_ERROR, "cannot listen on the DHT (%s); syncing periodically only",
             sync_errmsg(sync));
        realtime = false;
    }
    if (!realtime)
        sync_run_background(sync);
    dlog(DLOG_INFO,
         "serving: identity %s, device %.8s, %s profile (%s); socket %s/dnasync.sock; first "
         "pass and warm-up running",
         dnasync_home_name(home), dnasync_home_device_id(home), dnasync_home_profile(home),
         realtime ? "real time + periodic" : "periodic", dir);
    int sig = daemon_get_ready(home, srv, &stop, start_ms);
    if (sig == 0)
        sigwait(&stop, &sig);
    dlog(DLOG_INFO, "stopping (signal %d): finishing the request in flight", sig);
    pthread_mutex_lock(&ev_mu);
    ev_server = NULL;
    pthread_mutex_unlock(&ev_mu);
    server_stop(srv);
    dlog(DLOG_INFO, "socket closed; stopping the sync engine and the DHT node");
    dnasync_home_free(home); /* a pass in progress ends first; pending puts, node state saved */
    dlog(DLOG_INFO, "stopped");
    return 0;
}
