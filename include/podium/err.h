/*
 * Error codes and the error record every libpodium call can fill.
 *
 * Functions return PD_OK (0) or a negative enum pd_err.  Where a caller
 * needs to tell a user what was wrong, the function also fills a
 * struct pd_error: a one-line message and, for bad data, the name of the
 * field that was wrong ("start", "speaker", "line 12").  The CLI maps
 * codes to exit statuses, the daemon to HTTP statuses.
 */
#ifndef PODIUM_ERR_H
#define PODIUM_ERR_H

enum pd_err {
	PD_OK = 0,
	PD_EINVAL = -1,		/* bad data; field names what */
	PD_ENOTFOUND = -2,	/* no such object */
	PD_EEXIST = -3,		/* unique key taken */
	PD_EDB = -4,		/* the database failed */
	PD_ENET = -5,		/* a peer could not be reached */
	PD_EPARSE = -6,		/* input could not be parsed */
	PD_ENOMEM = -7,		/* out of memory */
	PD_ETOOBIG = -8,	/* input over a size limit */
	PD_EIO = -9		/* a file could not be read or written */
};

struct pd_error {
	int code;		/* the enum pd_err last set, PD_OK if none */
	char *msg;		/* owned; NULL when code is PD_OK */
	char *field;		/* owned; NULL when no field is to blame */
};

/*
 * Records an error: replaces what err held.  field may be NULL.  Returns
 * code, so that "return pd_error_set(err, PD_EINVAL, ...)" reads well.
 * err may be NULL, then only code is returned.
 */
int pd_error_set(struct pd_error *err, int code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Frees the message and field and sets code to PD_OK.  err may be NULL. */
void pd_error_clear(struct pd_error *err);

/* A short English name for a code: "bad data", "not found"... */
const char *pd_strerror(int code);

#endif
