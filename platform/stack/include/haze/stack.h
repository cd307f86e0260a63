/*
 * haze stack: one whole IPv4 stack (ethif, arp, ipv4 with ICMP, udp,
 * tcp) composed from the haze libraries, with all of its storage inside
 * struct hz_stack.
 *
 * This is composition only: no allocation and no OS calls, so the same
 * object runs under the tap backend, a pcap replay or a unikernel. A
 * backend's event loop is
 *
 *   hz_stack_init(&s, &cfg, netif, shim, now);
 *   loop:
 *     wait on the device until `deadline` (or a frame arrives);
 *     for each received frame: hz_stack_input(&s, frame, len, now);
 *       (or hz_stack_input_meta with what the device says about it)
 *     deadline = hz_stack_poll(&s, now);
 *
 * Wiring (MirageOS functor application by hand):
 *   netif <- ethif <- arp   (0x0806)
 *                  <- ipv4  (0x0800, through a stack adapter)
 *   ipv4.link -> hz_arp_output (resolves next hops, queues while waiting)
 *   udp and tcp attached to hz_ipv4_ip()
 *
 * Storage sizes are macros, overridable at build time (-DHZ_STACK_...).
 * They change the layout of struct hz_stack, so set them for the whole
 * build (the stack library and every file that includes this header,
 * e.g. meson -Dc_args=-DHZ_STACK_TCP_CONNS=1024), never for one file.
 * struct hz_stack is large (about 4.5 MiB with the defaults: 4.1 MiB of
 * it TCP connections with their rings, the rest reassembly and transmit
 * buffers), so place it in static storage rather than on a thread stack.
 */
#ifndef HAZE_STACK_H
#define HAZE_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "haze/core.h"
#include "haze/ethif.h"
#include "haze/arp.h"
#include "haze/ipv4.h"
#include "haze/udp.h"
#include "haze/tcp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ARP cache entries. */
#ifndef HZ_STACK_ARP_ENTRIES
#define HZ_STACK_ARP_ENTRIES 64
#endif
/* Packets held (by copy) while their next hop is being resolved. Sixteen
 * covers the fragments of one 16 KiB datagram plus a few others. */
#ifndef HZ_STACK_ARP_QUEUE
#define HZ_STACK_ARP_QUEUE 16
#endif
/* Bytes per queued packet: a 1500-byte IP packet plus the Ethernet header
 * arp keeps in front of it (HZ_ARP_QSLOT_HEADROOM), rounded up. A link
 * with a larger MTU still works; its larger packets are just not queued
 * while their next hop is resolved. */
#ifndef HZ_STACK_ARP_QSLOT
#define HZ_STACK_ARP_QSLOT 1536
#endif
/* Datagrams being reassembled at once, and the largest one accepted (the
 * IPv4 maximum; each slot owns a buffer of this size). */
#ifndef HZ_STACK_REASM_SLOTS
#define HZ_STACK_REASM_SLOTS 4
#endif
#ifndef HZ_STACK_REASM_SIZE
#define HZ_STACK_REASM_SIZE 65515 /* 65535 minus a minimal header */
#endif
/* UDP sockets. */
#ifndef HZ_STACK_UDP_SOCKS
#define HZ_STACK_UDP_SOCKS 16
#endif
/* Transmit buffers of ipv4 (ICMP echo replies and errors) and udp. Big
 * enough to answer a ping of any size that reassembles, and to send any
 * UDP datagram (fragmented by ipv4 on the way out). */
#ifndef HZ_STACK_IPV4_TX
#define HZ_STACK_IPV4_TX (65536 + HZ_PBUF_HEADROOM)
#endif
#ifndef HZ_STACK_UDP_TX
#define HZ_STACK_UDP_TX (65536 + HZ_PBUF_HEADROOM)
#endif
/* TCP. Every connection slot owns a send ring and a receive ring of the
 * sizes below, so memory per connection is
 *   sizeof(struct hz_tcp_conn) (560 bytes on x86-64)
 *   + HZ_STACK_TCP_SND_RING + HZ_STACK_TCP_RCV_RING,
 * 33 328 bytes (32.5 KiB) with the defaults: 128 slots take 4.1 MiB;
 * 1024 slots of 16 KiB rings would take 32.5 MiB, 1024 slots of 4 KiB
 * rings 8.5 MiB. The receive ring bounds the window haze advertises (and
 * so the throughput per connection: window / RTT); the send ring bounds
 * data in flight. Slots in TIME-WAIT count against HZ_STACK_TCP_CONNS
 * (the oldest is reclaimed when a new connection needs one). */
#ifndef HZ_STACK_TCP_CONNS
#define HZ_STACK_TCP_CONNS 128
#endif
#ifndef HZ_STACK_TCP_SND_RING
#define HZ_STACK_TCP_SND_RING 16384
#endif
#ifndef HZ_STACK_TCP_RCV_RING
#define HZ_STACK_TCP_RCV_RING 16384
#endif
/* Listening ports (each listener is 64 bytes). */
#ifndef HZ_STACK_TCP_LISTENERS
#define HZ_STACK_TCP_LISTENERS 16
#endif
/* tcp builds each segment here: headroom for ipv4 and Ethernet (+VLAN),
 * the largest TCP header, and one segment's payload. The MSS haze
 * announces is clamped to it, so 1460 bytes of payload fit a 1500-byte
 * MTU; raise it for jumbo frames. */
#ifndef HZ_STACK_TCP_TX
#define HZ_STACK_TCP_TX (HZ_PBUF_HEADROOM + HZ_TCP_HDR_MAX + 1460)
#endif
/* Multicast groups ethif accepts (all-hosts etc.). */
#ifndef HZ_STACK_ETH_GROUPS
#define HZ_STACK_ETH_GROUPS 8
#endif

/* Notable things the stack reports to the application. */
enum hz_stack_event_kind {
	HZ_STACK_EV_ADDR_READY = 1, /* address probed (or announced): in use */
	HZ_STACK_EV_ADDR_CONFLICT,  /* another host claims our address */
	HZ_STACK_EV_RESOLVE_FAILED, /* a next hop did not answer ARP */
	HZ_STACK_EV_RESOLVED,       /* a next hop's MAC was learned */
};

struct hz_stack_event {
	uint8_t kind;      /* enum hz_stack_event_kind */
	uint32_t addr;     /* the IPv4 address concerned, host order */
	uint8_t mac[HZ_MAC_LEN]; /* the other host's MAC for a conflict, else 0 */
	const char *name;  /* a short name for logs ("conflict") */
	hz_time_t now;
};

typedef void (*hz_stack_event_fn)(void *ctx, const struct hz_stack_event *ev);

struct hz_stack_config {
	uint32_t addr;    /* our IPv4 address, host order; 0: none yet */
	uint32_t netmask; /* host order, e.g. 0xffffff00 */
	uint32_t gateway; /* host order; 0: on-link only */
	bool arp_probe;   /* RFC 5227 probe before using addr (else announce at once) */
	hz_stack_event_fn event; /* may be NULL */
	void *event_ctx;
	/* TCP settings (copied at init); NULL: hz_tcp_config_default. */
	const struct hz_tcp_config *tcp;
	/* TCP tables in the caller's storage, for more connections or other
	 * ring sizes than the HZ_STACK_TCP_* tables inside struct hz_stack
	 * (which are then unused). NULL: those built-in tables. A NULL
	 * listeners or txbuf inside it means the built-in ones. The storage
	 * must outlive the stack. */
	const struct hz_tcp_storage *tcp_storage;
};

/* Counters the stack keeps itself (the libraries keep their drops). */
struct hz_stack_stats {
	uint64_t rx_frames;
	uint64_t rx_bytes;
	uint64_t tx_frames;
	uint64_t tx_bytes;
	uint64_t tx_errors; /* netif transmit failed (queue full, device error) */
};

struct hz_stack {
	/* The engines. */
	struct hz_ethif eth;
	struct hz_arp arp;
	struct hz_ipv4 ip;
	struct hz_udp udp;
	struct hz_tcp tcp;

	/* Wiring. */
	const struct hz_netif *dev; /* the backend's netif */
	struct hz_netif netif;      /* what ethif sees: counts, then calls dev */
	struct hz_ipv4_link link;
	const struct hz_shim *shim;
	hz_stack_event_fn event;
	void *event_ctx;
	struct hz_stack_stats stats;
	hz_time_t now;
	uint32_t cfg_netmask; /* given to ipv4 once probing has finished */
	uint32_t cfg_gateway;

	/* Storage. */
	struct hz_ethif_group groups[HZ_STACK_ETH_GROUPS];
	struct hz_arp_entry arp_cache[HZ_STACK_ARP_ENTRIES];
	struct hz_arp_pending arp_pending[HZ_STACK_ARP_QUEUE];
	uint8_t arp_qbuf[HZ_STACK_ARP_QUEUE * HZ_STACK_ARP_QSLOT];
	struct hz_ipv4_reasm_slot reasm_slots[HZ_STACK_REASM_SLOTS];
	uint8_t reasm_buf[HZ_STACK_REASM_SLOTS * HZ_STACK_REASM_SIZE];
	uint8_t ip_tx[HZ_STACK_IPV4_TX];
	struct hz_udp_sock udp_socks[HZ_STACK_UDP_SOCKS];
	uint8_t udp_tx[HZ_STACK_UDP_TX];
	struct hz_tcp_conn tcp_conns[HZ_STACK_TCP_CONNS];
	struct hz_tcp_listener tcp_listeners[HZ_STACK_TCP_LISTENERS];
	uint8_t tcp_tx[HZ_STACK_TCP_TX];
	/* Each slot's default rings: send ring, then receive ring. */
	uint8_t tcp_rings[HZ_STACK_TCP_CONNS * (HZ_STACK_TCP_SND_RING + HZ_STACK_TCP_RCV_RING)];
};

/* Set addr and netmask from "ADDR/PLEN" text (the --ip flag every example
 * application takes). HZ_OK, or HZ_ERR_MALFORMED and cfg unchanged. */
int hz_stack_config_set_ip(struct hz_stack_config *cfg, const char *prefix);
/* Set the gateway from dotted-quad text (the --gw flag). */
int hz_stack_config_set_gw(struct hz_stack_config *cfg, const char *addr);

/* Wire the engines over `netif` and set the address from cfg (which sends
 * a gratuitous ARP, or starts RFC 5227 probing when cfg->arp_probe).
 * `netif` and `shim` must outlive the stack; cfg is copied.
 * Returns HZ_OK or the first engine error (HZ_ERR_INVALID for a bad
 * address or netmask). */
int hz_stack_init(struct hz_stack *s, const struct hz_stack_config *cfg,
                  const struct hz_netif *netif, const struct hz_shim *shim, hz_time_t now);

/* Feed one received frame. The frame is borrowed for the call only.
 * Returns what ethif returned (HZ_OK, or the error that dropped the frame;
 * a drop is also counted under its reason). */
int hz_stack_input(struct hz_stack *s, const uint8_t *frame, size_t len, hz_time_t now);

/* Link-level metadata a backend may pass with a received frame. */
/* The transport (TCP/UDP) checksum was verified by the device, or the
 * frame comes from a source trusted not to corrupt it (a tap's local
 * kernel reporting VIRTIO_NET_HDR_F_NEEDS_CSUM or _DATA_VALID): tcp and
 * udp skip their checksum verification (hz_ip_rx.flags gets
 * HZ_IP_RX_CSUM_VALID). The IPv4 header checksum is still checked, and
 * fragments never carry the flag into a reassembled datagram. */
#define HZ_STACK_RX_CSUM_VALID 0x1u

/* hz_stack_input with link-level metadata (HZ_STACK_RX_*; unknown bits
 * are ignored). hz_stack_input is hz_stack_input_meta(..., 0, now). The
 * frame may be larger than the netif MTU: a receive offload hands over
 * one TCP segment of up to 64 KiB (an IPv4 packet of at most 65535
 * bytes), which the stack takes whole. */
int hz_stack_input_meta(struct hz_stack *s, const uint8_t *frame, size_t len,
                        uint32_t meta_flags, hz_time_t now);

/* Run every engine's timers; returns the earliest next deadline
 * (HZ_TIME_NEVER if none). Call it after input and whenever a deadline
 * passes. */
hz_time_t hz_stack_poll(struct hz_stack *s, hz_time_t now);

/* The engines, for the application (open UDP sockets, listen on TCP
 * ports, query ARP...). */
struct hz_udp *hz_stack_udp(struct hz_stack *s);
struct hz_tcp *hz_stack_tcp(struct hz_stack *s);
struct hz_ipv4 *hz_stack_ipv4(struct hz_stack *s);
struct hz_arp *hz_stack_arp(struct hz_stack *s);
struct hz_ethif *hz_stack_ethif(struct hz_stack *s);
/* The network layer as transports see it. */
const struct hz_ip *hz_stack_ip(struct hz_stack *s);

/* Report every counter: each library's drops[] under its drop-reason name
 * (lib "ethif", "arp", "ipv4", "udp", "tcp"), then the stack's own frame
 * counts (lib "stack": rx_frames, rx_bytes, tx_frames, tx_bytes,
 * tx_errors) and traffic the engines count (ipv4_*, udp_*, and tcp_segs_in,
 * tcp_segs_out, tcp_rsts_out, tcp_conns_used: slots not free, TIME-WAIT
 * included). Zero counters are reported too, so a caller sees every
 * reason. */
void hz_stack_counters(const struct hz_stack *s,
                       void (*fn)(void *ctx, const char *lib, const char *reason, uint64_t value),
                       void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_STACK_H */
