/*
 * arp: packet parse/emit and the engine (over a real ethif and a fake
 * netif), driven through time.
 *
 * Input: byte 0 configures (bit 0: RFC 5227 probing, bit 1: 4-entry cache
 * instead of 16, bit 2: 2 pending slots instead of 8), then records of
 * [time step u8][op u8][operands]:
 *   op 0  ARP packet in: flags u8, 28 packet bytes (+ up to 4 padding)
 *         flags bit 0: Ethernet broadcast (else to our MAC); bit 1: force
 *         htype/ptype/hlen/plen valid; bit 2: target our address; bits
 *         3-4: sender IP from {10.0.0.1, 10.0.0.3, ours, 0.0.0.0} (bit 5
 *         keeps the packet's own)
 *   op 1  IPv4 output: cast u8, nexthop u8 (10.0.0.x), len u16
 *   op 2  our address: u8 (0: none, else 10.0.0.x)
 *   op 3  static entry add: host u8, mac 6 bytes
 *   op 4  entry delete: host u8
 *   op 5  poll, then jump the clock to the deadline it returned
 *   (every record also polls at its time)
 *
 * Invariants: parse(emit(parse(x))) is x's first 28 bytes; every frame
 * sent is well-formed (ARP: parses, sender MAC ours, sender IP ours or
 * 0.0.0.0 for a probe; IPv4: one of the packets we sent, whole, to the
 * MAC the cache or the cast dictates); the cache never holds two entries
 * for one IP, group MACs, or an entry for our own address; queued packets
 * wait only on INCOMPLETE entries and fit their slot; poll's deadline is
 * in the future.
 */
#include "fuzz.h"
#include "haze/arp.h"
#include "haze/ethif.h"

#define NCACHE 16
#define NQUEUE 8
#define QSLOT 256
#define MAX_SENT 256

static const uint8_t our_mac[HZ_MAC_LEN] = FZ_MAC_INIT;
static const uint8_t bcast[HZ_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct sent {
	uint32_t nexthop;
	enum hz_cast cast;
	size_t len;
};

static struct {
	struct hz_ethif eth;
	struct hz_arp arp;
	struct hz_arp_entry cache[NCACHE];
	struct hz_arp_pending queue[NQUEUE];
	uint8_t qbuf[NQUEUE * QSLOT];
	struct sent sent[MAX_SENT];
	uint32_t nsent;
	int frames;
} S;

static bool is_group_ip(uint32_t ip)
{
	return (ip >> 28) == 0xe || ip == 0xffffffffu;
}

static int transmit(void *ctx, struct hz_pbuf *pb)
{
	(void)ctx;
	struct hz_ethif_frame f;
	const uint8_t *d = hz_pbuf_data(pb);
	FZ_CHECK(hz_ethif_frame_parse(&f, d, pb->len) == HZ_OK);
	FZ_CHECK(memcmp(f.src, our_mac, HZ_MAC_LEN) == 0);
	S.frames++;
	if (f.type == HZ_ETHIF_TYPE_ARP) {
		struct hz_arp_packet p;
		FZ_CHECK(hz_arp_packet_parse(&p, f.payload, f.payload_len) == HZ_OK);
		FZ_CHECK(memcmp(p.sha, our_mac, HZ_MAC_LEN) == 0);
		FZ_CHECK(p.spa == S.arp.addr || p.spa == 0);
		FZ_CHECK(p.op == HZ_ARP_OP_REQUEST || p.op == HZ_ARP_OP_REPLY);
		if (p.op == HZ_ARP_OP_REPLY)
			FZ_CHECK(p.spa == S.arp.addr && p.spa != 0);
		return HZ_OK;
	}
	FZ_CHECK(f.type == HZ_ETHIF_TYPE_IPV4);
	/* one of ours: a 4-byte sequence number, then filler */
	FZ_CHECK(f.payload_len >= 4);
	uint32_t seq = hz_be32_load(f.payload);
	FZ_CHECK(seq < S.nsent);
	const struct sent *s = &S.sent[seq];
	FZ_CHECK(f.payload_len == s->len);
	for (size_t i = 4; i < s->len; i++)
		FZ_CHECK(f.payload[i] == (uint8_t)(seq + i));
	if (s->cast == HZ_CAST_BROADCAST) {
		FZ_CHECK(memcmp(f.dst, bcast, HZ_MAC_LEN) == 0);
	} else if (s->cast == HZ_CAST_MULTICAST) {
		uint8_t m[HZ_MAC_LEN];
		hz_ethif_mcast_ipv4_mac(s->nexthop, m);
		FZ_CHECK(memcmp(f.dst, m, HZ_MAC_LEN) == 0);
	} else {
		uint8_t m[HZ_MAC_LEN];
		FZ_CHECK(hz_arp_lookup(&S.arp, s->nexthop, m) == HZ_OK);
		FZ_CHECK(memcmp(f.dst, m, HZ_MAC_LEN) == 0);
		FZ_CHECK(!(f.dst[0] & 1u));
	}
	return HZ_OK;
}

static void on_event(void *ctx, enum hz_arp_event ev, uint32_t ip, const uint8_t mac[HZ_MAC_LEN])
{
	(void)ctx;
	(void)mac;
	FZ_CHECK(ev >= HZ_ARP_EV_ADDR_READY && ev <= HZ_ARP_EV_RESOLVED);
	if (ev == HZ_ARP_EV_ADDR_READY || ev == HZ_ARP_EV_CONFLICT)
		FZ_CHECK(ip == S.arp.addr);
}

static void check_wire(const uint8_t *b, size_t len)
{
	struct hz_arp_packet p, q;
	int rc = hz_arp_packet_parse(&p, b, len);
	FZ_CHECK(rc == HZ_OK || rc == HZ_ERR_MALFORMED || rc == HZ_ERR_UNSUPPORTED);
	if (len < HZ_ARP_PACKET_LEN)
		FZ_CHECK(rc == HZ_ERR_MALFORMED);
	if (rc != HZ_OK)
		return;
	uint8_t out[HZ_ARP_PACKET_LEN];
	FZ_CHECK(hz_arp_packet_emit(out, &p) == HZ_ARP_PACKET_LEN);
	FZ_CHECK(memcmp(out, b, HZ_ARP_PACKET_LEN) == 0);
	FZ_CHECK(hz_arp_packet_parse(&q, out, sizeof out) == HZ_OK);
	FZ_CHECK(memcmp(&p, &q, sizeof p) == 0 || (p.op == q.op && p.spa == q.spa && p.tpa == q.tpa));
}

static void check_tables(hz_time_t now)
{
	const struct hz_arp *a = &S.arp;
	for (size_t i = 0; i < a->ncache; i++) {
		const struct hz_arp_entry *e = &a->cache[i];
		FZ_CHECK(e->state <= HZ_ARP_STATE_STATIC);
		if (e->state == HZ_ARP_STATE_FREE)
			continue;
		FZ_CHECK(e->ip != 0 && !is_group_ip(e->ip));
		if (e->state != HZ_ARP_STATE_STATIC && a->addr)
			FZ_CHECK(e->ip != a->addr);
		if (e->state != HZ_ARP_STATE_INCOMPLETE)
			FZ_CHECK(!(e->mac[0] & 1u));
		if (e->state != HZ_ARP_STATE_STATIC)
			FZ_CHECK(e->deadline != HZ_TIME_NEVER);
		for (size_t j = i + 1; j < a->ncache; j++)
			FZ_CHECK(a->cache[j].state == HZ_ARP_STATE_FREE || a->cache[j].ip != e->ip);
	}
	for (size_t i = 0; i < a->nqueue; i++) {
		const struct hz_arp_pending *p = &a->queue[i];
		if (!p->len)
			continue;
		FZ_CHECK(p->len <= a->qslot_size - HZ_ARP_QSLOT_HEADROOM);
		bool waiting = false;
		for (size_t j = 0; j < a->ncache; j++)
			if (a->cache[j].state == HZ_ARP_STATE_INCOMPLETE && a->cache[j].ip == p->ip)
				waiting = true;
		FZ_CHECK(waiting);
	}
	FZ_CHECK(a->now <= now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	uint8_t cfgb = fz_u8(&in);

	memset(&S, 0, sizeof S);
	struct fz_rng rng;
	struct hz_shim shim;
	fz_shim_init(&shim, &rng, 1);
	struct hz_netif netif = { .ctx = NULL, .transmit = transmit, .mac = FZ_MAC_INIT, .mtu = 1500 };
	hz_ethif_init(&S.eth, &netif, NULL, 0);
	struct hz_arp_config cfg;
	hz_arp_config_default(&cfg);
	cfg.probe = cfgb & 1u;
	size_t ncache = (cfgb & 2u) ? 4 : NCACHE;
	size_t nqueue = (cfgb & 4u) ? 2 : NQUEUE;
	hz_arp_init(&S.arp, &S.eth, &shim, &cfg, S.cache, ncache, S.queue, nqueue, S.qbuf, QSLOT);
	FZ_CHECK(S.arp.err == HZ_OK);
	hz_arp_event_set(&S.arp, on_event, NULL);
	hz_time_t now = HZ_SEC(1000);
	FZ_CHECK(hz_arp_addr_set(&S.arp, FZ_ADDR, now) == HZ_OK);
	FZ_CHECK(hz_arp_addr_set(&S.arp, 0xe0000001u, now) == HZ_ERR_INVALID);

	static uint8_t frame[64];
	static uint8_t store[HZ_PBUF_HEADROOM + 1500];

	for (int step = 0; step < 128 && !fz_in_empty(&in); step++) {
		now += fz_step(fz_u8(&in));
		uint8_t op = fz_u8(&in);
		switch (op % 6) {
		case 0: {
			uint8_t flags = fz_u8(&in);
			size_t n;
			const uint8_t *p = fz_bytes(&in, HZ_ARP_PACKET_LEN + (op >> 6), &n);
			uint8_t *pkt = frame + HZ_ETHIF_HDR_LEN;
			memcpy(pkt, p, n);
			check_wire(pkt, n);
			if (n >= HZ_ARP_PACKET_LEN) {
				static const uint32_t senders[4] = { FZ_GATEWAY, 0x0a000003u, FZ_ADDR, 0 };
				if (flags & 2u) {
					hz_be16_store(pkt, HZ_ARP_HTYPE_ETHERNET);
					hz_be16_store(pkt + 2, HZ_ARP_PTYPE_IPV4);
					pkt[4] = 6;
					pkt[5] = 4;
					pkt[6] = 0;
					pkt[7] = (uint8_t)(1 + (pkt[7] & 1u));
				}
				if (!(flags & 0x20u))
					hz_be32_store(pkt + 14, senders[(flags >> 3) & 3u]);
				if (flags & 4u)
					hz_be32_store(pkt + 24, FZ_ADDR);
				check_wire(pkt, n);
			}
			memcpy(frame, (flags & 1u) ? bcast : our_mac, HZ_MAC_LEN);
			/* source MAC: the packet's sender hardware address */
			if (n >= 14)
				memcpy(frame + 6, pkt + 8, HZ_MAC_LEN);
			else
				memset(frame + 6, 0x02, HZ_MAC_LEN);
			hz_be16_store(frame + 12, HZ_ETHIF_TYPE_ARP);
			hz_ethif_input(&S.eth, frame, HZ_ETHIF_HDR_LEN + n, now);
			break;
		}
		case 1: {
			uint8_t c = fz_u8(&in) % 3;
			uint8_t host = fz_u8(&in);
			size_t len = 4 + fz_u16(&in) % 400;
			if (S.nsent == MAX_SENT)
				break;
			uint32_t seq = S.nsent++;
			struct sent *s = &S.sent[seq];
			s->cast = (enum hz_cast)c;
			s->nexthop = c == HZ_CAST_MULTICAST ? 0xe0000000u | host
			           : c == HZ_CAST_BROADCAST ? 0xffffffffu : 0x0a000000u | host;
			s->len = len;
			struct hz_pbuf pb;
			hz_pbuf_init(&pb, store, sizeof store, HZ_PBUF_HEADROOM);
			uint8_t *q = hz_pbuf_put(&pb, len);
			if (!q)
				abort(); /* store is sized for the largest len */
			hz_be32_store(q, seq);
			for (size_t i = 4; i < len; i++)
				q[i] = (uint8_t)(seq + i);
			S.arp.now = now; /* as if an input or poll had just happened */
			int rc = hz_arp_output(&S.arp, &pb, s->nexthop, s->cast);
			FZ_CHECK(rc <= 0);
			FZ_CHECK(pb.head == HZ_PBUF_HEADROOM && pb.len == len);
			FZ_CHECK(hz_be32_load(hz_pbuf_data(&pb)) == seq);
			if (c == HZ_CAST_UNICAST && s->nexthop == S.arp.addr)
				FZ_CHECK(rc == HZ_ERR_INVALID);
			break;
		}
		case 2: {
			uint8_t host = fz_u8(&in);
			uint32_t ip = host ? 0x0a000000u | host : 0;
			FZ_CHECK(hz_arp_addr_set(&S.arp, ip, now) == HZ_OK);
			FZ_CHECK(S.arp.addr == ip);
			break;
		}
		case 3: {
			uint8_t host = fz_u8(&in);
			uint8_t mac[HZ_MAC_LEN];
			size_t n;
			const uint8_t *m = fz_bytes(&in, HZ_MAC_LEN, &n);
			memset(mac, 0, sizeof mac);
			memcpy(mac, m, n);
			uint32_t ip = 0x0a000000u | host;
			if (ip == S.arp.addr)
				break;
			int rc = hz_arp_entry_add_static(&S.arp, ip, mac);
			if (rc == HZ_OK) {
				uint8_t got[HZ_MAC_LEN];
				FZ_CHECK(hz_arp_lookup(&S.arp, ip, got) == HZ_OK);
				FZ_CHECK(memcmp(got, mac, HZ_MAC_LEN) == 0);
			} else {
				FZ_CHECK(rc == HZ_ERR_INVALID || rc == HZ_ERR_NO_SPACE);
				FZ_CHECK(rc == HZ_ERR_NO_SPACE || host == 0 || (mac[0] & 1u));
			}
			break;
		}
		case 4: {
			uint32_t ip = 0x0a000000u | fz_u8(&in);
			int rc = hz_arp_entry_del(&S.arp, ip);
			FZ_CHECK(rc == HZ_OK || rc == HZ_ERR_NOT_FOUND);
			uint8_t got[HZ_MAC_LEN];
			FZ_CHECK(hz_arp_lookup(&S.arp, ip, got) == HZ_ERR_NOT_FOUND);
			break;
		}
		default: {
			hz_time_t next = hz_arp_poll(&S.arp, now);
			FZ_CHECK(next > now);
			if (next != HZ_TIME_NEVER && next - now < HZ_SEC(3600))
				now = next;
			break;
		}
		}
		check_tables(now);
		hz_time_t next = hz_arp_poll(&S.arp, now);
		FZ_CHECK(next > now);
		check_tables(now);
	}
	for (unsigned i = 0; i < HZ_ARP_DROP_COUNT; i++)
		FZ_CHECK(strcmp(hz_arp_drop_name(i), "?") != 0);
	return 0;
}
