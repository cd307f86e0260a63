/*
 * haze tap: run a haze stack on a Linux TUN/TAP device.
 *
 * This is the one place (with the other platform backends) where haze
 * touches the operating system: /dev/net/tun, poll(2), signals,
 * clock_gettime(CLOCK_MONOTONIC), getrandom(2) and stderr.
 *
 * A program does, in order:
 *
 *   static struct hz_tap tap;
 *   static struct hz_stack stack;
 *   struct hz_shim shim;
 *   hz_tap_shim_init(&shim, HZ_LOG_INFO);
 *   hz_tap_open(&tap, "tap0", NULL, &shim);      // attach or create
 *   hz_tap_signals_install();                    // SIGINT/SIGTERM/SIGUSR1
 *   hz_stack_init(&stack, &cfg, hz_tap_netif(&tap), &shim, hz_tap_now());
 *   hz_tap_run(&tap, &stack, &hooks);            // until SIGINT/SIGTERM
 *   hz_tap_close(&tap);
 *
 * The device is opened in IFF_TAP | IFF_NO_PI mode: every read(2) returns
 * one whole Ethernet frame (no packet-information prefix, no FCS) and every
 * write(2) sends one. haze's own MAC address is *not* the kernel tap's MAC:
 * the kernel side of the tap is a separate host on the same wire, so haze
 * uses a configured or random locally administered address.
 */
#ifndef HAZE_TAP_H
#define HAZE_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "haze/core.h"
#include "haze/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Interface names are at most IFNAMSIZ-1 (15) characters on Linux. */
#define HZ_TAP_NAME_MAX 16
/* Largest frame read at once. A tap delivers at most MTU + 18 bytes; this
 * also covers a kernel side whose MTU was raised to 64 KiB. */
#define HZ_TAP_FRAME_MAX 65550
/* Frames read per event-loop turn before timers get a chance to run, so a
 * flood cannot starve retransmissions and reassembly expiry. */
#define HZ_TAP_RX_BATCH 64

/* The tap's own counters (the stack counts the rest). */
struct hz_tap_stats {
	uint64_t rx_frames;       /* frames read from the device */
	uint64_t rx_errors;       /* read(2) failures other than EAGAIN */
	uint64_t tx_frames;       /* frames written whole */
	uint64_t tx_would_block;  /* dropped: device queue full (EAGAIN) */
	uint64_t tx_errors;       /* dropped: other write(2) failures, short writes */
};

struct hz_tap {
	int fd;
	bool created; /* we created the device (it goes away on close) */
	char name[HZ_TAP_NAME_MAX];
	struct hz_netif netif;
	const struct hz_shim *shim;
	struct hz_tap_stats stats;
	uint8_t rxbuf[HZ_TAP_FRAME_MAX];
};

/* Open tap device `name`: attach to an existing tap of that name, or create
 * one (non-persistent: it disappears when the program exits). The file
 * descriptor is nonblocking and close-on-exec.
 *
 * `mac` is haze's own address; NULL picks a random locally administered
 * unicast address through shim->random. The netif MTU is the device's MTU
 * (1500 if it cannot be read). The shim must outlive the tap; it is used to
 * log and for the random MAC.
 *
 * Returns HZ_OK, HZ_ERR_INVALID (bad name), or HZ_ERR_NOT_FOUND (no
 * /dev/net/tun, no permission, or the kernel refused TUNSETIFF: the reason
 * is logged through the shim). */
int hz_tap_open(struct hz_tap *t, const char *name, const uint8_t mac[HZ_MAC_LEN],
                const struct hz_shim *shim);
/* Close the device. Safe on a tap that failed to open or is closed. */
void hz_tap_close(struct hz_tap *t);
/* The netif to hand to hz_stack_init. Valid while the tap is open. */
const struct hz_netif *hz_tap_netif(const struct hz_tap *t);

/* Report the tap's counters as ("tap", reason, value), in the shape of
 * hz_stack_counters, so one callback prints both. */
void hz_tap_counters(const struct hz_tap *t,
                     void (*fn)(void *ctx, const char *lib, const char *reason, uint64_t value),
                     void *ctx);

/* CLOCK_MONOTONIC in microseconds: the `now` of every haze call. */
hz_time_t hz_tap_now(void);

/* A shim for Linux processes: getrandom(2) randomness, a log sink that
 * writes one line per call to stderr ("haze: warn: ..."), and the
 * monotonic clock. Lines above `level` are not formatted. */
void hz_tap_shim_init(struct hz_shim *shim, enum hz_log_level level);

/* Install handlers for SIGINT and SIGTERM (request stop) and SIGUSR1
 * (request the hooks' usr1 callback), and block those signals outside
 * hz_tap_run's wait so none is lost between a check and the wait.
 * Returns HZ_OK or HZ_ERR_INTERNAL. */
int hz_tap_signals_install(void);
/* Ask hz_tap_run to return (also what SIGINT/SIGTERM do). Async-signal-safe. */
void hz_tap_stop(void);
/* Did a stop request arrive? Cleared by hz_tap_signals_install. */
bool hz_tap_stop_requested(void);

/* Application hooks for the event loop. Every member may be NULL/0. */
struct hz_tap_hooks {
	void *ctx;
	/* Called about every `tick_every` microseconds (0: never), after the
	 * stack has been polled. May send through the stack. */
	void (*tick)(void *ctx, hz_time_t now);
	hz_time_t tick_every;
	/* Called once for each SIGUSR1 (coalesced), from the loop, not from
	 * the signal handler, so it may do anything. */
	void (*usr1)(void *ctx, hz_time_t now);
};

/* The event loop: wait (ppoll) until the stack's next deadline, a frame,
 * or a signal; read up to HZ_TAP_RX_BATCH frames until EAGAIN and feed each
 * to hz_stack_input with a fresh monotonic `now`; run hz_stack_poll; call
 * the hooks; repeat until hz_tap_stop_requested().
 *
 * Returns HZ_OK after a stop request, or HZ_ERR_INTERNAL if the device
 * failed (the reason is logged). */
int hz_tap_run(struct hz_tap *t, struct hz_stack *s, const struct hz_tap_hooks *hooks);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_TAP_H */
