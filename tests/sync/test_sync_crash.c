/* kill -9 between the DHT confirming a put and the cache marking the row synced: after a
 * restart nothing is lost and nothing is duplicated. Real processes: two `dnasync node`s, a
 * child process that sends through a test transport dying right after the confirmed put
 * (fault_net.h; the shipped command has no such hook), then the dnasync command. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "fault_net.h"
#include "proc.h"
#include "testenv.h"

#include "dnasync/home.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char boot[2][64];

static proc_result_t dn(const char *home, const char *a, const char *b, const char *c)
{
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "--home",
                    (char *)home,
                    "--json",
                    "--bootstrap",
                    boot[0],
                    "--bootstrap",
                    boot[1],
                    (char *)a,
                    (char *)b,
                    (char *)c,
                    NULL};
    proc_result_t r;
    CHECK_EQ_INT(proc_run(argv, NULL, 60, &r), 0);
    return r;
}

static void ok(proc_result_t r)
{
    if (r.exit_code != 0) {
        fprintf(stderr, "exit %d: %s%s\n", r.exit_code, r.out, r.err);
        exit(1);
    }
    proc_result_free(&r);
}

static pid_t start_node(const char *dir, const char *name, const char *bootstrap, char *addr)
{
    char log[4200];
    snprintf(log, sizeof log, "%s/%s.log", dir, name);
    char *argv[] = {(char *)DNASYNC_CLI_PATH,
                    "node",
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    "0",
                    bootstrap ? "--bootstrap" : NULL,
                    (char *)bootstrap,
                    NULL};
    pid_t pid = proc_spawn(argv, log);
    CHECK(pid > 0);
    char *text = proc_wait_for_text(log, "listening on", 20);
    CHECK(text);
    char *p = strstr(text, "listening on ");
    CHECK(p && sscanf(p, "listening on %63s", addr) == 1);
    free(text);
    return pid;
}

/* In the child: alice's home on her own DHT node, through a transport that dies by SIGKILL once
 * a message put is confirmed; sends one message. Never returns. */
static void send_and_crash(const char *home)
{
    dht_storage_config_t cfg;
    dht_storage_config_default(&cfg);
    const char *nodes[2] = {boot[0], boot[1]};
    cfg.bootstrap = nodes;
    cfg.n_bootstrap = 2;
    dht_storage_context_t *dht = NULL;
    dnasync_net_t *native = NULL;
    if (dht_storage_init(&cfg, &dht) != 0 || dnasync_net_dht_new(dht, &native) != 0)
        _exit(3);
    for (int i = 0; i < 200; i++) { /* bounded: until the node has a peer */
        dht_storage_stats_t st;
        if (dht_storage_stats(dht, &st) == 0 && st.nodes > 0)
            break;
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    fault_net_t crash;
    fault_net_init(&crash, native);
    crash.crash_after_put = true;
    dnasync_home_options_t opt = {.network = true, .net = &crash.base};
    dnasync_home_t *h = NULL;
    char err[512], id[65];
    if (dnasync_home_open(home, &opt, &h, err, sizeof err) != 0) {
        fprintf(stderr, "open: %s\n", err);
        _exit(4);
    }
    const char *text = "survives a crash";
    int rc = sync_send(dnasync_home_sync(h), "bob", (const uint8_t *)text, strlen(text), id);
    fprintf(stderr, "send returned %d without crashing: %s\n", rc,
            sync_errmsg(dnasync_home_sync(h)));
    _exit(5);
}

/* Runs send_and_crash in a child process; its exit code as in proc_result_t. */
static int crash_child(const char *home)
{
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        send_and_crash(home);
    int status = 0;
    for (int i = 0; i < 1200; i++) { /* bounded: 60 s */
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

int main(void)
{
    char *dir = test_tmpdir("crash");
    pid_t n1 = start_node(dir, "node1", NULL, boot[0]);
    pid_t n2 = start_node(dir, "node2", boot[0], boot[1]);
    char alice[4200], bob[4200];
    snprintf(alice, sizeof alice, "%s/alice", dir);
    snprintf(bob, sizeof bob, "%s/bob", dir);
    ok(dn(alice, "init", "alice", NULL));
    ok(dn(bob, "init", "bob", NULL));
    ok(dn(bob, "sync", NULL, NULL)); /* publishes bob's identity */

    CHECK_EQ_INT(crash_child(alice), 128 + 9); /* SIGKILL, right after the put was confirmed */

    proc_result_t r = dn(alice, "status", NULL, NULL);
    CHECK(strstr(r.out, "\"pending_uploads\":1,")); /* stored, not marked */
    proc_result_free(&r);
    r = dn(alice, "sync", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"uploaded\":1,"));
    CHECK(strstr(r.out, "\"pending_uploads\":0,"));
    proc_result_free(&r);

    r = dn(bob, "sync", NULL, NULL);
    CHECK_EQ_INT(r.exit_code, 0);
    CHECK(strstr(r.out, "\"downloaded\":1,")); /* one message, not two */
    proc_result_free(&r);
    r = dn(bob, "inbox", NULL, NULL);
    CHECK(strstr(r.out, "survives a crash"));
    CHECK(strchr(r.out, '\n') == r.out + strlen(r.out) - 1); /* exactly one line */
    proc_result_free(&r);

    CHECK_EQ_INT(proc_stop(n2, 10), 0);
    CHECK_EQ_INT(proc_stop(n1, 10), 0);
    test_rmtree(dir);
    free(dir);
    return 0;
}
