/* haze-bench-stack: the receive path Ethernet -> IPv4 -> UDP -> callback,
 * in frames per second, for haze and for lwIP in the same process over the
 * same frames.
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
 * Output: bench rx-eth-ipv4-udp: haze=<frames/s> lwip=<frames/s> ratio=... unit=frames/s
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
#include "haze/udp.h"

#include "lwip/init.h"
#include "lwip/etharp.h"
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

struct frame {
	uint8_t *p;
	size_t len;
};

static struct frame frames[NFRAMES];
static uint8_t frame_store[NFRAMES][FRAME_MAX];
static uint8_t arp_warmup[60];

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

static unsigned expect_delivered;

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
	n->linkoutput = lwip_linkoutput;
	n->mtu = 1500;
	n->hwaddr_len = 6;
	memcpy(n->hwaddr, our_mac, 6);
	n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
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
	static const u16_t ports[2] = { 7777, 5353 };
	for (int i = 0; i < 2; i++) {
		struct udp_pcb *pcb = udp_new();
		if (!pcb || udp_bind(pcb, IP_ANY_TYPE, ports[i]) != ERR_OK)
			return -1;
		udp_recv(pcb, lwip_recv, NULL);
	}
	lwip_feed(arp_warmup, sizeof arp_warmup);
	return 0;
}

static void lwip_pass(void)
{
	for (unsigned i = 0; i < NFRAMES; i++)
		lwip_feed(frames[i].p, frames[i].len);
}

/* ------------------------------------------------------------------ */

int main(void)
{
	static struct haze_bench hb;
	static uint8_t pristine[NFRAMES][FRAME_MAX];
	build_mix();
	memcpy(pristine, frame_store, sizeof pristine);
	if (haze_setup(&hb) < 0) {
		fprintf(stderr, "haze setup failed\n");
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
	fprintf(stderr, "check: expected %u datagrams per pass; haze delivered %llu (tx %llu frames), "
	                "lwip delivered %llu (tx %llu frames)\n",
	        expect_delivered, (unsigned long long)hb.delivered, (unsigned long long)hb.tx_frames,
	        (unsigned long long)lwip_delivered, (unsigned long long)lwip_tx_frames);
	if (hb.delivered != expect_delivered || lwip_delivered != expect_delivered) {
		fprintf(stderr, "delivery mismatch: the comparison would not be fair\n");
		return 1;
	}
	if (memcmp(pristine, frame_store, sizeof pristine) != 0) {
		fprintf(stderr, "a stack modified its input frames\n");
		return 1;
	}

	/* Calibrate passes per round to about 100 ms for the slower stack. */
	long passes = 1;
	for (;;) {
		double t0 = now_sec();
		for (long k = 0; k < passes; k++)
			lwip_pass();
		double t = now_sec() - t0;
		if (t > 0.05)
			break;
		passes *= 2;
	}
	double vh[ROUNDS], vl[ROUNDS];
	hz_time_t now = HZ_SEC(3);
	for (int r = 0; r < ROUNDS; r++) {
		/* Alternate the stacks so drift in clock or cache hits both. */
		double t0 = now_sec();
		for (long k = 0; k < passes; k++)
			haze_pass(&hb, now);
		double t1 = now_sec();
		for (long k = 0; k < passes; k++)
			lwip_pass();
		double t2 = now_sec();
		now += HZ_MSEC(100);
		vh[r] = (double)NFRAMES * (double)passes / (t1 - t0);
		vl[r] = (double)NFRAMES * (double)passes / (t2 - t1);
	}
	qsort(vh, ROUNDS, sizeof *vh, cmp_double);
	qsort(vl, ROUNDS, sizeof *vl, cmp_double);
	double h = vh[ROUNDS / 2], l = vl[ROUNDS / 2];
	printf("bench rx-eth-ipv4-udp: haze=%.0f lwip=%.0f ratio=%.2f unit=frames/s\n", h, l, h / l);
	fflush(stdout);

	/* Where haze's non-delivered frames went, by named reason. */
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++)
		if (hb.eth.drops[i])
			fprintf(stderr, "  ethif.%s = %llu\n", hz_ethif_drop_name(i),
			        (unsigned long long)hb.eth.drops[i]);
	for (unsigned i = 0; i < HZ_IPV4_DROP_COUNT; i++)
		if (hb.ip.drops[i])
			fprintf(stderr, "  ipv4.%s = %llu\n", hz_ipv4_drop_name(i),
			        (unsigned long long)hb.ip.drops[i]);
	for (unsigned i = 0; i < HZ_UDP_DROP_COUNT; i++)
		if (hb.udp.drops[i])
			fprintf(stderr, "  udp.%s = %llu\n", hz_udp_drop_name(i),
			        (unsigned long long)hb.udp.drops[i]);
	return 0;
}
