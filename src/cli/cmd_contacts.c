/* dnasync contacts / dnasync verify: this device's pins, fingerprints and safety numbers
 * (docs/trust.md). contacts reads only <home>/pins and the identity; verify goes to the DHT
 * only for a name that is not pinned yet. */
#include "cli/cli.h"
#include "cli/json.h"
#include "cli/open.h"
#include "crypto/fingerprint.h"
#include "dnasync/identity.h"
#include "dnasync/status.h"
#include "sync/contacts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Own identity's fingerprint (hex); prints the error itself. */
static int own_fingerprint(const cli_t *cli, char name[DNASYNC_NAME_MAX + 1],
                           uint8_t fp[DNASYNC_FP_BYTES])
{
    dnasync_identity_t *id = NULL;
    char err[512] = "";
    int rc = dnasync_identity_load(cli->home, &id, err, sizeof err);
    if (rc == DNASYNC_ENOTFOUND)
        return cli_error(CLI_FAIL, "no identity in %s (create one with: dnasync init NAME)",
                         cli->home);
    if (rc != 0)
        return cli_error(CLI_FAIL, "%s", err);
    rc = dnasync_fingerprint(id->sign_pk, id->kem_ek, fp);
    snprintf(name, DNASYNC_NAME_MAX + 1, "%s", id->name);
    dnasync_identity_free(id);
    return rc == 0 ? CLI_OK : cli_error(CLI_FAIL, "cannot compute the fingerprint");
}

static void print_contact(const cli_t *cli, const char *name, const uint8_t fp[32], bool self,
                          bool verified)
{
    char hex[DNASYNC_FP_HEX_LEN + 1];
    dnasync_fingerprint_hex(fp, hex);
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", name);
        json_str(&j, "fingerprint", hex);
        json_bool(&j, "self", self);
        json_bool(&j, "verified", verified);
        json_end(&j);
    } else {
        printf("%-10s %s  %s\n", self ? "(you)" : verified ? "verified" : "unverified", hex, name);
    }
}

static int run_contacts(cli_t *cli, const cli_args_t *a)
{
    (void)a;
    char me[DNASYNC_NAME_MAX + 1], err[512] = "";
    uint8_t fp[DNASYNC_FP_BYTES];
    if (own_fingerprint(cli, me, fp) != CLI_OK)
        return CLI_FAIL;
    dnasync_pin_t *pins = NULL;
    size_t n = 0;
    if (dnasync_pins_list(cli->home, &pins, &n, err, sizeof err) != 0)
        return cli_error(CLI_FAIL, "%s", err);
    print_contact(cli, me, fp, true, true);
    for (size_t i = 0; i < n; i++)
        print_contact(cli, pins[i].name, pins[i].fingerprint, false, pins[i].verified);
    free(pins);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

/* name's pin; when it is not pinned yet, resolve address on the DHT (which pins it). */
static int pinned(const cli_t *cli, const char *address, const char *name, dnasync_pin_t *pin)
{
    char err[512] = "";
    int rc = dnasync_pin_lookup(cli->home, name, pin, err, sizeof err);
    if (rc == 0 || rc != DNASYNC_ENOTFOUND)
        return rc == 0 ? CLI_OK : cli_error(CLI_FAIL, "%s", err);
    dnasync_home_t *home;
    if (cli_open_home(cli, true, &home) != CLI_OK)
        return CLI_FAIL;
    sync_context_t *sync = dnasync_home_sync(home);
    char bare[DNASYNC_NAME_MAX + 1];
    rc = sync_contact_pin(sync, address, bare);
    if (rc != 0)
        rc = cli_error_code(CLI_FAIL, rc == DNASYNC_EEXIST ? "ambiguous_name" : "failed", "%s",
                            sync_errmsg(sync));
    cli_close_home(cli, home);
    if (rc != 0)
        return rc;
    rc = dnasync_pin_lookup(cli->home, name, pin, err, sizeof err);
    return rc == 0 ? CLI_OK : cli_error(CLI_FAIL, "%s", err);
}

static int run_verify(cli_t *cli, const cli_args_t *a)
{
    char name[DNASYNC_NAME_MAX + 1], prefix[65], err[512] = "", me[DNASYNC_NAME_MAX + 1];
    if (sync_contact_parse(a->pos[0], name, prefix, err, sizeof err) != 0)
        return cli_error(CLI_USAGE, "%s", err);
    uint8_t own[DNASYNC_FP_BYTES];
    if (own_fingerprint(cli, me, own) != CLI_OK)
        return CLI_FAIL;
    if (strcmp(name, me) == 0)
        return cli_error(CLI_USAGE, "'%s' is this identity; verify the contact you talk to", name);
    dnasync_pin_t pin;
    if (pinned(cli, a->pos[0], name, &pin) != CLI_OK)
        return CLI_FAIL;
    char hex[DNASYNC_FP_HEX_LEN + 1], own_hex[DNASYNC_FP_HEX_LEN + 1];
    dnasync_fingerprint_hex(pin.fingerprint, hex);
    dnasync_fingerprint_hex(own, own_hex);
    if (*prefix && !dnasync_fingerprint_matches(pin.fingerprint, prefix))
        return cli_error(CLI_FAIL,
                         "'%s' is pinned to the key with fingerprint %s, not %s; refusing (a "
                         "pinned contact's key never changes)",
                         name, hex, prefix);
    char safety[DNASYNC_SAFETY_LEN + 1];
    if (dnasync_safety_number(own, pin.fingerprint, safety) != 0)
        return cli_error(CLI_FAIL, "cannot compute the safety number");
    bool confirm = cli_opt(a, "confirm") != NULL;
    if (confirm && dnasync_pin_set_verified(cli->home, name, pin.fingerprint, err, sizeof err) != 0)
        return cli_error(CLI_FAIL, "%s", err);
    bool verified = confirm || pin.verified;
    if (cli->json) {
        json_line_t j;
        json_begin(&j, stdout);
        json_str(&j, "name", name);
        json_str(&j, "fingerprint", hex);
        json_str(&j, "own_fingerprint", own_hex);
        json_str(&j, "safety_number", safety);
        json_bool(&j, "verified", verified);
        json_end(&j);
    } else {
        printf("%s  %s\n%s  %s (you)\nsafety number:\n  %.35s\n  %s\n", hex, name, own_hex, me,
               safety, safety + 36);
        if (confirm)
            printf("marked '%s' as verified\n", name);
        else if (verified)
            printf("'%s' is verified\n", name);
        else
            printf("Compare these digits with %s (in person or on a call; %s runs: dnasync verify "
                   "%s). If they match: dnasync verify %s --confirm\n",
                   name, name, me, name);
    }
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

const cli_command_t cli_cmd_contacts = {
    "contacts",
    "",
    0,
    0,
    NULL,
    "list pinned contacts: fingerprint, verified or not",
    "Lists this identity's own fingerprint, then every contact this device has pinned (trust\n"
    "on first use, docs/trust.md): verified or unverified, the key's fingerprint, the name.\n"
    "With --json one object per line: {\"name\",\"fingerprint\",\"self\",\"verified\"}.\n",
    run_contacts,
    0};

static const cli_option_t verify_options[] = {
    {"confirm", 0, NULL, "record that the safety number matched (marks the contact verified)"},
    {NULL, 0, NULL, NULL},
};

const cli_command_t cli_cmd_verify = {
    "verify",
    "NAME[#FINGERPRINT]",
    1,
    1,
    verify_options,
    "show the safety number of a contact; --confirm marks it verified",
    "Prints the contact's fingerprint, yours, and the 60-digit safety number both of you\n"
    "compute from the two keys (the same on both sides). Compare it out of band; if it\n"
    "matches, --confirm records the contact as verified. A name not pinned yet is looked up\n"
    "on the DHT and pinned; when several keys claim it, give NAME#FINGERPRINT (>= 8 hex\n"
    "digits of the fingerprint the contact told you). A pinned contact's key never changes.\n"
    "With --json: {\"name\",\"fingerprint\",\"own_fingerprint\",\"safety_number\",\"verified\"}.\n",
    run_verify,
    0};
