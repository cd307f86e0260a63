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
 * also covers a kernel side whose MTU was raised to 64 KiB, and a large
 * TCP segment of the receive offload (an IPv4 packet of up to 65535 bytes
 * behind a VLAN-tagged Ethernet header). */
#define HZ_TAP_FRAME_MAX 65553
/* Frames read per event-loop turn before timers get a chance to run, so a
 * flood cannot starve retransmissions and reassembly expiry. */
#define HZ_TAP_RX_BATCH 64

/* Options of hz_tap_open_flags. */
/* IFF_VNET_HDR: every frame carries a struct virtio_net_hdr. On transmit:
 *  - checksum offload: the netif offers HZ_NETIF_CAP_TX_CSUM, and a
 *    HZ_PBUF_F_CSUM_PARTIAL frame goes out with VIRTIO_NET_HDR_F_NEEDS_CSUM
 *    (the kernel delivers it locally without computing the sum, or
 *    finishes it when it forwards);
 *  - segment coalescing: inside hz_tap_run, consecutive full-sized TCP/IPv4
 *    data segments of one flow (same headers, contiguous sequence numbers,
 *    flags ACK or ACK|PSH) are gathered into one GSO write of up to 64 KiB
 *    (VIRTIO_NET_HDR_GSO_TCPV4): the kernel then runs its receive path
 *    once per 64 KiB instead of once per 1500-byte frame, which is what
 *    GRO does for a NIC. Pending segments are written when a frame that
 *    does not continue them comes, when the batch is full and at the end of
 *    every loop turn (hz_tap_flush), so nothing waits past the turn.
 * On receive (TUNSETOFFLOAD with TUN_F_CSUM | TUN_F_TSO4; t->flags gets
 * HZ_TAP_F_RX_OFFLOAD when the kernel agreed):
 *  - checksum: a frame with VIRTIO_NET_HDR_F_NEEDS_CSUM (a local
 *    CHECKSUM_PARTIAL packet: the TCP/UDP checksum field holds only the
 *    pseudo-header sum) or _F_DATA_VALID (already verified) is given to
 *    the stack with HZ_STACK_RX_CSUM_VALID, so tcp and udp do not sum it.
 *    NEEDS_CSUM on anything but a TCP/UDP-over-IPv4 checksum field is
 *    completed here in software;
 *  - large segments: the kernel may write one TCP/IPv4 segment of up to
 *    64 KiB (VIRTIO_NET_HDR_GSO_TCPV4) instead of MSS-sized frames. It is
 *    fed to the stack whole, as one segment (ethif, ipv4 and tcp take
 *    packets larger than the MTU on receive), as GRO would deliver it.
 * Off by default: whatever reads the kernel side of the tap raw (tcpdump,
 * an AF_PACKET relay such as tests/interop/impair.py) then sees frames
 * of up to 64 KiB, as it would on a NIC with GRO; the kernel itself
 * segments them again if it forwards them. */
#define HZ_TAP_F_VNET_HDR 0x1u
/* In t->flags only (set by hz_tap_open_flags, not an option): the kernel
 * accepted the receive offloads of HZ_TAP_F_VNET_HDR (TUNSETOFFLOAD). */
#define HZ_TAP_F_RX_OFFLOAD 0x2u
/* Bytes of struct virtio_net_hdr in front of each frame. */
#define HZ_TAP_VNET_HDR_LEN 10
/* Largest coalesced write: Ethernet + an IPv4 packet of 64 KiB. */
#define HZ_TAP_GSO_MAX (14 + 65535)

/* The tap's own counters (the stack counts the rest). */
struct hz_tap_stats {
	uint64_t rx_frames;       /* frames read from the device */
	uint64_t rx_errors;       /* read(2) failures other than EAGAIN, bad vnet headers */
	uint64_t rx_gso;          /* frames that were one large TCP segment (GSO_TCPV4) */
	uint64_t rx_csum_valid;   /* frames given to the stack with HZ_STACK_RX_CSUM_VALID */
	uint64_t rx_csum_sw;      /* NEEDS_CSUM frames completed here (not TCP/UDP) */
	uint64_t tx_frames;       /* frames taken from the stack and written (alone or coalesced) */
	uint64_t tx_writes;       /* write(2) calls that succeeded */
	uint64_t tx_coalesced;    /* frames that went out inside another frame's GSO write */
	uint64_t tx_would_block;  /* dropped: device queue full (EAGAIN) */
	uint64_t tx_errors;       /* dropped: other write(2) failures, short writes */
};

/* TCP segments being coalesced (HZ_TAP_F_VNET_HDR). */
struct hz_tap_coalesce {
	size_t len;        /* frame bytes in buf after the vnet header; 0: none */
	uint32_t next_seq; /* sequence number the next segment must start at */
	uint16_t hlen;     /* Ethernet + IPv4 + TCP header bytes */
	uint16_t mss;      /* payload of the first segment: the GSO size */
	uint16_t nseg;
	uint16_t csum_start, csum_off; /* the first frame's offload request */
	bool partial;      /* the first frame asked for checksum offload */
	uint8_t buf[HZ_TAP_VNET_HDR_LEN + HZ_TAP_GSO_MAX];
};

struct hz_tap {
	int fd;
	bool created; /* we created the device (it goes away on close) */
	char name[HZ_TAP_NAME_MAX];
	struct hz_netif netif;
	const struct hz_shim *shim;
	struct hz_tap_stats stats;
	unsigned flags;   /* HZ_TAP_F_* in effect */
	bool in_run;      /* inside hz_tap_run: coalescing may hold frames */
	struct hz_tap_coalesce co;
	uint8_t rxbuf[HZ_TAP_VNET_HDR_LEN + HZ_TAP_FRAME_MAX];
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
/* The same with options (HZ_TAP_F_*). When the kernel refuses
 * IFF_VNET_HDR the tap opens without it (logged; t->flags says what is in
 * effect). hz_tap_open is hz_tap_open_flags(..., 0). */
int hz_tap_open_flags(struct hz_tap *t, const char *name, const uint8_t mac[HZ_MAC_LEN],
                      const struct hz_shim *shim, unsigned flags);
/* Write the TCP segments held for coalescing, if any. hz_tap_run does it
 * at the end of every turn; a program with its own loop calls it before
 * it waits. */
void hz_tap_flush(struct hz_tap *t);
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
 * to hz_stack_input (hz_stack_input_meta with the vnet header's checksum
 * verdict under HZ_TAP_F_VNET_HDR) with the same `now`, read once per batch (a batch
 * takes microseconds; the clock is a syscall-free vDSO call, but 64 of
 * them per batch bought nothing); run hz_stack_poll; call the hooks;
 * write coalesced segments (hz_tap_flush); repeat until
 * hz_tap_stop_requested(). When a batch was cut at HZ_TAP_RX_BATCH more
 * frames are waiting, so the next turn skips the wait.
 *
 * Returns HZ_OK after a stop request, or HZ_ERR_INTERNAL if the device
 * failed (the reason is logged). */
int hz_tap_run(struct hz_tap *t, struct hz_stack *s, const struct hz_tap_hooks *hooks);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_TAP_H */
