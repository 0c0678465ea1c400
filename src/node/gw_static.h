/* Internal: the web device's page served by the gateway at `/` (docs/web.md), so the page and
 * the API share one origin. */
#ifndef DNASYNC_GW_STATIC_H
#define DNASYNC_GW_STATIC_H

#include "node/gw_internal.h"

/* 1 when a GET of url is for a page file ("/" or "/NAME" with NAME a plain file name), not for
 * the API. */
int gw_static_wants(const char *url, const char *method);
/* Serve it from the web root: gw_config_t.web_root (`--web-root`, else $DNASYNC_WEB_ROOT), else
 * the files beside the running program (installed: <prefix>/share/dnasync/web; a build dir: its
 * web/). 404 (JSON) when the file or the whole bundle is missing. */
enum MHD_Result gw_static_serve(gw_t *gw, struct MHD_Connection *c, const char *url);

#endif
