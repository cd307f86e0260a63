/* ethif: Ethernet II / 802.1Q framing, destination and VLAN filtering, and
 * EtherType demultiplexing. */
#include "haze/ethif.h"

const uint8_t hz_ethif_mac_broadcast[HZ_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static const char *const drop_names[HZ_ETHIF_DROP_COUNT] = {
	[HZ_ETHIF_DROP_TRUNCATED] = "truncated",
	[HZ_ETHIF_DROP_UNSUPPORTED_TYPE] = "unsupported_type",
	[HZ_ETHIF_DROP_BAD_SOURCE] = "bad_source",
	[HZ_ETHIF_DROP_NOT_FOR_US] = "not_for_us",
	[HZ_ETHIF_DROP_VLAN_MISMATCH] = "vlan_mismatch",
	[HZ_ETHIF_DROP_NO_HANDLER] = "no_handler",
	[HZ_ETHIF_DROP_TX_ERROR] = "tx_error",
};

const char *hz_ethif_drop_name(unsigned reason)
{
	return reason < HZ_ETHIF_DROP_COUNT ? drop_names[reason] : "?";
}

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

static bool is_tag_type(uint16_t t)
{
	/* 0x9100 is the pre-standard QinQ outer tag some switches still use. */
	return t == HZ_ETHIF_TYPE_VLAN || t == HZ_ETHIF_TYPE_QINQ || t == 0x9100u;
}

enum hz_cast hz_ethif_mac_cast(const uint8_t mac[HZ_MAC_LEN])
{
	if (!(mac[0] & 1u))
		return HZ_CAST_UNICAST;
	if (hz_memcmp(mac, hz_ethif_mac_broadcast, HZ_MAC_LEN) == 0)
		return HZ_CAST_BROADCAST;
	return HZ_CAST_MULTICAST;
}

int hz_ethif_frame_parse(struct hz_ethif_frame *f, const uint8_t *buf, size_t len)
{
	struct hz_rd r;
	hz_rd_init(&r, buf, len);
	const uint8_t *dst = hz_rd_bytes(&r, HZ_MAC_LEN);
	const uint8_t *src = hz_rd_bytes(&r, HZ_MAC_LEN);
	uint16_t type = hz_rd_be16(&r);
	uint16_t tci = 0;
	bool has_vlan = false;
	if (hz_rd_status(&r))
		return HZ_ERR_MALFORMED;
	if (type == HZ_ETHIF_TYPE_VLAN) {
		/* IEEE 802.1Q: TPID 0x8100, then TCI and the real type. */
		has_vlan = true;
		tci = hz_rd_be16(&r);
		type = hz_rd_be16(&r);
		if (hz_rd_status(&r))
			return HZ_ERR_MALFORMED;
		if (is_tag_type(type))
			return HZ_ERR_UNSUPPORTED; /* stacked tags */
	} else if (is_tag_type(type)) {
		return HZ_ERR_UNSUPPORTED; /* an S-tag outside: QinQ */
	}
	/* Below 0x0600 the field is an IEEE 802.3 length: LLC follows. */
	if (type < HZ_ETHIF_TYPE_MIN)
		return HZ_ERR_UNSUPPORTED;
	f->dst = dst;
	f->src = src;
	f->type = type;
	f->has_vlan = has_vlan;
	f->tci = tci;
	f->cast = hz_ethif_mac_cast(dst);
	f->payload = buf + r.pos;
	f->payload_len = hz_rd_left(&r);
	f->rx_flags = 0;
	return HZ_OK;
}

int hz_ethif_hdr_push(struct hz_pbuf *pb, const struct hz_ethif_hdr *h)
{
	if (h->type < HZ_ETHIF_TYPE_MIN)
		return HZ_ERR_INVALID;
	size_t n = h->has_vlan ? HZ_ETHIF_VLAN_HDR_LEN : HZ_ETHIF_HDR_LEN;
	uint8_t *p = hz_pbuf_push(pb, n);
	if (!p)
		return HZ_ERR_NO_SPACE;
	hz_memcpy(p, h->dst, HZ_MAC_LEN);
	hz_memcpy(p + 6, h->src, HZ_MAC_LEN);
	if (h->has_vlan) {
		hz_be16_store(p + 12, HZ_ETHIF_TYPE_VLAN);
		hz_be16_store(p + 14, h->tci);
		hz_be16_store(p + 16, h->type);
	} else {
		hz_be16_store(p + 12, h->type);
	}
	return (int)n;
}

void hz_ethif_mcast_ipv4_mac(uint32_t group_host_order, uint8_t mac[HZ_MAC_LEN])
{
	/* RFC 1112 6.4: 01-00-5E-00-00-00 plus the group's low 23 bits. */
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (uint8_t)((group_host_order >> 16) & 0x7fu);
	mac[4] = (uint8_t)(group_host_order >> 8);
	mac[5] = (uint8_t)group_host_order;
}

void hz_ethif_mcast_ipv6_mac(const uint8_t group[16], uint8_t mac[HZ_MAC_LEN])
{
	/* RFC 2464 section 7: 33-33 plus the last four octets. */
	mac[0] = 0x33;
	mac[1] = 0x33;
	hz_memcpy(mac + 2, group + 12, 4);
}

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

void hz_ethif_init(struct hz_ethif *e, const struct hz_netif *netif,
                   struct hz_ethif_group *groups, size_t ngroups)
{
	hz_memset(e, 0, sizeof *e);
	e->netif = netif;
	e->groups = groups;
	e->ngroups = groups ? ngroups : 0;
	if (e->ngroups)
		hz_memset(groups, 0, ngroups * sizeof *groups);
}

int hz_ethif_proto_register(struct hz_ethif *e, uint16_t type, hz_ethif_input_fn fn, void *ctx)
{
	if (!fn || type < HZ_ETHIF_TYPE_MIN || is_tag_type(type))
		return HZ_ERR_INVALID;
	struct hz_ethif_proto *free_slot = NULL;
	for (size_t i = 0; i < HZ_ETHIF_MAX_PROTOS; i++) {
		struct hz_ethif_proto *p = &e->protos[i];
		if (p->type == type)
			return HZ_ERR_IN_USE;
		if (!p->type && !free_slot)
			free_slot = p;
	}
	if (!free_slot)
		return HZ_ERR_NO_SPACE;
	free_slot->type = type;
	free_slot->fn = fn;
	free_slot->ctx = ctx;
	return HZ_OK;
}

static struct hz_ethif_group *group_find(const struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN])
{
	for (size_t i = 0; i < e->ngroups; i++)
		if (e->groups[i].refs && hz_memcmp(e->groups[i].mac, mac, HZ_MAC_LEN) == 0)
			return &e->groups[i];
	return NULL;
}

bool hz_ethif_mcast_joined(const struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN])
{
	return group_find(e, mac) != NULL;
}

int hz_ethif_mcast_join(struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN])
{
	if (hz_ethif_mac_cast(mac) != HZ_CAST_MULTICAST)
		return HZ_ERR_INVALID;
	struct hz_ethif_group *g = group_find(e, mac);
	if (g) {
		if (g->refs == UINT16_MAX)
			return HZ_ERR_NO_SPACE;
		g->refs++;
		return HZ_OK;
	}
	for (size_t i = 0; i < e->ngroups; i++) {
		g = &e->groups[i];
		if (!g->refs) {
			hz_memcpy(g->mac, mac, HZ_MAC_LEN);
			g->refs = 1;
			return HZ_OK;
		}
	}
	return HZ_ERR_NO_SPACE;
}

int hz_ethif_mcast_leave(struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN])
{
	struct hz_ethif_group *g = group_find(e, mac);
	if (!g)
		return HZ_ERR_NOT_FOUND;
	g->refs--;
	return HZ_OK;
}

static int drop(struct hz_ethif *e, enum hz_ethif_drop why, int err)
{
	e->drops[why]++;
	return err;
}

/* Is the destination ours? Unicast to our MAC, broadcast, or a joined
 * group; everything when promiscuous. */
static bool dst_accepted(const struct hz_ethif *e, const struct hz_ethif_frame *f)
{
	if (e->promisc)
		return true;
	switch (f->cast) {
	case HZ_CAST_UNICAST:
		return hz_memcmp(f->dst, e->netif->mac, HZ_MAC_LEN) == 0;
	case HZ_CAST_BROADCAST:
		return true;
	case HZ_CAST_MULTICAST:
		return group_find(e, f->dst) != NULL;
	default:
		return false;
	}
}

/* IEEE 802.1Q: VID 0 means "priority only", so it belongs to the untagged
 * network; a configured VID takes only its own frames. */
static bool vlan_accepted(const struct hz_ethif *e, const struct hz_ethif_frame *f)
{
	uint16_t vid = f->has_vlan ? HZ_ETHIF_TCI_VID(f->tci) : 0;
	if (e->vid == 0)
		return vid == 0;
	return f->has_vlan && vid == e->vid;
}

int hz_ethif_input(struct hz_ethif *e, const uint8_t *frame, size_t len, hz_time_t now)
{
	return hz_ethif_input_meta(e, frame, len, 0, now);
}

int hz_ethif_input_meta(struct hz_ethif *e, const uint8_t *frame, size_t len, uint8_t rx_flags,
                        hz_time_t now)
{
	struct hz_ethif_frame f;
	int rc = hz_ethif_frame_parse(&f, frame, len);
	f.rx_flags = rx_flags;
	if (rc == HZ_ERR_MALFORMED)
		return drop(e, HZ_ETHIF_DROP_TRUNCATED, rc);
	if (rc < 0)
		return drop(e, HZ_ETHIF_DROP_UNSUPPORTED_TYPE, rc);
	/* A source address with the group bit set is invalid (IEEE 802). */
	if (f.src[0] & 1u)
		return drop(e, HZ_ETHIF_DROP_BAD_SOURCE, HZ_ERR_INVALID);
	if (!dst_accepted(e, &f))
		return drop(e, HZ_ETHIF_DROP_NOT_FOR_US, HZ_ERR_NOT_FOUND);
	if (!vlan_accepted(e, &f))
		return drop(e, HZ_ETHIF_DROP_VLAN_MISMATCH, HZ_ERR_NOT_FOUND);
	for (size_t i = 0; i < HZ_ETHIF_MAX_PROTOS; i++) {
		const struct hz_ethif_proto *p = &e->protos[i];
		if (p->type != f.type)
			continue;
		rc = p->fn(p->ctx, &f, now);
		/* A protocol that refuses a frame counts its own reason: one
		 * drop, one counter, at the layer that decided. */
		if (rc < 0)
			return rc;
		e->rx_frames++;
		return HZ_OK;
	}
	return drop(e, HZ_ETHIF_DROP_NO_HANDLER, HZ_ERR_NOT_FOUND);
}

int hz_ethif_output(struct hz_ethif *e, struct hz_pbuf *pb, const uint8_t dst[HZ_MAC_LEN],
                    uint16_t type)
{
	struct hz_ethif_hdr h;
	hz_memcpy(h.dst, dst, HZ_MAC_LEN);
	hz_memcpy(h.src, e->netif->mac, HZ_MAC_LEN);
	h.type = type;
	h.has_vlan = e->vid != 0;
	h.tci = h.has_vlan ? HZ_ETHIF_TCI(e->pcp, e->vid) : 0;
	size_t head = pb->head, len = pb->len;
	uint16_t csum_start = pb->csum_start;
	int n = hz_ethif_hdr_push(pb, &h);
	if (n < 0)
		return drop(e, HZ_ETHIF_DROP_TX_ERROR, n);
	/* The offload request counts from the frame start, which just moved. */
	if (pb->flags & HZ_PBUF_F_CSUM_PARTIAL)
		pb->csum_start = (uint16_t)(pb->csum_start + n);
	int rc = e->netif->transmit(e->netif->ctx, pb);
	pb->head = head;
	pb->len = len;
	pb->csum_start = csum_start;
	if (rc < 0)
		return drop(e, HZ_ETHIF_DROP_TX_ERROR, rc);
	e->tx_frames++;
	return HZ_OK;
}
