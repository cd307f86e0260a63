/* SHA-512 and SHA-384 (FIPS 180-4): portable compression and padding. */
#include "hash_inner.h"

/* FIPS 180-4 4.2.3 */
const uint64_t hz_crypto_sha512_k[80] = {
	0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
	0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
	0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
	0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
	0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
	0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
	0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
	0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
	0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
	0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
	0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
	0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
	0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
	0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
	0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
	0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
	0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
	0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
	0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
	0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define BS0(x) (ROR(x, 28) ^ ROR(x, 34) ^ ROR(x, 39))
#define BS1(x) (ROR(x, 14) ^ ROR(x, 18) ^ ROR(x, 41))
#define SS0(x) (ROR(x, 1) ^ ROR(x, 8) ^ ((x) >> 7))
#define SS1(x) (ROR(x, 19) ^ ROR(x, 61) ^ ((x) >> 6))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)), and this round's b ^ c is the
 * previous round's a ^ b: bc carries it, saving an operation a round. */
#define RND(a, b, c, d, e, f, g, h, k, w) do {                               \
		uint64_t t1_ = h + (k) + (w) + BS1(e) + CH(e, f, g);         \
		uint64_t ab_ = a ^ b;                                        \
		h = t1_ + BS0(a) + (b ^ (ab_ & bc));                         \
		bc = ab_;                                                    \
		d += t1_;                                                    \
	} while (0)
#define SCHED(i) (w[(i) & 15] += SS1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] + SS0(w[((i) - 15) & 15]))
#define WLOAD(i) (w[i])

#define EIGHT(j, W)                                                          \
	RND(a, b, c, d, e, f, g, h, hz_crypto_sha512_k[(j) + 0], W((j) + 0));               \
	RND(h, a, b, c, d, e, f, g, hz_crypto_sha512_k[(j) + 1], W((j) + 1));               \
	RND(g, h, a, b, c, d, e, f, hz_crypto_sha512_k[(j) + 2], W((j) + 2));               \
	RND(f, g, h, a, b, c, d, e, hz_crypto_sha512_k[(j) + 3], W((j) + 3));               \
	RND(e, f, g, h, a, b, c, d, hz_crypto_sha512_k[(j) + 4], W((j) + 4));               \
	RND(d, e, f, g, h, a, b, c, hz_crypto_sha512_k[(j) + 5], W((j) + 5));               \
	RND(c, d, e, f, g, h, a, b, hz_crypto_sha512_k[(j) + 6], W((j) + 6));               \
	RND(b, c, d, e, f, g, h, a, hz_crypto_sha512_k[(j) + 7], W((j) + 7))

void hz_crypto_sha512_blocks_portable(uint64_t st[8], const uint8_t *p, size_t n)
{
	uint64_t w[16];

	while (n--) {
		uint64_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint64_t e = st[4], f = st[5], g = st[6], h = st[7];
		uint64_t bc = b ^ c;

		for (int i = 0; i < 16; i++)
			w[i] = hz_be64_load(p + 8 * i);
		EIGHT(0, WLOAD);
		EIGHT(8, WLOAD);
		for (int j = 16; j < 80; j += 16) {
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
		p += 128;
	}
	hz_crypto_wipe(w, sizeof(w));
}

static void sha512_blocks(uint64_t st[8], const uint8_t *p, size_t n)
{
#if HZ_CRYPTO_ACCEL
	if ((hz_crypto_cpu_features() & HZ_CRYPTO_SHA512_AVX2_FEATURES) == HZ_CRYPTO_SHA512_AVX2_FEATURES) {
		hz_crypto_sha512_blocks_avx2(st, p, n);
		return;
	}
#endif
	hz_crypto_sha512_blocks_portable(st, p, n);
}

static void sha512_start(struct hz_crypto_sha512 *c, const uint64_t iv[8])
{
	for (int i = 0; i < 8; i++)
		c->h[i] = iv[i];
	c->count = 0;
}

void hz_crypto_sha512_init(struct hz_crypto_sha512 *c)
{
	/* FIPS 180-4 5.3.5 */
	static const uint64_t iv[8] = {
		0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
		0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
	};

	sha512_start(c, iv);
}

void hz_crypto_sha384_init(struct hz_crypto_sha512 *c)
{
	/* FIPS 180-4 5.3.4 */
	static const uint64_t iv[8] = {
		0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
		0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
	};

	sha512_start(c, iv);
}

void hz_crypto_sha512_update(struct hz_crypto_sha512 *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t fill = (size_t)(c->count & 127);

	if (len == 0)
		return;
	c->count += len;
	if (fill) {
		size_t take = 128 - fill;

		if (len < take) {
			__builtin_memcpy(c->buf + fill, p, len);
			return;
		}
		__builtin_memcpy(c->buf + fill, p, take);
		sha512_blocks(c->h, c->buf, 1);
		p += take;
		len -= take;
	}
	if (len >= 128) {
		sha512_blocks(c->h, p, len / 128);
		p += len & ~(size_t)127;
		len &= 127;
	}
	if (len)
		__builtin_memcpy(c->buf, p, len);
}

void hz_crypto_sha384_update(struct hz_crypto_sha512 *c, const void *data, size_t len)
{
	hz_crypto_sha512_update(c, data, len);
}

/* Pad (5.1.2: a one bit, zeros, the 128-bit bit length) and write the
 * first outlen bytes of the state. */
static void sha512_finish(struct hz_crypto_sha512 *c, uint8_t *out, size_t outlen)
{
	size_t fill = (size_t)(c->count & 127);

	c->buf[fill++] = 0x80;
	if (fill > 112) {
		__builtin_memset(c->buf + fill, 0, 128 - fill);
		sha512_blocks(c->h, c->buf, 1);
		fill = 0;
	}
	__builtin_memset(c->buf + fill, 0, 112 - fill);
	hz_be64_store(c->buf + 112, c->count >> 61);
	hz_be64_store(c->buf + 120, c->count << 3);
	sha512_blocks(c->h, c->buf, 1);
	for (size_t i = 0; i < outlen / 8; i++)
		hz_be64_store(out + 8 * i, c->h[i]);
	hz_crypto_wipe(c, sizeof(*c));
}

void hz_crypto_sha512_final(struct hz_crypto_sha512 *c, uint8_t out[64])
{
	sha512_finish(c, out, 64);
}

void hz_crypto_sha384_final(struct hz_crypto_sha512 *c, uint8_t out[48])
{
	sha512_finish(c, out, 48);
}

void hz_crypto_sha512(uint8_t out[64], const void *data, size_t len)
{
	struct hz_crypto_sha512 c;

	hz_crypto_sha512_init(&c);
	hz_crypto_sha512_update(&c, data, len);
	hz_crypto_sha512_final(&c, out);
}

void hz_crypto_sha384(uint8_t out[48], const void *data, size_t len)
{
	struct hz_crypto_sha512 c;

	hz_crypto_sha384_init(&c);
	hz_crypto_sha512_update(&c, data, len);
	hz_crypto_sha384_final(&c, out);
}
