/* ethif unit tests: framing, parse errors, filtering, VLAN policy,
 * multicast groups, demultiplexing, output and drop reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/ethif.h"

static const uint8_t MAC_US[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t MAC_PEER[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t MAC_OTHER[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t MAC_BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MAC_MDNS[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };

/* ------------------------------------------------------------------ */
/* Fake netif and upper protocol                                       */
/* ------------------------------------------------------------------ */

struct fake_link {
	int rc; /* what transmit returns */
	size_t n;
	uint8_t frame[4][256];
	size_t len[4];
	uint16_t csum_start[4];
};

static int fake_transmit(void *ctx, struct hz_pbuf *pb)
{
	struct fake_link *l = ctx;
	if (l->rc)
		return l->rc;
	if (l->n < 4) {
		size_t n = pb->len < 256 ? pb->len : 256;
		memcpy(l->frame[l->n], hz_pbuf_data(pb), n);
		l->len[l->n] = pb->len;
		l->csum_start[l->n] = pb->csum_start;
	}
	l->n++;
	return HZ_OK;
}

struct upper {
	int rc;
	unsigned calls;
	uint16_t type;
	bool has_vlan;
	uint16_t tci;
	enum hz_cast cast;
	uint8_t rx_flags;
	hz_time_t now;
	uint8_t payload[64];
	size_t payload_len;
};

static int upper_input(void *ctx, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct upper *u = ctx;
	u->calls++;
	u->type = f->type;
	u->has_vlan = f->has_vlan;
	u->tci = f->tci;
	u->cast = f->cast;
	u->rx_flags = f->rx_flags;
	u->now = now;
	u->payload_len = f->payload_len;
	memcpy(u->payload, f->payload, f->payload_len < 64 ? f->payload_len : 64);
	return u->rc;
}

struct rig {
	struct fake_link link;
	struct hz_netif netif;
	struct hz_ethif_group groups[2];
	struct hz_ethif e;
	struct upper ip, arp;
};

static void rig_init(struct rig *r)
{
	memset(r, 0, sizeof *r);
	r->netif.ctx = &r->link;
	r->netif.transmit = fake_transmit;
	memcpy(r->netif.mac, MAC_US, 6);
	r->netif.mtu = 1500;
	hz_ethif_init(&r->e, &r->netif, r->groups, 2);
	assert_int_equal(hz_ethif_proto_register(&r->e, HZ_ETHIF_TYPE_IPV4, upper_input, &r->ip), HZ_OK);
	assert_int_equal(hz_ethif_proto_register(&r->e, HZ_ETHIF_TYPE_ARP, upper_input, &r->arp), HZ_OK);
}

/* Build a frame by hand: dst, src, [0x8100 tci], type, payload. */
static size_t mkframe(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], int tci, uint16_t type,
                      const void *payload, size_t plen)
{
	size_t n = 0;
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	n = 12;
	if (tci >= 0) {
		out[n++] = 0x81;
		out[n++] = 0x00;
		out[n++] = (uint8_t)(tci >> 8);
		out[n++] = (uint8_t)tci;
	}
	out[n++] = (uint8_t)(type >> 8);
	out[n++] = (uint8_t)type;
	memcpy(out + n, payload, plen);
	return n + plen;
}

/* Parse from a heap copy of exactly len bytes, so ASan catches any read
 * past the end. */
static int parse_exact(struct hz_ethif_frame *f, const uint8_t *buf, size_t len, uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	memcpy(*copy, buf, len);
	return hz_ethif_frame_parse(f, *copy, len);
}

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

static void test_parse_untagged(void **state)
{
	(void)state;
	/* An Ethernet II frame carrying the first bytes of an IPv4 header,
	 * laid out as RFC 894 describes: 6+6+2 octets, then the datagram. */
	const uint8_t frame[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* destination */
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* source */
		0x08, 0x00,                         /* type: IPv4 */
		0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, /* payload */
	};
	struct hz_ethif_frame f;
	uint8_t *copy;
	assert_int_equal(parse_exact(&f, frame, sizeof frame, &copy), HZ_OK);
	assert_ptr_equal(f.dst, copy);
	assert_ptr_equal(f.src, copy + 6);
	assert_memory_equal(f.src, MAC_PEER, 6);
	assert_int_equal(f.type, 0x0800);
	assert_false(f.has_vlan);
	assert_int_equal(f.tci, 0);
	assert_int_equal(f.cast, HZ_CAST_UNICAST);
	assert_ptr_equal(f.payload, copy + 14);
	assert_int_equal(f.payload_len, 6);
	assert_int_equal(f.payload[0], 0x45);
	free(copy);

	/* Exactly a header: empty payload. */
	assert_int_equal(parse_exact(&f, frame, 14, &copy), HZ_OK);
	assert_int_equal(f.payload_len, 0);
	free(copy);
}

static void test_parse_vlan(void **state)
{
	(void)state;
	/* 802.1Q: TPID 0x8100, TCI = PCP 3, DEI 0, VID 100 = 0x6064. */
	const uint8_t frame[] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
		0x81, 0x00, 0x60, 0x64,
		0x86, 0xdd,
		0x60, 0x00,
	};
	struct hz_ethif_frame f;
	uint8_t *copy;
	assert_int_equal(parse_exact(&f, frame, sizeof frame, &copy), HZ_OK);
	assert_true(f.has_vlan);
	assert_int_equal(f.tci, 0x6064);
	assert_int_equal(HZ_ETHIF_TCI_VID(f.tci), 100);
	assert_int_equal(HZ_ETHIF_TCI_PCP(f.tci), 3);
	assert_int_equal(f.type, HZ_ETHIF_TYPE_IPV6);
	assert_int_equal(f.cast, HZ_CAST_BROADCAST);
	assert_ptr_equal(f.payload, copy + 18);
	assert_int_equal(f.payload_len, 2);
	free(copy);
	assert_int_equal(HZ_ETHIF_TCI(3, 100), 0x6064);
	assert_int_equal(HZ_ETHIF_TCI(7, 4095), 0xefff);
}

static void test_parse_errors(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct hz_ethif_frame f;
	uint8_t *copy;
	size_t n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "xyz", 3);
	for (size_t len = 0; len < 14; len++) {
		assert_int_equal(parse_exact(&f, buf, len, &copy), HZ_ERR_MALFORMED);
		free(copy);
	}
	assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_OK);
	free(copy);

	/* A tag needs 18 bytes. */
	n = mkframe(buf, MAC_US, MAC_PEER, 5, 0x0800, "", 0);
	assert_int_equal(n, 18);
	for (size_t len = 14; len < 18; len++) {
		assert_int_equal(parse_exact(&f, buf, len, &copy), HZ_ERR_MALFORMED);
		free(copy);
	}
	assert_int_equal(parse_exact(&f, buf, 18, &copy), HZ_OK);
	free(copy);

	/* 802.3 length fields: 46 and 1500, and the boundary 0x05ff/0x0600. */
	const uint16_t lens[] = { 46, 1500, 0x05ff, 0 };
	for (size_t i = 0; i < 4; i++) {
		n = mkframe(buf, MAC_US, MAC_PEER, -1, lens[i], "\xaa\xaa\x03", 3);
		assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_ERR_UNSUPPORTED);
		free(copy);
		n = mkframe(buf, MAC_US, MAC_PEER, 7, lens[i], "\xaa\xaa\x03", 3);
		assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_ERR_UNSUPPORTED);
		free(copy);
	}
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0600, "", 0);
	assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_OK);
	free(copy);

	/* QinQ: an S-tag outside, a second C-tag inside, 0x9100. */
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x88a8, "\x00\x05\x81\x00\x00\x07\x08\x00", 8);
	assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_ERR_UNSUPPORTED);
	free(copy);
	n = mkframe(buf, MAC_US, MAC_PEER, 5, 0x8100, "\x00\x07\x08\x00", 4);
	assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_ERR_UNSUPPORTED);
	free(copy);
	n = mkframe(buf, MAC_US, MAC_PEER, 5, 0x88a8, "\x00\x07\x08\x00", 4);
	assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_ERR_UNSUPPORTED);
	free(copy);
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x9100, "\x00\x07\x08\x00", 4);
	assert_int_equal(parse_exact(&f, buf, n, &copy), HZ_ERR_UNSUPPORTED);
	free(copy);
}

static void test_mac_cast(void **state)
{
	(void)state;
	assert_int_equal(hz_ethif_mac_cast(MAC_US), HZ_CAST_UNICAST);
	assert_int_equal(hz_ethif_mac_cast(MAC_BCAST), HZ_CAST_BROADCAST);
	assert_int_equal(hz_ethif_mac_cast(MAC_MDNS), HZ_CAST_MULTICAST);
	const uint8_t almost[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe };
	assert_int_equal(hz_ethif_mac_cast(almost), HZ_CAST_MULTICAST);
	const uint8_t v6[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	assert_int_equal(hz_ethif_mac_cast(v6), HZ_CAST_MULTICAST);
	const uint8_t local[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(hz_ethif_mac_cast(local), HZ_CAST_UNICAST);
	assert_memory_equal(hz_ethif_mac_broadcast, MAC_BCAST, 6);
}

static void test_hdr_push_roundtrip(void **state)
{
	(void)state;
	uint8_t store[64];
	struct hz_pbuf pb;
	struct hz_ethif_frame f;
	struct hz_ethif_hdr h = { .type = 0x0806, .has_vlan = false };
	memcpy(h.dst, MAC_BCAST, 6);
	memcpy(h.src, MAC_US, 6);

	hz_pbuf_init(&pb, store, sizeof store, 20);
	assert_int_equal(hz_pbuf_append(&pb, "abcd", 4), HZ_OK);
	assert_int_equal(hz_ethif_hdr_push(&pb, &h), 14);
	assert_int_equal(pb.len, 18);
	assert_int_equal(pb.head, 6);
	const uint8_t *p = hz_pbuf_data(&pb);
	assert_memory_equal(p, MAC_BCAST, 6);
	assert_memory_equal(p + 6, MAC_US, 6);
	assert_int_equal(p[12], 0x08);
	assert_int_equal(p[13], 0x06);
	assert_memory_equal(p + 14, "abcd", 4);
	assert_int_equal(hz_ethif_frame_parse(&f, p, pb.len), HZ_OK);
	assert_memory_equal(f.dst, h.dst, 6);
	assert_memory_equal(f.src, h.src, 6);
	assert_int_equal(f.type, h.type);
	assert_false(f.has_vlan);
	assert_int_equal(f.payload_len, 4);

	/* Tagged: 18 bytes, TPID then TCI then type. */
	struct hz_ethif_hdr t = { .type = 0x0800, .has_vlan = true, .tci = HZ_ETHIF_TCI(5, 4094) };
	memcpy(t.dst, MAC_PEER, 6);
	memcpy(t.src, MAC_US, 6);
	hz_pbuf_init(&pb, store, sizeof store, 20);
	assert_int_equal(hz_pbuf_append(&pb, "abcd", 4), HZ_OK);
	assert_int_equal(hz_ethif_hdr_push(&pb, &t), 18);
	p = hz_pbuf_data(&pb);
	assert_memory_equal(p + 12, "\x81\x00\xaf\xfe\x08\x00", 6);
	assert_int_equal(hz_ethif_frame_parse(&f, p, pb.len), HZ_OK);
	assert_true(f.has_vlan);
	assert_int_equal(f.tci, t.tci);
	assert_int_equal(f.type, t.type);
	assert_memory_equal(f.dst, t.dst, 6);
	assert_memory_equal(f.payload, "abcd", 4);

	/* Not enough headroom: nothing changes. */
	hz_pbuf_init(&pb, store, sizeof store, 17);
	assert_int_equal(hz_ethif_hdr_push(&pb, &t), HZ_ERR_NO_SPACE);
	assert_int_equal(pb.head, 17);
	assert_int_equal(pb.len, 0);
	assert_int_equal(hz_ethif_hdr_push(&pb, &h), 14);
	/* A length, not a type. */
	h.type = 1500;
	hz_pbuf_init(&pb, store, sizeof store, 20);
	assert_int_equal(hz_ethif_hdr_push(&pb, &h), HZ_ERR_INVALID);
	assert_int_equal(pb.head, 20);
}

static void test_mcast_mapping(void **state)
{
	(void)state;
	uint8_t mac[6];
	/* RFC 1112 6.4 examples by rule: 01-00-5E + low 23 bits. */
	hz_ethif_mcast_ipv4_mac(0xe0000001u, mac); /* 224.0.0.1 */
	assert_memory_equal(mac, "\x01\x00\x5e\x00\x00\x01", 6);
	hz_ethif_mcast_ipv4_mac(0xeffffffau, mac); /* 239.255.255.250 */
	assert_memory_equal(mac, "\x01\x00\x5e\x7f\xff\xfa", 6);
	hz_ethif_mcast_ipv4_mac(0xe08000fbu, mac); /* 224.128.0.251: bit 23 lost */
	assert_memory_equal(mac, "\x01\x00\x5e\x00\x00\xfb", 6);
	assert_int_equal(hz_ethif_mac_cast(mac), HZ_CAST_MULTICAST);
	/* RFC 2464 7: 33-33 + last four octets. */
	uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };
	hz_ethif_mcast_ipv6_mac(all_nodes, mac);
	assert_memory_equal(mac, "\x33\x33\x00\x00\x00\x01", 6);
	uint8_t sol[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff, [13] = 0x00, [14] = 0x12, [15] = 0x34 };
	hz_ethif_mcast_ipv6_mac(sol, mac);
	assert_memory_equal(mac, "\x33\x33\xff\x00\x12\x34", 6);
}

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

static void test_register(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	struct upper u;
	assert_int_equal(hz_ethif_proto_register(&r.e, HZ_ETHIF_TYPE_ARP, upper_input, &u), HZ_ERR_IN_USE);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x05dc, upper_input, &u), HZ_ERR_INVALID);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x8100, upper_input, &u), HZ_ERR_INVALID);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x88a8, upper_input, &u), HZ_ERR_INVALID);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x86dd, NULL, &u), HZ_ERR_INVALID);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x86dd, upper_input, &u), HZ_OK);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x88cc, upper_input, &u), HZ_OK);
	assert_int_equal(hz_ethif_proto_register(&r.e, 0x88b5, upper_input, &u), HZ_ERR_NO_SPACE);
}

static void test_input_demux(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	uint8_t buf[128];
	/* Padded to the 60-byte minimum: the padding reaches the upper layer,
	 * which knows its own length. */
	uint8_t payload[46] = { 0x45, 0x00, 0x00, 0x14 };
	size_t n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, payload, sizeof payload);
	assert_int_equal(n, 60);
	assert_int_equal(hz_ethif_input(&r.e, buf, n, 1234), HZ_OK);
	assert_int_equal(r.ip.calls, 1);
	assert_int_equal(r.arp.calls, 0);
	assert_int_equal(r.ip.type, 0x0800);
	assert_int_equal(r.ip.now, 1234);
	assert_int_equal(r.ip.cast, HZ_CAST_UNICAST);
	assert_int_equal(r.ip.payload_len, 46);
	assert_memory_equal(r.ip.payload, payload, 46);

	n = mkframe(buf, MAC_BCAST, MAC_PEER, -1, 0x0806, "arp!", 4);
	assert_int_equal(hz_ethif_input(&r.e, buf, n, 99), HZ_OK);
	assert_int_equal(r.arp.calls, 1);
	assert_int_equal(r.arp.cast, HZ_CAST_BROADCAST);
	assert_memory_equal(r.arp.payload, "arp!", 4);
	assert_int_equal(r.e.rx_frames, 2);
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++)
		assert_int_equal(r.e.drops[i], 0);
}

/* Feed one frame and check it bumps exactly counter `why` and returns rc. */
static void expect_drop(struct rig *r, const uint8_t *buf, size_t n, enum hz_ethif_drop why, int rc)
{
	uint64_t before[HZ_ETHIF_DROP_COUNT];
	memcpy(before, r->e.drops, sizeof before);
	unsigned calls = r->ip.calls + r->arp.calls;
	uint64_t rx = r->e.rx_frames;
	assert_int_equal(hz_ethif_input(&r->e, buf, n, 0), rc);
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++)
		assert_int_equal(r->e.drops[i], before[i] + (i == (unsigned)why));
	assert_int_equal(r->ip.calls + r->arp.calls, calls);
	assert_int_equal(r->e.rx_frames, rx);
}

static void expect_ok(struct rig *r, const uint8_t *buf, size_t n)
{
	uint64_t rx = r->e.rx_frames;
	assert_int_equal(hz_ethif_input(&r->e, buf, n, 0), HZ_OK);
	assert_int_equal(r->e.rx_frames, rx + 1);
}

/* The device's metadata reaches the protocol in the frame view, for that
 * frame only; plain input and parsing give none. */
static void test_input_meta(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	uint8_t buf[128];
	size_t n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "x", 1);
	assert_int_equal(hz_ethif_input_meta(&r.e, buf, n, HZ_IP_RX_CSUM_VALID, 0), HZ_OK);
	assert_int_equal(r.ip.rx_flags, HZ_IP_RX_CSUM_VALID);
	assert_int_equal(hz_ethif_input(&r.e, buf, n, 0), HZ_OK);
	assert_int_equal(r.ip.rx_flags, 0);
	struct hz_ethif_frame f;
	memset(&f, 0xff, sizeof f);
	assert_int_equal(hz_ethif_frame_parse(&f, buf, n), HZ_OK);
	assert_int_equal(f.rx_flags, 0);
}

static void test_input_drops(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	uint8_t buf[128];
	size_t n;

	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "x", 1);
	expect_drop(&r, buf, 13, HZ_ETHIF_DROP_TRUNCATED, HZ_ERR_MALFORMED);
	n = mkframe(buf, MAC_US, MAC_PEER, 0, 0x0800, "", 0);
	expect_drop(&r, buf, 16, HZ_ETHIF_DROP_TRUNCATED, HZ_ERR_MALFORMED);
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 100, "\xaa\xaa\x03", 3);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_UNSUPPORTED_TYPE, HZ_ERR_UNSUPPORTED);
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x88a8, "\x00\x01\x81\x00\x00\x02\x08\x00", 8);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_UNSUPPORTED_TYPE, HZ_ERR_UNSUPPORTED);
	n = mkframe(buf, MAC_US, MAC_MDNS, -1, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_BAD_SOURCE, HZ_ERR_INVALID);
	n = mkframe(buf, MAC_OTHER, MAC_PEER, -1, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
	n = mkframe(buf, MAC_US, MAC_PEER, 42, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x86dd, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_NO_HANDLER, HZ_ERR_NOT_FOUND);
	r.ip.rc = HZ_ERR_CHECKSUM;
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "x", 1);
	{
		/* The protocol's error comes back uncounted by ethif: the
		 * protocol counts its own reason. */
		uint64_t before[HZ_ETHIF_DROP_COUNT];
		memcpy(before, r.e.drops, sizeof before);
		assert_int_equal(hz_ethif_input(&r.e, buf, n, 0), HZ_ERR_CHECKSUM);
		assert_memory_equal(before, r.e.drops, sizeof before);
	}
	assert_int_equal(r.ip.calls, 1);
	/* A positive return (a byte count) is success. */
	r.ip.rc = 7;
	expect_ok(&r, buf, n);
}

static void test_filtering(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	uint8_t buf[64];
	size_t n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "x", 1);
	expect_ok(&r, buf, n);
	n = mkframe(buf, MAC_BCAST, MAC_PEER, -1, 0x0800, "x", 1);
	expect_ok(&r, buf, n);
	assert_int_equal(r.ip.cast, HZ_CAST_BROADCAST);
	n = mkframe(buf, MAC_MDNS, MAC_PEER, -1, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_ethif_mcast_join(&r.e, MAC_MDNS), HZ_OK);
	expect_ok(&r, buf, n);
	assert_int_equal(r.ip.cast, HZ_CAST_MULTICAST);
	assert_int_equal(hz_ethif_mcast_leave(&r.e, MAC_MDNS), HZ_OK);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);

	/* Promiscuous: any destination, still VLAN- and type-checked. */
	r.e.promisc = true;
	expect_ok(&r, buf, n);
	n = mkframe(buf, MAC_OTHER, MAC_PEER, -1, 0x0800, "x", 1);
	expect_ok(&r, buf, n);
	assert_int_equal(r.ip.cast, HZ_CAST_UNICAST);
	n = mkframe(buf, MAC_OTHER, MAC_PEER, 9, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);
	r.e.promisc = false;
}

static void test_mcast_refcount(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	const uint8_t g2[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	const uint8_t g3[6] = { 0x01, 0x00, 0x5e, 0, 0, 1 };

	assert_int_equal(hz_ethif_mcast_join(&r.e, MAC_US), HZ_ERR_INVALID);
	assert_int_equal(hz_ethif_mcast_join(&r.e, MAC_BCAST), HZ_ERR_INVALID);
	assert_int_equal(hz_ethif_mcast_leave(&r.e, MAC_MDNS), HZ_ERR_NOT_FOUND);

	assert_int_equal(hz_ethif_mcast_join(&r.e, MAC_MDNS), HZ_OK);
	assert_int_equal(hz_ethif_mcast_join(&r.e, MAC_MDNS), HZ_OK);
	assert_true(hz_ethif_mcast_joined(&r.e, MAC_MDNS));
	assert_int_equal(hz_ethif_mcast_join(&r.e, g2), HZ_OK);
	/* Two slots, both used: a third group does not fit. */
	assert_int_equal(hz_ethif_mcast_join(&r.e, g3), HZ_ERR_NO_SPACE);
	assert_false(hz_ethif_mcast_joined(&r.e, g3));

	/* Two joins need two leaves. */
	assert_int_equal(hz_ethif_mcast_leave(&r.e, MAC_MDNS), HZ_OK);
	assert_true(hz_ethif_mcast_joined(&r.e, MAC_MDNS));
	assert_int_equal(hz_ethif_mcast_leave(&r.e, MAC_MDNS), HZ_OK);
	assert_false(hz_ethif_mcast_joined(&r.e, MAC_MDNS));
	assert_int_equal(hz_ethif_mcast_leave(&r.e, MAC_MDNS), HZ_ERR_NOT_FOUND);
	/* The freed slot is reused. */
	assert_int_equal(hz_ethif_mcast_join(&r.e, g3), HZ_OK);
	assert_true(hz_ethif_mcast_joined(&r.e, g3));
	assert_true(hz_ethif_mcast_joined(&r.e, g2));

	/* The count does not wrap. */
	for (size_t i = 0; i < 2; i++)
		if (memcmp(r.groups[i].mac, g2, 6) == 0)
			r.groups[i].refs = UINT16_MAX;
	assert_int_equal(hz_ethif_mcast_join(&r.e, g2), HZ_ERR_NO_SPACE);

	/* No table at all. */
	struct hz_ethif bare;
	hz_ethif_init(&bare, &r.netif, NULL, 5);
	assert_int_equal(hz_ethif_mcast_join(&bare, MAC_MDNS), HZ_ERR_NO_SPACE);
	assert_false(hz_ethif_mcast_joined(&bare, MAC_MDNS));
}

static void test_vlan_policy(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	uint8_t buf[64];
	size_t n;
	/* Default: untagged and priority-tagged (VID 0) frames are ours. */
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "x", 1);
	expect_ok(&r, buf, n);
	assert_false(r.ip.has_vlan);
	n = mkframe(buf, MAC_US, MAC_PEER, HZ_ETHIF_TCI(6, 0), 0x0800, "x", 1);
	expect_ok(&r, buf, n);
	assert_true(r.ip.has_vlan);
	assert_int_equal(r.ip.tci, 0xc000);
	n = mkframe(buf, MAC_US, MAC_PEER, 5, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);

	/* Configured VID 5: only VID 5 frames. */
	r.e.vid = 5;
	expect_ok(&r, buf, n);
	assert_int_equal(HZ_ETHIF_TCI_VID(r.ip.tci), 5);
	n = mkframe(buf, MAC_US, MAC_PEER, HZ_ETHIF_TCI(3, 5), 0x0800, "x", 1);
	expect_ok(&r, buf, n);
	n = mkframe(buf, MAC_US, MAC_PEER, -1, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);
	n = mkframe(buf, MAC_US, MAC_PEER, 0, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);
	n = mkframe(buf, MAC_US, MAC_PEER, 6, 0x0800, "x", 1);
	expect_drop(&r, buf, n, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);
	n = mkframe(buf, MAC_US, MAC_PEER, 0x1005, 0x0800, "x", 1); /* DEI set, VID 5 */
	expect_ok(&r, buf, n);
}

static void test_output(void **state)
{
	(void)state;
	struct rig r;
	rig_init(&r);
	uint8_t store[128];
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, HZ_PBUF_HEADROOM / 4);
	assert_int_equal(hz_pbuf_append(&pb, "\x45hello", 6), HZ_OK);
	size_t head = pb.head;

	assert_int_equal(hz_ethif_output(&r.e, &pb, MAC_PEER, 0x0800), HZ_OK);
	assert_int_equal(r.link.n, 1);
	assert_int_equal(r.link.len[0], 20);
	const uint8_t *f = r.link.frame[0];
	assert_memory_equal(f, MAC_PEER, 6);
	assert_memory_equal(f + 6, MAC_US, 6); /* source: the netif's MAC */
	assert_memory_equal(f + 12, "\x08\x00\x45hello", 8);
	/* The pbuf is as it was. */
	assert_int_equal(pb.head, head);
	assert_int_equal(pb.len, 6);
	assert_int_equal(r.e.tx_frames, 1);

	/* Tagged output with the configured VID and priority. */
	r.e.vid = 100;
	r.e.pcp = 5;
	assert_int_equal(hz_ethif_output(&r.e, &pb, MAC_BCAST, 0x0806), HZ_OK);
	f = r.link.frame[1];
	assert_int_equal(r.link.len[1], 24);
	assert_memory_equal(f, MAC_BCAST, 6);
	/* TCI: PCP 5 (101), DEI 0, VID 100 (0x064) = 0xa064. */
	assert_memory_equal(f + 12, "\x81\x00\xa0\x64\x08\x06\x45", 7);
	struct hz_ethif_frame pf;
	assert_int_equal(hz_ethif_frame_parse(&pf, f, r.link.len[1]), HZ_OK);
	assert_int_equal(HZ_ETHIF_TCI_VID(pf.tci), 100);

	/* Checksum offload start moves with the header, then is restored. */
	r.e.vid = 0;
	pb.flags = HZ_PBUF_F_CSUM_PARTIAL;
	pb.csum_start = 20;
	assert_int_equal(hz_ethif_output(&r.e, &pb, MAC_PEER, 0x0800), HZ_OK);
	assert_int_equal(r.link.csum_start[2], 34);
	assert_int_equal(pb.csum_start, 20);
	pb.flags = 0;

	/* Failures count as tx_error. */
	r.link.rc = HZ_ERR_WOULD_BLOCK;
	assert_int_equal(hz_ethif_output(&r.e, &pb, MAC_PEER, 0x0800), HZ_ERR_WOULD_BLOCK);
	assert_int_equal(r.e.drops[HZ_ETHIF_DROP_TX_ERROR], 1);
	assert_int_equal(pb.head, head);
	assert_int_equal(pb.len, 6);
	r.link.rc = 0;
	hz_pbuf_init(&pb, store, sizeof store, 13);
	assert_int_equal(hz_ethif_output(&r.e, &pb, MAC_PEER, 0x0800), HZ_ERR_NO_SPACE);
	assert_int_equal(r.e.drops[HZ_ETHIF_DROP_TX_ERROR], 2);
	hz_pbuf_init(&pb, store, sizeof store, 14);
	assert_int_equal(hz_ethif_output(&r.e, &pb, MAC_PEER, 0x05dc), HZ_ERR_INVALID);
	assert_int_equal(r.e.drops[HZ_ETHIF_DROP_TX_ERROR], 3);
	assert_int_equal(r.link.n, 3);
	assert_int_equal(r.e.tx_frames, 3);
}

static void test_drop_names(void **state)
{
	(void)state;
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_TRUNCATED), "truncated");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_UNSUPPORTED_TYPE), "unsupported_type");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_BAD_SOURCE), "bad_source");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_NOT_FOR_US), "not_for_us");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_VLAN_MISMATCH), "vlan_mismatch");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_NO_HANDLER), "no_handler");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_TX_ERROR), "tx_error");
	assert_string_equal(hz_ethif_drop_name(HZ_ETHIF_DROP_COUNT), "?");
	assert_string_equal(hz_ethif_drop_name(~0u), "?");
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++) {
		const char *s = hz_ethif_drop_name(i);
		assert_non_null(s);
		for (const char *c = s; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
		for (unsigned j = i + 1; j < HZ_ETHIF_DROP_COUNT; j++)
			assert_string_not_equal(s, hz_ethif_drop_name(j));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_untagged),
		cmocka_unit_test(test_parse_vlan),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_mac_cast),
		cmocka_unit_test(test_hdr_push_roundtrip),
		cmocka_unit_test(test_mcast_mapping),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_input_demux),
		cmocka_unit_test(test_input_meta),
		cmocka_unit_test(test_input_drops),
		cmocka_unit_test(test_filtering),
		cmocka_unit_test(test_mcast_refcount),
		cmocka_unit_test(test_vlan_policy),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_drop_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
