/*
 * ipv4: header parse (with emit round trip) and the engine's input path.
 *
 * Input: one flags byte, then an IPv4 packet.
 *   bit 0     repair the header first (version, IHL, total length,
 *             reserved flag, martian source, checksum) so the engine's
 *             deeper checks are reached; the raw bytes are parsed too
 *   bit 1     destination: our address
 *   bits 2-3  link cast (unicast, broadcast, multicast)
 *   bit 4     the attached transport refuses (port unreachable path)
 *   bit 5     poll 40 s later (reassembly timeout, ICMP time exceeded)
 *
 * Invariants: see fz_ipv4_check_parse (every promise of
 * hz_ipv4_hdr_parse, emit(parse(x)) == x); every packet the engine sends
 * parses, comes from our address, fits the MTU, is routed as its
 * destination dictates, and ICMP errors obey RFC 1122 3.2.2 / RFC 1812;
 * what a transport receives is the packet's payload with the packet's
 * addresses and a pseudo-header sum that matches them.
 */
#include "ipv4-common.h"

struct upper {
	const uint8_t *pkt;
	size_t len;
	bool refuse;
	int calls;
	int errors;
};

static int up_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *payload, size_t len)
{
	struct upper *u = ctx;
	u->calls++;
	FZ_CHECK(rx->proto == HZ_IPV4_PROTO_UDP);
	FZ_CHECK(rx->src.family == HZ_AF_INET && rx->dst.family == HZ_AF_INET);
	FZ_CHECK(rx->ip == hz_ipv4_ip(&fz_env->ip));
	/* the pseudo-header sum matches the addresses and length */
	uint32_t ref = hz_ipv4_pseudo(hz_ipaddr_to_v4(&rx->src), hz_ipaddr_to_v4(&rx->dst), rx->proto, len);
	FZ_CHECK(hz_csum_fold(rx->pseudo) == hz_csum_fold(ref));
	if (fz_within(payload, len, u->pkt, u->len)) {
		/* not reassembled: the payload is the packet's */
		struct hz_ipv4_hdr h;
		FZ_CHECK(hz_ipv4_hdr_parse(&h, u->pkt, u->len, NULL) > 0);
		FZ_CHECK(payload == h.payload && len == h.payload_len);
		FZ_CHECK(hz_ipaddr_to_v4(&rx->src) == h.src && hz_ipaddr_to_v4(&rx->dst) == h.dst);
	} else {
		/* reassembled: in the engine's reassembly storage */
		FZ_CHECK(fz_within(payload, len, fz_env->reasm_buf, sizeof fz_env->reasm_buf));
	}
	return u->refuse ? HZ_ERR_REFUSED : HZ_OK;
}

static void up_error(void *ctx, const struct hz_ip_err *e)
{
	struct upper *u = ctx;
	u->errors++;
	FZ_CHECK(e->kind >= HZ_IP_ERR_NET_UNREACH && e->kind <= HZ_IP_ERR_OTHER);
	FZ_CHECK(e->proto == HZ_IPV4_PROTO_UDP);
	FZ_CHECK(e->quote_len >= 8);
	FZ_CHECK(fz_within(e->quote, e->quote_len, u->pkt, u->len));
	FZ_CHECK(hz_ipaddr_to_v4(&e->src) == FZ_ADDR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	static uint8_t pkt[65536 + 64];
	size_t len = size - 1 < sizeof pkt ? size - 1 : sizeof pkt;
	memcpy(pkt, data + 1, len);

	fz_ipv4_check_parse(pkt, len, NULL);
	if (flags & 1u) {
		if ((flags & 2u) && len >= HZ_IPV4_HDR_LEN)
			hz_be32_store(pkt + 16, FZ_ADDR);
		fz_ipv4_repair(pkt, len);
		fz_ipv4_check_parse(pkt, len, NULL);
	}

	static struct fz_ipv4_env env;
	fz_ipv4_env_init(&env, (uint8_t)(flags >> 6));
	static struct upper u;
	memset(&u, 0, sizeof u);
	u.pkt = pkt;
	u.len = len;
	u.refuse = (flags >> 4) & 1u;
	struct hz_ip_upper up = { .ctx = &u, .input = up_input, .error = up_error };
	FZ_CHECK(hz_ipv4_attach(&env.ip, HZ_IPV4_PROTO_UDP, &up) == HZ_OK);
	FZ_CHECK(hz_ipv4_attach(&env.ip, HZ_IPV4_PROTO_UDP, &up) == HZ_ERR_IN_USE);

	hz_time_t now = HZ_SEC(100);
	enum hz_cast cast = (enum hz_cast)((flags >> 2) % 3);
	uint64_t rx_before = env.ip.rx_packets;
	int rc = hz_ipv4_input(&env.ip, pkt, len, cast, now);
	FZ_CHECK(rc <= 0);
	if (fz_ipv4_check_parse(pkt, len, NULL) < 0)
		FZ_CHECK(rc < 0 && env.ip.rx_packets == rx_before);
	FZ_CHECK(u.calls <= 1);
	if (u.calls && !u.refuse)
		FZ_CHECK(rc == HZ_OK);
	/* at most one answer per packet: a reply or an error */
	FZ_CHECK(env.sent <= 1);
	fz_ipv4_check_counters(&env.ip);

	hz_time_t next = hz_ipv4_poll(&env.ip, now);
	FZ_CHECK(next > now);
	if (flags & 0x20u) {
		now += HZ_SEC(40);
		next = hz_ipv4_poll(&env.ip, now);
		FZ_CHECK(next > now);
		/* every slot is free after the timeout */
		for (size_t i = 0; i < HZ_ARRAY_LEN(env.slots); i++)
			FZ_CHECK(env.slots[i].state == HZ_IPV4_REASM_FREE);
	}
	fz_ipv4_check_counters(&env.ip);
	return 0;
}
