/*
 * Log lines for the programs: one line per event, with a level, to stderr
 * or to a file that SIGHUP reopens (for logrotate).  lib/ itself logs
 * nothing above debug; the programs decide what is worth a line.
 */
#ifndef PODIUM_LOG_H
#define PODIUM_LOG_H

enum pd_log_level { PD_LOG_DEBUG, PD_LOG_INFO, PD_LOG_WARN, PD_LOG_ERROR };

/* path NULL: stderr.  Returns PD_EIO when the file cannot be opened. */
int pd_log_open(const char *path, enum pd_log_level min);
/* Reopens the file given to pd_log_open (no-op for stderr). */
int pd_log_reopen(void);
void pd_log(enum pd_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
