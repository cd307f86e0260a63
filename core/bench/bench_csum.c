/* haze-bench-core: Internet checksum throughput (RFC 1071) against the
 * memory bandwidth of memcpy over the same sizes in the same run, and
 * against a plain byte-pair loop written straight from RFC 1071 section 4.
 *
 * Prints, per buffer size:
 *   bench csum-<size>: haze=<GB/s> memcpy=<GB/s> ratio=<haze/memcpy> unit=GB/s
 *   bench csum-<size>-naive: haze=<GB/s> rfc1071-loop=<GB/s> ratio=... unit=GB/s
 * Each figure is the median of 7 rounds. memcpy reads and writes each byte
 * while a checksum only reads it, so a ratio near or above 1 means the
 * checksum runs at memory-copy speed. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "haze/core.h"

#define ROUNDS 7

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

/* Keep results alive without letting the compiler fold the loops away. */
static volatile uint32_t sink;

static void barrier(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* RFC 1071 section 4.1, as C: add 16-bit big-endian words one at a time. */
static uint16_t naive_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

enum what { HAZE, MEMCPY, NAIVE };

/* One round: GB/s over iters passes of `size` bytes. */
static double round_gbps(enum what w, uint8_t *src, uint8_t *dst, size_t size, long iters)
{
	uint32_t acc = 0;
	double t0 = now_sec();
	for (long i = 0; i < iters; i++) {
		switch (w) {
		case HAZE:
			acc += hz_csum(src, size);
			break;
		case MEMCPY:
			memcpy(dst, src, size);
			barrier(dst);
			break;
		case NAIVE:
			acc += naive_csum(src, size);
			break;
		}
		barrier(src);
	}
	double t = now_sec() - t0;
	sink = acc;
	return (double)size * (double)iters / t / 1e9;
}

static double measure(enum what w, uint8_t *src, uint8_t *dst, size_t size)
{
	/* Calibrate to about 50 ms a round. */
	long iters = 16;
	for (;;) {
		double t0 = now_sec();
		round_gbps(w, src, dst, size, iters);
		if (now_sec() - t0 > 0.01)
			break;
		iters *= 2;
	}
	iters *= 5;
	double v[ROUNDS];
	for (int r = 0; r < ROUNDS; r++)
		v[r] = round_gbps(w, src, dst, size, iters);
	return median(v, ROUNDS);
}

int main(void)
{
	static const size_t sizes[] = { 1500, 65536 };
	static const char *const names[] = { "1500", "64k" };
	uint8_t *src = malloc(65536 + 64), *dst = malloc(65536 + 64);
	if (!src || !dst)
		return 1;
	uint32_t x = 12345;
	for (size_t i = 0; i < 65536 + 64; i++) {
		x = x * 1103515245u + 12345u;
		src[i] = (uint8_t)(x >> 16);
	}
	/* The three must agree before their speeds mean anything. */
	if (hz_csum(src, 1500) != naive_csum(src, 1500) || hz_csum(src, 1499) != naive_csum(src, 1499)) {
		fprintf(stderr, "checksum mismatch\n");
		return 1;
	}
	for (size_t k = 0; k < HZ_ARRAY_LEN(sizes); k++) {
		double h = measure(HAZE, src, dst, sizes[k]);
		double m = measure(MEMCPY, src, dst, sizes[k]);
		double n = measure(NAIVE, src, dst, sizes[k]);
		printf("bench csum-%s: haze=%.2f memcpy=%.2f ratio=%.2f unit=GB/s\n", names[k], h, m, h / m);
		printf("bench csum-%s-naive: haze=%.2f rfc1071-loop=%.2f ratio=%.2f unit=GB/s\n", names[k], h,
		       n, h / n);
	}
	free(src);
	free(dst);
	return 0;
}
