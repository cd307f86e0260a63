/* AES-NI and PCLMULQDQ on 128-bit registers (x86-64, chosen at run time).
 *
 * GHASH works on byte-reversed blocks (the "V domain" of aes_inner.h):
 * after PSHUFB the register holds the block as a 128-bit integer whose bit
 * 127 is GCM's bit 0. The carry-less product of two such integers is the
 * reflected product shifted right by one bit, so each reduction first
 * shifts the 256-bit product left by one, then folds its low half up with
 * x^128 = x^7 + x^2 + x + 1 (right shifts by 1, 2, 7 in this view).
 * Bulk GHASH is aggregated: eight blocks X1..X8 are multiplied by
 * H^8..H^1 (Karatsuba, three PCLMULQDQ each), summed, and reduced once.
 * The GCM loop interleaves eight counter blocks of AES rounds with the
 * GHASH of eight ciphertext blocks so both units stay busy. */
#include "aes_inner.h"

#include <immintrin.h>

#define T HZ_CRYPTO_TARGET("aes,pclmul,ssse3,sse4.1")

static inline T __m128i bswap128(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
}

static inline T __m128i ld(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

static inline T void st(void *p, __m128i x)
{
	_mm_storeu_si128((__m128i *)p, x);
}

/* ---- AES ---- */

T void aes_ni_schedule(uint64_t sk[120], const uint8_t *rk, unsigned rounds)
{
	/* Encryption keys as they are; decryption keys for the Equivalent
	 * Inverse Cipher (FIPS 197 5.3.5): reversed, InvMixColumns applied to
	 * all but the outer two. */
	for (unsigned r = 0; r <= rounds; r++)
		st(sk + 2 * r, ld(rk + 16 * r));
	st(sk + 60, ld(rk + 16 * rounds));
	for (unsigned r = 1; r < rounds; r++)
		st(sk + 60 + 2 * r, _mm_aesimc_si128(ld(rk + 16 * (rounds - r))));
	st(sk + 60 + 2 * rounds, ld(rk));
}

static inline T __m128i enc1(const uint64_t *sk, unsigned rounds, __m128i x)
{
	x = _mm_xor_si128(x, ld(sk));
	for (unsigned r = 1; r < rounds; r++)
		x = _mm_aesenc_si128(x, ld(sk + 2 * r));
	return _mm_aesenclast_si128(x, ld(sk + 2 * rounds));
}

static inline T __m128i dec1(const uint64_t *sk, unsigned rounds, __m128i x)
{
	const uint64_t *dk = sk + 60;

	x = _mm_xor_si128(x, ld(dk));
	for (unsigned r = 1; r < rounds; r++)
		x = _mm_aesdec_si128(x, ld(dk + 2 * r));
	return _mm_aesdeclast_si128(x, ld(dk + 2 * rounds));
}

T void aes_ni_encrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16])
{
	st(out, enc1(a->rk, a->rounds, ld(in)));
}

T void aes_ni_decrypt(const struct hz_crypto_aes *a, uint8_t out[16], const uint8_t in[16])
{
	st(out, dec1(a->rk, a->rounds, ld(in)));
}

/* Eight blocks through the cipher at once (AESENC latency hiding). */
static inline T void enc8(const uint64_t *sk, unsigned rounds, __m128i *x)
{
	__m128i k = ld(sk);

	for (int i = 0; i < 8; i++)
		x[i] = _mm_xor_si128(x[i], k);
	for (unsigned r = 1; r < rounds; r++) {
		k = ld(sk + 2 * r);
		for (int i = 0; i < 8; i++)
			x[i] = _mm_aesenc_si128(x[i], k);
	}
	k = ld(sk + 2 * rounds);
	for (int i = 0; i < 8; i++)
		x[i] = _mm_aesenclast_si128(x[i], k);
}

static inline T void dec8(const uint64_t *sk, unsigned rounds, __m128i *x)
{
	const uint64_t *dk = sk + 60;
	__m128i k = ld(dk);

	for (int i = 0; i < 8; i++)
		x[i] = _mm_xor_si128(x[i], k);
	for (unsigned r = 1; r < rounds; r++) {
		k = ld(dk + 2 * r);
		for (int i = 0; i < 8; i++)
			x[i] = _mm_aesdec_si128(x[i], k);
	}
	k = ld(dk + 2 * rounds);
	for (int i = 0; i < 8; i++)
		x[i] = _mm_aesdeclast_si128(x[i], k);
}

/* The 128-bit counter as two host words; block i is (hi, lo) + i with the
 * carry taken without a branch. */
T void aes_ni_ctr(const struct hz_crypto_aes *a, uint8_t ctr[16], uint8_t *out, const uint8_t *in, size_t nblocks)
{
	uint64_t hi = hz_be64_load(ctr), lo = hz_be64_load(ctr + 8);
	__m128i x[8];

	while (nblocks > 0) {
		size_t n = nblocks < 8 ? nblocks : 8;

		for (size_t i = 0; i < 8; i++) {
			uint64_t l = lo + i;
			uint64_t h = hi + (l < lo);

			x[i] = bswap128(_mm_set_epi64x((long long)h, (long long)l));
		}
		enc8(a->rk, a->rounds, x);
		for (size_t i = 0; i < n; i++)
			st(out + 16 * i, _mm_xor_si128(x[i], ld(in + 16 * i)));
		hi += (lo + n < lo);
		lo += n;
		out += 16 * n;
		in += 16 * n;
		nblocks -= n;
	}
	hz_be64_store(ctr, hi);
	hz_be64_store(ctr + 8, lo);
}

T void aes_ni_cbc_encrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t nblocks)
{
	__m128i c = ld(iv);

	for (size_t i = 0; i < nblocks; i++) {
		c = enc1(a->rk, a->rounds, _mm_xor_si128(c, ld(in + 16 * i)));
		st(out + 16 * i, c);
	}
	st(iv, c);
}

T void aes_ni_cbc_decrypt(const struct hz_crypto_aes *a, uint8_t iv[16], uint8_t *out, const uint8_t *in, size_t nblocks)
{
	__m128i prev = ld(iv), c[8], x[8];

	while (nblocks >= 8) {
		for (int i = 0; i < 8; i++)
			x[i] = c[i] = ld(in + 16 * i);
		dec8(a->rk, a->rounds, x);
		st(out, _mm_xor_si128(x[0], prev));
		for (int i = 1; i < 8; i++)
			st(out + 16 * i, _mm_xor_si128(x[i], c[i - 1]));
		prev = c[7];
		in += 128;
		out += 128;
		nblocks -= 8;
	}
	for (size_t i = 0; i < nblocks; i++) {
		__m128i ci = ld(in + 16 * i);

		st(out + 16 * i, _mm_xor_si128(dec1(a->rk, a->rounds, ci), prev));
		prev = ci;
	}
	st(iv, prev);
}

/* ---- GHASH ---- */

/* 256-bit Karatsuba accumulators. */
struct acc {
	__m128i lo, hi, mid;
};

/* acc += x * h, hk = h.lo ^ h.hi in the low lane. */
static inline T void mul_acc(struct acc *s, __m128i x, __m128i h, __m128i hk)
{
	__m128i xk = _mm_xor_si128(x, _mm_shuffle_epi32(x, 0x4e));

	s->lo = _mm_xor_si128(s->lo, _mm_clmulepi64_si128(x, h, 0x00));
	s->hi = _mm_xor_si128(s->hi, _mm_clmulepi64_si128(x, h, 0x11));
	s->mid = _mm_xor_si128(s->mid, _mm_clmulepi64_si128(xk, hk, 0x00));
}

static inline T void mul_first(struct acc *s, __m128i x, __m128i h, __m128i hk)
{
	__m128i xk = _mm_xor_si128(x, _mm_shuffle_epi32(x, 0x4e));

	s->lo = _mm_clmulepi64_si128(x, h, 0x00);
	s->hi = _mm_clmulepi64_si128(x, h, 0x11);
	s->mid = _mm_clmulepi64_si128(xk, hk, 0x00);
}

/* Combine, shift left by one, reduce (see the file comment). */
static inline T __m128i reduce(const struct acc *s)
{
	__m128i mid = _mm_xor_si128(s->mid, _mm_xor_si128(s->lo, s->hi));
	__m128i lo = _mm_xor_si128(s->lo, _mm_slli_si128(mid, 8));
	__m128i hi = _mm_xor_si128(s->hi, _mm_srli_si128(mid, 8));
	__m128i clo = _mm_srli_epi64(lo, 63), chi = _mm_srli_epi64(hi, 63);
	__m128i a, r;

	hi = _mm_or_si128(_mm_slli_epi64(hi, 1), _mm_or_si128(_mm_slli_si128(chi, 8), _mm_srli_si128(clo, 8)));
	lo = _mm_or_si128(_mm_slli_epi64(lo, 1), _mm_slli_si128(clo, 8));
	a = _mm_xor_si128(_mm_slli_epi64(lo, 63), _mm_xor_si128(_mm_slli_epi64(lo, 62), _mm_slli_epi64(lo, 57)));
	lo = _mm_xor_si128(lo, _mm_slli_si128(a, 8));
	r = _mm_xor_si128(hi, lo);
	r = _mm_xor_si128(r, _mm_srli_epi64(lo, 1));
	r = _mm_xor_si128(r, _mm_srli_epi64(lo, 2));
	r = _mm_xor_si128(r, _mm_srli_epi64(lo, 7));
	return _mm_xor_si128(r, _mm_srli_si128(a, 8));
}

static inline T __m128i hkey_k(__m128i h)
{
	return _mm_xor_si128(h, _mm_shuffle_epi32(h, 0x4e));
}

static inline T __m128i gf_mul(__m128i a, __m128i b)
{
	struct acc s;

	mul_first(&s, a, b, hkey_k(b));
	return reduce(&s);
}

T void ghash_ni_powers(uint64_t hp[][2], unsigned n)
{
	__m128i h = ld(hp[0]), p = h;

	for (unsigned i = 1; i < n; i++) {
		p = gf_mul(p, h);
		st(hp[i], p);
	}
}

/* y = (y ^ X_1) H^n ^ X_2 H^(n-1) ^ ... ^ X_n H, n <= 8 (with hk[i] the
 * Karatsuba halves of H^(i+1)). */
static inline T __m128i ghash_n(__m128i y, const uint64_t hp[][2], const __m128i *hk, const uint8_t *p, unsigned n)
{
	struct acc s;

	mul_first(&s, _mm_xor_si128(y, bswap128(ld(p))), ld(hp[n - 1]), hk[n - 1]);
	for (unsigned i = 1; i < n; i++)
		mul_acc(&s, bswap128(ld(p + 16 * i)), ld(hp[n - 1 - i]), hk[n - 1 - i]);
	return reduce(&s);
}

T void ghash_ni(uint64_t y[2], const uint64_t hp[][2], const uint8_t *data, size_t nblocks)
{
	__m128i hk[8], acc = ld(y);
	unsigned nk = nblocks < 8 ? (unsigned)nblocks : 8;

	for (unsigned i = 0; i < nk; i++)
		hk[i] = hkey_k(ld(hp[i]));
	while (nblocks >= 8) {
		acc = ghash_n(acc, hp, hk, data, 8);
		data += 128;
		nblocks -= 8;
	}
	if (nblocks)
		acc = ghash_n(acc, hp, hk, data, (unsigned)nblocks);
	st(y, acc);
}

/* ---- GCM ---- */

/* Eight counter blocks from the byte-reversed counter c (32-bit counter in
 * lane 0, SP 800-38D inc32), then XOR with round key 0. */
static inline T void ctr8(__m128i *x, __m128i *c, __m128i k0)
{
	for (int i = 0; i < 8; i++)
		x[i] = _mm_xor_si128(bswap128(_mm_add_epi32(*c, _mm_set_epi32(0, 0, 0, i))), k0);
	*c = _mm_add_epi32(*c, _mm_set_epi32(0, 0, 0, 8));
}

T void gcm_ni_blocks(const struct hz_crypto_aes_gcm *g, uint8_t ctr[16], uint64_t y[2],
		     uint8_t *out, const uint8_t *in, size_t nblocks, int enc)
{
	const uint64_t *sk = g->aes.rk;
	const uint64_t(*hp)[2] = (const uint64_t(*)[2])g->h;
	unsigned rounds = g->aes.rounds;
	__m128i hk[8], x[8], c = bswap128(ld(ctr)), acc = ld(y), k;
	const uint8_t *gh = NULL;   /* ciphertext batch still to hash (seal) */
	struct acc s;

	for (int i = 0; i < 8; i++)
		hk[i] = hkey_k(ld(hp[i]));
	while (nblocks >= 8) {
		/* The batch to hash: this one's input when opening, the previous
		 * batch's output when sealing. */
		const uint8_t *hb = enc ? gh : in;

		ctr8(x, &c, ld(sk));
		if (hb) {
			mul_first(&s, _mm_xor_si128(acc, bswap128(ld(hb))), ld(hp[7]), hk[7]);
			for (unsigned r = 1; r < 8; r++) {
				k = ld(sk + 2 * r);
				for (int i = 0; i < 8; i++)
					x[i] = _mm_aesenc_si128(x[i], k);
				mul_acc(&s, bswap128(ld(hb + 16 * r)), ld(hp[7 - r]), hk[7 - r]);
			}
			k = ld(sk + 16);
			for (int i = 0; i < 8; i++)
				x[i] = _mm_aesenc_si128(x[i], k);
			acc = reduce(&s);
			for (unsigned r = 9; r < rounds; r++) {
				k = ld(sk + 2 * r);
				for (int i = 0; i < 8; i++)
					x[i] = _mm_aesenc_si128(x[i], k);
			}
		} else {
			for (unsigned r = 1; r < rounds; r++) {
				k = ld(sk + 2 * r);
				for (int i = 0; i < 8; i++)
					x[i] = _mm_aesenc_si128(x[i], k);
			}
		}
		k = ld(sk + 2 * rounds);
		for (int i = 0; i < 8; i++)
			st(out + 16 * i, _mm_xor_si128(_mm_aesenclast_si128(x[i], k), ld(in + 16 * i)));
		gh = out;
		in += 128;
		out += 128;
		nblocks -= 8;
	}
	if (enc && gh)
		acc = ghash_n(acc, hp, hk, gh, 8);
	if (nblocks) {
		/* The last 1..7 blocks. */
		if (!enc)
			acc = ghash_n(acc, hp, hk, in, (unsigned)nblocks);
		ctr8(x, &c, ld(sk));
		for (unsigned r = 1; r < rounds; r++) {
			k = ld(sk + 2 * r);
			for (size_t i = 0; i < nblocks; i++)
				x[i] = _mm_aesenc_si128(x[i], k);
		}
		k = ld(sk + 2 * rounds);
		for (size_t i = 0; i < nblocks; i++)
			st(out + 16 * i, _mm_xor_si128(_mm_aesenclast_si128(x[i], k), ld(in + 16 * i)));
		if (enc)
			acc = ghash_n(acc, hp, hk, out, (unsigned)nblocks);
		c = _mm_sub_epi32(c, _mm_set_epi32(0, 0, 0, (int)(8 - nblocks)));
	}
	st(ctr, bswap128(c));
	st(y, acc);
}
