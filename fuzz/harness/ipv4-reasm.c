/*
 * ipv4-reasm: the reassembler on its own, fed sequences of fragments
 * through time.
 *
 * Input: byte 0 configures (bits 0-1: slots 1..4; bit 2: at most 8
 * fragments per datagram; bit 3: 1024-byte datagrams, else 4096), then
 * records:
 *   step u8      time advance (fz_step)
 *   ctl u8       bit 0-1: datagram key (4 keys: two ids, two sources);
 *                bit 2: MF; bit 3: raw mode; bit 4: poll after
 *   raw mode:    len u16, then an IPv4 packet parsed as received
 *   else:        offset u16 (13 bits, 8-byte units), len u16 (payload
 *                length, low 11 bits), payload bytes; the harness
 *                builds the fragment header itself
 *
 * Invariants: a completed datagram has frag 0, the key of its fragments,
 * total_len = header + payload, payload within the configured maximum and
 * inside the reassembly buffer, and every payload byte equals that byte
 * of some fragment offered for the key (fragments never invent data);
 * the held byte count never exceeds the datagram; expired datagrams
 * report a header and data inside bounds; poll returns a future
 * deadline.
 */
#include "ipv4-common.h"

#define MAX_LOG 256

struct frag_log {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	size_t off;
	const uint8_t *p;
	size_t len;
};

static struct frag_log logv[MAX_LOG];
static size_t nlog;
static size_t max_size;
static uint8_t *rbuf;
static size_t rbuf_len;

static void on_expire(void *ctx, const uint8_t *hdr, size_t hdr_len, const uint8_t *d, size_t dlen)
{
	(void)ctx;
	FZ_CHECK(hdr_len >= HZ_IPV4_HDR_LEN && hdr_len <= HZ_IPV4_HDR_MAX);
	FZ_CHECK((size_t)(hdr[0] & 15u) * 4 == hdr_len);
	FZ_CHECK(dlen <= max_size);
	FZ_CHECK(dlen == 0 || fz_within(d, dlen, rbuf, rbuf_len));
}

static void check_complete(const struct hz_ipv4_hdr *out, const struct hz_ipv4_hdr *in)
{
	FZ_CHECK((out->frag & (uint16_t)~(HZ_IPV4_FLAG_DF | HZ_IPV4_FLAG_RF)) == 0);
	FZ_CHECK(!hz_ipv4_hdr_is_fragment(out));
	FZ_CHECK(out->src == in->src && out->dst == in->dst && out->id == in->id && out->proto == in->proto);
	FZ_CHECK(out->hdr_len >= HZ_IPV4_HDR_LEN && out->hdr_len <= HZ_IPV4_HDR_MAX);
	FZ_CHECK(out->total_len == out->hdr_len + out->payload_len);
	FZ_CHECK(out->payload_len <= max_size);
	FZ_CHECK(fz_within(out->payload, out->payload_len, rbuf, rbuf_len));
	for (size_t i = 0; i < out->payload_len; i++) {
		bool found = false;
		for (size_t k = nlog; k-- > 0 && !found;) {
			const struct frag_log *l = &logv[k];
			if (l->src == in->src && l->dst == in->dst && l->id == in->id && l->proto == in->proto &&
			    i >= l->off && i < l->off + l->len && l->p[i - l->off] == out->payload[i])
				found = true;
		}
		FZ_CHECK(found);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in;
	fz_in_init(&in, data, size);
	uint8_t cfg = fz_u8(&in);
	size_t nslots = 1 + (cfg & 3u);
	size_t max_frags = (cfg & 4u) ? 8 : HZ_IPV4_REASM_FRAGS_MAX;
	max_size = (cfg & 8u) ? 1024 : 4096;

	static struct hz_ipv4_reasm_slot slots[4];
	static uint8_t buf[4 * 4096];
	rbuf = buf;
	rbuf_len = nslots * max_size;
	struct hz_ipv4_reasm r;
	hz_ipv4_reasm_init(&r, slots, nslots, buf, max_size, max_frags, HZ_SEC(30));
	nlog = 0;

	static uint8_t pkts[64][20 + 2048];
	hz_time_t now = HZ_SEC(1);
	for (int n = 0; n < 64 && !fz_in_empty(&in); n++) {
		now += fz_step(fz_u8(&in));
		uint8_t ctl = fz_u8(&in);
		uint8_t *pkt = pkts[n];
		size_t plen;
		if (ctl & 8u) {
			size_t got;
			const uint8_t *p = fz_bytes(&in, fz_u16(&in) % sizeof pkts[0], &got);
			memcpy(pkt, p, got);
			plen = got;
		} else {
			uint16_t off = fz_u16(&in) & HZ_IPV4_OFFSET_MASK;
			size_t want = fz_u16(&in) & 0x7ffu, got;
			const uint8_t *p = fz_bytes(&in, want, &got);
			memcpy(pkt + 20, p, got);
			struct hz_ipv4_hdr h = {
				.total_len = (uint16_t)(20 + got),
				.id = (ctl & 1u) ? 0x1234 : 0x4321,
				.frag = (uint16_t)(off | ((ctl & 4u) ? HZ_IPV4_FLAG_MF : 0)),
				.ttl = 64,
				.proto = HZ_IPV4_PROTO_UDP,
				.src = (ctl & 2u) ? FZ_GATEWAY : 0x0a000009u,
				.dst = FZ_ADDR,
			};
			FZ_CHECK(hz_ipv4_hdr_emit(&h, pkt, 20) == 20);
			plen = 20 + got;
		}
		struct hz_ipv4_hdr h;
		if (fz_ipv4_check_parse(pkt, plen, &h) < 0 || !hz_ipv4_hdr_is_fragment(&h))
			continue;
		if (nlog < MAX_LOG) {
			logv[nlog++] = (struct frag_log){ h.src, h.dst, h.id, h.proto, hz_ipv4_hdr_offset(&h),
			                                  h.payload, h.payload_len };
		}
		struct hz_ipv4_hdr out;
		enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
		uint64_t completed = r.completed;
		int rc = hz_ipv4_reasm_input(&r, &h, now, &out, &why);
		if (rc == HZ_OK) {
			FZ_CHECK(r.completed == completed + 1);
			check_complete(&out, &h);
		} else if (rc == HZ_ERR_WOULD_BLOCK) {
			FZ_CHECK(r.completed == completed);
		} else {
			FZ_CHECK(rc == HZ_ERR_MALFORMED || rc == HZ_ERR_NO_SPACE || rc == HZ_ERR_TOO_BIG);
			FZ_CHECK(why >= HZ_IPV4_DROP_BAD_FRAGMENT && why <= HZ_IPV4_DROP_FRAG_TIMEOUT);
		}
		for (size_t i = 0; i < nslots; i++) {
			const struct hz_ipv4_reasm_slot *s = &slots[i];
			FZ_CHECK(s->state <= HZ_IPV4_REASM_POISONED);
			if (s->state != HZ_IPV4_REASM_ACTIVE)
				continue;
			FZ_CHECK(s->nfrags <= max_frags);
			FZ_CHECK(s->received <= max_size);
			if (s->have_last)
				FZ_CHECK(s->received <= s->total && s->total <= max_size);
			FZ_CHECK(s->buf == buf + i * max_size);
		}
		if (ctl & 0x10u) {
			hz_time_t next = hz_ipv4_reasm_poll(&r, now, on_expire, NULL);
			FZ_CHECK(next > now);
			FZ_CHECK(next == HZ_TIME_NEVER || next <= now + HZ_SEC(30));
		}
	}
	/* everything expires */
	now += HZ_SEC(31);
	FZ_CHECK(hz_ipv4_reasm_poll(&r, now, on_expire, NULL) == HZ_TIME_NEVER);
	for (size_t i = 0; i < nslots; i++)
		FZ_CHECK(slots[i].state == HZ_IPV4_REASM_FREE);
	return 0;
}
