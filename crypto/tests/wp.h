/* Wycheproof runner shared by the crypto areas (tests only; uses jansson).
 *
 * An area's runner is a main() that calls wp_run with a table mapping each
 * JSON file name it handles to a handler. wp_run walks every test group and
 * test, calls the handler, and prints one line per file:
 *     wycheproof FILE: N passed, M failed, K skipped
 * It exits non-zero when any test failed, a file could not be read, a file
 * on the command line has no handler, or a file had no tests at all. */
#ifndef HAZE_CRYPTO_TESTS_WP_H
#define HAZE_CRYPTO_TESTS_WP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

enum wp_result { WP_VALID, WP_INVALID, WP_ACCEPTABLE };
enum wp_verdict { WP_PASS, WP_FAIL, WP_SKIP };

struct wp_case {
	const char *file;         /* basename of the JSON file */
	const json_t *root;       /* the whole file */
	const json_t *group;      /* testGroups[i] */
	const json_t *test;       /* testGroups[i].tests[j] */
	int tc_id;
	enum wp_result result;
	const char *comment;
	char why[160];            /* handler's reason for a FAIL or SKIP */
};

/* 1 when the test's "flags" array holds flag. */
int wp_has_flag(const struct wp_case *c, const char *flag);

/* Hex string obj[key] decoded into a malloc'd buffer (never NULL, even for
 * ""); *len gets its length. Aborts on a missing key or bad hex. The
 * caller frees it. */
uint8_t *wp_hex(const json_t *obj, const char *key, size_t *len);
/* The string obj[key] (aborts when missing). */
const char *wp_str(const json_t *obj, const char *key);
/* The integer obj[key] (aborts when missing). */
long wp_int(const json_t *obj, const char *key);
/* obj[key] or NULL. */
const json_t *wp_get(const json_t *obj, const char *key);

/* The usual verdict: a valid test must be accepted, an invalid one
 * rejected. For an "acceptable" test, `acceptable` states haze's decision:
 * 1 = must accept, 0 = must reject, -1 = either is fine. The decision is
 * the handler's to document (per flag) in the area README. */
enum wp_verdict wp_expect(struct wp_case *c, int accepted, int acceptable);

/* Set c->why (printf-style) and return WP_FAIL / WP_SKIP. */
enum wp_verdict wp_fail(struct wp_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
enum wp_verdict wp_skip(struct wp_case *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef enum wp_verdict (*wp_handler)(struct wp_case *c);
struct wp_entry {
	const char *file; /* e.g. "aes_gcm_test.json" */
	wp_handler fn;
};

/* argv[1..]: paths of JSON files. The table ends with {NULL, NULL}. Runs
 * every test twice when the library has accelerated paths: once with all
 * CPU features and once portable (hz_crypto_cpu_restrict(0)); a line is
 * printed per file and path ("FILE [portable]"). Returns the exit status. */
int wp_run(int argc, char **argv, const struct wp_entry *table);

#endif
