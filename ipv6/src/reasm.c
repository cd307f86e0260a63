/* IPv6 reassembly (RFC 8200 4.5) over caller slots, with the overlap rule
 * of RFC 5722 and the first-fragment rule of RFC 7112.
 *
 * As in ipv4, each slot keeps the (offset, length) ranges it holds. An
 * overlap discards the datagram, so ranges never overlap and the datagram
 * is complete exactly when the last fragment has fixed its length and the
 * held bytes add up to it: no hole list is needed. The fragmentable part
 * is copied to buf + 40, leaving room to write the fixed header of the
 * rebuilt packet in front of it on completion. */
#include "haze/ipv6.h"

#define MAX_PACKET 65535u /* largest fragmentable part (RFC 8200 4.5) */

void hz_ipv6_reasm_init(struct hz_ipv6_reasm *r, struct hz_ipv6_reasm_slot *slots, size_t nslots,
                        uint8_t *buf, size_t max_size, size_t max_frags, hz_time_t timeout)
{
	hz_memset(r, 0, sizeof *r);
	if (max_size > MAX_PACKET)
		max_size = MAX_PACKET;
	if (max_frags > HZ_IPV6_REASM_FRAGS_MAX)
		max_frags = HZ_IPV6_REASM_FRAGS_MAX;
	r->slots = slots;
	r->nslots = slots && buf ? nslots : 0;
	r->max_size = max_size;
	r->max_frags = max_frags;
	r->timeout = timeout;
	r->next_deadline = HZ_TIME_NEVER;
	for (size_t i = 0; i < r->nslots; i++) {
		hz_memset(&slots[i], 0, sizeof slots[i]);
		slots[i].buf = buf + i * (HZ_IPV6_HDR_LEN + max_size);
	}
}

/* Forget the datagram; the key, deadline and buffer stay (a poisoned slot
 * needs the first two, and the buffer belongs to the slot for good). */
static void slot_clear(struct hz_ipv6_reasm_slot *s)
{
	s->nfrags = 0;
	s->total = 0;
	s->received = 0;
	s->have_last = false;
	s->have_first = false;
	s->quote_len = 0;
}

static void slot_free(struct hz_ipv6_reasm_slot *s)
{
	s->state = HZ_IPV6_REASM_FREE;
	slot_clear(s);
}

/* The earliest deadline of a slot in use. Recomputed after every change
 * rather than patched: the table is small and an exact value lets the
 * caller sleep exactly as long as it may. */
static void update_next(struct hz_ipv6_reasm *r)
{
	hz_time_t next = HZ_TIME_NEVER;
	for (size_t i = 0; i < r->nslots; i++)
		if (r->slots[i].state != HZ_IPV6_REASM_FREE)
			next = hz_time_min(next, r->slots[i].deadline);
	r->next_deadline = next;
}

/* RFC 8200 4.5: the timer runs from the first-arriving fragment and is
 * never extended by later ones. Saturate rather than wrap, and stay below
 * HZ_TIME_NEVER, which means "no timer". */
static hz_time_t deadline_from(const struct hz_ipv6_reasm *r, hz_time_t now)
{
	hz_time_t d = now + r->timeout;
	return d < now || d == HZ_TIME_NEVER ? HZ_TIME_NEVER - 1 : d;
}

static int drop(enum hz_ipv6_drop *why, enum hz_ipv6_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* Discard the datagram but remember its key until the deadline, so that
 * its remaining fragments cannot start a new, forged datagram (RFC 5722 3). */
static int poison(struct hz_ipv6_reasm *r, struct hz_ipv6_reasm_slot *s, enum hz_ipv6_drop *why,
                  enum hz_ipv6_drop reason, int err)
{
	if (s) {
		s->state = HZ_IPV6_REASM_POISONED;
		slot_clear(s);
		update_next(r);
	}
	return drop(why, reason, err);
}

static bool key_eq(const struct hz_ipv6_reasm_slot *s, const struct hz_ipv6_hdr *h, uint32_t id)
{
	return s->id == id && hz_memcmp(s->src, h->src.b, 16) == 0 &&
	       hz_memcmp(s->dst, h->dst.b, 16) == 0;
}

/* Bytes the upper-layer header needs in the first fragment (RFC 7112 5:
 * enough to find ports or the ICMPv6 type; all of TCP's fixed header). */
static size_t upper_min(uint8_t nh)
{
	switch (nh) {
	case HZ_IPV6_NH_TCP:
		return 20;
	case HZ_IPV6_NH_UDP:
	case HZ_IPV6_NH_ICMPV6:
		return 8;
	case HZ_IPV6_NH_NONE:
		return 0; /* nothing follows (RFC 8200 4.7) */
	default:
		return 1;
	}
}

/* Does the first fragment's data d[0, n), which follows a fragment header
 * whose Next Header is nh, hold every remaining extension header and the
 * upper-layer header (RFC 7112 5)? Each step consumes at least 8 bytes of
 * n, so the loop ends. Hop-by-hop is not legal here, but its length is
 * read the same way; the walk of the rebuilt packet refuses it. */
static bool first_complete(uint8_t nh, const uint8_t *d, size_t n)
{
	size_t off = 0;
	for (;;) {
		size_t elen;
		switch (nh) {
		case HZ_IPV6_NH_HOPOPTS:
		case HZ_IPV6_NH_ROUTING:
		case HZ_IPV6_NH_DSTOPTS:
			if (n - off < 2)
				return false;
			elen = ((size_t)d[off + 1] + 1u) * 8u; /* RFC 8200 4.3, 4.4, 4.6 */
			break;
		case HZ_IPV6_NH_FRAGMENT:
			elen = 8; /* RFC 8200 4.5 */
			break;
		default:
			return n - off >= upper_min(nh);
		}
		if (elen > n - off)
			return false;
		nh = d[off];
		off += elen;
	}
}

int hz_ipv6_reasm_input(struct hz_ipv6_reasm *r, const struct hz_ipv6_hdr *h,
                        const struct hz_ipv6_ext *x, const uint8_t *pkt, size_t len,
                        hz_time_t now, const uint8_t **out, size_t *out_len,
                        enum hz_ipv6_drop *why)
{
	if (!(x->flags & HZ_IPV6_EXT_F_FRAGMENT) || x->offset < HZ_IPV6_HDR_LEN + 8u ||
	    x->offset > len)
		return HZ_ERR_INVALID;
	/* Expired slots are reclaimed first, whatever becomes of this
	 * fragment, so that no slot outlives its deadline past an input. */
	struct hz_ipv6_reasm_slot *s = NULL, *free_slot = NULL;
	bool reclaimed = false;
	for (size_t i = 0; i < r->nslots; i++) {
		struct hz_ipv6_reasm_slot *t = &r->slots[i];
		if (t->state != HZ_IPV6_REASM_FREE && t->deadline <= now) {
			/* Expired but not yet polled: quietly (poll reports). */
			if (t->state == HZ_IPV6_REASM_ACTIVE)
				r->timeouts++;
			slot_free(t);
			reclaimed = true;
		}
		if (t->state == HZ_IPV6_REASM_FREE) {
			if (!free_slot)
				free_slot = t;
		} else if (!s && key_eq(t, h, x->frag_id)) {
			s = t;
		}
	}
	if (reclaimed)
		update_next(r);

	const uint8_t *data = pkt + x->offset;
	size_t dlen = len - x->offset;
	size_t off = x->frag_offset, end = off + dlen;
	bool last = !x->frag_more, first = off == 0;

	/* The walker's two length checks (RFC 8200 4.5), repeated so a caller
	 * that built x itself cannot overrun a slot. */
	if (!last && dlen % 8u)
		return drop(why, HZ_IPV6_DROP_FRAG_BAD_LEN, HZ_ERR_MALFORMED);
	if (end > MAX_PACKET)
		return drop(why, HZ_IPV6_DROP_FRAG_TOO_BIG, HZ_ERR_MALFORMED);
	/* RFC 7112 5 is checked before anything else about a first fragment
	 * so that the caller can answer it; an empty one is short (or, with
	 * No Next Header, contradicts the fragments that follow it). Any
	 * other empty fragment carries nothing and is dropped alone. */
	bool short_first = first && !first_complete(x->proto, data, dlen);
	if (dlen == 0 && !short_first)
		return drop(why, HZ_IPV6_DROP_FRAG_BAD_LEN, HZ_ERR_MALFORMED);

	/* RFC 7112 5: a first fragment without the whole header chain is
	 * refused for what it is, whatever state its datagram is in, so the
	 * caller can always answer it with Parameter Problem code 3. The
	 * datagram dies with it (if there is room, a fresh slot remembers the
	 * key): its other fragments could not be classified either. */
	if (short_first) {
		if (s && s->state == HZ_IPV6_REASM_POISONED)
			return drop(why, HZ_IPV6_DROP_FRAG_FIRST_SHORT, HZ_ERR_MALFORMED);
		if (!s && free_slot) {
			s = free_slot;
			s->id = x->frag_id;
			hz_memcpy(s->src, h->src.b, 16);
			hz_memcpy(s->dst, h->dst.b, 16);
			s->deadline = deadline_from(r, now);
		}
		return poison(r, s, why, HZ_IPV6_DROP_FRAG_FIRST_SHORT, HZ_ERR_MALFORMED);
	}

	if (s && s->state == HZ_IPV6_REASM_POISONED)
		return drop(why, HZ_IPV6_DROP_FRAG_POISONED, HZ_ERR_MALFORMED);
	if (!s) {
		if (!free_slot)
			return drop(why, HZ_IPV6_DROP_FRAG_NO_SLOT, HZ_ERR_NO_SPACE);
		s = free_slot;
		slot_free(s);
		s->state = HZ_IPV6_REASM_ACTIVE;
		s->id = x->frag_id;
		hz_memcpy(s->src, h->src.b, 16);
		hz_memcpy(s->dst, h->dst.b, 16);
		s->deadline = deadline_from(r, now);
		update_next(r);
	}

	if (end > r->max_size)
		return poison(r, s, why, HZ_IPV6_DROP_FRAG_TOO_LARGE, HZ_ERR_TOO_BIG);

	/* The end of the datagram, once known, must agree with every fragment
	 * (RFC 8200 4.5 lists these as errors for the last fragment; a held
	 * fragment ending exactly there said more data follows, so that is a
	 * contradiction too). A last fragment identical to the held one
	 * passes and is caught as a duplicate below. */
	if (last) {
		if (s->have_last && s->total != end)
			return poison(r, s, why, HZ_IPV6_DROP_FRAG_MISMATCH, HZ_ERR_MALFORMED);
		if (!s->have_last)
			for (size_t i = 0; i < s->nfrags; i++)
				if ((size_t)s->frags[i].off + s->frags[i].len >= end)
					return poison(r, s, why, HZ_IPV6_DROP_FRAG_MISMATCH, HZ_ERR_MALFORMED);
	} else if (s->have_last && end >= s->total) {
		return poison(r, s, why, HZ_IPV6_DROP_FRAG_MISMATCH, HZ_ERR_MALFORMED);
	}

	/* RFC 5722 3 / RFC 8200 4.5: an overlap abandons the whole datagram;
	 * an exact duplicate (same offset and length) is dropped alone. */
	for (size_t i = 0; i < s->nfrags; i++) {
		size_t o = s->frags[i].off, e = o + s->frags[i].len;
		if (o == off && e == end)
			return drop(why, HZ_IPV6_DROP_FRAG_DUPLICATE, HZ_ERR_MALFORMED);
		if (off < e && o < end)
			return poison(r, s, why, HZ_IPV6_DROP_FRAG_OVERLAP, HZ_ERR_MALFORMED);
	}

	if (s->nfrags >= r->max_frags)
		return poison(r, s, why, HZ_IPV6_DROP_FRAG_TOO_MANY, HZ_ERR_NO_SPACE);

	hz_memcpy(s->buf + HZ_IPV6_HDR_LEN + off, data, dlen);
	s->frags[s->nfrags].off = (uint16_t)off;
	s->frags[s->nfrags].len = (uint16_t)dlen;
	s->nfrags++;
	s->received += (uint32_t)dlen;
	if (last) {
		s->have_last = true;
		s->total = (uint32_t)end;
	}
	if (first) {
		/* RFC 8200 4.5: the rebuilt header comes from the first
		 * fragment, and its Next Header from that fragment's fragment
		 * header. Its leading bytes are the Time Exceeded quote. */
		s->have_first = true;
		s->next = x->proto;
		s->tclass = h->tclass;
		s->flow = h->flow;
		s->hop_limit = h->hop_limit;
		s->quote_len = (uint16_t)HZ_MIN(len, (size_t)HZ_IPV6_REASM_QUOTE);
		hz_memcpy(s->quote, pkt, s->quote_len);
	}
	if (!s->have_last || s->received != s->total)
		return HZ_ERR_WOULD_BLOCK;

	/* Complete: the ranges are disjoint, inside [0, total) and sum to
	 * total, so they cover it and the first fragment is among them. */
	struct hz_ipv6_hdr o = {
		.tclass = s->tclass,
		.flow = s->flow,
		.payload_len = (uint16_t)s->total,
		.next = s->next,
		.hop_limit = s->hop_limit,
	};
	hz_memcpy(o.src.b, s->src, 16);
	hz_memcpy(o.dst.b, s->dst, 16);
	(void)hz_ipv6_hdr_emit(&o, s->buf, HZ_IPV6_HDR_LEN);
	*out = s->buf;
	*out_len = HZ_IPV6_HDR_LEN + (size_t)s->total;
	r->completed++;
	slot_free(s);
	update_next(r);
	return HZ_OK;
}

hz_time_t hz_ipv6_reasm_poll(struct hz_ipv6_reasm *r, hz_time_t now, hz_ipv6_reasm_expire_fn fn,
                             void *ctx)
{
	for (size_t i = 0; i < r->nslots; i++) {
		struct hz_ipv6_reasm_slot *s = &r->slots[i];
		if (s->state == HZ_IPV6_REASM_FREE || s->deadline > now)
			continue;
		if (s->state == HZ_IPV6_REASM_ACTIVE) {
			r->timeouts++;
			/* RFC 8200 4.5: Time Exceeded code 1 only if the first
			 * fragment arrived. */
			if (fn && s->have_first)
				fn(ctx, s->quote, s->quote_len);
		}
		slot_free(s);
	}
	update_next(r);
	return r->next_deadline;
}
