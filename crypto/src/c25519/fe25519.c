/* GF(2^255 - 19): the out-of-line parts of fe25519.h (encoding and the
 * exponentiation chains for inversion and square roots). */
#include "fe25519.h"

__attribute__((noinline)) void fe_mul_ool(fe h, const fe f, const fe g)
{
	fe_mul(h, f, g);
}

__attribute__((noinline)) void fe_sq_ool(fe h, const fe f)
{
	fe_sq(h, f);
}

/* h = f^(2^n). One out-of-line loop: the chains below call it a dozen
 * times, and unrolled or constant-propagated copies would cost kilobytes
 * for no measurable gain (clang has no noclone and does not need it). */
#if defined(__clang__)
__attribute__((noinline))
#else
__attribute__((noinline, noclone))
#endif
static void fe_sqn_ool(fe h, const fe f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* Store the canonical encoding (the unique representative < p), little
 * endian. Any limbs < 2^63 in. */
void fe_tobytes(uint8_t s[32], const fe f)
{
	fe t;
	uint64_t q, c;

	fe_copy(t, f);
	fe_carry(t);
	/* Now t < 2^255 + small. q = 1 exactly when t >= p: add 19 and see
	 * whether it carries out of bit 255. */
	q = (t[0] + 19) >> 51;
	q = (t[1] + q) >> 51;
	q = (t[2] + q) >> 51;
	q = (t[3] + q) >> 51;
	q = (t[4] + q) >> 51;
	t[0] += 19 * q;
	c = t[0] >> 51; t[0] &= FE_MASK51; t[1] += c;
	c = t[1] >> 51; t[1] &= FE_MASK51; t[2] += c;
	c = t[2] >> 51; t[2] &= FE_MASK51; t[3] += c;
	c = t[3] >> 51; t[3] &= FE_MASK51; t[4] += c;
	t[4] &= FE_MASK51;
	hz_crypto_st_le64(s, t[0] | t[1] << 51);
	hz_crypto_st_le64(s + 8, t[1] >> 13 | t[2] << 38);
	hz_crypto_st_le64(s + 16, t[2] >> 26 | t[3] << 25);
	hz_crypto_st_le64(s + 24, t[3] >> 39 | t[4] << 12);
	hz_crypto_wipe(t, sizeof(t));
}

/* 1 when f = 0 mod p, without a branch. */
uint64_t fe_iszero(const fe f)
{
	uint8_t s[32];
	uint64_t acc = 0;

	fe_tobytes(s, f);
	for (int i = 0; i < 32; i++)
		acc |= s[i];
	hz_crypto_wipe(s, sizeof(s));
	return 1 ^ hz_ct_nonzero64(acc);
}

/* The "sign" of f: bit 0 of its canonical encoding (RFC 8032 5.1.2). */
uint64_t fe_isneg(const fe f)
{
	uint8_t s[32];
	uint64_t neg;

	fe_tobytes(s, f);
	neg = s[0] & 1;
	hz_crypto_wipe(s, sizeof(s));
	return neg;
}

/* z^(2^250 - 1), and z^11 on the side: the common prefix of the
 * inversion and square-root chains. */
static void fe_pow2250m1(fe out, fe z11, const fe z)
{
	fe t0, t1, t2, z9;

	fe_sq_ool(t0, z); /* 2 */
	fe_sqn_ool(t1, t0, 2); /* 8 */
	fe_mul_ool(z9, t1, z); /* 9 */
	fe_mul_ool(z11, z9, t0); /* 11 */
	fe_sq_ool(t0, z11); /* 22 */
	fe_mul_ool(t0, t0, z9); /* 2^5 - 1 */
	fe_sqn_ool(t1, t0, 5);
	fe_mul_ool(t0, t1, t0); /* 2^10 - 1 */
	fe_sqn_ool(t1, t0, 10);
	fe_mul_ool(t1, t1, t0); /* 2^20 - 1 */
	fe_sqn_ool(t2, t1, 20);
	fe_mul_ool(t1, t2, t1); /* 2^40 - 1 */
	fe_sqn_ool(t1, t1, 10);
	fe_mul_ool(t0, t1, t0); /* 2^50 - 1 */
	fe_sqn_ool(t1, t0, 50);
	fe_mul_ool(t1, t1, t0); /* 2^100 - 1 */
	fe_sqn_ool(t2, t1, 100);
	fe_mul_ool(t1, t2, t1); /* 2^200 - 1 */
	fe_sqn_ool(t1, t1, 50);
	fe_mul_ool(out, t1, t0); /* 2^250 - 1 */
	/* Powers of a possibly secret z (the ladder's final Z). */
	hz_crypto_wipe(t0, sizeof(t0));
	hz_crypto_wipe(t1, sizeof(t1));
	hz_crypto_wipe(t2, sizeof(t2));
	hz_crypto_wipe(z9, sizeof(z9));
}

/* h = z^(p - 2) = 1/z (0 for z = 0), by Fermat. */
void fe_invert(fe h, const fe z)
{
	fe t, z11;

	fe_pow2250m1(t, z11, z);
	fe_sqn_ool(t, t, 5); /* 2^255 - 2^5 */
	fe_mul_ool(h, t, z11); /* 2^255 - 21 = p - 2 */
	hz_crypto_wipe(t, sizeof(t));
	hz_crypto_wipe(z11, sizeof(z11));
}

/* h = z^((p - 5) / 8) = z^(2^252 - 3), for square roots (RFC 8032 5.1.3). */
void fe_pow22523(fe h, const fe z)
{
	fe t, z11;

	fe_pow2250m1(t, z11, z);
	fe_sqn_ool(t, t, 2); /* 2^252 - 4 */
	fe_mul_ool(h, t, z); /* 2^252 - 3 */
	hz_crypto_wipe(t, sizeof(t));
	hz_crypto_wipe(z11, sizeof(z11));
}
