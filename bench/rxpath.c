/* haze-bench-stack: the receive paths Ethernet -> IPv4 -> UDP -> callback
 * and Ethernet -> IPv6 -> UDP -> callback, in frames per second, for haze
 * and for lwIP in the same process over the same frames.
 *
 * The frame mix (deterministic, 4096 frames, replayed round after round):
 *   40%  UDP, 60-byte frame (46-byte IP datagram, 18 payload bytes)
 *   20%  UDP, 576-byte IP datagram
 *   25%  UDP, 1500-byte IP datagram (a full 1514-byte frame)
 *    7%  UDP to a closed port (both stacks answer ICMP port unreachable)
 *    5%  unicast to another host's MAC and IP (switch flooding)
 *    3%  ARP requests from the peer, for us and for other hosts
 * Open-port datagrams go to two bound sockets (7777 and 5353); every
 * checksum is valid, so both stacks verify IP and UDP checksums in full.
 *
 * Both stacks get equivalent wiring: haze's ipv4 sends through arp and
 * ethif to a netif whose transmit discards the frame, lwIP through
 * etharp_output to a linkoutput that does the same; haze's ICMP rate limit
 * is turned off because lwIP has none. lwIP receives each frame as a
 * PBUF_REF pbuf over the same bytes (no copy; one pbuf header allocated
 * per frame, as lwIP requires, from Debian's malloc-backed pools).
 *
 * The IPv6 mix is the same with IPv6 in place of IPv4: datagrams of the
 * same UDP payload as the small class (18 bytes: a 66-byte packet) and of
 * 576- and 1500-byte IP packets; closed-port datagrams (ICMPv6 port
 * unreachable from both); frames to another host's MAC and address; and
 * in place of ARP, neighbour solicitations from the peer to solicited-node
 * groups, for our address (answered) and for another host's. Both stacks
 * have a link-local and a global address, ready at once (no DAD: lwIP
 * gets them PREFERRED, haze dad_transmits 0), no router solicitations or
 * MLD reports from haze (lwIP's MLD reports on join go to the discarding
 * link). Debian's liblwip is built with LWIP_IPV6 (and IPv6 forwarding,
 * which never bounces a packet back out of the interface it came in on:
 * another host's datagram is dropped as cheaply as haze's MAC filter
 * does).
 *
 * Output, medians of 7 rounds in which all four run alternately:
 *   bench rx-eth-ipv4-udp: haze=<frames/s> lwip=<frames/s> ratio=... unit=frames/s
 *   bench rx-eth-ipv6-udp: haze=<frames/s> lwip=<frames/s> ratio=... unit=frames/s
 *   bench rx-eth-ipv6-vs-ipv4-udp: haze=<ipv6 frames/s> haze-ipv4=<frames/s> ratio=... unit=frames/s
 * plus a line per stack on stderr with what was delivered, as a check that
 * both did the same work. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "haze/arp.h"
#include "haze/core.h"
#include "haze/ethif.h"
#include "haze/ipv4.h"
#include "haze/ipv6.h"
#include "haze/udp.h"

#include "lwip/init.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/ip6_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#define NFRAMES 4096
#define ROUNDS 7
#define FRAME_MAX 1514

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x99 };
#define OUR_IP 0x0a000002u
#define PEER_IP 0x0a000001u
#define OTHER_IP 0x0a000063u
/* 2001:db8::2 ours, 2001:db8::1 the peer's, 2001:db8::63 another host's. */
static const uint8_t our6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t other6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x63 };

struct frame {
	uint8_t *p;
	size_t len;
};

static struct frame frames[NFRAMES];
static uint8_t frame_store[NFRAMES][FRAME_MAX];
static uint8_t arp_warmup[60];
static struct frame frames6[NFRAMES];
static uint8_t frame_store6[NFRAMES][FRAME_MAX];
static uint8_t ns_warmup[86];
static size_t ns_warmup_len;

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ */
/* Frame construction (independent of either stack)                    */
/* ------------------------------------------------------------------ */

static void eth_hdr(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	hz_be16_store(f + 12, type);
}

/* An Ethernet + IPv4 + UDP frame; returns its length (padded to 60). */
static size_t udp_frame(uint8_t *f, const uint8_t *dmac, uint32_t src, uint32_t dst, uint16_t sport,
                        uint16_t dport, size_t ip_total, uint16_t id)
{
	size_t ulen = ip_total - 20;
	eth_hdr(f, dmac, peer_mac, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	hz_be16_store(ip + 2, (uint16_t)ip_total);
	hz_be16_store(ip + 4, id);
	hz_be16_store(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = 17;
	hz_be32_store(ip + 12, src);
	hz_be32_store(ip + 16, dst);
	hz_be16_store(ip + 10, hz_csum(ip, 20));
	uint8_t *u = ip + 20;
	hz_be16_store(u, sport);
	hz_be16_store(u + 2, dport);
	hz_be16_store(u + 4, (uint16_t)ulen);
	hz_be16_store(u + 6, 0);
	for (size_t i = 8; i < ulen; i++)
		u[i] = (uint8_t)(i * 7 + id);
	uint8_t ph[12];
	hz_be32_store(ph, src);
	hz_be32_store(ph + 4, dst);
	ph[8] = 0;
	ph[9] = 17;
	hz_be16_store(ph + 10, (uint16_t)ulen);
	uint16_t c = hz_csum_fold(hz_csum_add(hz_csum_add(0, ph, 12), u, ulen));
	hz_be16_store(u + 6, c ? c : 0xffff);
	size_t len = 14 + ip_total;
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

static size_t arp_request(uint8_t *f, uint32_t sender, uint32_t target)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	eth_hdr(f, bcast, peer_mac, 0x0806);
	uint8_t *a = f + 14;
	hz_be16_store(a, 1);
	hz_be16_store(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	hz_be16_store(a + 6, 1);
	memcpy(a + 8, peer_mac, 6);
	hz_be32_store(a + 14, sender);
	memset(a + 18, 0, 6);
	hz_be32_store(a + 24, target);
	memset(f + 42, 0, 18);
	return 60;
}

/* An Ethernet + IPv6 + UDP frame from the peer; returns its length. */
static size_t udp6_frame(uint8_t *f, const uint8_t *dmac, const uint8_t src[16],
                         const uint8_t dst[16], uint16_t sport, uint16_t dport, size_t ip_total,
                         uint16_t id)
{
	size_t ulen = ip_total - 40;
	eth_hdr(f, dmac, peer_mac, 0x86dd);
	uint8_t *ip = f + 14;
	hz_be32_store(ip, 6u << 28);
	hz_be16_store(ip + 4, (uint16_t)ulen);
	ip[6] = 17;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	uint8_t *u = ip + 40;
	hz_be16_store(u, sport);
	hz_be16_store(u + 2, dport);
	hz_be16_store(u + 4, (uint16_t)ulen);
	hz_be16_store(u + 6, 0);
	for (size_t i = 8; i < ulen; i++)
		u[i] = (uint8_t)(i * 7 + id);
	uint8_t ph[40];
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	hz_be32_store(ph + 32, (uint32_t)ulen);
	hz_be32_store(ph + 36, 17);
	uint16_t c = hz_csum_fold(hz_csum_add(hz_csum_add(0, ph, 40), u, ulen));
	hz_be16_store(u + 6, c ? c : 0xffff);
	return 14 + ip_total;
}

/* A neighbour solicitation from the peer (2001:db8::1, with its MAC in a
 * source link-layer address option) for target, to target's
 * solicited-node group (RFC 4861 4.3); returns its length (86). Both
 * stacks learn the peer's MAC from it (7.2.3), so their answers to the
 * peer (advertisements, port unreachables) go out at once instead of
 * waiting in a resolution queue. */
static size_t ns6_frame(uint8_t *f, const uint8_t target[16])
{
	uint8_t group[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	memcpy(group + 13, target + 13, 3);
	uint8_t gmac[6] = { 0x33, 0x33 };
	memcpy(gmac + 2, group + 12, 4);
	eth_hdr(f, gmac, peer_mac, 0x86dd);
	uint8_t *ip = f + 14;
	size_t plen = 32;
	hz_be32_store(ip, 6u << 28);
	hz_be16_store(ip + 4, (uint16_t)plen);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, peer6, 16);
	memcpy(ip + 24, group, 16);
	uint8_t *m = ip + 40;
	memset(m, 0, plen);
	m[0] = 135; /* neighbour solicitation */
	memcpy(m + 8, target, 16);
	m[24] = 1; /* source link-layer address, one unit */
	m[25] = 1;
	memcpy(m + 26, peer_mac, 6);
	uint8_t ph[40];
	memcpy(ph, peer6, 16);
	memcpy(ph + 16, group, 16);
	hz_be32_store(ph + 32, (uint32_t)plen);
	hz_be32_store(ph + 36, 58);
	hz_be16_store(m + 2, hz_csum_fold(hz_csum_add(hz_csum_add(0, ph, 40), m, plen)));
	return 14 + 40 + plen;
}

static unsigned expect_delivered, expect_delivered6;

/* The IPv6 mix: the same classes and draws as build_mix. */
static void build_mix6(void)
{
	uint32_t x = 0x2545f491u;
	expect_delivered6 = 0;
	for (unsigned i = 0; i < NFRAMES; i++) {
		x = x * 1103515245u + 12345u;
		unsigned r = (x >> 8) % 100;
		uint8_t *f = frame_store6[i];
		uint16_t sport = (uint16_t)(20000 + (x >> 20) % 1000);
		uint16_t dport = (x >> 4) & 1 ? 7777 : 5353;
		uint16_t id = (uint16_t)i;
		size_t len;
		if (r < 40) {
			len = udp6_frame(f, our_mac, peer6, our6, sport, dport, 66, id);
			expect_delivered6++;
		} else if (r < 60) {
			len = udp6_frame(f, our_mac, peer6, our6, sport, dport, 576, id);
			expect_delivered6++;
		} else if (r < 85) {
			len = udp6_frame(f, our_mac, peer6, our6, sport, dport, 1500, id);
			expect_delivered6++;
		} else if (r < 92) {
			len = udp6_frame(f, our_mac, peer6, our6, sport, 9999, 66, id);
		} else if (r < 97) {
			len = udp6_frame(f, other_mac, peer6, other6, sport, dport, r & 1 ? 1500 : 66, id);
		} else {
			len = ns6_frame(f, r & 1 ? our6 : other6);
		}
		frames6[i].p = f;
		frames6[i].len = len;
	}
	ns_warmup_len = ns6_frame(ns_warmup, our6);
}

static void build_mix(void)
{
	uint32_t x = 0x2545f491u;
	expect_delivered = 0;
	for (unsigned i = 0; i < NFRAMES; i++) {
		x = x * 1103515245u + 12345u;
		unsigned r = (x >> 8) % 100;
		uint8_t *f = frame_store[i];
		uint16_t sport = (uint16_t)(20000 + (x >> 20) % 1000);
		uint16_t dport = (x >> 4) & 1 ? 7777 : 5353;
		uint16_t id = (uint16_t)i;
		size_t len;
		if (r < 40) {
			len = udp_frame(f, our_mac, PEER_IP, OUR_IP, sport, dport, 46, id);
			expect_delivered++;
		} else if (r < 60) {
			len = udp_frame(f, our_mac, PEER_IP, OUR_IP, sport, dport, 576, id);
			expect_delivered++;
		} else if (r < 85) {
			len = udp_frame(f, our_mac, PEER_IP, OUR_IP, sport, dport, 1500, id);
			expect_delivered++;
		} else if (r < 92) {
			len = udp_frame(f, our_mac, PEER_IP, OUR_IP, sport, 9999, 46, id);
		} else if (r < 97) {
			len = udp_frame(f, other_mac, PEER_IP, OTHER_IP, sport, dport, r & 1 ? 1500 : 46, id);
		} else {
			len = arp_request(f, PEER_IP, r & 1 ? OUR_IP : OTHER_IP);
		}
		frames[i].p = f;
		frames[i].len = len;
	}
	arp_request(arp_warmup, PEER_IP, OUR_IP);
}

/* ------------------------------------------------------------------ */
/* haze                                                                */
/* ------------------------------------------------------------------ */

struct haze_bench {
	struct hz_netif netif;
	struct hz_ethif eth;
	struct hz_ethif_group groups[4];
	struct hz_arp arp;
	struct hz_arp_entry arp_cache[16];
	struct hz_arp_pending arp_pending[4];
	uint8_t arp_qbuf[4 * 1536];
	struct hz_ipv4 ip;
	struct hz_ipv4_link link;
	struct hz_ipv4_reasm_slot reasm_slots[2];
	uint8_t reasm_buf[2 * 16384];
	uint8_t ip_tx[2048];
	struct hz_udp udp;
	struct hz_udp_sock socks[8];
	uint8_t udp_tx[2048];
	struct hz_shim shim;
	uint64_t delivered, bytes, tx_frames;
};

static int haze_transmit(void *ctx, struct hz_pbuf *frame)
{
	struct haze_bench *h = ctx;
	(void)frame;
	h->tx_frames++;
	return HZ_OK;
}

static int haze_ipv4_input(void *ctx, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct haze_bench *h = ctx;
	return hz_ipv4_input(&h->ip, f->payload, f->payload_len, f->cast, now);
}

static void haze_recv(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	struct haze_bench *h = ctx;
	(void)s;
	h->delivered++;
	h->bytes += d->len;
}

static void haze_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++)
		((uint8_t *)out)[i] = (uint8_t)rand();
}

static int haze_setup(struct haze_bench *h)
{
	memset(h, 0, sizeof *h);
	h->shim.random = haze_random;
	h->netif.ctx = h;
	h->netif.transmit = haze_transmit;
	memcpy(h->netif.mac, our_mac, 6);
	h->netif.mtu = 1500;
	hz_ethif_init(&h->eth, &h->netif, h->groups, HZ_ARRAY_LEN(h->groups));
	hz_arp_init(&h->arp, &h->eth, &h->shim, NULL, h->arp_cache, HZ_ARRAY_LEN(h->arp_cache),
	            h->arp_pending, HZ_ARRAY_LEN(h->arp_pending), h->arp_qbuf, 1536);
	if (h->arp.err < 0)
		return h->arp.err;
	int r = hz_ethif_proto_register(&h->eth, HZ_ETHIF_TYPE_IPV4, haze_ipv4_input, h);
	if (r < 0)
		return r;
	h->link.ctx = &h->arp;
	h->link.headroom = HZ_ETHIF_VLAN_HDR_LEN;
	h->link.mtu = 1500;
	h->link.output = hz_arp_output;
	struct hz_ipv4_config cfg;
	hz_ipv4_config_default(&cfg);
	cfg.icmp_rate = 0; /* lwIP does not rate-limit: answer every one */
	hz_ipv4_init(&h->ip, &cfg, &h->link, &h->shim, h->reasm_slots, HZ_ARRAY_LEN(h->reasm_slots),
	             h->reasm_buf, h->ip_tx, sizeof h->ip_tx);
	if ((r = hz_ipv4_addr_set(&h->ip, OUR_IP, 0xffffff00u, 0)) < 0)
		return r;
	if ((r = hz_arp_addr_set(&h->arp, OUR_IP, HZ_SEC(1))) < 0)
		return r;
	hz_udp_init(&h->udp, &h->shim, h->socks, HZ_ARRAY_LEN(h->socks), h->udp_tx, sizeof h->udp_tx);
	if ((r = hz_udp_attach(&h->udp, hz_ipv4_ip(&h->ip))) < 0)
		return r;
	static const uint16_t ports[2] = { 7777, 5353 };
	for (int i = 0; i < 2; i++) {
		struct hz_udp_sock *s = hz_udp_sock_open(&h->udp);
		struct hz_udp_endpoint e;
		memset(&e, 0, sizeof e);
		e.port = ports[i];
		if (!s || (r = hz_udp_sock_bind(s, &e)) < 0)
			return s ? r : HZ_ERR_NO_SPACE;
		hz_udp_sock_set_recv(s, haze_recv, h);
	}
	hz_ethif_input(&h->eth, arp_warmup, sizeof arp_warmup, HZ_SEC(1));
	return HZ_OK;
}

static void haze_pass(struct haze_bench *h, hz_time_t now)
{
	for (unsigned i = 0; i < NFRAMES; i++)
		hz_ethif_input(&h->eth, frames[i].p, frames[i].len, now);
}

/* haze over IPv6: ethif, ipv6 (with its neighbour cache, reassembly and
 * ICMPv6), udp. Tables sized like the IPv4 instance's. */
struct haze6_bench {
	struct hz_netif netif;
	struct hz_ethif eth;
	struct hz_ethif_group groups[16];
	struct hz_ipv6 ip;
	struct hz_ipv6_link link;
	struct hz_ipv6_neigh neigh[16];
	struct hz_ipv6_pending pending[4];
	uint8_t qbuf[4 * 1536];
	struct hz_ipv6_reasm_slot reasm_slots[2];
	uint8_t reasm_buf[2 * (40 + 16384)];
	uint8_t ip_tx[2048];
	struct hz_udp udp;
	struct hz_udp_sock socks[8];
	uint8_t udp_tx[2048];
	struct hz_shim shim;
	uint64_t delivered, bytes, tx_frames;
};

static int haze6_transmit(void *ctx, struct hz_pbuf *frame)
{
	struct haze6_bench *h = ctx;
	(void)frame;
	h->tx_frames++;
	return HZ_OK;
}

static int haze6_input(void *ctx, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct haze6_bench *h = ctx;
	return hz_ipv6_input(&h->ip, f->payload, f->payload_len, f->cast, f->rx_flags, now);
}

/* The link adapter platform/stack uses, for a bench without the stack. */
static int haze6_link_output(void *ctx, struct hz_pbuf *pb, const uint8_t *ll, const uint8_t dst[16])
{
	struct haze6_bench *h = ctx;
	uint8_t mac[6];
	if (!ll) {
		hz_ethif_mcast_ipv6_mac(dst, mac);
		ll = mac;
	}
	return hz_ethif_output(&h->eth, pb, ll, HZ_ETHIF_TYPE_IPV6);
}

static int haze6_link_mcast(void *ctx, const uint8_t group[16], bool join)
{
	struct haze6_bench *h = ctx;
	uint8_t mac[6];
	hz_ethif_mcast_ipv6_mac(group, mac);
	return join ? hz_ethif_mcast_join(&h->eth, mac) : hz_ethif_mcast_leave(&h->eth, mac);
}

static void haze6_recv(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	struct haze6_bench *h = ctx;
	(void)s;
	h->delivered++;
	h->bytes += d->len;
}

static int haze6_setup(struct haze6_bench *h)
{
	memset(h, 0, sizeof *h);
	h->shim.random = haze_random;
	h->netif.ctx = h;
	h->netif.transmit = haze6_transmit;
	memcpy(h->netif.mac, our_mac, 6);
	h->netif.mtu = 1500;
	hz_ethif_init(&h->eth, &h->netif, h->groups, HZ_ARRAY_LEN(h->groups));
	int r = hz_ethif_proto_register(&h->eth, HZ_ETHIF_TYPE_IPV6, haze6_input, h);
	if (r < 0)
		return r;
	h->link.ctx = h;
	h->link.headroom = HZ_ETHIF_VLAN_HDR_LEN;
	h->link.mtu = 1500;
	memcpy(h->link.lladdr, our_mac, 6);
	h->link.output = haze6_link_output;
	h->link.mcast = haze6_link_mcast;
	struct hz_ipv6_config cfg;
	hz_ipv6_config_default(&cfg);
	cfg.icmp_rate = 0;      /* lwIP does not rate-limit: answer every one */
	cfg.dad_transmits = 0;  /* addresses ready at once, as lwIP's */
	cfg.rtr_solicits = 0;
	cfg.mld = false;
	cfg.slaac = false;
	cfg.reasm_max_size = 16384;
	struct hz_ipv6_storage st = {
		.neigh = h->neigh, .nneigh = HZ_ARRAY_LEN(h->neigh),
		.pending = h->pending, .npending = HZ_ARRAY_LEN(h->pending),
		.qbuf = h->qbuf, .qslot = 1536,
		.reasm_slots = h->reasm_slots, .nreasm = HZ_ARRAY_LEN(h->reasm_slots),
		.reasm_buf = h->reasm_buf,
		.txbuf = h->ip_tx, .txcap = sizeof h->ip_tx,
	};
	if ((r = hz_ipv6_init(&h->ip, &cfg, &h->link, &h->shim, &st)) < 0)
		return r;
	struct hz_ipaddr a = { .family = HZ_AF_INET6 };
	memcpy(a.b, our6, 16);
	if ((r = hz_ipv6_addr_add(&h->ip, &a, 64, HZ_SEC(1))) < 0)
		return r;
	if ((r = hz_ipv6_up(&h->ip, HZ_SEC(1))) < 0)
		return r;
	(void)hz_ipv6_poll(&h->ip, HZ_SEC(1));
	hz_udp_init(&h->udp, &h->shim, h->socks, HZ_ARRAY_LEN(h->socks), h->udp_tx, sizeof h->udp_tx);
	if ((r = hz_udp_attach(&h->udp, hz_ipv6_ip(&h->ip))) < 0)
		return r;
	static const uint16_t ports[2] = { 7777, 5353 };
	for (int i = 0; i < 2; i++) {
		struct hz_udp_sock *s = hz_udp_sock_open(&h->udp);
		struct hz_udp_endpoint e;
		memset(&e, 0, sizeof e);
		e.port = ports[i];
		if (!s || (r = hz_udp_sock_bind(s, &e)) < 0)
			return s ? r : HZ_ERR_NO_SPACE;
		hz_udp_sock_set_recv(s, haze6_recv, h);
	}
	const struct hz_ipv6_addr *ours = hz_ipv6_addr_find(&h->ip, our6);
	if (!ours || ours->state != HZ_IPV6_ADDR_PREFERRED)
		return HZ_ERR_BAD_STATE;
	hz_ethif_input(&h->eth, ns_warmup, ns_warmup_len, HZ_SEC(1));
	return HZ_OK;
}

static void haze6_pass(struct haze6_bench *h, hz_time_t now)
{
	for (unsigned i = 0; i < NFRAMES; i++)
		hz_ethif_input(&h->eth, frames6[i].p, frames6[i].len, now);
}

/* ------------------------------------------------------------------ */
/* lwIP                                                                */
/* ------------------------------------------------------------------ */

/* Room beyond sizeof(struct netif), in case the packaged library was built
 * with options that enlarge it (as the peers' lwip-echo does). */
static union {
	struct netif n;
	char room[8192];
} lwip_nifu;
#define lwip_nif (lwip_nifu.n)
static uint64_t lwip_delivered, lwip_bytes, lwip_tx_frames;

static err_t lwip_linkoutput(struct netif *n, struct pbuf *p)
{
	(void)n;
	(void)p;
	lwip_tx_frames++;
	return ERR_OK;
}

static err_t lwip_netif_init(struct netif *n)
{
	n->name[0] = 'b';
	n->name[1] = 'n';
	n->output = etharp_output;
	n->output_ip6 = ethip6_output;
	n->linkoutput = lwip_linkoutput;
	n->mtu = 1500;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, our_mac, 6);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP |
	           NETIF_FLAG_MLD6;
	return ERR_OK;
}

static void lwip_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)arg;
	(void)pcb;
	(void)addr;
	(void)port;
	lwip_delivered++;
	lwip_bytes += p->tot_len;
	pbuf_free(p);
}

static void lwip_feed(uint8_t *f, size_t len)
{
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_REF);
	if (!p)
		return;
	p->payload = f;
	if (lwip_nif.input(p, &lwip_nif) != ERR_OK)
		pbuf_free(p);
}

static int lwip_setup(void)
{
	ip4_addr_t ip, mask, gw;
	lwip_init();
	IP4_ADDR(&ip, 10, 0, 0, 2);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, 0, 0, 0, 0);
	if (!netif_add(&lwip_nif, &ip, &mask, &gw, NULL, lwip_netif_init, ethernet_input))
		return -1;
	netif_set_default(&lwip_nif);
	netif_set_up(&lwip_nif);
	netif_set_link_up(&lwip_nif);
	/* IPv6: link-local and 2001:db8::2, preferred at once (no DAD). */
	netif_create_ip6_linklocal_address(&lwip_nif, 1);
	netif_ip6_addr_set_state(&lwip_nif, 0, IP6_ADDR_PREFERRED);
	ip6_addr_t a6;
	memcpy(&a6.addr, our6, 16);
	ip6_addr_clear_zone(&a6);
	s8_t idx = -1;
	if (netif_add_ip6_address(&lwip_nif, &a6, &idx) != ERR_OK || idx < 0)
		return -1;
	netif_ip6_addr_set_state(&lwip_nif, idx, IP6_ADDR_PREFERRED);
	static const u16_t ports[2] = { 7777, 5353 };
	for (int i = 0; i < 2; i++) {
		struct udp_pcb *pcb = udp_new();
		if (!pcb || udp_bind(pcb, IP_ANY_TYPE, ports[i]) != ERR_OK)
			return -1;
		udp_recv(pcb, lwip_recv, NULL);
	}
	lwip_feed(arp_warmup, sizeof arp_warmup);
	lwip_feed(ns_warmup, ns_warmup_len);
	return 0;
}

static void lwip_pass(void)
{
	for (unsigned i = 0; i < NFRAMES; i++)
		lwip_feed(frames[i].p, frames[i].len);
}

static void lwip_pass6(void)
{
	for (unsigned i = 0; i < NFRAMES; i++)
		lwip_feed(frames6[i].p, frames6[i].len);
}

/* ------------------------------------------------------------------ */

/* Passes per round so one lwIP round takes about 100 ms. */
static long calibrate(void (*pass)(void))
{
	long passes = 1;
	for (;;) {
		double t0 = now_sec();
		for (long k = 0; k < passes; k++)
			pass();
		if (now_sec() - t0 > 0.05)
			return passes;
		passes *= 2;
	}
}

static void print_drops(const char *what, const struct hz_ethif *eth, const uint64_t *ip_drops,
                        unsigned nip, const char *(*ip_name)(unsigned), const char *ipn,
                        const struct hz_udp *udp)
{
	fprintf(stderr, "haze %s drops:\n", what);
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++)
		if (eth->drops[i])
			fprintf(stderr, "  ethif.%s = %llu\n", hz_ethif_drop_name(i),
			        (unsigned long long)eth->drops[i]);
	for (unsigned i = 0; i < nip; i++)
		if (ip_drops[i])
			fprintf(stderr, "  %s.%s = %llu\n", ipn, ip_name(i), (unsigned long long)ip_drops[i]);
	for (unsigned i = 0; i < HZ_UDP_DROP_COUNT; i++)
		if (udp->drops[i])
			fprintf(stderr, "  udp.%s = %llu\n", hz_udp_drop_name(i),
			        (unsigned long long)udp->drops[i]);
}

int main(void)
{
	static struct haze_bench hb;
	static struct haze6_bench hb6;
	static uint8_t pristine[NFRAMES][FRAME_MAX], pristine6[NFRAMES][FRAME_MAX];
	build_mix();
	build_mix6();
	memcpy(pristine, frame_store, sizeof pristine);
	memcpy(pristine6, frame_store6, sizeof pristine6);
	if (haze_setup(&hb) < 0) {
		fprintf(stderr, "haze setup failed\n");
		return 1;
	}
	int r6 = haze6_setup(&hb6);
	if (r6 < 0) {
		fprintf(stderr, "haze ipv6 setup failed: %s\n", hz_err_name(r6));
		return 1;
	}
	if (lwip_setup() < 0) {
		fprintf(stderr, "lwip setup failed\n");
		return 1;
	}

	/* One checked pass each: the same datagrams must arrive. */
	hb.delivered = hb.tx_frames = 0;
	haze_pass(&hb, HZ_SEC(2));
	lwip_delivered = lwip_tx_frames = 0;
	lwip_pass();
	fprintf(stderr, "check ipv4: expected %u datagrams per pass; haze delivered %llu (tx %llu frames), "
	                "lwip delivered %llu (tx %llu frames)\n",
	        expect_delivered, (unsigned long long)hb.delivered, (unsigned long long)hb.tx_frames,
	        (unsigned long long)lwip_delivered, (unsigned long long)lwip_tx_frames);
	if (hb.delivered != expect_delivered || lwip_delivered != expect_delivered) {
		fprintf(stderr, "ipv4 delivery mismatch: the comparison would not be fair\n");
		return 1;
	}
	hb6.delivered = hb6.tx_frames = 0;
	haze6_pass(&hb6, HZ_SEC(2));
	lwip_delivered = lwip_tx_frames = 0;
	lwip_pass6();
	fprintf(stderr, "check ipv6: expected %u datagrams per pass; haze delivered %llu (tx %llu frames), "
	                "lwip delivered %llu (tx %llu frames)\n",
	        expect_delivered6, (unsigned long long)hb6.delivered, (unsigned long long)hb6.tx_frames,
	        (unsigned long long)lwip_delivered, (unsigned long long)lwip_tx_frames);
	if (hb6.delivered != expect_delivered6 || lwip_delivered != expect_delivered6) {
		fprintf(stderr, "ipv6 delivery mismatch: the comparison would not be fair\n");
		return 1;
	}
	if (memcmp(pristine, frame_store, sizeof pristine) != 0 ||
	    memcmp(pristine6, frame_store6, sizeof pristine6) != 0) {
		fprintf(stderr, "a stack modified its input frames\n");
		return 1;
	}

	long passes = calibrate(lwip_pass), passes6 = calibrate(lwip_pass6);
	double vh[ROUNDS], vl[ROUNDS], vh6[ROUNDS], vl6[ROUNDS];
	hz_time_t now = HZ_SEC(3);
	for (int r = 0; r < ROUNDS; r++) {
		/* Alternate the four so drift in clock or cache hits all. */
		double t0 = now_sec();
		for (long k = 0; k < passes; k++)
			haze_pass(&hb, now);
		double t1 = now_sec();
		for (long k = 0; k < passes; k++)
			lwip_pass();
		double t2 = now_sec();
		for (long k = 0; k < passes6; k++)
			haze6_pass(&hb6, now);
		double t3 = now_sec();
		for (long k = 0; k < passes6; k++)
			lwip_pass6();
		double t4 = now_sec();
		now += HZ_MSEC(100);
		vh[r] = (double)NFRAMES * (double)passes / (t1 - t0);
		vl[r] = (double)NFRAMES * (double)passes / (t2 - t1);
		vh6[r] = (double)NFRAMES * (double)passes6 / (t3 - t2);
		vl6[r] = (double)NFRAMES * (double)passes6 / (t4 - t3);
	}
	qsort(vh, ROUNDS, sizeof *vh, cmp_double);
	qsort(vl, ROUNDS, sizeof *vl, cmp_double);
	qsort(vh6, ROUNDS, sizeof *vh6, cmp_double);
	qsort(vl6, ROUNDS, sizeof *vl6, cmp_double);
	double h = vh[ROUNDS / 2], l = vl[ROUNDS / 2], h6 = vh6[ROUNDS / 2], l6 = vl6[ROUNDS / 2];
	printf("bench rx-eth-ipv4-udp: haze=%.0f lwip=%.0f ratio=%.2f unit=frames/s\n", h, l, h / l);
	printf("bench rx-eth-ipv6-udp: haze=%.0f lwip=%.0f ratio=%.2f unit=frames/s\n", h6, l6, h6 / l6);
	printf("bench rx-eth-ipv6-vs-ipv4-udp: haze=%.0f haze-ipv4=%.0f ratio=%.2f unit=frames/s\n", h6, h,
	       h6 / h);
	fflush(stdout);

	/* Where haze's non-delivered frames went, by named reason. */
	print_drops("ipv4", &hb.eth, hb.ip.drops, HZ_IPV4_DROP_COUNT, hz_ipv4_drop_name, "ipv4", &hb.udp);
	print_drops("ipv6", &hb6.eth, hb6.ip.drops, HZ_IPV6_DROP_COUNT, hz_ipv6_drop_name, "ipv6",
	            &hb6.udp);
	return 0;
}
