/* Shared helpers for the ipv4 tests. Packets are built here byte by byte
 * from the RFC 791 layout, and checksums are computed by a deliberately
 * naive RFC 1071 loop, so that the tests do not trust the code under test
 * to produce their expected values. */
#ifndef HZ_IPV4_TEST_HARNESS_H
#define HZ_IPV4_TEST_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/ipv4.h"

#define A(a, b, c, d) HZ_IPV4_ADDR(a, b, c, d)

/* RFC 1071, one 16-bit word at a time, no tricks. */
static inline uint16_t ref_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Build an IPv4 packet per RFC 791 3.1; returns its length. optlen must be
 * a multiple of 4. frag is the raw flags/offset word. */
static inline size_t build_ip(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
                              uint16_t id, uint16_t frag, uint8_t ttl, const uint8_t *opt,
                              size_t optlen, const void *payload, size_t plen)
{
	size_t hl = 20 + optlen;
	buf[0] = (uint8_t)(0x40 | (hl / 4));
	buf[1] = 0;
	wr16(buf + 2, (uint16_t)(hl + plen));
	wr16(buf + 4, id);
	wr16(buf + 6, frag);
	buf[8] = ttl;
	buf[9] = proto;
	buf[10] = buf[11] = 0;
	wr32(buf + 12, src);
	wr32(buf + 16, dst);
	if (optlen)
		memcpy(buf + 20, opt, optlen);
	wr16(buf + 10, ref_csum(buf, hl));
	if (plen)
		memmove(buf + hl, payload, plen);
	return hl + plen;
}

/* An ICMP message: type, code, checksum, 4 bytes "rest", data. */
static inline size_t build_icmp(uint8_t *buf, uint8_t type, uint8_t code, uint32_t rest,
                                const void *data, size_t dlen)
{
	buf[0] = type;
	buf[1] = code;
	buf[2] = buf[3] = 0;
	wr32(buf + 4, rest);
	if (dlen)
		memmove(buf + 8, data, dlen);
	wr16(buf + 2, ref_csum(buf, 8 + dlen));
	return 8 + dlen;
}

static inline void fixed_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	memset(out, 0x5a, len);
}

static const struct hz_shim test_shim = { NULL, fixed_random, NULL, NULL, HZ_LOG_ERROR };

#endif
