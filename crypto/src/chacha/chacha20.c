/* ChaCha20 (RFC 8439 §2.1-2.4), the original 64-bit-counter layout and
 * HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2): the portable block function
 * and the per-call choice of the SIMD kernels. */
#include "chacha_inner.h"

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
/* RFC 8439 §2.1 */
#define QR(a, b, c, d) do {                          \
		a += b; d ^= a; d = ROTL(d, 16);     \
		c += d; b ^= c; b = ROTL(b, 12);     \
		a += b; d ^= a; d = ROTL(d, 8);      \
		c += d; b ^= c; b = ROTL(b, 7);      \
	} while (0)

/* §2.1 on four words; only the tests call it (§2.1.1 vector). */
void hz_crypto_chacha_quarter_round(uint32_t v[4])
{
	QR(v[0], v[1], v[2], v[3]);
}

/* The 20 rounds (§2.3) on x in place: ten column + diagonal pairs. */
static void chacha_rounds(uint32_t x[16])
{
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
}

/* One 64-byte keystream block of st (serialized little-endian, §2.3). */
static void chacha_block(uint8_t ks[64], const uint32_t st[16])
{
	uint32_t x[16];

	for (int i = 0; i < 16; i++)
		x[i] = st[i];
	chacha_rounds(x);
	for (int i = 0; i < 16; i++)
		hz_crypto_st_le32(ks + 4 * i, x[i] + st[i]);
	hz_crypto_wipe(x, sizeof(x));
}

static void ctr_add(uint32_t st[16], uint32_t n, int ctr64)
{
	uint32_t lo = st[12] + n;

	if (ctr64)
		st[13] += (uint32_t)(lo < st[12]);
	st[12] = lo;
}

static void xor_bytes(uint8_t *out, const uint8_t *in, const uint8_t *ks, size_t n)
{
	if (in) {
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(in[i] ^ ks[i]);
	} else {
		for (size_t i = 0; i < n; i++)
			out[i] = ks[i];
	}
}

static void portable_xor(uint32_t st[16], uint8_t *out, const uint8_t *in, size_t len, int ctr64)
{
	uint8_t ks[64];

	while (len > 0) {
		size_t n = len < 64 ? len : 64;

		chacha_block(ks, st);
		xor_bytes(out, in, ks, n);
		ctr_add(st, 1, ctr64);
		out += n;
		if (in)
			in += n;
		len -= n;
	}
	hz_crypto_wipe(ks, sizeof(ks));
}

#if HZ_CRYPTO_ACCEL
typedef void (*chacha_kernel)(uint8_t *out, const uint8_t *in, const uint32_t st[16]);

/* The widest kernel enabled (blocks per call), 0 when none. Measured on
 * AMD Zen (tsc cycles): a whole 16-block AVX-512 batch costs less than
 * two portable blocks or one SSSE3 or AVX2 batch, so even a short tail is
 * cheapest through the widest kernel into a buffer. */
static unsigned pick(uint32_t f, chacha_kernel *k)
{
	if (f & HZ_CRYPTO_CPU_AVX512F) {
		*k = hz_crypto_chacha_avx512_16;
		return 16;
	}
	if (f & HZ_CRYPTO_CPU_AVX2) {
		*k = hz_crypto_chacha_avx2_8;
		return 8;
	}
	if (f & HZ_CRYPTO_CPU_SSSE3) {
		*k = hz_crypto_chacha_ssse3_4;
		return 4;
	}
	if (f & HZ_CRYPTO_CPU_SSE2) {
		*k = hz_crypto_chacha_sse2_4;
		return 4;
	}
	return 0;
}

/* The kernels count in word 12 only: with a 64-bit counter, blocks
 * st[12] .. st[12] + used - 1 must not cross a 2^32 boundary. */
static int crosses(const uint32_t st[16], unsigned used, int ctr64)
{
	return ctr64 && st[12] > 0xffffffffu - (used - 1);
}
#endif

void hz_crypto_chacha_walk(uint32_t st[16], uint8_t *out, const uint8_t *in, size_t len, int ctr64)
{
#if HZ_CRYPTO_ACCEL
	chacha_kernel k;
	unsigned nb = pick(hz_crypto_cpu_features(), &k);

	if (nb == 0)
		goto portable;
	/* Whole batches straight from in to out. */
	while (len >= 64 * (size_t)nb) {
		if (crosses(st, nb, ctr64)) {
			/* rare: the carry falls inside this batch */
			portable_xor(st, out, in, 64, ctr64);
			nb = 1;
		} else {
			k(out, in, st);
			ctr_add(st, nb, ctr64);
		}
		out += 64 * (size_t)nb;
		if (in)
			in += 64 * (size_t)nb;
		len -= 64 * (size_t)nb;
		if (nb == 1)
			nb = pick(hz_crypto_cpu_features(), &k);
	}
	/* A tail of more than one block: one batch of keystream. */
	if (len > 64 && !crosses(st, (unsigned)((len + 63) / 64), ctr64)) {
		uint8_t ks[1024];

		k(ks, NULL, st);
		xor_bytes(out, in, ks, len);
		ctr_add(st, (uint32_t)((len + 63) / 64), ctr64);
		hz_crypto_wipe(ks, 64 * (size_t)nb);
		return;
	}
portable:
#endif
	portable_xor(st, out, in, len, ctr64);
}

void hz_crypto_chacha_setup(uint32_t st[16], const uint8_t key[32])
{
	/* "expand 32-byte k" (§2.3) */
	st[0] = 0x61707865;
	st[1] = 0x3320646e;
	st[2] = 0x79622d32;
	st[3] = 0x6b206574;
	for (int i = 0; i < 8; i++)
		st[4 + i] = hz_crypto_le32(key + 4 * i);
}

void hz_crypto_chacha20(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
	const uint8_t nonce[12], uint32_t counter)
{
	uint32_t st[16];

	hz_crypto_chacha_setup(st, key);
	st[12] = counter;
	st[13] = hz_crypto_le32(nonce);
	st[14] = hz_crypto_le32(nonce + 4);
	st[15] = hz_crypto_le32(nonce + 8);
	hz_crypto_chacha_walk(st, out, in, len, 0);
	hz_crypto_wipe(st, sizeof(st));
}

void hz_crypto_chacha20_djb(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[32],
	const uint8_t nonce[8], uint64_t counter)
{
	uint32_t st[16];

	hz_crypto_chacha_setup(st, key);
	st[12] = (uint32_t)counter;
	st[13] = (uint32_t)(counter >> 32);
	st[14] = hz_crypto_le32(nonce);
	st[15] = hz_crypto_le32(nonce + 4);
	hz_crypto_chacha_walk(st, out, in, len, 1);
	hz_crypto_wipe(st, sizeof(st));
}

/* draft-irtf-cfrg-xchacha-03 §2.2: the rounds without the final addition;
 * the subkey is words 0..3 and 12..15. */
void hz_crypto_hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t in[16])
{
	uint32_t x[16];

	hz_crypto_chacha_setup(x, key);
	for (int i = 0; i < 4; i++)
		x[12 + i] = hz_crypto_le32(in + 4 * i);
	chacha_rounds(x);
	for (int i = 0; i < 4; i++) {
		hz_crypto_st_le32(out + 4 * i, x[i]);
		hz_crypto_st_le32(out + 16 + 4 * i, x[12 + i]);
	}
	hz_crypto_wipe(x, sizeof(x));
}
