/*
 * haze pcap: a platform backend whose "device" is a capture file.
 *
 * Three parts, each usable alone:
 *
 *  - a deterministic shim (struct hz_pcap_shim): randomness from a fixed-seed
 *    PRNG (splitmix64), a log sink to stderr that prefixes the virtual time,
 *    and a clock that reads the virtual time. Two runs with the same seed and
 *    the same input make the same calls with the same values, so their
 *    output is byte-identical;
 *  - a netif (struct hz_pcap_netif) that records every frame the stack
 *    transmits into a pcap file (DLT_EN10MB, microsecond timestamps) stamped
 *    with the virtual time;
 *  - the virtual-time replay loop (struct hz_pcap_replay): frames of an
 *    Ethernet capture (pcap or pcapng, a file or "-" for stdin) are fed to a
 *    haze stack at their capture timestamps, and the stack's timers run at
 *    each deadline that falls before the next frame.
 *
 * Virtual time: hz_time_t microseconds whose origin is the capture's own
 * clock (the Unix epoch), so the output file's timestamps line up with the
 * input's. It never goes backwards: a frame stamped earlier than the
 * previous one is fed at the current virtual time.
 *
 * Like the other backends this is platform code: it uses libc and libpcap.
 * The caller owns every struct (complete types) and must keep the shim,
 * the clock and the netif alive as long as the stack that uses them.
 */
#ifndef HAZE_PCAP_H
#define HAZE_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "haze/core.h"
#include "haze/stack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The seed the tools use unless told otherwise ("haze" in ASCII, then 1).
 * Recorded expected outputs (tests/pcap/data) depend on it. */
#define HZ_PCAP_SEED_DEFAULT UINT64_C(0x68617a6500000001)

/* Timers still run this long after the last frame of a replay, so that
 * retransmissions and announcements due just after the capture ends appear
 * in the output. */
#define HZ_PCAP_TAIL_DEFAULT HZ_SEC(3)

/* Largest frame handled (the snaplen of the output file). */
#define HZ_PCAP_FRAME_MAX 65550

/* ------------------------------------------------------------------ */
/* Deterministic shim                                                  */
/* ------------------------------------------------------------------ */

struct hz_pcap_shim {
	struct hz_shim shim;   /* what the stack is given: &ps->shim */
	uint64_t state;        /* splitmix64 state */
	const hz_time_t *clock; /* the virtual time (see hz_pcap_replay) */
	uint64_t random_calls; /* how many times randomness was asked for */
};

/* Set up a shim whose random() is splitmix64 seeded with `seed`, whose
 * log() writes "haze[<virtual seconds>]: <level>: <line>" to stderr for
 * lines at or below `level`, and whose now() reads *clock. clock must
 * outlive the shim. */
void hz_pcap_shim_init(struct hz_pcap_shim *ps, uint64_t seed, enum hz_log_level level,
                       const hz_time_t *clock);

/* ------------------------------------------------------------------ */
/* Recording netif                                                     */
/* ------------------------------------------------------------------ */

/* Called for every transmitted frame (may be NULL), after it is recorded. */
typedef void (*hz_pcap_tx_fn)(void *ctx, const uint8_t *frame, size_t len, hz_time_t now);

struct hz_pcap_netif {
	struct hz_netif netif; /* what the stack is given: hz_pcap_netif_get() */
	pcap_t *dead;          /* the pcap handle behind the dumper */
	pcap_dumper_t *dumper; /* NULL: frames are counted but not recorded */
	const hz_time_t *clock;
	hz_pcap_tx_fn tx;
	void *tx_ctx;
	uint64_t tx_frames;
	uint64_t tx_bytes;
};

/* Set up the netif with our MAC and MTU (1500 when 0). When path is not
 * NULL, transmitted frames are written to that pcap file ("-": stdout),
 * created or truncated. Timestamps come from *clock. Returns HZ_OK or
 * HZ_ERR_NOT_FOUND (the file cannot be opened; errbuf, of
 * PCAP_ERRBUF_SIZE bytes, says why). */
int hz_pcap_netif_open(struct hz_pcap_netif *n, const char *path, const uint8_t mac[HZ_MAC_LEN],
                       uint16_t mtu, const hz_time_t *clock, char *errbuf);
/* Flush and close the output file. Safe to call twice. */
void hz_pcap_netif_close(struct hz_pcap_netif *n);
const struct hz_netif *hz_pcap_netif_get(const struct hz_pcap_netif *n);

/* ------------------------------------------------------------------ */
/* Replay                                                              */
/* ------------------------------------------------------------------ */

struct hz_pcap_replay_stats {
	uint64_t frames;         /* frames read from the capture */
	uint64_t fed;            /* handed to hz_stack_input */
	uint64_t taken;          /* ... which returned HZ_OK */
	uint64_t truncated;      /* not fed: captured length < wire length */
	uint64_t backwards;      /* timestamps earlier than the virtual clock */
	uint64_t polls;          /* hz_stack_poll calls */
};

/* Application hooks. Every member may be NULL. */
struct hz_pcap_replay_hooks {
	void *ctx;
	/* After each input frame has been fed (and the stack polled). */
	void (*input)(void *ctx, const uint8_t *frame, size_t len, int result, hz_time_t now);
};

struct hz_pcap_replay {
	pcap_t *in;
	bool have_next;       /* next/next_hdr hold the frame read ahead */
	struct pcap_pkthdr next_hdr;
	const uint8_t *next;
	hz_time_t clock;      /* the virtual time: give &r->clock to the shim and netif */
	hz_time_t start;      /* timestamp of the first frame (0: empty capture) */
	hz_time_t last;       /* timestamp of the last frame fed */
	struct hz_pcap_replay_stats stats;
};

/* Open a capture (pcap or pcapng; "-" is stdin) for replay. Only Ethernet
 * (DLT_EN10MB) captures can be fed to a stack. Reads the first frame
 * ahead so that r->start (and r->clock) are its timestamp before the
 * caller initialises the stack. Returns HZ_OK, HZ_ERR_NOT_FOUND (cannot
 * open; errbuf says why) or HZ_ERR_UNSUPPORTED (another link type). */
int hz_pcap_replay_open(struct hz_pcap_replay *r, const char *path, char *errbuf);

/* Feed every frame to s at its timestamp. Before each frame, the stack is
 * polled at every deadline that falls at or before the frame's time; after
 * each frame it is polled at once (the frame may have armed a timer). After
 * the last frame, timers keep running up to last + tail. r->clock holds the
 * virtual time throughout. Returns HZ_OK. */
int hz_pcap_replay_run(struct hz_pcap_replay *r, struct hz_stack *s, hz_time_t tail,
                       const struct hz_pcap_replay_hooks *hooks);

void hz_pcap_replay_close(struct hz_pcap_replay *r);

/* Microseconds since the epoch of a pcap header's timestamp. */
hz_time_t hz_pcap_time(const struct pcap_pkthdr *h);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_PCAP_H */
