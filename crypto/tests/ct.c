/* ctgrind driver: see ct.h. */
#include "ct.h"

#include <stdio.h>

#include "haze/crypto.h"

static void run(const struct ct_entry *table, const char *label)
{
	for (const struct ct_entry *e = table; e->name; e++) {
		printf("ct %s [%s]\n", e->name, label);
		fflush(stdout);
		e->fn();
	}
}

int ct_run(int argc, char **argv, const struct ct_entry *table)
{
	(void)argc;
	(void)argv;
	hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	uint32_t f = hz_crypto_cpu_features();
	char label[64];
	snprintf(label, sizeof(label), "cpu 0x%x%s", f, RUNNING_ON_VALGRIND ? ", valgrind" : ", NOT under valgrind");
	run(table, label);
	if (f != 0) {
		hz_crypto_cpu_restrict(0);
		run(table, "portable");
		hz_crypto_cpu_restrict(HZ_CRYPTO_CPU_ALL);
	}
	return 0;
}
