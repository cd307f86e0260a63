/*
 * haze stack: one whole dual-stack host (ethif, arp, ipv4 with ICMP,
 * ipv6 with ICMPv6/ND/MLD, udp, tcp) composed from the haze libraries,
 * with all of its storage inside struct hz_stack.
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
 *                  <- ipv6  (0x86DD, through a stack adapter; cfg.ipv6)
 *   ipv4.link -> hz_arp_output (resolves next hops, queues while waiting)
 *   ipv6.link -> a stack adapter over hz_ethif_output (ipv6 resolves its
 *                own next hops with neighbour discovery; multicast groups
 *                map to 33:33:xx:xx:xx:xx, RFC 2464 section 7, and join
 *                ethif's filter)
 *   udp and tcp attached to hz_ipv4_ip() and, with IPv6, hz_ipv6_ip()
 *
 * Storage sizes are macros, overridable at build time (-DHZ_STACK_...).
 * They change the layout of struct hz_stack, so set them for the whole
 * build (the stack library and every file that includes this header,
 * e.g. meson -Dc_args=-DHZ_STACK_TCP_CONNS=1024), never for one file.
 * struct hz_stack is large (about 4.9 MiB with the defaults: 4.1 MiB of
 * it TCP connections with their rings, the rest reassembly and transmit
 * buffers of both families), so place it in static storage rather than on
 * a thread stack.
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
#include "haze/ipv6.h"
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
/* Multicast MACs ethif accepts: IPv4 groups, and for IPv6 all-nodes plus
 * the solicited-node group of every address (RFC 4291 2.7.1) and any
 * group an application joins, at most HZ_IPV6_GROUPS of them. */
#ifndef HZ_STACK_ETH_GROUPS
#define HZ_STACK_ETH_GROUPS (8 + HZ_IPV6_GROUPS)
#endif

/* IPv6 (used only with cfg.ipv6). Neighbour cache entries. */
#ifndef HZ_STACK_IPV6_NEIGH
#define HZ_STACK_IPV6_NEIGH 64
#endif
/* Packets held (by copy) while neighbour discovery resolves their next
 * hop, and the bytes per slot: a 1500-byte IPv6 packet fits. */
#ifndef HZ_STACK_IPV6_QUEUE
#define HZ_STACK_IPV6_QUEUE 16
#endif
#ifndef HZ_STACK_IPV6_QSLOT
#define HZ_STACK_IPV6_QSLOT 1536
#endif
/* Datagrams being reassembled at once, and the largest fragmentable part
 * rebuilt (the IPv6 maximum: each slot owns 40 + this many bytes). */
#ifndef HZ_STACK_IPV6_REASM_SLOTS
#define HZ_STACK_IPV6_REASM_SLOTS 4
#endif
#ifndef HZ_STACK_IPV6_REASM_SIZE
#define HZ_STACK_IPV6_REASM_SIZE 65535
#endif
/* ipv6's transmit buffer: ICMPv6 echo replies (of any ping that
 * reassembles), errors, ND and MLD messages. */
#ifndef HZ_STACK_IPV6_TX
#define HZ_STACK_IPV6_TX (65536 + HZ_PBUF_HEADROOM)
#endif
/* Static IPv6 addresses a config can carry (hz_stack_config_add_ip6). */
#ifndef HZ_STACK_IP6_ADDRS
#define HZ_STACK_IP6_ADDRS 4
#endif

/* Notable things the stack reports to the application. The first four
 * are IPv4 (ARP); the *6 kinds come from the IPv6 engine. */
enum hz_stack_event_kind {
	HZ_STACK_EV_ADDR_READY = 1, /* address probed (or announced): in use */
	HZ_STACK_EV_ADDR_CONFLICT,  /* another host claims our address */
	HZ_STACK_EV_RESOLVE_FAILED, /* a next hop did not answer ARP */
	HZ_STACK_EV_RESOLVED,       /* a next hop's MAC was learned */
	HZ_STACK_EV_ADDR6_READY,    /* DAD done (RFC 4862 5.4): ip/plen in use */
	HZ_STACK_EV_ADDR6_CONFLICT, /* DAD failed: ip is used by mac; not ours */
	HZ_STACK_EV_ADDR6_EXPIRED,  /* valid lifetime over: ip removed */
	HZ_STACK_EV_ROUTER6,        /* default router ip appeared (value: lifetime s) */
	HZ_STACK_EV_ROUTER6_GONE,   /* default router ip expired or withdrew */
	HZ_STACK_EV_RDNSS,          /* DNS servers changed (RFC 8106): hz_ipv6_rdnss_get */
	HZ_STACK_EV_RESOLVE6_FAILED, /* a neighbour did not answer solicitations */
	HZ_STACK_EV_RESOLVED6,      /* a neighbour's MAC was learned */
	HZ_STACK_EV_MTU6,           /* an RA changed the IPv6 link MTU (value) */
};

struct hz_stack_event {
	uint8_t kind;      /* enum hz_stack_event_kind */
	uint32_t addr;     /* IPv4 events: the address concerned, host order; else 0 */
	struct hz_ipaddr ip; /* the address concerned, of either family
	                        (HZ_AF_NONE when the event has none) */
	uint8_t plen;      /* ADDR6_READY, ADDR6_EXPIRED: the prefix length */
	uint32_t value;    /* ROUTER6: lifetime in s; MTU6: the MTU; else 0 */
	uint8_t mac[HZ_MAC_LEN]; /* the other host's MAC for a conflict, the
	                            neighbour's for RESOLVED*, else 0 */
	const char *name;  /* a short name for logs ("conflict", "addr6_ready") */
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

	/* IPv6. Off unless `ipv6` is set (hz_stack_config_add_ip6 and
	 * hz_stack_config_set_gw6 set it): a zeroed config is the IPv4 host
	 * it always was, sending no IPv6 and dropping 0x86DD frames as
	 * ethif.no_handler. With it, hz_stack_init brings ipv6 up: a
	 * link-local address (stable identifier, RFC 7217) and the static
	 * addresses below go through DAD (HZ_STACK_EV_ADDR6_READY each), the
	 * host solicits routers and learns them, their on-link prefixes, MTU
	 * and DNS servers from RAs; udp and tcp run over it too. */
	bool ipv6;
	/* Form addresses from RA prefixes with the A flag (SLAAC, RFC 4862
	 * 5.5.3; stable identifiers, RFC 7217). Needs ipv6. */
	bool slaac;
	/* Static addresses with their prefix length (the prefix is on-link
	 * when plen < 128); ip6[0..n_ip6). */
	struct {
		struct hz_ipaddr addr; /* HZ_AF_INET6 */
		uint8_t plen;
	} ip6[HZ_STACK_IP6_ADDRS];
	uint8_t n_ip6;
	/* A static default router (link-local or on-link); HZ_AF_NONE: none
	 * (routers come from RAs). */
	struct hz_ipaddr gw6;
	/* RFC 7217 secret_key for stable interface identifiers. Keep one
	 * across boots so addresses stay the same; unset: drawn from the
	 * shim's randomness at init (stable only for this run). */
	bool ip6_secret_set;
	uint8_t ip6_secret[16];
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
	struct hz_ipv6 ip6; /* zeroed and unused without cfg.ipv6 */
	struct hz_udp udp;
	struct hz_tcp tcp;

	/* Wiring. */
	const struct hz_netif *dev; /* the backend's netif */
	struct hz_netif netif;      /* what ethif sees: counts, then calls dev */
	struct hz_ipv4_link link;
	struct hz_ipv6_link link6;
	bool ipv6_on;
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
	struct hz_ipv6_neigh ip6_neigh[HZ_STACK_IPV6_NEIGH];
	struct hz_ipv6_pending ip6_pending[HZ_STACK_IPV6_QUEUE];
	uint8_t ip6_qbuf[HZ_STACK_IPV6_QUEUE * HZ_STACK_IPV6_QSLOT];
	struct hz_ipv6_reasm_slot ip6_reasm_slots[HZ_STACK_IPV6_REASM_SLOTS];
	uint8_t ip6_reasm_buf[HZ_STACK_IPV6_REASM_SLOTS * (HZ_IPV6_HDR_LEN + HZ_STACK_IPV6_REASM_SIZE)];
	uint8_t ip6_tx[HZ_STACK_IPV6_TX];
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
/* Add a static IPv6 address from "ADDR/PLEN" text (the --ip6 flag; RFC
 * 4291 2.2 text) and turn cfg->ipv6 on. HZ_OK; HZ_ERR_MALFORMED (not
 * IPv6 text with a length 0..128, or multicast, unspecified, loopback),
 * HZ_ERR_IN_USE (already there) or HZ_ERR_NO_SPACE (HZ_STACK_IP6_ADDRS
 * given), cfg unchanged. */
int hz_stack_config_add_ip6(struct hz_stack_config *cfg, const char *prefix);
/* Set the static IPv6 default router from text (the --gw6 flag) and turn
 * cfg->ipv6 on. HZ_OK, or HZ_ERR_MALFORMED (not IPv6 unicast text). */
int hz_stack_config_set_gw6(struct hz_stack_config *cfg, const char *addr);

/* Wire the engines over `netif` and set the address from cfg (which sends
 * a gratuitous ARP, or starts RFC 5227 probing when cfg->arp_probe).
 * With cfg->ipv6, then start ipv6: add the static addresses and router
 * and bring it up (hz_ipv6_up: link-local address, DAD, router
 * solicitation). `netif` and `shim` must outlive the stack; cfg is copied.
 * Returns HZ_OK or the first engine error (HZ_ERR_INVALID for a bad
 * address, netmask, IPv6 address or router, or cfg->slaac without
 * cfg->ipv6). */
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
 * ports, query ARP...). hz_stack_ipv6 is NULL without cfg.ipv6. */
struct hz_udp *hz_stack_udp(struct hz_stack *s);
struct hz_tcp *hz_stack_tcp(struct hz_stack *s);
struct hz_ipv4 *hz_stack_ipv4(struct hz_stack *s);
struct hz_ipv6 *hz_stack_ipv6(struct hz_stack *s);
struct hz_arp *hz_stack_arp(struct hz_stack *s);
struct hz_ethif *hz_stack_ethif(struct hz_stack *s);
/* The network layer as transports see it: IPv4's, and IPv6's (NULL
 * without cfg.ipv6). */
const struct hz_ip *hz_stack_ip(struct hz_stack *s);
const struct hz_ip *hz_stack_ip6(struct hz_stack *s);

/* Report every counter: each library's drops[] under its drop-reason name
 * (lib "ethif", "arp", "ipv4", "ipv6", "udp", "tcp"), then the stack's own
 * frame counts (lib "stack": rx_frames, rx_bytes, tx_frames, tx_bytes,
 * tx_errors) and traffic the engines count (ipv4_*, ipv6_*: rx_packets,
 * tx_packets, echo_replies, reasm_completed, dad_conflicts, ns_tx, na_tx,
 * rs_tx, ra_rx, ..., udp_*, and tcp_segs_in, tcp_segs_out, tcp_rsts_out,
 * tcp_conns_used: slots not free, TIME-WAIT included). Zero counters are
 * reported too (the ipv6 ones even without cfg.ipv6), so a caller sees
 * every reason. */
void hz_stack_counters(const struct hz_stack *s,
                       void (*fn)(void *ctx, const char *lib, const char *reason, uint64_t value),
                       void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_STACK_H */
