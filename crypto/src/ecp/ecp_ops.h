/* The public operations of one curve, instantiated by ecp.c after
 * ecp_curves.h with EC_(x), EC_L and EC_(mul_base) defined. */

#define EC_BYTES (8 * EC_L)

/* 1 when 0 < k < n, constant time. */
static uint64_t EC_(scalar_ok)(const uint64_t *k)
{
	return mp_lt(k, EC_(n), EC_L) & (1 ^ mp_is_zero(k, EC_L));
}

static int EC_(ec_public)(uint8_t *pub, const uint8_t *priv)
{
	uint64_t k[EC_L];
	struct EC_(jac) r;
	struct EC_(aff) a;
	uint64_t ok;

	mp_from_be(k, priv, EC_L);
	ok = EC_(scalar_ok)(k);
	EC_(mul_base)(&r, priv);
	EC_(jac_to_aff)(&a, &r);
	EC_(encode)(pub, &a);
	hz_ct_keep_bytes(pub, 1 + 2 * EC_BYTES, ok);
	hz_crypto_wipe(k, sizeof k);
	hz_crypto_wipe(&r, sizeof r);
	hz_crypto_wipe(&a, sizeof a);
	return ecp_ret(ok, HZ_ERR_BAD_KEY);
}

static int EC_(ecdh)(uint8_t *shared, const uint8_t *priv, const uint8_t *peer, size_t peer_len)
{
	uint64_t k[EC_L], x[EC_L];
	struct EC_(aff) q;
	struct EC_(jac) r;
	uint64_t ok;

	if (EC_(decode)(&q, peer, peer_len) != HZ_OK) {
		hz_crypto_wipe(shared, EC_BYTES);
		return HZ_ERR_BAD_KEY;
	}
	mp_from_be(k, priv, EC_L);
	ok = EC_(scalar_ok)(k);
	EC_(mul_ct)(&r, &q, priv);
	EC_(jac_to_aff)(&q, &r);
	EC_(ffrom)(x, q.x);
	mp_to_be(shared, x, EC_L);
	hz_ct_keep_bytes(shared, EC_BYTES, ok);
	hz_crypto_wipe(k, sizeof k);
	hz_crypto_wipe(x, sizeof x);
	hz_crypto_wipe(&q, sizeof q);
	hz_crypto_wipe(&r, sizeof r);
	return ecp_ret(ok, HZ_ERR_BAD_KEY);
}

/* bits2int of a digest (RFC 6979 2.3.2, SEC 1 4.1.3 step 5): the leftmost
 * 8 EC_BYTES bits, as a plain integer below 2^(64 EC_L). */
static void EC_(bits2int)(uint64_t *e, const uint8_t *digest, size_t len)
{
	uint8_t buf[EC_BYTES];
	size_t i;

	if (len >= EC_BYTES) {
		for (i = 0; i < EC_BYTES; i++)
			buf[i] = digest[i];
	} else {
		for (i = 0; i < EC_BYTES - len; i++)
			buf[i] = 0;
		for (; i < EC_BYTES; i++)
			buf[i] = digest[i - (EC_BYTES - len)];
	}
	mp_from_be(e, buf, EC_L);
}

static int EC_(sign)(enum hz_crypto_hash_alg alg, uint8_t *sig, size_t *sig_len,
		     enum hz_crypto_ecdsa_fmt fmt, const uint8_t *priv, const uint8_t *digest,
		     size_t digest_len)
{
	struct ecp_6979 d;
	uint64_t x[EC_L], e[EC_L], k1[EC_L], k2[EC_L], k[EC_L];
	uint64_t t[EC_L], ki[EC_L], r[EC_L], s[EC_L];
	uint8_t h[EC_BYTES], kb[EC_BYTES], rs[2 * EC_BYTES];
	struct EC_(jac) rp;
	struct EC_(aff) ra;
	uint64_t key_ok, v1, v2, ok;
	int ret;

	/* Private key and h = bits2octets(digest) = bits2int mod n. */
	mp_from_be(x, priv, EC_L);
	key_ok = EC_(scalar_ok)(x);
	EC_(bits2int)(e, digest, digest_len);
	EC_(nreduce)(e, e);
	mp_to_be(h, e, EC_L);

	/* RFC 6979 3.2: two candidates, the second the one step h.3 would
	 * produce after rejecting the first. */
	ecp_6979_init(&d, alg, priv, h, EC_BYTES);
	ecp_6979_next(&d, kb, EC_BYTES);
	mp_from_be(k1, kb, EC_L);
	ecp_6979_retry(&d);
	ecp_6979_next(&d, kb, EC_BYTES);
	mp_from_be(k2, kb, EC_L);
	v1 = EC_(scalar_ok)(k1);
	v2 = EC_(scalar_ok)(k2);
	mp_sel(k, hz_ct_mask64(v1), k1, k2, EC_L);
	ok = key_ok & (v1 | v2);

	/* r = x(kG) mod n */
	mp_to_be(kb, k, EC_L);
	EC_(mul_base)(&rp, kb);
	EC_(jac_to_aff)(&ra, &rp);
	EC_(ffrom)(t, ra.x);
	EC_(nreduce)(r, t);

	/* s = (e + r x) / k mod n, Montgomery: ki = R/k, t = r x R / R. */
	EC_(nto)(ki, k);
	EC_(ninv)(ki, ki);
	EC_(nto)(t, x);
	EC_(nmul)(t, r, t);
	mp_modadd(t, t, e, EC_(n), EC_L);
	EC_(nmul)(s, t, ki);
	ok &= (1 ^ mp_is_zero(r, EC_L)) & (1 ^ mp_is_zero(s, EC_L));

	mp_to_be(rs, r, EC_L);
	mp_to_be(rs + EC_BYTES, s, EC_L);
	hz_ct_keep_bytes(rs, sizeof rs, ok);
	if (fmt == HZ_CRYPTO_ECDSA_FIXED) {
		for (size_t i = 0; i < sizeof rs; i++)
			sig[i] = rs[i];
		*sig_len = sizeof rs;
	} else {
		*sig_len = ecp_der_encode(sig, rs, EC_BYTES);
	}
	/* HZ_ERR_BAD_KEY for a bad key, else HZ_ERR_INTERNAL when no
	 * candidate worked, without a branch. */
	ret = (int)hz_ct_sel32((uint32_t)key_ok, (uint32_t)HZ_ERR_BAD_KEY, (uint32_t)HZ_ERR_INTERNAL);
	ret = (int)hz_ct_sel32((uint32_t)ok, (uint32_t)ret, (uint32_t)HZ_OK);

	hz_crypto_wipe(&d, sizeof d);
	hz_crypto_wipe(x, sizeof x);
	hz_crypto_wipe(e, sizeof e);
	hz_crypto_wipe(k1, sizeof k1);
	hz_crypto_wipe(k2, sizeof k2);
	hz_crypto_wipe(k, sizeof k);
	hz_crypto_wipe(t, sizeof t);
	hz_crypto_wipe(ki, sizeof ki);
	hz_crypto_wipe(kb, sizeof kb);
	hz_crypto_wipe(h, sizeof h);
	hz_crypto_wipe(&rp, sizeof rp);
	hz_crypto_wipe(&ra, sizeof ra);
	return ret;
}

static int EC_(verify)(const struct EC_(aff) *gtab, const uint8_t *pub, size_t pub_len,
		       const uint8_t *digest, size_t digest_len, const uint8_t *sig,
		       size_t sig_len, enum hz_crypto_ecdsa_fmt fmt)
{
	struct EC_(aff) q;
	uint8_t rs[2 * EC_BYTES];
	uint64_t r[EC_L], s[EC_L], e[EC_L];
	int ret;

	if (EC_(decode)(&q, pub, pub_len) != HZ_OK)
		return HZ_ERR_BAD_KEY;
	if (fmt == HZ_CRYPTO_ECDSA_FIXED) {
		if (sig_len != sizeof rs)
			return HZ_ERR_MALFORMED;
		for (size_t i = 0; i < sizeof rs; i++)
			rs[i] = sig[i];
	} else {
		ret = ecp_der_decode(rs, EC_BYTES, sig, sig_len);
		if (ret != HZ_OK)
			return ret;
	}
	mp_from_be(r, rs, EC_L);
	mp_from_be(s, rs + EC_BYTES, EC_L);
	if (!EC_(scalar_ok)(r) || !EC_(scalar_ok)(s))
		return HZ_ERR_AUTH;
	EC_(bits2int)(e, digest, digest_len);
	EC_(nreduce)(e, e);
	return EC_(verify_core)(e, r, s, gtab, ECP_GW, &q) ? HZ_OK : HZ_ERR_AUTH;
}

#undef EC_BYTES
