/*
 * ethif: frame parse and the receive/transmit engine.
 *
 * Input: one flags byte, then one Ethernet frame (no FCS).
 *   flags bit 0     promiscuous
 *   flags bits 1-2  our VLAN: none, 1, 100, 4094
 *   flags bit 3     join 01:00:5e:00:00:01 (all-hosts group MAC)
 *   flags bit 4     the IPv4 handler refuses the frame
 *   flags bits 5-7  PCP for tagged output
 *
 * Invariants: a successful parse describes the frame exactly (pointers
 * inside it, lengths add up, cast from the destination), and pushing the
 * parsed header in front of the parsed payload rebuilds the same bytes;
 * the engine counts every frame exactly once (delivered, one drop
 * reason, or refused by the protocol, which counts it itself), delivers only what its policy accepts, and its output parses
 * back to what was asked for with the pbuf left as it was.
 */
#include "fuzz.h"
#include "haze/ethif.h"

static const uint8_t our_mac[HZ_MAC_LEN] = FZ_MAC_INIT;
static const uint8_t all_hosts[HZ_MAC_LEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

struct ctx {
	const uint8_t *frame;
	size_t len;
	int calls;
	int refuse;
	uint16_t type_seen;
	/* the last transmitted frame */
	uint8_t tx[2048];
	size_t tx_len;
	int tx_count;
};

static enum hz_cast model_cast(const uint8_t *mac)
{
	static const uint8_t bcast[HZ_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	if (!(mac[0] & 1u))
		return HZ_CAST_UNICAST;
	return memcmp(mac, bcast, HZ_MAC_LEN) == 0 ? HZ_CAST_BROADCAST : HZ_CAST_MULTICAST;
}

static int on_frame(void *vctx, const struct hz_ethif_frame *f, hz_time_t now)
{
	struct ctx *c = vctx;
	(void)now;
	c->calls++;
	c->type_seen = f->type;
	FZ_CHECK(f->dst == c->frame && f->src == c->frame + 6);
	FZ_CHECK(fz_within(f->payload, f->payload_len, c->frame, c->len));
	FZ_CHECK(f->payload + f->payload_len == c->frame + c->len);
	return c->refuse && f->type == HZ_ETHIF_TYPE_IPV4 ? HZ_ERR_MALFORMED : HZ_OK;
}

static int transmit(void *vctx, struct hz_pbuf *pb)
{
	struct ctx *c = vctx;
	FZ_CHECK(pb->head + pb->len <= pb->cap);
	FZ_CHECK(pb->len <= sizeof c->tx);
	memcpy(c->tx, hz_pbuf_data(pb), pb->len);
	c->tx_len = pb->len;
	c->tx_count++;
	return HZ_OK;
}

static void check_parse(const uint8_t *frame, size_t len)
{
	struct hz_ethif_frame f;
	int rc = hz_ethif_frame_parse(&f, frame, len);
	FZ_CHECK(rc == HZ_OK || rc == HZ_ERR_MALFORMED || rc == HZ_ERR_UNSUPPORTED);
	if (len < HZ_ETHIF_HDR_LEN)
		FZ_CHECK(rc == HZ_ERR_MALFORMED);
	if (rc != HZ_OK)
		return;
	size_t hlen = f.has_vlan ? HZ_ETHIF_VLAN_HDR_LEN : HZ_ETHIF_HDR_LEN;
	FZ_CHECK(len >= hlen);
	FZ_CHECK(f.dst == frame && f.src == frame + 6);
	FZ_CHECK(f.payload == frame + hlen && f.payload_len == len - hlen);
	FZ_CHECK(f.type >= HZ_ETHIF_TYPE_MIN);
	FZ_CHECK(f.type != HZ_ETHIF_TYPE_VLAN && f.type != HZ_ETHIF_TYPE_QINQ);
	FZ_CHECK(f.has_vlan == (hz_be16_load(frame + 12) == HZ_ETHIF_TYPE_VLAN));
	if (!f.has_vlan)
		FZ_CHECK(f.tci == 0);
	FZ_CHECK(f.cast == hz_ethif_mac_cast(f.dst));
	FZ_CHECK(f.cast == model_cast(f.dst));

	/* emit(parse(x)) == x */
	static uint8_t store[HZ_PBUF_HEADROOM + 65536];
	if (f.payload_len > sizeof store - HZ_PBUF_HEADROOM)
		return;
	struct hz_pbuf pb;
	hz_pbuf_init(&pb, store, sizeof store, HZ_PBUF_HEADROOM);
	FZ_CHECK(hz_pbuf_append(&pb, f.payload, f.payload_len) == HZ_OK);
	struct hz_ethif_hdr h;
	memcpy(h.dst, f.dst, HZ_MAC_LEN);
	memcpy(h.src, f.src, HZ_MAC_LEN);
	h.type = f.type;
	h.has_vlan = f.has_vlan;
	h.tci = f.tci;
	FZ_CHECK(hz_ethif_hdr_push(&pb, &h) == (int)hlen);
	FZ_CHECK(pb.len == len && memcmp(hz_pbuf_data(&pb), frame, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const uint16_t vids[4] = { 0, 1, 100, 4094 };
	uint8_t flags = data[0];
	const uint8_t *frame = data + 1;
	size_t len = size - 1;

	check_parse(frame, len);

	static struct ctx c;
	memset(&c, 0, sizeof c);
	c.frame = frame;
	c.len = len;
	c.refuse = (flags >> 4) & 1;

	struct hz_netif netif = { .ctx = &c, .transmit = transmit, .mac = FZ_MAC_INIT, .mtu = 1500 };
	struct hz_ethif_group groups[4];
	struct hz_ethif e;
	hz_ethif_init(&e, &netif, groups, HZ_ARRAY_LEN(groups));
	e.promisc = flags & 1u;
	e.vid = vids[(flags >> 1) & 3u];
	e.pcp = (uint8_t)(flags >> 5);
	if (flags & 8u) {
		FZ_CHECK(hz_ethif_mcast_join(&e, all_hosts) == HZ_OK);
		FZ_CHECK(hz_ethif_mcast_joined(&e, all_hosts));
	}
	FZ_CHECK(hz_ethif_mcast_join(&e, our_mac) == HZ_ERR_INVALID);
	FZ_CHECK(hz_ethif_proto_register(&e, HZ_ETHIF_TYPE_IPV4, on_frame, &c) == HZ_OK);
	FZ_CHECK(hz_ethif_proto_register(&e, HZ_ETHIF_TYPE_ARP, on_frame, &c) == HZ_OK);
	FZ_CHECK(hz_ethif_proto_register(&e, HZ_ETHIF_TYPE_ARP, on_frame, &c) == HZ_ERR_IN_USE);
	FZ_CHECK(hz_ethif_proto_register(&e, HZ_ETHIF_TYPE_VLAN, on_frame, &c) == HZ_ERR_INVALID);

	int rc = hz_ethif_input(&e, frame, len, 0);
	uint64_t dropped = 0;
	for (unsigned i = 0; i < HZ_ETHIF_DROP_COUNT; i++) {
		dropped += e.drops[i];
		FZ_CHECK(hz_ethif_drop_name(i) != NULL && strcmp(hz_ethif_drop_name(i), "?") != 0);
	}
	/* counted exactly once: delivered, dropped by ethif, or refused by
	 * the protocol (which counts its own reason) */
	bool refused = c.calls && rc != HZ_OK;
	FZ_CHECK(dropped + e.rx_frames + (refused ? 1u : 0u) == 1);
	FZ_CHECK(c.calls <= 1);
	if (rc == HZ_OK) {
		FZ_CHECK(c.calls == 1 && e.rx_frames == 1);
		/* only what the policy accepts */
		struct hz_ethif_frame f;
		FZ_CHECK(hz_ethif_frame_parse(&f, frame, len) == HZ_OK);
		FZ_CHECK(!(f.src[0] & 1u));
		FZ_CHECK(e.promisc || memcmp(f.dst, our_mac, HZ_MAC_LEN) == 0 ||
		         f.cast == HZ_CAST_BROADCAST || hz_ethif_mcast_joined(&e, f.dst));
		if (e.vid == 0)
			FZ_CHECK(!f.has_vlan || HZ_ETHIF_TCI_VID(f.tci) == 0);
		else
			FZ_CHECK(f.has_vlan && HZ_ETHIF_TCI_VID(f.tci) == e.vid);
		FZ_CHECK(f.type == HZ_ETHIF_TYPE_IPV4 || f.type == HZ_ETHIF_TYPE_ARP);

		/* Send the payload back to the sender and parse what went out. */
		static uint8_t store[HZ_PBUF_HEADROOM + 1500];
		if (f.payload_len <= 1500) {
			struct hz_pbuf pb;
			hz_pbuf_init(&pb, store, sizeof store, HZ_PBUF_HEADROOM);
			FZ_CHECK(hz_pbuf_append(&pb, f.payload, f.payload_len) == HZ_OK);
			size_t head = pb.head, plen = pb.len;
			FZ_CHECK(hz_ethif_output(&e, &pb, f.src, f.type) == HZ_OK);
			FZ_CHECK(pb.head == head && pb.len == plen);
			FZ_CHECK(c.tx_count == 1 && e.tx_frames == 1);
			struct hz_ethif_frame o;
			FZ_CHECK(hz_ethif_frame_parse(&o, c.tx, c.tx_len) == HZ_OK);
			FZ_CHECK(memcmp(o.dst, f.src, HZ_MAC_LEN) == 0);
			FZ_CHECK(memcmp(o.src, our_mac, HZ_MAC_LEN) == 0);
			FZ_CHECK(o.type == f.type && o.payload_len == f.payload_len);
			FZ_CHECK(memcmp(o.payload, f.payload, f.payload_len) == 0);
			FZ_CHECK(o.has_vlan == (e.vid != 0));
			if (e.vid)
				FZ_CHECK(o.tci == HZ_ETHIF_TCI(e.pcp, e.vid));
		}
	} else {
		FZ_CHECK(e.rx_frames == 0);
		if (c.calls)
			FZ_CHECK(rc == HZ_ERR_MALFORMED && dropped == 0);
	}
	/* Bad output types are refused and counted. */
	struct hz_pbuf pb;
	uint8_t small[HZ_PBUF_HEADROOM + 4];
	hz_pbuf_init(&pb, small, sizeof small, HZ_PBUF_HEADROOM);
	FZ_CHECK(hz_ethif_output(&e, &pb, our_mac, 0x05dc) == HZ_ERR_INVALID);
	if (flags & 8u) {
		FZ_CHECK(hz_ethif_mcast_leave(&e, all_hosts) == HZ_OK);
		FZ_CHECK(!hz_ethif_mcast_joined(&e, all_hosts));
		FZ_CHECK(hz_ethif_mcast_leave(&e, all_hosts) == HZ_ERR_NOT_FOUND);
	}
	return 0;
}
