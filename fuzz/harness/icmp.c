/*
 * icmp: hz_ipv4_icmp_parse/emit and the ipv4 engine's ICMP input (echo,
 * errors handed to transports, messages handed to an ICMP listener).
 *
 * Input: one flags byte, a source selector byte, then an ICMP message.
 *   bit 0     fix the ICMP checksum before the engine sees it
 *   bit 1     destination: broadcast 10.0.0.255 (else our address)
 *   bits 2-3  link cast
 *   bit 4     attach an ICMP listener
 *   bit 5     in a quoted header (errors): make its source our address
 *             and repair its checksum, so the error reaches udp
 *   bits 6-7  engine config: answer echo to broadcast, no rate limit
 * The harness wraps the message in a valid IPv4 header from the chosen
 * source (10.0.0.1, 10.0.0.7, 192.0.2.1, or the selector's own bytes).
 *
 * Invariants: parse succeeds exactly for >= 8 bytes with a valid checksum,
 * and emit(parse(x)) == x; an echo request to us is answered once with
 * the same identifier, sequence and data; the engine's output obeys the
 * checks of ipv4-common.h; errors reach the transport with a quote inside
 * the received packet.
 */
#include "ipv4-common.h"

struct upper {
	const uint8_t *pkt;
	size_t len;
	int errors;
	int icmp_msgs;
};

static int udp_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	(void)ctx;
	(void)rx;
	(void)p;
	(void)len;
	return HZ_ERR_REFUSED;
}

static void udp_error(void *ctx, const struct hz_ip_err *e)
{
	struct upper *u = ctx;
	u->errors++;
	FZ_CHECK(e->kind >= HZ_IP_ERR_NET_UNREACH && e->kind <= HZ_IP_ERR_OTHER);
	FZ_CHECK(e->proto == HZ_IPV4_PROTO_UDP);
	FZ_CHECK(e->quote_len >= 8);
	FZ_CHECK(fz_within(e->quote, e->quote_len, u->pkt, u->len));
	FZ_CHECK(hz_ipaddr_to_v4(&e->src) == FZ_ADDR);
	FZ_CHECK(e->reporter.family == HZ_AF_INET);
	if (e->kind == HZ_IP_ERR_FRAG_NEEDED)
		FZ_CHECK(e->type == HZ_IPV4_ICMP_DEST_UNREACH && e->code == HZ_IPV4_ICMP_FRAG_NEEDED);
	else
		FZ_CHECK(e->mtu == 0);
}

static int icmp_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	struct upper *u = ctx;
	u->icmp_msgs++;
	FZ_CHECK(rx->proto == HZ_IPV4_PROTO_ICMP);
	FZ_CHECK(len >= HZ_IPV4_ICMP_HDR_LEN);
	FZ_CHECK(hz_csum(p, len) == 0);
	return HZ_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t flags = data[0], srcsel = data[1];
	const uint8_t *msg = data + 2;
	size_t mlen = size - 2;
	if (mlen > 8192)
		mlen = 8192;

	/* wire */
	struct hz_ipv4_icmp m;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	int rc = hz_ipv4_icmp_parse(&m, msg, mlen, &why);
	FZ_CHECK((rc == HZ_OK) == (mlen >= 8 && hz_csum(msg, mlen) == 0));
	if (rc == HZ_OK) {
		FZ_CHECK(m.type == msg[0] && m.code == msg[1] && m.rest == hz_be32_load(msg + 4));
		FZ_CHECK(m.data == msg + 8 && m.data_len == mlen - 8);
		static uint8_t out[8192];
		FZ_CHECK(hz_ipv4_icmp_emit(&m, out, sizeof out) == (int)mlen);
		FZ_CHECK(memcmp(out, msg, 2) == 0 && memcmp(out + 4, msg + 4, mlen - 4) == 0);
		FZ_CHECK(fz_csum_eq(hz_be16_load(out + 2), hz_be16_load(msg + 2)));
		FZ_CHECK(hz_ipv4_icmp_emit(&m, out, mlen - 1) == HZ_ERR_NO_SPACE);
		/* emit from overlapping data: in place */
		memcpy(out, msg, mlen);
		struct hz_ipv4_icmp m2 = m;
		m2.data = out + 8;
		FZ_CHECK(hz_ipv4_icmp_emit(&m2, out, mlen) == (int)mlen);
		FZ_CHECK(hz_csum(out, mlen) == 0);
	} else {
		FZ_CHECK(rc == HZ_ERR_NEED_MORE || rc == HZ_ERR_CHECKSUM);
		FZ_CHECK(why == (rc == HZ_ERR_NEED_MORE ? HZ_IPV4_DROP_ICMP_TRUNCATED : HZ_IPV4_DROP_ICMP_BAD_CHECKSUM));
	}

	/* engine: wrap in IPv4 */
	static uint8_t pkt[20 + 8192];
	static const uint32_t sources[3] = { FZ_GATEWAY, 0x0a000007u, 0xc0000201u };
	uint32_t src = (srcsel & 3u) < 3 ? sources[srcsel & 3u] : 0x0a000000u | srcsel;
	uint32_t dst = (flags & 2u) ? 0x0a0000ffu : FZ_ADDR;
	uint8_t *icmp = pkt + 20;
	memcpy(icmp, msg, mlen);
	if ((flags & 0x20u) && mlen >= 8 + 20) {
		/* a quoted header about a datagram we sent */
		uint8_t *q = icmp + 8;
		size_t qlen = mlen - 8;
		q[0] = 0x45;
		q[9] = HZ_IPV4_PROTO_UDP;
		hz_be32_store(q + 12, FZ_ADDR);
		if (hz_be16_load(q + 2) < 20)
			hz_be16_store(q + 2, (uint16_t)(qlen < 576 ? qlen : 576));
		q[10] = q[11] = 0;
		hz_be16_store(q + 10, hz_csum(q, 20));
	}
	if ((flags & 1u) && mlen >= 2 + 2) {
		icmp[2] = icmp[3] = 0;
		hz_be16_store(icmp + 2, hz_csum(icmp, mlen));
	}
	struct hz_ipv4_hdr h = {
		.tos = 0, .total_len = (uint16_t)(20 + mlen), .id = 1, .frag = 0, .ttl = 64,
		.proto = HZ_IPV4_PROTO_ICMP, .src = src, .dst = dst,
	};
	FZ_CHECK(hz_ipv4_hdr_emit(&h, pkt, 20) == 20);
	size_t plen = 20 + mlen;

	static struct fz_ipv4_env env;
	fz_ipv4_env_init(&env, (uint8_t)(flags >> 6));
	static struct upper u;
	memset(&u, 0, sizeof u);
	u.pkt = pkt;
	u.len = plen;
	struct hz_ip_upper udp = { .ctx = &u, .input = udp_input, .error = udp_error };
	struct hz_ip_upper lst = { .ctx = &u, .input = icmp_input, .error = NULL };
	FZ_CHECK(hz_ipv4_attach(&env.ip, HZ_IPV4_PROTO_UDP, &udp) == HZ_OK);
	if (flags & 0x10u)
		FZ_CHECK(hz_ipv4_attach(&env.ip, HZ_IPV4_PROTO_ICMP, &lst) == HZ_OK);

	hz_time_t now = HZ_SEC(10);
	enum hz_cast cast = (enum hz_cast)((flags >> 2) % 3);
	rc = hz_ipv4_input(&env.ip, pkt, plen, cast, now);
	FZ_CHECK(rc <= 0);
	FZ_CHECK(env.sent <= 1);
	FZ_CHECK(u.errors <= 1);
	/* never an ICMP error about an ICMP message */
	FZ_CHECK(env.icmp_errors == 0);

	struct hz_ipv4_icmp req;
	if (hz_ipv4_icmp_parse(&req, icmp, mlen, NULL) == HZ_OK && req.type == HZ_IPV4_ICMP_ECHO &&
	    dst == FZ_ADDR && cast == HZ_CAST_UNICAST && (src & 0xffu) != 0xffu) {
		/* (10.0.0.255 is our subnet's broadcast: no source, RFC 1122 3.2.1.3) */
		/* a unicast echo request to us whose reply fits the tx buffer
		 * and the MTU (a fragmented reply is checked only by
		 * fz_link_output) must be answered with the same id, seq and
		 * data */
		if (mlen + 20 + FZ_LINK_HEADROOM <= sizeof env.txbuf && 20 + mlen <= FZ_LINK_MTU) {
			FZ_CHECK(env.echo_replies == 1);
			FZ_CHECK(env.reply_rest == req.rest);
			FZ_CHECK(env.reply_len == req.data_len && memcmp(env.reply_data, req.data, req.data_len) == 0);
		}
	}
	if (env.echo_replies)
		FZ_CHECK(hz_ipv4_icmp_parse(&req, icmp, mlen, NULL) == HZ_OK && req.type == HZ_IPV4_ICMP_ECHO);
	fz_ipv4_check_counters(&env.ip);
	return 0;
}
