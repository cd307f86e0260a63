/* Differential checks against OpenSSL's libcrypto (tests and the
 * crypto-diff fuzz harness only).
 *
 * An area exports a table of checks. Each check takes arbitrary bytes
 * (from a seeded generator in the meson test, from libFuzzer in
 * fuzz/crypto-diff), derives one case from them (key, nonce, lengths,
 * message), runs haze and libcrypto, and calls diff_fail on any
 * disagreement. A check must accept every input, even an empty one: the
 * reader below pads with zeros. */
#ifndef HAZE_CRYPTO_TESTS_DIFF_H
#define HAZE_CRYPTO_TESTS_DIFF_H

#include <stddef.h>
#include <stdint.h>

struct diff_in {
	const uint8_t *p;
	size_t n;
};

/* Take len bytes (zeros once the input runs out) into out. */
void diff_take(struct diff_in *in, void *out, size_t len);
uint8_t diff_u8(struct diff_in *in);
uint32_t diff_u32(struct diff_in *in);
/* A number in [0, bound) (bound > 0). */
uint32_t diff_below(struct diff_in *in, uint32_t bound);

/* Report a disagreement (printf-style) and abort. */
void diff_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Compare two buffers; on a difference diff_fail with name and both hexes. */
void diff_eq(const char *name, const void *haze, const void *ossl, size_t len);

typedef void (*diff_fn)(struct diff_in *in);
struct diff_entry {
	const char *name;       /* "aes-gcm", "sha256", ... */
	diff_fn fn;
	unsigned iterations;    /* per CPU path in the meson test */
	size_t input_len;       /* bytes of random input per iteration */
};

/* Driver for the meson test: runs every entry of table (ends with a NULL
 * name) for its iterations with inputs from a seeded generator (seed from
 * argv[1], default fixed), once with all CPU features and once portable.
 * Prints "diff NAME: N cases agree" per entry and path. */
int diff_run(int argc, char **argv, const struct diff_entry *table);

/* The tables of every area (the fuzz harness dispatches over all). */
extern const struct diff_entry diff_hash_table[];
extern const struct diff_entry diff_aes_table[];
extern const struct diff_entry diff_chacha_table[];
extern const struct diff_entry diff_c25519_table[];
extern const struct diff_entry diff_ecp_table[];
extern const struct diff_entry diff_rsa_table[];

#endif
