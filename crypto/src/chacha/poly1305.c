/* Poly1305 (RFC 8439 §2.5): the portable radix-2^64 code (unsigned
 * __int128 products) and the per-call choice of the AVX-512 IFMA kernel. */
#include "chacha_inner.h"

__extension__ typedef unsigned __int128 u128;

#define M44 0xfffffffffffull
#define M42 0x3ffffffffffull

/* h = (h + m) * r mod 2^130 - 5 for nblocks 16-byte blocks; hibit is the
 * 2^128 bit (1 for full blocks, 0 for the padded last one, §2.5.1). */
static void poly_blocks(uint64_t h[3], const uint64_t r[2], const uint8_t *m, size_t nblocks,
	uint64_t hibit)
{
	uint64_t r0 = r[0], r1 = r[1], s1 = r1 + (r1 >> 2);
	uint64_t h0 = h[0], h1 = h[1], h2 = h[2];

	while (nblocks--) {
		HZ_POLY1305_BLOCK(h0, h1, h2, r0, r1, s1, m, hibit);
		m += 16;
	}
	h[0] = h0;
	h[1] = h1;
	h[2] = h2;
}

#if HZ_CRYPTO_ACCEL
/* a * b mod 2^130 - 5 in radix 2^44 (limbs 44, 44, 42 bits), partly
 * reduced; used only for the powers of r. 2^132 = 4 * 2^130 = 20 mod p. */
static void mul44(uint64_t out[3], const uint64_t a[3], const uint64_t b[3])
{
	u128 d0, d1, d2;
	uint64_t c;

	d0 = (u128)a[0] * b[0] + (u128)a[1] * (b[2] * 20) + (u128)a[2] * (b[1] * 20);
	d1 = (u128)a[0] * b[1] + (u128)a[1] * b[0] + (u128)a[2] * (b[2] * 20);
	d2 = (u128)a[0] * b[2] + (u128)a[1] * b[1] + (u128)a[2] * b[0];
	d1 += (uint64_t)(d0 >> 44);
	out[0] = (uint64_t)d0 & M44;
	d2 += (uint64_t)(d1 >> 44);
	out[1] = (uint64_t)d1 & M44;
	c = (uint64_t)(d2 >> 42);
	out[2] = (uint64_t)d2 & M42;
	out[0] += c * 5;
	out[1] += out[0] >> 44;
	out[0] &= M44;
}

static void powers(struct hz_crypto_poly1305 *p)
{
	uint64_t *rp = p->rp;

	rp[0] = p->r[0] & M44;
	rp[1] = (p->r[0] >> 44 | p->r[1] << 20) & M44;
	rp[2] = p->r[1] >> 24;
	for (int i = 1; i < 8; i++)
		mul44(rp + 3 * i, rp + 3 * (i - 1), rp);
	p->rp_ready |= 1;
}

/* r^1..r^4 in radix 2^26 for the AVX2 kernel; the powers come from the
 * scalar code ((x + 0) * r with no 2^128 bit) and are carried so every
 * limb is below 2^26 + 2. */
static void powers26(struct hz_crypto_poly1305 *p)
{
	static const uint8_t zero[16];
	uint64_t x[3] = { p->r[0], p->r[1], 0 };
	uint32_t *q = p->rq;

	for (int i = 0; i < 4; i++, q += 5) {
		uint64_t l0, l1, l4, c;

		if (i)
			poly_blocks(x, p->r, zero, 1, 0);
		l0 = x[0] & 0x3ffffff;
		l1 = (x[0] >> 26) & 0x3ffffff;
		q[2] = (uint32_t)((x[0] >> 52 | x[1] << 12) & 0x3ffffff);
		q[3] = (uint32_t)((x[1] >> 14) & 0x3ffffff);
		l4 = x[1] >> 40 | x[2] << 24;
		c = l4 >> 26;
		q[4] = (uint32_t)(l4 & 0x3ffffff);
		l0 += c * 5;
		l1 += l0 >> 26;
		q[0] = (uint32_t)(l0 & 0x3ffffff);
		q[1] = (uint32_t)l1;
	}
	hz_crypto_wipe(x, sizeof(x));
	p->rp_ready |= 2;
}
#endif

/* Below this many blocks the AVX2 kernel's setup and final 4-lane
 * multiply cost more than it saves. */
#ifndef POLY_AVX2_MIN
#define POLY_AVX2_MIN 16
#endif

/* Full blocks through the widest path. */
static void blocks(struct hz_crypto_poly1305 *p, const uint8_t *m, size_t nblocks)
{
#if HZ_CRYPTO_ACCEL
	/* The vector kernel pays a final 8-lane multiply: worth it from 16
	 * blocks on. */
	if (nblocks >= 16 && (hz_crypto_cpu_features() & (HZ_CRYPTO_CPU_AVX512F | HZ_CRYPTO_CPU_AVX512IFMA)) ==
			(HZ_CRYPTO_CPU_AVX512F | HZ_CRYPTO_CPU_AVX512IFMA)) {
		size_t nv = nblocks & ~(size_t)7;

		if (!(p->rp_ready & 1))
			powers(p);
		hz_crypto_poly1305_ifma_blocks(p->h, p->rp, m, nv);
		m += 16 * nv;
		nblocks -= nv;
	} else if (nblocks >= POLY_AVX2_MIN && (hz_crypto_cpu_features() & HZ_CRYPTO_CPU_AVX2)) {
		/* CPUs without IFMA: 4 lanes of 26-bit limbs. */
		size_t nv = nblocks & ~(size_t)3;

		if (!(p->rp_ready & 2))
			powers26(p);
		hz_crypto_poly1305_avx2_blocks(p->h, p->rq, m, nv);
		m += 16 * nv;
		nblocks -= nv;
	}
#endif
	poly_blocks(p->h, p->r, m, nblocks, 1);
}

void hz_crypto_poly1305_init(struct hz_crypto_poly1305 *p, const uint8_t key[32])
{
	/* §2.5: r clamped to 0x0ffffffc0ffffffc0ffffffc0fffffff */
	p->r[0] = hz_crypto_le64(key) & 0x0ffffffc0fffffffull;
	p->r[1] = hz_crypto_le64(key + 8) & 0x0ffffffc0ffffffcull;
	p->s[0] = hz_crypto_le64(key + 16);
	p->s[1] = hz_crypto_le64(key + 24);
	p->h[0] = p->h[1] = p->h[2] = 0;
	p->buf_len = 0;
	p->rp_ready = 0;
}

void hz_crypto_poly1305_update(struct hz_crypto_poly1305 *p, const void *data, size_t len)
{
	const uint8_t *m = data;

	if (p->buf_len) {
		/* buf_len < 16 always; the mask tells the compiler so. */
		size_t have = p->buf_len & 15, n = 16 - have;

		if (n > len)
			n = len;
		for (size_t i = 0; i < n; i++)
			p->buf[have + i] = m[i];
		have += n;
		m += n;
		len -= n;
		if (have < 16) {
			p->buf_len = (uint32_t)have;
			return;
		}
		poly_blocks(p->h, p->r, p->buf, 1, 1);
		p->buf_len = 0;
	}
	if (len >= 16) {
		size_t nb = len / 16;

		blocks(p, m, nb);
		m += 16 * nb;
		len -= 16 * nb;
	}
	for (size_t i = 0; i < len; i++)
		p->buf[i] = m[i];
	p->buf_len = (uint32_t)len;
}

void hz_crypto_poly1305_final(struct hz_crypto_poly1305 *p, uint8_t tag[16])
{
	uint64_t h0, h1, h2, g0, g1, g2, mask;
	u128 t;

	if (p->buf_len) {
		uint32_t have = p->buf_len & 15;

		/* §2.5.1: the short last block gets its 0x01 byte here, no 2^128. */
		p->buf[have] = 1;
		for (uint32_t i = have + 1; i < 16; i++)
			p->buf[i] = 0;
		poly_blocks(p->h, p->r, p->buf, 1, 0);
	}
	h0 = p->h[0];
	h1 = p->h[1];
	h2 = p->h[2];
	/* h < 2p here, so one conditional subtraction of p = 2^130 - 5
	 * reduces it: take h + 5 - 2^130 when h + 5 reaches 2^130. */
	t = (u128)h0 + 5;
	g0 = (uint64_t)t;
	t = (u128)h1 + (uint64_t)(t >> 64);
	g1 = (uint64_t)t;
	g2 = h2 + (uint64_t)(t >> 64);
	mask = hz_ct_mask64(g2 >> 2);
	h0 ^= mask & (h0 ^ g0);
	h1 ^= mask & (h1 ^ g1);
	/* tag = (h + s) mod 2^128 */
	t = (u128)h0 + p->s[0];
	h0 = (uint64_t)t;
	h1 = h1 + p->s[1] + (uint64_t)(t >> 64);
	hz_crypto_st_le64(tag, h0);
	hz_crypto_st_le64(tag + 8, h1);
	hz_crypto_wipe(p, sizeof(*p));
}

void hz_crypto_poly1305(uint8_t tag[16], const uint8_t key[32], const void *msg, size_t len)
{
	struct hz_crypto_poly1305 p;

	hz_crypto_poly1305_init(&p, key);
	hz_crypto_poly1305_update(&p, msg, len);
	hz_crypto_poly1305_final(&p, tag);
}
