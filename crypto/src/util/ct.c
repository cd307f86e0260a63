/* Constant-time compare and select, secure wipe. */
#include "../inner.h"

int hz_crypto_ct_eq(const void *a, const void *b, size_t len)
{
	const uint8_t *x = a, *y = b;
	uint32_t d = 0;

	for (size_t i = 0; i < len; i++)
		d |= (uint32_t)(x[i] ^ y[i]);
	return (int)(1u ^ hz_ct_nonzero32(hz_ct_barrier32(d)));
}

void hz_crypto_ct_select(void *out, const void *a, const void *b, size_t len, uint32_t pick)
{
	uint8_t *o = out;
	const uint8_t *x = a, *y = b;
	uint8_t m = (uint8_t)hz_ct_mask32(pick & 1u);

	for (size_t i = 0; i < len; i++)
		o[i] = (uint8_t)(x[i] ^ (m & (x[i] ^ y[i])));
}

void hz_crypto_wipe(void *p, size_t len)
{
	__builtin_memset(p, 0, len);
	/* The asm claims to read the memory, so the stores above are live. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
}
