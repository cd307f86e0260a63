/*
 * haze core: the vocabulary every haze library shares.
 *
 *  - error codes (negative ints; a non-negative return is a byte count);
 *  - big-endian load/store and bounds-checked cursors over caller bytes;
 *  - the Internet checksum (RFC 1071) and its incremental update (RFC 1624);
 *  - IP addresses of either family;
 *  - packet buffers with headroom, so each layer prepends without copying;
 *  - the shim (randomness, logging, the platform clock);
 *  - the interface structs that layers are wired through: netif and ip.
 *
 * Naming: core is the one library whose names drop the library part:
 * every hz_ name that does not start with another library's name
 * (hz_ethif_, hz_arp_, hz_ipv4_, ...) belongs to core.
 *
 * Nothing here allocates or calls the OS. Only memcpy, memmove, memset and
 * memcmp are used, through the hz_mem* macros below, which compile to the
 * compiler's builtins.
 */
#ifndef HAZE_CORE_H
#define HAZE_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HZ_VERSION_STRING "0.1.0"

#define hz_memcpy __builtin_memcpy
#define hz_memmove __builtin_memmove
#define hz_memset __builtin_memset
#define hz_memcmp __builtin_memcmp

#define HZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define HZ_MIN(a, b) ((a) < (b) ? (a) : (b))
#define HZ_MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define HZ_LIKELY(x) __builtin_expect(!!(x), 1)
#define HZ_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HZ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#if defined(__has_attribute)
#if __has_attribute(fallthrough)
#define HZ_FALLTHROUGH __attribute__((fallthrough))
#endif
#endif
#else
#define HZ_LIKELY(x) (x)
#define HZ_UNLIKELY(x) (x)
#define HZ_PRINTF(f, a)
#endif
/* Marks an intended switch fall-through for both gcc and clang (clang
 * does not read comments). */
#ifndef HZ_FALLTHROUGH
#define HZ_FALLTHROUGH ((void)0)
#endif

/* ------------------------------------------------------------------ */
/* Time                                                                */
/* ------------------------------------------------------------------ */

/* Time is a monotonic count of microseconds with an arbitrary origin.
 * Engines never read a clock: it arrives as the `now` argument of input and
 * poll calls. A deadline of HZ_TIME_NEVER means "no timer pending". */
typedef uint64_t hz_time_t;
#define HZ_TIME_NEVER UINT64_MAX
#define HZ_USEC(x) ((hz_time_t)(x))
#define HZ_MSEC(x) ((hz_time_t)(x) * 1000u)
#define HZ_SEC(x) ((hz_time_t)(x) * 1000000u)

static inline hz_time_t hz_time_min(hz_time_t a, hz_time_t b)
{
	return a < b ? a : b;
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

/* Every failure has a name. Functions return int: HZ_OK or a positive
 * byte count on success, one of these on failure. NEED_MORE, MALFORMED
 * and UNSUPPORTED are kept apart on purpose: a stream parser must wait on
 * the first, reject on the second, and may skip on the third. */
enum hz_err {
	HZ_OK = 0,
	HZ_ERR_NEED_MORE = -1,   /* input ends before the object does */
	HZ_ERR_MALFORMED = -2,   /* input breaks the wire format */
	HZ_ERR_UNSUPPORTED = -3, /* valid, but a feature haze does not do */
	HZ_ERR_NO_SPACE = -4,    /* a caller buffer or table is full */
	HZ_ERR_BAD_STATE = -5,   /* call not allowed in the current state */
	HZ_ERR_TIMEOUT = -6,     /* a timer ran out (e.g. ARP resolution) */
	HZ_ERR_REFUSED = -7,     /* peer refused: ICMP unreachable, no listener */
	HZ_ERR_RESET = -8,       /* peer reset the connection */
	HZ_ERR_CHECKSUM = -9,    /* a checksum did not verify */
	HZ_ERR_INVALID = -10,    /* a caller argument is out of range */
	HZ_ERR_NO_ROUTE = -11,   /* no route / no source address */
	HZ_ERR_WOULD_BLOCK = -12, /* nothing now; try again after the next event */
	HZ_ERR_IN_USE = -13,     /* address/port/entry already taken */
	HZ_ERR_NOT_FOUND = -14,  /* no such entry */
	HZ_ERR_CONFLICT = -15,   /* another host claims our address */
	HZ_ERR_UNREACHABLE = -16, /* host/net unreachable, TTL exceeded en route */
	HZ_ERR_TOO_BIG = -17,    /* larger than a configured limit or the MTU */
	HZ_ERR_INTERNAL = -18,   /* a haze bug: an impossible state was reached */
	HZ_ERR_AUTH = -19,       /* a tag, MAC or signature did not verify */
	HZ_ERR_BAD_KEY = -20,    /* a key or point is invalid (off the curve, low order, out of range) */
};
#define HZ_ERR_COUNT 21

/* The name of an error code ("HZ_ERR_MALFORMED"), or "HZ_ERR_?" for a value
 * that is not one. Non-negative values are named "HZ_OK". */
const char *hz_err_name(int err);

/* ------------------------------------------------------------------ */
/* Byte order                                                          */
/* ------------------------------------------------------------------ */

static inline uint16_t hz_be16_load(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t hz_be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t hz_be64_load(const uint8_t *p)
{
	return (uint64_t)hz_be32_load(p) << 32 | hz_be32_load(p + 4);
}
static inline void hz_be16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void hz_be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void hz_be64_store(uint8_t *p, uint64_t v)
{
	hz_be32_store(p, (uint32_t)(v >> 32));
	hz_be32_store(p + 4, (uint32_t)v);
}

/* ------------------------------------------------------------------ */
/* Cursors                                                             */
/* ------------------------------------------------------------------ */

/* A reader over caller bytes. Reads past the end return zero and latch
 * `err` (HZ_ERR_NEED_MORE), so a parser can read a whole header and check
 * once: `if (hz_rd_status(&r)) return ...`. The buffer is borrowed: it must
 * outlive the reader and any pointer hz_rd_bytes returned. */
struct hz_rd {
	const uint8_t *p;
	size_t len;
	size_t pos;
	int err;
};

static inline void hz_rd_init(struct hz_rd *r, const void *p, size_t len)
{
	r->p = (const uint8_t *)p;
	r->len = len;
	r->pos = 0;
	r->err = HZ_OK;
}
static inline size_t hz_rd_left(const struct hz_rd *r)
{
	return r->len - r->pos;
}
static inline int hz_rd_status(const struct hz_rd *r)
{
	return r->err;
}
/* Take n bytes: returns a pointer into the buffer, or NULL (and latches the
 * error) when fewer than n remain. */
static inline const uint8_t *hz_rd_bytes(struct hz_rd *r, size_t n)
{
	if (HZ_UNLIKELY(r->err || n > r->len - r->pos)) {
		r->err = HZ_ERR_NEED_MORE;
		r->pos = r->len;
		return NULL;
	}
	const uint8_t *q = r->p + r->pos;
	r->pos += n;
	return q;
}
static inline void hz_rd_skip(struct hz_rd *r, size_t n)
{
	(void)hz_rd_bytes(r, n);
}
static inline uint8_t hz_rd_u8(struct hz_rd *r)
{
	const uint8_t *q = hz_rd_bytes(r, 1);
	return q ? q[0] : 0;
}
static inline uint16_t hz_rd_be16(struct hz_rd *r)
{
	const uint8_t *q = hz_rd_bytes(r, 2);
	return q ? hz_be16_load(q) : 0;
}
static inline uint32_t hz_rd_be32(struct hz_rd *r)
{
	const uint8_t *q = hz_rd_bytes(r, 4);
	return q ? hz_be32_load(q) : 0;
}
static inline uint64_t hz_rd_be64(struct hz_rd *r)
{
	const uint8_t *q = hz_rd_bytes(r, 8);
	return q ? hz_be64_load(q) : 0;
}
static inline bool hz_rd_copy(struct hz_rd *r, void *out, size_t n)
{
	const uint8_t *q = hz_rd_bytes(r, n);
	if (!q)
		return false;
	hz_memcpy(out, q, n);
	return true;
}

/* A writer into a caller buffer. Writes that do not fit write nothing and
 * latch `err` (HZ_ERR_NO_SPACE); check once at the end. */
struct hz_wr {
	uint8_t *p;
	size_t cap;
	size_t pos;
	int err;
};

static inline void hz_wr_init(struct hz_wr *w, void *p, size_t cap)
{
	w->p = (uint8_t *)p;
	w->cap = cap;
	w->pos = 0;
	w->err = HZ_OK;
}
static inline int hz_wr_status(const struct hz_wr *w)
{
	return w->err;
}
/* Reserve n bytes to fill now or later; NULL (and latch) if they do not fit. */
static inline uint8_t *hz_wr_reserve(struct hz_wr *w, size_t n)
{
	if (HZ_UNLIKELY(w->err || n > w->cap - w->pos)) {
		w->err = HZ_ERR_NO_SPACE;
		return NULL;
	}
	uint8_t *q = w->p + w->pos;
	w->pos += n;
	return q;
}
static inline void hz_wr_u8(struct hz_wr *w, uint8_t v)
{
	uint8_t *q = hz_wr_reserve(w, 1);
	if (q)
		q[0] = v;
}
static inline void hz_wr_be16(struct hz_wr *w, uint16_t v)
{
	uint8_t *q = hz_wr_reserve(w, 2);
	if (q)
		hz_be16_store(q, v);
}
static inline void hz_wr_be32(struct hz_wr *w, uint32_t v)
{
	uint8_t *q = hz_wr_reserve(w, 4);
	if (q)
		hz_be32_store(q, v);
}
static inline void hz_wr_be64(struct hz_wr *w, uint64_t v)
{
	uint8_t *q = hz_wr_reserve(w, 8);
	if (q)
		hz_be64_store(q, v);
}
static inline void hz_wr_bytes(struct hz_wr *w, const void *src, size_t n)
{
	uint8_t *q = hz_wr_reserve(w, n);
	if (q && n)
		hz_memcpy(q, src, n);
}
static inline void hz_wr_zero(struct hz_wr *w, size_t n)
{
	uint8_t *q = hz_wr_reserve(w, n);
	if (q && n)
		hz_memset(q, 0, n);
}

/* ------------------------------------------------------------------ */
/* Internet checksum                                                   */
/* ------------------------------------------------------------------ */

/* A partial checksum is the one's-complement sum of big-endian 16-bit words,
 * folded to 16 bits and not yet complemented (RFC 1071 section 1).
 *
 * hz_csum_add adds `len` bytes to a partial sum and returns the new partial
 * sum. It reads a machine word at a time. An odd final byte is padded with
 * zero, so when chaining several calls every chunk but the last must have
 * an even length. */
uint32_t hz_csum_add(uint32_t partial, const void *data, size_t len);

/* Finish: fold any carries and complement. The result is the value to store
 * big-endian in a header; 0 over data that carries a valid checksum. */
static inline uint16_t hz_csum_fold(uint32_t partial)
{
	partial = (partial & 0xffffu) + (partial >> 16);
	partial = (partial & 0xffffu) + (partial >> 16);
	return (uint16_t)~partial;
}

/* Checksum of one buffer: hz_csum_fold(hz_csum_add(0, data, len)). */
uint16_t hz_csum(const void *data, size_t len);

/* Incremental update when one 16-bit (or 32-bit) field changes from `old`
 * to `new_`, without touching the rest of the data: RFC 1624 eqn. 3,
 * HC' = ~(~HC + ~m + m'), which never yields the -0 that eqn. 2 can. */
uint16_t hz_csum_update16(uint16_t csum, uint16_t old, uint16_t new_);
uint16_t hz_csum_update32(uint16_t csum, uint32_t old, uint32_t new_);

/* ------------------------------------------------------------------ */
/* Rate limits                                                         */
/* ------------------------------------------------------------------ */

/* A token bucket: `rate` tokens per second, at most `burst` held, full at
 * init. rate 0 means unlimited. Time is the caller's `now`; a clock that
 * goes backwards refills nothing. */
struct hz_ratelimit {
	uint64_t tokens; /* in millionths of a token */
	hz_time_t at;    /* last refill */
	uint32_t rate;
	uint32_t burst;
};

void hz_ratelimit_init(struct hz_ratelimit *r, uint32_t rate, uint32_t burst);
void hz_ratelimit_refill(struct hz_ratelimit *r, hz_time_t now);
/* Take one token if there is one. */
bool hz_ratelimit_take(struct hz_ratelimit *r, hz_time_t now);

/* ------------------------------------------------------------------ */
/* SipHash-2-4                                                         */
/* ------------------------------------------------------------------ */

/* SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit PRF for short
 * inputs, used where a library must derive values an off-path attacker
 * cannot predict (tcp's RFC 6528 sequence numbers and SYN cookies, ipv6's
 * RFC 7217 interface identifiers). The key is 16 bytes (k0, k1 read
 * little-endian, as the reference does). Incremental: pieces hashed in
 * turn give the hash of their concatenation. final wipes the state. */
struct hz_siphash {
	uint64_t v[4];
	uint64_t tail; /* pending bytes, little-endian */
	size_t total;  /* bytes absorbed */
};

void hz_siphash_init(struct hz_siphash *s, const uint8_t key[16]);
void hz_siphash_update(struct hz_siphash *s, const void *data, size_t n);
uint64_t hz_siphash_final(struct hz_siphash *s);
/* One call: init, update, final. */
uint64_t hz_siphash(const uint8_t key[16], const void *data, size_t n);

/* ------------------------------------------------------------------ */
/* IP addresses                                                        */
/* ------------------------------------------------------------------ */

enum hz_af {
	HZ_AF_NONE = 0, /* the unspecified "any" address */
	HZ_AF_INET = 4,
	HZ_AF_INET6 = 6,
};

/* An address of either family, in network byte order. IPv4 uses b[0..3];
 * the rest is zero so that memcmp compares correctly. */
struct hz_ipaddr {
	uint8_t family; /* enum hz_af */
	uint8_t b[16];
};

#define HZ_IPADDR_STRLEN 48

/* Build from a host-order IPv4 value (0x0a000002 is 10.0.0.2). */
struct hz_ipaddr hz_ipaddr_v4(uint32_t host_order);
/* The host-order IPv4 value of an HZ_AF_INET address. */
static inline uint32_t hz_ipaddr_to_v4(const struct hz_ipaddr *a)
{
	return hz_be32_load(a->b);
}
bool hz_ipaddr_eq(const struct hz_ipaddr *a, const struct hz_ipaddr *b);
static inline bool hz_ipaddr_is_any(const struct hz_ipaddr *a)
{
	return a->family == HZ_AF_NONE;
}
/* Parse dotted-quad IPv4 ("10.0.0.2") or IPv6 text (RFC 4291 section 2.2,
 * including "::" and embedded IPv4). Returns HZ_OK or HZ_ERR_MALFORMED. */
int hz_ipaddr_parse(struct hz_ipaddr *out, const char *text);
/* Parse "ADDR/PLEN". */
int hz_ipaddr_parse_prefix(struct hz_ipaddr *out, unsigned *plen, const char *text);
/* Format as text (RFC 5952 canonical form for IPv6) into buf; returns buf. */
char *hz_ipaddr_format(const struct hz_ipaddr *a, char buf[HZ_IPADDR_STRLEN]);

/* How a frame or packet is addressed at the link layer: set by ethif on
 * receive, chosen by the network layer on send (e.g. ipv4 broadcast). */
enum hz_cast {
	HZ_CAST_UNICAST = 0,
	HZ_CAST_BROADCAST = 1,
	HZ_CAST_MULTICAST = 2,
};

/* MAC addresses: 6 bytes. Text form is "02:00:00:00:00:02". */
#define HZ_MAC_LEN 6
#define HZ_MAC_STRLEN 18
int hz_mac_parse(uint8_t out[HZ_MAC_LEN], const char *text);
char *hz_mac_format(const uint8_t mac[HZ_MAC_LEN], char buf[HZ_MAC_STRLEN]);

/* ------------------------------------------------------------------ */
/* Packet buffers                                                      */
/* ------------------------------------------------------------------ */

/* A view of one contiguous packet inside caller storage, with room in front
 * (headroom) so each layer on the way out prepends its header in place:
 *
 *   base                 base+head          base+head+len        base+cap
 *   |---- headroom ------|------ data -------|----- tailroom ------|
 *
 * The storage belongs to the caller and must outlive the pbuf. */
struct hz_pbuf {
	uint8_t *base;
	size_t cap;
	size_t head;
	size_t len;
	uint32_t flags; /* HZ_PBUF_F_* */
	/* Checksum offload request (HZ_PBUF_F_CSUM_PARTIAL): the transport left
	 * the pseudo-header sum in its checksum field; a netif with
	 * HZ_NETIF_CAP_TX_CSUM finishes it from csum_start (offset from the
	 * frame start) and stores at csum_start + csum_off. */
	uint16_t csum_start;
	uint16_t csum_off;
};

#define HZ_PBUF_F_CSUM_PARTIAL 0x1u

/* Headroom that is always enough for link + network headers of any haze
 * protocol (Ethernet with VLAN tag, IPv4 with options or IPv6 with a
 * fragment header) in front of a transport header. */
#define HZ_PBUF_HEADROOM 128

void hz_pbuf_init(struct hz_pbuf *pb, void *storage, size_t cap, size_t headroom);

static inline uint8_t *hz_pbuf_data(const struct hz_pbuf *pb)
{
	return pb->base + pb->head;
}
static inline size_t hz_pbuf_headroom(const struct hz_pbuf *pb)
{
	return pb->head;
}
static inline size_t hz_pbuf_tailroom(const struct hz_pbuf *pb)
{
	return pb->cap - pb->head - pb->len;
}
/* Prepend n bytes; returns the new start, or NULL if headroom is short. */
static inline uint8_t *hz_pbuf_push(struct hz_pbuf *pb, size_t n)
{
	if (HZ_UNLIKELY(n > pb->head))
		return NULL;
	pb->head -= n;
	pb->len += n;
	return pb->base + pb->head;
}
/* Remove n bytes from the front; returns the new start, or NULL if short. */
static inline uint8_t *hz_pbuf_pull(struct hz_pbuf *pb, size_t n)
{
	if (HZ_UNLIKELY(n > pb->len))
		return NULL;
	pb->head += n;
	pb->len -= n;
	return pb->base + pb->head;
}
/* Append n bytes; returns a pointer to them, or NULL if tailroom is short. */
static inline uint8_t *hz_pbuf_put(struct hz_pbuf *pb, size_t n)
{
	if (HZ_UNLIKELY(n > hz_pbuf_tailroom(pb)))
		return NULL;
	uint8_t *q = pb->base + pb->head + pb->len;
	pb->len += n;
	return q;
}
/* Copy n bytes to the end. HZ_OK or HZ_ERR_NO_SPACE. */
int hz_pbuf_append(struct hz_pbuf *pb, const void *src, size_t n);
/* Reset to empty with the given headroom. */
void hz_pbuf_reset(struct hz_pbuf *pb, size_t headroom);

/* ------------------------------------------------------------------ */
/* The shim: what a library may ask of its platform                    */
/* ------------------------------------------------------------------ */

enum hz_log_level {
	HZ_LOG_ERROR = 0,
	HZ_LOG_WARN = 1,
	HZ_LOG_INFO = 2,
	HZ_LOG_DEBUG = 3,
};

/* Supplied by the platform, shared (read-only) by every engine.
 * `random` fills out with unpredictable bytes (the platform decides how:
 * getrandom, RDRAND, a seeded DRBG in tests). `log` receives one formatted,
 * NUL-terminated line without a newline; it may be NULL. `now` is for
 * platform code only: engines take time as an argument. */
struct hz_shim {
	void *ctx;
	void (*random)(void *ctx, void *out, size_t len);
	void (*log)(void *ctx, enum hz_log_level level, const char *line);
	hz_time_t (*now)(void *ctx);
	enum hz_log_level log_level; /* lines above this level are not formatted */
};

void hz_random(const struct hz_shim *shim, void *out, size_t len);
uint32_t hz_random_u32(const struct hz_shim *shim);

/* Log through the shim. The format is a printf subset that needs no libc:
 * %d %i %u %x %X %c %s %p %%, the length modifiers l, ll, z, h, hh, and a
 * field width with optional 0 flag (e.g. %02x). */
void hz_log(const struct hz_shim *shim, enum hz_log_level level, const char *fmt, ...) HZ_PRINTF(3, 4);

/* The formatter behind hz_log, for callers that want the text. Writes at
 * most cap-1 characters and a NUL (when cap > 0); returns the length the
 * full text would have had. */
size_t hz_fmt(char *buf, size_t cap, const char *fmt, ...) HZ_PRINTF(3, 4);
size_t hz_vfmt(char *buf, size_t cap, const char *fmt, va_list ap);

/* ------------------------------------------------------------------ */
/* netif: a link that sends frames                                     */
/* ------------------------------------------------------------------ */

#define HZ_NETIF_CAP_TX_CSUM 0x1u /* honours HZ_PBUF_F_CSUM_PARTIAL */

/* Implemented by every platform backend (tap, pcap, virtio, xen, tests).
 * `transmit` sends the frame now, or copies it; the pbuf's bytes are the
 * caller's again when it returns. It returns HZ_OK, or HZ_ERR_WOULD_BLOCK
 * when the device queue is full (the frame is dropped and counted). */
struct hz_netif {
	void *ctx;
	int (*transmit)(void *ctx, struct hz_pbuf *frame);
	uint8_t mac[HZ_MAC_LEN];
	uint16_t mtu; /* largest network-layer packet, e.g. 1500 */
	uint32_t caps; /* HZ_NETIF_CAP_* */
};

/* ------------------------------------------------------------------ */
/* ip: the network layer as transports see it                          */
/* ------------------------------------------------------------------ */

/* What a transport learns about one received datagram. Valid only for the
 * duration of the input call. */
struct hz_ip_rx {
	struct hz_ipaddr src;
	struct hz_ipaddr dst;
	uint8_t proto;
	uint8_t ttl; /* TTL or hop limit */
	uint8_t tos; /* TOS / traffic class */
	uint8_t flags; /* HZ_IP_RX_* */
	uint32_t pseudo; /* partial checksum of the pseudo-header (RFC 768,
	                    RFC 793, RFC 8200 section 8.1) for this datagram */
	const struct hz_ip *ip; /* the network layer it arrived on: reply here */
	hz_time_t now;
};
#define HZ_IP_RX_BCAST 0x1u /* sent to a broadcast address */
#define HZ_IP_RX_MCAST 0x2u /* sent to a multicast group */
/* The transport checksum was verified or is trusted: the link said so
 * (a virtio/tap receive offload reporting NEEDS_CSUM or DATA_VALID for a
 * frame from the local kernel). The transport skips its own verification;
 * its checksum field may then hold only the pseudo-header sum. The
 * network layer sets it only for a datagram that arrived in one frame
 * whose link metadata said so, never for a reassembled one. */
#define HZ_IP_RX_CSUM_VALID 0x4u

/* How to send one datagram. */
struct hz_ip_tx {
	struct hz_ipaddr src; /* HZ_AF_NONE: let the ip layer choose */
	struct hz_ipaddr dst;
	uint8_t proto;
	uint8_t ttl; /* 0: the layer's default */
	uint8_t tos;
	uint8_t flags; /* HZ_IP_TX_* */
};
#define HZ_IP_TX_DF 0x1u /* do not fragment: fail with HZ_ERR_TOO_BIG */

/* A received ICMP/ICMPv6 error about a datagram this host sent, handed to
 * the transport that owns the flow. */
enum hz_ip_err_kind {
	HZ_IP_ERR_NET_UNREACH = 1,
	HZ_IP_ERR_HOST_UNREACH,
	HZ_IP_ERR_PROTO_UNREACH,
	HZ_IP_ERR_PORT_UNREACH,
	HZ_IP_ERR_ADMIN_PROHIBITED,
	HZ_IP_ERR_FRAG_NEEDED, /* ICMPv4 3/4, ICMPv6 Packet Too Big: see mtu */
	HZ_IP_ERR_TIME_EXCEEDED,
	HZ_IP_ERR_PARAM_PROBLEM,
	HZ_IP_ERR_OTHER,
};
struct hz_ip_err {
	uint8_t kind; /* enum hz_ip_err_kind */
	uint8_t type; /* raw ICMP type and code */
	uint8_t code;
	uint8_t proto; /* of the original datagram */
	uint32_t mtu; /* next-hop MTU for HZ_IP_ERR_FRAG_NEEDED, else 0 */
	struct hz_ipaddr reporter; /* who sent the ICMP message */
	struct hz_ipaddr src; /* original datagram: our address */
	struct hz_ipaddr dst; /* original datagram: the peer */
	const uint8_t *quote; /* the original transport header, as quoted */
	size_t quote_len; /* at least 8 (RFC 792 / RFC 1122 3.2.2) */
	hz_time_t now;
};

/* A transport as the ip layer sees it (udp, tcp, ...). */
struct hz_ip_upper {
	void *ctx;
	/* Deliver one datagram's payload. Return HZ_OK when taken,
	 * HZ_ERR_REFUSED when no endpoint wants it (the ip layer then answers
	 * with port unreachable, rate-limited and never for broadcast or
	 * multicast), or another error to count it as dropped. */
	int (*input)(void *ctx, const struct hz_ip_rx *rx, const uint8_t *payload, size_t len);
	/* An ICMP error that quotes a datagram of this protocol. May be NULL. */
	void (*error)(void *ctx, const struct hz_ip_err *err);
};

/* The network layer, implemented by ipv4 and ipv6 alike, so transports are
 * written once. All calls are synchronous. */
struct hz_ip {
	void *ctx;
	uint8_t family; /* enum hz_af */
	/* Bytes a transport must leave in front of its header in a pbuf. */
	uint16_t headroom;
	/* Register the transport for protocol `proto`. HZ_OK, HZ_ERR_IN_USE,
	 * or HZ_ERR_NO_SPACE. `up` must outlive the ip layer. */
	int (*attach)(void *ctx, uint8_t proto, const struct hz_ip_upper *up);
	/* Send pb's data (the transport header and payload) as one datagram,
	 * fragmenting if needed and allowed. The pbuf is the caller's again on
	 * return (the packet was sent, queued by copy, or dropped). Returns
	 * HZ_OK (sent or queued for address resolution), HZ_ERR_NO_ROUTE,
	 * HZ_ERR_TOO_BIG, HZ_ERR_NO_SPACE, HZ_ERR_INVALID. */
	int (*output)(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx);
	/* Partial checksum of the pseudo-header for a payload of `len` bytes. */
	uint32_t (*pseudo)(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
	                   uint8_t proto, size_t len);
	/* Largest transport payload (header included) that reaches dst
	 * without fragmentation: the path MTU minus the ip header. */
	size_t (*mtu)(void *ctx, const struct hz_ipaddr *dst);
	/* Choose our source address for dst. HZ_OK or HZ_ERR_NO_ROUTE. */
	int (*source)(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src);
	/* Is addr one of ours (unicast), so a socket may bind to it? */
	bool (*is_local)(void *ctx, const struct hz_ipaddr *addr);
};

#ifdef __cplusplus
}
#endif

#endif /* HAZE_CORE_H */
