/* dnasync-inbox: the newest messages cached in a device's home, read through libdnasync's public
 * API only (dnasync/home.h, dnasync/sync_protocol.h). It opens the home without going online,
 * lists the inbox and decrypts each message. Built against an installed dnasync:
 *
 *   cc -std=c11 $(pkg-config --cflags dnasync) dnasync_inbox.c $(pkg-config --libs dnasync)
 *   dnasync-inbox ~/.dna [LIMIT]
 *
 * Exit: 0 listed (also when there is nothing), 1 the home cannot be opened or read, 2 usage. */
#include <dnasync/home.h>
#include <dnasync/status.h>
#include <dnasync/sync_protocol.h>

#include <stdio.h>
#include <stdlib.h>

/* Names and texts come from other people: control characters are printed as '?', so a message
 * cannot drive the terminal. */
static void put_text(const char *s, char end)
{
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
    putchar(end);
}

static void print_message(sync_context_t *sync, const message_info_t *m)
{
    printf("%lld  %.12s  ", (long long)m->created_at, m->message_id);
    put_text(m->sender, ' ');
    printf("-> ");
    put_text(m->recipient, '\n');
    char *text = NULL;
    if (sync_open_message(sync, m, &text, NULL) == 0) {
        printf("    ");
        put_text(text, '\n');
        free(text);
    } else {
        printf("    (cannot decrypt: %s)\n", sync_errmsg(sync));
    }
}

int main(int argc, char **argv)
{
    char *end = NULL;
    unsigned long limit = argc == 3 ? strtoul(argv[2], &end, 10) : 20;
    if (argc < 2 || argc > 3 || (end && (*end || limit == 0))) {
        fprintf(stderr, "usage: dnasync-inbox HOME [LIMIT]\n");
        return 2;
    }
    char err[512];
    dnasync_home_t *home = NULL;
    dnasync_home_options_t opt = {0}; /* not online: the cache only, no DHT node */
    if (dnasync_home_open(argv[1], &opt, &home, err, sizeof err) != 0) {
        fprintf(stderr, "dnasync-inbox: %s\n", err);
        return 1;
    }
    sync_context_t *sync = dnasync_home_sync(home);
    message_info_t *msgs = NULL;
    size_t n = 0;
    sync_status_t st;
    int rc = sync_get_status(sync, &st);
    if (rc == 0)
        rc = sync_list_messages(sync, NULL, limit, &msgs, &n);
    if (rc != 0) {
        fprintf(stderr, "dnasync-inbox: %s (%s)\n", sync_errmsg(sync), dnasync_strerror(rc));
        dnasync_home_free(home);
        return 1;
    }
    printf("%s: %zu message(s) shown, %zu cached, %zu pending upload\n", dnasync_home_name(home), n,
           st.messages, st.pending_uploads);
    for (size_t i = 0; i < n; i++)
        print_message(sync, &msgs[i]);
    sync_free_messages(msgs, n);
    dnasync_home_free(home);
    return 0;
}
