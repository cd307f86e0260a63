/* Private interface of the c25519 area: the Edwards group of Ed25519 and
 * scalars mod L. Field arithmetic is in fe25519.h.
 *
 * Points on -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 5.1) use the extended
 * coordinates of Hisil, Wong, Carter, Dawson, "Twisted Edwards curves
 * revisited" (2008), in the forms below; the addition formulas are
 * complete for this curve (d is not a square), so no input needs a
 * special case and the constant-time paths have no exceptions. */
#ifndef HAZE_CRYPTO_C25519_INNER_H
#define HAZE_CRYPTO_C25519_INNER_H

#include "fe25519.h"

/* Link-level names carry the library prefix (see fe25519.h). */
#define ge_p3_0                      hz_c25519_ge_p3_0
#define ge_p1p1_to_p2                hz_c25519_ge_p1p1_to_p2
#define ge_p1p1_to_p3                hz_c25519_ge_p1p1_to_p3
#define ge_p3_to_cached              hz_c25519_ge_p3_to_cached
#define ge_p2_dbl                    hz_c25519_ge_p2_dbl
#define ge_p3_dbl                    hz_c25519_ge_p3_dbl
#define ge_add                       hz_c25519_ge_add
#define ge_sub                       hz_c25519_ge_sub
#define ge_madd                      hz_c25519_ge_madd
#define ge_msub                      hz_c25519_ge_msub
#define ge_tobytes                   hz_c25519_ge_tobytes
#define ge_frombytes_vartime         hz_c25519_ge_frombytes_vartime
#define ge_scalarmult_base           hz_c25519_ge_scalarmult_base
#define ge_double_scalarmult_vartime hz_c25519_ge_double_scalarmult_vartime
#define sc_reduce64                  hz_c25519_sc_reduce64
#define sc_muladd                    hz_c25519_sc_muladd
#define sc_is_canonical              hz_c25519_sc_is_canonical

/* (X:Y:Z) with x = X/Z, y = Y/Z. */
struct ge_p2 {
	fe X, Y, Z;
};
/* Extended: (X:Y:Z:T), x = X/Z, y = Y/Z, T = XY/Z. */
struct ge_p3 {
	fe X, Y, Z, T;
};
/* Completed, the result of an addition: x = X/Z, y = Y/T. */
struct ge_p1p1 {
	fe X, Y, Z, T;
};
/* Affine, ready for a mixed addition: y + x, y - x, 2 d x y. */
struct ge_niels {
	fe ypx, ymx, xy2d;
};
/* Projective, ready for an addition: Y + X, Y - X, Z, 2 d T. */
struct ge_cached {
	fe YpX, YmX, Z, T2d;
};

void ge_p3_0(struct ge_p3 *h);
void ge_p1p1_to_p2(struct ge_p2 *r, const struct ge_p1p1 *p);
void ge_p1p1_to_p3(struct ge_p3 *r, const struct ge_p1p1 *p);
void ge_p3_to_cached(struct ge_cached *r, const struct ge_p3 *p);
void ge_p2_dbl(struct ge_p1p1 *r, const struct ge_p2 *p);
void ge_p3_dbl(struct ge_p1p1 *r, const struct ge_p3 *p);
void ge_add(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_cached *q);
void ge_sub(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_cached *q);
void ge_madd(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_niels *q);
void ge_msub(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_niels *q);
/* Encode (RFC 8032 5.1.2); works for p2 and p3 (only X, Y, Z are read). */
void ge_tobytes(uint8_t s[32], const fe X, const fe Y, const fe Z);
/* Decode (RFC 8032 5.1.3), strictly: 0 on success; -1 when y >= p, when
 * no x exists, or when x = 0 with the sign bit set. Variable time (public
 * keys only). */
int ge_frombytes_vartime(struct ge_p3 *h, const uint8_t s[32]);
/* h = [a]B, a < 2^255 (a[31] <= 127), constant time in a. */
void ge_scalarmult_base(struct ge_p3 *h, const uint8_t a[32]);
/* r = [a]A + [b]B, a and b < 2^253 public; variable time. */
void ge_double_scalarmult_vartime(struct ge_p2 *r, const uint8_t a[32], const struct ge_p3 *A,
				  const uint8_t b[32]);

/* Scalars mod L (sc25519.c). */
void sc_reduce64(uint8_t out[32], const uint8_t in[64]);
/* out = (a * b + c) mod L for any 256-bit a, b, c. */
void sc_muladd(uint8_t out[32], const uint8_t a[32], const uint8_t b[32], const uint8_t c[32]);
/* 1 when s < L (variable time: for a signature's public S). */
int sc_is_canonical(const uint8_t s[32]);

#endif
