/*
 * Shared helpers for the haze fuzz harnesses.
 *
 * Every harness defines LLVMFuzzerTestOneInput and is linked with one of
 * three drivers: libFuzzer (-fsanitize=fuzzer), AFL++ (driver/afl.c) or the
 * replay driver (driver/replay.c) that `meson test` uses to run the
 * regression and seed corpora.
 *
 * A harness checks invariants and calls FZ_CHECK, which aborts: a fuzzer
 * treats the abort as a crash, so a broken invariant is found like a
 * memory error. Libraries never abort on peer input; harnesses do on
 * library bugs.
 *
 * Inputs are decoded with struct fz_in, a cursor that never fails: past
 * the end it yields zeros, so every byte string is a valid input and the
 * fuzzer never wastes executions on a "bad format" path in the harness.
 */
#ifndef HAZE_FUZZ_H
#define HAZE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "haze/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn)) static inline void fz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "haze fuzz: invariant failed: %s (%s:%d)\n", what, file, line);
	abort();
}

#define FZ_CHECK(cond)                                       \
	do {                                                     \
		if (!(cond))                                         \
			fz_fail(#cond, __FILE__, __LINE__);              \
	} while (0)

/* Is ptr[0..n) inside buf[0..len)? */
static inline bool fz_within(const void *ptr, size_t n, const void *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)ptr, *b = (const uint8_t *)buf;
	return p >= b && p <= b + len && n <= (size_t)(b + len - p);
}

/* ------------------------------------------------------------------ */
/* Input cursor                                                        */
/* ------------------------------------------------------------------ */

struct fz_in {
	const uint8_t *p;
	size_t len;
};

static inline void fz_in_init(struct fz_in *in, const uint8_t *p, size_t len)
{
	in->p = p;
	in->len = len;
}
static inline bool fz_in_empty(const struct fz_in *in)
{
	return in->len == 0;
}
static inline uint8_t fz_u8(struct fz_in *in)
{
	if (!in->len)
		return 0;
	in->len--;
	return *in->p++;
}
static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);
	return (uint16_t)(hi << 8 | fz_u8(in));
}
static inline uint32_t fz_u32(struct fz_in *in)
{
	uint32_t hi = fz_u16(in);
	return hi << 16 | fz_u16(in);
}
/* Take up to n bytes (fewer at the end of the input); *got says how many. */
static inline const uint8_t *fz_bytes(struct fz_in *in, size_t n, size_t *got)
{
	const uint8_t *q = in->p;
	if (n > in->len)
		n = in->len;
	in->p += n;
	in->len -= n;
	*got = n;
	return q;
}

/* A time step from one byte: the low 6 bits times a scale chosen by the
 * top two (1 ms, 100 ms, 1 s, 10 s), so one step reaches from "same
 * instant" to ten minutes: every haze timer (ARP retry 1 s, reachable
 * 60 s, reassembly 30 s, path MTU 10 min) is a step or a few away. */
static inline hz_time_t fz_step(uint8_t code)
{
	static const hz_time_t scale[4] = { HZ_MSEC(1), HZ_MSEC(100), HZ_SEC(1), HZ_SEC(10) };
	return (hz_time_t)(code & 0x3fu) * scale[code >> 6];
}

/* ------------------------------------------------------------------ */
/* A deterministic shim                                                */
/* ------------------------------------------------------------------ */

/* Randomness from a xorshift generator reset per input, so a crash
 * replays exactly. No log sink: formatting is exercised by the core
 * harness instead. */
struct fz_rng {
	uint64_t s;
};

static inline void fz_rng_random(void *ctx, void *out, size_t len)
{
	struct fz_rng *r = (struct fz_rng *)ctx;
	uint8_t *o = (uint8_t *)out;
	for (size_t i = 0; i < len; i++) {
		r->s ^= r->s << 13;
		r->s ^= r->s >> 7;
		r->s ^= r->s << 17;
		o[i] = (uint8_t)(r->s >> 24);
	}
}

static inline void fz_shim_init(struct hz_shim *shim, struct fz_rng *rng, uint64_t seed)
{
	rng->s = seed ? seed : 0x9e3779b97f4a7c15ull;
	memset(shim, 0, sizeof *shim);
	shim->ctx = rng;
	shim->random = fz_rng_random;
	shim->log = NULL;
	shim->now = NULL;
	shim->log_level = HZ_LOG_ERROR;
}

/* The harness host: MAC 02:00:00:00:00:02, 10.0.0.2/24, gateway 10.0.0.1.
 * The seed corpora are rewritten to these addresses (tools/extract-seeds.py). */
#define FZ_MAC_INIT { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }
#define FZ_ADDR 0x0a000002u
#define FZ_NETMASK 0xffffff00u
#define FZ_GATEWAY 0x0a000001u

/* One's-complement equality: 0x0000 and 0xffff are both zero. */
static inline bool fz_csum_eq(uint16_t a, uint16_t b)
{
	if (a == 0xffffu)
		a = 0;
	if (b == 0xffffu)
		b = 0;
	return a == b;
}

#endif /* HAZE_FUZZ_H */
