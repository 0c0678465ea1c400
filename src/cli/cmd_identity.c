/* dnasync link-code / dnasync join: move an identity to another device (docs/envelope.md,
 * "Link codes"). The work is done by dnasync_linkcode_make and dnasync_home_create; this file
 * parses arguments, asks for the passphrase on the terminal
 * (/dev/tty, echo off) and prints. */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/json.h"
#include "cli/open.h"

#include "dnasync/home.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PASS_MAX 1024

/* Reads one line from /dev/tty with echo off. 0 ok, -1 no terminal, -2 too long or I/O error. */
static int tty_passphrase(const char *prompt, char *out, size_t cap)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios old, quiet;
    if (tcgetattr(fd, &old) != 0) {
        close(fd);
        return -1;
    }
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ICANON;
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        close(fd);
        return -1;
    }
    int rc = 0;
    size_t n = 0;
    if (write(fd, prompt, strlen(prompt)) < 0)
        rc = -2;
    while (rc == 0) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = n > 0 ? 0 : -2;
            break;
        }
        if (c == '\n' || c == '\r')
            break;
        if (n + 1 >= cap) {
            rc = -2;
            break;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    (void)tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* the newline after the hidden input is cosmetic */
    }
    close(fd);
    if (rc != 0)
        OPENSSL_cleanse(out, cap);
    return rc;
}

/* The passphrase from --passphrase, else asked on the terminal (twice when confirm).
 * Returns 0, or the exit code after printing the error. */
static int get_passphrase(const char *given, int confirm, char *out, size_t cap)
{
    if (given) {
        if (strlen(given) >= cap)
            return cli_error(CLI_USAGE, "--passphrase is longer than %d bytes", PASS_MAX - 1);
        memcpy(out, given, strlen(given) + 1);
        return 0;
    }
    int rc = tty_passphrase(confirm ? "Passphrase for the link code: " : "Passphrase: ", out, cap);
    if (rc == -1)
        return cli_error(CLI_USAGE, "no terminal to ask for the passphrase; pass --passphrase P");
    if (rc != 0)
        return cli_error(CLI_FAIL, "could not read the passphrase from the terminal");
    if (confirm) {
        char again[PASS_MAX];
        rc = tty_passphrase("Repeat the passphrase: ", again, sizeof again);
        int same = rc == 0 && strcmp(again, out) == 0;
        OPENSSL_cleanse(again, sizeof again);
        if (!same) {
            OPENSSL_cleanse(out, cap);
            return cli_error(rc == 0 ? CLI_USAGE : CLI_FAIL,
                             rc == 0 ? "the two passphrases differ"
                                     : "could not read the passphrase from the terminal");
        }
    }
    return 0;
}

/* The whole of `dnasync link-code`: 0, or an exit code after printing the error. */
static int run_link_code(cli_t *cli, const cli_args_t *a)
{
    const char *pass = cli_opt(a, "passphrase"), *expires = cli_opt(a, "expires");
    unsigned long valid_s = DNASYNC_LINKCODE_VALID_DEFAULT_S;
    if (expires) {
        if (cli_parse_uint("--expires", expires, DNASYNC_LINKCODE_VALID_MAX_S, &valid_s) != CLI_OK)
            return CLI_USAGE;
        if (valid_s == 0)
            return cli_error(CLI_USAGE, "--expires wants 1..%d seconds, got '%s'",
                             DNASYNC_LINKCODE_VALID_MAX_S, expires);
    }
    char err[512] = "";
    dnasync_identity_t *id = NULL;
    int rc = dnasync_identity_load(cli->home, &id, err, sizeof err);
    if (rc == DNASYNC_ENOTFOUND)
        return cli_error(CLI_FAIL, "no identity in %s: run dnasync init NAME, or join CODE",
                         cli->home);
    if (rc != 0)
        return cli_error(CLI_FAIL, "%s", err);
    char pw[PASS_MAX];
    rc = get_passphrase(pass, 1, pw, sizeof pw);
    if (rc != 0) {
        dnasync_identity_free(id);
        return rc;
    }
    if (strlen(pw) < DNASYNC_LINKCODE_PASSPHRASE_MIN) {
        OPENSSL_cleanse(pw, sizeof pw);
        dnasync_identity_free(id);
        return cli_error(CLI_USAGE, "the passphrase must be at least %d bytes",
                         DNASYNC_LINKCODE_PASSPHRASE_MIN);
    }
    char *code = NULL;
    rc = dnasync_linkcode_make_valid(id, pw, DNASYNC_LINKCODE_LOG2N_DEFAULT, (uint32_t)valid_s,
                                     NULL, &code);
    OPENSSL_cleanse(pw, sizeof pw);
    dnasync_identity_free(id);
    if (rc != 0)
        return cli_error(CLI_FAIL, "cannot make a link code: %s", dnasync_strerror(rc));
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "code", code);
        json_end(&j);
    } else {
        printf("%s\n", code);
    }
    OPENSSL_cleanse(code, strlen(code));
    free(code);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

/* The whole of `dnasync join`: dnasync_home_create with the code (identity, device id, cache,
 * config; published unless --offline). */
static int run_join(cli_t *cli, const cli_args_t *a)
{
    const char *pass = cli_opt(a, "passphrase"), *code = a->pos[0];
    char err[512] = "";
    /* Refuse a home with an identity before asking for anything. */
    dnasync_identity_t *id = NULL;
    int rc = dnasync_identity_load(cli->home, &id, err, sizeof err);
    dnasync_identity_free(id);
    if (rc == 0)
        return cli_error(CLI_FAIL, "%s already has an identity; join needs a new home (--home DIR)",
                         cli->home);
    if (rc != DNASYNC_ENOTFOUND)
        return cli_error(CLI_FAIL, "%s", err);
    char pw[PASS_MAX];
    rc = get_passphrase(pass, 0, pw, sizeof pw);
    if (rc != 0)
        return rc;
    /* identity, device id, cache and config, published and read back: all or nothing */
    char name[DNASYNC_NAME_MAX + 1];
    dnasync_home_create_t c = {.link_code = code,
                               .passphrase = pw,
                               .bootstrap = cli->bootstrap,
                               .n_bootstrap = cli->n_bootstrap,
                               .gateway = cli->gateway,
                               .n_gateway = cli->n_gateway,
                               .port = cli->port,
                               .offline = cli_opt(a, "offline") != NULL};
    rc = dnasync_home_create(cli->home, &c, name, err, sizeof err);
    OPENSSL_cleanse(pw, sizeof pw);
    if (rc != 0)
        return cli_error(CLI_FAIL, "%s", err);
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", name);
        json_end(&j);
    } else {
        printf("%s\n", name);
    }
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

static const cli_option_t link_code_options[] = {
    {"passphrase", 0, "P", "the link code's passphrase (asked on the terminal when not given)"},
    {"expires", 0, "SECONDS", "how long the code stays valid (1..604800, default 900)"},
    {NULL, 0, NULL, NULL},
};

static const cli_option_t join_options[] = {
    {"passphrase", 0, "P", "the link code's passphrase (asked on the terminal when not given)"},
    {"offline", 0, NULL, "create the home without going online (published by the first sync)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_link_code = {
    "link-code",
    "",
    0,
    0,
    link_code_options,
    "print a code that carries this identity to another device",
    "Prints a link code (DNA1-...) for `dnasync join` on another device. The code holds this\n"
    "identity's master secret, encrypted under the passphrase (at least 12 bytes; asked on the\n"
    "terminal with echo off when not given). Anyone with the code and the passphrase becomes\n"
    "this identity: keep both secret and short-lived. It expires after 15 minutes, or after\n"
    "--expires SECONDS (at most 7 days); join refuses it then.\n",
    run_link_code,
    0};

const cli_command_t cli_cmd_join = {
    "join",
    "CODE",
    1,
    1,
    join_options,
    "make this home another device of an existing identity",
    "Makes DIR (default ~/.dna) another device of the identity in CODE, made by\n"
    "`dnasync link-code` on one of its devices, with the same passphrase (asked on the\n"
    "terminal when not given). Refuses a home that already has an identity; a wrong\n"
    "passphrase or a damaged code creates nothing. Goes online through --bootstrap (saved\n"
    "in the home) and republishes the identity record; --offline skips that (then the first\n"
    "sync with a bootstrap node publishes it). Prints the identity's name.\n",
    run_join,
    0};
