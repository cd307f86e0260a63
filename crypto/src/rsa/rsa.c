/* RSA signatures: RSASSA-PKCS1-v1_5 and RSASSA-PSS (RFC 8017 8.1, 8.2,
 * 9.1, 9.2), verify and CRT sign, over the Montgomery arithmetic of bn.c. */
#include "bn.h"

#define MAX_BYTES (HZ_CRYPTO_RSA_MAX_BITS / 8)
#define HALF_BYTES (MAX_BYTES / 2)

/* A checked public key: n in Montgomery form, e stripped of zeros. */
struct pubkey {
	struct bn_mont M;
	const uint8_t *n, *e; /* without leading zeros */
	size_t k, e_len;      /* modulus length in bytes, exponent length */
	size_t bits;          /* modBits */
};

/* RFC 8017 8.1.2 / 8.2.2 step 1 and the key limits of rsa.h. */
static int pub_load(struct pubkey *pk, const uint8_t *n, size_t n_len, const uint8_t *e,
	size_t e_len, size_t min_bits)
{
	uint64_t nb[BN_MAX_LIMBS];

	while (n_len && n[0] == 0)
		n++, n_len--;
	while (e_len && e[0] == 0)
		e++, e_len--;
	if (n_len == 0 || n_len > MAX_BYTES)
		return HZ_ERR_BAD_KEY;
	pk->bits = 8 * (n_len - 1) + (size_t)(32 - __builtin_clz(n[0]));
	if (pk->bits < min_bits || pk->bits > HZ_CRYPTO_RSA_MAX_BITS || !(n[n_len - 1] & 1))
		return HZ_ERR_BAD_KEY;
	/* 3 <= e < n, e odd (RFC 8017 3.1). */
	if (e_len == 0 || !(e[e_len - 1] & 1) || (e_len == 1 && e[0] < 3))
		return HZ_ERR_BAD_KEY;
	if (e_len > n_len || (e_len == n_len && __builtin_memcmp(e, n, n_len) >= 0))
		return HZ_ERR_BAD_KEY;
	pk->n = n;
	pk->k = n_len;
	pk->e = e;
	pk->e_len = e_len;
	bn_decode(nb, (n_len + 7) / 8, n, n_len);
	bn_mont_init(&pk->M, nb, (n_len + 7) / 8, 1);
	return HZ_OK;
}

/* x = s^e mod n for s < n (nl limbs, normal form in and out). The last
 * multiplication by s (e is odd) also leaves the Montgomery domain. */
static void pub_pow(uint64_t *x, const uint64_t *s, const struct pubkey *pk)
{
	uint8_t em1[MAX_BYTES];
	uint64_t t[BN_MAX_LIMBS];
	const struct bn_mont *M = &pk->M;

	__builtin_memcpy(em1, pk->e, pk->e_len);
	em1[pk->e_len - 1] &= 0xfe; /* e - 1 */
	M->mul(t, s, M->r2, M);     /* s R */
	bn_mont_pow_pub(t, t, em1, pk->e_len, M); /* s^(e-1) R */
	M->mul(x, t, s, M);         /* s^e */
}

/* RSAVP1 (RFC 8017 5.2.2) with the length check of 8.1.2/8.2.2 step 1:
 * em (k bytes) = sig^e mod n. */
static int pub_op(uint8_t *em, const struct pubkey *pk, const uint8_t *sig, size_t sig_len)
{
	uint64_t s[BN_MAX_LIMBS];
	size_t nl = pk->M.nl;

	if (sig_len != pk->k || __builtin_memcmp(sig, pk->n, pk->k) >= 0)
		return HZ_ERR_AUTH;
	bn_decode(s, nl, sig, sig_len);
	pub_pow(s, s, pk);
	bn_encode(em, pk->k, s, nl);
	return HZ_OK;
}

/* DigestInfo DER prefixes (RFC 8017 9.2 note 1). */
static const uint8_t di_sha256[19] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};
static const uint8_t di_sha384[19] = {
	0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30,
};
static const uint8_t di_sha512[19] = {
	0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40,
};

/* The digest length of alg when digest_len matches it, else 0. */
static size_t digest_ok(enum hz_crypto_hash_alg alg, size_t digest_len)
{
	size_t hl = hz_crypto_hash_len(alg);
	return hl && hl == digest_len ? hl : 0;
}

/* EMSA-PKCS1-v1_5 (RFC 8017 9.2): em = 00 01 FF..FF 00 DigestInfo H. */
static int pkcs1_encode(uint8_t *em, size_t k, enum hz_crypto_hash_alg alg, const uint8_t *digest,
	size_t digest_len)
{
	const uint8_t *di;
	size_t hl = digest_ok(alg, digest_len);

	switch (alg) {
	case HZ_CRYPTO_SHA256: di = di_sha256; break;
	case HZ_CRYPTO_SHA384: di = di_sha384; break;
	case HZ_CRYPTO_SHA512: di = di_sha512; break;
	default: return HZ_ERR_INVALID;
	}
	if (!hl)
		return HZ_ERR_INVALID;
	size_t tlen = sizeof(di_sha256) + hl;
	if (k < tlen + 11) /* step 3; cannot happen from 1024 bits up */
		return HZ_ERR_INVALID;
	em[0] = 0x00;
	em[1] = 0x01;
	__builtin_memset(em + 2, 0xff, k - tlen - 3);
	em[k - tlen - 1] = 0x00;
	__builtin_memcpy(em + k - tlen, di, sizeof(di_sha256));
	__builtin_memcpy(em + k - hl, digest, hl);
	return HZ_OK;
}

/* db ^= MGF1(seed, len) (RFC 8017 B.2.1). */
static void mgf1_xor(uint8_t *db, size_t len, enum hz_crypto_hash_alg alg, const uint8_t *seed,
	size_t seed_len)
{
	uint8_t t[HZ_CRYPTO_HASH_MAX_LEN], c[4];
	struct hz_crypto_hash h;
	size_t hl = hz_crypto_hash_len(alg);

	for (uint32_t ctr = 0; len; ctr++) {
		size_t n = len < hl ? len : hl;
		hz_be32_store(c, ctr);
		hz_crypto_hash_init(&h, alg);
		hz_crypto_hash_update(&h, seed, seed_len);
		hz_crypto_hash_update(&h, c, 4);
		hz_crypto_hash_final(&h, t);
		for (size_t i = 0; i < n; i++)
			db[i] ^= t[i];
		db += n;
		len -= n;
	}
}

/* H = Hash(00*8 || mHash || salt) (RFC 8017 9.1.1 steps 5-6). */
static void pss_hash(uint8_t *out, enum hz_crypto_hash_alg alg, const uint8_t *mhash, size_t hl,
	const uint8_t *salt, size_t salt_len)
{
	static const uint8_t zeros[8];
	struct hz_crypto_hash h;

	hz_crypto_hash_init(&h, alg);
	hz_crypto_hash_update(&h, zeros, 8);
	hz_crypto_hash_update(&h, mhash, hl);
	hz_crypto_hash_update(&h, salt, salt_len);
	hz_crypto_hash_final(&h, out);
}

int hz_crypto_rsa_pkcs1_verify(const struct hz_crypto_rsa_public *k, enum hz_crypto_hash_alg alg,
	const uint8_t *digest, size_t digest_len, const uint8_t *sig, size_t sig_len)
{
	struct pubkey pk;
	uint8_t em[MAX_BYTES], want[MAX_BYTES];
	int err;

	if ((err = pub_load(&pk, k->n, k->n_len, k->e, k->e_len, HZ_CRYPTO_RSA_MIN_VERIFY_BITS)))
		return err;
	/* 8.2.2 step 3 before step 2, so a bad alg is INVALID whatever sig is. */
	if ((err = pkcs1_encode(want, pk.k, alg, digest, digest_len)))
		return err;
	if ((err = pub_op(em, &pk, sig, sig_len)))
		return err;
	/* Step 4: compare the whole encoding; no parsing. */
	return hz_crypto_ct_eq(em, want, pk.k) ? HZ_OK : HZ_ERR_AUTH;
}

int hz_crypto_rsa_pss_verify(const struct hz_crypto_rsa_public *k, enum hz_crypto_hash_alg alg,
	enum hz_crypto_hash_alg mgf1_alg, size_t salt_len, const uint8_t *digest, size_t digest_len,
	const uint8_t *sig, size_t sig_len)
{
	struct pubkey pk;
	uint8_t em[MAX_BYTES], h2[HZ_CRYPTO_HASH_MAX_LEN];
	size_t hl = digest_ok(alg, digest_len);
	int err;

	if ((err = pub_load(&pk, k->n, k->n_len, k->e, k->e_len, HZ_CRYPTO_RSA_MIN_VERIFY_BITS)))
		return err;
	if (!hl || !hz_crypto_hash_len(mgf1_alg))
		return HZ_ERR_INVALID;
	if ((err = pub_op(em, &pk, sig, sig_len)))
		return err;

	/* 8.1.2 step 2c: EM = I2OSP(m, emLen), emBits = modBits - 1. */
	size_t em_bits = pk.bits - 1, em_len = (em_bits + 7) / 8;
	if (em_len < pk.k && em[0] != 0)
		return HZ_ERR_AUTH;
	uint8_t *E = em + (pk.k - em_len);
	/* 9.1.2 steps 3-6. */
	if (em_len < hl + 2 || (salt_len != HZ_CRYPTO_RSA_PSS_SALT_ANY && em_len - hl - 2 < salt_len))
		return HZ_ERR_AUTH;
	if (E[em_len - 1] != 0xbc)
		return HZ_ERR_AUTH;
	size_t db_len = em_len - hl - 1;
	uint8_t *H = E + db_len;
	uint8_t topmask = (uint8_t)(0xffu >> (8 * em_len - em_bits));
	if (E[0] & (uint8_t)~topmask)
		return HZ_ERR_AUTH;
	/* Steps 7-9: DB = maskedDB ^ MGF(H), leftmost bits cleared. */
	mgf1_xor(E, db_len, mgf1_alg, H, hl);
	E[0] &= topmask;
	/* Step 10: PS zeros, then 0x01, then the salt. */
	size_t i = 0;
	if (salt_len == HZ_CRYPTO_RSA_PSS_SALT_ANY) {
		while (i < db_len && E[i] == 0)
			i++;
	} else {
		for (; i < db_len - salt_len - 1; i++)
			if (E[i] != 0)
				return HZ_ERR_AUTH;
	}
	if (i == db_len || E[i] != 0x01)
		return HZ_ERR_AUTH;
	/* Steps 11-14. */
	pss_hash(h2, alg, digest, hl, E + i + 1, db_len - i - 1);
	return hz_crypto_ct_eq(h2, H, hl) ? HZ_OK : HZ_ERR_AUTH;
}

/* ------------------------------------------------------------------ */
/* Signing                                                             */
/* ------------------------------------------------------------------ */

/* Everything secret of one signature, wiped in one go. */
struct sign_ws {
	struct bn_mont Mp;                          /* the current prime */
	uint64_t tab[2 * BN_TAB * BN_HALF_LIMBS];   /* window tables */
	uint64_t m[BN_MAX_LIMBS];                   /* EM as a number */
	uint64_t s[BN_MAX_LIMBS + 1];               /* the signature, then s^e */
	uint64_t prime[BN_HALF_LIMBS];
	uint64_t xq[BN_HALF_LIMBS];                 /* m^dq mod q */
	uint64_t xp[BN_HALF_LIMBS];                 /* m^dp R mod p */
	uint64_t a[BN_HALF_LIMBS + 1], b[BN_HALF_LIMBS]; /* temporaries */
	uint64_t qh[BN_MAX_LIMBS];                  /* q h */
	uint8_t e1[HALF_BYTES], e2[HALF_BYTES];     /* dp, p - 2, padded */
	uint8_t rnd[8 * (BN_HALF_LIMBS + 1)];
};

/* x = (m mod P)^d R mod P for the prime P (bytes pb[0..plen)), blinded:
 * with a random r, the exponentiation sees c = m r^e and computes
 * c^d r^(P-2) = m^d r^(e d) r^-1 = m^d (e d = 1 mod P-1, Fermat for the
 * inverse). The second exponent shares the squarings of the first. */
static void crt_half(struct sign_ws *w, uint64_t *x, const uint8_t *pb, size_t plen,
	size_t olen, const uint8_t *d, size_t dlen, const struct pubkey *pk,
	struct hz_crypto_drbg *rng)
{
	struct bn_mont *M = &w->Mp;
	size_t nlp = (plen + 7) / 8;
	size_t elen = dlen > plen ? dlen : plen;
	uint32_t borrow = 2;

	bn_decode(w->prime, nlp, pb, plen);
	/* R^2 mod P from n's context when the other prime (olen bytes, a
	 * public length) fits in P's limbs; else the generic set-up. A key
	 * with n != p q gets a wrong R^2 here and fails the final check. */
	if ((olen + 7) / 8 > nlp || !bn_mont_init_factor(M, w->prime, nlp, &pk->M))
		bn_mont_init(M, w->prime, nlp, 0);
	/* r: nlp + 1 random limbs reduced mod P, bias below 2^-64. */
	hz_crypto_drbg_generate(rng, w->rnd, 8 * (nlp + 1));
	bn_decode(w->a, nlp + 1, w->rnd, 8 * (nlp + 1));
	bn_mont_reduce(w->a, w->a, nlp + 1, M);                 /* r R */
	bn_mont_pow_pub(w->b, w->a, pk->e, pk->e_len, M);       /* r^e R */
	bn_mont_reduce(x, w->m, pk->M.nl, M);                   /* m R */
	M->mul(w->b, w->b, x, M);                               /* c R */
	/* Exponents, left-padded to elen: d and P - 2 (borrow chain). */
	__builtin_memset(w->e1, 0, elen - dlen);
	__builtin_memcpy(w->e1 + elen - dlen, d, dlen);
	__builtin_memset(w->e2, 0, elen - plen);
	for (size_t i = plen; i-- > 0;) {
		uint32_t v = (uint32_t)pb[i] - borrow;
		w->e2[elen - plen + i] = (uint8_t)v;
		borrow = v >> 31;
	}
	bn_mont_pow2_ct(x, w->b, w->e1, w->a, w->e2, elen, M, w->tab);
}

/* 1 when a < b (nl limbs), in constant time. */
static uint64_t ct_lt(const uint64_t *a, const uint64_t *b, size_t nl)
{
	uint64_t borrow = 0;

	for (size_t j = 0; j < nl; j++) {
		u128 x = (u128)a[j] - b[j] - borrow;
		borrow = (uint64_t)(x >> 64) & 1;
	}
	return borrow;
}

/* RSASP1 with CRT (RFC 8017 5.2.1 case b, Garner's formula), then the
 * check s^e == m. Returns k or HZ_ERR_BAD_KEY; the branch on the check is
 * made on a masked value so only the final verdict is public. */
static int priv_op(uint8_t *sig, const struct hz_crypto_rsa_private *key, const struct pubkey *pk,
	struct hz_crypto_drbg *rng, const uint8_t *em)
{
	struct sign_ws w;
	struct bn_mont *M = &w.Mp;
	size_t nl = pk->M.nl;
	size_t nlp = (key->p_len + 7) / 8, nlq = (key->q_len + 7) / 8;
	size_t nli = (key->qinv_len + 7) / 8;

	bn_decode(w.m, nl, em, pk->k);
	/* x_q = m^dq mod q (normal form). */
	crt_half(&w, w.xp, key->q, key->q_len, key->p_len, key->dq, key->dq_len, pk, rng);
	bn_from_mont(w.xq, w.xp, M);
	/* x_p = m^dp R mod p; M is p from here on. */
	crt_half(&w, w.xp, key->p, key->p_len, key->q_len, key->dp, key->dp_len, pk, rng);
	/* h = qinv (x_p - x_q) mod p. */
	bn_mont_reduce(w.a, w.xq, nlq, M);          /* x_q R */
	bn_mod_sub(w.a, w.xp, w.a, M);              /* (x_p - x_q) R */
	bn_decode(w.qh, nli, key->qinv, key->qinv_len);
	bn_mont_reduce(w.b, w.qh, nli, M);          /* qinv R */
	M->mul(w.a, w.a, w.b, M);                   /* h R */
	bn_from_mont(w.a, w.a, M);                  /* h */
	/* s = x_q + q h < p q. */
	bn_decode(w.prime, nlq, key->q, key->q_len);
	bn_mul(w.qh, w.prime, nlq, w.a, nlp);
	for (size_t j = nlp + nlq; j < nl; j++)
		w.qh[j] = 0;
	uint64_t c = 0;
	for (size_t j = 0; j < nl; j++) {
		u128 u = (u128)w.qh[j] + (j < nlq ? w.xq[j] : 0) + c;
		w.s[j] = (uint64_t)u;
		c = (uint64_t)(u >> 64);
	}
	bn_encode(sig, pk->k, w.s, nl);

	/* Fault and key check: s < n and s^e mod n == m. */
	uint64_t ok = ct_lt(w.s, pk->M.m, nl);
	pub_pow(w.s, w.s, pk);
	uint64_t diff = 0;
	for (size_t j = 0; j < nl; j++)
		diff |= w.s[j] ^ w.m[j];
	ok &= hz_ct_nonzero64(diff) ^ 1;
	hz_ct_keep_bytes(sig, pk->k, ok);
	hz_crypto_wipe(&w, sizeof(w));
	return (int)hz_ct_sel64(ok, (uint64_t)(int64_t)HZ_ERR_BAD_KEY, pk->k);
}

/* The key limits of rsa.h (public lengths only). */
static int priv_load(struct pubkey *pk, const struct hz_crypto_rsa_private *k)
{
	int err = pub_load(pk, k->n, k->n_len, k->e, k->e_len, HZ_CRYPTO_RSA_MIN_SIGN_BITS);

	if (err)
		return err;
	if (!k->p_len || !k->q_len || !k->dp_len || !k->dq_len || !k->qinv_len ||
	    k->p_len > HALF_BYTES || k->q_len > HALF_BYTES || k->dp_len > HALF_BYTES ||
	    k->dq_len > HALF_BYTES || k->qinv_len > HALF_BYTES)
		return HZ_ERR_BAD_KEY;
	return HZ_OK;
}

int hz_crypto_rsa_pkcs1_sign(const struct hz_crypto_rsa_private *k, struct hz_crypto_drbg *rng,
	enum hz_crypto_hash_alg alg, const uint8_t *digest, size_t digest_len, uint8_t *sig,
	size_t sig_cap)
{
	struct pubkey pk;
	uint8_t em[MAX_BYTES];
	int err;

	if ((err = priv_load(&pk, k)))
		return err;
	if (sig_cap < pk.k)
		return HZ_ERR_NO_SPACE;
	if ((err = pkcs1_encode(em, pk.k, alg, digest, digest_len)))
		return err;
	return priv_op(sig, k, &pk, rng, em);
}

int hz_crypto_rsa_pss_sign(const struct hz_crypto_rsa_private *k, struct hz_crypto_drbg *rng,
	enum hz_crypto_hash_alg alg, enum hz_crypto_hash_alg mgf1_alg, size_t salt_len,
	const uint8_t *digest, size_t digest_len, uint8_t *sig, size_t sig_cap)
{
	struct pubkey pk;
	uint8_t em[MAX_BYTES];
	size_t hl = digest_ok(alg, digest_len);
	int err;

	if ((err = priv_load(&pk, k)))
		return err;
	if (sig_cap < pk.k)
		return HZ_ERR_NO_SPACE;
	if (!hl || !hz_crypto_hash_len(mgf1_alg))
		return HZ_ERR_INVALID;
	/* 9.1.1 with emBits = modBits - 1; EM sits right-aligned in k bytes. */
	size_t em_bits = pk.bits - 1, em_len = (em_bits + 7) / 8;
	if (salt_len == HZ_CRYPTO_RSA_PSS_SALT_ANY || em_len < hl + 2 || em_len - hl - 2 < salt_len)
		return HZ_ERR_INVALID;
	uint8_t *E = em + (pk.k - em_len);
	size_t db_len = em_len - hl - 1;
	uint8_t *salt = E + db_len - salt_len, *H = E + db_len;
	em[0] = 0;
	__builtin_memset(E, 0, db_len - salt_len - 1);
	E[db_len - salt_len - 1] = 0x01;
	hz_crypto_drbg_generate(rng, salt, salt_len);       /* step 4 */
	pss_hash(H, alg, digest, hl, salt, salt_len);       /* steps 5-6 */
	mgf1_xor(E, db_len, mgf1_alg, H, hl);               /* steps 7-10 */
	E[0] &= (uint8_t)(0xffu >> (8 * em_len - em_bits)); /* step 11 */
	E[em_len - 1] = 0xbc;                               /* step 12 */
	return priv_op(sig, k, &pk, rng, em);
}
