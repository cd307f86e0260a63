/* Private big-number arithmetic for RSA: 64-bit limbs, least significant
 * first, Montgomery multiplication modulo an odd m of up to 4096 bits.
 *
 * Everything here runs in time that depends only on limb counts, except
 * the functions marked "public": those may branch on the modulus and on
 * the exponent, which must then be public values (n, e). */
#ifndef HAZE_CRYPTO_RSA_BN_H
#define HAZE_CRYPTO_RSA_BN_H

#include "../inner.h"

/* 64x64->128 products (gcc and clang on 64-bit targets). */
__extension__ typedef unsigned __int128 u128;

#define BN_MAX_LIMBS 64 /* HZ_CRYPTO_RSA_MAX_BITS / 64 */
#define BN_HALF_LIMBS 32 /* a prime of a 4096-bit key */
#define BN_WIN 4 /* fixed window of the secret exponentiation */
#define BN_TAB (1u << BN_WIN)
/* Joint (Shamir) window for primes of up to BN_JOINT_LIMBS limbs: 3 bits
 * of each exponent per step, a table of a1^i a2^j, i, j < 8, which fits
 * in the same scratch as the two 4-bit tables of the largest primes. */
#define BN_JWIN 3
#define BN_JTAB (1u << (2 * BN_JWIN))
#define BN_JOINT_LIMBS (2 * BN_TAB * BN_HALF_LIMBS / BN_JTAB)

struct bn_mont;
typedef void (*bn_mul_fn)(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M);

/* The modulus m with nl limbs and its Montgomery constants, R = 2^(64 nl). */
struct bn_mont {
	size_t nl;
	uint64_t n0;                  /* -m^-1 mod 2^64 */
	uint64_t m[BN_MAX_LIMBS];
	uint64_t r2[BN_MAX_LIMBS];    /* R^2 mod m */
	bn_mul_fn mul;                /* r = a b / R mod m, chosen for nl and the CPU */
	bn_mul_fn sqr;                /* same with a == b (b is ignored) */
};

/* Keep the short names in this area's sources, export long ones. */
#define bn_decode hz_crypto_rsa_bn_decode
#define bn_encode hz_crypto_rsa_bn_encode
#define bn_mont_init hz_crypto_rsa_bn_mont_init
#define bn_mont_reduce hz_crypto_rsa_bn_mont_reduce
#define bn_mont_init_factor hz_crypto_rsa_bn_mont_init_factor
#define bn_mod_add hz_crypto_rsa_bn_mod_add
#define bn_mod_sub hz_crypto_rsa_bn_mod_sub
#define bn_mul hz_crypto_rsa_bn_mul
#define bn_mont_pow_pub hz_crypto_rsa_bn_mont_pow_pub
#define bn_mont_pow2_ct hz_crypto_rsa_bn_mont_pow2_ct
#define bn_mont_one hz_crypto_rsa_bn_mont_one
#define bn_from_mont hz_crypto_rsa_bn_from_mont
#define bn_mul_pick hz_crypto_rsa_bn_mul_pick
#define bn_mont_mul_adx hz_crypto_rsa_bn_mont_mul_adx
#define bn_mont_sqr_adx hz_crypto_rsa_bn_mont_sqr_adx
#define bn_mul_pick_adx hz_crypto_rsa_bn_mul_pick_adx
#define bn_ct_lookup_avx2 hz_crypto_rsa_bn_ct_lookup_avx2

/* x (nl limbs) = the big-endian src[0..len); len <= 8 nl. */
void bn_decode(uint64_t *x, size_t nl, const uint8_t *src, size_t len);
/* dst[0..len) = x big-endian, x of nl limbs; bytes above x are zero, and
 * limbs above len are dropped. */
void bn_encode(uint8_t *dst, size_t len, const uint64_t *x, size_t nl);

/* Set up M for the odd m of nl limbs (1 <= nl <= BN_MAX_LIMBS). With
 * pub != 0 m is public: R^2 is found faster from m's bit length. With pub
 * == 0 the time depends on nl only. */
void bn_mont_init(struct bn_mont *M, const uint64_t *m, size_t nl, int pub);

/* Set up M for a secret odd factor m (nl limbs) of N's public modulus
 * whose cofactor is below 2^(64 nl): R^2 mod m comes from N (one
 * multiplication mod N and one reduction mod m) instead of 66 nl
 * doublings. Returns 0, doing nothing, when the public sizes do not allow
 * it. Time depends on nl and N->nl only. */
int bn_mont_init_factor(struct bn_mont *M, const uint64_t *m, size_t nl, const struct bn_mont *N);

/* r = x R mod m (the Montgomery form of x mod m) for x of xl limbs. */
void bn_mont_reduce(uint64_t *r, const uint64_t *x, size_t xl, const struct bn_mont *M);
/* r = R mod m (1 in Montgomery form). */
void bn_mont_one(uint64_t *r, const struct bn_mont *M);
/* r = a / R mod m (out of Montgomery form). */
void bn_from_mont(uint64_t *r, const uint64_t *a, const struct bn_mont *M);

/* r = a + b, a - b mod m; a, b < m. */
void bn_mod_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M);
void bn_mod_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M);

/* r (al + bl limbs) = a b. r must not alias a or b. */
void bn_mul(uint64_t *r, const uint64_t *a, size_t al, const uint64_t *b, size_t bl);

/* r = a^e (Montgomery forms) for the public big-endian e[0..elen), e != 0.
 * Branches on e. */
void bn_mont_pow_pub(uint64_t *r, const uint64_t *a, const uint8_t *e, size_t elen,
	const struct bn_mont *M);

/* r = a1^e1 a2^e2 (Montgomery forms) with secret a1, a2, e1, e2 (both
 * exponents big-endian, elen bytes): for M->nl <= BN_JOINT_LIMBS a joint
 * 3+3-bit window over a 64-entry table of a1^i a2^j, else fixed 4-bit
 * windows per exponent sharing the squarings; every table entry is read
 * under a mask. tab holds 2 BN_TAB BN_HALF_LIMBS limbs of scratch. */
void bn_mont_pow2_ct(uint64_t *r, const uint64_t *a1, const uint8_t *e1,
	const uint64_t *a2, const uint8_t *e2, size_t elen, const struct bn_mont *M,
	uint64_t *tab);

/* The multiplication and squaring for nl limbs on this CPU. */
void bn_mul_pick(struct bn_mont *M);

#if HZ_CRYPTO_ACCEL
/* BMI2+ADX Montgomery multiplication and squaring (bn_adx.c). */
void bn_mont_mul_adx(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M);
void bn_mont_sqr_adx(uint64_t *r, const uint64_t *a, const uint64_t *b, const struct bn_mont *M);
/* Sets M->mul and M->sqr to the BMI2+ADX versions for M->nl. */
void bn_mul_pick_adx(struct bn_mont *M);
/* r = T[w] of cnt entries, nl % 4 == 0, every entry read (AVX2). */
void bn_ct_lookup_avx2(uint64_t *r, const uint64_t *T, uint32_t w, size_t nl, uint32_t cnt);
#endif

#endif
