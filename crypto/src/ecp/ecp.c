/* P-256 and P-384: key derivation, point validation, ECDH, ECDSA with
 * RFC 6979 nonces. The arithmetic is in ecp_mp.h (limbs), ecp_curve.h
 * (field, scalars, points; instantiated per curve by ecp_curves.h) and
 * ecp_ops.h (the operations below, instantiated per curve here). */
#include "ecp_curves.h"

/* HZ_OK when ok, else err, without a branch. */
static int ecp_ret(uint64_t ok, int err)
{
	return (int)hz_ct_sel32((uint32_t)ok, (uint32_t)err, (uint32_t)HZ_OK);
}

/* --- DER signatures (X.690 8.3, 8.9 with DER's minimal lengths) --- */

/* Shift the n bytes of b left by d bytes (zeros shift in), in time that
 * does not depend on d: a barrel shifter over the bits of d. */
static void ecp_ct_shl(uint8_t *b, size_t n, uint32_t d)
{
	for (size_t s = 1, bit = 0; s < n; s <<= 1, bit++) {
		uint8_t m = (uint8_t)hz_ct_mask32((d >> bit) & 1);
		for (size_t j = 0; j < n; j++) {
			uint8_t v = j + s < n ? b[j + s] : 0;
			b[j] = (uint8_t)(b[j] ^ (m & (b[j] ^ v)));
		}
	}
}

/* c = 0x00 || v (len + 1 bytes) becomes the minimal INTEGER content at
 * c[0..l), zeros after; returns l (at least 1 for v != 0). Constant time:
 * r and s of a fresh signature derive from the nonce until they leave. */
static uint32_t ecp_der_int(uint8_t *c, const uint8_t *v, size_t len)
{
	uint32_t z = 0, seen = 0, fb = 0, d;

	c[0] = 0;
	for (size_t i = 0; i < len; i++)
		c[i + 1] = v[i];
	for (size_t i = 0; i <= len; i++) {
		seen |= hz_ct_nonzero32(c[i]);
		z += 1 ^ seen;
	}
	for (size_t i = 0; i <= len; i++)
		fb |= (uint32_t)c[i] & hz_ct_mask32(hz_ct_eq32((uint32_t)i, z));
	/* Drop the leading zeros but keep one when the first byte left has
	 * its top bit set (8.3.2: the content is two's complement). */
	d = z - (fb >> 7);
	ecp_ct_shl(c, len + 1, d);
	return (uint32_t)(len + 1) - d;
}

/* SEQUENCE { INTEGER r, INTEGER s } from rs = r || s (len bytes each).
 * Always writes 2 len + 8 bytes (zeros after the encoding); returns the
 * encoding's length. Lengths stay below 128 (short form) for len <= 48. */
static size_t ecp_der_encode(uint8_t *out, const uint8_t *rs, size_t len)
{
	uint8_t a[HZ_CRYPTO_EC_MAX_SCALAR + 1];
	uint8_t w[2 * HZ_CRYPTO_EC_MAX_SCALAR + 4];
	uint32_t lr, ls;

	lr = ecp_der_int(a, rs, len);
	/* w = zeros (len + 1) || 02 ls s-content; shifting it left by the
	 * bytes r dropped puts s's INTEGER right after r's content. */
	for (size_t i = 0; i < len + 1; i++)
		w[i] = 0;
	ls = ecp_der_int(w + len + 3, rs + len, len);
	w[len + 1] = 0x02;
	w[len + 2] = (uint8_t)ls;
	ecp_ct_shl(w, 2 * len + 4, (uint32_t)(len + 1) - lr);
	out[0] = 0x30;
	out[1] = (uint8_t)(4 + lr + ls);
	out[2] = 0x02;
	out[3] = (uint8_t)lr;
	for (size_t i = 0; i < 2 * len + 4; i++)
		out[4 + i] = (uint8_t)((i < len + 1 ? a[i] : 0) | w[i]);
	hz_crypto_wipe(a, sizeof a);
	hz_crypto_wipe(w, sizeof w);
	return 6 + (size_t)lr + ls;
}

/* A DER length at in[*pos]: short form, or 0x81 / 0x82 long form with no
 * shorter encoding possible. */
static int ecp_der_len(const uint8_t *in, size_t len, size_t *pos, size_t *out)
{
	size_t p = *pos, v;

	if (p >= len)
		return HZ_ERR_MALFORMED;
	v = in[p++];
	if (v == 0x81) {
		if (p >= len || in[p] < 0x80)
			return HZ_ERR_MALFORMED;
		v = in[p++];
	} else if (v == 0x82) {
		if (len - p < 2 || in[p] == 0)
			return HZ_ERR_MALFORMED;
		v = (size_t)in[p] << 8 | in[p + 1];
		p += 2;
	} else if (v >= 0x80) {
		return HZ_ERR_MALFORMED; /* indefinite (BER) or absurdly long */
	}
	if (v > len - p)
		return HZ_ERR_MALFORMED;
	*pos = p;
	*out = v;
	return HZ_OK;
}

/* One INTEGER into out (olen bytes, big-endian, left-padded). *big is set
 * when the value needs more than olen bytes (then it is >= n: a valid
 * encoding of an invalid signature). */
static int ecp_der_get_int(uint8_t *out, size_t olen, const uint8_t *in, size_t len, size_t *pos,
			   int *big)
{
	size_t p = *pos, l;
	const uint8_t *c;
	int ret;

	if (p >= len || in[p] != 0x02)
		return HZ_ERR_MALFORMED;
	p++;
	ret = ecp_der_len(in, len, &p, &l);
	if (ret != HZ_OK)
		return ret;
	if (l == 0)
		return HZ_ERR_MALFORMED;
	c = in + p;
	if (c[0] & 0x80)
		return HZ_ERR_MALFORMED; /* negative */
	if (c[0] == 0 && l > 1) {
		if (!(c[1] & 0x80))
			return HZ_ERR_MALFORMED; /* not minimal */
		c++;
		l--;
	}
	*pos = p + (size_t)(c - (in + p)) + l;
	if (l > olen) {
		*big = 1;
		return HZ_OK;
	}
	for (size_t i = 0; i < olen - l; i++)
		out[i] = 0;
	for (size_t i = 0; i < l; i++)
		out[olen - l + i] = c[i];
	return HZ_OK;
}

/* rs = r || s (len bytes each) from a strict DER signature. */
static int ecp_der_decode(uint8_t *rs, size_t len, const uint8_t *in, size_t in_len)
{
	size_t pos = 0, l;
	int big = 0, ret;

	if (in_len < 2 || in[0] != 0x30)
		return HZ_ERR_MALFORMED;
	pos = 1;
	ret = ecp_der_len(in, in_len, &pos, &l);
	if (ret != HZ_OK)
		return ret;
	if (pos + l != in_len)
		return HZ_ERR_MALFORMED; /* trailing bytes */
	ret = ecp_der_get_int(rs, len, in, in_len, &pos, &big);
	if (ret == HZ_OK)
		ret = ecp_der_get_int(rs + len, len, in, in_len, &pos, &big);
	if (ret != HZ_OK)
		return ret;
	if (pos != in_len)
		return HZ_ERR_MALFORMED; /* something after s inside the SEQUENCE */
	return big ? HZ_ERR_AUTH : HZ_OK;
}

/* --- RFC 6979 3.2 deterministic nonces --- */

struct ecp_6979 {
	struct hz_crypto_hmac m;
	enum hz_crypto_hash_alg alg;
	size_t hlen;
	uint8_t k[HZ_CRYPTO_HASH_MAX_LEN], v[HZ_CRYPTO_HASH_MAX_LEN];
};

/* K = HMAC_K(V [|| sep || x || h]); sep < 0 means V alone. */
static void ecp_6979_mac(struct ecp_6979 *d, uint8_t *out, int sep, const uint8_t *x,
			 const uint8_t *h, size_t len)
{
	hz_crypto_hmac_init(&d->m, d->alg, d->k, d->hlen);
	hz_crypto_hmac_update(&d->m, d->v, d->hlen);
	if (sep >= 0) {
		uint8_t b = (uint8_t)sep;
		hz_crypto_hmac_update(&d->m, &b, 1);
		if (x) {
			hz_crypto_hmac_update(&d->m, x, len);
			hz_crypto_hmac_update(&d->m, h, len);
		}
	}
	hz_crypto_hmac_final(&d->m, out);
}

/* Steps b to g: x = int2octets(private key), h = bits2octets(digest). */
static void ecp_6979_init(struct ecp_6979 *d, enum hz_crypto_hash_alg alg, const uint8_t *x,
			  const uint8_t *h, size_t len)
{
	d->alg = alg;
	d->hlen = hz_crypto_hash_len(alg);
	for (size_t i = 0; i < d->hlen; i++) {
		d->v[i] = 0x01;
		d->k[i] = 0x00;
	}
	ecp_6979_mac(d, d->k, 0x00, x, h, len);
	ecp_6979_mac(d, d->v, -1, NULL, NULL, 0);
	ecp_6979_mac(d, d->k, 0x01, x, h, len);
	ecp_6979_mac(d, d->v, -1, NULL, NULL, 0);
}

/* Step h.1-h.2: the next candidate T, truncated to qlen = 8 len bits
 * (bits2int keeps the leftmost bits; qlen is a whole number of bytes). */
static void ecp_6979_next(struct ecp_6979 *d, uint8_t *out, size_t len)
{
	size_t t = 0;
	while (t < len) {
		size_t c = len - t < d->hlen ? len - t : d->hlen;
		ecp_6979_mac(d, d->v, -1, NULL, NULL, 0);
		for (size_t i = 0; i < c; i++)
			out[t + i] = d->v[i];
		t += c;
	}
}

/* Step h.3 after a rejected candidate. */
static void ecp_6979_retry(struct ecp_6979 *d)
{
	ecp_6979_mac(d, d->k, 0x00, NULL, NULL, 0);
	ecp_6979_mac(d, d->v, -1, NULL, NULL, 0);
}

/* --- fixed-base multiplication --- */

/* r = k G for a secret k (32 bytes big-endian) with signed 5-bit
 * windows: k = sum d_i 32^i, d_i in [-16, 16] (Booth recoding, 52
 * windows), and p256_comb[i][j - 1] = j 32^i G, so 52 mixed additions of
 * +-p256_comb[i][|d_i| - 1] and no doubling. Each window scans its 16
 * entries in full, the sign is a masked negation of y, and a zero digit
 * keeps the old sum through a masked move.
 *
 * The sum is Jacobian and the addition the incomplete madd-2007-bl, its
 * exceptions ruled out or masked. Before window i the sum is s G with s =
 * sum_{j<i} d_j 32^j = (k mod 2^(5i)) - 2^(5i) bit_(5i-1)(k), so |s| <=
 * 32^i / 2, and it adds d 32^i G with d != 0. s + d 32^i = 0 mod n: for
 * i < 51 the left side is below n in absolute value and not 0 (|d 32^i|
 * > |s|); for i = 51 it is k itself, 0 < k < n. s = d 32^i mod n: for
 * i < 51 both sides are below n/2 in absolute value and differ; for i =
 * 51 it means k = d 2^256 mod n, i.e. k = d (2^256 - n) < 2^226, whose
 * top digit d is 0. So the only exception is s = 0 (the sum is the
 * identity), where the table point is taken by a mask. For k >= n the
 * result may be wrong: the callers discard it then (key check, nonce
 * selection), with unchanged timing. */
static void p256_mul_base(struct p256_jac *r, const uint8_t *k)
{
	struct p256_aff sel;
	struct p256_jac t;
	uint64_t h[4], rr[4], ny[4], zero[4] = { 0 };

	for (int l = 0; l < 4; l++)
		r->x[l] = r->y[l] = r->z[l] = 0;
	for (uint32_t i = 0; i < 52; i++) {
		uint32_t neg, d = p256_booth(p256_win6(k, 5 * (int)i), &neg);
		uint64_t inf;

		for (int l = 0; l < 4; l++)
			sel.x[l] = sel.y[l] = 0;
		for (uint32_t j = 0; j < 16; j++) {
			uint64_t m = hz_ct_mask64(hz_ct_eq32(j + 1, d));
			for (int l = 0; l < 4; l++) {
				sel.x[l] |= m & p256_comb[i][j].x[l];
				sel.y[l] |= m & p256_comb[i][j].y[l];
			}
		}
		p256_fsub(ny, zero, sel.y);
		mp_sel(sel.y, hz_ct_mask64(neg), ny, sel.y, 4);
		inf = hz_ct_mask64(mp_is_zero(r->z, 4));
		p256_jadd_aff_raw(&t, r, &sel, h, rr);
		mp_sel(t.x, inf, sel.x, t.x, 4);
		mp_sel(t.y, inf, sel.y, t.y, 4);
		mp_sel(t.z, inf, p256_one, t.z, 4);
		p256_jac_cmov(r, &t, hz_ct_mask64(hz_ct_nonzero32(d)));
	}
	hz_crypto_wipe(&sel, sizeof sel);
	hz_crypto_wipe(&t, sizeof t);
	hz_crypto_wipe(h, sizeof h);
	hz_crypto_wipe(rr, sizeof rr);
	hz_crypto_wipe(ny, sizeof ny);
}

/* P-384 has no comb table (138 KB would be needed): the generic
 * constant-time window multiplication with G. */
static void p384_mul_base(struct p384_jac *r, const uint8_t *k)
{
	struct p384_aff g;
	for (int i = 0; i < 6; i++) {
		g.x[i] = p384_gx[i];
		g.y[i] = p384_gy[i];
	}
	p384_mul_ct(r, &g, k);
}

#define EC_(x) p256_##x
#define EC_L 4
#include "ecp_ops.h"
#undef EC_
#undef EC_L

#define EC_(x) p384_##x
#define EC_L 6
#include "ecp_ops.h"
#undef EC_
#undef EC_L

/* --- public API --- */

size_t hz_crypto_ec_scalar_len(enum hz_crypto_curve c)
{
	switch (c) {
	case HZ_CRYPTO_P256:
		return 32;
	case HZ_CRYPTO_P384:
		return 48;
	default:
		return 0;
	}
}

int hz_crypto_ec_public(enum hz_crypto_curve c, uint8_t *pub, const uint8_t *priv)
{
	switch (c) {
	case HZ_CRYPTO_P256:
		return p256_ec_public(pub, priv);
	case HZ_CRYPTO_P384:
		return p384_ec_public(pub, priv);
	default:
		return HZ_ERR_INVALID;
	}
}

int hz_crypto_ec_check_public(enum hz_crypto_curve c, const uint8_t *pub, size_t pub_len)
{
	struct p256_aff a256;
	struct p384_aff a384;

	switch (c) {
	case HZ_CRYPTO_P256:
		return p256_decode(&a256, pub, pub_len);
	case HZ_CRYPTO_P384:
		return p384_decode(&a384, pub, pub_len);
	default:
		return HZ_ERR_INVALID;
	}
}

int hz_crypto_ecdh(enum hz_crypto_curve c, uint8_t *shared, const uint8_t *priv, const uint8_t *peer,
		   size_t peer_len)
{
	switch (c) {
	case HZ_CRYPTO_P256:
		return p256_ecdh(shared, priv, peer, peer_len);
	case HZ_CRYPTO_P384:
		return p384_ecdh(shared, priv, peer, peer_len);
	default:
		return HZ_ERR_INVALID;
	}
}

int hz_crypto_ecdsa_sign(enum hz_crypto_curve c, enum hz_crypto_hash_alg alg, uint8_t *sig,
			 size_t *sig_len, enum hz_crypto_ecdsa_fmt fmt, const uint8_t *priv,
			 const uint8_t *digest, size_t digest_len)
{
	size_t len = hz_crypto_ec_scalar_len(c), need;

	if (len == 0 || hz_crypto_hash_len(alg) == 0)
		return HZ_ERR_INVALID;
	if (fmt == HZ_CRYPTO_ECDSA_FIXED)
		need = 2 * len;
	else if (fmt == HZ_CRYPTO_ECDSA_DER)
		need = 2 * len + 8;
	else
		return HZ_ERR_INVALID;
	if (*sig_len < need)
		return HZ_ERR_NO_SPACE;
	if (c == HZ_CRYPTO_P256)
		return p256_sign(alg, sig, sig_len, fmt, priv, digest, digest_len);
	return p384_sign(alg, sig, sig_len, fmt, priv, digest, digest_len);
}

int hz_crypto_ecdsa_verify(enum hz_crypto_curve c, const uint8_t *pub, size_t pub_len,
			   const uint8_t *digest, size_t digest_len, const uint8_t *sig,
			   size_t sig_len, enum hz_crypto_ecdsa_fmt fmt)
{
	if (fmt != HZ_CRYPTO_ECDSA_FIXED && fmt != HZ_CRYPTO_ECDSA_DER)
		return HZ_ERR_INVALID;
	switch (c) {
	case HZ_CRYPTO_P256:
		return p256_verify(p256_godd, pub, pub_len, digest, digest_len, sig, sig_len, fmt);
	case HZ_CRYPTO_P384:
		return p384_verify(p384_godd, pub, pub_len, digest, digest_len, sig, sig_len, fmt);
	default:
		return HZ_ERR_INVALID;
	}
}
