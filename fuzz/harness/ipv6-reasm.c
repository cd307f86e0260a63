/*
 * ipv6-reasm: the IPv6 reassembler on its own, fed sequences of fragments
 * through time.
 *
 * Input: byte 0 configures (bits 0-1: slots 1..4; bit 2: at most 8
 * fragments per datagram, else HZ_IPV6_REASM_FRAGS_MAX; bits 3-4: the
 * largest datagram, 4096, 1024, 65535 or 256 bytes), then records:
 *   step u8      time advance (fz_step)
 *   ctl u8       bit 0: id, bit 1: source, bit 6: destination (8 keys);
 *                bit 2: M; bit 3: raw mode; bit 4: poll after;
 *                bit 5: a hop-by-hop header before the fragment header
 *   raw mode:    len u16, then an IPv6 packet taken as received
 *   else:        nh u8 (the fragment header's Next Header), offset u16
 *                (bytes, rounded down to 8), len u16 (low 11 bits; with M
 *                rounded down to 8), tclass u8, hop limit u8, then the
 *                data; the harness writes the headers itself
 * Every packet goes through hz_ipv6_hdr_parse and hz_ipv6_ext_walk as in
 * the engine and is offered only when the walk stops at a fragment.
 *
 * Invariants: a first fragment is refused as FIRST_SHORT exactly when a
 * separate RFC 7112 check here says its chain is incomplete; every other
 * refusal is a reassembly reason; a completed packet lies in the
 * reassembly buffer, parses with hz_ipv6_hdr_parse with payload length =
 * out_len - 40 <= max_size, carries the key of its fragments and the
 * traffic class / hop limit / Next Header of a first fragment offered for
 * the key, holds the whole RFC 7112 chain, and every fragmentable byte
 * equals that byte of some fragment offered for the key; per slot the
 * ranges are disjoint, sum to `received`, stay inside the datagram and
 * the limits, and deadlines lie in (now, now + timeout]; next_deadline is
 * exactly the earliest slot deadline; poll frees every expired slot and
 * reports only quotes of first fragments; in the end everything expires.
 */
#include "fuzz.h"
#include "haze/ipv6.h"

#define MAX_LOG 256
#define NREC 64
#define PKT_CAP (HZ_IPV6_HDR_LEN + 8 + 8 + 2048)
#define TIMEOUT HZ_SEC(60)

struct frag_log {
	uint8_t src[16], dst[16];
	uint32_t id;
	size_t off;
	const uint8_t *p; /* fragment data */
	size_t len;
	const uint8_t *pkt; /* the whole packet (for first fragments) */
	size_t pkt_len;
	uint8_t nh, tclass, hop_limit;
};

static struct frag_log logv[MAX_LOG];
static size_t nlog;
static size_t max_size, max_frags;
static uint8_t *rbuf;
static size_t rbuf_len;
static int expired_calls;

static const uint8_t SRC_A[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };
static const uint8_t SRC_B[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09 };
static const uint8_t DST_A[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02 };
static const uint8_t DST_B[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

/* RFC 7112 5, written apart from the library: are the extension headers
 * that follow a fragment header (Next Header nh) and the upper-layer
 * header all inside d[0, n)? */
static bool chain_complete(uint8_t nh, const uint8_t *d, size_t n)
{
	size_t pos = 0;
	while (nh == HZ_IPV6_NH_HOPOPTS || nh == HZ_IPV6_NH_ROUTING || nh == HZ_IPV6_NH_DSTOPTS ||
	       nh == HZ_IPV6_NH_FRAGMENT) {
		if (pos + 2 > n)
			return false;
		size_t hl = nh == HZ_IPV6_NH_FRAGMENT ? 8 : 8 + 8 * (size_t)d[pos + 1];
		if (pos + hl > n)
			return false;
		nh = d[pos];
		pos += hl;
	}
	size_t need = nh == HZ_IPV6_NH_TCP ? 20
	            : nh == HZ_IPV6_NH_UDP || nh == HZ_IPV6_NH_ICMPV6 ? 8
	            : nh == HZ_IPV6_NH_NONE ? 0 : 1;
	return n - pos >= need;
}

static bool same_key(const struct frag_log *l, const uint8_t src[16], const uint8_t dst[16],
                     uint32_t id)
{
	return l->id == id && memcmp(l->src, src, 16) == 0 && memcmp(l->dst, dst, 16) == 0;
}

static void on_expire(void *ctx, const uint8_t *first, size_t len)
{
	(void)ctx;
	expired_calls++;
	FZ_CHECK(len >= HZ_IPV6_HDR_LEN + 8 && len <= HZ_IPV6_REASM_QUOTE);
	/* the leading bytes of some first fragment offered */
	bool found = false;
	for (size_t k = 0; k < nlog && !found; k++) {
		const struct frag_log *l = &logv[k];
		found = l->off == 0 && l->pkt_len >= len && memcmp(l->pkt, first, len) == 0 &&
		        (l->pkt_len == len || len == HZ_IPV6_REASM_QUOTE);
	}
	FZ_CHECK(found);
}

static void check_complete(const uint8_t *out, size_t out_len, const struct hz_ipv6_hdr *in,
                           uint32_t id)
{
	FZ_CHECK(out_len >= HZ_IPV6_HDR_LEN);
	FZ_CHECK(fz_within(out, out_len, rbuf, rbuf_len));
	size_t total = out_len - HZ_IPV6_HDR_LEN;
	FZ_CHECK(total > 0 && total <= max_size);
	struct hz_ipv6_hdr h;
	FZ_CHECK(hz_ipv6_hdr_parse(&h, out, out_len, NULL) == HZ_IPV6_HDR_LEN);
	FZ_CHECK(h.payload_len == total);
	FZ_CHECK(memcmp(h.src.b, in->src.b, 16) == 0 && memcmp(h.dst.b, in->dst.b, 16) == 0);
	/* the header of a first fragment of this key, and its whole chain */
	bool found = false;
	for (size_t k = nlog; k-- > 0 && !found;) {
		const struct frag_log *l = &logv[k];
		found = l->off == 0 && same_key(l, in->src.b, in->dst.b, id) && l->nh == h.next &&
		        l->tclass == h.tclass && l->hop_limit == h.hop_limit;
	}
	FZ_CHECK(found);
	FZ_CHECK(chain_complete(h.next, out + HZ_IPV6_HDR_LEN, total));
	/* fragments never invent data */
	for (size_t i = 0; i < total; i++) {
		uint8_t b = out[HZ_IPV6_HDR_LEN + i];
		found = false;
		for (size_t k = nlog; k-- > 0 && !found;) {
			const struct frag_log *l = &logv[k];
			found = i >= l->off && i < l->off + l->len && l->p[i - l->off] == b &&
			        same_key(l, in->src.b, in->dst.b, id);
		}
		FZ_CHECK(found);
	}
}

static void check_slots(const struct hz_ipv6_reasm *r, const struct hz_ipv6_reasm_slot *slots,
                        size_t nslots, hz_time_t now)
{
	hz_time_t next = HZ_TIME_NEVER;
	for (size_t i = 0; i < nslots; i++) {
		const struct hz_ipv6_reasm_slot *s = &slots[i];
		FZ_CHECK(s->buf == rbuf + i * (HZ_IPV6_HDR_LEN + max_size));
		FZ_CHECK(s->state <= HZ_IPV6_REASM_POISONED);
		if (s->state == HZ_IPV6_REASM_FREE)
			continue;
		FZ_CHECK(s->deadline > now && s->deadline <= now + TIMEOUT);
		next = hz_time_min(next, s->deadline);
		if (s->state == HZ_IPV6_REASM_POISONED) {
			FZ_CHECK(s->nfrags == 0 && s->received == 0);
			continue;
		}
		FZ_CHECK(s->nfrags >= 1 && s->nfrags <= max_frags);
		FZ_CHECK(s->received <= max_size);
		FZ_CHECK(!s->have_last || (s->received < s->total && s->total <= max_size));
		FZ_CHECK(s->quote_len <= HZ_IPV6_REASM_QUOTE);
		FZ_CHECK(s->have_first == (s->quote_len != 0));
		size_t sum = 0;
		bool zero = false;
		for (size_t a = 0; a < s->nfrags; a++) {
			size_t ao = s->frags[a].off, ae = ao + s->frags[a].len;
			FZ_CHECK(s->frags[a].len > 0);
			FZ_CHECK(ae <= max_size);
			FZ_CHECK(!s->have_last || ae <= s->total);
			zero |= ao == 0;
			sum += s->frags[a].len;
			for (size_t b = a + 1; b < s->nfrags; b++) {
				size_t bo = s->frags[b].off, be = bo + s->frags[b].len;
				FZ_CHECK(ae <= bo || be <= ao);
			}
		}
		FZ_CHECK(sum == s->received);
		FZ_CHECK(zero == s->have_first);
	}
	FZ_CHECK(r->next_deadline == next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	uint8_t cfg = fz_u8(&in);
	static const size_t sizes[4] = { 4096, 1024, 65535, 256 };
	size_t nslots = 1 + (cfg & 3u);
	max_frags = (cfg & 4u) ? 8 : HZ_IPV6_REASM_FRAGS_MAX;
	max_size = sizes[(cfg >> 3) & 3u];

	static struct hz_ipv6_reasm_slot slots[4];
	static uint8_t buf[4 * (HZ_IPV6_HDR_LEN + 65535)];
	rbuf = buf;
	rbuf_len = nslots * (HZ_IPV6_HDR_LEN + max_size);
	struct hz_ipv6_reasm r;
	hz_ipv6_reasm_init(&r, slots, nslots, buf, max_size, max_frags, TIMEOUT);
	FZ_CHECK(r.nslots == nslots && r.next_deadline == HZ_TIME_NEVER);
	nlog = 0;
	expired_calls = 0;

	static uint8_t pkts[NREC][PKT_CAP];
	hz_time_t now = HZ_SEC(1);
	for (int n = 0; n < NREC && !fz_in_empty(&in); n++) {
		now += fz_step(fz_u8(&in));
		uint8_t ctl = fz_u8(&in);
		uint8_t *pkt = pkts[n];
		size_t plen;
		if (ctl & 8u) {
			size_t got;
			const uint8_t *p = fz_bytes(&in, fz_u16(&in) % PKT_CAP, &got);
			memcpy(pkt, p, got);
			plen = got;
		} else {
			uint8_t nh = fz_u8(&in);
			uint16_t off = fz_u16(&in) & 0xfff8u;
			bool more = (ctl & 4u) != 0;
			size_t want = fz_u16(&in) & 0x7ffu, got;
			if (more)
				want &= ~(size_t)7;
			uint8_t tclass = fz_u8(&in), hlim = fz_u8(&in);
			bool hbh = (ctl & 0x20u) != 0;
			size_t hdrs = HZ_IPV6_HDR_LEN + (hbh ? 8u : 0u) + 8u;
			const uint8_t *p = fz_bytes(&in, want, &got);
			if (more)
				got &= ~(size_t)7;
			memcpy(pkt + hdrs, p, got);
			struct hz_ipv6_hdr h = {
				.tclass = tclass,
				.flow = 0x12345,
				.payload_len = (uint16_t)(hdrs - HZ_IPV6_HDR_LEN + got),
				.next = hbh ? HZ_IPV6_NH_HOPOPTS : HZ_IPV6_NH_FRAGMENT,
				.hop_limit = hlim,
			};
			memcpy(h.src.b, (ctl & 2u) ? SRC_B : SRC_A, 16);
			memcpy(h.dst.b, (ctl & 0x40u) ? DST_B : DST_A, 16);
			FZ_CHECK(hz_ipv6_hdr_emit(&h, pkt, HZ_IPV6_HDR_LEN) == HZ_IPV6_HDR_LEN);
			uint8_t *f = pkt + HZ_IPV6_HDR_LEN;
			if (hbh) {
				/* Next Header, Hdr Ext Len 0, PadN of 4 */
				const uint8_t opts[8] = { HZ_IPV6_NH_FRAGMENT, 0, 1, 4, 0, 0, 0, 0 };
				memcpy(f, opts, 8);
				f += 8;
			}
			uint32_t id = (ctl & 1u) ? 0x80000001u : 0x1234u;
			f[0] = nh;
			f[1] = 0;
			hz_be16_store(f + 2, (uint16_t)(off | (more ? 1u : 0u)));
			hz_be32_store(f + 4, id);
			plen = hdrs + got;
		}

		struct hz_ipv6_hdr h;
		if (hz_ipv6_hdr_parse(&h, pkt, plen, NULL) != HZ_IPV6_HDR_LEN)
			continue;
		plen = HZ_IPV6_HDR_LEN + (size_t)h.payload_len;
		struct hz_ipv6_ext x;
		if (hz_ipv6_ext_walk(&x, pkt, plen, NULL, NULL) != HZ_OK ||
		    !(x.flags & HZ_IPV6_EXT_F_FRAGMENT))
			continue;
		FZ_CHECK(x.offset <= plen);
		const uint8_t *fd = pkt + x.offset;
		size_t flen = plen - x.offset;
		if (nlog < MAX_LOG) {
			struct frag_log *l = &logv[nlog++];
			memcpy(l->src, h.src.b, 16);
			memcpy(l->dst, h.dst.b, 16);
			l->id = x.frag_id;
			l->off = x.frag_offset;
			l->p = fd;
			l->len = flen;
			l->pkt = pkt;
			l->pkt_len = plen;
			l->nh = x.proto;
			l->tclass = h.tclass;
			l->hop_limit = h.hop_limit;
		}

		const uint8_t *out = NULL;
		size_t out_len = 0;
		enum hz_ipv6_drop why = HZ_IPV6_DROP_COUNT;
		uint64_t completed = r.completed;
		int rc = hz_ipv6_reasm_input(&r, &h, &x, pkt, plen, now, &out, &out_len, &why);
		bool short_first = x.frag_offset == 0 && !chain_complete(x.proto, fd, flen);
		if (rc == HZ_OK) {
			FZ_CHECK(r.completed == completed + 1 && !short_first);
			check_complete(out, out_len, &h, x.frag_id);
		} else if (rc == HZ_ERR_WOULD_BLOCK) {
			FZ_CHECK(r.completed == completed && !short_first);
			FZ_CHECK(why == HZ_IPV6_DROP_COUNT);
		} else {
			FZ_CHECK(r.completed == completed);
			FZ_CHECK(rc == HZ_ERR_MALFORMED || rc == HZ_ERR_NO_SPACE || rc == HZ_ERR_TOO_BIG);
			FZ_CHECK((why >= HZ_IPV6_DROP_FRAG_OVERLAP && why <= HZ_IPV6_DROP_FRAG_FIRST_SHORT) ||
			         (why == HZ_IPV6_DROP_FRAG_BAD_LEN && flen == 0));
			FZ_CHECK((why == HZ_IPV6_DROP_FRAG_FIRST_SHORT) == short_first);
			FZ_CHECK(why != HZ_IPV6_DROP_FRAG_TOO_LARGE || x.frag_offset + flen > max_size);
		}
		check_slots(&r, slots, nslots, now);
		if (ctl & 0x10u) {
			int calls = expired_calls;
			uint64_t timeouts = r.timeouts;
			hz_time_t next = hz_ipv6_reasm_poll(&r, now, on_expire, NULL);
			FZ_CHECK(next > now && next == r.next_deadline);
			FZ_CHECK(next == HZ_TIME_NEVER || next <= now + TIMEOUT);
			FZ_CHECK(r.timeouts - timeouts >= (uint64_t)(expired_calls - calls));
			check_slots(&r, slots, nslots, now);
		}
	}
	/* everything expires */
	now += TIMEOUT;
	FZ_CHECK(hz_ipv6_reasm_poll(&r, now, on_expire, NULL) == HZ_TIME_NEVER);
	FZ_CHECK(r.next_deadline == HZ_TIME_NEVER);
	for (size_t i = 0; i < nslots; i++)
		FZ_CHECK(slots[i].state == HZ_IPV6_REASM_FREE);
	FZ_CHECK(r.timeouts >= (uint64_t)expired_calls);
	return 0;
}
