/* The AEAD constructions over ChaCha20 and Poly1305: RFC 8439 §2.8,
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §2.3) and
 * chacha20-poly1305@openssh.com (OpenSSH PROTOCOL.chacha20poly1305). */
#include "chacha_inner.h"

static const uint8_t zeros[16];

/* RFC 8439 §2.8: the Poly1305 input is aad || pad16 || ct || pad16 ||
 * le64(aad_len) || le64(ct_len). tag_start absorbs aad || pad16 (so the
 * context holds no partial block afterwards), tag_finish the rest after
 * ct. */
static void tag_start(struct hz_crypto_poly1305 *p, const uint8_t polykey[32], const uint8_t *aad,
	size_t aad_len)
{
	hz_crypto_poly1305_init(p, polykey);
	hz_crypto_poly1305_update(p, aad, aad_len);
	hz_crypto_poly1305_update(p, zeros, (16 - aad_len % 16) % 16);
}

static void tag_finish(struct hz_crypto_poly1305 *p, uint8_t tag[16], size_t aad_len, size_t len)
{
	uint8_t lens[16];

	hz_crypto_poly1305_update(p, zeros, (16 - len % 16) % 16);
	hz_crypto_st_le64(lens, (uint64_t)aad_len);
	hz_crypto_st_le64(lens + 8, (uint64_t)len);
	hz_crypto_poly1305_update(p, lens, 16);
	hz_crypto_poly1305_final(p, tag);
}

static void aead_tag(uint8_t tag[16], const uint8_t polykey[32], const uint8_t *aad, size_t aad_len,
	const uint8_t *ct, size_t len)
{
	struct hz_crypto_poly1305 p;

	tag_start(&p, polykey, aad, aad_len);
	hz_crypto_poly1305_update(&p, ct, len);
	tag_finish(&p, tag, aad_len, len);
}

#if HZ_CRYPTO_ACCEL
/* Seal on AVX2 CPUs without AVX-512: the ChaCha20 kernel encrypting
 * 512-byte chunk i also absorbs the ciphertext of chunk i - 1 into
 * Poly1305 with scalar multiplies, which run beside the vector rounds
 * almost for free (0.9 instead of 0.9 + 0.4 cycles/byte). Needs
 * len >= 1024; p has absorbed aad || pad16 (buf_len == 0). */
static void seal_stitched(uint32_t st[16], struct hz_crypto_poly1305 *p, uint8_t *out, const uint8_t *in,
	size_t len)
{
	size_t n = len / 512;

	hz_crypto_chacha_avx2_8(out, in, st);
	st[12] += 8;
	for (size_t i = 1; i < n; i++) {
		hz_crypto_chacha_avx2_8_poly(out + 512 * i, in + 512 * i, st, p->h, p->r, out + 512 * (i - 1));
		st[12] += 8;
	}
	hz_crypto_chacha_walk(st, out + 512 * n, in + 512 * n, len - 512 * n, 0);
	hz_crypto_poly1305_update(p, out + 512 * (n - 1), 512 + len - 512 * n);
}
#endif

/* out = (in ^ keystream) & mask, through a keystream buffer, so no
 * plaintext ever reaches out when mask is 0 (a rejected tag). */
static void masked_xor(uint32_t st[16], uint8_t *out, const uint8_t *in, size_t len, int ctr64,
	uint8_t mask)
{
	uint64_t ks[128];
	uint64_t m64 = (uint64_t)0 - (uint64_t)(mask & 1);

	while (len > 0) {
		size_t n = len < sizeof(ks) ? len : sizeof(ks), i = 0;

		hz_crypto_chacha_walk(st, (uint8_t *)ks, NULL, n, ctr64);
		for (; i + 8 <= n; i += 8) {
			uint64_t w;

			__builtin_memcpy(&w, in + i, 8);
			w = (w ^ ks[i / 8]) & m64;
			__builtin_memcpy(out + i, &w, 8);
		}
		for (; i < n; i++)
			out[i] = (uint8_t)((in[i] ^ ((const uint8_t *)ks)[i]) & mask);
		out += n;
		in += n;
		len -= n;
	}
	hz_crypto_wipe(ks, sizeof(ks));
}

/* State for key and nonce at counter 0; the first 32 bytes of block 0
 * become the Poly1305 key (§2.6) and st moves on to block 1. */
static void ietf_start(uint32_t st[16], uint8_t polykey[32], const uint8_t key[32],
	const uint8_t nonce[12])
{
	uint8_t block[64];

	hz_crypto_chacha_setup(st, key);
	st[12] = 0;
	st[13] = hz_crypto_le32(nonce);
	st[14] = hz_crypto_le32(nonce + 4);
	st[15] = hz_crypto_le32(nonce + 8);
	hz_crypto_chacha_walk(st, block, NULL, 64, 0);
	for (int i = 0; i < 32; i++)
		polykey[i] = block[i];
	hz_crypto_wipe(block, sizeof(block));
}

void hz_crypto_chacha20_poly1305_seal(uint8_t *out, uint8_t tag[16], const uint8_t key[32],
	const uint8_t nonce[12], const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len)
{
	uint32_t st[16];
	uint8_t polykey[32];

	ietf_start(st, polykey, key, nonce);
#if HZ_CRYPTO_ACCEL
	if (len >= 1024 && (hz_crypto_cpu_features() & (HZ_CRYPTO_CPU_AVX2 | HZ_CRYPTO_CPU_AVX512F)) ==
			HZ_CRYPTO_CPU_AVX2) {
		struct hz_crypto_poly1305 p;

		tag_start(&p, polykey, aad, aad_len);
		seal_stitched(st, &p, out, in, len);
		tag_finish(&p, tag, aad_len, len);
	} else
#endif
	{
		hz_crypto_chacha_walk(st, out, in, len, 0);
		aead_tag(tag, polykey, aad, aad_len, out, len);
	}
	hz_crypto_wipe(st, sizeof(st));
	hz_crypto_wipe(polykey, sizeof(polykey));
}

int hz_crypto_chacha20_poly1305_open(uint8_t *out, const uint8_t key[32], const uint8_t nonce[12],
	const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[16])
{
	uint32_t st[16];
	uint8_t polykey[32], want[16];
	uint32_t ok;

	ietf_start(st, polykey, key, nonce);
	aead_tag(want, polykey, aad, aad_len, in, len);
	ok = (uint32_t)hz_crypto_ct_eq(want, tag, 16);
	/* No branch on the verdict: a bad tag decrypts to zeros. */
	masked_xor(st, out, in, len, 0, (uint8_t)hz_ct_mask32(ok));
	hz_crypto_wipe(st, sizeof(st));
	hz_crypto_wipe(polykey, sizeof(polykey));
	hz_crypto_wipe(want, sizeof(want));
	return (int)hz_ct_sel32(ok, (uint32_t)HZ_ERR_AUTH, HZ_OK);
}

/* draft-irtf-cfrg-xchacha-03 §2.3: subkey from the first 16 nonce bytes,
 * the last 8 after four zero bytes. */
static void xchacha_derive(uint8_t subkey[32], uint8_t n12[12], const uint8_t key[32],
	const uint8_t nonce[24])
{
	hz_crypto_hchacha20(subkey, key, nonce);
	for (int i = 0; i < 4; i++)
		n12[i] = 0;
	for (int i = 0; i < 8; i++)
		n12[4 + i] = nonce[16 + i];
}

void hz_crypto_xchacha20_poly1305_seal(uint8_t *out, uint8_t tag[16], const uint8_t key[32],
	const uint8_t nonce[24], const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len)
{
	uint8_t subkey[32], n12[12];

	xchacha_derive(subkey, n12, key, nonce);
	hz_crypto_chacha20_poly1305_seal(out, tag, subkey, n12, aad, aad_len, in, len);
	hz_crypto_wipe(subkey, sizeof(subkey));
}

int hz_crypto_xchacha20_poly1305_open(uint8_t *out, const uint8_t key[32], const uint8_t nonce[24],
	const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[16])
{
	uint8_t subkey[32], n12[12];
	int r;

	xchacha_derive(subkey, n12, key, nonce);
	r = hz_crypto_chacha20_poly1305_open(out, subkey, n12, aad, aad_len, in, len, tag);
	hz_crypto_wipe(subkey, sizeof(subkey));
	return r;
}

/* --- chacha20-poly1305@openssh.com -------------------------------------- */

void hz_crypto_ssh_chachapoly_init(struct hz_crypto_ssh_chachapoly *s, const uint8_t key[64])
{
	/* PROTOCOL.chacha20poly1305: K_2 (main) is the first half, K_1 the second. */
	for (int i = 0; i < 32; i++) {
		s->main_key[i] = key[i];
		s->header_key[i] = key[32 + i];
	}
}

void hz_crypto_ssh_chachapoly_wipe(struct hz_crypto_ssh_chachapoly *s)
{
	hz_crypto_wipe(s, sizeof(*s));
}

/* The original-layout state for key with nonce = be64(seqnr), counter 0. */
static void ssh_state(uint32_t st[16], const uint8_t key[32], uint32_t seqnr)
{
	hz_crypto_chacha_setup(st, key);
	st[12] = 0;
	st[13] = 0;
	/* Nonce bytes are 0,0,0,0 then seqnr big-endian; words are LE. */
	st[14] = 0;
	st[15] = (seqnr >> 24) | ((seqnr >> 8) & 0xff00) | ((seqnr << 8) & 0xff0000) | (seqnr << 24);
}

void hz_crypto_ssh_chachapoly_length(const struct hz_crypto_ssh_chachapoly *s, uint32_t seqnr,
	uint8_t out[4], const uint8_t in[4])
{
	uint32_t st[16];

	ssh_state(st, s->header_key, seqnr);
	hz_crypto_chacha_walk(st, out, in, 4, 1);
	hz_crypto_wipe(st, sizeof(st));
}

/* Poly1305 key: first 32 bytes of main keystream block 0; st moves on to
 * block 1, where the payload starts. */
static void ssh_start(uint32_t st[16], uint8_t polykey[32], const struct hz_crypto_ssh_chachapoly *s,
	uint32_t seqnr)
{
	uint8_t block[64];

	ssh_state(st, s->main_key, seqnr);
	hz_crypto_chacha_walk(st, block, NULL, 64, 1);
	for (int i = 0; i < 32; i++)
		polykey[i] = block[i];
	hz_crypto_wipe(block, sizeof(block));
}

void hz_crypto_ssh_chachapoly_seal(const struct hz_crypto_ssh_chachapoly *s, uint32_t seqnr,
	uint8_t *out, uint8_t tag[16], const uint8_t *in, size_t len)
{
	uint32_t st[16];
	uint8_t polykey[32];

	if (len < 4)
		return;
	hz_crypto_ssh_chachapoly_length(s, seqnr, out, in);
	ssh_start(st, polykey, s, seqnr);
	hz_crypto_chacha_walk(st, out + 4, in + 4, len - 4, 1);
	hz_crypto_poly1305(tag, polykey, out, len);
	hz_crypto_wipe(st, sizeof(st));
	hz_crypto_wipe(polykey, sizeof(polykey));
}

int hz_crypto_ssh_chachapoly_open(const struct hz_crypto_ssh_chachapoly *s, uint32_t seqnr,
	uint8_t *out, const uint8_t *in, size_t len, const uint8_t tag[16])
{
	uint32_t st[16];
	uint8_t polykey[32], want[16];
	uint32_t ok;
	uint8_t mask;

	if (len < 4)
		return HZ_ERR_INVALID;
	ssh_start(st, polykey, s, seqnr);
	hz_crypto_poly1305(want, polykey, in, len);
	ok = (uint32_t)hz_crypto_ct_eq(want, tag, 16);
	mask = (uint8_t)hz_ct_mask32(ok);
	/* Payload first: in may equal out, and the length bytes come first. */
	masked_xor(st, out + 4, in + 4, len - 4, 1, mask);
	ssh_state(st, s->header_key, seqnr);
	masked_xor(st, out, in, 4, 1, mask);
	hz_crypto_wipe(st, sizeof(st));
	hz_crypto_wipe(polykey, sizeof(polykey));
	hz_crypto_wipe(want, sizeof(want));
	return (int)hz_ct_sel32(ok, (uint32_t)HZ_ERR_AUTH, HZ_OK);
}
