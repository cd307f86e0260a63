/* Wycheproof runner: see wp.h. */
#include "wp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"

static void die(const char *what, const char *key)
{
	fprintf(stderr, "wycheproof: %s \"%s\"\n", what, key);
	abort();
}

const json_t *wp_get(const json_t *obj, const char *key)
{
	return json_object_get(obj, key);
}

const char *wp_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	if (!s)
		die("missing string", key);
	return s;
}

long wp_int(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (!json_is_integer(v))
		die("missing integer", key);
	return (long)json_integer_value(v);
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint8_t *wp_hex(const json_t *obj, const char *key, size_t *len)
{
	const char *s = wp_str(obj, key);
	size_t n = strlen(s);
	if (n % 2)
		die("odd-length hex", key);
	uint8_t *out = malloc(n / 2 + 1);
	if (!out)
		abort();
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			die("bad hex", key);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return out;
}

int wp_has_flag(const struct wp_case *c, const char *flag)
{
	const json_t *flags = json_object_get(c->test, "flags");
	size_t i;
	const json_t *f;

	json_array_foreach(flags, i, f) {
		const char *s = json_string_value(f);
		if (s && strcmp(s, flag) == 0)
			return 1;
	}
	return 0;
}

enum wp_verdict wp_fail(struct wp_case *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return WP_FAIL;
}

enum wp_verdict wp_skip(struct wp_case *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return WP_SKIP;
}

enum wp_verdict wp_expect(struct wp_case *c, int accepted, int acceptable)
{
	switch (c->result) {
	case WP_VALID:
		return accepted ? WP_PASS : wp_fail(c, "valid test rejected");
	case WP_INVALID:
		return accepted ? wp_fail(c, "invalid test accepted") : WP_PASS;
	case WP_ACCEPTABLE:
		if (acceptable < 0 || (acceptable ? 1 : 0) == (accepted ? 1 : 0))
			return WP_PASS;
		return wp_fail(c, "acceptable test %s, against haze's documented decision",
			accepted ? "accepted" : "rejected");
	}
	return wp_fail(c, "bad result");
}

static int run_file(const char *path, const char *label, const struct wp_entry *table)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	wp_handler fn = NULL;
	for (const struct wp_entry *e = table; e->file; e++)
		if (strcmp(e->file, base) == 0)
			fn = e->fn;
	if (!fn) {
		printf("wycheproof %s%s: no handler\n", base, label);
		return 1;
	}
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root) {
		printf("wycheproof %s%s: cannot read (%s)\n", base, label, jerr.text);
		return 1;
	}
	unsigned passed = 0, failed = 0, skipped = 0, shown = 0;
	size_t gi, ti;
	json_t *group, *test;
	json_array_foreach(json_object_get(root, "testGroups"), gi, group) {
		json_array_foreach(json_object_get(group, "tests"), ti, test) {
			struct wp_case c;
			memset(&c, 0, sizeof(c));
			c.file = base;
			c.root = root;
			c.group = group;
			c.test = test;
			c.tc_id = (int)wp_int(test, "tcId");
			const char *res = wp_str(test, "result");
			c.result = strcmp(res, "valid") == 0 ? WP_VALID :
				strcmp(res, "invalid") == 0 ? WP_INVALID : WP_ACCEPTABLE;
			const char *cm = json_string_value(json_object_get(test, "comment"));
			c.comment = cm ? cm : "";
			enum wp_verdict v = fn(&c);
			if (v == WP_PASS) {
				passed++;
			} else if (v == WP_SKIP) {
				skipped++;
				if (shown++ < 10)
					printf("  skip tcId %d (%s): %s\n", c.tc_id, c.comment, c.why);
			} else {
				failed++;
				if (shown++ < 20)
					printf("  FAIL tcId %d %s (%s): %s\n", c.tc_id, res, c.comment, c.why);
			}
		}
	}
	json_decref(root);
	printf("wycheproof %s%s: %u passed, %u failed, %u skipped\n", base, label, passed, failed, skipped);
	return failed != 0 || passed + skipped == 0;
}

int wp_run(int argc, char **argv, const struct wp_entry *table)
{
	int bad = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.json...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
		bad |= run_file(argv[i], "", table);
		if (hz_crypto_cpu_features() != 0) {
			hz_crypto_cpu_restrict(0);
			bad |= run_file(argv[i], " [portable]", table);
			hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
		}
	}
	fflush(stdout);
	return bad ? 1 : 0;
}
