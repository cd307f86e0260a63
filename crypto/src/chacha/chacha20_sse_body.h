/* The 4-block SSE kernel body, included by chacha20_x86.c once per
 * instruction set: the includer defines KERNEL_NAME, KERNEL_TARGET, the
 * rotations ROT16/ROT8 (and any constants they need, via KERNEL_CONSTS)
 * and out128. SSSE3 rotates by 16 and 8 with one byte shuffle; plain SSE2
 * (every x86-64) uses word shuffles and shifts. */
HZ_CRYPTO_TARGET(KERNEL_TARGET)
void KERNEL_NAME(uint8_t *out, const uint8_t *in, const uint32_t st[16])
{
	KERNEL_CONSTS
	__m128i x[16], s[16];

	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++)
		s[i] = _mm_set1_epi32((int)st[i]);
	s[12] = _mm_add_epi32(s[12], _mm_setr_epi32(0, 1, 2, 3));
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++)
		x[i] = s[i];
	for (int i = 0; i < 10; i++)
		DOUBLE_ROUND();
	_Pragma("GCC unroll 16")
	for (int i = 0; i < 16; i++)
		x[i] = _mm_add_epi32(x[i], s[i]);
	/* 4x4 transposes: group g (words 4g..4g+3) of block b goes to
	 * bytes 64b + 16g. */
	_Pragma("GCC unroll 16")
	for (int g = 0; g < 4; g++) {
		__m128i a0 = _mm_unpacklo_epi32(x[4 * g], x[4 * g + 1]);
		__m128i a1 = _mm_unpacklo_epi32(x[4 * g + 2], x[4 * g + 3]);
		__m128i a2 = _mm_unpackhi_epi32(x[4 * g], x[4 * g + 1]);
		__m128i a3 = _mm_unpackhi_epi32(x[4 * g + 2], x[4 * g + 3]);
		size_t o = 16 * (size_t)g;

		out128(out + o, in ? in + o : NULL, _mm_unpacklo_epi64(a0, a1));
		out128(out + o + 64, in ? in + o + 64 : NULL, _mm_unpackhi_epi64(a0, a1));
		out128(out + o + 128, in ? in + o + 128 : NULL, _mm_unpacklo_epi64(a2, a3));
		out128(out + o + 192, in ? in + o + 192 : NULL, _mm_unpackhi_epi64(a2, a3));
	}
}
