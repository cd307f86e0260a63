/* Internal to haze-tcp (and its tests): not installed. */
#ifndef HAZE_TCP_INTERNAL_H
#define HAZE_TCP_INTERNAL_H

#include "haze/tcp.h"

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of data[0..len) under the
 * 128-bit key k[0], k[1] (little-endian halves of the key bytes). */
uint64_t hz_tcp_siphash24(const uint64_t k[2], const void *data, size_t len);

/* CUBIC arithmetic (RFC 9438 4.2), integers only: floor of the cube
 * root; K in ms for a window reduced from wmax to cwnd (bytes, mss);
 * W_cubic(t) in bytes for t ms after the epoch start. */
uint64_t hz_tcp_cbrt(uint64_t x);
uint32_t hz_tcp_cubic_k(uint32_t wmax, uint32_t cwnd, uint32_t mss);
uint64_t hz_tcp_cubic_w(uint32_t origin, uint32_t k_ms, uint64_t t_ms, uint32_t mss);

#endif
