/* haze crypto: X25519 (RFC 7748) and Ed25519 (RFC 8032 section 5.1).
 *
 * Every function takes its inputs as caller-owned byte arrays, reads them
 * only during the call, and keeps no state. Secret inputs (scalars, seeds)
 * and everything derived from them are handled in constant time and the
 * temporaries wiped before return. Outputs may alias inputs of the same
 * size unless stated otherwise. Stack use stays below 4 KB in every
 * function: verify, the deepest, about 3.3 KB; X25519 and signing about
 * 2 KB (gcc -O3, x86-64).
 *
 * Key generation: draw 32 random bytes (drbg.h) as the X25519 private
 * scalar or the Ed25519 seed; the public values come from
 * hz_crypto_x25519_base and hz_crypto_ed25519_public. */
#ifndef HAZE_CRYPTO_C25519_H
#define HAZE_CRYPTO_C25519_H

#include <stddef.h>
#include <stdint.h>

#define HZ_CRYPTO_X25519_LEN      32 /* scalar, u-coordinate, shared secret */
#define HZ_CRYPTO_ED25519_SEED_LEN 32
#define HZ_CRYPTO_ED25519_PUB_LEN  32
#define HZ_CRYPTO_ED25519_SIG_LEN  64

/* X25519(scalar, point) (RFC 7748 section 5): out = the u-coordinate of
 * [clamp(scalar)] u. The scalar is clamped (bits 0-2 and 255 cleared, bit
 * 254 set) on a copy; bit 255 of the point is ignored and u values >= p
 * (non-canonical) are accepted and reduced, as section 5 requires. out is
 * always written; it may alias scalar or point.
 * Returns HZ_OK, or HZ_ERR_BAD_KEY when the result is all zeros (the point
 * had small order: section 6.1 says to abort). The zero check runs in
 * constant time; the caller must discard out on an error. */
int hz_crypto_x25519(uint8_t out[32], const uint8_t scalar[32], const uint8_t point[32]);

/* The X25519 public key of scalar: X25519(scalar, 9), computed with a
 * fixed-base comb on the equivalent Edwards curve (several times faster
 * than the ladder). Constant time in scalar. out may alias scalar. */
void hz_crypto_x25519_base(uint8_t out[32], const uint8_t scalar[32]);

/* The Ed25519 public key A of a 32-byte private seed (RFC 8032 5.1.5).
 * Constant time in seed. pub may alias seed. */
void hz_crypto_ed25519_public(uint8_t pub[32], const uint8_t seed[32]);

/* Ed25519 signature of the len bytes at msg (RFC 8032 5.1.6, pure
 * Ed25519, deterministic). pub must be hz_crypto_ed25519_public(seed): it
 * is passed to save a scalar multiplication, and a wrong pub yields a
 * signature that does not verify (and can leak the key if an attacker
 * chooses pub: never take pub from an untrusted source). sig must not
 * overlap msg, seed or pub. msg may be NULL when len is 0. Constant time
 * in seed; the running time depends on len. */
void hz_crypto_ed25519_sign(uint8_t sig[64], const uint8_t seed[32], const uint8_t pub[32],
			    const void *msg, size_t len);

/* Verify an Ed25519 signature (RFC 8032 5.1.7), strictly: S must be below
 * L, A and R must be canonical encodings of curve points, and the
 * cofactorless equation [S]B = R + [k]A is checked by comparing the
 * encoding of [S]B - [k]A with R. Variable time (all inputs public).
 * Returns HZ_OK; HZ_ERR_BAD_KEY when pub does not decode to a point
 * (non-canonical or off the curve); HZ_ERR_AUTH for any other failure. */
int hz_crypto_ed25519_verify(const uint8_t sig[64], const uint8_t pub[32], const void *msg,
			     size_t len);

#endif
