/* Portable constant-time AES and GHASH.
 *
 * AES is bitsliced over 64-bit words: eight words q[0..7] hold bit i of
 * every byte of four blocks in q[i]. Bit position 16*row + 4*col + blk
 * carries byte (row, col) of block blk, so ShiftRows is a rotation inside
 * each 16-bit row and MixColumns needs only whole-word rotations by 16 and
 * 32. SubBytes is the Boyar-Peralta circuit ("A depth-16 circuit for the AES
 * S-box", 2011: 113 XOR/AND/XNOR gates). Nothing indexes memory with data.
 *
 * GHASH multiplies with 64x64 integer multiplications whose operands keep
 * only every fourth bit ("holes"): the carries of each partial product then
 * stay in the holes, which are masked off. The upper half of a carry-less
 * product comes from the bit-reversed operands. */
#include "aes_inner.h"

/* The forward S-box on bitsliced bytes; q[7] is the most significant bit
 * (x0 in the paper). */
static void sbox(uint64_t *q)
{
	uint64_t x0 = q[7], x1 = q[6], x2 = q[5], x3 = q[4];
	uint64_t x4 = q[3], x5 = q[2], x6 = q[1], x7 = q[0];
	uint64_t y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14;
	uint64_t y15, y16, y17, y18, y19, y20, y21;
	uint64_t z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, z10, z11, z12, z13;
	uint64_t z14, z15, z16, z17;
	uint64_t t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13;
	uint64_t t14, t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25;
	uint64_t t26, t27, t28, t29, t30, t31, t32, t33, t34, t35, t36, t37;
	uint64_t t38, t39, t40, t41, t42, t43, t44, t45, t46, t47, t48, t49;
	uint64_t t50, t51, t52, t53, t54, t55, t56, t57, t58, t59, t60, t61;
	uint64_t t62, t63, t64, t65, t66, t67;
	uint64_t s0, s1, s2, s3, s4, s5, s6, s7;

	/* Top linear layer. */
	y14 = x3 ^ x5;
	y13 = x0 ^ x6;
	y9 = x0 ^ x3;
	y8 = x0 ^ x5;
	t0 = x1 ^ x2;
	y1 = t0 ^ x7;
	y4 = y1 ^ x3;
	y12 = y13 ^ y14;
	y2 = y1 ^ x0;
	y5 = y1 ^ x6;
	y3 = y5 ^ y8;
	t1 = x4 ^ y12;
	y15 = t1 ^ x5;
	y20 = t1 ^ x1;
	y6 = y15 ^ x7;
	y10 = y15 ^ t0;
	y11 = y20 ^ y9;
	y7 = x7 ^ y11;
	y17 = y10 ^ y11;
	y19 = y10 ^ y8;
	y16 = t0 ^ y11;
	y21 = y13 ^ y16;
	y18 = x0 ^ y16;

	/* Non-linear middle: inversion in GF(2^4)^2. */
	t2 = y12 & y15;
	t3 = y3 & y6;
	t4 = t3 ^ t2;
	t5 = y4 & x7;
	t6 = t5 ^ t2;
	t7 = y13 & y16;
	t8 = y5 & y1;
	t9 = t8 ^ t7;
	t10 = y2 & y7;
	t11 = t10 ^ t7;
	t12 = y9 & y11;
	t13 = y14 & y17;
	t14 = t13 ^ t12;
	t15 = y8 & y10;
	t16 = t15 ^ t12;
	t17 = t4 ^ t14;
	t18 = t6 ^ t16;
	t19 = t9 ^ t14;
	t20 = t11 ^ t16;
	t21 = t17 ^ y20;
	t22 = t18 ^ y19;
	t23 = t19 ^ y21;
	t24 = t20 ^ y18;
	t25 = t21 ^ t22;
	t26 = t21 & t23;
	t27 = t24 ^ t26;
	t28 = t25 & t27;
	t29 = t28 ^ t22;
	t30 = t23 ^ t24;
	t31 = t22 ^ t26;
	t32 = t31 & t30;
	t33 = t32 ^ t24;
	t34 = t23 ^ t33;
	t35 = t27 ^ t33;
	t36 = t24 & t35;
	t37 = t36 ^ t34;
	t38 = t27 ^ t36;
	t39 = t29 & t38;
	t40 = t25 ^ t39;
	t41 = t40 ^ t37;
	t42 = t29 ^ t33;
	t43 = t29 ^ t40;
	t44 = t33 ^ t37;
	t45 = t42 ^ t41;
	z0 = t44 & y15;
	z1 = t37 & y6;
	z2 = t33 & x7;
	z3 = t43 & y16;
	z4 = t40 & y1;
	z5 = t29 & y7;
	z6 = t42 & y11;
	z7 = t45 & y17;
	z8 = t41 & y10;
	z9 = t44 & y12;
	z10 = t37 & y3;
	z11 = t33 & y4;
	z12 = t43 & y13;
	z13 = t40 & y5;
	z14 = t29 & y2;
	z15 = t42 & y9;
	z16 = t45 & y14;
	z17 = t41 & y8;

	/* Bottom linear layer (with the affine constant as XNORs). */
	t46 = z15 ^ z16;
	t47 = z10 ^ z11;
	t48 = z5 ^ z13;
	t49 = z9 ^ z10;
	t50 = z2 ^ z12;
	t51 = z2 ^ z5;
	t52 = z7 ^ z8;
	t53 = z0 ^ z3;
	t54 = z6 ^ z7;
	t55 = z16 ^ z17;
	t56 = z12 ^ t48;
	t57 = t50 ^ t53;
	t58 = z4 ^ t46;
	t59 = z3 ^ t54;
	t60 = t46 ^ t57;
	t61 = z14 ^ t57;
	t62 = t52 ^ t58;
	t63 = t49 ^ t58;
	t64 = z4 ^ t59;
	t65 = t61 ^ t62;
	t66 = z1 ^ t63;
	s0 = t59 ^ t63;
	s6 = t56 ^ ~t62;
	s7 = t48 ^ ~t60;
	t67 = t64 ^ t65;
	s3 = t53 ^ t66;
	s4 = t51 ^ t66;
	s5 = t47 ^ t65;
	s1 = t64 ^ ~s3;
	s2 = t55 ^ ~t67;

	q[7] = s0;
	q[6] = s1;
	q[5] = s2;
	q[4] = s3;
	q[3] = s4;
	q[2] = s5;
	q[1] = s6;
	q[0] = s7;
}

/* The inverse of the S-box's affine map (FIPS 197 5.3.2): bit i of the
 * result is b[i+2] ^ b[i+5] ^ b[i+7] ^ (0x05 bit i). */
static void inv_affine(uint64_t *q)
{
	uint64_t r[8];

	for (int i = 0; i < 8; i++)
		r[i] = q[(i + 2) & 7] ^ q[(i + 5) & 7] ^ q[(i + 7) & 7];
	r[0] = ~r[0];
	r[2] = ~r[2];
	for (int i = 0; i < 8; i++)
		q[i] = r[i];
}

/* S^-1(y) = inv(A^-1(y)), and inv(w) = A^-1(S(w)), so the inverse S-box
 * is the forward circuit between two inverse affine maps. */
static void inv_sbox(uint64_t *q)
{
	inv_affine(q);
	sbox(q);
	inv_affine(q);
}

/* Transpose the 8x8 bit matrices spread over q[0..7] (an involution). */
static void ortho(uint64_t *q)
{
#define SWAPMOVE(a, b, m, s) do { \
		uint64_t t_ = (((a) >> (s)) ^ (b)) & (m); \
		(b) ^= t_; \
		(a) ^= t_ << (s); \
	} while (0)
	SWAPMOVE(q[0], q[1], 0x5555555555555555u, 1);
	SWAPMOVE(q[2], q[3], 0x5555555555555555u, 1);
	SWAPMOVE(q[4], q[5], 0x5555555555555555u, 1);
	SWAPMOVE(q[6], q[7], 0x5555555555555555u, 1);
	SWAPMOVE(q[0], q[2], 0x3333333333333333u, 2);
	SWAPMOVE(q[1], q[3], 0x3333333333333333u, 2);
	SWAPMOVE(q[4], q[6], 0x3333333333333333u, 2);
	SWAPMOVE(q[5], q[7], 0x3333333333333333u, 2);
	SWAPMOVE(q[0], q[4], 0x0f0f0f0f0f0f0f0fu, 4);
	SWAPMOVE(q[1], q[5], 0x0f0f0f0f0f0f0f0fu, 4);
	SWAPMOVE(q[2], q[6], 0x0f0f0f0f0f0f0f0fu, 4);
	SWAPMOVE(q[3], q[7], 0x0f0f0f0f0f0f0f0fu, 4);
#undef SWAPMOVE
}

/* Byte j of x to byte 2j of the result. */
static inline uint64_t spread(uint32_t x)
{
	uint64_t v = x;

	v = (v | v << 16) & 0x0000ffff0000ffffu;
	v = (v | v << 8) & 0x00ff00ff00ff00ffu;
	return v;
}

static inline uint32_t unspread(uint64_t v)
{
	v &= 0x00ff00ff00ff00ffu;
	v = (v | v >> 8) & 0x0000ffff0000ffffu;
	v = (v | v >> 16) & 0xffffffffu;
	return (uint32_t)v;
}

/* Four blocks into bitsliced form: before the transpose, q[blk] holds the
 * even columns of block blk and q[4 + blk] the odd ones, bytes interleaved
 * so that the transpose lands byte (row, col) at bit 16*row + 4*col + blk. */
static void load4(uint64_t *q, const uint8_t *in)
{
	for (int b = 0; b < 4; b++) {
		const uint8_t *p = in + 16 * b;
		q[b] = spread(hz_crypto_le32(p)) | spread(hz_crypto_le32(p + 8)) << 8;
		q[b + 4] = spread(hz_crypto_le32(p + 4)) | spread(hz_crypto_le32(p + 12)) << 8;
	}
	ortho(q);
}

static void store4(uint8_t *out, uint64_t *q)
{
	ortho(q);
	for (int b = 0; b < 4; b++) {
		uint8_t *p = out + 16 * b;
		hz_crypto_st_le32(p, unspread(q[b]));
		hz_crypto_st_le32(p + 8, unspread(q[b] >> 8));
		hz_crypto_st_le32(p + 4, unspread(q[b + 4]));
		hz_crypto_st_le32(p + 12, unspread(q[b + 4] >> 8));
	}
}

/* Row r (16 bits at 16r) rotated right by 4r bits: column c takes column
 * c + r (FIPS 197 5.1.2). */
static void shift_rows(uint64_t *q)
{
	for (int i = 0; i < 8; i++) {
		uint64_t x = q[i];
		q[i] = (x & 0x000000000000ffffu)
			| ((x >> 4) & 0x000000000fff0000u) | ((x << 12) & 0x00000000f0000000u)
			| ((x >> 8) & 0x000000ff00000000u) | ((x << 8) & 0x0000ff0000000000u)
			| ((x << 4) & 0xfff0000000000000u) | ((x >> 12) & 0x000f000000000000u);
	}
}

static void inv_shift_rows(uint64_t *q)
{
	for (int i = 0; i < 8; i++) {
		uint64_t x = q[i];
		q[i] = (x & 0x000000000000ffffu)
			| ((x << 4) & 0x00000000fff00000u) | ((x >> 12) & 0x00000000000f0000u)
			| ((x >> 8) & 0x000000ff00000000u) | ((x << 8) & 0x0000ff0000000000u)
			| ((x >> 4) & 0x0fff000000000000u) | ((x << 12) & 0xf000000000000000u);
	}
}

static inline uint64_t rotr16(uint64_t x)
{
	return x >> 16 | x << 48;
}

static inline uint64_t rotr32(uint64_t x)
{
	return x >> 32 | x << 32;
}

/* out = 2 s in GF(2^8) per byte (x^8 = x^4 + x^3 + x + 1). */
static void xtime(uint64_t *o, const uint64_t *s)
{
	uint64_t hi = s[7];

	o[7] = s[6];
	o[6] = s[5];
	o[5] = s[4];
	o[4] = s[3] ^ hi;
	o[3] = s[2] ^ hi;
	o[2] = s[1];
	o[1] = s[0] ^ hi;
	o[0] = hi;
}

/* FIPS 197 5.1.3: b_r = 2 a_r + 3 a_{r+1} + a_{r+2} + a_{r+3}
 *                     = 2 (a_r + a_{r+1}) + a_{r+1} + (a_{r+2} + a_{r+3}).
 * rotr16 brings row r+1 to row r. */
static void mix_columns(uint64_t *q)
{
	uint64_t s[8], d[8];

	for (int i = 0; i < 8; i++)
		s[i] = q[i] ^ rotr16(q[i]);
	xtime(d, s);
	for (int i = 0; i < 8; i++)
		q[i] = d[i] ^ rotr16(q[i]) ^ rotr32(s[i]);
}

/* InvMixColumns = MixColumns after multiplying each column by the
 * circulant (05 00 04 00): a_r += 4 (a_r + a_{r+2}). */
static void inv_mix_columns(uint64_t *q)
{
	uint64_t t[8], u[8];

	for (int i = 0; i < 8; i++)
		t[i] = q[i] ^ rotr32(q[i]);
	xtime(u, t);
	xtime(t, u);
	for (int i = 0; i < 8; i++)
		q[i] ^= t[i];
	mix_columns(q);
}

static inline void add_round_key(uint64_t *q, const uint64_t *sk)
{
	for (int i = 0; i < 8; i++)
		q[i] ^= sk[i];
}

void aes_ct_encrypt4(const uint64_t *sk, unsigned rounds, uint8_t out[64], const uint8_t in[64])
{
	uint64_t q[8];

	load4(q, in);
	add_round_key(q, sk);
	for (unsigned r = 1; r < rounds; r++) {
		sbox(q);
		shift_rows(q);
		mix_columns(q);
		add_round_key(q, sk + 8 * r);
	}
	sbox(q);
	shift_rows(q);
	add_round_key(q, sk + 8 * rounds);
	store4(out, q);
	hz_crypto_wipe(q, sizeof(q));
}

void aes_ct_decrypt4(const uint64_t *sk, unsigned rounds, uint8_t out[64], const uint8_t in[64])
{
	uint64_t q[8];

	load4(q, in);
	add_round_key(q, sk + 8 * rounds);
	for (unsigned r = rounds - 1; r > 0; r--) {
		inv_shift_rows(q);
		inv_sbox(q);
		add_round_key(q, sk + 8 * r);
		inv_mix_columns(q);
	}
	inv_shift_rows(q);
	inv_sbox(q);
	add_round_key(q, sk);
	store4(out, q);
	hz_crypto_wipe(q, sizeof(q));
}

/* SubWord (FIPS 197 5.2) through the bitsliced S-box: byte j of w sits at
 * bit j of each plane. */
static void sub_word(uint8_t w[4])
{
	uint64_t q[8];

	for (int i = 0; i < 8; i++) {
		q[i] = 0;
		for (int j = 0; j < 4; j++)
			q[i] |= (uint64_t)((w[j] >> i) & 1) << j;
	}
	sbox(q);
	for (int j = 0; j < 4; j++) {
		uint32_t b = 0;
		for (int i = 0; i < 8; i++)
			b |= (uint32_t)((q[i] >> j) & 1) << i;
		w[j] = (uint8_t)b;
	}
	hz_crypto_wipe(q, sizeof(q));
}

unsigned aes_expand_key(uint8_t rk[240], const uint8_t *key, size_t key_len)
{
	static const uint8_t rcon[10] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36 };
	unsigned nk, rounds, total;
	uint8_t t[4];

	if (key_len != 16 && key_len != 24 && key_len != 32)
		return 0;
	nk = (unsigned)key_len / 4;
	rounds = nk + 6;
	total = 4 * (rounds + 1);
	__builtin_memcpy(rk, key, key_len);
	for (unsigned i = nk; i < total; i++) {
		__builtin_memcpy(t, rk + 4 * (i - 1), 4);
		if (i % nk == 0) {
			uint8_t b = t[0];

			t[0] = t[1];
			t[1] = t[2];
			t[2] = t[3];
			t[3] = b;
			sub_word(t);
			t[0] ^= rcon[i / nk - 1];
		} else if (nk > 6 && i % nk == 4) {
			sub_word(t);
		}
		for (int j = 0; j < 4; j++)
			rk[4 * i + j] = (uint8_t)(rk[4 * (i - nk) + j] ^ t[j]);
	}
	hz_crypto_wipe(t, sizeof(t));
	return rounds;
}

void aes_ct_schedule(uint64_t sk[120], const uint8_t *rk, unsigned rounds)
{
	uint8_t four[64];

	for (unsigned r = 0; r <= rounds; r++) {
		for (int b = 0; b < 4; b++)
			__builtin_memcpy(four + 16 * b, rk + 16 * r, 16);
		load4(sk + 8 * r, four);
	}
	hz_crypto_wipe(four, sizeof(four));
}

/* ---- GHASH ---- */

/* Low 64 bits of the carry-less product x * y. Each operand is split into
 * four parts with one bit in every four; in a partial product a column
 * sums at most 15 ones below bit 64, so its carries never reach the next
 * used column. */
static inline uint64_t bmul64(uint64_t x, uint64_t y)
{
	const uint64_t m0 = 0x1111111111111111u, m1 = 0x2222222222222222u;
	const uint64_t m2 = 0x4444444444444444u, m3 = 0x8888888888888888u;
	uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
	uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
	uint64_t z0, z1, z2, z3;

	z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
	z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
	z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
	z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
	return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

static inline uint64_t rev64(uint64_t x)
{
	x = ((x & 0x5555555555555555u) << 1) | ((x >> 1) & 0x5555555555555555u);
	x = ((x & 0x3333333333333333u) << 2) | ((x >> 2) & 0x3333333333333333u);
	x = ((x & 0x0f0f0f0f0f0f0f0fu) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0fu);
	x = ((x & 0x00ff00ff00ff00ffu) << 8) | ((x >> 8) & 0x00ff00ff00ff00ffu);
	x = ((x & 0x0000ffff0000ffffu) << 16) | ((x >> 16) & 0x0000ffff0000ffffu);
	return x << 32 | x >> 32;
}

/* The key side of a multiplication: H's halves, their XOR (Karatsuba) and
 * the bit-reversed three. */
struct hkey {
	uint64_t h0, h1, h2, r0, r1, r2;
};

static void hkey_set(struct hkey *k, const uint64_t h[2])
{
	k->h0 = h[0];
	k->h1 = h[1];
	k->h2 = h[0] ^ h[1];
	k->r0 = rev64(k->h0);
	k->r1 = rev64(k->h1);
	k->r2 = rev64(k->h2);
}

/* y = y * H. The field elements are bit-reflected (GCM's bit 0 is the
 * integer's bit 127), so the carry-less product of the integers is the
 * reflected product shifted right by one; shift it back and fold the upper
 * half down with x^128 = x^7 + x^2 + x + 1, which in the reflected view
 * is a right shift by 1, 2 and 7. */
static void gmul(uint64_t y[2], const struct hkey *k)
{
	uint64_t y0 = y[0], y1 = y[1], y2 = y0 ^ y1;
	uint64_t r0 = rev64(y0), r1 = rev64(y1), r2 = rev64(y2);
	uint64_t z0 = bmul64(y0, k->h0), z1 = bmul64(y1, k->h1), z2 = bmul64(y2, k->h2);
	uint64_t z0h = rev64(bmul64(r0, k->r0)) >> 1;
	uint64_t z1h = rev64(bmul64(r1, k->r1)) >> 1;
	uint64_t z2h = rev64(bmul64(r2, k->r2)) >> 1;
	uint64_t w0, w1, w2, w3;

	z2 ^= z0 ^ z1;
	z2h ^= z0h ^ z1h;
	w0 = z0;
	w1 = z0h ^ z2;
	w2 = z1 ^ z2h;
	w3 = z1h;
	w3 = w3 << 1 | w2 >> 63;
	w2 = w2 << 1 | w1 >> 63;
	w1 = w1 << 1 | w0 >> 63;
	w0 <<= 1;
	w2 ^= w0 ^ (w0 >> 1) ^ (w0 >> 2) ^ (w0 >> 7);
	w1 ^= (w0 << 63) ^ (w0 << 62) ^ (w0 << 57);
	w3 ^= w1 ^ (w1 >> 1) ^ (w1 >> 2) ^ (w1 >> 7);
	w2 ^= (w1 << 63) ^ (w1 << 62) ^ (w1 << 57);
	y[0] = w2;
	y[1] = w3;
}

void ghash_ct(uint64_t y[2], const uint64_t h[2], const uint8_t *data, size_t nblocks)
{
	struct hkey k;

	hkey_set(&k, h);
	for (size_t i = 0; i < nblocks; i++, data += 16) {
		y[1] ^= hz_be64_load(data);
		y[0] ^= hz_be64_load(data + 8);
		gmul(y, &k);
	}
	hz_crypto_wipe(&k, sizeof(k));
}

void ghash_ct_mul(uint64_t r[2], const uint64_t a[2], const uint64_t b[2])
{
	struct hkey k;
	uint64_t t[2] = { a[0], a[1] };

	hkey_set(&k, b);
	gmul(t, &k);
	r[0] = t[0];
	r[1] = t[1];
	hz_crypto_wipe(&k, sizeof(k));
}
