/* Static files of the web device (web/, bundled by scripts/web-build.sh) at `/`. Only plain
 * file names directly under the web root are served: no '/', no leading '.', nothing outside. */
#define _POSIX_C_SOURCE 200809L
#include "node/gw_static.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DNASYNC_WEB_FROM_BINDIR
#error "DNASYNC_WEB_FROM_BINDIR comes from CMake"
#endif

static int plain_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '-' || *s == '_'))
            return 0;
    return 1;
}

int gw_static_wants(const char *url, const char *method)
{
    return strcmp(method, "GET") == 0 && url[0] == '/' &&
           (url[1] == '\0' || (plain_name(url + 1) && strcmp(url + 1, "health") != 0));
}

static const char *content_type(const char *name)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".png", "image/png"},
        {".svg", "image/svg+xml"},
        {".json", "application/json"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

/* Where the running program's web files are: beside an installed `dnasync` the install's
 * share/dnasync/web (the same relative path as at install, so a moved prefix works too), beside
 * one in a build dir that dir's web/. Written to out (4096 B); 0 when found. */
static int beside_program(char out[4096])
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    const char *rel[] = {DNASYNC_WEB_FROM_BINDIR, "web"};
    for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
        char index[4200];
        if ((size_t)snprintf(out, 4096, "%s/%s", exe, rel[i]) >= 4096 ||
            (size_t)snprintf(index, sizeof index, "%s/index.html", out) >= sizeof index)
            continue;
        if (access(index, R_OK) == 0)
            return 0;
    }
    return -1;
}

enum MHD_Result gw_static_serve(gw_t *gw, struct MHD_Connection *c, const char *url)
{
    char found[4096];
    const char *root = gw->web_root ? gw->web_root : beside_program(found) == 0 ? found : NULL;
    if (!root)
        return gw_reply_error(gw, c, 404, "not_found",
                              "the web device is not installed beside this program (make builds "
                              "it when node and npm are installed; or give --web-root DIR)");
    const char *name = url[1] ? url + 1 : "index.html";
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", root, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return gw_reply_error(gw, c, 404, "not_found", "no such file");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type(name));
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* the page talks to this origin only and runs no inline script */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; frame-ancestors 'none'");
    enum MHD_Result rc = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return rc;
}
