/* Differential driver and input reader: see diff.h. */
#include "diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "haze/crypto.h"

void diff_take(struct diff_in *in, void *out, size_t len)
{
	size_t k = len < in->n ? len : in->n;
	memcpy(out, in->p, k);
	memset((uint8_t *)out + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

uint8_t diff_u8(struct diff_in *in)
{
	uint8_t b;
	diff_take(in, &b, 1);
	return b;
}

uint32_t diff_u32(struct diff_in *in)
{
	uint8_t b[4];
	diff_take(in, b, 4);
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint32_t diff_below(struct diff_in *in, uint32_t bound)
{
	return bound ? diff_u32(in) % bound : 0;
}

void diff_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "diff: MISMATCH (cpu features 0x%x): ", hz_crypto_cpu_features());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n && i < 96; i++)
		fprintf(f, "%02x", p[i]);
	if (n > 96)
		fprintf(f, "...");
}

void diff_eq(const char *name, const void *haze, const void *ossl, size_t len)
{
	if (len == 0 || memcmp(haze, ossl, len) == 0)
		return;
	fprintf(stderr, "diff: %s differs (%zu bytes)\n  haze    ", name, len);
	hex(stderr, haze, len);
	fprintf(stderr, "\n  openssl ");
	hex(stderr, ossl, len);
	fputc('\n', stderr);
	diff_fail("%s", name);
}

/* splitmix64: inputs only, reproducible from the printed seed. */
static uint64_t rng_state;
static uint64_t next64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void run_table(const struct diff_entry *table, const char *label)
{
	for (const struct diff_entry *e = table; e->name; e++) {
		size_t cap = e->input_len ? e->input_len : 256;
		uint8_t *buf = malloc(cap);
		if (!buf)
			abort();
		for (unsigned i = 0; i < e->iterations; i++) {
			for (size_t j = 0; j < cap; j += 8) {
				uint64_t r = next64();
				memcpy(buf + j, &r, cap - j < 8 ? cap - j : 8);
			}
			struct diff_in in = { buf, cap };
			e->fn(&in);
		}
		free(buf);
		printf("diff %s%s: %u cases agree\n", e->name, label, e->iterations);
		fflush(stdout);
	}
}

int diff_run(int argc, char **argv, const struct diff_entry *table)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x68617a65ull;
	printf("diff: seed 0x%llx\n", (unsigned long long)seed);
	rng_state = seed;
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	run_table(table, "");
	if (hz_crypto_cpu_features() != 0) {
		hz_crypto_cpu_restrict(0);
		run_table(table, " [portable]");
		hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	}
	return 0;
}
