/*
 * Replay driver: runs a harness over files and directories (recursively,
 * skipping names that start with '.'), or over stdin when given no
 * arguments. `meson test --suite fuzz-regression` uses it to replay
 * fuzz/regressions/<harness>/ and fuzz/corpus/<harness>/ in the ordinary
 * sanitizer build, and the coverage build of fuzz/campaign uses it to run
 * a final corpus. A harness that finds a broken invariant aborts, so a
 * failure is the process dying, as under a fuzzer.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long ran;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			fprintf(stderr, "%s: out of memory\n", path);
			return 1;
		}
		len += fread(buf + len, 1, cap - len, f);
		if (len < cap)
			break;
		cap *= 2;
		buf = realloc(buf, cap);
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		fprintf(stderr, "%s: read error\n", path);
		return 1;
	}
	/* Copy into an exact-size allocation so ASan catches a one-byte
	 * over-read, as libFuzzer's own buffer would. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		return 1;
	}
	memcpy(exact, buf, len);
	free(buf);
	if (getenv("HZ_FUZZ_VERBOSE"))
		fprintf(stderr, "running %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	ran++;
	return 0;
}

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 1;
	}
	/* Sorted, so runs are reproducible. */
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **grown = realloc(names, cap * sizeof *names);
			if (!grown)
				break;
			names = grown;
		}
		size_t sz = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(sz);
		if (!names[n])
			break;
		snprintf(names[n], sz, "%s/%s", path, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, compare);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= run_path(names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2) {
		size_t cap = 1 << 16, len = 0, got;
		uint8_t *buf = malloc(cap);
		while (buf && (got = fread(buf + len, 1, cap - len, stdin)) > 0) {
			len += got;
			if (len == cap) {
				cap *= 2;
				buf = realloc(buf, cap);
			}
		}
		if (!buf)
			return 1;
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		rc |= run_path(argv[i]);
	printf("%s: %lu inputs ran\n", argv[0], ran);
	return rc;
}
