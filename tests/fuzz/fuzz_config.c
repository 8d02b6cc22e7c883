/*
 * libFuzzer target: the INI configuration, pd_config_load() over the
 * defaults, as podiumd --config reads it.  The input is written to a file
 * in a private temporary folder (made once, removed at exit), because the
 * loader takes a path and its API need not change for a test.
 *
 * The input's first line also goes to pd_duration_parse(), which the
 * reminders and the CLI use for "7d, 1d" style values.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podium/config.h"
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char file[96];

static void
cleanup(void)
{
	if (file[0] != '\0')
		unlink(file);
	if (dir[0] != '\0')
		rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data;
	struct pd_error err = { 0, NULL, NULL };
	struct pd_config cfg;
	int64_t d;
	char *line;
	size_t i;
	FILE *f;

	if (dir[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof(dir), "%s/podium-fuzz-XXXXXX",
		    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(file, sizeof(file), "%s/podiumd.conf", dir);
		atexit(cleanup);
	}
	if ((f = fopen(file, "wb")) == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);

	if (pd_config_defaults(&cfg) != PD_OK)
		abort();
	if (pd_config_load(&cfg, file, &err) == PD_OK) {
		/* What the loader promises about a config it accepted. */
		if (cfg.noffsets > 16 || cfg.refresh_seconds <= 0 ||
		    cfg.nudge <= 0)
			abort();
		for (i = 0; i + 1 < cfg.noffsets; i++)
			if (cfg.offsets[i] < cfg.offsets[i + 1])
				abort();
	} else if (err.msg == NULL)
		abort();
	pd_error_clear(&err);
	pd_config_clear(&cfg);

	line = fuzz_line(&p, data + size);
	if (pd_duration_parse(line, &d) == PD_OK && d <= 0)
		abort();
	free(line);
	return 0;
}
