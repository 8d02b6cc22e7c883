/*
 * The log (log.h).  This is the one piece of process-wide state in the
 * library, because a log is one per process by nature; it is written
 * only by the programs' start-up and signal paths.
 *
 * Each line is written with a single write(2) so that lines from threads
 * never interleave; control characters from data are escaped so that no
 * value can forge a log line.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "podium/err.h"
#include "podium/log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = STDERR_FILENO;
static char *log_path;
static enum pd_log_level log_min = PD_LOG_INFO;

int
pd_log_open(const char *path, enum pd_log_level min)
{
	int fd = STDERR_FILENO;

	if (path != NULL && (fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0640)) < 0)
		return PD_EIO;
	pthread_mutex_lock(&log_lock);
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = fd;
	free(log_path);
	log_path = path != NULL ? strdup(path) : NULL;
	log_min = min;
	pthread_mutex_unlock(&log_lock);
	return PD_OK;
}

int
pd_log_reopen(void)
{
	int fd, rc = PD_OK;

	pthread_mutex_lock(&log_lock);
	if (log_path != NULL) {
		if ((fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT |
		    O_CLOEXEC, 0640)) < 0) {
			rc = PD_EIO;
		} else {
			close(log_fd);
			log_fd = fd;
		}
	}
	pthread_mutex_unlock(&log_lock);
	return rc;
}

void
pd_log(enum pd_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char msg[2048], line[4200];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n, i;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s podiumd: ",
	    names[level]);
	for (i = 0; msg[i] != '\0' && n < sizeof(line) - 8; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "\\x%02x", c);
		else
			line[n++] = (char)c;
	}
	line[n++] = '\n';
	pthread_mutex_lock(&log_lock);
	if (write(log_fd, line, n) < 0)
		(void)errno;
	pthread_mutex_unlock(&log_lock);
}
