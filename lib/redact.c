/*
 * Addresses out of error texts (privacy.h).  SMTP servers echo the
 * recipient ("550 5.1.1 <anna@example.org>: user unknown"); such a text
 * lands in the outbox's last error, in `podium mail list` and in logs,
 * where the address has no business (Standard-Datenschutzmodell,
 * Baustein 43: logs hold no content data).  What is left says enough:
 * "550 5.1.1 <[address]>: user unknown".
 */
#include <string.h>

#include "podium/buf.h"
#include "podium/privacy.h"

/* What ends a word that may be an address. */
static int
stop(char c)
{
	return c == '\0' || strchr(" \t\r\n<>()[]\"',;:", c) != NULL;
}

char *
pd_redact_addresses(const char *s)
{
	struct pd_buf b = PD_BUF_INIT;
	const char *p, *end;

	if (s == NULL)
		return NULL;
	for (p = s; *p != '\0'; p = end) {
		if (stop(*p)) {
			pd_buf_add(&b, p, 1);
			end = p + 1;
			continue;
		}
		for (end = p; !stop(*end); end++)
			;
		if (memchr(p, '@', (size_t)(end - p)) != NULL)
			pd_buf_adds(&b, "[address]");
		else
			pd_buf_add(&b, p, (size_t)(end - p));
	}
	return pd_buf_detach(&b, NULL);
}
