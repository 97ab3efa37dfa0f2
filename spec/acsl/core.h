/*
 * ACSL predicates of the pure core (src/core), one header per module; each
 * public header includes its own after declaring its types:
 *   acsl/core_stack.h     initial stack image    (procmgr/stack.h)
 *   acsl/core_registry.h  registry and handles   (procmgr/registry.h)
 *   acsl/core_builder.h   launch builder         (procmgr/builder.h)
 * Including procmgr/stack.h, registry.h and builder.h brings all of them.
 */
#ifndef PROCMGR_ACSL_CORE_H
#define PROCMGR_ACSL_CORE_H
#include "procmgr/stack.h"
#include "procmgr/registry.h"
#include "procmgr/builder.h"
#endif
