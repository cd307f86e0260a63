/* The Ed25519 group: point formats, additions, encodings, the fixed-base
 * comb and the verifier's double-scalar multiplication.
 *
 * Formulas: Hisil-Wong-Carter-Dawson 2008, extended coordinates for
 * a = -1 ("add-2008-hwcd-3", "madd-2008-hwcd-3", "dbl-2008-hwcd"). They
 * are complete on edwards25519, so the identity and doublings need no
 * special case.
 *
 * The constants d, 2d, sqrt(-1) and the two base-point tables come from
 * ge25519_table.h, which gen_table.c writes (the crypto-c25519-table test
 * checks the committed file against a fresh run). The generator compiles
 * this file with HZ_C25519_GEN, which drops the table users. */
#include "c25519_inner.h"

/* The point operations stay out of line: each is 4-9 multiplications, so
 * a call is noise, while inlining them into the scalar multiplications
 * stacks their temporaries (the verifier's frame grew past 3 KB). */
#define GE_OOL __attribute__((noinline))

#ifdef HZ_C25519_GEN
/* Computed at run time by the generator, from their definitions. */
static fe ge_d, ge_d2, ge_sqrtm1;
#else
#include "ge25519_table.h"
#endif

void ge_p3_0(struct ge_p3 *h)
{
	fe_0(h->X);
	fe_1(h->Y);
	fe_1(h->Z);
	fe_0(h->T);
}

GE_OOL void ge_p1p1_to_p2(struct ge_p2 *r, const struct ge_p1p1 *p)
{
	fe_mul(r->X, p->X, p->T);
	fe_mul(r->Y, p->Y, p->Z);
	fe_mul(r->Z, p->Z, p->T);
}

GE_OOL void ge_p1p1_to_p3(struct ge_p3 *r, const struct ge_p1p1 *p)
{
	fe_mul(r->X, p->X, p->T);
	fe_mul(r->Y, p->Y, p->Z);
	fe_mul(r->Z, p->Z, p->T);
	fe_mul(r->T, p->X, p->Y);
}

GE_OOL void ge_p3_to_cached(struct ge_cached *r, const struct ge_p3 *p)
{
	fe_add(r->YpX, p->Y, p->X);
	fe_sub(r->YmX, p->Y, p->X);
	fe_copy(r->Z, p->Z);
	fe_mul(r->T2d, p->T, ge_d2);
}

/* dbl-2008-hwcd with a = -1. Inputs reduced (outputs of fe_mul). */
GE_OOL void ge_p2_dbl(struct ge_p1p1 *r, const struct ge_p2 *p)
{
	fe xx, yy, b, a;

	fe_sq(xx, p->X);
	fe_sq(yy, p->Y);
	fe_sq(b, p->Z);
	fe_add(b, b, b); /* 2 Z^2 */
	fe_add(a, p->X, p->Y);
	fe_sq(a, a); /* (X + Y)^2 */
	fe_add(r->Y, yy, xx);
	fe_sub(r->Z, yy, xx);
	fe_sub(r->X, a, r->Y);
	/* T = 2 Z^2 - (YY - XX), arranged so fe_sub's subtrahend is reduced. */
	fe_add(b, b, xx);
	fe_sub(r->T, b, yy);
}

void ge_p3_dbl(struct ge_p1p1 *r, const struct ge_p3 *p)
{
	struct ge_p2 q;

	fe_copy(q.X, p->X);
	fe_copy(q.Y, p->Y);
	fe_copy(q.Z, p->Z);
	ge_p2_dbl(r, &q);
}

/* p + q: A = (Y1+X1)(Y2+X2), B = (Y1-X1)(Y2-X2), C = 2d T1 T2,
 * D = 2 Z1 Z2, then (A-B, A+B, D+C, D-C). p - q is the same with -q =
 * (-X2, Y2, Z2, -T2): Y+X and Y-X trade places and C changes sign. The
 * mixed forms take q affine (Z2 = 1). */
GE_OOL void ge_add(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_cached *q)
{
	fe a, b, c, d;

	fe_add(a, p->Y, p->X);
	fe_sub(b, p->Y, p->X);
	fe_mul(a, a, q->YpX);
	fe_mul(b, b, q->YmX);
	fe_mul(c, q->T2d, p->T);
	fe_mul(d, p->Z, q->Z);
	fe_add(d, d, d);
	fe_sub(r->X, a, b);
	fe_add(r->Y, a, b);
	fe_add(r->Z, d, c);
	fe_sub(r->T, d, c);
}

GE_OOL void ge_sub(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_cached *q)
{
	fe a, b, c, d;

	fe_add(a, p->Y, p->X);
	fe_sub(b, p->Y, p->X);
	fe_mul(a, a, q->YmX);
	fe_mul(b, b, q->YpX);
	fe_mul(c, q->T2d, p->T);
	fe_mul(d, p->Z, q->Z);
	fe_add(d, d, d);
	fe_sub(r->X, a, b);
	fe_add(r->Y, a, b);
	fe_sub(r->Z, d, c);
	fe_add(r->T, d, c);
}

GE_OOL void ge_madd(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_niels *q)
{
	fe a, b, c, d;

	fe_add(a, p->Y, p->X);
	fe_sub(b, p->Y, p->X);
	fe_mul(a, a, q->ypx);
	fe_mul(b, b, q->ymx);
	fe_mul(c, q->xy2d, p->T);
	fe_add(d, p->Z, p->Z);
	fe_sub(r->X, a, b);
	fe_add(r->Y, a, b);
	fe_add(r->Z, d, c);
	fe_sub(r->T, d, c);
}

GE_OOL void ge_msub(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_niels *q)
{
	fe a, b, c, d;

	fe_add(a, p->Y, p->X);
	fe_sub(b, p->Y, p->X);
	fe_mul(a, a, q->ymx);
	fe_mul(b, b, q->ypx);
	fe_mul(c, q->xy2d, p->T);
	fe_add(d, p->Z, p->Z);
	fe_sub(r->X, a, b);
	fe_add(r->Y, a, b);
	fe_sub(r->Z, d, c);
	fe_add(r->T, d, c);
}

void ge_tobytes(uint8_t s[32], const fe X, const fe Y, const fe Z)
{
	fe recip, x, y;

	fe_invert(recip, Z);
	fe_mul_ool(x, X, recip);
	fe_mul_ool(y, Y, recip);
	fe_tobytes(s, y);
	s[31] ^= (uint8_t)(fe_isneg(x) << 7);
	/* 1/Z of a point made from a secret scalar says more than its encoding. */
	hz_crypto_wipe(recip, sizeof(recip));
}

int ge_frombytes_vartime(struct ge_p3 *h, const uint8_t s[32])
{
	fe u, v, v3, vxx, check;
	uint8_t canon[32];
	int sign = s[31] >> 7;

	fe_frombytes(h->Y, s);
	/* Reject y >= p: the canonical re-encoding must match (5.1.3 step 1). */
	fe_tobytes(canon, h->Y);
	canon[31] |= (uint8_t)(s[31] & 0x80);
	if (__builtin_memcmp(canon, s, 32) != 0)
		return -1;
	fe_1(h->Z);
	/* x^2 = u / v with u = y^2 - 1, v = d y^2 + 1 (step 2):
	 * candidate x = u v^3 (u v^7)^((p-5)/8). */
	fe_sq_ool(u, h->Y);
	fe_mul_ool(v, u, ge_d);
	fe_sub(u, u, h->Z);
	fe_carry(u);
	fe_add(v, v, h->Z);
	fe_sq_ool(v3, v);
	fe_mul_ool(v3, v3, v); /* v^3 */
	fe_sq_ool(h->X, v3);
	fe_mul_ool(h->X, h->X, v);
	fe_mul_ool(h->X, h->X, u); /* u v^7 */
	fe_pow22523(h->X, h->X);
	fe_mul_ool(h->X, h->X, v3);
	fe_mul_ool(h->X, h->X, u);
	/* Step 3: v x^2 = u, or = -u and x *= sqrt(-1), or no root. */
	fe_sq_ool(vxx, h->X);
	fe_mul_ool(vxx, vxx, v);
	fe_sub(check, vxx, u);
	if (!fe_iszero(check)) {
		fe_add(check, vxx, u);
		if (!fe_iszero(check))
			return -1;
		fe_mul_ool(h->X, h->X, ge_sqrtm1);
	}
	/* Step 4: x = 0 with the sign bit set is not a valid encoding. */
	if (fe_iszero(h->X) && sign)
		return -1;
	if ((int)fe_isneg(h->X) != sign)
		fe_neg(h->X, h->X);
	fe_mul_ool(h->T, h->X, h->Y);
	return 0;
}

#ifndef HZ_C25519_GEN

/* t = b * table[pos] for b in [-8, 8], reading all eight entries so the
 * memory trace does not depend on b. */
static void ge_select(struct ge_niels *t, int pos, int32_t b)
{
	uint32_t bneg = (uint32_t)b >> 31;
	uint32_t babs = ((uint32_t)b ^ (0u - bneg)) + bneg;
	struct ge_niels minus;

	fe_1(t->ypx);
	fe_1(t->ymx);
	fe_0(t->xy2d);
	for (uint32_t j = 0; j < 8; j++) {
		uint64_t eq = hz_ct_eq32(babs, j + 1);
		fe_cmov(t->ypx, ge_base_comb[pos][j].ypx, eq);
		fe_cmov(t->ymx, ge_base_comb[pos][j].ymx, eq);
		fe_cmov(t->xy2d, ge_base_comb[pos][j].xy2d, eq);
	}
	/* -(x, y) = (-x, y): swap y+x and y-x, negate 2dxy. */
	fe_copy(minus.ypx, t->ymx);
	fe_copy(minus.ymx, t->ypx);
	fe_neg(minus.xy2d, t->xy2d);
	fe_cmov(t->ypx, minus.ypx, bneg);
	fe_cmov(t->ymx, minus.ymx, bneg);
	fe_cmov(t->xy2d, minus.xy2d, bneg);
}

/* Signed radix 16: a = sum e[i] 16^i with e[i] in [-8, 8], so
 * [a]B = 16 * sum_j e[2j+1] (256^j B) + sum_j e[2j] (256^j B),
 * where ge_base_comb[j][k] = (k+1) 256^j B: 64 mixed additions and
 * four doublings, with every table read a full scan. */
void ge_scalarmult_base(struct ge_p3 *h, const uint8_t a[32])
{
	int32_t e[64], carry = 0;
	struct ge_p1p1 r;
	struct ge_p2 s;
	struct ge_niels t;

	for (int i = 0; i < 32; i++) {
		e[2 * i] = a[i] & 15;
		e[2 * i + 1] = a[i] >> 4;
	}
	/* Recentre each digit into [-8, 8); e[63] <= 8 since a < 2^255. */
	for (int i = 0; i < 63; i++) {
		e[i] += carry;
		carry = (e[i] + 8) >> 4;
		e[i] -= carry * 16;
	}
	e[63] += carry;

	ge_p3_0(h);
	for (int i = 1; i < 64; i += 2) {
		ge_select(&t, i / 2, e[i]);
		ge_madd(&r, h, &t);
		ge_p1p1_to_p3(h, &r);
	}
	ge_p3_dbl(&r, h);
	ge_p1p1_to_p2(&s, &r);
	ge_p2_dbl(&r, &s);
	ge_p1p1_to_p2(&s, &r);
	ge_p2_dbl(&r, &s);
	ge_p1p1_to_p2(&s, &r);
	ge_p2_dbl(&r, &s);
	ge_p1p1_to_p3(h, &r);
	for (int i = 0; i < 64; i += 2) {
		ge_select(&t, i / 2, e[i]);
		ge_madd(&r, h, &t);
		ge_p1p1_to_p3(h, &r);
	}
	hz_crypto_wipe(e, sizeof(e));
	hz_crypto_wipe(&t, sizeof(t));
	hz_crypto_wipe(&r, sizeof(r));
	hz_crypto_wipe(&s, sizeof(s));
}

/* Width-w NAF of a 256-bit public scalar: naf[i] odd in (-2^(w-1), 2^(w-1))
 * or 0, at most one nonzero in any w consecutive positions. */
static void ge_wnaf(int8_t naf[256], const uint8_t s[32], int w)
{
	uint64_t k[5];
	const uint64_t win = (uint64_t)1 << w, half = win >> 1;

	for (int i = 0; i < 4; i++)
		k[i] = hz_crypto_le64(s + 8 * i);
	k[4] = 0;
	for (int i = 0; i < 256; i++) {
		int8_t d = 0;
		if (k[0] & 1) {
			uint64_t v = k[0] & (win - 1);
			if (v >= half) {
				/* d = v - 2^w < 0: k -= d adds 2^w - v. */
				uint64_t add = win - v;
				d = (int8_t)((int64_t)v - (int64_t)win);
				for (int j = 0; j < 5 && add; j++) {
					k[j] += add;
					add = k[j] < add;
				}
			} else {
				d = (int8_t)v;
				k[0] -= v;
			}
		}
		naf[i] = d;
		for (int j = 0; j < 4; j++)
			k[j] = k[j] >> 1 | k[j + 1] << 63;
		k[4] >>= 1;
	}
}

void ge_double_scalarmult_vartime(struct ge_p2 *r, const uint8_t a[32], const struct ge_p3 *A,
				  const uint8_t b[32])
{
	int8_t anaf[256], bnaf[256];
	struct ge_cached ai[8];         /* A, 3A, ..., 15A */
	struct ge_p1p1 t;
	struct ge_p3 u, a2;
	int i;

	ge_wnaf(anaf, a, 5);
	ge_wnaf(bnaf, b, 8);
	ge_p3_to_cached(&ai[0], A);
	ge_p3_dbl(&t, A);
	ge_p1p1_to_p3(&a2, &t);
	for (i = 1; i < 8; i++) {
		ge_add(&t, &a2, &ai[i - 1]);
		ge_p1p1_to_p3(&u, &t);
		ge_p3_to_cached(&ai[i], &u);
	}

	fe_0(r->X);
	fe_1(r->Y);
	fe_1(r->Z);
	for (i = 255; i >= 0 && !anaf[i] && !bnaf[i]; i--)
		;
	for (; i >= 0; i--) {
		ge_p2_dbl(&t, r);
		if (anaf[i] > 0) {
			ge_p1p1_to_p3(&u, &t);
			ge_add(&t, &u, &ai[anaf[i] / 2]);
		} else if (anaf[i] < 0) {
			ge_p1p1_to_p3(&u, &t);
			ge_sub(&t, &u, &ai[-anaf[i] / 2]);
		}
		if (bnaf[i] > 0) {
			ge_p1p1_to_p3(&u, &t);
			ge_madd(&t, &u, &ge_base_odd[bnaf[i] / 2]);
		} else if (bnaf[i] < 0) {
			ge_p1p1_to_p3(&u, &t);
			ge_msub(&t, &u, &ge_base_odd[-bnaf[i] / 2]);
		}
		ge_p1p1_to_p2(r, &t);
	}
}

#endif
