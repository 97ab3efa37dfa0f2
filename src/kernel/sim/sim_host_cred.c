/*
 * The sim's pm_kh_set_requester (include/procmgr/khost.h): the sim's
 * images have no owner, mode or mount, so there is nothing to check for a
 * client; the call is accepted and ignored.  Shell code, kept apart from
 * sim_host.c.
 */
#include <stddef.h>

#include "procmgr/khost.h"

void pm_kh_set_requester(struct pm_kernel *k, const pm_kh_cred *cr)
{
    (void)k;
    (void)cr;
}
