/* Field, scalar and group arithmetic for one short Weierstrass curve with
 * a = -3, instantiated once per curve by ecp_curves.h. The includer
 * defines:
 *   EC_(x)   the name prefix (p256_x, p384_x)
 *   EC_L     limbs per element, EC_BYTES = 8 * EC_L
 * and the constants EC_(p), EC_(p0), EC_(n), EC_(n0), EC_(rrp), EC_(rrn),
 * EC_(one), EC_(b), EC_(gx), EC_(gy), EC_(pm2), EC_(nm2), EC_(sqrte)
 * (see ecp_curves.h).
 *
 * Field elements are kept in Montgomery form (x * 2^(64 EC_L) mod p).
 * Two point representations:
 *   - homogeneous projective (X:Y:Z), x = X/Z, y = Y/Z, identity (0:1:0),
 *     with the complete formulas of Renes, Costello and Batina, "Complete
 *     addition formulas for prime order elliptic curves" (EUROCRYPT
 *     2016), Algorithms 4, 5 and 6 for a = -3 (pt_*). The table
 *     generator uses them (right for every input, P + P included);
 *   - Jacobian (X:Y:Z), x = X/Z^2, y = Y/Z^3, identity Z = 0, with the
 *     cheaper classic a = -3 formulas (j*): the constant-time
 *     multiplications (mul_ct here, p256_mul_base in ecp.c) and
 *     verification. Their exceptional cases (P = +-Q, the identity) are
 *     handled by branches for public data, and for secret scalars are
 *     proved unreachable except for the identity, which is masked (see
 *     mul_ct). */

#define EC_BYTES (8 * EC_L)

struct EC_(pt) {
	uint64_t x[EC_L], y[EC_L], z[EC_L];
};

struct EC_(aff) {
	uint64_t x[EC_L], y[EC_L];
};

#define EC_FN static __attribute__((unused))

/* --- field GF(p), Montgomery form --- */

EC_FN void EC_(fmul)(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
#ifdef EC_FMUL_IMPL
	EC_FMUL_IMPL(r, a, b);
#else
	mp_montmul(r, a, b, EC_(p), EC_(p0), EC_L);
#endif
}

EC_FN void EC_(fsqr)(uint64_t *r, const uint64_t *a)
{
#ifdef EC_FSQR_IMPL
	EC_FSQR_IMPL(r, a);
#else
	EC_(fmul)(r, a, a);
#endif
}

/* P-256 inlines its additions (EC_ADD_INLINE): the call overhead was a
 * tenth of the point arithmetic; P-384 keeps them out of line (size). */
#ifdef EC_ADD_INLINE
#define EC_ADDFN ECP_INLINE
#else
#define EC_ADDFN EC_FN
#endif

EC_ADDFN void EC_(fadd)(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	mp_modadd(r, a, b, EC_(p), EC_L);
}

EC_ADDFN void EC_(fsub)(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
	mp_modsub(r, a, b, EC_(p), EC_L);
}

/* r = 3a */
static inline void EC_(ftriple)(uint64_t *r, const uint64_t *a)
{
	uint64_t t[EC_L];
	EC_(fadd)(t, a, a);
	EC_(fadd)(r, t, a);
}

/* Plain integer (< 2^(64 EC_L)) to Montgomery form, reduced mod p. */
EC_FN void EC_(fto)(uint64_t *r, const uint64_t *a)
{
	EC_(fmul)(r, a, EC_(rrp));
}

/* Montgomery form back to the plain integer in [0, p). */
EC_FN void EC_(ffrom)(uint64_t *r, const uint64_t *a)
{
	uint64_t one[EC_L] = { 1 };
	EC_(fmul)(r, a, one);
}

/* r = a^e in the Montgomery domain, for a PUBLIC exponent e (a fixed
 * one such as p - 2): 4-bit windows; the digits steer branches and table
 * indexes, which is safe because they never depend on a. mul is the
 * field's or the scalars' Montgomery product, one its Montgomery one. */
static inline void EC_(pow)(uint64_t *r, const uint64_t *a, const uint64_t *e, const uint64_t *one,
			    void (*mul)(uint64_t *, const uint64_t *, const uint64_t *),
			    void (*sqr)(uint64_t *, const uint64_t *))
{
	uint64_t tab[16][EC_L], acc[EC_L];
	int started = 0;

	for (int i = 0; i < EC_L; i++) {
		tab[1][i] = a[i];
		acc[i] = one[i];
	}
	for (int i = 2; i < 16; i++)
		mul(tab[i], tab[i - 1], a);
	for (int w = 16 * EC_L; w-- > 0;) {
		unsigned d = (unsigned)(e[w / 16] >> (4 * (w % 16))) & 15;
		if (started) {
			for (int k = 0; k < 4; k++)
				sqr(acc, acc);
		}
		if (d) {
			mul(acc, acc, tab[d]);
			started = 1;
		}
	}
	for (int i = 0; i < EC_L; i++)
		r[i] = acc[i];
	hz_crypto_wipe(tab, sizeof tab);
	hz_crypto_wipe(acc, sizeof acc);
}

/* r = 1/a (0 for a = 0): Fermat, a^(p-2), fixed public exponent. */
EC_FN void EC_(finv)(uint64_t *r, const uint64_t *a)
{
#ifdef EC_FINV_IMPL
	EC_FINV_IMPL(r, a);
#else
	EC_(pow)(r, a, EC_(pm2), EC_(one), EC_(fmul), EC_(fsqr));
#endif
}

/* --- scalars mod n, Montgomery form --- */

EC_FN void EC_(nmul)(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
#ifdef EC_NMUL_IMPL
	EC_NMUL_IMPL(r, a, b);
#else
	mp_montmul(r, a, b, EC_(n), EC_(n0), EC_L);
#endif
}

EC_FN void EC_(nsqr)(uint64_t *r, const uint64_t *a)
{
#ifdef EC_NSQR_IMPL
	EC_NSQR_IMPL(r, a);
#else
	EC_(nmul)(r, a, a);
#endif
}

EC_FN void EC_(nto)(uint64_t *r, const uint64_t *a)
{
	EC_(nmul)(r, a, EC_(rrn));
}

EC_FN void EC_(nfrom)(uint64_t *r, const uint64_t *a)
{
	uint64_t one[EC_L] = { 1 };
	EC_(nmul)(r, a, one);
}

/* r = 1/a mod n, Montgomery forms: a^(n-2). */
EC_FN void EC_(ninv)(uint64_t *r, const uint64_t *a)
{
	uint64_t one[EC_L] = { 1 };
	EC_(nto)(one, one);
	EC_(pow)(r, a, EC_(nm2), one, EC_(nmul), EC_(nsqr));
}

/* r = a mod n for a < 2n (every value below 2^(64 EC_L) on these curves,
 * and every x coordinate). */
EC_FN void EC_(nreduce)(uint64_t *r, const uint64_t *a)
{
	uint64_t t[EC_L];
	uint64_t bw = mp_sub(t, a, EC_(n), EC_L);
	mp_sel(r, hz_ct_mask64(bw), a, t, EC_L);
}

/* --- points --- */

EC_FN void EC_(pt_inf)(struct EC_(pt) *r)
{
	for (int i = 0; i < EC_L; i++) {
		r->x[i] = 0;
		r->y[i] = EC_(one)[i];
		r->z[i] = 0;
	}
}

/* r = p + q, RCB Algorithm 4 (a = -3), 12M. r may alias p or q. */
EC_FN void EC_(pt_add)(struct EC_(pt) *r, const struct EC_(pt) *p, const struct EC_(pt) *q)
{
	uint64_t xx[EC_L], yy[EC_L], zz[EC_L], xy[EC_L], yz[EC_L], xz[EC_L];
	uint64_t s[EC_L], t[EC_L], yp[EC_L], ym[EC_L], u[EC_L], w[EC_L];

	EC_(fmul)(xx, p->x, q->x);
	EC_(fmul)(yy, p->y, q->y);
	EC_(fmul)(zz, p->z, q->z);
	EC_(fadd)(s, p->x, p->y);
	EC_(fadd)(t, q->x, q->y);
	EC_(fmul)(xy, s, t);
	EC_(fadd)(s, xx, yy);
	EC_(fsub)(xy, xy, s);               /* X1Y2 + X2Y1 */
	EC_(fadd)(s, p->y, p->z);
	EC_(fadd)(t, q->y, q->z);
	EC_(fmul)(yz, s, t);
	EC_(fadd)(s, yy, zz);
	EC_(fsub)(yz, yz, s);               /* Y1Z2 + Y2Z1 */
	EC_(fadd)(s, p->x, p->z);
	EC_(fadd)(t, q->x, q->z);
	EC_(fmul)(xz, s, t);
	EC_(fadd)(s, xx, zz);
	EC_(fsub)(xz, xz, s);               /* X1Z2 + X2Z1 */

	EC_(fmul)(t, EC_(b), zz);
	EC_(fsub)(t, xz, t);
	EC_(ftriple)(t, t);                 /* 3(xz - b zz) */
	EC_(fsub)(ym, yy, t);
	EC_(fadd)(yp, yy, t);
	EC_(ftriple)(zz, zz);
	EC_(fmul)(u, EC_(b), xz);
	EC_(fadd)(s, zz, xx);
	EC_(fsub)(u, u, s);
	EC_(ftriple)(u, u);                 /* 3(b xz - 3zz - xx) */
	EC_(ftriple)(w, xx);
	EC_(fsub)(w, w, zz);                /* 3xx - 3zz */

	EC_(fmul)(s, yp, xy);
	EC_(fmul)(t, yz, u);
	EC_(fsub)(r->x, s, t);
	EC_(fmul)(s, yp, ym);
	EC_(fmul)(t, w, u);
	EC_(fadd)(r->y, s, t);
	EC_(fmul)(s, ym, yz);
	EC_(fmul)(t, xy, w);
	EC_(fadd)(r->z, s, t);
}

/* r = p + q for an affine q (never the identity), RCB Algorithm 5, 11M.
 * r may alias p. */
EC_FN void EC_(pt_add_aff)(struct EC_(pt) *r, const struct EC_(pt) *p, const struct EC_(aff) *q)
{
	uint64_t xx[EC_L], yy[EC_L], zz[EC_L], xy[EC_L], yz[EC_L], xz[EC_L];
	uint64_t s[EC_L], t[EC_L], yp[EC_L], ym[EC_L], u[EC_L], w[EC_L];

	EC_(fmul)(xx, p->x, q->x);
	EC_(fmul)(yy, p->y, q->y);
	EC_(fadd)(s, p->x, p->y);
	EC_(fadd)(t, q->x, q->y);
	EC_(fmul)(xy, s, t);
	EC_(fadd)(s, xx, yy);
	EC_(fsub)(xy, xy, s);
	EC_(fmul)(yz, q->y, p->z);
	EC_(fadd)(yz, yz, p->y);
	EC_(fmul)(xz, q->x, p->z);
	EC_(fadd)(xz, xz, p->x);

	EC_(fmul)(t, EC_(b), p->z);
	EC_(fsub)(t, xz, t);
	EC_(ftriple)(t, t);
	EC_(fsub)(ym, yy, t);
	EC_(fadd)(yp, yy, t);
	EC_(ftriple)(zz, p->z);
	EC_(fmul)(u, EC_(b), xz);
	EC_(fadd)(s, zz, xx);
	EC_(fsub)(u, u, s);
	EC_(ftriple)(u, u);
	EC_(ftriple)(w, xx);
	EC_(fsub)(w, w, zz);

	EC_(fmul)(s, yp, xy);
	EC_(fmul)(t, yz, u);
	EC_(fsub)(r->x, s, t);
	EC_(fmul)(s, yp, ym);
	EC_(fmul)(t, w, u);
	EC_(fadd)(r->y, s, t);
	EC_(fmul)(s, ym, yz);
	EC_(fmul)(t, xy, w);
	EC_(fadd)(r->z, s, t);
}

/* r = 2p, RCB Algorithm 6, 8M + 3S. r may alias p. */
EC_FN void EC_(pt_dbl)(struct EC_(pt) *r, const struct EC_(pt) *p)
{
	uint64_t xx[EC_L], yy[EC_L], zz[EC_L], xy2[EC_L], xz2[EC_L], yz2[EC_L];
	uint64_t t[EC_L], yp[EC_L], ym[EC_L], u[EC_L], w[EC_L], s[EC_L];

	EC_(fsqr)(xx, p->x);
	EC_(fsqr)(yy, p->y);
	EC_(fsqr)(zz, p->z);
	EC_(fmul)(xy2, p->x, p->y);
	EC_(fadd)(xy2, xy2, xy2);
	EC_(fmul)(xz2, p->x, p->z);
	EC_(fadd)(xz2, xz2, xz2);
	EC_(fmul)(yz2, p->y, p->z);
	EC_(fadd)(yz2, yz2, yz2);

	EC_(fmul)(t, EC_(b), zz);
	EC_(fsub)(t, t, xz2);
	EC_(ftriple)(t, t);                 /* 3(b zz - 2xz) */
	EC_(fsub)(ym, yy, t);
	EC_(fadd)(yp, yy, t);
	EC_(ftriple)(zz, zz);
	EC_(fmul)(u, EC_(b), xz2);
	EC_(fadd)(s, zz, xx);
	EC_(fsub)(u, u, s);
	EC_(ftriple)(u, u);                 /* 3(2b xz - 3zz - xx) */
	EC_(ftriple)(w, xx);
	EC_(fsub)(w, w, zz);

	EC_(fmul)(s, yp, ym);
	EC_(fmul)(t, w, u);
	EC_(fadd)(r->y, s, t);
	EC_(fmul)(s, ym, xy2);
	EC_(fmul)(t, u, yz2);
	EC_(fsub)(r->x, s, t);
	EC_(fmul)(s, yz2, yy);
	EC_(fadd)(s, s, s);
	EC_(fadd)(r->z, s, s);
}

EC_FN void EC_(pt_from_aff)(struct EC_(pt) *r, const struct EC_(aff) *a)
{
	for (int i = 0; i < EC_L; i++) {
		r->x[i] = a->x[i];
		r->y[i] = a->y[i];
		r->z[i] = EC_(one)[i];
	}
}

/* Affine coordinates of p; the identity gives (0, 0). Constant time. */
EC_FN void EC_(pt_to_aff)(struct EC_(aff) *r, const struct EC_(pt) *p)
{
	uint64_t zi[EC_L];
	EC_(finv)(zi, p->z);
	EC_(fmul)(r->x, p->x, zi);
	EC_(fmul)(r->y, p->y, zi);
	hz_crypto_wipe(zi, sizeof zi);
}

/* r = mask ? a : r, mask all ones or zero. */
EC_FN void EC_(pt_cmov)(struct EC_(pt) *r, const struct EC_(pt) *a, uint64_t mask)
{
	mp_sel(r->x, mask, a->x, r->x, EC_L);
	mp_sel(r->y, mask, a->y, r->y, EC_L);
	mp_sel(r->z, mask, a->z, r->z, EC_L);
}

/* r = tab[idx] for a secret idx < cnt: every entry is read and masked, so
 * neither the addresses nor the branches depend on idx. */
EC_FN void EC_(pt_lookup)(struct EC_(pt) *r, const struct EC_(pt) *tab, uint32_t cnt, uint32_t idx)
{
	for (int i = 0; i < EC_L; i++)
		r->x[i] = r->y[i] = r->z[i] = 0;
	for (uint32_t j = 0; j < cnt; j++) {
		uint64_t m = hz_ct_mask64(hz_ct_eq32(j, idx));
		for (int i = 0; i < EC_L; i++) {
			r->x[i] |= m & tab[j].x[i];
			r->y[i] |= m & tab[j].y[i];
			r->z[i] |= m & tab[j].z[i];
		}
	}
}

/* y^2 == x^3 - 3x + b for Montgomery-form x, y; 1 when on the curve. */
EC_FN uint64_t EC_(on_curve)(const uint64_t *x, const uint64_t *y)
{
	uint64_t l[EC_L], rr[EC_L], t[EC_L];
	EC_(fsqr)(l, y);
	EC_(fsqr)(rr, x);
	EC_(fmul)(rr, rr, x);
	EC_(ftriple)(t, x);
	EC_(fsub)(rr, rr, t);
	EC_(fadd)(rr, rr, EC_(b));
	return mp_eq(l, rr, EC_L);
}

/* Decode a public SEC1 point (SEC 1 v2 2.3.4): 0x04 || X || Y or
 * 0x02/0x03 || X. Coordinates must be below p, the point on the curve;
 * the identity (0x00) is refused. Public data: may branch. 0 or
 * HZ_ERR_BAD_KEY. */
EC_FN int EC_(decode)(struct EC_(aff) *r, const uint8_t *in, size_t len)
{
	uint64_t x[EC_L], y[EC_L];

	if (len == 1 + 2 * EC_BYTES && in[0] == 0x04) {
		mp_from_be(x, in + 1, EC_L);
		mp_from_be(y, in + 1 + EC_BYTES, EC_L);
		if (!mp_lt(x, EC_(p), EC_L) || !mp_lt(y, EC_(p), EC_L))
			return HZ_ERR_BAD_KEY;
		EC_(fto)(r->x, x);
		EC_(fto)(r->y, y);
		if (!EC_(on_curve)(r->x, r->y))
			return HZ_ERR_BAD_KEY;
		return HZ_OK;
	}
	if (len == 1 + EC_BYTES && (in[0] == 0x02 || in[0] == 0x03)) {
		uint64_t a[EC_L], t[EC_L];
		mp_from_be(x, in + 1, EC_L);
		if (!mp_lt(x, EC_(p), EC_L))
			return HZ_ERR_BAD_KEY;
		EC_(fto)(r->x, x);
		/* a = x^3 - 3x + b; p = 3 mod 4, so sqrt(a) = a^((p+1)/4)
		 * when a is a square. */
		EC_(fsqr)(a, r->x);
		EC_(fmul)(a, a, r->x);
		EC_(ftriple)(t, r->x);
		EC_(fsub)(a, a, t);
		EC_(fadd)(a, a, EC_(b));
		EC_(pow)(r->y, a, EC_(sqrte), EC_(one), EC_(fmul), EC_(fsqr));
		EC_(fsqr)(t, r->y);
		if (!mp_eq(t, a, EC_L))
			return HZ_ERR_BAD_KEY;
		EC_(ffrom)(y, r->y);
		if ((y[0] & 1) != (uint64_t)(in[0] & 1)) {
			uint64_t z[EC_L] = { 0 };
			EC_(fsub)(r->y, z, r->y);
		}
		return HZ_OK;
	}
	return HZ_ERR_BAD_KEY;
}

/* 0x04 || X || Y from Montgomery-form affine coordinates. */
EC_FN void EC_(encode)(uint8_t *out, const struct EC_(aff) *a)
{
	uint64_t t[EC_L];
	out[0] = 0x04;
	EC_(ffrom)(t, a->x);
	mp_to_be(out + 1, t, EC_L);
	EC_(ffrom)(t, a->y);
	mp_to_be(out + 1 + EC_BYTES, t, EC_L);
}

/* --- variable-time helpers for verification (public inputs only) --- */

/* Width-w NAF of k (< 2^(64 EC_L)): digits odd, |d| < 2^(w-1), any two
 * non-zero digits at least w apart. naf has 64 EC_L + 1 entries; returns
 * the number used. */
EC_FN int EC_(wnaf)(int8_t *naf, const uint64_t *k, int w)
{
	uint64_t t[EC_L + 1];
	int len = 0;

	for (int i = 0; i < EC_L; i++)
		t[i] = k[i];
	t[EC_L] = 0;
	for (;;) {
		uint64_t any = 0;
		int d = 0;
		for (int i = 0; i <= EC_L; i++)
			any |= t[i];
		if (!any)
			break;
		if (t[0] & 1) {
			d = (int)(t[0] & ((1u << w) - 1));
			if (d >= 1 << (w - 1))
				d -= 1 << w;
			if (d > 0) {
				t[0] -= (uint64_t)d; /* t is odd and its low bits are d: no borrow */
			} else {
				uint64_t c = (uint64_t)-d;
				for (int i = 0; i <= EC_L && c; i++) {
					t[i] += c;
					c = t[i] < c;
				}
			}
		}
		naf[len++] = (int8_t)d;
		for (int i = 0; i < EC_L; i++)
			t[i] = t[i] >> 1 | t[i + 1] << 63;
		t[EC_L] >>= 1;
	}
	return len;
}

/* Verification works in Jacobian coordinates (x = X/Z^2, y = Y/Z^3, the
 * identity has Z = 0) with the classic a = -3 formulas, cheaper than the
 * complete ones (a doubling is 3M + 5S instead of 8M + 3S). They have
 * exceptional cases (P + P, P + (-P), the identity), handled here with
 * branches: fine for public inputs only. */
struct EC_(jac) {
	uint64_t x[EC_L], y[EC_L], z[EC_L];
};

/* dbl-2001-b (Bernstein): r = 2p; r may alias p. */
EC_FN void EC_(jdbl)(struct EC_(jac) *r, const struct EC_(jac) *p)
{
	uint64_t delta[EC_L], gamma[EC_L], beta[EC_L], alpha[EC_L], t[EC_L], u[EC_L];

	EC_(fsqr)(delta, p->z);
	EC_(fsqr)(gamma, p->y);
	EC_(fadd)(gamma, gamma, gamma);        /* 2 Y^2 (fewer additions below) */
	EC_(fadd)(beta, gamma, gamma);
	EC_(fmul)(beta, p->x, beta);           /* 4 beta = 4 X Y^2 */
	EC_(fsub)(t, p->x, delta);
	EC_(fadd)(u, p->x, delta);
	EC_(fmul)(alpha, t, u);
	EC_(ftriple)(alpha, alpha);            /* 3 (X - Z^2)(X + Z^2) */
	EC_(fmul)(t, p->y, p->z);
	EC_(fadd)(r->z, t, t);                 /* 2 Y Z: M + A beats (Y + Z)^2 - ... */
	EC_(fsqr)(t, alpha);
	EC_(fsub)(t, t, beta);
	EC_(fsub)(r->x, t, beta);              /* alpha^2 - 8 beta */
	EC_(fsub)(t, beta, r->x);
	EC_(fmul)(t, alpha, t);
	EC_(fsqr)(u, gamma);                   /* (2 Y^2)^2 = 4 gamma^2 */
	EC_(fadd)(u, u, u);                    /* 8 gamma^2 */
	EC_(fsub)(r->y, t, u);
}

/* add-2007-bl without any check: r = p + q, right only when neither is
 * the identity and p != +-q (h = 0 then gives Z = 0 or garbage). Branch
 * free; *h_out and *rr_out get H = U2 - U1 and S2 - S1 for the callers
 * that must detect those cases. r may alias p or q. */
EC_FN void EC_(jadd_raw)(struct EC_(jac) *r, const struct EC_(jac) *p, const struct EC_(jac) *q,
			 uint64_t *h_out, uint64_t *rr_out)
{
	uint64_t z1z1[EC_L], z2z2[EC_L], u1[EC_L], u2[EC_L], s1[EC_L], s2[EC_L];
	uint64_t h[EC_L], i[EC_L], j[EC_L], rr[EC_L], v[EC_L], t[EC_L];

	EC_(fsqr)(z1z1, p->z);
	EC_(fsqr)(z2z2, q->z);
	EC_(fmul)(u1, p->x, z2z2);
	EC_(fmul)(u2, q->x, z1z1);
	EC_(fmul)(s1, p->y, q->z);
	EC_(fmul)(s1, s1, z2z2);
	EC_(fmul)(s2, q->y, p->z);
	EC_(fmul)(s2, s2, z1z1);
	EC_(fsub)(h, u2, u1);
	EC_(fsub)(rr, s2, s1);
	for (int k = 0; k < EC_L; k++) {
		h_out[k] = h[k];
		rr_out[k] = rr[k];
	}
	EC_(fadd)(rr, rr, rr);
	EC_(fadd)(i, h, h);
	EC_(fsqr)(i, i);
	EC_(fmul)(j, h, i);
	EC_(fmul)(v, u1, i);
	EC_(fadd)(t, p->z, q->z);
	EC_(fsqr)(t, t);
	EC_(fsub)(t, t, z1z1);
	EC_(fsub)(t, t, z2z2);
	EC_(fmul)(r->z, t, h);
	EC_(fsqr)(t, rr);
	EC_(fsub)(t, t, j);
	EC_(fsub)(t, t, v);
	EC_(fsub)(r->x, t, v);
	EC_(fsub)(t, v, r->x);
	EC_(fmul)(t, rr, t);
	EC_(fmul)(s1, s1, j);
	EC_(fadd)(s1, s1, s1);
	EC_(fsub)(r->y, t, s1);
}

/* add-2007-bl: r = p + q for any p, q (exceptions by branches). r may
 * alias p or q. */
EC_FN void EC_(jadd)(struct EC_(jac) *r, const struct EC_(jac) *p, const struct EC_(jac) *q)
{
	uint64_t h[EC_L], rr[EC_L];
	struct EC_(jac) t;

	if (mp_is_zero(p->z, EC_L)) {
		*r = *q;
		return;
	}
	if (mp_is_zero(q->z, EC_L)) {
		*r = *p;
		return;
	}
	EC_(jadd_raw)(&t, p, q, h, rr);
	if (mp_is_zero(h, EC_L)) {
		if (mp_is_zero(rr, EC_L)) {
			EC_(jdbl)(r, p);
		} else {
			for (int k = 0; k < EC_L; k++)
				r->x[k] = r->y[k] = r->z[k] = 0;
			r->x[0] = r->y[0] = 1; /* any point with Z = 0 */
		}
		return;
	}
	*r = t;
}

/* madd-2007-bl without any check: r = p + q for an affine q, right only
 * when p is not the identity and p != +-q. Branch free; H and S2 - Y1 go
 * to *h_out and *rr_out. r may alias p. */
EC_FN void EC_(jadd_aff_raw)(struct EC_(jac) *r, const struct EC_(jac) *p,
			     const struct EC_(aff) *q, uint64_t *h_out, uint64_t *rr_out)
{
	uint64_t z1z1[EC_L], u2[EC_L], s2[EC_L], h[EC_L], hh[EC_L], i[EC_L], j[EC_L];
	uint64_t rr[EC_L], v[EC_L], t[EC_L], y1[EC_L];

	EC_(fsqr)(z1z1, p->z);
	EC_(fmul)(u2, q->x, z1z1);
	EC_(fmul)(s2, q->y, p->z);
	EC_(fmul)(s2, s2, z1z1);
	EC_(fsub)(h, u2, p->x);
	EC_(fsub)(rr, s2, p->y);
	for (int k = 0; k < EC_L; k++) {
		h_out[k] = h[k];
		rr_out[k] = rr[k];
	}
	EC_(fadd)(rr, rr, rr);
	EC_(fsqr)(hh, h);
	EC_(fadd)(i, hh, hh);
	EC_(fadd)(i, i, i);
	EC_(fmul)(j, h, i);
	EC_(fmul)(v, p->x, i);
	for (int k = 0; k < EC_L; k++)
		y1[k] = p->y[k];
	EC_(fadd)(t, p->z, h);
	EC_(fsqr)(t, t);
	EC_(fsub)(t, t, z1z1);
	EC_(fsub)(r->z, t, hh);
	EC_(fsqr)(t, rr);
	EC_(fsub)(t, t, j);
	EC_(fsub)(t, t, v);
	EC_(fsub)(r->x, t, v);
	EC_(fsub)(t, v, r->x);
	EC_(fmul)(t, rr, t);
	EC_(fmul)(y1, y1, j);
	EC_(fadd)(y1, y1, y1);
	EC_(fsub)(r->y, t, y1);
}

/* madd-2007-bl: r = p + q for an affine q (exceptions by branches). r
 * may alias p. */
EC_FN void EC_(jadd_aff)(struct EC_(jac) *r, const struct EC_(jac) *p, const struct EC_(aff) *q)
{
	uint64_t h[EC_L], rr[EC_L];
	struct EC_(jac) t;

	if (mp_is_zero(p->z, EC_L)) {
		for (int k = 0; k < EC_L; k++) {
			r->x[k] = q->x[k];
			r->y[k] = q->y[k];
			r->z[k] = EC_(one)[k];
		}
		return;
	}
	EC_(jadd_aff_raw)(&t, p, q, h, rr);
	if (mp_is_zero(h, EC_L)) {
		if (mp_is_zero(rr, EC_L)) {
			EC_(jdbl)(r, p);
		} else {
			for (int k = 0; k < EC_L; k++)
				r->x[k] = r->y[k] = r->z[k] = 0;
			r->x[0] = r->y[0] = 1;
		}
		return;
	}
	*r = t;
}

/* --- constant-time multiplication in Jacobian coordinates --- */

/* r = mask ? a : r, mask all ones or zero. */
EC_FN void EC_(jac_cmov)(struct EC_(jac) *r, const struct EC_(jac) *a, uint64_t mask)
{
	mp_sel(r->x, mask, a->x, r->x, EC_L);
	mp_sel(r->y, mask, a->y, r->y, EC_L);
	mp_sel(r->z, mask, a->z, r->z, EC_L);
}

/* Affine coordinates of p (X/Z^2, Y/Z^3); the identity gives (0, 0).
 * Constant time. */
EC_FN void EC_(jac_to_aff)(struct EC_(aff) *r, const struct EC_(jac) *p)
{
	uint64_t zi[EC_L], zi2[EC_L];
	EC_(finv)(zi, p->z);
	EC_(fsqr)(zi2, zi);
	EC_(fmul)(r->x, p->x, zi2);
	EC_(fmul)(zi, zi, zi2);
	EC_(fmul)(r->y, p->y, zi);
	hz_crypto_wipe(zi, sizeof zi);
	hz_crypto_wipe(zi2, sizeof zi2);
}

/* Bits b-1 .. b+4 of the big-endian scalar k (bits outside [0, 8
 * EC_BYTES) read as 0), the input of one signed 5-bit window. b is a
 * public position; only the value is secret. */
static inline uint32_t EC_(win6)(const uint8_t *k, int b)
{
	uint32_t v = 0;

	for (int i = 0; i < 6; i++) {
		int bit = b - 1 + i;
		if (bit >= 0 && bit < 8 * EC_BYTES)
			v |= (uint32_t)((k[EC_BYTES - 1 - bit / 8] >> (bit % 8)) & 1) << i;
	}
	return v;
}

/* Signed (Booth) digit of a window: d = v_0 + (v >> 1) - 32 v_5, in
 * [-16, 16]; returns |d| and sets *neg to 1 when d < 0. Branch free. */
static inline uint32_t EC_(booth)(uint32_t v, uint32_t *neg)
{
	uint32_t m = (v >> 1) + (v & 1);
	uint32_t s = v >> 5;

	*neg = s;
	return hz_ct_sel32(s, m, 32 - m); /* s ? 32 - m : m */
}

/* Number of signed 5-bit windows for a scalar below 2^(8 EC_BYTES): the
 * top window must reach one bit beyond the top so that its digit is not
 * negative. */
#define EC_NWIN ((8 * EC_BYTES) / 5 + 1)

/* r = k p for a secret big-endian scalar k (EC_BYTES bytes) and a point p
 * of order n (every valid point: the cofactor is 1). Signed 5-bit
 * windows from the top: k = sum d_j 32^j with d_j in [-16, 16]; per
 * window 5 Jacobian doublings (dbl-2001-b has no exceptional case on a
 * curve without points of order 2: the identity stays Z = 0) and one
 * addition of +-tab[|d| - 1] = d p, always; the 16 entries are scanned
 * in full with masks and the sign is applied by a masked negation.
 *
 * The addition is the incomplete add-2007-bl, with its exceptions ruled
 * out or masked. Let m_j = sum_{i >= j} d_i 32^(i-j) = (k >> 5j) +
 * bit 5j-1 of k, so 0 <= m_j < n while 0 < k < n. Window j adds d_j p to
 * acc = 32 m_{j+1} p. acc = -d_j p would mean m_j = 0 mod n, i.e. m_j =
 * 0, which needs m_{j+1} = 0 (|d_j| < 32): acc is then the identity. acc
 * = d_j p means 32 m_{j+1} = d_j mod n: for j >= 1 both sides are below
 * n in absolute value, so 32 m_{j+1} = d_j, again m_{j+1} = 0; for j = 0
 * it means k = 2 d_0 (then m_1 = 0 too) or k = n + 2 d_0 with 32 | n +
 * d_0, impossible as n mod 32 is 17 (P-256) or 19 (P-384) and |d_0| <=
 * 16. So the only exception is acc = identity, where the table point is
 * taken by a mask; a zero digit keeps acc by a mask. For k >= n the
 * result may be wrong; every caller discards it then (the key check
 * masks the output), and the timing is the same. */
EC_FN void EC_(mul_ct)(struct EC_(jac) *r, const struct EC_(aff) *p, const uint8_t *k)
{
	struct EC_(jac) tab[16], sel, acc, t;
	uint64_t h[EC_L], rr[EC_L], ny[EC_L], zero[EC_L] = { 0 };

	for (int i = 0; i < EC_L; i++) {
		tab[0].x[i] = p->x[i];
		tab[0].y[i] = p->y[i];
		tab[0].z[i] = EC_(one)[i];
	}
	/* tab[i] = (i + 1) p: public multiples of a public point, so the
	 * branching formulas are fine (and never meet an exception). */
	for (int i = 1; i < 16; i++) {
		if (i & 1)
			EC_(jdbl)(&tab[i], &tab[i / 2]);
		else
			EC_(jadd)(&tab[i], &tab[i - 1], &tab[0]);
	}
	for (int i = 0; i < EC_L; i++)
		acc.x[i] = acc.y[i] = acc.z[i] = 0;
	for (int j = EC_NWIN - 1; j >= 0; j--) {
		uint32_t neg, d = EC_(booth)(EC_(win6)(k, 5 * j), &neg);
		uint64_t inf;

		if (j != EC_NWIN - 1) {
			for (int i = 0; i < 5; i++)
				EC_(jdbl)(&acc, &acc);
		}
		for (int i = 0; i < EC_L; i++)
			sel.x[i] = sel.y[i] = sel.z[i] = 0;
		for (uint32_t e = 0; e < 16; e++) {
			uint64_t m = hz_ct_mask64(hz_ct_eq32(e + 1, d));
			for (int i = 0; i < EC_L; i++) {
				sel.x[i] |= m & tab[e].x[i];
				sel.y[i] |= m & tab[e].y[i];
				sel.z[i] |= m & tab[e].z[i];
			}
		}
		EC_(fsub)(ny, zero, sel.y);
		mp_sel(sel.y, hz_ct_mask64(neg), ny, sel.y, EC_L);
		inf = hz_ct_mask64(mp_is_zero(acc.z, EC_L));
		EC_(jadd_raw)(&t, &acc, &sel, h, rr);
		EC_(jac_cmov)(&t, &sel, inf);
		EC_(jac_cmov)(&acc, &t, hz_ct_mask64(hz_ct_nonzero32(d)));
	}
	*r = acc;
	hz_crypto_wipe(tab, sizeof tab);
	hz_crypto_wipe(&sel, sizeof sel);
	hz_crypto_wipe(&acc, sizeof acc);
	hz_crypto_wipe(&t, sizeof t);
	hz_crypto_wipe(h, sizeof h);
	hz_crypto_wipe(rr, sizeof rr);
	hz_crypto_wipe(ny, sizeof ny);
}

#undef EC_NWIN

/* r = u1 G + u2 Q (Straus/Shamir with wNAF: width wg for G from gtab, the
 * odd multiples G, 3G, ..., (2^(wg-1) - 1)G in affine form, width 5 for
 * Q). Variable time: u1, u2 and Q are public in ECDSA verification. */
EC_FN void EC_(double_mul)(struct EC_(jac) *r, const uint64_t *u1, const struct EC_(aff) *gtab,
			   int wg, const uint64_t *u2, const struct EC_(aff) *q)
{
	int8_t n1[64 * EC_L + 1], n2[64 * EC_L + 1];
	struct EC_(jac) qtab[8], q2, neg;
	struct EC_(aff) ga;
	uint64_t zero[EC_L] = { 0 };
	int l1, l2, len;

	for (int k = 0; k < EC_L; k++) {
		qtab[0].x[k] = q->x[k];
		qtab[0].y[k] = q->y[k];
		qtab[0].z[k] = EC_(one)[k];
	}
	EC_(jdbl)(&q2, &qtab[0]);
	for (int i = 1; i < 8; i++)
		EC_(jadd)(&qtab[i], &qtab[i - 1], &q2);
	l1 = EC_(wnaf)(n1, u1, wg);
	l2 = EC_(wnaf)(n2, u2, 5);
	len = l1 > l2 ? l1 : l2;
	for (int k = 0; k < EC_L; k++)
		r->x[k] = r->y[k] = r->z[k] = 0;
	for (int i = len - 1; i >= 0; i--) {
		int d1 = i < l1 ? n1[i] : 0;
		int d2 = i < l2 ? n2[i] : 0;
		if (!mp_is_zero(r->z, EC_L))
			EC_(jdbl)(r, r);
		if (d2 > 0) {
			EC_(jadd)(r, r, &qtab[d2 / 2]);
		} else if (d2 < 0) {
			neg = qtab[-d2 / 2];
			EC_(fsub)(neg.y, zero, neg.y);
			EC_(jadd)(r, r, &neg);
		}
		if (d1 > 0) {
			EC_(jadd_aff)(r, r, &gtab[d1 / 2]);
		} else if (d1 < 0) {
			ga = gtab[-d1 / 2];
			EC_(fsub)(ga.y, zero, ga.y);
			EC_(jadd_aff)(r, r, &ga);
		}
	}
}

/* ECDSA verification equation on scalars already range-checked (SEC 1
 * v2 4.1.4): e, r, s plain integers with 1 <= r, s < n, e < n. 1 when
 * x(u1 G + u2 Q) mod n == r. */
EC_FN int EC_(verify_core)(const uint64_t *e, const uint64_t *rr, const uint64_t *s,
			   const struct EC_(aff) *gtab, int wg, const struct EC_(aff) *qa)
{
	uint64_t w[EC_L], u1[EC_L], u2[EC_L], t[EC_L], xr[EC_L], zz[EC_L];
	struct EC_(jac) res;

	EC_(nto)(w, s);
	EC_(ninv)(w, w);                 /* w = 1/s, Montgomery form */
	EC_(nmul)(u1, e, w);             /* e * (1/s R) / R = e/s, plain */
	EC_(nmul)(u2, rr, w);
	EC_(double_mul)(&res, u1, gtab, wg, u2, qa);
	if (mp_is_zero(res.z, EC_L))
		return 0;
	/* x(res) = X/Z^2; compare r Z^2 with X instead of inverting Z. x mod
	 * n == r means x == r or x == r + n (the latter only when r + n < p). */
	EC_(fsqr)(zz, res.z);
	EC_(fto)(xr, rr);
	EC_(fmul)(t, xr, zz);
	if (mp_eq(t, res.x, EC_L))
		return 1;
	if (mp_add(t, rr, EC_(n), EC_L) == 0 && mp_lt(t, EC_(p), EC_L)) {
		EC_(fto)(xr, t);
		EC_(fmul)(t, xr, zz);
		if (mp_eq(t, res.x, EC_L))
			return 1;
	}
	return 0;
}

#undef EC_ADDFN
#undef EC_BYTES
