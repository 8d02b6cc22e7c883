/*
 * Replays files through a fuzz target's LLVMFuzzerTestOneInput() without
 * libFuzzer, so that the seed corpora and every input that once crashed
 * run under ctest with gcc, ASan and UBSan ("make check").
 *
 * Usage: replay_TARGET PATH...  where a PATH is a file or a folder (its
 * regular files, in name order).  A crash, a sanitizer report or a leak
 * fails the test; the file being run is printed first so the log names
 * it.  Exits 0 when every file ran.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	unsigned char *data = NULL, *grown;
	size_t len = 0, cap = 0, n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap == 0 ? 65536 : cap * 2;
			if ((grown = realloc(data, cap)) == NULL) {
				fclose(f);
				free(data);
				return -1;
			}
			data = grown;
		}
		if ((n = fread(data + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	/* An exact-size copy, so ASan sees a read past the input's end. */
	if ((grown = malloc(len > 0 ? len : 1)) == NULL) {
		free(data);
		return -1;
	}
	if (len > 0)
		memcpy(grown, data, len);
	free(data);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(grown, len);
	free(grown);
	return 0;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_path(const char *path, size_t *count)
{
	struct dirent *de;
	struct stat sb;
	char **names = NULL, **grown, full[4096];
	size_t n = 0, i;
	DIR *d;
	int rc = 0;

	if (stat(path, &sb) != 0) {
		/* A target without regressions yet has no folder. */
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) ==
		    NULL || (grown[n] = strdup(de->d_name)) == NULL) {
			rc = -1;
			if (grown != NULL)
				names = grown;
			break;
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		if (rc == 0 && stat(full, &sb) == 0 && S_ISREG(sb.st_mode)) {
			(*count)++;
			rc = run_file(full);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t count = 0;
	int i;

	for (i = 1; i < argc; i++)
		if (run_path(argv[i], &count) != 0)
			return 1;
	fprintf(stderr, "replay: %zu inputs ran\n", count);
	return 0;
}
