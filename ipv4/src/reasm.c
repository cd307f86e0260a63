/* IPv4 reassembly (RFC 791 section 3.2, RFC 1122 3.3.2) over caller slots.
 *
 * Each slot keeps the list of fragments it holds as (offset, length)
 * ranges. Ranges never overlap (an overlap discards the datagram), so the
 * datagram is complete exactly when the last fragment has fixed its length
 * and the held bytes add up to it: no hole list (RFC 815) is needed. */
#include "haze/ipv4.h"

void hz_ipv4_reasm_init(struct hz_ipv4_reasm *r, struct hz_ipv4_reasm_slot *slots, size_t nslots,
                        uint8_t *buf, size_t max_size, size_t max_frags, hz_time_t timeout)
{
	hz_memset(r, 0, sizeof *r);
	if (max_size > HZ_IPV4_MAX_LEN - HZ_IPV4_HDR_LEN)
		max_size = HZ_IPV4_MAX_LEN - HZ_IPV4_HDR_LEN;
	if (max_frags > HZ_IPV4_REASM_FRAGS_MAX)
		max_frags = HZ_IPV4_REASM_FRAGS_MAX;
	r->slots = slots;
	r->nslots = slots && buf ? nslots : 0;
	r->max_size = max_size;
	r->max_frags = max_frags;
	r->timeout = timeout;
	r->next_deadline = HZ_TIME_NEVER;
	for (size_t i = 0; i < r->nslots; i++) {
		hz_memset(&slots[i], 0, sizeof slots[i]);
		slots[i].buf = buf + i * max_size;
	}
}

static void slot_free(struct hz_ipv4_reasm_slot *s)
{
	s->state = HZ_IPV4_REASM_FREE;
	s->nfrags = 0;
	s->received = 0;
	s->have_last = false;
	s->hdr_len = 0;
	s->total = 0;
}

static int drop(enum hz_ipv4_drop *why, enum hz_ipv4_drop reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* Discard the datagram but remember its key until the deadline. */
static int poison(struct hz_ipv4_reasm_slot *s, enum hz_ipv4_drop *why, enum hz_ipv4_drop reason,
                  int err)
{
	s->state = HZ_IPV4_REASM_POISONED;
	s->nfrags = 0;
	s->received = 0;
	s->hdr_len = 0;
	return drop(why, reason, err);
}

static bool key_eq(const struct hz_ipv4_reasm_slot *s, const struct hz_ipv4_hdr *h)
{
	return s->src == h->src && s->dst == h->dst && s->id == h->id && s->proto == h->proto;
}

int hz_ipv4_reasm_input(struct hz_ipv4_reasm *r, const struct hz_ipv4_hdr *h, hz_time_t now,
                        struct hz_ipv4_hdr *out, enum hz_ipv4_drop *why)
{
	size_t off = hz_ipv4_hdr_offset(h), len = h->payload_len, end = off + len;
	bool last = !hz_ipv4_hdr_mf(h);

	/* RFC 791 3.2: every fragment but the last carries a multiple of 8
	 * octets; an empty fragment has no use; and no datagram may exceed
	 * 65535 octets (the "ping of death" overrun). */
	if (len == 0 || (!last && len % 8) || end + h->hdr_len > HZ_IPV4_MAX_LEN)
		return drop(why, HZ_IPV4_DROP_BAD_FRAGMENT, HZ_ERR_MALFORMED);

	struct hz_ipv4_reasm_slot *s = NULL, *free_slot = NULL;
	for (size_t i = 0; i < r->nslots; i++) {
		struct hz_ipv4_reasm_slot *t = &r->slots[i];
		if (t->state != HZ_IPV4_REASM_FREE && t->deadline <= now) {
			/* Expired but not yet polled: reclaim quietly. */
			if (t->state == HZ_IPV4_REASM_ACTIVE)
				r->timeouts++;
			slot_free(t);
		}
		if (t->state == HZ_IPV4_REASM_FREE) {
			if (!free_slot)
				free_slot = t;
		} else if (!s && key_eq(t, h)) {
			s = t;
		}
	}
	if (s && s->state == HZ_IPV4_REASM_POISONED)
		return drop(why, HZ_IPV4_DROP_FRAG_POISONED, HZ_ERR_MALFORMED);
	if (!s) {
		if (!free_slot)
			return drop(why, HZ_IPV4_DROP_FRAG_NO_SLOT, HZ_ERR_NO_SPACE);
		s = free_slot;
		slot_free(s);
		s->state = HZ_IPV4_REASM_ACTIVE;
		s->src = h->src;
		s->dst = h->dst;
		s->id = h->id;
		s->proto = h->proto;
		s->deadline = now + r->timeout;
		if (s->deadline < r->next_deadline)
			r->next_deadline = s->deadline;
	}

	if (end > r->max_size)
		return poison(s, why, HZ_IPV4_DROP_FRAG_TOO_BIG, HZ_ERR_TOO_BIG);

	/* The end of the datagram, once known, must agree with every
	 * fragment: a second, different last fragment or data past the end
	 * is as contradictory as an overlap. */
	if (last) {
		if (s->have_last && s->total != end)
			return poison(s, why, HZ_IPV4_DROP_FRAG_OVERLAP, HZ_ERR_MALFORMED);
		for (size_t i = 0; i < s->nfrags; i++)
			if ((size_t)s->frags[i].off + s->frags[i].len > end)
				return poison(s, why, HZ_IPV4_DROP_FRAG_OVERLAP, HZ_ERR_MALFORMED);
	} else if (s->have_last && end >= s->total) {
		return poison(s, why, HZ_IPV4_DROP_FRAG_OVERLAP, HZ_ERR_MALFORMED);
	}

	for (size_t i = 0; i < s->nfrags; i++) {
		size_t o = s->frags[i].off, e = o + s->frags[i].len;
		if (o == off && e == end)
			return drop(why, HZ_IPV4_DROP_FRAG_DUPLICATE, HZ_ERR_MALFORMED);
		if (off < e && o < end)
			return poison(s, why, HZ_IPV4_DROP_FRAG_OVERLAP, HZ_ERR_MALFORMED);
	}

	if (s->nfrags >= r->max_frags)
		return poison(s, why, HZ_IPV4_DROP_FRAG_TOO_MANY, HZ_ERR_NO_SPACE);

	hz_memcpy(s->buf + off, h->payload, len);
	s->frags[s->nfrags].off = (uint16_t)off;
	s->frags[s->nfrags].len = (uint16_t)len;
	s->nfrags++;
	s->received += (uint32_t)len;
	if (last) {
		s->have_last = true;
		s->total = (uint16_t)end;
	}
	if (off == 0) {
		hz_memcpy(s->hdr, h->payload - h->hdr_len, h->hdr_len);
		s->hdr_len = h->hdr_len;
	}
	if (!s->have_last || s->received != s->total)
		return HZ_ERR_WOULD_BLOCK;

	/* Complete: ranges are disjoint, inside [0, total), and sum to total. */
	/* RFC 791 3.2: the reassembled header is the first fragment's. */
	const uint8_t *b = s->hdr;
	out->hdr_len = s->hdr_len;
	out->tos = b[1];
	out->total_len = (uint16_t)(s->hdr_len + s->total);
	out->id = s->id;
	out->frag = hz_be16_load(b + 6) & HZ_IPV4_FLAG_DF;
	out->ttl = b[8];
	out->proto = s->proto;
	out->csum = hz_be16_load(b + 10);
	out->src = s->src;
	out->dst = s->dst;
	out->options = s->hdr_len > HZ_IPV4_HDR_LEN ? s->hdr + HZ_IPV4_HDR_LEN : NULL;
	out->options_len = (size_t)s->hdr_len - HZ_IPV4_HDR_LEN;
	out->opts = 0;
	out->payload = s->buf;
	out->payload_len = s->total;
	r->completed++;
	slot_free(s);
	return HZ_OK;
}

hz_time_t hz_ipv4_reasm_poll(struct hz_ipv4_reasm *r, hz_time_t now, hz_ipv4_reasm_expire_fn fn,
                             void *ctx)
{
	hz_time_t next = HZ_TIME_NEVER;
	for (size_t i = 0; i < r->nslots; i++) {
		struct hz_ipv4_reasm_slot *s = &r->slots[i];
		if (s->state == HZ_IPV4_REASM_FREE)
			continue;
		if (s->deadline > now) {
			next = hz_time_min(next, s->deadline);
			continue;
		}
		if (s->state == HZ_IPV4_REASM_ACTIVE) {
			r->timeouts++;
			if (fn && s->hdr_len) {
				/* The bytes held contiguously from offset 0. */
				size_t n = 0;
				for (bool grew = true; grew;) {
					grew = false;
					for (size_t j = 0; j < s->nfrags; j++)
						if (s->frags[j].off == n && s->frags[j].len) {
							n += s->frags[j].len;
							grew = true;
						}
				}
				fn(ctx, s->hdr, s->hdr_len, s->buf, n);
			}
		}
		slot_free(s);
	}
	r->next_deadline = next;
	return next;
}
