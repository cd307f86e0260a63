/* SHA-512 compression with the message schedule in AVX2 registers
 * (FIPS 180-4 6.4.2 step 1, four words at a time) and the rounds in
 * scalar code built for BMI2 (rorx, andn). Compiled only when
 * crypto_accel; sha512.c calls it when hz_crypto_cpu_features() has AVX2
 * and BMI2.
 *
 * Why: the portable rounds are throughput-bound on the integer ALUs, and
 * the schedule costs about a third of their operations. Moved to the
 * vector units, it runs beside the rounds: W+K for rounds t+16..t+19 is
 * computed while rounds t..t+3 run, and read back from a 640-byte stack
 * array. */
#include "hash_inner.h"

#if HZ_CRYPTO_ACCEL
#include <immintrin.h>

#define ROR(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define BS0(x) (ROR(x, 28) ^ ROR(x, 34) ^ ROR(x, 39))
#define BS1(x) (ROR(x, 14) ^ ROR(x, 18) ^ ROR(x, 41))
/* f ^ g is ready before e: two operations on the path from e. */
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* Maj through the carried b ^ c, as in sha512.c. */
#define RND(a, b, c, d, e, f, g, h, i) do {                                  \
		uint64_t t1_ = h + wk[i] + BS1(e) + CH(e, f, g);             \
		uint64_t ab_ = a ^ b;                                        \
		h = t1_ + BS0(a) + (b ^ (ab_ & bc));                         \
		bc = ab_;                                                    \
		d += t1_;                                                    \
	} while (0)

#define FOUR(i)                                                              \
	RND(a, b, c, d, e, f, g, h, (i) + 0);                                 \
	RND(h, a, b, c, d, e, f, g, (i) + 1);                                 \
	RND(g, h, a, b, c, d, e, f, (i) + 2);                                 \
	RND(f, g, h, a, b, c, d, e, (i) + 3)
#define FOUR2(i)                                                             \
	RND(e, f, g, h, a, b, c, d, (i) + 0);                                 \
	RND(d, e, f, g, h, a, b, c, (i) + 1);                                 \
	RND(c, d, e, f, g, h, a, b, (i) + 2);                                 \
	RND(b, c, d, e, f, g, h, a, (i) + 3)

#define VROR(x, n) _mm256_or_si256(_mm256_srli_epi64((x), (n)), _mm256_slli_epi64((x), 64 - (n)))

/* sigma0 = ror 1 ^ ror 8 ^ shr 7 (ror 8 is a byte shuffle) and
 * sigma1 = ror 19 ^ ror 61 ^ shr 6, on four words. */
HZ_CRYPTO_TARGET("avx2")
static inline __m256i ssig0(__m256i x, __m256i ror8)
{
	return _mm256_xor_si256(_mm256_xor_si256(VROR(x, 1), _mm256_shuffle_epi8(x, ror8)), _mm256_srli_epi64(x, 7));
}

HZ_CRYPTO_TARGET("avx2")
static inline __m256i ssig1(__m256i x)
{
	return _mm256_xor_si256(_mm256_xor_si256(VROR(x, 19), VROR(x, 61)), _mm256_srli_epi64(x, 6));
}

/* W[t..t+3] from x0 = W[t-16..t-13], x1 = W[t-12..t-9], x2 = W[t-8..t-5],
 * x3 = W[t-4..t-1]; the result replaces x0 and W+K goes to wk[t..t+3].
 * W[t+2], W[t+3] need sigma1 of W[t], W[t+1]: two halves. */
#define SCHED(t, x0, x1, x2, x3) do {                                        \
		__m256i w15_ = _mm256_alignr_epi8(_mm256_permute2x128_si256((x0), (x1), 0x21), (x0), 8); \
		__m256i w7_ = _mm256_alignr_epi8(_mm256_permute2x128_si256((x2), (x3), 0x21), (x2), 8); \
		__m256i s_ = _mm256_add_epi64(_mm256_add_epi64((x0), w7_), ssig0(w15_, ror8)); \
		__m256i lo_ = ssig1(x3);                                     \
		s_ = _mm256_add_epi64(s_, _mm256_permute2x128_si256(lo_, lo_, 0x81)); \
		__m256i hi_ = ssig1(s_);                                     \
		(x0) = _mm256_add_epi64(s_, _mm256_permute2x128_si256(hi_, hi_, 0x08)); \
		_mm256_store_si256((__m256i *)(void *)(wk + (t)),            \
			_mm256_add_epi64((x0), _mm256_loadu_si256((const __m256i *)(const void *)(hz_crypto_sha512_k + (t))))); \
	} while (0)

/* Rounds t..t+15 with the schedule of t+16..t+31 beside them. (A loop
 * of four: unrolling all 64 rounds made GCC spill the state.) */
#define SIXTEEN(t)                                                           \
	SCHED((t) + 16, x0, x1, x2, x3);                                      \
	FOUR(t);                                                              \
	SCHED((t) + 20, x1, x2, x3, x0);                                      \
	FOUR2((t) + 4);                                                       \
	SCHED((t) + 24, x2, x3, x0, x1);                                      \
	FOUR((t) + 8);                                                        \
	SCHED((t) + 28, x3, x0, x1, x2);                                      \
	FOUR2((t) + 12)

HZ_CRYPTO_TARGET("avx2,bmi2")
void hz_crypto_sha512_blocks_avx2(uint64_t st[8], const uint8_t *p, size_t n)
{
	/* Big-endian words: byte-reverse each 64-bit lane. */
	const __m256i bswap = _mm256_set_epi64x(0x08090a0b0c0d0e0fLL, 0x0001020304050607LL,
						0x08090a0b0c0d0e0fLL, 0x0001020304050607LL);
	/* Rotate each 64-bit lane right by one byte. */
	const __m256i ror8 = _mm256_set_epi64x(0x080f0e0d0c0b0a09LL, 0x0007060504030201LL,
					       0x080f0e0d0c0b0a09LL, 0x0007060504030201LL);
	_Alignas(32) uint64_t wk[80];

	while (n--) {
		uint64_t a = st[0], b = st[1], c = st[2], d = st[3];
		uint64_t e = st[4], f = st[5], g = st[6], h = st[7];
		uint64_t bc = b ^ c;
		__m256i x0, x1, x2, x3;

		x0 = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(const void *)p), bswap);
		x1 = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + 32)), bswap);
		x2 = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + 64)), bswap);
		x3 = _mm256_shuffle_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + 96)), bswap);
		for (int i = 0; i < 16; i += 4) {
			__m256i k_ = _mm256_loadu_si256((const __m256i *)(const void *)(hz_crypto_sha512_k + i));
			__m256i w_ = i == 0 ? x0 : i == 4 ? x1 : i == 8 ? x2 : x3;
			_mm256_store_si256((__m256i *)(void *)(wk + i), _mm256_add_epi64(w_, k_));
		}
		for (int t = 0; t < 64; t += 16) {
			SIXTEEN(t);
		}
		FOUR(64);
		FOUR2(68);
		FOUR(72);
		FOUR2(76);
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
	hz_crypto_wipe(wk, sizeof(wk));
}
#endif
