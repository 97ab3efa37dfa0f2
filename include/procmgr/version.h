/*
 * procmgr's version: one string for the whole project, shown by every
 * program's --version and written into procmgr.pc (mk/daemon.mk reads it
 * from this line).
 */
#ifndef PROCMGR_VERSION_H
#define PROCMGR_VERSION_H

#define PROCMGR_VERSION "0.9.0"

#endif
