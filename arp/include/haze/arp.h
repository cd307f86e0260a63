/*
 * haze arp: the Address Resolution Protocol for IPv4 over Ethernet
 * (RFC 826), with RFC 1122 section 2.3.2 cache and queueing rules and
 * RFC 5227 address conflict detection.
 *
 * Wire level: hz_arp_packet_parse() / hz_arp_packet_emit() over the 28-byte
 * Ethernet/IPv4 form of the packet.
 *
 * Engine: struct hz_arp is a complete type placed by the caller, who also
 * hands in the cache, the pending-packet slots and their byte storage at
 * init. It sends through an ethif (and registers itself for EtherType
 * 0x0806 there), reports events through a callback, and never allocates,
 * reads a clock or sleeps. Timers run in hz_arp_poll(now); calls that
 * carry no `now` (hz_arp_output) use the latest time seen by input, poll
 * or hz_arp_addr_set (docs/DESIGN.md section 6).
 *
 * Cache entry life (RFC 826 "Packet Reception", RFC 1122 2.3.2.1):
 *   FREE -> INCOMPLETE   output to an unknown next hop; a request goes out
 *                        at once and every retry_interval, max_retries more
 *                        times, then RESOLVE_FAILED and FREE.
 *   FREE -> REACHABLE    an ARP packet targets our address (RFC 826: only
 *                        the target adds an entry).
 *   any  -> REACHABLE    any ARP packet from that IP (RFC 826 merge).
 *   REACHABLE -> FREE    `reachable` after the last confirmation, if no
 *                        packet was sent to it meanwhile;
 *   REACHABLE -> STALE   ... if one was: packets keep flowing to the old
 *                        MAC while unicast requests to it revalidate (RFC
 *                        1122 2.3.2.1 "unicast poll"); no answer -> FREE.
 *   STATIC               added by the caller; never aged or replaced.
 * When the cache is full the oldest non-static entry is replaced.
 */
#ifndef HAZE_ARP_H
#define HAZE_ARP_H

#include "haze/core.h"
#include "haze/ethif.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Wire (RFC 826 "Packet format")                                      */
/* ------------------------------------------------------------------ */

#define HZ_ARP_PACKET_LEN 28
#define HZ_ARP_HTYPE_ETHERNET 1u
#define HZ_ARP_PTYPE_IPV4 0x0800u
#define HZ_ARP_OP_REQUEST 1u
#define HZ_ARP_OP_REPLY 2u

/* The Ethernet/IPv4 packet. Addresses are host order (0x0a000001 is
 * 10.0.0.1). */
struct hz_arp_packet {
	uint16_t op;
	uint8_t sha[HZ_MAC_LEN];
	uint32_t spa;
	uint8_t tha[HZ_MAC_LEN];
	uint32_t tpa;
};

/* Parse an ARP packet (the Ethernet payload; padding after byte 28 is
 * ignored). Returns HZ_OK; HZ_ERR_MALFORMED when shorter than 28 bytes or
 * hlen/plen are not 6/4; HZ_ERR_UNSUPPORTED when htype is not Ethernet (1),
 * ptype not IPv4 (0x0800), or op neither request nor reply. */
int hz_arp_packet_parse(struct hz_arp_packet *p, const uint8_t *buf, size_t len);

/* Write p as 28 bytes (htype 1, ptype 0x0800, hlen 6, plen 4). Returns
 * HZ_ARP_PACKET_LEN. */
int hz_arp_packet_emit(uint8_t out[HZ_ARP_PACKET_LEN], const struct hz_arp_packet *p);

/* ------------------------------------------------------------------ */
/* Engine                                                              */
/* ------------------------------------------------------------------ */

struct hz_arp_config {
	hz_time_t reachable;      /* entry lifetime after confirmation: 60 s */
	hz_time_t retry_interval; /* between requests: 1 s (RFC 1122 2.3.2.1) */
	uint8_t max_retries;      /* requests after the first before giving up: 3 */
	bool probe;               /* run RFC 5227 probing in hz_arp_addr_set */
	/* RFC 5227 section 1.1 constants. */
	hz_time_t probe_wait;        /* 1 s: random delay before the first probe */
	hz_time_t probe_min;         /* 1 s */
	hz_time_t probe_max;         /* 2 s */
	uint8_t probe_num;           /* 3 */
	hz_time_t announce_wait;     /* 2 s: after the last probe */
	uint8_t announce_num;        /* 2 */
	hz_time_t announce_interval; /* 2 s */
	uint8_t max_conflicts;       /* 10 */
	hz_time_t rate_limit_interval; /* 60 s */
	hz_time_t defend_interval;   /* 10 s */
};

enum hz_arp_state {
	HZ_ARP_STATE_FREE = 0,
	HZ_ARP_STATE_INCOMPLETE,
	HZ_ARP_STATE_REACHABLE,
	HZ_ARP_STATE_STALE,
	HZ_ARP_STATE_STATIC,
};

/* One cache entry, in caller storage. Read-only for the caller. */
struct hz_arp_entry {
	uint32_t ip;
	uint8_t mac[HZ_MAC_LEN];
	uint8_t state;    /* enum hz_arp_state */
	uint8_t requests; /* requests sent in this resolution or poll */
	bool used;        /* a packet went to it since the last confirmation */
	hz_time_t updated; /* created or last confirmed: picks the oldest */
	hz_time_t deadline; /* next request (INCOMPLETE, STALE) or expiry */
};

/* One packet waiting for resolution. Its bytes live in qbuf at
 * slot_index * qslot_size + HZ_ARP_QSLOT_HEADROOM. */
struct hz_arp_pending {
	uint32_t ip;    /* next hop it waits for */
	uint32_t seq;   /* arrival order, to release in order */
	size_t len;     /* 0: slot free */
	uint32_t flags; /* the pbuf's flags and checksum offload request */
	uint16_t csum_start;
	uint16_t csum_off;
};

/* Room kept in front of each queued packet for the Ethernet header, so a
 * slot holds at most qslot_size - HZ_ARP_QSLOT_HEADROOM bytes of IPv4. */
#define HZ_ARP_QSLOT_HEADROOM HZ_ETHIF_VLAN_HDR_LEN

enum hz_arp_event {
	HZ_ARP_EV_ADDR_READY = 1,  /* ip: our address is usable */
	HZ_ARP_EV_CONFLICT,        /* ip: ours; mac: the other host */
	HZ_ARP_EV_RESOLVE_FAILED,  /* ip: the next hop; queued packets dropped */
	HZ_ARP_EV_RESOLVED,        /* ip -> mac learned for an INCOMPLETE entry */
};
/* mac is never NULL: all zeros when the event has none. For ADDR_READY it
 * is our own MAC. */
typedef void (*hz_arp_event_fn)(void *ctx, enum hz_arp_event ev, uint32_t ip,
                                const uint8_t mac[HZ_MAC_LEN]);

/* Our address's RFC 5227 life. */
enum hz_arp_addr_state {
	HZ_ARP_ADDR_NONE = 0,   /* no address */
	HZ_ARP_ADDR_PROBE_WAIT, /* waiting 0..PROBE_WAIT before probe 1 */
	HZ_ARP_ADDR_PROBING,    /* probes sent; next probe or ANNOUNCE_WAIT */
	HZ_ARP_ADDR_ANNOUNCING, /* usable; announcements still to send */
	HZ_ARP_ADDR_BOUND,      /* usable; defended */
	HZ_ARP_ADDR_CONFLICT,   /* another host has it: not used */
};

enum hz_arp_drop {
	HZ_ARP_DROP_TRUNCATED = 0,  /* shorter than 28 bytes */
	HZ_ARP_DROP_MALFORMED,      /* hlen/plen not 6/4 */
	HZ_ARP_DROP_UNSUPPORTED,    /* htype, ptype or op we do not speak */
	HZ_ARP_DROP_NOT_FOR_US,     /* target is not our address */
	HZ_ARP_DROP_BAD_SENDER,     /* sender MAC group/ours, or IP multicast */
	HZ_ARP_DROP_CONFLICT,       /* claims our address */
	HZ_ARP_DROP_QUEUE_FULL,     /* output: no free pending slot */
	HZ_ARP_DROP_TOO_BIG,        /* output: larger than a pending slot */
	HZ_ARP_DROP_RESOLVE_FAILED, /* queued packet: no reply in time */
	HZ_ARP_DROP_EVICTED,        /* queued packet: its entry was replaced */
	HZ_ARP_DROP_COUNT
};

struct hz_arp {
	struct hz_ethif *eth; /* borrowed */
	const struct hz_shim *shim;
	struct hz_arp_config cfg;
	struct hz_arp_entry *cache;
	size_t ncache;
	struct hz_arp_pending *queue;
	size_t nqueue;
	uint8_t *qbuf;
	size_t qslot_size;
	uint32_t seq;
	hz_arp_event_fn event;
	void *event_ctx;
	hz_time_t now; /* latest time seen (DESIGN.md section 6) */
	int err;       /* latched init error (registering with ethif) */
	/* Our address (host order; 0: none) and its RFC 5227 state. */
	uint32_t addr;
	uint8_t addr_state;   /* enum hz_arp_addr_state */
	uint8_t addr_count;   /* probes or announcements sent */
	uint8_t conflicts;    /* conflicts while probing, for rate limiting */
	hz_time_t addr_deadline;
	hz_time_t last_conflict;
	hz_time_t last_defend; /* HZ_TIME_NEVER: not yet */
	uint64_t drops[HZ_ARP_DROP_COUNT];
};

/* The defaults above; probe = false. */
void hz_arp_config_default(struct hz_arp_config *cfg);

/* Reset a and register its input with eth for EtherType 0x0806 (a failure
 * there is latched in a->err). cfg is copied; NULL means defaults. cache
 * (ncache entries), queue (nqueue slots) and qbuf (nqueue * qslot_size
 * bytes) are caller storage, cleared here, and must outlive a. shim gives
 * the randomness for RFC 5227 delays and may be NULL (no jitter). */
void hz_arp_init(struct hz_arp *a, struct hz_ethif *eth, const struct hz_shim *shim,
                 const struct hz_arp_config *cfg,
                 struct hz_arp_entry *cache, size_t ncache,
                 struct hz_arp_pending *queue, size_t nqueue,
                 uint8_t *qbuf, size_t qslot_size);

/* Report events to fn(ctx, ...). fn may be NULL. It may call hz_arp_*
 * functions except hz_arp_init. */
void hz_arp_event_set(struct hz_arp *a, hz_arp_event_fn fn, void *ctx);

/* Take ip (host order) as our address; 0 removes it. With cfg.probe false
 * the address is usable at once and two gratuitous ARP announcements go
 * out, now and announce_interval later (RFC 5227 section 3); with
 * cfg.probe it is probed first (RFC 5227 section 2.1) and usable only
 * after ADDR_READY. Returns HZ_OK or HZ_ERR_INVALID (a multicast or
 * broadcast ip). */
int hz_arp_addr_set(struct hz_arp *a, uint32_t ip, hz_time_t now);
/* Is our address set, probed and announced (we answer and send for it)? */
bool hz_arp_addr_ready(const struct hz_arp *a);

/* The ethif handler for EtherType 0x0806 (ctx is the struct hz_arp). */
int hz_arp_input(void *arp, const struct hz_ethif_frame *f, hz_time_t now);

/* Send the IPv4 packet in pb (the link output of struct hz_ipv4_link; arp
 * is a struct hz_arp *). BROADCAST goes to ff:ff:ff:ff:ff:ff, MULTICAST to
 * the group MAC of nexthop (RFC 1112 6.4); UNICAST resolves nexthop,
 * queueing a copy of the packet while it waits. pb is the caller's again
 * on return, unchanged. Returns HZ_OK (sent or queued), HZ_ERR_INVALID for
 * a unicast nexthop of 0, our own address or a multicast/broadcast
 * address, or an unknown cast; HZ_ERR_NO_SPACE when it had
 * to queue and no slot was free or large enough (resolution still
 * starts), or the ethif/netif error. */
int hz_arp_output(void *arp, struct hz_pbuf *pb, uint32_t nexthop, enum hz_cast cast);

/* Run timers: request retries, ageing and unicast polls, the RFC 5227
 * timeline. Returns the next deadline, or HZ_TIME_NEVER. */
hz_time_t hz_arp_poll(struct hz_arp *a, hz_time_t now);

/* The MAC of ip from a REACHABLE, STALE or STATIC entry: HZ_OK, or
 * HZ_ERR_NOT_FOUND. */
int hz_arp_lookup(const struct hz_arp *a, uint32_t ip, uint8_t mac_out[HZ_MAC_LEN]);
/* Add or overwrite a static entry (packets waiting for ip are sent).
 * HZ_OK; HZ_ERR_INVALID for ip 0, a multicast/broadcast ip or a group MAC;
 * HZ_ERR_NO_SPACE when every entry is static. */
int hz_arp_entry_add_static(struct hz_arp *a, uint32_t ip, const uint8_t mac[HZ_MAC_LEN]);
/* Remove the entry for ip, static or not; packets waiting for it are
 * dropped (evicted). HZ_OK or HZ_ERR_NOT_FOUND. */
int hz_arp_entry_del(struct hz_arp *a, uint32_t ip);

/* The short name of a drop reason ("queue_full"), or "?" out of range. */
const char *hz_arp_drop_name(unsigned reason);

#ifdef __cplusplus
}
#endif

#endif /* HAZE_ARP_H */
