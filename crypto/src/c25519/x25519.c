/* X25519 (RFC 7748): the Montgomery ladder on Curve25519, and the
 * fixed-base public key through the Edwards comb (ge25519.c) and the
 * birational map u = (1 + y) / (1 - y) (RFC 7748 section 4.1). */
#include "c25519_inner.h"

/* RFC 7748 section 5: clear bits 0-2 and 255, set bit 254. */
static void x25519_clamp(uint8_t k[32], const uint8_t scalar[32])
{
	for (int i = 0; i < 32; i++)
		k[i] = scalar[i];
	k[0] &= 248;
	k[31] &= 127;
	k[31] |= 64;
}

/* HZ_ERR_BAD_KEY when out is all zeros (RFC 7748 section 6.1), chosen
 * with masks so the check itself does not branch. */
static int x25519_check(const uint8_t out[32])
{
	uint32_t acc = 0;

	for (int i = 0; i < 32; i++)
		acc |= out[i];
	return (int)((uint32_t)HZ_ERR_BAD_KEY & hz_ct_mask32(1 ^ hz_ct_nonzero32(acc)));
}

/* The section 5 ladder on 51-bit limbs, for a clamped k. */
static void x25519_ladder(uint8_t out[32], const uint8_t k[32], const uint8_t point[32])
{
	fe x1, x2, z2, x3, z3, a, aa, b, bb, e, c, d, da, cb;
	uint64_t swap = 0;

	/* Bit 255 of u is masked by fe_frombytes; u >= p is accepted and
	 * reduced by the arithmetic (section 5). */
	fe_frombytes(x1, point);
	fe_1(x2);
	fe_0(z2);
	fe_copy(x3, x1);
	fe_1(z3);
	/* The section 5 ladder, bits 254 down to 0. */
	for (int t = 254; t >= 0; t--) {
		uint64_t kt = (uint64_t)(k[t >> 3] >> (t & 7)) & 1;

		swap ^= kt;
		fe_cswap(x2, x3, swap);
		fe_cswap(z2, z3, swap);
		swap = kt;

		fe_add(a, x2, z2);
		fe_sq(aa, a);
		fe_sub(b, x2, z2);
		fe_sq(bb, b);
		fe_sub(e, aa, bb);
		fe_add(c, x3, z3);
		fe_sub(d, x3, z3);
		fe_mul(da, d, a);
		fe_mul(cb, c, b);
		fe_add(x3, da, cb);
		fe_sq(x3, x3);
		fe_sub(z3, da, cb);
		fe_sq(z3, z3);
		fe_mul(z3, z3, x1);
		fe_mul(x2, aa, bb);
		/* a24 = (486662 - 2) / 4 = 121665. */
		fe_mul_small(z2, e, 121665);
		fe_add(z2, z2, aa);
		fe_mul(z2, z2, e);
	}
	fe_cswap(x2, x3, swap);
	fe_cswap(z2, z3, swap);
	fe_invert(z2, z2);
	fe_mul(x2, x2, z2);
	fe_tobytes(out, x2);

	hz_crypto_wipe(x2, sizeof(x2));
	hz_crypto_wipe(z2, sizeof(z2));
	hz_crypto_wipe(x3, sizeof(x3));
	hz_crypto_wipe(z3, sizeof(z3));
	hz_crypto_wipe(a, sizeof(a));
	hz_crypto_wipe(aa, sizeof(aa));
	hz_crypto_wipe(b, sizeof(b));
	hz_crypto_wipe(bb, sizeof(bb));
	hz_crypto_wipe(e, sizeof(e));
	hz_crypto_wipe(c, sizeof(c));
	hz_crypto_wipe(d, sizeof(d));
	hz_crypto_wipe(da, sizeof(da));
	hz_crypto_wipe(cb, sizeof(cb));
}

int hz_crypto_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32])
{
	uint8_t k[32];

	x25519_clamp(k, scalar);
	x25519_ladder(out, k, point);
	hz_crypto_wipe(k, sizeof(k));
	return x25519_check(out);
}

void hz_crypto_x25519_base(uint8_t out[32], const uint8_t scalar[32])
{
	uint8_t k[32];
	struct ge_p3 p;
	fe n, dd;

	x25519_clamp(k, scalar);
	ge_scalarmult_base(&p, k);
	/* u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y); Z != Y since a clamped
	 * scalar is never a multiple of L. */
	fe_add(n, p.Z, p.Y);
	fe_sub(dd, p.Z, p.Y);
	fe_invert(dd, dd);
	fe_mul(n, n, dd);
	fe_tobytes(out, n);

	hz_crypto_wipe(k, sizeof(k));
	hz_crypto_wipe(&p, sizeof(p));
	hz_crypto_wipe(n, sizeof(n));
	hz_crypto_wipe(dd, sizeof(dd));
}
