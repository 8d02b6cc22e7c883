/*
 * The data directory of datadir.h.
 *
 * The installed location is derived from /proc/self/exe rather than
 * fixed at build time, so that one build works under PREFIX=/usr/local,
 * in a Debian package under /usr and unpacked below a DESTDIR alike.
 * The one piece of state, the path found from the binary, is a fact of
 * the process that cannot change while it runs; it is worked out once
 * (pthread_once: podiumd asks from several threads) and never written
 * again.  The environment is read on every call, so a test can point
 * one process at another tree.
 */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podium/datadir.h"

#ifndef PODIUM_DATADIR
#define PODIUM_DATADIR "."
#endif

#define SHARE "/share/podium"

static pthread_once_t found_once = PTHREAD_ONCE_INIT;
static char found[PATH_MAX];

/* Cuts the last path component of s off; 0 when there is none to cut. */
static int
cut_last(char *s)
{
	char *slash = strrchr(s, '/');

	if (slash == NULL || slash == s)
		return 0;
	*slash = '\0';
	return 1;
}

static void
find_installed(void)
{
	char exe[PATH_MAX], probe[PATH_MAX + sizeof("/templates")];
	struct stat sb;
	ssize_t n;
	size_t len;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		return;
	exe[n] = '\0';
	/* PREFIX/bin/podium: drop the name, then bin. */
	if (!cut_last(exe) || !cut_last(exe))
		return;
	len = strlen(exe);
	if (len + sizeof(SHARE) > sizeof(found))
		return;
	memcpy(probe, exe, len);
	memcpy(probe + len, SHARE "/templates", sizeof(SHARE "/templates"));
	if (stat(probe, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return;
	memcpy(found, exe, len);
	memcpy(found + len, SHARE, sizeof(SHARE));
}

const char *
pd_datadir(void)
{
	const char *env = getenv("PODIUM_DATADIR");

	if (env != NULL && *env != '\0')
		return env;
	(void)pthread_once(&found_once, find_installed);
	return found[0] != '\0' ? found : PODIUM_DATADIR;
}
