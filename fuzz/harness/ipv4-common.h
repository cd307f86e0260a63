/*
 * Shared by the ipv4, icmp and ipv4-reasm harnesses: header invariants
 * and an ipv4 engine over a fake link that checks every packet it sends.
 */
#ifndef HAZE_FUZZ_IPV4_COMMON_H
#define HAZE_FUZZ_IPV4_COMMON_H

#include "fuzz.h"
#include "haze/ipv4.h"

static bool fz_ipv4_martian_src(uint32_t a)
{
	return (a >> 28) == 0xe || a == 0xffffffffu || (a >> 28) == 0xf || (a >> 24) == 127 ||
	       ((a >> 24) == 0 && a != 0);
}

/* Parse buf and check everything hz_ipv4_hdr_parse promises, plus
 * emit(parse(x)) == x. Returns the parse result. */
static int fz_ipv4_check_parse(const uint8_t *buf, size_t len, struct hz_ipv4_hdr *out)
{
	struct hz_ipv4_hdr h;
	enum hz_ipv4_drop why = HZ_IPV4_DROP_COUNT;
	int rc = hz_ipv4_hdr_parse(&h, buf, len, &why);
	if (len < HZ_IPV4_HDR_LEN)
		FZ_CHECK(rc == HZ_ERR_NEED_MORE);
	if (rc < 0) {
		FZ_CHECK(rc == HZ_ERR_MALFORMED || rc == HZ_ERR_NEED_MORE || rc == HZ_ERR_CHECKSUM);
		FZ_CHECK(why < HZ_IPV4_DROP_COUNT);
		FZ_CHECK((rc == HZ_ERR_CHECKSUM) == (why == HZ_IPV4_DROP_BAD_CHECKSUM));
		return rc;
	}
	FZ_CHECK(rc == h.hdr_len);
	FZ_CHECK(h.hdr_len >= HZ_IPV4_HDR_LEN && h.hdr_len <= HZ_IPV4_HDR_MAX);
	FZ_CHECK(buf[0] >> 4 == 4 && (size_t)(buf[0] & 15u) * 4 == h.hdr_len);
	FZ_CHECK(h.total_len == hz_be16_load(buf + 2));
	FZ_CHECK(h.hdr_len <= h.total_len && h.total_len <= len);
	FZ_CHECK(h.payload == buf + h.hdr_len && h.payload_len == (size_t)h.total_len - h.hdr_len);
	FZ_CHECK(h.options_len == (size_t)h.hdr_len - HZ_IPV4_HDR_LEN);
	FZ_CHECK(h.options_len ? h.options == buf + HZ_IPV4_HDR_LEN : h.options == NULL);
	FZ_CHECK(hz_csum(buf, h.hdr_len) == 0);
	/* (the reserved flag and DF on a fragment are accepted: RFC 1122 1.2.2) */
	FZ_CHECK(h.frag == hz_be16_load(buf + 6));
	FZ_CHECK(!fz_ipv4_martian_src(h.src));
	FZ_CHECK(h.src == hz_be32_load(buf + 12) && h.dst == hz_be32_load(buf + 16));

	/* emit the parsed header in front of the parsed payload: same bytes
	 * (the checksum may differ only between 0x0000 and 0xffff) */
	static uint8_t copy[65536];
	struct hz_ipv4_hdr e = h;
	FZ_CHECK(hz_ipv4_hdr_emit(&e, copy, sizeof copy) == h.hdr_len);
	FZ_CHECK(hz_ipv4_hdr_emit(&e, copy, (size_t)h.hdr_len - 1) == HZ_ERR_NO_SPACE);
	FZ_CHECK(hz_ipv4_hdr_emit(&e, copy, h.hdr_len) == h.hdr_len);
	FZ_CHECK(memcmp(copy, buf, 10) == 0 && memcmp(copy + 12, buf + 12, (size_t)h.hdr_len - 12) == 0);
	FZ_CHECK(fz_csum_eq(hz_be16_load(copy + 10), hz_be16_load(buf + 10)));
	memcpy(copy + h.hdr_len, h.payload, h.payload_len);
	struct hz_ipv4_hdr h2;
	FZ_CHECK(hz_ipv4_hdr_parse(&h2, copy, h.total_len, NULL) == h.hdr_len);
	FZ_CHECK(h2.total_len == h.total_len && h2.id == h.id && h2.frag == h.frag &&
	         h2.ttl == h.ttl && h2.proto == h.proto && h2.src == h.src && h2.dst == h.dst &&
	         h2.tos == h.tos && h2.opts == h.opts && h2.payload_len == h.payload_len);
	if (out)
		*out = h;
	return rc;
}

/* Make buf[0..len) a header that parses: version 4, a sane IHL, a total
 * length that fits, no reserved flag, the checksum right. Returns len. */
static size_t fz_ipv4_repair(uint8_t *buf, size_t len)
{
	if (len < HZ_IPV4_HDR_LEN)
		return len;
	unsigned ihl = buf[0] & 15u;
	if (ihl < 5 || ihl * 4 > len)
		ihl = 5;
	buf[0] = (uint8_t)(0x40 | ihl);
	size_t total = hz_be16_load(buf + 2);
	if (total < ihl * 4u || total > len)
		hz_be16_store(buf + 2, (uint16_t)(len > 65535 ? 65535 : len));
	uint16_t frag = hz_be16_load(buf + 6) & (uint16_t)~HZ_IPV4_FLAG_RF;
	if ((frag & HZ_IPV4_FLAG_DF) && (frag & (HZ_IPV4_FLAG_MF | HZ_IPV4_OFFSET_MASK)))
		frag &= (uint16_t)~HZ_IPV4_FLAG_DF;
	hz_be16_store(buf + 6, frag);
	if (fz_ipv4_martian_src(hz_be32_load(buf + 12)))
		hz_be32_store(buf + 12, FZ_GATEWAY);
	buf[10] = buf[11] = 0;
	hz_be16_store(buf + 10, hz_csum(buf, ihl * 4u));
	return len;
}

/* ------------------------------------------------------------------ */
/* An engine over a fake link                                          */
/* ------------------------------------------------------------------ */

#define FZ_LINK_HEADROOM 14
#define FZ_LINK_MTU 1500

struct fz_ipv4_env {
	struct hz_ipv4 ip;
	struct hz_ipv4_reasm_slot slots[2];
	uint8_t reasm_buf[2 * 16384];
	uint8_t txbuf[4096];
	struct fz_rng rng;
	struct hz_shim shim;
	int sent;        /* datagrams the link carried (fragments after the first not counted) */
	int packets;     /* packets, fragments counted singly */
	int icmp_errors; /* ICMP errors among them */
	int echo_replies;
	/* the last echo reply's id/seq and data */
	uint32_t reply_rest;
	uint8_t reply_data[4096];
	size_t reply_len;
};

static struct fz_ipv4_env *fz_env;

static int fz_link_output(void *ctx, struct hz_pbuf *pb, uint32_t nexthop, enum hz_cast cast)
{
	struct fz_ipv4_env *env = ctx;
	const struct hz_ipv4 *ip = &env->ip;
	FZ_CHECK(pb->head >= FZ_LINK_HEADROOM);
	FZ_CHECK(pb->head + pb->len <= pb->cap);
	FZ_CHECK(pb->len <= FZ_LINK_MTU);
	const uint8_t *d = hz_pbuf_data(pb);
	struct hz_ipv4_hdr h;
	FZ_CHECK(fz_ipv4_check_parse(d, pb->len, &h) > 0);
	FZ_CHECK(h.total_len == pb->len);
	FZ_CHECK(h.ttl > 0);
	FZ_CHECK(h.src == ip->addr);
	/* routing: the cast and next hop follow from the destination */
	if (cast == HZ_CAST_UNICAST) {
		FZ_CHECK(nexthop != 0 && nexthop != ip->addr);
		FZ_CHECK(nexthop == h.dst || nexthop == ip->gateway);
	} else if (cast == HZ_CAST_MULTICAST) {
		FZ_CHECK(hz_ipv4_addr_is_multicast(h.dst) && nexthop == h.dst);
	} else {
		FZ_CHECK(cast == HZ_CAST_BROADCAST);
	}
	env->packets++;
	if (hz_ipv4_hdr_offset(&h) == 0)
		env->sent++;
	if (h.proto == HZ_IPV4_PROTO_ICMP && !hz_ipv4_hdr_is_fragment(&h)) {
		struct hz_ipv4_icmp m;
		FZ_CHECK(hz_ipv4_icmp_parse(&m, h.payload, h.payload_len, NULL) == HZ_OK);
		if (hz_ipv4_icmp_type_is_error(m.type)) {
			env->icmp_errors++;
			/* RFC 1812 4.3.2.3 */
			FZ_CHECK(h.total_len <= HZ_IPV4_ICMP_ERR_MAX);
			FZ_CHECK(cast == HZ_CAST_UNICAST);
			/* the quote starts with a header that was sent to us */
			FZ_CHECK(m.data_len >= HZ_IPV4_HDR_LEN);
			FZ_CHECK(hz_be32_load(m.data + 12) == h.dst);
			/* never about an ICMP error */
			if (m.data[9] == HZ_IPV4_PROTO_ICMP) {
				size_t qh = (size_t)(m.data[0] & 15u) * 4;
				if (m.data_len > qh)
					FZ_CHECK(!hz_ipv4_icmp_type_is_error(m.data[qh]));
			}
		} else if (m.type == HZ_IPV4_ICMP_ECHO_REPLY) {
			env->echo_replies++;
			env->reply_rest = m.rest;
			env->reply_len = m.data_len < sizeof env->reply_data ? m.data_len : sizeof env->reply_data;
			memcpy(env->reply_data, m.data, env->reply_len);
		}
	}
	return HZ_OK;
}

static void fz_ipv4_env_init(struct fz_ipv4_env *env, uint8_t cfgbits)
{
	memset(env, 0, sizeof *env);
	fz_env = env;
	fz_shim_init(&env->shim, &env->rng, 7);
	struct hz_ipv4_config cfg;
	hz_ipv4_config_default(&cfg);
	cfg.reasm_max_size = 16384;
	if (cfgbits & 1u)
		cfg.echo_broadcast = true;
	if (cfgbits & 2u)
		cfg.icmp_rate = 0;
	struct hz_ipv4_link link = {
		.ctx = env, .headroom = FZ_LINK_HEADROOM, .mtu = FZ_LINK_MTU, .output = fz_link_output,
	};
	hz_ipv4_init(&env->ip, &cfg, &link, &env->shim, env->slots, HZ_ARRAY_LEN(env->slots),
	             env->reasm_buf, env->txbuf, sizeof env->txbuf);
	FZ_CHECK(hz_ipv4_addr_set(&env->ip, FZ_ADDR, FZ_NETMASK, FZ_GATEWAY) == HZ_OK);
}

static void fz_ipv4_check_counters(const struct hz_ipv4 *ip)
{
	for (unsigned i = 0; i < HZ_IPV4_DROP_COUNT; i++)
		FZ_CHECK(strcmp(hz_ipv4_drop_name(i), "?") != 0);
	FZ_CHECK(!ip->tx_busy);
}

#endif /* HAZE_FUZZ_IPV4_COMMON_H */
