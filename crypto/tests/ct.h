/* Constant-time check under valgrind memcheck (the ctgrind technique).
 *
 * A check marks its secret inputs undefined with CT_SECRET before calling
 * haze; memcheck then reports every conditional branch and every memory
 * address computed from them ("Conditional jump or move depends on
 * uninitialised value", "Use of uninitialised value of size 8"). Outputs
 * that are public by design (a ciphertext, a public key, a signature) are
 * marked CT_PUBLIC before the check looks at them. Outside valgrind the
 * macros do nothing. The meson test runs each area's binary under
 * valgrind --error-exitcode=1, so any report fails CI. */
#ifndef HAZE_CRYPTO_TESTS_CT_H
#define HAZE_CRYPTO_TESTS_CT_H

#include <valgrind/memcheck.h>

#define CT_SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define CT_PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))

struct ct_entry {
	const char *name;
	void (*fn)(void);
};

/* Runs every entry (table ends with a NULL name) once with all CPU
 * features and once with the portable paths, printing "ct NAME [path]". */
int ct_run(int argc, char **argv, const struct ct_entry *table);

#endif
