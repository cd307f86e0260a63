/* Scalars modulo the group order L = 2^252 + 27742317777372353535851937790883648493
 * (RFC 8032 section 5.1), for Ed25519.
 *
 * Reduction is Barrett's (HAC algorithm 14.42) with base b = 2^64, k = 4:
 * any value below b^8 = 2^512 is brought below L with two constant-time
 * conditional subtractions at the end. Everything but sc_is_canonical runs
 * in time independent of the values: the nonce and the secret scalar pass
 * through here. */
#include "c25519_inner.h"

/* L, little-endian 64-bit words. */
static const uint64_t sc_l[4] = {
	0x5812631a5cf5d3edULL, 0x14def9dea2f79cd6ULL, 0, 0x1000000000000000ULL,
};

/* mu = floor(2^512 / L), a 260-bit value (HAC 14.42 precomputation). */
static const uint64_t sc_mu[5] = {
	0xed9ce5a30a2c131bULL, 0x2106215d086329a7ULL, 0xffffffffffffffebULL,
	0xffffffffffffffffULL, 0xf,
};

/* r -= L when r >= L, without a branch. r < 2^320 (5 words). */
static void sc_cond_sub_l(uint64_t r[5])
{
	uint64_t t[5], borrow = 0, m;

	for (int i = 0; i < 5; i++) {
		uint64_t li = i < 4 ? sc_l[i] : 0;
		fe_u128 d = (fe_u128)r[i] - li - borrow;
		t[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	/* borrow = 1 means r < L: keep r. */
	m = hz_ct_mask64(borrow);
	for (int i = 0; i < 5; i++)
		r[i] = (r[i] & m) | (t[i] & ~m);
}

/* out = x mod L for x < 2^512 given as 8 little-endian words. */
static void sc_barrett(uint8_t out[32], const uint64_t x[8])
{
	uint64_t q2[10] = { 0 }, r2[5] = { 0 }, r[5];
	const uint64_t *q1 = x + 3;     /* floor(x / b^3) */
	const uint64_t *q3 = q2 + 5;    /* floor(q1 * mu / b^5) */
	uint64_t borrow = 0;

	for (int i = 0; i < 5; i++) {
		uint64_t c = 0;
		for (int j = 0; j < 5; j++) {
			fe_u128 t = (fe_u128)q1[i] * sc_mu[j] + q2[i + j] + c;
			q2[i + j] = (uint64_t)t;
			c = (uint64_t)(t >> 64);
		}
		q2[i + 5] = c;
	}
	/* r2 = q3 * L mod b^5. */
	for (int i = 0; i < 5; i++) {
		uint64_t c = 0;
		for (int j = 0; i + j < 5 && j < 4; j++) {
			fe_u128 t = (fe_u128)q3[i] * sc_l[j] + r2[i + j] + c;
			r2[i + j] = (uint64_t)t;
			c = (uint64_t)(t >> 64);
		}
		if (i + 4 < 5)
			r2[i + 4] += c;
	}
	/* r = (x mod b^5) - r2 mod b^5; HAC: 0 <= r < 3L. */
	for (int i = 0; i < 5; i++) {
		fe_u128 d = (fe_u128)x[i] - r2[i] - borrow;
		r[i] = (uint64_t)d;
		borrow = (uint64_t)(d >> 64) & 1;
	}
	sc_cond_sub_l(r);
	sc_cond_sub_l(r);
	for (int i = 0; i < 4; i++)
		hz_crypto_st_le64(out + 8 * i, r[i]);
	hz_crypto_wipe(q2, sizeof(q2));
	hz_crypto_wipe(r2, sizeof(r2));
	hz_crypto_wipe(r, sizeof(r));
}

void sc_reduce64(uint8_t out[32], const uint8_t in[64])
{
	uint64_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = hz_crypto_le64(in + 8 * i);
	sc_barrett(out, x);
	hz_crypto_wipe(x, sizeof(x));
}

void sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t c[32])
{
	uint64_t x[8] = { 0 }, aw[4], bw[4];
	uint64_t carry;

	for (int i = 0; i < 4; i++) {
		aw[i] = hz_crypto_le64(a + 8 * i);
		bw[i] = hz_crypto_le64(b + 8 * i);
		x[i] = hz_crypto_le64(c + 8 * i);
	}
	/* x = c + a * b < 2^512 for any 256-bit a, b, c with a * b < 2^512 - 2^256. */
	for (int i = 0; i < 4; i++) {
		carry = 0;
		for (int j = 0; j < 4; j++) {
			fe_u128 t = (fe_u128)aw[i] * bw[j] + x[i + j] + carry;
			x[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		for (int j = i + 4; j < 8; j++) {
			fe_u128 t = (fe_u128)x[j] + carry;
			x[j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
	}
	sc_barrett(out, x);
	hz_crypto_wipe(x, sizeof(x));
	hz_crypto_wipe(aw, sizeof(aw));
	hz_crypto_wipe(bw, sizeof(bw));
}

int sc_is_canonical(const uint8_t s[32])
{
	/* Public data (a signature's S): a plain comparison from the top. */
	for (int i = 3; i >= 0; i--) {
		uint64_t w = hz_crypto_le64(s + 8 * i);
		if (w != sc_l[i])
			return w < sc_l[i];
	}
	return 0;
}
