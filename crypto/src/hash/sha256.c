/* SHA-256 (FIPS 180-4): portable compression, padding and the
 * per-call choice of the SHA-NI path. */
#include "hash_inner.h"

const uint32_t hz_crypto_sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define BS0(x) (ROR(x, 2) ^ ROR(x, 13) ^ ROR(x, 22))
#define BS1(x) (ROR(x, 6) ^ ROR(x, 11) ^ ROR(x, 25))
#define SS0(x) (ROR(x, 7) ^ ROR(x, 18) ^ ((x) >> 3))
#define SS1(x) (ROR(x, 17) ^ ROR(x, 19) ^ ((x) >> 10))
/* Ch in its cheaper equivalent form (one op fewer). */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* One round; the caller rotates the names instead of moving the values. */
/* Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)), and this round's b ^ c is the
 * previous round's a ^ b: bc carries it, saving an operation a round. */
#define RND(a, b, c, d, e, f, g, h, k, w) do {                               \
		uint32_t t1_ = h + (k) + (w) + BS1(e) + CH(e, f, g);         \
		uint32_t ab_ = a ^ b;                                        \
		h = t1_ + BS0(a) + (b ^ (ab_ & bc));                         \
		bc = ab_;                                                    \
		d += t1_;                                                    \
	} while (0)
/* W[i] for rounds 16..63 in a 16-word ring (6.2.2 step 1). */
#define SCHED(i) (w[(i) & 15] += SS1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + SS0(w[((i) - 15) & 15]))

#define EIGHT(j, W)                                                          \
	RND(a, b, c, d, e, f, g, h, hz_crypto_sha256_k[(j) + 0], W((j) + 0)); \
	RND(h, a, b, c, d, e, f, g, hz_crypto_sha256_k[(j) + 1], W((j) + 1)); \
	RND(g, h, a, b, c, d, e, f, hz_crypto_sha256_k[(j) + 2], W((j) + 2)); \
	RND(f, g, h, a, b, c, d, e, hz_crypto_sha256_k[(j) + 3], W((j) + 3)); \
	RND(e, f, g, h, a, b, c, d, hz_crypto_sha256_k[(j) + 4], W((j) + 4)); \
	RND(d, e, f, g, h, a, b, c, hz_crypto_sha256_k[(j) + 5], W((j) + 5)); \
	RND(c, d, e, f, g, h, a, b, hz_crypto_sha256_k[(j) + 6], W((j) + 6)); \
	RND(b, c, d, e, f, g, h, a, hz_crypto_sha256_k[(j) + 7], W((j) + 7))
#define WLOAD(i) (w[i])

void hz_crypto_sha256_blocks_portable(uint32_t st[8], const uint8_t *p, size_t n)
{
	uint32_t w[16];

	while (n--) {
		uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint32_t e = st[4], f = st[5], g = st[6], h = st[7];
		uint32_t bc = b ^ c;

		for (int i = 0; i < 16; i++)
			w[i] = hz_be32_load(p + 4 * i);
		EIGHT(0, WLOAD);
		EIGHT(8, WLOAD);
		for (int j = 16; j < 64; j += 16) {
			EIGHT(j, SCHED);
			EIGHT(j + 8, SCHED);
		}
		st[0] += a;
		st[1] += b;
		st[2] += c;
		st[3] += d;
		st[4] += e;
		st[5] += f;
		st[6] += g;
		st[7] += h;
		p += 64;
	}
	hz_crypto_wipe(w, sizeof(w));
}

static void sha256_blocks(uint32_t st[8], const uint8_t *p, size_t n)
{
#if HZ_CRYPTO_ACCEL
	if ((hz_crypto_cpu_features() & HZ_CRYPTO_SHA256_SHANI_FEATURES) == HZ_CRYPTO_SHA256_SHANI_FEATURES) {
		hz_crypto_sha256_blocks_shani(st, p, n);
		return;
	}
#endif
	hz_crypto_sha256_blocks_portable(st, p, n);
}

void hz_crypto_sha256_init(struct hz_crypto_sha256 *c)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	for (int i = 0; i < 8; i++)
		c->h[i] = iv[i];
	c->count = 0;
}

void hz_crypto_sha256_update(struct hz_crypto_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t fill = (size_t)(c->count & 63);

	if (len == 0)
		return;
	c->count += len;
	if (fill) {
		size_t take = 64 - fill;

		if (len < take) {
			__builtin_memcpy(c->buf + fill, p, len);
			return;
		}
		__builtin_memcpy(c->buf + fill, p, take);
		sha256_blocks(c->h, c->buf, 1);
		p += take;
		len -= take;
	}
	if (len >= 64) {
		sha256_blocks(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len)
		__builtin_memcpy(c->buf, p, len);
}

void hz_crypto_sha256_final(struct hz_crypto_sha256 *c, uint8_t out[32])
{
	size_t fill = (size_t)(c->count & 63);

	/* 5.1.1: a one bit, zeros, then the bit length in 64 bits. */
	c->buf[fill++] = 0x80;
	if (fill > 56) {
		__builtin_memset(c->buf + fill, 0, 64 - fill);
		sha256_blocks(c->h, c->buf, 1);
		fill = 0;
	}
	__builtin_memset(c->buf + fill, 0, 56 - fill);
	hz_be64_store(c->buf + 56, c->count << 3);
	sha256_blocks(c->h, c->buf, 1);
	for (int i = 0; i < 8; i++)
		hz_be32_store(out + 4 * i, c->h[i]);
	hz_crypto_wipe(c, sizeof(*c));
}

void hz_crypto_sha256(uint8_t out[32], const void *data, size_t len)
{
	struct hz_crypto_sha256 c;

	hz_crypto_sha256_init(&c);
	hz_crypto_sha256_update(&c, data, len);
	hz_crypto_sha256_final(&c, out);
}
