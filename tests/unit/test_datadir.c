/*
 * Unit tests of lib/datadir.c for a binary in the build folder: the
 * environment wins, and without it the source tree's templates are found
 * (the installed case, PREFIX/share/podium found from the binary, is
 * tested end to end by tests/e2e/test_install.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "podium/datadir.h"
#include "podium/template.h"

static void
datadir__environment_set__wins(void **state)
{
	(void)state;
	assert_int_equal(setenv("PODIUM_DATADIR", "/nonexistent/podium", 1),
	    0);
	assert_string_equal(pd_datadir(), "/nonexistent/podium");
	assert_string_equal(pd_template_datadir(), "/nonexistent/podium");
}

static void
datadir__environment_empty__falls_back_to_source_tree(void **state)
{
	const char *src = getenv("PODIUM_SRC_DIR");
	struct stat sb;
	char *text = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(setenv("PODIUM_DATADIR", "", 1), 0);
	/* The build folder is no PREFIX/bin: no share/podium beside it. */
	if (src != NULL)
		assert_string_equal(pd_datadir(), src);
	assert_int_equal(stat(pd_datadir(), &sb), 0);
	assert_int_equal(pd_template_load(NULL, "en", "invitation", &text,
	    &len, NULL), PD_OK);
	assert_true(len > 0);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(datadir__environment_set__wins),
		cmocka_unit_test(
		    datadir__environment_empty__falls_back_to_source_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
