/*
 * haze ethif: Ethernet II framing (RFC 894) with one IEEE 802.1Q tag, and
 * the engine that filters received frames by destination and VLAN and
 * hands them to the protocol registered for their EtherType.
 *
 * Wire level: hz_ethif_frame_parse() validates a received frame once and
 * fills a view whose pointers borrow the caller's bytes;
 * hz_ethif_hdr_push() prepends a header into a pbuf's headroom.
 *
 * Engine: struct hz_ethif is a complete type; the caller places it (static
 * or on the stack) and hands in the multicast group table. Nothing here
 * allocates, reads a clock or keeps a pointer to a received frame after
 * the input call returns.
 *
 * Not here: 802.3 length-field frames with LLC/SNAP (dropped as
 * unsupported_type), stacked VLAN tags (QinQ, dropped the same way), the
 * FCS (the device strips it), and padding short frames to 60 bytes (the
 * device or the tap driver does that).
 */
#ifndef HAZE_ETHIF_H
#define HAZE_ETHIF_H

#include "haze/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* EtherTypes haze knows by name (IEEE registry). */
#define HZ_ETHIF_TYPE_IPV4 0x0800u
#define HZ_ETHIF_TYPE_ARP 0x0806u
#define HZ_ETHIF_TYPE_VLAN 0x8100u /* IEEE 802.1Q C-tag */
#define HZ_ETHIF_TYPE_QINQ 0x88a8u /* IEEE 802.1ad S-tag: not supported */
#define HZ_ETHIF_TYPE_IPV6 0x86ddu
/* Values below this are an 802.3 length field, not an EtherType. */
#define HZ_ETHIF_TYPE_MIN 0x0600u

#define HZ_ETHIF_HDR_LEN 14      /* dst, src, type */
#define HZ_ETHIF_VLAN_HDR_LEN 18 /* dst, src, 0x8100, TCI, type */
#define HZ_ETHIF_MIN_FRAME 60    /* without FCS (IEEE 802.3 minimum) */

/* 802.1Q tag control information: PCP (3 bits), DEI (1), VID (12). */
#define HZ_ETHIF_TCI_VID(tci) ((uint16_t)((tci) & 0x0fffu))
#define HZ_ETHIF_TCI_PCP(tci) ((uint8_t)((tci) >> 13))
#define HZ_ETHIF_TCI(pcp, vid) ((uint16_t)(((unsigned)(pcp) & 7u) << 13 | ((unsigned)(vid) & 0x0fffu)))
#define HZ_ETHIF_VID_MAX 4094u /* 4095 is reserved */

/* Protocols one ethif can demultiplex to (ARP, IPv4, IPv6, one spare). */
#define HZ_ETHIF_MAX_PROTOS 4

/* ff:ff:ff:ff:ff:ff */
extern const uint8_t hz_ethif_mac_broadcast[HZ_MAC_LEN];

/* ------------------------------------------------------------------ */
/* Wire                                                                */
/* ------------------------------------------------------------------ */

/* A parsed received frame. Pointers borrow the buffer given to
 * hz_ethif_frame_parse and are valid only as long as it is. */
struct hz_ethif_frame {
	const uint8_t *dst, *src;
	uint16_t type;   /* EtherType of the payload (after any tag) */
	bool has_vlan;   /* an 802.1Q tag was present */
	uint16_t tci;    /* the tag's TCI when has_vlan, else 0 */
	enum hz_cast cast; /* from the destination address */
	const uint8_t *payload;
	size_t payload_len; /* includes any padding up to the 60-byte minimum */
	/* What the device said about the frame, passed to hz_ethif_input_meta
	 * (0 from hz_ethif_frame_parse and hz_ethif_input): HZ_IP_RX_CSUM_VALID
	 * when a receive offload verified or vouches for the transport
	 * checksum. The network layer carries it into hz_ip_rx. */
	uint8_t rx_flags;
};

/* A header to emit. */
struct hz_ethif_hdr {
	uint8_t dst[HZ_MAC_LEN];
	uint8_t src[HZ_MAC_LEN];
	uint16_t type;
	bool has_vlan; /* emit an 802.1Q tag carrying tci */
	uint16_t tci;
};

/* Parse the header of a received frame (no FCS). Returns HZ_OK;
 * HZ_ERR_MALFORMED when shorter than 14 bytes (18 with a tag);
 * HZ_ERR_UNSUPPORTED for an 802.3 length field (type < 0x0600), an S-tag
 * (0x88a8) or a second tag behind the first. f is filled only on HZ_OK. */
int hz_ethif_frame_parse(struct hz_ethif_frame *f, const uint8_t *buf, size_t len);

/* Prepend h (14 bytes, or 18 with has_vlan) to pb. Returns the number of
 * bytes pushed, HZ_ERR_NO_SPACE when headroom is short, HZ_ERR_INVALID
 * when h->type is below 0x0600. */
int hz_ethif_hdr_push(struct hz_pbuf *pb, const struct hz_ethif_hdr *h);

/* How a destination address is addressed: the I/G bit (first octet, bit 0)
 * marks a group address; all-ones is broadcast (IEEE 802 section 8.2). */
enum hz_cast hz_ethif_mac_cast(const uint8_t mac[HZ_MAC_LEN]);

/* The MAC an IPv4 multicast group maps to: 01:00:5e and the low 23 bits
 * of the group (RFC 1112 section 6.4). */
void hz_ethif_mcast_ipv4_mac(uint32_t group_host_order, uint8_t mac[HZ_MAC_LEN]);

/* The MAC an IPv6 multicast group maps to: 33:33 and the group's last
 * four octets (RFC 2464 section 7). group is in network byte order. */
void hz_ethif_mcast_ipv6_mac(const uint8_t group[16], uint8_t mac[HZ_MAC_LEN]);

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

/* A protocol's input. The frame view is valid only during the call.
 * Return HZ_OK when taken, or a negative code after counting the drop
 * under the protocol's own reason (ethif does not count it again). */
typedef int (*hz_ethif_input_fn)(void *ctx, const struct hz_ethif_frame *f, hz_time_t now);

struct hz_ethif_proto {
	uint16_t type; /* 0: slot free */
	hz_ethif_input_fn fn;
	void *ctx;
};

/* One joined multicast MAC, in caller storage. refs == 0: slot free. */
struct hz_ethif_group {
	uint8_t mac[HZ_MAC_LEN];
	uint16_t refs;
};

/* Why a frame was dropped. drops[] is indexed by these. */
enum hz_ethif_drop {
	HZ_ETHIF_DROP_TRUNCATED = 0,    /* shorter than its header */
	HZ_ETHIF_DROP_UNSUPPORTED_TYPE, /* 802.3 length / LLC, QinQ */
	HZ_ETHIF_DROP_BAD_SOURCE,       /* source address is a group address */
	HZ_ETHIF_DROP_NOT_FOR_US,       /* destination not ours, not joined */
	HZ_ETHIF_DROP_VLAN_MISMATCH,    /* tag (or its absence) not our VLAN */
	HZ_ETHIF_DROP_NO_HANDLER,       /* no protocol for the EtherType */
	HZ_ETHIF_DROP_TX_ERROR,         /* output: netif refused or no headroom */
	HZ_ETHIF_DROP_COUNT
};

/* The engine. Fields are public so the stack can configure and read
 * them; set promisc, vid and pcp after hz_ethif_init.
 *
 * VLAN policy (IEEE 802.1Q): with vid == 0 (default) untagged frames and
 * priority-tagged frames (VID 0) are accepted, any other VID is dropped as
 * vlan_mismatch, and output is untagged. With vid in 1..4094 only frames
 * tagged with that VID are accepted, and output carries a tag with that
 * VID and priority pcp. */
struct hz_ethif {
	const struct hz_netif *netif; /* borrowed; must outlive the engine */
	struct hz_ethif_proto protos[HZ_ETHIF_MAX_PROTOS];
	struct hz_ethif_group *groups; /* caller storage, ngroups slots */
	size_t ngroups;
	bool promisc; /* accept every destination address */
	uint16_t vid; /* 0: untagged; else our VLAN */
	uint8_t pcp;  /* priority for tagged output */
	uint64_t rx_frames; /* delivered to a protocol that took them */
	uint64_t tx_frames; /* handed to the netif successfully */
	uint64_t drops[HZ_ETHIF_DROP_COUNT];
};

/* Reset e and bind it to netif. groups (ngroups slots, may be NULL with 0)
 * is cleared and must outlive e. */
void hz_ethif_init(struct hz_ethif *e, const struct hz_netif *netif,
                   struct hz_ethif_group *groups, size_t ngroups);

/* Deliver frames of EtherType `type` to fn(ctx, ...). Returns HZ_OK;
 * HZ_ERR_IN_USE when the type already has a handler; HZ_ERR_NO_SPACE when
 * HZ_ETHIF_MAX_PROTOS are registered; HZ_ERR_INVALID for a type below
 * 0x0600, a VLAN type or a NULL fn. */
int hz_ethif_proto_register(struct hz_ethif *e, uint16_t type, hz_ethif_input_fn fn, void *ctx);

/* One received frame (no FCS). Returns HZ_OK when a protocol took it.
 * Otherwise the frame is counted in drops[] and the return says why in
 * error terms: HZ_ERR_MALFORMED (truncated), HZ_ERR_UNSUPPORTED
 * (unsupported_type), HZ_ERR_INVALID (bad_source), HZ_ERR_NOT_FOUND
 * (not_for_us, vlan_mismatch, no_handler), or the protocol's own error,
 * which the protocol counted. The frame is not referenced after the call. */
int hz_ethif_input(struct hz_ethif *e, const uint8_t *frame, size_t len, hz_time_t now);
/* The same, with the device's metadata for the frame (rx_flags above). */
int hz_ethif_input_meta(struct hz_ethif *e, const uint8_t *frame, size_t len, uint8_t rx_flags,
                        hz_time_t now);

/* Prepend an Ethernet header (source: the netif MAC; tagged when e->vid
 * is set) to pb's data and transmit it. On return pb's head and len are
 * as they were (the header bytes in its headroom are overwritten), so a
 * caller may reuse it. Returns the netif's result (HZ_OK or
 * HZ_ERR_WOULD_BLOCK), HZ_ERR_NO_SPACE when the headroom is short, or
 * HZ_ERR_INVALID for a type below 0x0600; failures count as tx_error. */
int hz_ethif_output(struct hz_ethif *e, struct hz_pbuf *pb, const uint8_t dst[HZ_MAC_LEN],
                    uint16_t type);

/* Accept frames sent to the multicast MAC `mac`. Joins are counted: a MAC
 * joined twice needs two leaves. Returns HZ_OK; HZ_ERR_INVALID for a
 * unicast or the broadcast address; HZ_ERR_NO_SPACE when the group table
 * is full or the count would overflow. */
int hz_ethif_mcast_join(struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN]);
/* Undo one join. HZ_OK or HZ_ERR_NOT_FOUND. */
int hz_ethif_mcast_leave(struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN]);
/* Is mac a joined group (refs > 0)? promisc is not considered. */
bool hz_ethif_mcast_joined(const struct hz_ethif *e, const uint8_t mac[HZ_MAC_LEN]);

/* The short name of a drop reason ("truncated"), or "?" when out of range. */
const char *hz_ethif_drop_name(unsigned reason);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_ETHIF_H */
