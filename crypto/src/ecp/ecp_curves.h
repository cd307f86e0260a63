/* The two curves of the ecp area, P-256 and P-384 (FIPS 186-5 / SP
 * 800-186 3.2.1.3 and 3.2.1.4, SEC 2 v2 2.4.2 and 2.5.1): their constants
 * and one instantiation of ecp_curve.h each. Limbs are little-endian
 * 64-bit words. "Montgomery form" means x * 2^256 mod p (P-256) or
 * x * 2^384 mod p (P-384). Derived constants (Montgomery forms, -1/m mod
 * 2^64, exponents) were computed from p, n, b, G with Python integers;
 * wrong values would fail every test vector. */
#ifndef HAZE_CRYPTO_ECP_CURVES_H
#define HAZE_CRYPTO_ECP_CURVES_H

#include "ecp_mp.h"

/* --- P-256: p = 2^256 - 2^224 + 2^192 + 2^96 - 1 --- */
static const uint64_t p256_p[4] = {
	0xffffffffffffffffull, 0x00000000ffffffffull, 0x0000000000000000ull,
	0xffffffff00000001ull
};
static const uint64_t p256_p0 = 0x0000000000000001ull; /* -1/p mod 2^64 */
static const uint64_t p256_n[4] = {
	0xf3b9cac2fc632551ull, 0xbce6faada7179e84ull, 0xffffffffffffffffull,
	0xffffffff00000000ull
};
static const uint64_t p256_n0 = 0xccd1c8aaee00bc4full; /* -1/n mod 2^64 */
/* 2^512 mod p */
static const uint64_t p256_rrp[4] = {
	0x0000000000000003ull, 0xfffffffbffffffffull, 0xfffffffffffffffeull,
	0x00000004fffffffdull
};
/* 2^512 mod n */
static const uint64_t p256_rrn[4] = {
	0x83244c95be79eea2ull, 0x4699799c49bd6fa6ull, 0x2845b2392b6bec59ull,
	0x66e12d94f3d95620ull
};
/* 1, Montgomery */
static const uint64_t p256_one[4] = {
	0x0000000000000001ull, 0xffffffff00000000ull, 0xffffffffffffffffull,
	0x00000000fffffffeull
};
/* b, Montgomery */
static const uint64_t p256_b[4] = {
	0xd89cdf6229c4bddfull, 0xacf005cd78843090ull, 0xe5a220abf7212ed6ull,
	0xdc30061d04874834ull
};
/* G, Montgomery */
static const uint64_t p256_gx[4] = {
	0x79e730d418a9143cull, 0x75ba95fc5fedb601ull, 0x79fb732b77622510ull,
	0x18905f76a53755c6ull
};
static const uint64_t p256_gy[4] = {
	0xddf25357ce95560aull, 0x8b4ab8e4ba19e45cull, 0xd2e88688dd21f325ull,
	0x8571ff1825885d85ull
};
/* p - 2 */
static const uint64_t p256_pm2[4] = {
	0xfffffffffffffffdull, 0x00000000ffffffffull, 0x0000000000000000ull,
	0xffffffff00000001ull
};
/* n - 2 */
static const uint64_t p256_nm2[4] = {
	0xf3b9cac2fc63254full, 0xbce6faada7179e84ull, 0xffffffffffffffffull,
	0xffffffff00000000ull
};
/* (p + 1) / 4 */
static const uint64_t p256_sqrte[4] = {
	0x0000000000000000ull, 0x0000000040000000ull, 0x4000000000000000ull,
	0x3fffffffc0000000ull
};

/* --- P-384: p = 2^384 - 2^128 - 2^96 + 2^32 - 1 --- */
static const uint64_t p384_p[6] = {
	0x00000000ffffffffull, 0xffffffff00000000ull, 0xfffffffffffffffeull,
	0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull
};
static const uint64_t p384_p0 = 0x0000000100000001ull;
static const uint64_t p384_n[6] = {
	0xecec196accc52973ull, 0x581a0db248b0a77aull, 0xc7634d81f4372ddfull,
	0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull
};
static const uint64_t p384_n0 = 0x6ed46089e88fdc45ull;
static const uint64_t p384_rrp[6] = {
	0xfffffffe00000001ull, 0x0000000200000000ull, 0xfffffffe00000000ull,
	0x0000000200000000ull, 0x0000000000000001ull, 0x0000000000000000ull
};
static const uint64_t p384_rrn[6] = {
	0x2d319b2419b409a9ull, 0xff3d81e5df1aa419ull, 0xbc3e483afcb82947ull,
	0xd40d49174aab1cc5ull, 0x3fb05b7a28266895ull, 0x0c84ee012b39bf21ull
};
static const uint64_t p384_one[6] = {
	0xffffffff00000001ull, 0x00000000ffffffffull, 0x0000000000000001ull,
	0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull
};
static const uint64_t p384_b[6] = {
	0x081188719d412dccull, 0xf729add87a4c32ecull, 0x77f2209b1920022eull,
	0xe3374bee94938ae2ull, 0xb62b21f41f022094ull, 0xcd08114b604fbff9ull
};
static const uint64_t p384_gx[6] = {
	0x3dd0756649c0b528ull, 0x20e378e2a0d6ce38ull, 0x879c3afc541b4d6eull,
	0x6454868459a30effull, 0x812ff723614ede2bull, 0x4d3aadc2299e1513ull
};
static const uint64_t p384_gy[6] = {
	0x23043dad4b03a4feull, 0xa1bfa8bf7bb4a9acull, 0x8bade7562e83b050ull,
	0xc6c3521968f4ffd9ull, 0xdd8002263969a840ull, 0x2b78abc25a15c5e9ull
};
static const uint64_t p384_pm2[6] = {
	0x00000000fffffffdull, 0xffffffff00000000ull, 0xfffffffffffffffeull,
	0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull
};
static const uint64_t p384_nm2[6] = {
	0xecec196accc52971ull, 0x581a0db248b0a77aull, 0xc7634d81f4372ddfull,
	0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull
};
static const uint64_t p384_sqrte[6] = {
	0x0000000040000000ull, 0xbfffffffc0000000ull, 0xffffffffffffffffull,
	0xffffffffffffffffull, 0xffffffffffffffffull, 0x3fffffffffffffffull
};


ECP_INLINE void p256_redc(uint64_t *r, const uint64_t *t)
{
	uint64_t s0 = t[0], s1 = t[1], s2 = t[2], s3 = t[3], u[4], v[4];
	unsigned char c, bw;

	/* s = (s + q p) / 2^64 with q = s0: word 0 becomes 0 with a carry of
	 * q, word 1 gains q 2^32, word 3 gains q (2^64 - 2^32 + 1). The
	 * result stays below 2^256 and, after four steps, at most p. */
	ECP_UNROLL
	for (int i = 0; i < 4; i++) {
		uint64_t q = s0;
		ecp_u128 z = (ecp_u128)q * 0xffffffff00000001ull;
		c = ECP_ADC(0, s1, q << 32, &s0);
		c = ECP_ADC(c, s2, q >> 32, &s1);
		c = ECP_ADC(c, s3, (uint64_t)z, &s2);
		s3 = (uint64_t)(z >> 64) + c; /* the high word is <= 2^64 - 2^32 */
	}
	/* r = high half + s, both at most p: one conditional subtraction. */
	c = ECP_ADC(0, t[4], s0, &u[0]);
	c = ECP_ADC(c, t[5], s1, &u[1]);
	c = ECP_ADC(c, t[6], s2, &u[2]);
	c = ECP_ADC(c, t[7], s3, &u[3]);
	bw = ECP_SBB(0, u[0], 0xffffffffffffffffull, &v[0]);
	bw = ECP_SBB(bw, u[1], 0x00000000ffffffffull, &v[1]);
	bw = ECP_SBB(bw, u[2], 0, &v[2]);
	bw = ECP_SBB(bw, u[3], 0xffffffff00000001ull, &v[3]);
	mp_sel(r, hz_ct_mask64((uint64_t)(bw & (c ^ 1))), u, v, 4);
}

/* t = a b, 4 x 4 limbs, rows of products added with carry chains. */
ECP_INLINE void p256_mul_wide(uint64_t *t, const uint64_t *a, const uint64_t *b)
{
	uint64_t lo[4], hi[4];
	unsigned char c;

	ECP_UNROLL
	for (int i = 0; i < 4; i++) {
		ECP_UNROLL
		for (int j = 0; j < 4; j++) {
			ecp_u128 z = (ecp_u128)a[j] * b[i];
			lo[j] = (uint64_t)z;
			hi[j] = (uint64_t)(z >> 64);
		}
		if (i == 0) {
			t[0] = lo[0];
			c = ECP_ADC(0, lo[1], hi[0], &t[1]);
			c = ECP_ADC(c, lo[2], hi[1], &t[2]);
			c = ECP_ADC(c, lo[3], hi[2], &t[3]);
			t[4] = hi[3] + c;
		} else {
			c = ECP_ADC(0, t[i], lo[0], &t[i]);
			c = ECP_ADC(c, t[i + 1], lo[1], &t[i + 1]);
			c = ECP_ADC(c, t[i + 2], lo[2], &t[i + 2]);
			c = ECP_ADC(c, t[i + 3], lo[3], &t[i + 3]);
			t[i + 4] = c;
			c = ECP_ADC(0, t[i + 1], hi[0], &t[i + 1]);
			c = ECP_ADC(c, t[i + 2], hi[1], &t[i + 2]);
			c = ECP_ADC(c, t[i + 3], hi[2], &t[i + 3]);
			t[i + 4] += hi[3] + c; /* the product fits in i + 5 words */
		}
	}
}

/* t = a^2, 4 limbs: the six cross products once, doubled, plus the four
 * squares (10 multiplications instead of 16). */
ECP_INLINE void p256_sqr_wide(uint64_t *t, const uint64_t *a)
{
	uint64_t d[8];
	ecp_u128 z;
	unsigned char c;

	z = (ecp_u128)a[0] * a[1];
	t[1] = (uint64_t)z;
	z = (ecp_u128)a[0] * a[2] + (uint64_t)(z >> 64);
	t[2] = (uint64_t)z;
	z = (ecp_u128)a[0] * a[3] + (uint64_t)(z >> 64);
	t[3] = (uint64_t)z;
	t[4] = (uint64_t)(z >> 64);
	z = (ecp_u128)a[1] * a[2] + t[3];
	t[3] = (uint64_t)z;
	z = (ecp_u128)a[1] * a[3] + t[4] + (uint64_t)(z >> 64);
	t[4] = (uint64_t)z;
	t[5] = (uint64_t)(z >> 64);
	z = (ecp_u128)a[2] * a[3] + t[5];
	t[5] = (uint64_t)z;
	t[6] = (uint64_t)(z >> 64);
	/* double the cross products: t[1..6] + t[1..6], one carry chain */
	c = ECP_ADC(0, t[1], t[1], &t[1]);
	ECP_UNROLL
	for (int i = 2; i < 7; i++)
		c = ECP_ADC(c, t[i], t[i], &t[i]);
	t[7] = c;
	ECP_UNROLL
	for (int i = 0; i < 4; i++) {
		z = (ecp_u128)a[i] * a[i];
		d[2 * i] = (uint64_t)z;
		d[2 * i + 1] = (uint64_t)(z >> 64);
	}
	t[0] = d[0];
	c = ECP_ADC(0, t[1], d[1], &t[1]);
	ECP_UNROLL
	for (int i = 2; i < 8; i++)
		c = ECP_ADC(c, t[i], d[i], &t[i]);
}

ECP_INLINE void p256_fsqr_impl(uint64_t *r, const uint64_t *a)
{
	uint64_t t[8];

	p256_sqr_wide(t, a);
	p256_redc(r, t);
}

/* P-256 field multiplication using the shape of p (its Montgomery
 * constant -1/p mod 2^64 is 1, and p's limbs are 2^64 - 1, 2^32 - 1, 0,
 * 2^64 - 2^32 + 1): the full 512-bit product, then four word-by-word
 * Montgomery steps on the low half that need one multiplication each
 * instead of four. Constant time. r may alias a or b. */
ECP_INLINE void p256_fmul_impl(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	uint64_t t[8];

	p256_mul_wide(t, a, b);
	p256_redc(r, t);
}

/* Montgomery reduction mod n of a 512-bit t (t < n 2^256): r = t / 2^256
 * mod n, word by word (q = t_i n0, t += q n 2^(64 i)), then one
 * conditional subtraction. Constant time. t is clobbered. */
ECP_INLINE void p256_nredc(uint64_t *r, uint64_t *t)
{
	uint64_t top = 0, u[4];
	unsigned char bw;

	ECP_UNROLL
	for (int i = 0; i < 4; i++) {
		uint64_t q = t[i] * p256_n0, c = 0;
		ecp_u128 z;
		ECP_UNROLL
		for (int j = 0; j < 4; j++) {
			z = (ecp_u128)q * p256_n[j] + t[i + j] + c;
			t[i + j] = (uint64_t)z;
			c = (uint64_t)(z >> 64);
		}
		z = (ecp_u128)t[i + 4] + c + top;
		t[i + 4] = (uint64_t)z;
		top = (uint64_t)(z >> 64);
	}
	/* t[4..7] + top 2^256 < 2n */
	bw = (unsigned char)mp_sub(u, t + 4, p256_n, 4);
	mp_sel(r, hz_ct_mask64((uint64_t)(bw & (top ^ 1))), t + 4, u, 4);
}

/* Scalar Montgomery product and square mod n with the field's wide
 * products (the square needs 10 multiplications instead of 16). */
static __attribute__((unused)) void p256_nmul_impl(uint64_t *r, const uint64_t *a,
						   const uint64_t *b)
{
	uint64_t t[8];

	p256_mul_wide(t, a, b);
	p256_nredc(r, t);
}

static __attribute__((unused)) void p256_nsqr_impl(uint64_t *r, const uint64_t *a)
{
	uint64_t t[8];

	p256_sqr_wide(t, a);
	p256_nredc(r, t);
}

/* r = a^(2^n) * b (n >= 1); r may alias a or b. */
static __attribute__((unused)) void p256_fsqrn_mul(uint64_t *r, const uint64_t *a, int n,
						   const uint64_t *b)
{
	uint64_t t[4];

	p256_fsqr_impl(t, a);
	for (int i = 1; i < n; i++)
		p256_fsqr_impl(t, t);
	p256_fmul_impl(r, t, b);
}

/* r = 1/a = a^(p-2) (0 for a = 0) with an addition chain over the fixed
 * exponent: 255 squarings and 12 multiplications, against about 64 more
 * multiplications for 4-bit windows. x_k below is a^(2^k - 1); p - 2 in
 * 32-bit words from the top is ffffffff 00000001 00000000 00000000
 * 00000000 ffffffff ffffffff fffffffd. Constant time (no branch on a). */
static __attribute__((unused)) void p256_finv_impl(uint64_t *r, const uint64_t *a)
{
	uint64_t x2[4], x3[4], x6[4], x12[4], x15[4], x30[4], x32[4], t[4];

	p256_fsqrn_mul(x2, a, 1, a);
	p256_fsqrn_mul(x3, x2, 1, a);
	p256_fsqrn_mul(x6, x3, 3, x3);
	p256_fsqrn_mul(x12, x6, 6, x6);
	p256_fsqrn_mul(x15, x12, 3, x3);
	p256_fsqrn_mul(x30, x15, 15, x15);
	p256_fsqrn_mul(x32, x30, 2, x2);
	p256_fsqrn_mul(t, x32, 32, a);          /* ffffffff 00000001 */
	p256_fsqrn_mul(t, t, 128, x32);         /* 00000000 x 3, ffffffff */
	p256_fsqrn_mul(t, t, 32, x32);          /* ffffffff */
	p256_fsqrn_mul(t, t, 30, x30);          /* fffffffc >> 2 */
	p256_fsqrn_mul(r, t, 2, a);             /* ...01 */
	hz_crypto_wipe(x2, sizeof x2);
	hz_crypto_wipe(x3, sizeof x3);
	hz_crypto_wipe(x6, sizeof x6);
	hz_crypto_wipe(x12, sizeof x12);
	hz_crypto_wipe(x15, sizeof x15);
	hz_crypto_wipe(x30, sizeof x30);
	hz_crypto_wipe(x32, sizeof x32);
	hz_crypto_wipe(t, sizeof t);
}

#define EC_(x) p256_##x
#define EC_L 4
#define EC_FMUL_IMPL p256_fmul_impl
#define EC_FSQR_IMPL p256_fsqr_impl
#define EC_FINV_IMPL p256_finv_impl
#define EC_NMUL_IMPL p256_nmul_impl
#define EC_NSQR_IMPL p256_nsqr_impl
#define EC_ADD_INLINE 1
#include "ecp_curve.h"
#undef EC_
#undef EC_L
#undef EC_FMUL_IMPL
#undef EC_FSQR_IMPL
#undef EC_FINV_IMPL
#undef EC_NMUL_IMPL
#undef EC_NSQR_IMPL
#undef EC_ADD_INLINE

#define EC_(x) p384_##x
#define EC_L 6
#include "ecp_curve.h"
#undef EC_
#undef EC_L

/* Width of the wNAF for G in verification; the generated tables hold the
 * 2^(ECP_GW - 2) odd multiples G, 3G, ..., (2^(ECP_GW-1) - 1)G. */
#define ECP_GW 7

/* The generated tables (gen_tables.c writes ecp_tables.h):
 *   p256_comb[i][j-1] = j 32^i G, 0 <= i < 52, 1 <= j <= 16, for the
 *                       constant-time fixed-base multiplication
 *                       (signed 5-bit windows);
 *   p256_godd, p384_godd: the odd multiples for verification.
 * All affine, Montgomery form. */
#ifndef HZ_ECP_GEN
#include "ecp_tables.h"
#endif

#endif
