/*
 * AFL++ driver: reads one input per iteration and calls the harness.
 *
 * Built with afl-clang-fast, it uses persistent mode with shared-memory
 * test cases (__AFL_LOOP, __AFL_FUZZ_TESTCASE_BUF): one process runs
 * thousands of inputs, which suits haze because a harness keeps no state
 * between inputs (each one re-initialises its engines). Built with another
 * compiler it reads stdin once, so the binary still works by hand.
 * With file arguments it runs each file once (for afl-tmin and triage).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

/* Inputs above this are cut: no haze harness reads more. */
#define MAX_INPUT (1u << 20)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	uint8_t *buf = malloc(MAX_INPUT);
	if (!buf) {
		fclose(f);
		return 1;
	}
	size_t len = fread(buf, 1, MAX_INPUT, f);
	fclose(f);
	uint8_t *exact = malloc(len ? len : 1);
	if (exact) {
		memcpy(exact, buf, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-") != 0) {
		int rc = 0;
		for (int i = 1; i < argc; i++)
			rc |= run_file(argv[i]);
		return rc;
	}
#ifdef __AFL_FUZZ_TESTCASE_LEN
	__AFL_INIT();
	const uint8_t *shm = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000)) {
		int len = __AFL_FUZZ_TESTCASE_LEN;
		if (len < 0)
			continue;
		size_t n = (size_t)len < MAX_INPUT ? (size_t)len : MAX_INPUT;
		/* An exact-size private copy: the shared buffer is larger than
		 * the input, so ASan would not see an over-read of it. */
		uint8_t *copy = malloc(n ? n : 1);
		if (!copy)
			return 1;
		memcpy(copy, shm, n);
		LLVMFuzzerTestOneInput(copy, n);
		free(copy);
	}
	return 0;
#else
	uint8_t *buf = malloc(MAX_INPUT);
	if (!buf)
		return 1;
	size_t len = 0;
	ssize_t got;
	while (len < MAX_INPUT && (got = read(0, buf + len, MAX_INPUT - len)) > 0)
		len += (size_t)got;
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
#endif
}
