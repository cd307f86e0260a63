/* arp unit tests: wire format, request/reply, the cache (merge, ageing,
 * static entries, replacement), the pending queue (retries, failure,
 * release in order), output by cast, and RFC 5227 probe, announce and
 * defence, all in virtual time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/arp.h"

static const uint8_t MAC_US[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_PEER[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t MAC_PEER2[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_ZERO[6] = { 0 };

#define IP_US 0xc0a80164u    /* 192.168.1.100 */
#define IP_PEER 0xc0a80101u  /* 192.168.1.1 */
#define IP_PEER2 0xc0a80102u /* 192.168.1.2 */
#define IP_OTHER 0xc0a80109u /* 192.168.1.9 */

#define NCACHE 4
#define NQUEUE 4
#define QSLOT (HZ_ARP_QSLOT_HEADROOM + 64)
#define MAXF 64

/* ------------------------------------------------------------------ */
/* Rig: fake netif that records frames, deterministic shim, events     */
/* ------------------------------------------------------------------ */

struct sent {
	uint8_t b[256];
	size_t len;
};

struct ev {
	enum hz_arp_event ev;
	uint32_t ip;
	uint8_t mac[6];
};

struct rig {
	struct sent f[MAXF];
	size_t nf;
	uint64_t rnd[16];
	size_t nrnd, rnd_used;
	struct ev ev[16];
	size_t nev;
	struct hz_netif netif;
	struct hz_shim shim;
	struct hz_ethif eth;
	struct hz_arp_config cfg;
	struct hz_arp a;
	struct hz_arp_entry cache[NCACHE];
	struct hz_arp_pending queue[NQUEUE];
	uint8_t qbuf[NQUEUE * QSLOT];
};

static int rec_transmit(void *ctx, struct hz_pbuf *pb)
{
	struct rig *r = ctx;
	assert_true(r->nf < MAXF);
	assert_true(pb->len <= 256);
	memcpy(r->f[r->nf].b, hz_pbuf_data(pb), pb->len);
	r->f[r->nf].len = pb->len;
	r->nf++;
	return HZ_OK;
}

/* Randomness from a script: each 8-byte request yields the next value. */
static void rec_random(void *ctx, void *out, size_t len)
{
	struct rig *r = ctx;
	assert_int_equal(len, 8);
	uint64_t v = r->rnd_used < r->nrnd ? r->rnd[r->rnd_used] : 0;
	r->rnd_used++;
	uint8_t *o = out;
	for (size_t i = 0; i < 8; i++)
		o[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void rec_event(void *ctx, enum hz_arp_event ev, uint32_t ip, const uint8_t mac[6])
{
	struct rig *r = ctx;
	assert_true(r->nev < 16);
	assert_non_null(mac);
	r->ev[r->nev].ev = ev;
	r->ev[r->nev].ip = ip;
	memcpy(r->ev[r->nev].mac, mac, 6);
	r->nev++;
}

static struct rig *rig_new(bool probe)
{
	struct rig *r = calloc(1, sizeof *r);
	r->netif.ctx = r;
	r->netif.transmit = rec_transmit;
	memcpy(r->netif.mac, MAC_US, 6);
	r->netif.mtu = 1500;
	r->shim.ctx = r;
	r->shim.random = rec_random;
	hz_ethif_init(&r->eth, &r->netif, NULL, 0);
	hz_arp_config_default(&r->cfg);
	r->cfg.probe = probe;
	hz_arp_init(&r->a, &r->eth, &r->shim, &r->cfg, r->cache, NCACHE, r->queue, NQUEUE, r->qbuf, QSLOT);
	assert_int_equal(r->a.err, HZ_OK);
	hz_arp_event_set(&r->a, rec_event, r);
	return r;
}

/* A rig with our address set at t = 0 (no probing), both announcements
 * sent by t = 2 s, and the record cleared. */
static struct rig *rig_bound(void)
{
	struct rig *r = rig_new(false);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 0), HZ_OK);
	assert_true(hz_arp_addr_ready(&r->a));
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(2)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 2);
	r->nf = 0;
	r->nev = 0;
	return r;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Assemble an Ethernet + ARP frame byte by byte, following the RFC 826
 * field order: hrd(2) pro(2) hln(1) pln(1) op(2) sha(6) spa(4) tha(6)
 * tpa(4). Padded to 60 bytes like a real frame. */
static size_t mk_arp(uint8_t *b, const uint8_t edst[6], const uint8_t esrc[6], uint16_t op,
                     const uint8_t sha[6], uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	memset(b, 0, 60);
	memcpy(b, edst, 6);
	memcpy(b + 6, esrc, 6);
	b[12] = 0x08;
	b[13] = 0x06;
	uint8_t *p = b + 14;
	p[0] = 0x00; p[1] = 0x01;         /* Ethernet */
	p[2] = 0x08; p[3] = 0x00;         /* IPv4 */
	p[4] = 6; p[5] = 4;
	p[6] = (uint8_t)(op >> 8); p[7] = (uint8_t)op;
	memcpy(p + 8, sha, 6);
	put32(p + 14, spa);
	memcpy(p + 18, tha, 6);
	put32(p + 24, tpa);
	return 60;
}

static int feed(struct rig *r, const uint8_t *b, size_t n, hz_time_t now)
{
	return hz_ethif_input(&r->eth, b, n, now);
}

/* A request from the peer asking for `tpa`. */
static int feed_request(struct rig *r, const uint8_t sha[6], uint32_t spa, uint32_t tpa, hz_time_t now)
{
	uint8_t b[60];
	size_t n = mk_arp(b, MAC_BCAST, sha, 1, sha, spa, MAC_ZERO, tpa);
	return feed(r, b, n, now);
}

static int feed_reply(struct rig *r, const uint8_t sha[6], uint32_t spa, uint32_t tpa, hz_time_t now)
{
	uint8_t b[60];
	size_t n = mk_arp(b, MAC_US, sha, 2, sha, spa, MAC_US, tpa);
	return feed(r, b, n, now);
}

/* Check sent frame i is ARP with these fields, reading raw bytes. */
static void check_arp(const struct rig *r, size_t i, const uint8_t edst[6], uint16_t op,
                      uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	assert_true(i < r->nf);
	const uint8_t *b = r->f[i].b;
	assert_int_equal(r->f[i].len, 14 + 28);
	assert_memory_equal(b, edst, 6);
	assert_memory_equal(b + 6, MAC_US, 6);
	assert_int_equal(b[12], 0x08);
	assert_int_equal(b[13], 0x06);
	const uint8_t *p = b + 14;
	assert_int_equal(p[0], 0x00);
	assert_int_equal(p[1], 0x01);
	assert_int_equal(p[2], 0x08);
	assert_int_equal(p[3], 0x00);
	assert_int_equal(p[4], 6);
	assert_int_equal(p[5], 4);
	assert_int_equal(p[6], op >> 8);
	assert_int_equal(p[7], op & 0xff);
	assert_memory_equal(p + 8, MAC_US, 6);
	assert_int_equal(get32(p + 14), spa);
	assert_memory_equal(p + 18, tha, 6);
	assert_int_equal(get32(p + 24), tpa);
}

/* Check sent frame i is an IPv4 frame to edst carrying pkt. */
static void check_ip(const struct rig *r, size_t i, const uint8_t edst[6], const uint8_t *pkt, size_t len)
{
	assert_true(i < r->nf);
	const uint8_t *b = r->f[i].b;
	assert_int_equal(r->f[i].len, 14 + len);
	assert_memory_equal(b, edst, 6);
	assert_memory_equal(b + 6, MAC_US, 6);
	assert_int_equal(b[12], 0x08);
	assert_int_equal(b[13], 0x00);
	assert_memory_equal(b + 14, pkt, len);
}

/* Send a small fake IPv4 packet whose first byte after 0x45 is `tag`. */
static int send_pkt(struct rig *r, uint32_t nexthop, enum hz_cast cast, uint8_t tag, size_t len)
{
	uint8_t store[HZ_PBUF_HEADROOM + 256];
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, HZ_PBUF_HEADROOM);
	uint8_t *p = hz_pbuf_put(&pb, len);
	assert_non_null(p);
	if (!p)
		return HZ_ERR_INTERNAL;
	memset(p, tag, len);
	p[0] = 0x45;
	size_t head = pb.head;
	int rc = hz_arp_output(&r->a, &pb, nexthop, cast);
	/* The caller's pbuf is unchanged. */
	assert_int_equal(pb.head, head);
	assert_int_equal(pb.len, len);
	assert_int_equal(hz_pbuf_data(&pb)[0], 0x45);
	return rc;
}

static void pkt_bytes(uint8_t *p, uint8_t tag, size_t len)
{
	memset(p, tag, len);
	p[0] = 0x45;
}

static uint64_t drops_total(const struct rig *r)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < HZ_ARP_DROP_COUNT; i++)
		t += r->a.drops[i];
	return t;
}

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

static void test_packet_parse(void **state)
{
	(void)state;
	/* "Who has 192.168.1.1? Tell 192.168.1.100", as captured on a LAN. */
	const uint8_t req[28] = {
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0xc0, 0xa8, 0x01, 0x64,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x01, 0x01,
	};
	struct hz_arp_packet p;
	uint8_t *copy = malloc(28);
	memcpy(copy, req, 28);
	assert_int_equal(hz_arp_packet_parse(&p, copy, 28), HZ_OK);
	free(copy);
	assert_int_equal(p.op, HZ_ARP_OP_REQUEST);
	assert_memory_equal(p.sha, MAC_US, 6);
	assert_int_equal(p.spa, IP_US);
	assert_memory_equal(p.tha, MAC_ZERO, 6);
	assert_int_equal(p.tpa, IP_PEER);

	/* Emit writes the same bytes, and parse(emit(x)) == x. */
	uint8_t out[28];
	assert_int_equal(hz_arp_packet_emit(out, &p), 28);
	assert_memory_equal(out, req, 28);
	struct hz_arp_packet x = { .op = 2, .spa = 0x0a000002u, .tpa = 0xfffffffeu };
	memcpy(x.sha, MAC_PEER, 6);
	memcpy(x.tha, MAC_PEER2, 6);
	assert_int_equal(hz_arp_packet_emit(out, &x), HZ_ARP_PACKET_LEN);
	assert_int_equal(out[7], 2);
	assert_memory_equal(out + 14, "\x0a\x00\x00\x02", 4);
	assert_memory_equal(out + 24, "\xff\xff\xff\xfe", 4);
	struct hz_arp_packet y;
	memset(&y, 0xaa, sizeof y);
	assert_int_equal(hz_arp_packet_parse(&y, out, 28), HZ_OK);
	assert_int_equal(y.op, x.op);
	assert_memory_equal(y.sha, x.sha, 6);
	assert_int_equal(y.spa, x.spa);
	assert_memory_equal(y.tha, x.tha, 6);
	assert_int_equal(y.tpa, x.tpa);

	/* Ethernet padding after the 28 bytes is ignored. */
	uint8_t padded[46] = { 0 };
	memcpy(padded, req, 28);
	padded[30] = 0xee;
	assert_int_equal(hz_arp_packet_parse(&y, padded, 46), HZ_OK);
	assert_int_equal(y.tpa, IP_PEER);
}

static void test_packet_errors(void **state)
{
	(void)state;
	uint8_t ok[28];
	struct hz_arp_packet p = { .op = 1, .spa = IP_US, .tpa = IP_PEER };
	memcpy(p.sha, MAC_US, 6);
	hz_arp_packet_emit(ok, &p);
	for (size_t len = 0; len < 28; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, ok, len);
		assert_int_equal(hz_arp_packet_parse(&p, copy, len), HZ_ERR_MALFORMED);
		free(copy);
	}
	uint8_t b[28];
	memcpy(b, ok, 28);
	b[1] = 6; /* IEEE 802 hardware */
	assert_int_equal(hz_arp_packet_parse(&p, b, 28), HZ_ERR_UNSUPPORTED);
	memcpy(b, ok, 28);
	b[2] = 0x86; b[3] = 0xdd;
	assert_int_equal(hz_arp_packet_parse(&p, b, 28), HZ_ERR_UNSUPPORTED);
	memcpy(b, ok, 28);
	b[4] = 8;
	assert_int_equal(hz_arp_packet_parse(&p, b, 28), HZ_ERR_MALFORMED);
	memcpy(b, ok, 28);
	b[5] = 16;
	assert_int_equal(hz_arp_packet_parse(&p, b, 28), HZ_ERR_MALFORMED);
	const uint8_t bad_ops[] = { 0, 3, 4, 8, 9, 0xff };
	for (size_t i = 0; i < sizeof bad_ops; i++) {
		memcpy(b, ok, 28);
		b[7] = bad_ops[i];
		assert_int_equal(hz_arp_packet_parse(&p, b, 28), HZ_ERR_UNSUPPORTED);
	}
	memcpy(b, ok, 28);
	b[6] = 1; /* op 0x0101 */
	assert_int_equal(hz_arp_packet_parse(&p, b, 28), HZ_ERR_UNSUPPORTED);
}

/* ------------------------------------------------------------------ */
/* Engine: request / reply, cache                                      */
/* ------------------------------------------------------------------ */

static void test_init_registers(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	/* ARP frames reach arp through ethif. */
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, 1), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(r->eth.rx_frames, 1);
	/* A second arp on the same ethif cannot register: latched. */
	struct hz_arp b;
	hz_arp_init(&b, &r->eth, NULL, NULL, NULL, 0, NULL, 0, NULL, 0);
	assert_int_equal(b.err, HZ_ERR_IN_USE);
	assert_int_equal(b.cfg.reachable, HZ_SEC(60));
	free(r);
}

static void test_request_reply(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t mac[6];
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, HZ_SEC(5)), HZ_OK);
	/* RFC 826: reply unicast to the asker, with our addresses as sender. */
	assert_int_equal(r->nf, 1);
	check_arp(r, 0, MAC_PEER, HZ_ARP_OP_REPLY, IP_US, MAC_PEER, IP_PEER);
	/* The target learns the asker. */
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	assert_memory_equal(mac, MAC_PEER, 6);
	assert_int_equal(drops_total(r), 0);

	/* A request for someone else: no reply, nothing learned. */
	assert_int_equal(feed_request(r, MAC_PEER2, IP_PEER2, IP_OTHER, HZ_SEC(6)), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER2, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_NOT_FOR_US], 1);

	/* A reply to us is learned but not answered. */
	assert_int_equal(feed_reply(r, MAC_PEER2, IP_PEER2, IP_US, HZ_SEC(7)), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER2, mac), HZ_OK);
	assert_memory_equal(mac, MAC_PEER2, 6);
	assert_int_equal(r->nev, 0); /* learning unasked is not "resolved" */
	free(r);
}

static void test_no_address(void **state)
{
	(void)state;
	struct rig *r = rig_new(false);
	uint8_t mac[6];
	assert_false(hz_arp_addr_ready(&r->a));
	/* Own address 0 means none: nothing is answered, not even for 0. */
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, 0), HZ_OK);
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, 0, 0), HZ_OK);
	assert_int_equal(r->nf, 0);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_NOT_FOR_US], 2);
	/* Resolution still works, with sender address 0. */
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 1, 20), HZ_OK);
	assert_int_equal(r->nf, 1);
	check_arp(r, 0, MAC_BCAST, HZ_ARP_OP_REQUEST, 0, MAC_ZERO, IP_PEER);
	/* The reply comes back to tpa 0 and still resolves (merge). */
	assert_int_equal(feed_reply(r, MAC_PEER, IP_PEER, 0, 1), HZ_OK);
	assert_int_equal(r->nf, 2);
	uint8_t pkt[20];
	pkt_bytes(pkt, 1, 20);
	check_ip(r, 1, MAC_PEER, pkt, 20);
	/* Removing the address stops answers. */
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 2), HZ_OK);
	assert_int_equal(hz_arp_addr_set(&r->a, 0, 3), HZ_OK);
	assert_false(hz_arp_addr_ready(&r->a));
	size_t nf = r->nf;
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, 4), HZ_OK);
	assert_int_equal(r->nf, nf);
	/* Invalid addresses. */
	assert_int_equal(hz_arp_addr_set(&r->a, 0xe0000001u, 5), HZ_ERR_INVALID);
	assert_int_equal(hz_arp_addr_set(&r->a, 0xffffffffu, 5), HZ_ERR_INVALID);
	free(r);
}

static void test_merge_rule(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t mac[6];
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, HZ_SEC(1)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	/* RFC 826: any packet from a known sender updates it, even one for
	 * another target (here: a gratuitous ARP after a NIC swap). */
	assert_int_equal(feed_request(r, MAC_PEER2, IP_PEER, IP_PEER, HZ_SEC(2)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	assert_memory_equal(mac, MAC_PEER2, 6);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_NOT_FOR_US], 0);
	/* The update restarts the lifetime: 60 s from t = 2 s. */
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(3)), HZ_SEC(62));
	/* An unknown sender talking to someone else is not added. */
	assert_int_equal(feed_request(r, MAC_PEER, IP_OTHER, IP_PEER2, HZ_SEC(3)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_OTHER, mac), HZ_ERR_NOT_FOUND);
	/* A probe (sender 0) names nobody: never cached. */
	assert_int_equal(feed_request(r, MAC_PEER, 0, IP_PEER2, HZ_SEC(3)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(r->nf, 1); /* only the reply to the first request */
	free(r);
}

static void test_ageing(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t mac[6];
	assert_int_equal(feed_reply(r, MAC_PEER, IP_PEER, IP_US, HZ_SEC(10)), HZ_OK);
	assert_int_equal(feed_reply(r, MAC_PEER2, IP_PEER2, IP_US, HZ_SEC(10)), HZ_OK);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(11)), HZ_SEC(70));
	/* Use PEER2 only. */
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 2, 20), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(70) - 1), HZ_SEC(70));
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	/* At 60 s the idle entry goes; the used one is polled unicast. */
	hz_time_t next = hz_arp_poll(&r->a, HZ_SEC(70));
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER2, mac), HZ_OK);
	assert_int_equal(next, HZ_SEC(71));
	assert_int_equal(r->nf, 2);
	check_arp(r, 1, MAC_PEER2, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_PEER2);
	/* Traffic keeps flowing to the old MAC meanwhile. */
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 3, 20), HZ_OK);
	uint8_t pkt[20];
	pkt_bytes(pkt, 3, 20);
	check_ip(r, 2, MAC_PEER2, pkt, 20);
	/* The answer confirms it for another 60 s. */
	assert_int_equal(feed_reply(r, MAC_PEER2, IP_PEER2, IP_US, HZ_SEC(70) + 5), HZ_OK);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(71)), HZ_SEC(130) + 5);
	/* Now used again but never answering: 1 + 3 polls, then gone. */
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 4, 20), HZ_OK);
	size_t nf = r->nf;
	hz_time_t t = HZ_SEC(130) + 5;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(hz_arp_poll(&r->a, t), t + HZ_SEC(1));
		assert_int_equal(r->nf, nf + (size_t)i + 1);
		check_arp(r, r->nf - 1, MAC_PEER2, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_PEER2);
		assert_int_equal(hz_arp_lookup(&r->a, IP_PEER2, mac), HZ_OK);
		t += HZ_SEC(1);
	}
	assert_int_equal(hz_arp_poll(&r->a, t), HZ_TIME_NEVER);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER2, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(r->nf, nf + 4);
	free(r);
}

static void test_static_entries(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t mac[6];
	assert_int_equal(hz_arp_entry_add_static(&r->a, IP_PEER, MAC_PEER), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	assert_memory_equal(mac, MAC_PEER, 6);
	/* Never aged. */
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(1000000)), HZ_TIME_NEVER);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	/* Not overwritten by ARP traffic. */
	assert_int_equal(feed_request(r, MAC_PEER2, IP_PEER, IP_US, HZ_SEC(1000000)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	assert_memory_equal(mac, MAC_PEER, 6);
	/* ... but answered: the reply goes to the asker's MAC. */
	check_arp(r, 0, MAC_PEER2, HZ_ARP_OP_REPLY, IP_US, MAC_PEER2, IP_PEER);
	/* Output uses it without a request. */
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 7, 30), HZ_OK);
	uint8_t pkt[30];
	pkt_bytes(pkt, 7, 30);
	check_ip(r, 1, MAC_PEER, pkt, 30);
	/* Overwrite it. */
	assert_int_equal(hz_arp_entry_add_static(&r->a, IP_PEER, MAC_PEER2), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_OK);
	assert_memory_equal(mac, MAC_PEER2, 6);
	/* Bad arguments. */
	assert_int_equal(hz_arp_entry_add_static(&r->a, 0, MAC_PEER), HZ_ERR_INVALID);
	assert_int_equal(hz_arp_entry_add_static(&r->a, 0xe0000001u, MAC_PEER), HZ_ERR_INVALID);
	assert_int_equal(hz_arp_entry_add_static(&r->a, IP_PEER2, MAC_BCAST), HZ_ERR_INVALID);
	/* Delete. */
	assert_int_equal(hz_arp_entry_del(&r->a, IP_PEER), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_arp_entry_del(&r->a, IP_PEER), HZ_ERR_NOT_FOUND);
	/* A cache of statics is full for everything else. */
	for (uint32_t i = 0; i < NCACHE; i++)
		assert_int_equal(hz_arp_entry_add_static(&r->a, 0x0a000001u + i, MAC_PEER), HZ_OK);
	assert_int_equal(hz_arp_entry_add_static(&r->a, IP_PEER2, MAC_PEER), HZ_ERR_NO_SPACE);
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 1, 20), HZ_ERR_NO_SPACE);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_QUEUE_FULL], 1);
	/* A target that cannot be stored is still answered. */
	size_t nf = r->nf;
	assert_int_equal(feed_request(r, MAC_PEER, IP_OTHER, IP_US, HZ_SEC(1000001)), HZ_OK);
	assert_int_equal(r->nf, nf + 1);
	check_arp(r, nf, MAC_PEER, HZ_ARP_OP_REPLY, IP_US, MAC_PEER, IP_OTHER);
	free(r);
}

static void test_static_releases_queue(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 5, 20), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(hz_arp_entry_add_static(&r->a, IP_PEER, MAC_PEER2), HZ_OK);
	assert_int_equal(r->nf, 2);
	uint8_t pkt[20];
	pkt_bytes(pkt, 5, 20);
	check_ip(r, 1, MAC_PEER2, pkt, 20);
	/* No retry timers left. */
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(5)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 2);
	/* Deleting an incomplete entry drops what waited for it. */
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 6, 20), HZ_OK);
	assert_int_equal(hz_arp_entry_del(&r->a, IP_PEER2), HZ_OK);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_EVICTED], 1);
	assert_int_equal(feed_reply(r, MAC_PEER, IP_PEER2, IP_US, HZ_SEC(6)), HZ_OK);
	assert_int_equal(r->nf, 3); /* the request only; nothing released */
	free(r);
}

static void test_replacement(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t mac[6];
	assert_int_equal(hz_arp_entry_add_static(&r->a, 0x0a000009u, MAC_PEER), HZ_OK);
	/* Three dynamic entries learned at t = 1, 2, 3 s (t = 1 is oldest). */
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(feed_request(r, MAC_PEER, 0x0a000001u + i, IP_US, HZ_SEC(1 + i)), HZ_OK);
	/* Refresh the first: now the second is the oldest. */
	assert_int_equal(feed_request(r, MAC_PEER2, 0x0a000001u, IP_OTHER, HZ_SEC(4)), HZ_OK);
	assert_int_equal(feed_request(r, MAC_PEER, 0x0a000005u, IP_US, HZ_SEC(5)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000002u, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000001u, mac), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000003u, mac), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000005u, mac), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000009u, mac), HZ_OK);
	/* Next victim: .3 (t = 3), never the static one. */
	assert_int_equal(feed_request(r, MAC_PEER, 0x0a000006u, IP_US, HZ_SEC(6)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000003u, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000009u, mac), HZ_OK);
	/* An incomplete entry that is evicted drops its packets. */
	hz_arp_poll(&r->a, HZ_MSEC(6500));
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 1, 20), HZ_OK); /* evicts .1 (t = 4) */
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000001u, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_EVICTED], 0);
	/* A pending resolution goes before any confirmed neighbour, however
	 * old: .7 takes the incomplete entry (t = 6.5 s), not .5 (t = 5 s).
	 * Its waiting packet is dropped. */
	assert_int_equal(feed_request(r, MAC_PEER, 0x0a000007u, IP_US, HZ_SEC(7)), HZ_OK);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_EVICTED], 1);
	assert_int_equal(r->queue[0].len + r->queue[1].len + r->queue[2].len + r->queue[3].len, 0);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000005u, mac), HZ_OK);
	/* Among confirmed neighbours the oldest goes: .5, then .6. */
	assert_int_equal(feed_request(r, MAC_PEER, 0x0a000008u, IP_US, HZ_SEC(8)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000005u, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(feed_request(r, MAC_PEER, 0x0a00000au, IP_US, HZ_SEC(9)), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000006u, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000007u, mac), HZ_OK);
	/* A flood of resolutions into this full cache (.9 static, .7, .8, .a
	 * confirmed) costs one confirmed entry, the oldest (.7), and from
	 * then on recycles its own: .8 and .a outlive any number of
	 * unanswered resolutions. */
	for (uint32_t i = 0; i < 50; i++)
		(void)send_pkt(r, 0x0a000064u + i, HZ_CAST_UNICAST, 2, 20);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000007u, mac), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000008u, mac), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a00000au, mac), HZ_OK);
	assert_int_equal(hz_arp_lookup(&r->a, 0x0a000009u, mac), HZ_OK);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Engine: pending queue                                               */
/* ------------------------------------------------------------------ */

static void test_resolve_release_in_order(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	hz_arp_poll(&r->a, HZ_SEC(100));
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 0xa1, 20), HZ_OK);
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 0xb1, 24), HZ_OK);
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 0xa2, 40), HZ_OK);
	/* Free a slot in the middle so the next packet lands before the
	 * earlier ones in memory: order must come from arrival, not slots. */
	assert_int_equal(hz_arp_entry_del(&r->a, IP_PEER2), HZ_OK);
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 0xa3, 64), HZ_OK);
	/* One request per next hop, not per packet. */
	assert_int_equal(r->nf, 2);
	check_arp(r, 0, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_PEER);
	check_arp(r, 1, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_PEER2);
	uint8_t mac[6];
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_ERR_NOT_FOUND);

	assert_int_equal(feed_reply(r, MAC_PEER, IP_PEER, IP_US, HZ_SEC(100) + 300), HZ_OK);
	assert_int_equal(r->nf, 5);
	uint8_t pkt[64];
	pkt_bytes(pkt, 0xa1, 20);
	check_ip(r, 2, MAC_PEER, pkt, 20);
	pkt_bytes(pkt, 0xa2, 40);
	check_ip(r, 3, MAC_PEER, pkt, 40);
	pkt_bytes(pkt, 0xa3, 64);
	check_ip(r, 4, MAC_PEER, pkt, 64);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_RESOLVED);
	assert_int_equal(r->ev[0].ip, IP_PEER);
	assert_memory_equal(r->ev[0].mac, MAC_PEER, 6);
	for (size_t i = 0; i < NQUEUE; i++)
		assert_int_equal(r->queue[i].len, 0);
	/* Later packets go straight out. */
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 0xa4, 20), HZ_OK);
	assert_int_equal(r->nf, 6);
	pkt_bytes(pkt, 0xa4, 20);
	check_ip(r, 5, MAC_PEER, pkt, 20);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_EVICTED], 1);
	free(r);
}

static void test_retries_and_failure(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	hz_time_t t0 = HZ_SEC(50);
	assert_int_equal(hz_arp_poll(&r->a, t0), HZ_TIME_NEVER);
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 1, 20), HZ_OK);
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 2, 20), HZ_OK);
	assert_int_equal(r->nf, 1);
	/* Nothing before retry_interval (RFC 1122: at most 1 per second). */
	assert_int_equal(hz_arp_poll(&r->a, t0 + HZ_MSEC(999)), t0 + HZ_SEC(1));
	assert_int_equal(r->nf, 1);
	/* max_retries = 3 more requests, one second apart. */
	for (int i = 1; i <= 3; i++) {
		hz_time_t t = t0 + HZ_SEC(i);
		assert_int_equal(hz_arp_poll(&r->a, t), t + HZ_SEC(1));
		assert_int_equal(r->nf, (size_t)i + 1);
		check_arp(r, (size_t)i, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_PEER);
	}
	assert_int_equal(r->nev, 0);
	/* The fourth second passes without a reply: give up. */
	assert_int_equal(hz_arp_poll(&r->a, t0 + HZ_SEC(4)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 4);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_RESOLVE_FAILED);
	assert_int_equal(r->ev[0].ip, IP_PEER);
	assert_memory_equal(r->ev[0].mac, MAC_ZERO, 6);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_RESOLVE_FAILED], 2);
	for (size_t i = 0; i < NQUEUE; i++)
		assert_int_equal(r->queue[i].len, 0);
	/* A late reply is not for a known entry; nothing is sent. */
	assert_int_equal(feed_reply(r, MAC_PEER, IP_PEER, IP_US, t0 + HZ_SEC(5)), HZ_OK);
	assert_int_equal(r->nf, 4);
	free(r);
}

static void test_queue_limits(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	for (int i = 0; i < NQUEUE; i++)
		assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, (uint8_t)i, 20), HZ_OK);
	assert_int_equal(send_pkt(r, IP_PEER, HZ_CAST_UNICAST, 9, 20), HZ_ERR_NO_SPACE);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_QUEUE_FULL], 1);
	/* A full queue still starts resolution for a new next hop. */
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 9, 20), HZ_ERR_NO_SPACE);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_QUEUE_FULL], 2);
	assert_int_equal(r->nf, 2);
	check_arp(r, 1, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_PEER2);
	/* Too big for a slot (64 bytes of packet fit, 65 do not). */
	assert_int_equal(send_pkt(r, IP_OTHER, HZ_CAST_UNICAST, 9, 65), HZ_ERR_NO_SPACE);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_TOO_BIG], 1);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_QUEUE_FULL], 2);
	/* The release frees the slots again. */
	assert_int_equal(feed_reply(r, MAC_PEER, IP_PEER, IP_US, 1), HZ_OK);
	assert_int_equal(r->nf, 3 + NQUEUE);
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 9, 64), HZ_OK);
	free(r);
}

static void test_output_casts(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t pkt[20];
	assert_int_equal(send_pkt(r, 0xffffffffu, HZ_CAST_BROADCAST, 1, 20), HZ_OK);
	pkt_bytes(pkt, 1, 20);
	check_ip(r, 0, MAC_BCAST, pkt, 20);
	/* 224.0.0.251 -> 01:00:5e:00:00:fb without resolution. */
	assert_int_equal(send_pkt(r, 0xe00000fbu, HZ_CAST_MULTICAST, 2, 20), HZ_OK);
	pkt_bytes(pkt, 2, 20);
	check_ip(r, 1, (const uint8_t *)"\x01\x00\x5e\x00\x00\xfb", pkt, 20);
	/* Unicast to nobody, to ourselves, to a group: caller bugs. */
	assert_int_equal(send_pkt(r, 0, HZ_CAST_UNICAST, 3, 20), HZ_ERR_INVALID);
	assert_int_equal(send_pkt(r, IP_US, HZ_CAST_UNICAST, 3, 20), HZ_ERR_INVALID);
	assert_int_equal(send_pkt(r, 0xe00000fbu, HZ_CAST_UNICAST, 3, 20), HZ_ERR_INVALID);
	assert_int_equal(send_pkt(r, IP_PEER, (enum hz_cast)7, 3, 20), HZ_ERR_INVALID);
	assert_int_equal(r->nf, 2);
	assert_int_equal(drops_total(r), 0);
	/* An ethif failure comes back to the caller. */
	uint8_t store[20];
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, 4);
	assert_int_equal(hz_arp_output(&r->a, &pb, 0, HZ_CAST_BROADCAST), HZ_ERR_NO_SPACE);
	free(r);
}

static void test_input_drops(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	uint8_t b[60];
	size_t n;
	uint64_t eth_before[HZ_ETHIF_DROP_COUNT];
	memcpy(eth_before, r->eth.drops, sizeof eth_before);
	/* Truncated: a 27-byte ARP payload. */
	n = mk_arp(b, MAC_BCAST, MAC_PEER, 1, MAC_PEER, IP_PEER, MAC_ZERO, IP_US);
	assert_int_equal(feed(r, b, 14 + 27, 1), HZ_ERR_MALFORMED);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_TRUNCATED], 1);
	/* Malformed: hlen 8. */
	b[14 + 4] = 8;
	assert_int_equal(feed(r, b, n, 1), HZ_ERR_MALFORMED);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_MALFORMED], 1);
	/* Unsupported: htype 6, and RARP op 3. */
	n = mk_arp(b, MAC_BCAST, MAC_PEER, 1, MAC_PEER, IP_PEER, MAC_ZERO, IP_US);
	b[14 + 1] = 6;
	assert_int_equal(feed(r, b, n, 1), HZ_ERR_UNSUPPORTED);
	n = mk_arp(b, MAC_BCAST, MAC_PEER, 3, MAC_PEER, IP_PEER, MAC_ZERO, IP_US);
	assert_int_equal(feed(r, b, n, 1), HZ_ERR_UNSUPPORTED);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_UNSUPPORTED], 2);
	/* Bad senders: a group MAC (in a frame from a unicast source, which
	 * ethif lets through), our own MAC, a multicast or broadcast IP. */
	const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };
	n = mk_arp(b, MAC_BCAST, MAC_PEER, 1, mcast, IP_PEER, MAC_ZERO, IP_US);
	assert_int_equal(feed(r, b, n, 1), HZ_ERR_INVALID);
	n = mk_arp(b, MAC_BCAST, MAC_PEER, 1, MAC_BCAST, IP_PEER, MAC_ZERO, IP_US);
	assert_int_equal(feed(r, b, n, 1), HZ_ERR_INVALID);
	assert_int_equal(feed_request(r, MAC_US, IP_PEER, IP_US, 1), HZ_ERR_INVALID);
	assert_int_equal(feed_request(r, MAC_PEER, 0xe0000001u, IP_US, 1), HZ_ERR_INVALID);
	assert_int_equal(feed_request(r, MAC_PEER, 0xffffffffu, IP_US, 1), HZ_ERR_INVALID);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_BAD_SENDER], 5);
	/* Our own announcement looped back is a bad sender, not a conflict. */
	assert_int_equal(feed_request(r, MAC_US, IP_US, IP_US, 1), HZ_ERR_INVALID);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_BAD_SENDER], 6);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_CONFLICT], 0);
	/* Nothing was answered or learned; each drop was counted once, by
	 * arp, not again by ethif. */
	assert_int_equal(r->nf, 0);
	uint8_t mac[6];
	assert_int_equal(hz_arp_lookup(&r->a, IP_PEER, mac), HZ_ERR_NOT_FOUND);
	assert_memory_equal(r->eth.drops, eth_before, sizeof eth_before);
	free(r);
}

/* ------------------------------------------------------------------ */
/* Engine: our address (RFC 5227)                                      */
/* ------------------------------------------------------------------ */

static void test_gratuitous_on_addr_set(void **state)
{
	(void)state;
	struct rig *r = rig_new(false);
	hz_time_t t0 = HZ_SEC(7);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, t0), HZ_OK);
	assert_true(hz_arp_addr_ready(&r->a));
	/* RFC 5227 3: an announcement is a broadcast request, sender and
	 * target both our address, target MAC zero. */
	assert_int_equal(r->nf, 1);
	check_arp(r, 0, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_US);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_ADDR_READY);
	assert_int_equal(r->ev[0].ip, IP_US);
	assert_memory_equal(r->ev[0].mac, MAC_US, 6);
	assert_int_equal(hz_arp_poll(&r->a, t0), t0 + HZ_SEC(2));
	assert_int_equal(hz_arp_poll(&r->a, t0 + HZ_SEC(2) - 1), t0 + HZ_SEC(2));
	assert_int_equal(r->nf, 1);
	assert_int_equal(hz_arp_poll(&r->a, t0 + HZ_SEC(2)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 2);
	check_arp(r, 1, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_US);
	/* Two in all. */
	assert_int_equal(hz_arp_poll(&r->a, t0 + HZ_SEC(60)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 2);
	assert_int_equal(r->nev, 1);
	free(r);
}

static void test_probe_timeline(void **state)
{
	(void)state;
	struct rig *r = rig_new(true);
	/* Random draws: PROBE_WAIT 0.3 s, then gaps 1 s + 0.5 s and
	 * 1 s + 0.25 s (r % (span + 1) picks the offset). */
	r->rnd[0] = 300000;
	r->rnd[1] = 500000 + 2 * (HZ_SEC(1) + 1);
	r->rnd[2] = 250000;
	r->nrnd = 3;
	hz_time_t t0 = HZ_SEC(10);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, t0), HZ_OK);
	assert_false(hz_arp_addr_ready(&r->a));
	assert_int_equal(r->nf, 0);
	hz_time_t t1 = t0 + HZ_MSEC(300);
	assert_int_equal(hz_arp_poll(&r->a, t0), t1);
	assert_int_equal(hz_arp_poll(&r->a, t1 - 1), t1);
	assert_int_equal(r->nf, 0);

	/* RFC 5227 2.1.1 probe: sender IP 0, target ours, target MAC 0. */
	hz_time_t t2 = t1 + HZ_MSEC(1500);
	assert_int_equal(hz_arp_poll(&r->a, t1), t2);
	assert_int_equal(r->nf, 1);
	check_arp(r, 0, MAC_BCAST, HZ_ARP_OP_REQUEST, 0, MAC_ZERO, IP_US);
	/* While probing, requests for the address are not answered and
	 * our own requests carry sender 0. */
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, t1 + 1), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(send_pkt(r, IP_PEER2, HZ_CAST_UNICAST, 1, 20), HZ_OK);
	assert_int_equal(r->nf, 2);
	check_arp(r, 1, MAC_BCAST, HZ_ARP_OP_REQUEST, 0, MAC_ZERO, IP_PEER2);
	assert_int_equal(hz_arp_entry_del(&r->a, IP_PEER2), HZ_OK);

	hz_time_t t3 = t2 + HZ_MSEC(1250);
	assert_int_equal(hz_arp_poll(&r->a, t2), t3);
	assert_int_equal(r->nf, 3);
	check_arp(r, 2, MAC_BCAST, HZ_ARP_OP_REQUEST, 0, MAC_ZERO, IP_US);
	/* Third probe, then ANNOUNCE_WAIT (2 s). */
	hz_time_t t4 = t3 + HZ_SEC(2);
	assert_int_equal(hz_arp_poll(&r->a, t3), t4);
	assert_int_equal(r->nf, 4);
	check_arp(r, 3, MAC_BCAST, HZ_ARP_OP_REQUEST, 0, MAC_ZERO, IP_US);
	assert_int_equal(r->rnd_used, 3);
	assert_false(hz_arp_addr_ready(&r->a));
	assert_int_equal(r->nev, 0);

	/* No conflict: announce, and the address is ours. */
	assert_int_equal(hz_arp_poll(&r->a, t4), t4 + HZ_SEC(2));
	assert_int_equal(r->nf, 5);
	check_arp(r, 4, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_US);
	assert_true(hz_arp_addr_ready(&r->a));
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_ADDR_READY);
	assert_int_equal(hz_arp_poll(&r->a, t4 + HZ_SEC(2)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 6);
	check_arp(r, 5, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_US);
	/* Now it answers. */
	assert_int_equal(feed_request(r, MAC_PEER, IP_PEER, IP_US, t4 + HZ_SEC(3)), HZ_OK);
	assert_int_equal(r->nf, 7);
	check_arp(r, 6, MAC_PEER, HZ_ARP_OP_REPLY, IP_US, MAC_PEER, IP_PEER);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_CONFLICT], 0);
	free(r);
}

static void test_probe_conflict(void **state)
{
	(void)state;
	/* Someone already uses the address: a reply from it during probing. */
	struct rig *r = rig_new(true);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 0), HZ_OK);
	/* Random draws are 0: probe 1 at once, the next PROBE_MIN later. */
	assert_int_equal(hz_arp_poll(&r->a, 0), HZ_SEC(1));
	r->nf = 0;
	assert_int_equal(feed_reply(r, MAC_PEER, IP_US, 0, HZ_MSEC(500)), HZ_OK);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_CONFLICT);
	assert_int_equal(r->ev[0].ip, IP_US);
	assert_memory_equal(r->ev[0].mac, MAC_PEER, 6);
	assert_false(hz_arp_addr_ready(&r->a));
	assert_int_equal(r->a.drops[HZ_ARP_DROP_CONFLICT], 1);
	/* Probing stops; nothing is announced, nothing answered. */
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(30)), HZ_TIME_NEVER);
	assert_int_equal(feed_request(r, MAC_PEER2, IP_PEER2, IP_US, HZ_SEC(31)), HZ_OK);
	assert_int_equal(r->nf, 0);
	assert_int_equal(r->nev, 1);
	free(r);

	/* Another host probes for the same address at the same time. */
	r = rig_new(true);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 0), HZ_OK);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(1)), HZ_SEC(2));
	assert_int_equal(r->nf, 1);
	/* A probe for another address is harmless. */
	assert_int_equal(feed_request(r, MAC_PEER, 0, IP_OTHER, HZ_MSEC(1100)), HZ_OK);
	assert_int_equal(r->nev, 0);
	assert_int_equal(feed_request(r, MAC_PEER, 0, IP_US, HZ_MSEC(1200)), HZ_OK);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_CONFLICT);
	assert_memory_equal(r->ev[0].mac, MAC_PEER, 6);
	assert_false(hz_arp_addr_ready(&r->a));
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(10)), HZ_TIME_NEVER);
	assert_int_equal(r->nf, 1);
	/* A new address probes afresh. */
	assert_int_equal(hz_arp_addr_set(&r->a, IP_OTHER, HZ_SEC(10)), HZ_OK);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(10)), HZ_SEC(11));
	free(r);

	/* A conflict in ANNOUNCE_WAIT, after the last probe, still counts. */
	r = rig_new(true);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 0), HZ_OK);
	hz_time_t t = 0;
	for (int i = 0; i < 3; i++)
		t = hz_arp_poll(&r->a, t);
	assert_int_equal(r->nf, 3);
	assert_int_equal(t, HZ_SEC(2) + HZ_SEC(2)); /* probes at 0, 1, 2 s + ANNOUNCE_WAIT */
	assert_int_equal(feed_request(r, MAC_PEER, IP_US, IP_US, t - 1), HZ_OK);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_CONFLICT);
	assert_int_equal(hz_arp_poll(&r->a, t), HZ_TIME_NEVER);
	assert_false(hz_arp_addr_ready(&r->a));
	assert_int_equal(r->nf, 3);
	free(r);
}

static void test_defend(void **state)
{
	(void)state;
	struct rig *r = rig_bound();
	hz_time_t t = HZ_SEC(100);
	/* Someone else claims our bound address (RFC 5227 2.4). */
	assert_int_equal(feed_request(r, MAC_PEER, IP_US, IP_US, t), HZ_OK);
	assert_int_equal(r->nf, 1);
	check_arp(r, 0, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_US);
	assert_int_equal(r->nev, 1);
	assert_int_equal(r->ev[0].ev, HZ_ARP_EV_CONFLICT);
	assert_memory_equal(r->ev[0].mac, MAC_PEER, 6);
	assert_true(hz_arp_addr_ready(&r->a));
	/* The claim is not cached as a neighbour. */
	uint8_t mac[6];
	assert_int_equal(hz_arp_lookup(&r->a, IP_US, mac), HZ_ERR_NOT_FOUND);
	/* Within DEFEND_INTERVAL: reported, not defended again. */
	assert_int_equal(feed_reply(r, MAC_PEER, IP_US, IP_US, t + HZ_SEC(5)), HZ_OK);
	assert_int_equal(r->nf, 1);
	assert_int_equal(r->nev, 2);
	assert_int_equal(feed_request(r, MAC_PEER, IP_US, IP_US, t + HZ_SEC(10) - 1), HZ_OK);
	assert_int_equal(r->nf, 1);
	/* After it: defended once more. */
	assert_int_equal(feed_request(r, MAC_PEER, IP_US, IP_US, t + HZ_SEC(10)), HZ_OK);
	assert_int_equal(r->nf, 2);
	check_arp(r, 1, MAC_BCAST, HZ_ARP_OP_REQUEST, IP_US, MAC_ZERO, IP_US);
	assert_int_equal(r->nev, 4);
	assert_int_equal(r->a.drops[HZ_ARP_DROP_CONFLICT], 4);
	assert_true(hz_arp_addr_ready(&r->a));

	/* A probe for our address from another host is answered, not a
	 * conflict: the reply tells the prober the address is taken. */
	assert_int_equal(feed_request(r, MAC_PEER2, 0, IP_US, t + HZ_SEC(11)), HZ_OK);
	assert_int_equal(r->nf, 3);
	check_arp(r, 2, MAC_PEER2, HZ_ARP_OP_REPLY, IP_US, MAC_PEER2, 0);
	assert_int_equal(r->nev, 4);
	assert_int_equal(hz_arp_lookup(&r->a, 0, mac), HZ_ERR_NOT_FOUND);
	free(r);
}

static void test_conflict_rate_limit(void **state)
{
	(void)state;
	struct rig *r = rig_new(true);
	r->a.cfg.max_conflicts = 2;
	/* Two conflicts in a row, the last at t = 5 s. */
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 0), HZ_OK);
	assert_int_equal(feed_reply(r, MAC_PEER, IP_US, 0, HZ_SEC(1)), HZ_OK);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_OTHER, HZ_SEC(2)), HZ_OK);
	/* Below the limit the first probe waits only PROBE_WAIT. */
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(2)), HZ_SEC(3));
	assert_int_equal(r->nf, 1);
	r->nf = 0;
	assert_int_equal(feed_reply(r, MAC_PEER, IP_OTHER, 0, HZ_SEC(5)), HZ_OK);
	assert_int_equal(r->a.conflicts, 2);
	/* At MAX_CONFLICTS: no probe before RATE_LIMIT_INTERVAL passes. */
	assert_int_equal(hz_arp_addr_set(&r->a, IP_PEER2, HZ_SEC(6)), HZ_OK);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(6)), HZ_SEC(65));
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(64)), HZ_SEC(65));
	assert_int_equal(r->nf, 0);
	hz_arp_poll(&r->a, HZ_SEC(65));
	assert_int_equal(r->nf, 1);
	check_arp(r, 0, MAC_BCAST, HZ_ARP_OP_REQUEST, 0, MAC_ZERO, IP_PEER2);
	/* Success resets the count. */
	for (hz_time_t t = HZ_SEC(65); hz_arp_addr_ready(&r->a) == false;)
		t = hz_arp_poll(&r->a, t);
	assert_int_equal(r->a.conflicts, 0);
	free(r);
}

static void test_no_shim_no_event_fn(void **state)
{
	(void)state;
	/* Without a shim the random delays are their minimum; without an
	 * event callback events are simply not reported. */
	struct rig *r = rig_new(true);
	struct hz_ethif eth;
	hz_ethif_init(&eth, &r->netif, NULL, 0);
	hz_arp_init(&r->a, &eth, NULL, &r->cfg, r->cache, NCACHE, r->queue, NQUEUE, r->qbuf, QSLOT);
	assert_int_equal(r->a.err, HZ_OK);
	assert_int_equal(hz_arp_addr_set(&r->a, IP_US, 0), HZ_OK);
	assert_int_equal(hz_arp_poll(&r->a, 0), HZ_SEC(1));
	assert_int_equal(r->nf, 1);
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(1)), HZ_SEC(2));
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(2)), HZ_SEC(4));
	assert_int_equal(hz_arp_poll(&r->a, HZ_SEC(4)), HZ_SEC(6));
	assert_true(hz_arp_addr_ready(&r->a));
	assert_int_equal(r->nev, 0);
	/* A queue with no storage refuses to queue. */
	hz_arp_init(&r->a, &(struct hz_ethif){ .netif = &r->netif }, NULL, NULL, r->cache, NCACHE,
	            r->queue, NQUEUE, NULL, QSLOT);
	assert_int_equal(r->a.nqueue, 0);
	free(r);
}

static void test_drop_names(void **state)
{
	(void)state;
	const char *want[HZ_ARP_DROP_COUNT] = {
		"truncated", "malformed", "unsupported", "not_for_us", "bad_sender",
		"conflict", "queue_full", "too_big", "resolve_failed", "evicted",
	};
	for (unsigned i = 0; i < HZ_ARP_DROP_COUNT; i++)
		assert_string_equal(hz_arp_drop_name(i), want[i]);
	assert_string_equal(hz_arp_drop_name(HZ_ARP_DROP_COUNT), "?");
	assert_string_equal(hz_arp_drop_name(~0u), "?");
	for (unsigned i = 0; i < HZ_ARP_DROP_COUNT; i++)
		for (unsigned j = i + 1; j < HZ_ARP_DROP_COUNT; j++)
			assert_string_not_equal(hz_arp_drop_name(i), hz_arp_drop_name(j));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_parse),
		cmocka_unit_test(test_packet_errors),
		cmocka_unit_test(test_init_registers),
		cmocka_unit_test(test_request_reply),
		cmocka_unit_test(test_no_address),
		cmocka_unit_test(test_merge_rule),
		cmocka_unit_test(test_ageing),
		cmocka_unit_test(test_static_entries),
		cmocka_unit_test(test_static_releases_queue),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_resolve_release_in_order),
		cmocka_unit_test(test_retries_and_failure),
		cmocka_unit_test(test_queue_limits),
		cmocka_unit_test(test_output_casts),
		cmocka_unit_test(test_input_drops),
		cmocka_unit_test(test_gratuitous_on_addr_set),
		cmocka_unit_test(test_probe_timeline),
		cmocka_unit_test(test_probe_conflict),
		cmocka_unit_test(test_defend),
		cmocka_unit_test(test_conflict_rate_limit),
		cmocka_unit_test(test_no_shim_no_event_fn),
		cmocka_unit_test(test_drop_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
