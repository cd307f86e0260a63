/*
 * ipv6-ext: the extension-header walker on chains built from a
 * description, so deep and well-formed chains are reached at once rather
 * than by guessing lengths and Next Header links byte by byte.
 *
 * Input: byte 0 configures (bit 0: multicast destination; bit 1: custom
 * limits follow as max_hdrs u8 and max_len u16, 0 meaning the default;
 * bit 2: damage follows as a count u8 (low 3 bits) of (position u16,
 * xor u8) byte flips; bit 3: truncate by a u8 of bytes), then header
 * records until the input ends or 16 headers are built:
 *   kind u8      low 3 bits: 0 hop-by-hop, 1 and 6 destination options,
 *                2 routing, 3 fragment, 4 an upper layer (Next Header u8
 *                follows) ending the chain, 5 No Next Header ending it,
 *                7 as 4 with UDP
 *   options:     Hdr Ext Len u8 (low 5 bits), then options until the
 *                header is full: type u8, data length u8 (clamped to the
 *                room left), data bytes; the rest is padded with Pad1 or
 *                PadN (a type byte 0 is a Pad1)
 *   routing:     Hdr Ext Len u8 (low 5 bits), routing type u8, segments
 *                left u8 (low 2 bits), then the type-specific bytes
 *   fragment:    offset/M u16 (as on the wire), identification u32
 * then, after the chain, len u8 bytes of upper-layer data. The harness
 * links the Next Header fields, sets the payload length and keeps a list
 * of what it built.
 *
 * Invariants: on an undamaged packet, a model of RFC 8200 4 written
 * here from that list (hop-by-hop first only, option action bits with
 * the multicast rule, routing with segments left, atomic and real
 * fragments, the two limits) predicts the result exactly: return code,
 * drop reason, proto, proto_ptr, offset, count, flags, fragment fields,
 * and the Parameter Problem code and pointer. On any packet: the walk
 * ends inside the packet, within the limits, with any pointer inside the
 * packet, and raising the limits never turns a success into a failure
 * nor changes its result.
 */
#include "fuzz.h"
#include "haze/ipv6.h"

#define MAX_BUILT 16
#define PKT_CAP 8192

enum kind { K_HBH, K_DST, K_RH, K_FRAG, K_UPPER, K_NONE };

struct opt {
	uint8_t type;
	uint8_t olen; /* bytes including type and length; 1 for Pad1 */
	size_t at;    /* offset of the option in the packet */
};

struct built {
	enum kind kind;
	size_t off, len;  /* in the packet */
	uint8_t nh_value; /* for K_UPPER: the Next Header */
	struct opt opts[64];
	size_t nopts;
	uint8_t rh_type, segs;
	uint16_t frag_word;
	uint32_t frag_id;
};

static struct built hdrs[MAX_BUILT + 1];
static size_t nhdrs;

static uint8_t nh_of(const struct built *b)
{
	switch (b->kind) {
	case K_HBH:
		return HZ_IPV6_NH_HOPOPTS;
	case K_DST:
		return HZ_IPV6_NH_DSTOPTS;
	case K_RH:
		return HZ_IPV6_NH_ROUTING;
	case K_FRAG:
		return HZ_IPV6_NH_FRAGMENT;
	case K_UPPER:
		return b->nh_value;
	default:
		return HZ_IPV6_NH_NONE;
	}
}

/* Fill the options area pkt[at, end) from the input. */
static void build_options(struct built *b, struct fz_in *in, uint8_t *pkt, size_t at, size_t end)
{
	while (at < end && !fz_in_empty(in) && b->nopts < 64) {
		uint8_t t = fz_u8(in);
		struct opt *o = &b->opts[b->nopts];
		if (t == HZ_IPV6_OPT_PAD1) {
			pkt[at] = 0;
			*o = (struct opt){ 0, 1, at };
			b->nopts++;
			at++;
			continue;
		}
		if (end - at < 2)
			break;
		size_t dl = fz_u8(in);
		if (dl > end - at - 2)
			dl = end - at - 2;
		pkt[at] = t;
		pkt[at + 1] = (uint8_t)dl;
		size_t got;
		const uint8_t *d = fz_bytes(in, dl, &got);
		memcpy(pkt + at + 2, d, got);
		memset(pkt + at + 2 + got, 0, dl - got);
		*o = (struct opt){ t, (uint8_t)(2 + dl), at };
		b->nopts++;
		at += 2 + dl;
	}
	/* pad the rest (RFC 8200 4.2) */
	if (end - at == 1) {
		pkt[at] = HZ_IPV6_OPT_PAD1;
	} else if (end > at) {
		pkt[at] = HZ_IPV6_OPT_PADN;
		pkt[at + 1] = (uint8_t)(end - at - 2);
		memset(pkt + at + 2, 0, end - at - 2);
	}
}

/* Build the packet; returns its length (0 if it does not fit). */
static size_t build(struct fz_in *in, uint8_t *pkt, bool mcast)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static const uint8_t grp[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	memset(pkt, 0, HZ_IPV6_HDR_LEN);
	pkt[0] = 0x60;
	pkt[7] = 64;
	memcpy(pkt + 8, src, 16);
	memcpy(pkt + 24, mcast ? grp : dst, 16);
	size_t off = HZ_IPV6_HDR_LEN;
	nhdrs = 0;
	bool ended = false;
	while (nhdrs < MAX_BUILT && !fz_in_empty(in) && !ended) {
		struct built *b = &hdrs[nhdrs];
		memset(b, 0, sizeof *b);
		b->off = off;
		uint8_t k = fz_u8(in) & 7u;
		switch (k) {
		case 0:
		case 1:
		case 6: {
			b->kind = k == 0 ? K_HBH : K_DST;
			b->len = 8 + 8 * (size_t)(fz_u8(in) & 0x1fu);
			if (off + b->len > PKT_CAP - 256)
				return 0;
			pkt[off + 1] = (uint8_t)(b->len / 8 - 1);
			build_options(b, in, pkt, off + 2, off + b->len);
			break;
		}
		case 2: {
			b->kind = K_RH;
			b->len = 8 + 8 * (size_t)(fz_u8(in) & 0x1fu);
			if (off + b->len > PKT_CAP - 256)
				return 0;
			pkt[off + 1] = (uint8_t)(b->len / 8 - 1);
			b->rh_type = fz_u8(in);
			b->segs = fz_u8(in) & 3u;
			pkt[off + 2] = b->rh_type;
			pkt[off + 3] = b->segs;
			size_t got;
			const uint8_t *d = fz_bytes(in, b->len - 4, &got);
			memcpy(pkt + off + 4, d, got);
			memset(pkt + off + 4 + got, 0, b->len - 4 - got);
			break;
		}
		case 3:
			b->kind = K_FRAG;
			b->len = 8;
			b->frag_word = fz_u16(in);
			b->frag_id = fz_u32(in);
			pkt[off + 1] = 0;
			hz_be16_store(pkt + off + 2, b->frag_word);
			hz_be32_store(pkt + off + 4, b->frag_id);
			break;
		case 4:
		case 7:
			b->kind = K_UPPER;
			b->nh_value = k == 4 ? fz_u8(in) : HZ_IPV6_NH_UDP;
			/* an extension header's value here would start a header
			 * the list does not describe */
			if (b->nh_value == HZ_IPV6_NH_HOPOPTS || b->nh_value == HZ_IPV6_NH_ROUTING ||
			    b->nh_value == HZ_IPV6_NH_FRAGMENT || b->nh_value == HZ_IPV6_NH_DSTOPTS)
				b->nh_value |= 0x80u;
			ended = true;
			break;
		default:
			b->kind = K_NONE;
			ended = true;
			break;
		}
		off += b->len;
		nhdrs++;
	}
	if (!ended) { /* no explicit end: UDP */
		hdrs[nhdrs] = (struct built){ .kind = K_UPPER, .off = off, .nh_value = HZ_IPV6_NH_UDP };
		nhdrs++;
	}
	/* link the Next Header fields */
	pkt[6] = nh_of(&hdrs[0]);
	for (size_t i = 0; i + 1 < nhdrs; i++)
		pkt[hdrs[i].off] = nh_of(&hdrs[i + 1]);
	/* upper-layer data */
	size_t got;
	const uint8_t *d = fz_bytes(in, fz_u8(in), &got);
	memcpy(pkt + off, d, got);
	off += got;
	hz_be16_store(pkt + 4, (uint16_t)(off - HZ_IPV6_HDR_LEN));
	return off;
}

/* What RFC 8200 section 4 (with RFC 5095, RFC 6946 and RFC 8504 limits)
 * says of the chain, from the list of what was built. */
struct expect {
	int rc;
	enum hz_ipv6_drop why;
	bool icmp;
	uint8_t code;
	size_t pointer;
	uint8_t proto, count, flags;
	size_t offset, proto_ptr, frag_hdr;
};

static void model(struct expect *e, const uint8_t *pkt, size_t len, bool mcast, unsigned max_hdrs,
                  size_t max_len)
{
	memset(e, 0, sizeof *e);
	e->rc = HZ_OK;
	e->why = HZ_IPV6_DROP_COUNT;
	size_t nh_ptr = 6;
	for (size_t i = 0; i < nhdrs; i++) {
		const struct built *b = &hdrs[i];
		e->proto = nh_of(b);
		e->proto_ptr = nh_ptr;
		e->offset = b->off;
		if (b->kind == K_UPPER || b->kind == K_NONE)
			return;
		if (b->kind == K_HBH && i != 0) {
			*e = (struct expect){ HZ_ERR_MALFORMED, HZ_IPV6_DROP_HBH_NOT_FIRST, true,
			                      HZ_IPV6_PP_NEXT_HEADER, nh_ptr, 0, 0, 0, 0, 0, 0 };
			return;
		}
		if (i >= max_hdrs) {
			*e = (struct expect){ .rc = HZ_ERR_TOO_BIG, .why = HZ_IPV6_DROP_EXT_TOO_MANY };
			return;
		}
		if (b->off + b->len - HZ_IPV6_HDR_LEN > max_len) {
			*e = (struct expect){ .rc = HZ_ERR_TOO_BIG, .why = HZ_IPV6_DROP_EXT_TOO_LONG };
			return;
		}
		e->count = (uint8_t)(i + 1);
		switch (b->kind) {
		case K_HBH:
		case K_DST:
			for (size_t k = 0; k < b->nopts; k++) {
				const struct opt *o = &b->opts[k];
				if (o->type == HZ_IPV6_OPT_PAD1 || o->type == HZ_IPV6_OPT_PADN)
					continue;
				if (o->type == HZ_IPV6_OPT_ROUTER_ALERT && b->kind == K_HBH && o->olen == 4) {
					e->flags |= HZ_IPV6_EXT_F_ROUTER_ALERT;
					continue;
				}
				unsigned act = o->type >> 6;
				if (act == 0)
					continue;
				bool icmp = act == 2 || (act == 3 && !mcast);
				*e = (struct expect){ HZ_ERR_UNSUPPORTED, HZ_IPV6_DROP_OPTION_UNKNOWN, icmp,
				                      icmp ? HZ_IPV6_PP_OPTION : 0, icmp ? o->at : 0,
				                      0, 0, 0, 0, 0, 0 };
				return;
			}
			e->flags |= b->kind == K_HBH ? HZ_IPV6_EXT_F_HBH : HZ_IPV6_EXT_F_DSTOPTS;
			break;
		case K_RH:
			if (b->segs) {
				*e = (struct expect){ HZ_ERR_UNSUPPORTED,
				                      b->rh_type == 0 ? HZ_IPV6_DROP_ROUTING_TYPE0
				                                      : HZ_IPV6_DROP_ROUTING,
				                      true, HZ_IPV6_PP_HEADER, b->off + 2, 0, 0, 0, 0, 0, 0 };
				return;
			}
			e->flags |= HZ_IPV6_EXT_F_ROUTING | (b->rh_type == 0 ? HZ_IPV6_EXT_F_RH0 : 0);
			break;
		default: { /* K_FRAG */
			e->frag_hdr = b->off;
			uint16_t fo = b->frag_word & 0xfff8u;
			bool m = b->frag_word & 1u;
			if (fo == 0 && !m) {
				e->flags |= HZ_IPV6_EXT_F_ATOMIC;
				break;
			}
			e->flags |= HZ_IPV6_EXT_F_FRAGMENT;
			e->proto = nh_of(&hdrs[i + 1]);
			e->proto_ptr = b->off;
			e->offset = b->off + 8;
			size_t flen = len - b->off - 8;
			if (m && flen % 8) {
				*e = (struct expect){ HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_BAD_LEN, true,
				                      HZ_IPV6_PP_HEADER, 4, 0, 0, 0, 0, 0, 0 };
			} else if (fo + flen > 65535u) {
				*e = (struct expect){ HZ_ERR_MALFORMED, HZ_IPV6_DROP_FRAG_TOO_BIG, true,
				                      HZ_IPV6_PP_HEADER, b->off + 2, 0, 0, 0, 0, 0, 0 };
			}
			return;
		}
		}
		nh_ptr = b->off;
	}
	(void)pkt;
}

static void check_generic(const uint8_t *pkt, size_t len, const struct hz_ipv6_ext_limits *lim,
                          unsigned max_hdrs, size_t max_len, struct hz_ipv6_ext *x, int *rcp)
{
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	int rc = hz_ipv6_ext_walk(x, pkt, len, lim, &why);
	*rcp = rc;
	if (rc < 0) {
		FZ_CHECK(rc == HZ_ERR_MALFORMED || rc == HZ_ERR_UNSUPPORTED || rc == HZ_ERR_TOO_BIG ||
		         rc == HZ_ERR_NEED_MORE);
		FZ_CHECK(why < HZ_IPV6_DROP_COUNT);
		if (x->icmp) {
			FZ_CHECK(x->icmp_pointer < len);
			FZ_CHECK(x->icmp_code <= HZ_IPV6_PP_FIRST_FRAG);
		}
		return;
	}
	FZ_CHECK(rc == HZ_OK && why == HZ_IPV6_DROP_COUNT && !x->icmp);
	FZ_CHECK(x->offset >= HZ_IPV6_HDR_LEN && x->offset <= len);
	FZ_CHECK(x->proto_ptr < x->offset);
	FZ_CHECK(pkt[x->proto_ptr] == x->proto);
	FZ_CHECK(x->count <= max_hdrs);
	FZ_CHECK(x->offset - HZ_IPV6_HDR_LEN <= max_len);
	FZ_CHECK(x->count == 0 ? x->offset == HZ_IPV6_HDR_LEN
	                       : x->offset >= HZ_IPV6_HDR_LEN + 8u * x->count);
	FZ_CHECK(!(x->flags & HZ_IPV6_EXT_F_RH0) || (x->flags & HZ_IPV6_EXT_F_ROUTING));
	FZ_CHECK(!(x->flags & HZ_IPV6_EXT_F_ROUTER_ALERT) || (x->flags & HZ_IPV6_EXT_F_HBH));
	FZ_CHECK(!(x->flags & HZ_IPV6_EXT_F_HBH) || pkt[6] == HZ_IPV6_NH_HOPOPTS);
	if (x->flags & HZ_IPV6_EXT_F_FRAGMENT) {
		FZ_CHECK(x->frag_hdr + 8 == x->offset && x->proto_ptr == x->frag_hdr);
		FZ_CHECK(x->frag_offset != 0 || x->frag_more);
		FZ_CHECK(x->frag_offset % 8 == 0);
		FZ_CHECK(!x->frag_more || (len - x->offset) % 8 == 0);
		FZ_CHECK(x->frag_offset + (len - x->offset) <= 65535u);
		FZ_CHECK(hz_be32_load(pkt + x->frag_hdr + 4) == x->frag_id);
	} else {
		/* the walk stopped at an upper layer (or No Next Header) */
		FZ_CHECK(x->proto != HZ_IPV6_NH_HOPOPTS && x->proto != HZ_IPV6_NH_ROUTING &&
		         x->proto != HZ_IPV6_NH_DSTOPTS && x->proto != HZ_IPV6_NH_FRAGMENT);
	}
	/* raising the limits never turns a success into a failure */
	struct hz_ipv6_ext y;
	struct hz_ipv6_ext_limits big = { .max_hdrs = 255, .max_len = 65535 };
	FZ_CHECK(hz_ipv6_ext_walk(&y, pkt, len, &big, NULL) == HZ_OK);
	FZ_CHECK(y.offset == x->offset && y.proto == x->proto && y.flags == x->flags &&
	         y.count == x->count && y.proto_ptr == x->proto_ptr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	uint8_t cfg = fz_u8(&in);
	bool mcast = cfg & 1u;
	struct hz_ipv6_ext_limits lim = { 0, 0 };
	const struct hz_ipv6_ext_limits *limp = NULL;
	if (cfg & 2u) {
		lim.max_hdrs = fz_u8(&in);
		lim.max_len = fz_u16(&in);
		limp = &lim;
	}
	unsigned max_hdrs = lim.max_hdrs ? lim.max_hdrs : HZ_IPV6_EXT_MAX_HDRS;
	size_t max_len = lim.max_len ? lim.max_len : HZ_IPV6_EXT_MAX_LEN;
	uint8_t flips[8][3];
	size_t nflips = 0, cut = 0;
	if (cfg & 4u) {
		nflips = fz_u8(&in) & 7u;
		for (size_t i = 0; i < nflips; i++) {
			flips[i][0] = fz_u8(&in);
			flips[i][1] = fz_u8(&in);
			flips[i][2] = fz_u8(&in);
		}
	}
	if (cfg & 8u)
		cut = fz_u8(&in);

	static uint8_t pkt[PKT_CAP];
	size_t len = build(&in, pkt, mcast);
	if (len == 0)
		return 0;

	struct hz_ipv6_ext x;
	int rc;
	bool damaged = false;
	for (size_t i = 0; i < nflips; i++) {
		size_t pos = (size_t)(flips[i][0] << 8 | flips[i][1]) % len;
		if (flips[i][2]) {
			pkt[pos] ^= flips[i][2];
			damaged = true;
		}
	}
	if (cut) {
		len = cut >= len ? 0 : len - cut;
		damaged = true;
	}

	check_generic(pkt, len, limp, max_hdrs, max_len, &x, &rc);
	if (damaged) {
		/* the walk as the engine runs it: after the header parse, over
		 * exactly the payload length */
		struct hz_ipv6_hdr h;
		if (hz_ipv6_hdr_parse(&h, pkt, len, NULL) == HZ_IPV6_HDR_LEN)
			check_generic(pkt, HZ_IPV6_HDR_LEN + (size_t)h.payload_len, limp, max_hdrs, max_len,
			              &x, &rc);
		return 0;
	}

	struct hz_ipv6_hdr h;
	FZ_CHECK(hz_ipv6_hdr_parse(&h, pkt, len, NULL) == HZ_IPV6_HDR_LEN);
	FZ_CHECK(HZ_IPV6_HDR_LEN + (size_t)h.payload_len == len);

	struct expect e;
	model(&e, pkt, len, mcast, max_hdrs, max_len);
	FZ_CHECK(rc == e.rc);
	enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
	(void)hz_ipv6_ext_walk(&x, pkt, len, limp, &why);
	FZ_CHECK(why == e.why);
	if (rc < 0) {
		FZ_CHECK(x.icmp == e.icmp);
		if (e.icmp)
			FZ_CHECK(x.icmp_code == e.code && x.icmp_pointer == e.pointer);
		return 0;
	}
	FZ_CHECK(x.proto == e.proto && x.proto_ptr == e.proto_ptr && x.offset == e.offset);
	FZ_CHECK(x.count == e.count && x.flags == e.flags);
	if (x.flags & (HZ_IPV6_EXT_F_FRAGMENT | HZ_IPV6_EXT_F_ATOMIC))
		FZ_CHECK(x.frag_hdr == e.frag_hdr);
	return 0;
}
