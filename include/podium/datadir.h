#ifndef PODIUM_DATADIR_H
#define PODIUM_DATADIR_H

/*
 * Where podium's read-only data (templates/ of mails and pages) lives.
 *
 * In this order: $PODIUM_DATADIR when set and not empty; else PREFIX/
 * share/podium when the running binary is PREFIX/bin/NAME or PREFIX/sbin/
 * NAME and PREFIX/share/podium/templates is a folder (an installed copy,
 * wherever it was installed); else the source tree the library was built
 * from, so that programs and tests run from the build folder.
 *
 * The string is owned by the library (the environment or a buffer filled
 * once per process) and lives as long as the process; it never fails.
 */
const char *pd_datadir(void);

#endif
