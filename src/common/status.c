/* Name and message tables for pm_status, generated from the X-macro lists in
 * include/procmgr/status.h.  Freestanding. */
#include "procmgr/status.h"

#define PM_STATUS_NAME_CASE_(e, n, name, msg) case n: return name;
#define PM_STATUS_MSG_CASE_(e, n, name, msg)  case n: return msg;

const char *pm_status_name(int status)
{
    switch (status) {
    PM_STATUS_ALL(PM_STATUS_NAME_CASE_)
    default: return "UNKNOWN";
    }
}

const char *pm_status_message(int status)
{
    switch (status) {
    PM_STATUS_ALL(PM_STATUS_MSG_CASE_)
    default: return "unknown status";
    }
}
