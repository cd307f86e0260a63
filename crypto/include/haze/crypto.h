/* haze crypto: the primitives tls and ssh need. Allocation-free,
 * freestanding, constant-time; depends on core only.
 *
 * One header per area, all included here:
 *   util.h    constant-time compare/select, wipe, CPU dispatch
 *   hash.h    SHA-256/384/512, HMAC, HKDF, TLS 1.2 PRF
 *   aes.h     AES-128/192/256, CTR, CBC, GHASH, GCM
 *   chacha.h  ChaCha20, Poly1305, RFC 8439 AEAD, XChaCha20-Poly1305,
 *             chacha20-poly1305@openssh.com
 *   c25519.h  X25519, Ed25519
 *   ecp.h     P-256, P-384: ECDH, ECDSA (RFC 6979)
 *   rsa.h     RSA PKCS#1 v1.5 and PSS, verify and sign
 *   drbg.h    the CSPRNG, seeded from the shim
 * Errors are core's: HZ_ERR_AUTH (tag or signature did not verify),
 * HZ_ERR_BAD_KEY, HZ_ERR_INVALID, HZ_ERR_MALFORMED, HZ_ERR_NO_SPACE. */
#ifndef HAZE_CRYPTO_H
#define HAZE_CRYPTO_H

#include "haze/core.h"
#include "haze/crypto/util.h"
#include "haze/crypto/hash.h"
#include "haze/crypto/aes.h"
#include "haze/crypto/chacha.h"
#include "haze/crypto/c25519.h"
#include "haze/crypto/ecp.h"
#include "haze/crypto/rsa.h"
#include "haze/crypto/drbg.h"

#endif
