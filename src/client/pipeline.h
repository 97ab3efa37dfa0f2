/*
 * libprocmgr internals (not an interface): pipelined requests, used by
 * pm_client_spawn (spec/client.md section 2).
 */
#ifndef PROCMGR_CLIENT_PIPELINE_H
#define PROCMGR_CLIENT_PIPELINE_H

#include "procmgr/client.h"

/* on: the following requests are sent without waiting for their replies
 * (at most 8 unread; a ninth first reads the oldest); their calls return
 * PM_OK once sent, or a refusal made before sending.  off: back to one
 * request, one reply; replies still unread are read (in order) before the
 * next request's own. */
void pm_client_pipeline_(pm_client *c, int on);

/* Read every reply still unread; the first refusal among the pipelined
 * requests since the last call (PM_OK: none), then forgotten. */
pm_status pm_client_pipeline_status_(pm_client *c);

#endif /* PROCMGR_CLIENT_PIPELINE_H */
