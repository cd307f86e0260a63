/* The ipv6 engine (struct hz_ipv6) against RFC 4861, 4862, 7217, 7527,
 * 3810, 8200, 4443, 5722, 7112, 6980, 6724 and 8201.
 *
 * A fake link captures every packet the engine sends, with the virtual
 * time it left at; fake transports record what the engine delivers; time
 * only moves when a test polls. Every input packet is written byte by
 * byte here and every checksum comes from a naive RFC 1071 loop over a
 * hand-built pseudo-header, so expected values come from the RFCs and the
 * header's contract, never from the code under test. Captured output is
 * read back with the wire parsers (hz_ipv6_hdr_parse, hz_ipv6_ext_walk,
 * hz_ipv6_icmp_parse, hz_ipv6_nd_parse, hz_ipv6_mld2_report_parse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/ipv6.h"

/* ---- addresses ---------------------------------------------------- */

#define G16(x) (uint8_t)((unsigned)(x) >> 8), (uint8_t)((unsigned)(x) & 0xffu)
#define IP6(a, b, c, d, e, f, g, h) \
	{ G16(a), G16(b), G16(c), G16(d), G16(e), G16(f), G16(g), G16(h) }

static const uint8_t UNSPEC[16] = { 0 };
static const uint8_t ALL_NODES[16] = IP6(0xff02, 0, 0, 0, 0, 0, 0, 1);
static const uint8_t ALL_ROUTERS[16] = IP6(0xff02, 0, 0, 0, 0, 0, 0, 2);
static const uint8_t MLD2_ROUTERS[16] = IP6(0xff02, 0, 0, 0, 0, 0, 0, 0x16);
static const uint8_t GROUP[16] = IP6(0xff02, 0, 0, 0, 0, 0, 0, 0xfb);
static const uint8_t GROUP2[16] = IP6(0xff02, 0, 0, 0, 0, 0, 0, 0x101);
static const uint8_t MC_SITE[16] = IP6(0xff05, 0, 0, 0, 0, 0, 0, 0x1234);
static const uint8_t MC_GLOBAL[16] = IP6(0xff0e, 0, 0, 0, 0, 0, 0, 0x1234);

/* ours: GA is configured statically; the link-local one is computed */
static const uint8_t GA[16] = IP6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x10);
static const uint8_t GB[16] = IP6(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x10);
static const uint8_t GC[16] = IP6(0x2001, 0xdb8, 3, 0, 0, 0, 0, 0x10);
/* neighbours on 2001:db8:1::/64 */
static const uint8_t PEER[16] = IP6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x20);
static const uint8_t PEER2[16] = IP6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x21);
static const uint8_t ONLINK[16] = IP6(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0x99);
static const uint8_t PEER_LL[16] = IP6(0xfe80, 0, 0, 0, 0, 0, 0, 0x20);
static const uint8_t OTHER_LL[16] = IP6(0xfe80, 0, 0, 0, 0, 0, 0, 0x99);
static const uint8_t RTR[16] = IP6(0xfe80, 0, 0, 0, 0, 0, 0, 1);
static const uint8_t RTR2[16] = IP6(0xfe80, 0, 0, 0, 0, 0, 0, 2);
/* SLAAC prefixes */
static const uint8_t P2[16] = IP6(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0);
static const uint8_t P3[16] = IP6(0x2001, 0xdb8, 3, 0, 0, 0, 0, 0);
static const uint8_t P4[16] = IP6(0x2001, 0xdb8, 4, 0, 0, 0, 0, 0);
static const uint8_t P5[16] = IP6(0x2001, 0xdb8, 5, 0, 0, 0, 0, 0);
static const uint8_t LLPFX[16] = IP6(0xfe80, 0, 0, 0, 0, 0, 0, 0);
static const uint8_t IN_P2[16] = IP6(0x2001, 0xdb8, 2, 0, 0, 0, 0, 0x99);
static const uint8_t IN_P5[16] = IP6(0x2001, 0xdb8, 5, 0, 0, 0, 0, 0x99);
/* off-link */
static const uint8_t FAR[16] = IP6(0x2001, 0xdb8, 0x99, 0, 0, 0, 0, 1);
static const uint8_t FAR2[16] = IP6(0x2001, 0xdb8, 0x99, 0, 0, 0, 0, 2);
static const uint8_t FAR_P2[16] = IP6(0x2001, 0xdb8, 2, 1, 0, 0, 0, 1); /* 63 bits in common with P2 */
static const uint8_t REPORTER[16] = IP6(0x2001, 0xdb8, 0x99, 0, 0, 0, 0, 0xfe);
static const uint8_t DNS1[16] = IP6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x53);

static const uint8_t MAC[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
static const uint8_t PEER_MAC[6] = { 0x02, 0xaa, 0, 0, 0, 0x20 };
static const uint8_t MAC_B[6] = { 0x02, 0xbb, 0, 0, 0, 0x20 };
static const uint8_t RTR_MAC[6] = { 0x02, 0xee, 0, 0, 0, 0x01 };
static const uint8_t RTR2_MAC[6] = { 0x02, 0xee, 0, 0, 0, 0x02 };
static const uint8_t OTHER_MAC[6] = { 0x02, 0xcc, 0, 0, 0, 0x99 };
static const uint8_t OTHER_NONCE[6] = { 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45 };

static const uint8_t SECRET[16] = { 0x5e, 0xc2, 0xe7, 0x00, 0x11, 0x22, 0x33, 0x44,
	                            0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc };

/* RFC 4861 10 protocol constants */
#define RETRANS HZ_SEC(1)           /* RETRANS_TIMER */
#define FIRST_PROBE HZ_SEC(5)       /* DELAY_FIRST_PROBE_TIME */
#define RS_INTERVAL HZ_SEC(4)       /* RTR_SOLICITATION_INTERVAL */
#define T0 HZ_SEC(1000)
#define LH 14 /* the fake link's header */

static void wr16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RFC 1071 over the RFC 8200 8.1 pseudo-header (upper-layer length len)
 * and then n bytes of message, one 16-bit word at a time, complemented. */
static uint16_t ref_sum(const uint8_t s[16], const uint8_t d[16], uint8_t nh, size_t len,
                        const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < 16; i += 2) {
		sum += (uint32_t)s[i] << 8 | s[i + 1];
		sum += (uint32_t)d[i] << 8 | d[i + 1];
	}
	sum += (uint32_t)(len >> 16);
	sum += (uint32_t)(len & 0xffff);
	sum += nh;
	for (size_t i = 0; i + 1 < n; i += 2) {
		sum += (uint32_t)p[i] << 8 | p[i + 1];
		if (sum > 0x7fffffffu)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Over a message holding a valid checksum the result is 0. */
static uint16_t ref_l4(const uint8_t s[16], const uint8_t d[16], uint8_t nh, const uint8_t *p,
                       size_t n)
{
	return ref_sum(s, d, nh, n, p, n);
}

/* RFC 4291 2.7.1: ff02::1:ff00:0/104 + the low 24 bits. */
static void solicited(uint8_t out[16], const uint8_t a[16])
{
	static const uint8_t base[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	memcpy(out, base, 13);
	memcpy(out + 13, a + 13, 3);
}

static struct hz_ipaddr v6(const uint8_t b[16])
{
	struct hz_ipaddr a;
	memset(&a, 0, sizeof a);
	a.family = HZ_AF_INET6;
	memcpy(a.b, b, 16);
	return a;
}

/* RFC 7217 5 / RFC 4862 5.5.3 (d): prefix + stable IID for our MAC. */
static void stable_addr(uint8_t out[16], const uint8_t prefix[16], uint8_t counter)
{
	memcpy(out, prefix, 8);
	hz_ipv6_iid_stable(out + 8, prefix, MAC, sizeof MAC, counter, SECRET);
}

/* ---- fake link ---------------------------------------------------- */

struct frame {
	uint8_t b[2048];
	size_t len;
	bool mcast; /* ll was NULL: link multicast */
	uint8_t ll[HZ_MAC_LEN];
	uint8_t dst[16];
	hz_time_t at;
};
static struct {
	struct frame f[400];
	size_t n;
} cap;
static hz_time_t vnow;

static int fake_output(void *ctx, struct hz_pbuf *pb, const uint8_t *ll, const uint8_t dst[16])
{
	(void)ctx;
	assert_true(pb->head >= LH);
	assert_true(pb->head + pb->len <= pb->cap);
	/* Nothing larger than the link MTU ever reaches the link (RFC 8200 5). */
	assert_true(pb->len >= HZ_IPV6_HDR_LEN);
	assert_true(pb->len <= 1500);
	/* ll NULL means "map the multicast group dst". */
	if (ll == NULL)
		assert_int_equal(dst[0], 0xff);
	assert_true(cap.n < HZ_ARRAY_LEN(cap.f));
	struct frame *f = &cap.f[cap.n++];
	memcpy(f->b, hz_pbuf_data(pb), pb->len);
	f->len = pb->len;
	f->mcast = ll == NULL;
	if (ll)
		memcpy(f->ll, ll, HZ_MAC_LEN);
	memcpy(f->dst, dst, 16);
	f->at = vnow;
	/* Write a link header as ethif would, to prove the engine restores
	 * whatever lies in front of each fragment. */
	uint8_t *eh = hz_pbuf_push(pb, LH);
	assert_non_null(eh);
	memset(eh, 0xee, LH);
	return HZ_OK;
}

static struct {
	uint8_t g[16];
	bool join;
	size_t frame; /* frames captured before the call */
} mc[64];
static size_t nmc;

static int fake_mcast(void *ctx, const uint8_t group[16], bool join)
{
	(void)ctx;
	assert_true(nmc < HZ_ARRAY_LEN(mc));
	memcpy(mc[nmc].g, group, 16);
	mc[nmc].join = join;
	mc[nmc].frame = cap.n;
	nmc++;
	return HZ_OK;
}

/* Index of the last link-filter call for g with `join`, or -1. */
static int mc_find(const uint8_t g[16], bool join)
{
	int r = -1;
	for (size_t i = 0; i < nmc; i++)
		if (memcmp(mc[i].g, g, 16) == 0 && mc[i].join == join)
			r = (int)i;
	return r;
}

/* ---- events and randomness ---------------------------------------- */

static struct hz_ipv6_event evs[256];
static size_t nev;

static void on_event(void *ctx, const struct hz_ipv6_event *ev)
{
	(void)ctx;
	assert_true(nev < HZ_ARRAY_LEN(evs));
	evs[nev++] = *ev;
}

/* Index of the first event of kind (about addr, if given), or -1. */
static int find_event(uint8_t kind, const uint8_t *addr)
{
	for (size_t i = 0; i < nev; i++)
		if (evs[i].kind == kind && (!addr || memcmp(evs[i].addr.b, addr, 16) == 0))
			return (int)i;
	return -1;
}

/* splitmix64: deterministic, reseeded for every test. */
static uint64_t rng;
static void test_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	uint8_t *o = out;
	for (size_t i = 0; i < len; i++) {
		rng += 0x9e3779b97f4a7c15u;
		uint64_t z = rng;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		o[i] = (uint8_t)(z ^ (z >> 31));
	}
}
static const struct hz_shim shim = { NULL, test_random, NULL, NULL, HZ_LOG_ERROR };

/* ---- fake transports ---------------------------------------------- */

struct upper {
	int calls;
	int rc;
	struct hz_ip_rx rx;
	uint8_t payload[20000];
	size_t len;
	int errs;
	struct hz_ip_err err;
	uint8_t quote[1500];
};
static struct upper udp;

static int up_input(void *ctx, const struct hz_ip_rx *rx, const uint8_t *p, size_t len)
{
	struct upper *u = ctx;
	u->calls++;
	u->rx = *rx;
	assert_true(len <= sizeof u->payload);
	memcpy(u->payload, p, len);
	u->len = len;
	return u->rc;
}

static void up_error(void *ctx, const struct hz_ip_err *err)
{
	struct upper *u = ctx;
	u->errs++;
	u->err = *err;
	memcpy(u->quote, err->quote, HZ_MIN(err->quote_len, sizeof u->quote));
}

static const struct hz_ip_upper udp_up = { &udp, up_input, up_error };

/* ---- the engine under test ---------------------------------------- */

#define NNEIGH 16
#define NPEND 8
#define QSLOT 2048
static struct hz_ipv6 ip;
static struct hz_ipv6_neigh neigh[NNEIGH];
static struct hz_ipv6_pending pend[NPEND];
static uint8_t qbuf[NPEND * QSLOT];
static struct hz_ipv6_reasm_slot rslots[2];
static uint8_t rbuf[2 * (40 + 16384)];
static uint8_t txbuf[4096];
static uint8_t LL[16]; /* our link-local address, from RFC 7217 */

static void clear(void)
{
	cap.n = 0;
	nmc = 0;
	nev = 0;
}

static void cfg_base(struct hz_ipv6_config *c)
{
	hz_ipv6_config_default(c);
	c->stable_secret_set = true;
	memcpy(c->stable_secret, SECRET, 16);
	c->rtr_solicits = 0;
}

static void start(const struct hz_ipv6_config *c)
{
	memset(&cap, 0, sizeof cap);
	nmc = 0;
	nev = 0;
	rng = 0x1234;
	memset(&udp, 0, sizeof udp);
	memset(neigh, 0, sizeof neigh);
	memset(pend, 0, sizeof pend);
	memset(rslots, 0, sizeof rslots);
	vnow = T0;
	static const struct hz_ipv6_link lk = {
		.ctx = NULL,
		.headroom = LH,
		.mtu = 1500,
		.lladdr = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 },
		.output = fake_output,
		.mcast = fake_mcast,
	};
	const struct hz_ipv6_storage st = {
		.neigh = neigh,
		.nneigh = NNEIGH,
		.pending = pend,
		.npending = NPEND,
		.qbuf = qbuf,
		.qslot = QSLOT,
		.reasm_slots = rslots,
		.nreasm = 2,
		.reasm_buf = rbuf,
		.txbuf = txbuf,
		.txcap = sizeof txbuf,
	};
	assert_int_equal(hz_ipv6_init(&ip, c, &lk, &shim, &st), HZ_OK);
	hz_ipv6_event_set(&ip, on_event, NULL);
	assert_int_equal(hz_ipv6_attach(&ip, HZ_IPV6_NH_UDP, &udp_up), HZ_OK);
	stable_addr(LL, LLPFX, 0);
	/* The test would be meaningless if our secret hit a reserved IID. */
	assert_false(hz_ipv6_iid_reserved(LL + 8));
}

/* ---- virtual time -------------------------------------------------- */

/* Poll at every deadline the engine asks for, up to and including t. */
static void run_until(hz_time_t t)
{
	unsigned guard = 0;
	for (;;) {
		hz_time_t d = hz_ipv6_poll(&ip, vnow);
		if (vnow >= t)
			return;
		assert_true(++guard < 1000000);
		if (d <= vnow)
			d = vnow + 1;
		vnow = d < t ? d : t;
	}
}

/* As run_until, stopping early once the event (about addr) was seen. */
static bool run_until_event(uint8_t kind, const uint8_t *addr, hz_time_t limit)
{
	unsigned guard = 0;
	for (;;) {
		hz_time_t d = hz_ipv6_poll(&ip, vnow);
		if (find_event(kind, addr) >= 0)
			return true;
		if (vnow >= limit)
			return false;
		assert_true(++guard < 1000000);
		if (d <= vnow)
			d = vnow + 1;
		vnow = d < limit ? d : limit;
	}
}

/* ---- drop accounting (DESIGN.md 12) ---------------------------------- */

static uint64_t drops_before[HZ_IPV6_DROP_COUNT];

static void snap(void)
{
	memcpy(drops_before, ip.drops, sizeof drops_before);
}

/* Exactly one counter moved, by one. */
static void assert_one_drop(enum hz_ipv6_drop why)
{
	for (unsigned i = 0; i < HZ_IPV6_DROP_COUNT; i++) {
		uint64_t want = drops_before[i] + (i == (unsigned)why ? 1u : 0u);
		if (ip.drops[i] != want)
			fail_msg("drops[%s] = %llu, want %llu (expected one %s)", hz_ipv6_drop_name(i),
			         (unsigned long long)ip.drops[i], (unsigned long long)want,
			         hz_ipv6_drop_name((unsigned)why));
	}
}

static void assert_no_drop(void)
{
	for (unsigned i = 0; i < HZ_IPV6_DROP_COUNT; i++)
		if (ip.drops[i] != drops_before[i])
			fail_msg("drops[%s] moved", hz_ipv6_drop_name(i));
}

/* ---- building input packets ---------------------------------------- */

static uint8_t pk[70000];
static size_t pk_len, pk_nh, pk_up;
static uint8_t pk_proto;

/* RFC 8200 3: version 6, traffic class 0, flow label 0. */
static void p_begin(const uint8_t src[16], const uint8_t dst[16], uint8_t hlim)
{
	memset(pk, 0, 40);
	pk[0] = 0x60;
	pk[7] = hlim;
	memcpy(pk + 8, src, 16);
	memcpy(pk + 24, dst, 16);
	pk_nh = 6;
	pk_len = 40;
	pk_up = 0;
}
/* Append an extension header (its Next Header byte is set by what follows). */
static void p_ext(uint8_t type, const uint8_t *h, size_t n)
{
	pk[pk_nh] = type;
	memcpy(pk + pk_len, h, n);
	pk_nh = pk_len;
	pk_len += n;
}
/* Append bytes named by the previous Next Header, checksum untouched. */
static void p_raw(uint8_t nh, const void *b, size_t n)
{
	pk[pk_nh] = nh;
	memcpy(pk + pk_len, b, n);
	pk_len += n;
}
/* Append the upper-layer message; p_end fills a UDP or ICMPv6 checksum. */
static void p_upper(uint8_t proto, const void *b, size_t n)
{
	pk_up = pk_len;
	pk_proto = proto;
	p_raw(proto, b, n);
}
static size_t p_end(void)
{
	wr16(pk + 4, pk_len - 40);
	if (pk_up && (pk_proto == HZ_IPV6_NH_ICMPV6 || pk_proto == HZ_IPV6_NH_UDP)) {
		uint8_t *c = pk + pk_up + (pk_proto == HZ_IPV6_NH_UDP ? 6 : 2);
		c[0] = c[1] = 0;
		uint16_t s = ref_l4(pk + 8, pk + 24, pk_proto, pk + pk_up, pk_len - pk_up);
		if (pk_proto == HZ_IPV6_NH_UDP && s == 0)
			s = 0xffff; /* RFC 8200 8.1 */
		wr16(c, s);
	}
	return pk_len;
}
static enum hz_cast cast_of(const uint8_t d[16])
{
	return d[0] == 0xff ? HZ_CAST_MULTICAST : HZ_CAST_UNICAST;
}
static int p_send(void)
{
	return hz_ipv6_input(&ip, pk, pk_len, cast_of(pk + 24), 0, vnow);
}

/* A UDP datagram (RFC 768) with a correct checksum for src -> dst. */
static size_t udp_dgram(uint8_t *out, const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
                        uint16_t dport, size_t n)
{
	wr16(out, sport);
	wr16(out + 2, dport);
	wr16(out + 4, 8 + n);
	out[6] = out[7] = 0;
	for (size_t i = 0; i < n; i++)
		out[8 + i] = (uint8_t)(i * 13 + 1);
	uint16_t s = ref_l4(src, dst, HZ_IPV6_NH_UDP, out, 8 + n);
	wr16(out + 6, s ? s : 0xffff);
	return 8 + n;
}

static int rx_udp(const uint8_t src[16], const uint8_t dst[16], size_t n)
{
	uint8_t d[2000];
	size_t len = udp_dgram(d, src, dst, 5000, 9, n);
	p_begin(src, dst, 64);
	p_upper(HZ_IPV6_NH_UDP, d, len);
	p_end();
	return p_send();
}

/* ---- building ICMPv6 and ND messages --------------------------------- */

static uint8_t msg[2048];
static size_t mlen;

static void m_begin(uint8_t type, uint8_t code, uint32_t rest)
{
	msg[0] = type;
	msg[1] = code;
	msg[2] = msg[3] = 0;
	wr32(msg + 4, rest);
	mlen = 8;
}
static void m_add(const void *p, size_t n)
{
	memcpy(msg + mlen, p, n);
	mlen += n;
}
static void m_add32(uint32_t v)
{
	wr32(msg + mlen, v);
	mlen += 4;
}
/* RFC 4861 4.6.1: source/target link-layer address, one 8-byte unit. */
static void m_opt_ll(uint8_t type, const uint8_t mac[6])
{
	uint8_t o[8] = { type, 1 };
	memcpy(o + 2, mac, 6);
	m_add(o, 8);
}
/* RFC 3971 5.3.2 / RFC 7527: nonce option, 6 bytes of nonce. */
static void m_opt_nonce(const uint8_t nonce[6])
{
	uint8_t o[8] = { HZ_IPV6_ND_OPT_NONCE, 1 };
	memcpy(o + 2, nonce, 6);
	m_add(o, 8);
}
/* RFC 4861 4.6.2: prefix information, 32 bytes. */
static void m_opt_prefix(const uint8_t prefix[16], uint8_t plen, bool l, bool a, uint32_t valid,
                         uint32_t preferred)
{
	uint8_t o[32] = { HZ_IPV6_ND_OPT_PREFIX, 4, plen, (uint8_t)((l ? 0x80 : 0) | (a ? 0x40 : 0)) };
	wr32(o + 4, valid);
	wr32(o + 8, preferred);
	memcpy(o + 16, prefix, 16);
	m_add(o, 32);
}
/* RFC 4861 4.6.4: MTU, 8 bytes. */
static void m_opt_mtu(uint32_t mtu)
{
	uint8_t o[8] = { HZ_IPV6_ND_OPT_MTU, 1 };
	wr32(o + 4, mtu);
	m_add(o, 8);
}
/* RFC 8106 5.1: RDNSS with one address, length 3. */
static void m_opt_rdnss(uint32_t lifetime, const uint8_t a[16])
{
	uint8_t o[24] = { HZ_IPV6_ND_OPT_RDNSS, 3 };
	wr32(o + 4, lifetime);
	memcpy(o + 8, a, 16);
	m_add(o, 24);
}

static int rx_icmp(const uint8_t src[16], const uint8_t dst[16], uint8_t hlim)
{
	p_begin(src, dst, hlim);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	p_end();
	return p_send();
}

/* RFC 4861 4.3 */
static int rx_ns(const uint8_t src[16], const uint8_t dst[16], uint8_t hlim,
                 const uint8_t target[16], const uint8_t *slla, const uint8_t *nonce)
{
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, 0, 0);
	m_add(target, 16);
	if (slla)
		m_opt_ll(HZ_IPV6_ND_OPT_SLLA, slla);
	if (nonce)
		m_opt_nonce(nonce);
	return rx_icmp(src, dst, hlim);
}

/* RFC 4861 4.4 */
static int rx_na(const uint8_t src[16], const uint8_t dst[16], uint32_t flags,
                 const uint8_t target[16], const uint8_t *tlla)
{
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_ADVERT, 0, flags);
	m_add(target, 16);
	if (tlla)
		m_opt_ll(HZ_IPV6_ND_OPT_TLLA, tlla);
	return rx_icmp(src, dst, 255);
}
#define NA_R HZ_IPV6_NA_F_ROUTER
#define NA_S HZ_IPV6_NA_F_SOLICITED
#define NA_O HZ_IPV6_NA_F_OVERRIDE

/* RFC 4861 4.2: cur hop limit, M/O 0, router lifetime, reachable time 0,
 * retrans timer 0; options follow with m_opt_*, then rx_ra(). */
static void ra_begin(uint8_t cur_hop, uint16_t lifetime)
{
	m_begin(HZ_IPV6_ICMP_ROUTER_ADVERT, 0, (uint32_t)cur_hop << 24 | lifetime);
	m_add32(0);
	m_add32(0);
}
static int rx_ra(void)
{
	return rx_icmp(RTR, ALL_NODES, 255);
}

/* RFC 4861 4.5 */
static int rx_redirect(const uint8_t from[16], uint8_t hlim, const uint8_t target[16],
                       const uint8_t dest[16], const uint8_t *tlla)
{
	m_begin(HZ_IPV6_ICMP_REDIRECT, 0, 0);
	m_add(target, 16);
	m_add(dest, 16);
	if (tlla)
		m_opt_ll(HZ_IPV6_ND_OPT_TLLA, tlla);
	return rx_icmp(from, GA, hlim);
}

/* RFC 2711 router alert (value 0: MLD) + PadN(0) in a hop-by-hop header. */
static const uint8_t HBH_RA[8] = { 0, 0, HZ_IPV6_OPT_ROUTER_ALERT, 2, 0, 0, HZ_IPV6_OPT_PADN, 0 };

/* RFC 3810 5.1: an MLDv2 query (QRV 2, QQIC 125, no sources), sent to
 * the group (or ff02::1 for a general query). */
static int rx_mld2_query(const uint8_t src[16], uint8_t hlim, bool alert, const uint8_t group[16],
                         uint16_t mrc)
{
	m_begin(HZ_IPV6_ICMP_MLD_QUERY, 0, (uint32_t)mrc << 16);
	m_add(group, 16);
	const uint8_t tail[4] = { 2, 125, 0, 0 };
	m_add(tail, 4);
	p_begin(src, hz_ipv6_addr_is_unspecified(group) ? ALL_NODES : group, hlim);
	if (alert)
		p_ext(HZ_IPV6_NH_HOPOPTS, HBH_RA, 8);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	p_end();
	return p_send();
}
/* RFC 2710 3: an MLDv1 query, 24 bytes. */
static int rx_mld1_query(const uint8_t group[16], uint16_t mrd)
{
	m_begin(HZ_IPV6_ICMP_MLD_QUERY, 0, (uint32_t)mrd << 16);
	m_add(group, 16);
	p_begin(RTR, hz_ipv6_addr_is_unspecified(group) ? ALL_NODES : group, 1);
	p_ext(HZ_IPV6_NH_HOPOPTS, HBH_RA, 8);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	p_end();
	return p_send();
}

/* ---- reading captured output ---------------------------------------- */

struct view {
	struct hz_ipv6_hdr h;
	struct hz_ipv6_ext x;
	const uint8_t *up;
	size_t uplen;
	bool icmp;
	struct hz_ipv6_icmp m;
};

/* Parse frame i: a valid IPv6 packet whose payload length is exact;
 * ICMPv6 messages must carry a checksum our own loop accepts. */
static void view_of(size_t i, struct view *v)
{
	const struct frame *f = &cap.f[i];
	enum hz_ipv6_drop why;
	memset(v, 0, sizeof *v);
	assert_int_equal(hz_ipv6_hdr_parse(&v->h, f->b, f->len, &why), 40);
	assert_int_equal(40 + v->h.payload_len, f->len);
	assert_int_equal(hz_ipv6_ext_walk(&v->x, f->b, f->len, NULL, &why), HZ_OK);
	v->up = f->b + v->x.offset;
	v->uplen = f->len - v->x.offset;
	v->icmp = v->x.proto == HZ_IPV6_NH_ICMPV6 && !(v->x.flags & HZ_IPV6_EXT_F_FRAGMENT);
	if (v->icmp) {
		assert_int_equal(ref_l4(v->h.src.b, v->h.dst.b, HZ_IPV6_NH_ICMPV6, v->up, v->uplen), 0);
		assert_int_equal(hz_ipv6_icmp_parse(&v->m, v->up, v->uplen, &v->h.src, &v->h.dst, &why),
		                 HZ_OK);
	}
}

/* The first ICMPv6 frame of `type` at or after index from, or -1. */
static int find_icmp(uint8_t type, size_t from)
{
	for (size_t i = from; i < cap.n; i++) {
		struct view v;
		view_of(i, &v);
		if (v.icmp && v.m.type == type)
			return (int)i;
	}
	return -1;
}

static size_t count_icmp(uint8_t type)
{
	size_t n = 0;
	for (int i = find_icmp(type, 0); i >= 0; i = find_icmp(type, (size_t)i + 1))
		n++;
	return n;
}

static size_t count_udp(void)
{
	size_t n = 0;
	for (size_t i = 0; i < cap.n; i++) {
		struct view v;
		view_of(i, &v);
		if (v.x.proto == HZ_IPV6_NH_UDP)
			n++;
	}
	return n;
}

static void nd_of(const struct view *v, struct hz_ipv6_nd *nd)
{
	enum hz_ipv6_drop why;
	memset(nd, 0, sizeof *nd);
	assert_int_equal(hz_ipv6_nd_parse(nd, &v->m, &why), HZ_OK);
}

/* The first NS at or after from whose target is t, or -1. */
static int find_ns(const uint8_t t[16], size_t from)
{
	for (int i = find_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, from); i >= 0;
	     i = find_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, (size_t)i + 1)) {
		struct view v;
		struct hz_ipv6_nd nd;
		view_of((size_t)i, &v);
		nd_of(&v, &nd);
		if (memcmp(nd.target, t, 16) == 0)
			return i;
	}
	return -1;
}

/* Run until an NS for target t is captured (or limit); its index or -1. */
static int run_until_ns(const uint8_t t[16], hz_time_t limit)
{
	unsigned guard = 0;
	for (;;) {
		hz_time_t d = hz_ipv6_poll(&ip, vnow);
		int i = find_ns(t, 0);
		if (i >= 0 || vnow >= limit)
			return i;
		assert_true(++guard < 1000000);
		if (d <= vnow)
			d = vnow + 1;
		vnow = d < limit ? d : limit;
	}
}

static void assert_our_unicast(const uint8_t a[16])
{
	const struct hz_ipv6_addr *e = hz_ipv6_addr_find(&ip, a);
	assert_non_null(e);
	assert_false(hz_ipv6_addr_is_multicast(a));
}

/* Check frame i is an ICMPv6 error of type/code from src to dst (link
 * unicast to ll) and return its view. */
static void error_frame(size_t i, struct view *v, uint8_t type, uint8_t code,
                        const uint8_t src[16], const uint8_t dst[16], const uint8_t ll[6])
{
	view_of(i, v);
	assert_true(v->icmp);
	assert_int_equal(v->m.type, type);
	assert_int_equal(v->m.code, code);
	assert_memory_equal(v->h.src.b, src, 16);
	assert_memory_equal(v->h.dst.b, dst, 16);
	assert_false(cap.f[i].mcast);
	assert_memory_equal(cap.f[i].ll, ll, 6);
	/* RFC 4443 2.4 (c): the error fits the minimum MTU. */
	assert_true(cap.f[i].len <= HZ_IPV6_MIN_MTU);
}

/* ---- sending through the engine ------------------------------------- */

static uint8_t ostore[70000];
static uint8_t odata[20000];
static struct hz_pbuf opb;

/* Send n bytes (a fake UDP header, then a pattern) to dst as protocol 17.
 * The header's contract: pb is the caller's again, unchanged. */
static int send_udp(const uint8_t dst[16], size_t n, uint8_t flags)
{
	assert_true(n >= 8 && n <= sizeof odata);
	for (size_t i = 0; i < n; i++)
		odata[i] = (uint8_t)(i * 7 + 3);
	wr16(odata, 4000);
	wr16(odata + 2, 53);
	wr16(odata + 4, n);
	odata[6] = odata[7] = 0;
	hz_pbuf_init(&opb, ostore, sizeof ostore, HZ_PBUF_HEADROOM);
	assert_int_equal(hz_pbuf_append(&opb, odata, n), HZ_OK);
	struct hz_ip_tx tx;
	memset(&tx, 0, sizeof tx);
	tx.dst = v6(dst);
	tx.proto = HZ_IPV6_NH_UDP;
	tx.flags = flags;
	size_t head = opb.head;
	int rc = hz_ipv6_output(&ip, &opb, &tx);
	assert_int_equal(opb.head, head);
	assert_int_equal(opb.len, n);
	assert_memory_equal(hz_pbuf_data(&opb), odata, n);
	return rc;
}

/* Frame i carries our UDP bytes unfragmented to dst. */
static void assert_udp_frame(size_t i, const uint8_t dst[16], size_t n)
{
	struct view v;
	view_of(i, &v);
	assert_int_equal(v.x.proto, HZ_IPV6_NH_UDP);
	assert_false(v.x.flags & HZ_IPV6_EXT_F_FRAGMENT);
	assert_memory_equal(v.h.dst.b, dst, 16);
	assert_int_equal(v.uplen, n);
	assert_memory_equal(v.up, odata, n);
}

/* ---- fixtures ------------------------------------------------------- */

/* hz_ipv6_up and wait for the link-local address to pass DAD. */
static void up_ready(void)
{
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, LL, vnow + HZ_SEC(5)));
}

/* Let reports and their retransmissions finish, then forget them. */
static void settle(void)
{
	run_until(vnow + HZ_SEC(4));
	clear();
}

static void start_ll(const struct hz_ipv6_config *c)
{
	start(c);
	up_ready();
	settle();
}

/* + the static address GA/64 (which also puts 2001:db8:1::/64 on-link). */
static void start_std(const struct hz_ipv6_config *c)
{
	start(c);
	up_ready();
	struct hz_ipaddr a = v6(GA);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 64, vnow), HZ_OK);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, GA, vnow + HZ_SEC(5)));
	settle();
}

static int setup_fresh(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	start(&c);
	return 0;
}

static int setup_ll(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	start_ll(&c);
	return 0;
}

static int setup_std(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	start_std(&c);
	return 0;
}

/* The peer tells us its MAC with an NS for one of our addresses (RFC 4861
 * 7.2.3): the entry exists afterwards with that address. */
static void learn(const uint8_t peer[16], const uint8_t mac[6], const uint8_t ours[16])
{
	uint8_t sn[16];
	solicited(sn, ours);
	assert_int_equal(rx_ns(peer, sn, 255, ours, mac, NULL), HZ_OK);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, peer);
	assert_non_null(n);
	assert_memory_equal(n->lladdr, mac, 6);
	clear();
}

/* Resolve peer through the engine: an output starts resolution and a
 * solicited NA completes it (RFC 4861 7.2.5): REACHABLE. */
static void make_reachable(const uint8_t peer[16], const uint8_t mac[6])
{
	assert_int_equal(send_udp(peer, 64, 0), HZ_OK);
	assert_int_equal(rx_na(peer, GA, NA_S | NA_O, peer, mac), HZ_OK);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, peer);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	clear();
}

/* REACHABLE, then ReachableTime (at most 1.5 x 30 s, RFC 4861 6.3.2). */
static void make_stale(const uint8_t peer[16], const uint8_t mac[6])
{
	make_reachable(peer, mac);
	run_until(vnow + HZ_SEC(46));
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, peer);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	clear();
}

/* A router on the link: an RA from RTR with its SLLA, lifetime 1800 s. */
static void with_router(void)
{
	ra_begin(64, 1800);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, RTR_MAC);
	assert_int_equal(rx_ra(), HZ_OK);
	clear();
}

static void assert_nexthop(const uint8_t dst[16], const uint8_t want[16])
{
	uint8_t nh[16];
	assert_int_equal(hz_ipv6_nexthop(&ip, dst, nh), HZ_OK);
	assert_memory_equal(nh, want, 16);
}

static void assert_source(const uint8_t dst[16], const uint8_t want[16])
{
	uint8_t s[16];
	assert_int_equal(hz_ipv6_source(&ip, dst, s), HZ_OK);
	assert_memory_equal(s, want, 16);
}

/* In the default router list and not expired (RFC 4861 6.3.5). */
static bool router_listed(const uint8_t a[16])
{
	for (size_t i = 0; i < HZ_IPV6_ROUTERS; i++) {
		const struct hz_ipv6_router *r = &ip.routers[i];
		if (memcmp(r->addr, a, 16) == 0 && (r->is_static || r->expires > vnow))
			return true;
	}
	return false;
}

/* In the prefix list and not expired (RFC 4861 6.3.5). */
static bool prefix_listed(const uint8_t p[16], uint8_t plen)
{
	for (size_t i = 0; i < HZ_IPV6_PREFIXES; i++) {
		const struct hz_ipv6_prefix *e = &ip.prefixes[i];
		if (e->plen == plen && memcmp(e->prefix, p, 8) == 0 &&
		    (e->is_static || e->expires > vnow))
			return true;
	}
	return false;
}

/* =====================================================================
 * RFC 4861 7.3.3 / Appendix C: the neighbour cache state machine
 * ===================================================================== */

/* 7.2.2: a packet to a neighbour with no entry creates an INCOMPLETE
 * entry, is queued, and a multicast NS with our SLLA goes to the target's
 * solicited-node address; 7.2.5: a solicited NA makes it REACHABLE and the
 * queued packet leaves for the learned MAC. */
static void test_nd_resolve(void **state)
{
	(void)state;
	assert_int_equal(send_udp(PEER, 100, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_INCOMPLETE);

	struct view v;
	struct hz_ipv6_nd nd;
	uint8_t sn[16];
	solicited(sn, PEER);
	view_of(0, &v);
	assert_true(v.icmp);
	assert_int_equal(v.m.type, HZ_IPV6_ICMP_NEIGHBOR_SOLICIT);
	assert_int_equal(v.m.code, 0);
	assert_int_equal(v.h.hop_limit, 255);
	assert_memory_equal(v.h.dst.b, sn, 16);
	assert_true(cap.f[0].mcast);
	assert_our_unicast(v.h.src.b);
	nd_of(&v, &nd);
	assert_memory_equal(nd.target, PEER, 16);
	assert_true(nd.has_slla);
	assert_memory_equal(nd.slla, MAC, 6);

	assert_int_equal(rx_na(PEER, GA, NA_S | NA_O, PEER, PEER_MAC), HZ_OK);
	n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
	assert_false(n->router);
	assert_int_equal(cap.n, 2);
	assert_false(cap.f[1].mcast);
	assert_memory_equal(cap.f[1].ll, PEER_MAC, 6);
	assert_udp_frame(1, PEER, 100);
	view_of(1, &v);
	assert_memory_equal(v.h.src.b, GA, 16);
	int e = find_event(HZ_IPV6_EV_RESOLVED, PEER);
	assert_true(e >= 0);
	assert_memory_equal(evs[e].lladdr, PEER_MAC, 6);
}

/* 7.3.3: INCOMPLETE retransmits every RetransTimer up to
 * MAX_MULTICAST_SOLICIT (3); with no answer RetransTimer after the last,
 * resolution fails: the entry goes, queued packets are dropped. */
static void test_nd_resolve_fails(void **state)
{
	(void)state;
	hz_time_t t = vnow;
	assert_int_equal(send_udp(PEER, 100, 0), HZ_OK);
	run_until(t + 3 * RETRANS - HZ_MSEC(50));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 3);
	hz_time_t at[3];
	size_t k = 0;
	for (int i = find_ns(PEER, 0); i >= 0; i = find_ns(PEER, (size_t)i + 1)) {
		assert_true(cap.f[i].mcast);
		at[k++] = cap.f[i].at;
	}
	assert_int_equal(k, 3);
	assert_true(at[0] == t);
	for (k = 1; k < 3; k++) {
		assert_true(at[k] - at[k - 1] >= RETRANS);
		assert_true(at[k] - at[k - 1] <= RETRANS + HZ_MSEC(10));
	}
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_INCOMPLETE);
	assert_int_equal(find_event(HZ_IPV6_EV_RESOLVE_FAILED, PEER), -1);

	run_until(at[2] + RETRANS + HZ_MSEC(10));
	n = hz_ipv6_neigh_find(&ip, PEER);
	assert_true(n == NULL || n->state == HZ_IPV6_ND_FREE);
	assert_true(find_event(HZ_IPV6_EV_RESOLVE_FAILED, PEER) >= 0);
	assert_int_equal(ip.tx_resolve_failed, 1);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 3);
	assert_int_equal(count_udp(), 0);
	/* The dropped packet is not sent later either, even if the peer
	 * finally answers: a fresh NA for a missing entry creates nothing. */
	rx_na(PEER, GA, NA_S | NA_O, PEER, PEER_MAC);
	assert_int_equal(count_udp(), 0);
}

/* 7.2.5: INCOMPLETE + NA with S=0 and a TLLA -> STALE, queued packets
 * sent; an NA without TLLA in INCOMPLETE is discarded. */
static void test_nd_incomplete_unsolicited_na(void **state)
{
	(void)state;
	assert_int_equal(send_udp(PEER, 80, 0), HZ_OK);
	rx_na(PEER, ALL_NODES, NA_O, PEER, NULL); /* no TLLA: discarded */
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_INCOMPLETE);
	assert_int_equal(count_udp(), 0);

	assert_int_equal(rx_na(PEER, ALL_NODES, NA_O, PEER, PEER_MAC), HZ_OK);
	n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	/* STALE; sending the queued packet may already have made it DELAY. */
	assert_true(n->state == HZ_IPV6_ND_STALE || n->state == HZ_IPV6_ND_DELAY);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
	int i = (int)cap.n - 1;
	assert_true(i >= 1);
	assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
	assert_udp_frame((size_t)i, PEER, 80);
}

/* Appendix C: REACHABLE -> STALE after ReachableTime (0.5..1.5 x 30 s,
 * 6.3.2); STALE -> DELAY on send; DELAY -> PROBE after
 * DELAY_FIRST_PROBE_TIME with a unicast NS; PROBE -> REACHABLE on a
 * solicited NA. */
static void test_nd_reachable_stale_delay_probe(void **state)
{
	(void)state;
	make_reachable(PEER, PEER_MAC);
	hz_time_t t = vnow;
	run_until(t + HZ_SEC(14));
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	run_until(t + HZ_SEC(46));
	n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	assert_int_equal(cap.n, 0); /* STALE sends nothing by itself */

	/* STALE: the packet goes at once to the cached MAC; DELAY. */
	hz_time_t t2 = vnow;
	assert_int_equal(send_udp(PEER, 64, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_memory_equal(cap.f[0].ll, PEER_MAC, 6);
	assert_udp_frame(0, PEER, 64);
	assert_int_equal(n->state, HZ_IPV6_ND_DELAY);

	run_until(t2 + FIRST_PROBE - HZ_MSEC(10));
	assert_int_equal(n->state, HZ_IPV6_ND_DELAY);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 0);
	run_until(t2 + FIRST_PROBE + HZ_MSEC(10));
	assert_int_equal(n->state, HZ_IPV6_ND_PROBE);
	int i = find_ns(PEER, 0);
	assert_true(i >= 0);
	/* 7.2.2 / 7.3.3: the probe is unicast to the cached address. */
	assert_false(cap.f[i].mcast);
	assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
	struct view v;
	view_of((size_t)i, &v);
	assert_memory_equal(v.h.dst.b, PEER, 16);
	assert_int_equal(v.h.hop_limit, 255);

	assert_int_equal(rx_na(PEER, GA, NA_S, PEER, NULL), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
	clear();
	run_until(vnow + HZ_SEC(3));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 0);
}

/* Appendix C: PROBE, MAX_UNICAST_SOLICIT (3) probes unanswered -> the
 * entry is discarded. */
static void test_nd_probe_fails(void **state)
{
	(void)state;
	make_stale(PEER, PEER_MAC);
	hz_time_t t = vnow;
	assert_int_equal(send_udp(PEER, 64, 0), HZ_OK);
	run_until(t + FIRST_PROBE + 2 * RETRANS + HZ_MSEC(500));
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_PROBE);
	size_t k = 0;
	hz_time_t prev = 0;
	for (int i = find_ns(PEER, 0); i >= 0; i = find_ns(PEER, (size_t)i + 1), k++) {
		assert_false(cap.f[i].mcast);
		assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
		if (k)
			assert_true(cap.f[i].at - prev >= RETRANS);
		prev = cap.f[i].at;
	}
	assert_int_equal(k, 3);
	run_until(t + FIRST_PROBE + 3 * RETRANS + HZ_MSEC(500));
	n = hz_ipv6_neigh_find(&ip, PEER);
	assert_true(n == NULL || n->state == HZ_IPV6_ND_FREE);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 3);
}

/* 7.2.3: an NS from a unicast source with an SLLA creates (or updates) a
 * STALE entry; 7.2.4: it is answered by a solicited NA (S=1, O=1, TLLA)
 * to its source. */
static void test_nd_ns_answered(void **state)
{
	(void)state;
	uint8_t sn[16];
	solicited(sn, GA);
	assert_int_equal(rx_ns(PEER, sn, 255, GA, PEER_MAC, NULL), HZ_OK);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	/* STALE; our NA is a packet sent to it, which may make it DELAY */
	assert_true(n->state == HZ_IPV6_ND_STALE || n->state == HZ_IPV6_ND_DELAY);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
	assert_false(n->router);

	assert_int_equal(cap.n, 1);
	struct view v;
	struct hz_ipv6_nd nd;
	view_of(0, &v);
	assert_true(v.icmp);
	assert_int_equal(v.m.type, HZ_IPV6_ICMP_NEIGHBOR_ADVERT);
	assert_int_equal(v.m.code, 0);
	assert_int_equal(v.h.hop_limit, 255);
	assert_memory_equal(v.h.dst.b, PEER, 16);
	assert_our_unicast(v.h.src.b);
	assert_false(cap.f[0].mcast);
	assert_memory_equal(cap.f[0].ll, PEER_MAC, 6);
	nd_of(&v, &nd);
	assert_memory_equal(nd.target, GA, 16);
	assert_true(nd.solicited);
	assert_true(nd.override);
	assert_false(nd.router);
	assert_true(nd.has_tlla);
	assert_memory_equal(nd.tlla, MAC, 6);
	assert_int_equal(ip.na_tx, 1);

	/* A different SLLA replaces the cached one and sets STALE. */
	make_reachable(PEER2, MAC_B);
	assert_int_equal(rx_ns(PEER2, sn, 255, GA, OTHER_MAC, NULL), HZ_OK);
	n = hz_ipv6_neigh_find(&ip, PEER2);
	assert_non_null(n);
	assert_memory_equal(n->lladdr, OTHER_MAC, 6);
	assert_true(n->state == HZ_IPV6_ND_STALE || n->state == HZ_IPV6_ND_DELAY);
	assert_int_equal(cap.n, 1);
	assert_memory_equal(cap.f[0].ll, OTHER_MAC, 6);

	/* An NS for an address that is not ours is not answered (7.2.3). */
	clear();
	uint8_t sn2[16];
	solicited(sn2, ONLINK);
	rx_ns(PEER, sn2, 255, ONLINK, PEER_MAC, NULL);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_ADVERT), 0);
}

/* 7.2.5: the override rules, and that an NA never creates an entry. */
static void test_nd_na_override(void **state)
{
	(void)state;
	make_reachable(PEER, PEER_MAC);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);

	/* O=0, different lladdr, REACHABLE: STALE, nothing else updated. */
	assert_int_equal(rx_na(PEER, GA, NA_S, PEER, MAC_B), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
	/* O=0, different lladdr, not REACHABLE: ignored. */
	rx_na(PEER, GA, NA_S, PEER, MAC_B);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
	/* O=0, same lladdr, S=1: REACHABLE. */
	assert_int_equal(rx_na(PEER, GA, NA_S, PEER, PEER_MAC), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	/* O=1, S=0, new lladdr: recorded, STALE. */
	assert_int_equal(rx_na(PEER, ALL_NODES, NA_O, PEER, MAC_B), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	assert_memory_equal(n->lladdr, MAC_B, 6);
	/* O=1, S=1: recorded, REACHABLE. */
	assert_int_equal(rx_na(PEER, GA, NA_S | NA_O, PEER, OTHER_MAC), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	assert_memory_equal(n->lladdr, OTHER_MAC, 6);

	/* No entry: the NA is discarded, nothing is created. */
	rx_na(PEER2, ALL_NODES, NA_O, PEER2, MAC_B);
	const struct hz_ipv6_neigh *m = hz_ipv6_neigh_find(&ip, PEER2);
	assert_true(m == NULL || m->state == HZ_IPV6_ND_FREE);
}

/* 7.3.1: an upper-layer reachability confirmation makes the entry
 * REACHABLE: a send then stays REACHABLE and no probe follows. */
static void test_nd_confirm(void **state)
{
	(void)state;
	make_stale(PEER, PEER_MAC);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	hz_ipv6_neigh_confirm(&ip, PEER);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	assert_int_equal(send_udp(PEER, 64, 0), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	assert_memory_equal(cap.f[0].ll, PEER_MAC, 6);
	run_until(vnow + FIRST_PROBE + HZ_SEC(1));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 0);

	/* In DELAY: confirmed before the probe is due, no probe. */
	make_stale(PEER2, MAC_B);
	n = hz_ipv6_neigh_find(&ip, PEER2);
	assert_int_equal(send_udp(PEER2, 64, 0), HZ_OK);
	assert_int_equal(n->state, HZ_IPV6_ND_DELAY);
	run_until(vnow + HZ_SEC(2));
	hz_ipv6_neigh_confirm(&ip, PEER2);
	assert_int_equal(n->state, HZ_IPV6_ND_REACHABLE);
	run_until(vnow + FIRST_PROBE);
	assert_int_equal(find_ns(PEER2, 0), -1);

	/* Confirming an unknown address creates nothing. */
	hz_ipv6_neigh_confirm(&ip, ONLINK);
	const struct hz_ipv6_neigh *m = hz_ipv6_neigh_find(&ip, ONLINK);
	assert_true(m == NULL || m->state == HZ_IPV6_ND_FREE);
}

/* 6.3.4: an RA with an SLLA records the router (IsRouter); 7.2.5: an NA
 * that clears IsRouter removes it from the default router list. */
static void test_nd_isrouter_cleared(void **state)
{
	(void)state;
	with_router();
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, RTR);
	assert_non_null(n);
	assert_true(n->router);
	assert_memory_equal(n->lladdr, RTR_MAC, 6);
	assert_true(router_listed(RTR));
	assert_nexthop(FAR, RTR);

	assert_int_equal(rx_na(RTR, ALL_NODES, NA_O, RTR, RTR_MAC), HZ_OK);
	assert_false(n->router);
	assert_false(router_listed(RTR));
	uint8_t nh[16];
	assert_int_equal(hz_ipv6_nexthop(&ip, FAR, nh), HZ_ERR_NO_ROUTE);
}

/* 6.1 / 7.1: invalid ND messages are dropped silently, each moving
 * exactly one counter, and change nothing. */
static void test_nd_validation(void **state)
{
	(void)state;
	uint8_t sn[16];
	solicited(sn, GA);
	static const uint8_t zero_opt[8] = { HZ_IPV6_ND_OPT_SLLA, 0, 1, 2, 3, 4, 5, 6 };

	/* hop limit != 255 (7.1.1) */
	snap();
	assert_true(rx_ns(PEER, sn, 254, GA, PEER_MAC, NULL) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	/* code != 0 */
	snap();
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, 1, 0);
	m_add(GA, 16);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, PEER_MAC);
	assert_true(rx_icmp(PEER, sn, 255) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	/* an option of length 0 (4.6) */
	snap();
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, 0, 0);
	m_add(GA, 16);
	m_add(zero_opt, 8);
	assert_true(rx_icmp(PEER, sn, 255) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_BAD_OPTION);
	/* from :: to a destination that is not a solicited-node group */
	snap();
	assert_true(rx_ns(UNSPEC, GA, 255, GA, NULL, NULL) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	/* from :: with an SLLA */
	snap();
	assert_true(rx_ns(UNSPEC, sn, 255, GA, PEER_MAC, NULL) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	/* multicast target */
	snap();
	assert_true(rx_ns(PEER, sn, 255, ALL_NODES, PEER_MAC, NULL) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	assert_int_equal(cap.n, 0);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_true(n == NULL || n->state == HZ_IPV6_ND_FREE);

	/* NA, 7.1.2: S=1 to a multicast destination; hop limit != 255 */
	assert_int_equal(send_udp(PEER, 64, 0), HZ_OK); /* an INCOMPLETE entry */
	clear();
	snap();
	assert_true(rx_na(PEER, ALL_NODES, NA_S | NA_O, PEER, PEER_MAC) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	snap();
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_ADVERT, 0, NA_S | NA_O);
	m_add(PEER, 16);
	m_opt_ll(HZ_IPV6_ND_OPT_TLLA, PEER_MAC);
	assert_true(rx_icmp(PEER, GA, 64) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_INCOMPLETE);
	assert_int_equal(count_udp(), 0);

	/* RA, 6.1.2: not from a link-local source; hop limit != 255 */
	snap();
	ra_begin(64, 1800);
	assert_true(rx_icmp(PEER, ALL_NODES, 255) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	snap();
	ra_begin(64, 1800);
	assert_true(rx_icmp(RTR, ALL_NODES, 64) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	assert_false(router_listed(RTR));
	assert_int_equal(cap.n, 0);
}

/* =====================================================================
 * RFC 4862 5.3, 5.4, RFC 7217, RFC 7527: link-local address and DAD;
 * RFC 4861 6.3.7: router solicitation
 * ===================================================================== */

static void test_dad_link_local(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.rtr_solicits = 3;
	start(&c);
	uint8_t s[16];
	assert_int_equal(hz_ipv6_source(&ip, PEER_LL, s), HZ_ERR_NO_ROUTE);

	hz_time_t t0 = vnow;
	assert_int_equal(hz_ipv6_up(&ip, t0), HZ_OK);
	/* 5.3: fe80::/64 + the RFC 7217 IID (counter 0), tentative. */
	const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&ip, LL);
	assert_non_null(a);
	assert_int_equal(a->plen, 64);
	assert_int_equal(a->origin, HZ_IPV6_ORIGIN_LINK_LOCAL);
	assert_int_equal(a->state, HZ_IPV6_ADDR_TENTATIVE);
	/* 5.4: a tentative address is neither a source nor a destination. */
	assert_int_equal(hz_ipv6_source(&ip, PEER_LL, s), HZ_ERR_NO_ROUTE);
	snap();
	m_begin(HZ_IPV6_ICMP_ECHO, 0, 0x00010001);
	assert_true(rx_icmp(PEER_LL, LL, 64) < 0);
	assert_one_drop(HZ_IPV6_DROP_TENTATIVE);

	/* 5.4.2: the DAD NS, from :: without SLLA, after a delay of at most
	 * MAX_RTR_SOLICITATION_DELAY; the groups joined before it. */
	uint8_t sn[16];
	solicited(sn, LL);
	int i = run_until_ns(LL, t0 + HZ_SEC(1));
	assert_true(i >= 0);
	hz_time_t tns = cap.f[i].at;
	assert_true(tns >= t0 && tns <= t0 + HZ_SEC(1));
	struct view v;
	struct hz_ipv6_nd nd;
	view_of((size_t)i, &v);
	assert_memory_equal(v.h.src.b, UNSPEC, 16);
	assert_memory_equal(v.h.dst.b, sn, 16);
	assert_int_equal(v.h.hop_limit, 255);
	assert_true(cap.f[i].mcast);
	nd_of(&v, &nd);
	assert_memory_equal(nd.target, LL, 16);
	assert_false(nd.has_slla);
	int j = mc_find(sn, true);
	assert_true(j >= 0);
	assert_true(mc[j].frame <= (size_t)i);
	j = mc_find(ALL_NODES, true);
	assert_true(j >= 0);
	assert_true(mc[j].frame <= (size_t)i);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT), 0);

	/* Tentative until RetransTimer after the (only) NS, then READY. */
	run_until(tns + RETRANS - HZ_MSEC(5));
	assert_int_equal(a->state, HZ_IPV6_ADDR_TENTATIVE);
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_READY, LL), -1);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, LL, tns + RETRANS + HZ_MSEC(5)));
	hz_time_t tready = vnow;
	assert_int_equal(a->state, HZ_IPV6_ADDR_PREFERRED);
	assert_int_equal(evs[find_event(HZ_IPV6_EV_ADDR_READY, LL)].plen, 64);
	assert_source(PEER_LL, LL);
	assert_int_equal(find_ns(LL, (size_t)i + 1), -1); /* DupAddrDetectTransmits 1 */

	/* RFC 3810 6.1: the join was reported; never ff02::1 (RFC 3810 6). */
	run_until(t0 + HZ_SEC(3));
	bool reported = false;
	for (int k = find_icmp(HZ_IPV6_ICMP_MLD2_REPORT, 0); k >= 0;
	     k = find_icmp(HZ_IPV6_ICMP_MLD2_REPORT, (size_t)k + 1)) {
		struct hz_ipv6_mld_record r[16];
		size_t nr = 0;
		enum hz_ipv6_drop why;
		view_of((size_t)k, &v);
		assert_int_equal(hz_ipv6_mld2_report_parse(&v.m, r, 16, &nr, &why), HZ_OK);
		for (size_t q = 0; q < nr && q < 16; q++) {
			assert_memory_not_equal(r[q].group, ALL_NODES, 16);
			if (memcmp(r[q].group, sn, 16) == 0 && r[q].type == HZ_IPV6_MLD_TO_EXCLUDE)
				reported = true;
		}
		/* 5.2.13: link-local source, or :: while it is tentative */
		assert_true(memcmp(v.h.src.b, LL, 16) == 0 || memcmp(v.h.src.b, UNSPEC, 16) == 0);
	}
	assert_true(reported);

	/* RFC 4861 6.3.7: once the link-local address is ready, up to
	 * MAX_RTR_SOLICITATIONS RSs, at least RTR_SOLICITATION_INTERVAL
	 * apart, the first within MAX_RTR_SOLICITATION_DELAY; then none. */
	run_until(t0 + HZ_SEC(40));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT), 3);
	hz_time_t prev = 0;
	size_t k = 0;
	for (int r = find_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT, 0); r >= 0;
	     r = find_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT, (size_t)r + 1), k++) {
		view_of((size_t)r, &v);
		assert_memory_equal(v.h.src.b, LL, 16);
		assert_memory_equal(v.h.dst.b, ALL_ROUTERS, 16);
		assert_int_equal(v.h.hop_limit, 255);
		assert_int_equal(v.m.code, 0);
		assert_true(cap.f[r].mcast);
		nd_of(&v, &nd);
		assert_true(nd.has_slla);
		assert_memory_equal(nd.slla, MAC, 6);
		if (k == 0)
			assert_true(cap.f[r].at >= tready && cap.f[r].at <= tready + HZ_SEC(1));
		else
			assert_true(cap.f[r].at - prev >= RS_INTERVAL);
		prev = cap.f[r].at;
	}
	assert_int_equal(ip.rs_tx, 3);
}

/* RFC 4861 6.3.7: RSs stop once an RA with a non-zero lifetime came. */
static void test_rs_stop_on_ra(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.rtr_solicits = 3;
	start(&c);
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	unsigned guard = 0;
	while (find_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT, 0) < 0) {
		assert_true(++guard < 100);
		run_until(vnow + HZ_MSEC(100));
	}
	ra_begin(64, 1800);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, RTR_MAC);
	assert_int_equal(rx_ra(), HZ_OK);
	run_until(vnow + HZ_SEC(30));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT), 1);
}

/* RFC 4862 5.4.3: an NS from :: for our tentative address is another
 * host's DAD: ours is a duplicate, and the NS is not answered. */
static void test_dad_conflict_ns(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	assert_true(run_until_ns(LL, vnow + HZ_SEC(1)) >= 0);
	clear();
	uint8_t sn[16];
	solicited(sn, LL);
	rx_ns(UNSPEC, sn, 255, LL, NULL, OTHER_NONCE);
	int e = find_event(HZ_IPV6_EV_ADDR_CONFLICT, LL);
	assert_true(e >= 0);
	assert_int_equal(ip.dad_conflicts, 1);
	const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&ip, LL);
	assert_true(a == NULL || a->state == HZ_IPV6_ADDR_DUPLICATE);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_ADVERT), 0);
	run_until(vnow + HZ_SEC(5));
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_READY, LL), -1);
	uint8_t s[16];
	if (hz_ipv6_source(&ip, PEER_LL, s) == HZ_OK)
		assert_memory_not_equal(s, LL, 16);
}

/* RFC 4862 5.4.4: an NA for our tentative address: duplicate; the event
 * carries the other host's link-layer address. */
static void test_dad_conflict_na(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	assert_true(run_until_ns(LL, vnow + HZ_SEC(1)) >= 0);
	rx_na(OTHER_LL, ALL_NODES, NA_O, LL, OTHER_MAC);
	int e = find_event(HZ_IPV6_EV_ADDR_CONFLICT, LL);
	assert_true(e >= 0);
	assert_memory_equal(evs[e].lladdr, OTHER_MAC, 6);
	const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&ip, LL);
	assert_true(a == NULL || a->state == HZ_IPV6_ADDR_DUPLICATE);
	run_until(vnow + HZ_SEC(5));
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_READY, LL), -1);
}

/* RFC 7527 4: our own DAD NS looped back (same nonce) is not a conflict;
 * RFC 4862 5.4.3: an NS from a unicast source for a tentative address is
 * ignored (not answered, not a conflict). */
static void test_dad_own_ns_looped(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	int i = run_until_ns(LL, vnow + HZ_SEC(1));
	assert_true(i >= 0);
	hz_time_t tns = cap.f[i].at;
	struct view v;
	struct hz_ipv6_nd nd;
	view_of((size_t)i, &v);
	nd_of(&v, &nd);
	assert_true(nd.has_nonce);
	static uint8_t loop[2048];
	size_t n = cap.f[i].len;
	memcpy(loop, cap.f[i].b, n);
	hz_ipv6_input(&ip, loop, n, HZ_CAST_MULTICAST, 0, vnow);
	uint8_t sn[16];
	solicited(sn, LL);
	rx_ns(PEER_LL, sn, 255, LL, PEER_MAC, NULL);
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_CONFLICT, NULL), -1);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_ADVERT), 0);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, LL, tns + RETRANS + HZ_MSEC(5)));
	assert_int_equal(hz_ipv6_addr_find(&ip, LL)->state, HZ_IPV6_ADDR_PREFERRED);
}

/* RFC 4861 7.2.4 / RFC 4862 5.4.3: another host's DAD for our (valid)
 * address is answered with an NA to all-nodes, S=0, with our TLLA. */
static void test_dad_defend(void **state)
{
	(void)state;
	uint8_t sn[16];
	solicited(sn, GA);
	assert_int_equal(rx_ns(UNSPEC, sn, 255, GA, NULL, OTHER_NONCE), HZ_OK);
	int i = find_icmp(HZ_IPV6_ICMP_NEIGHBOR_ADVERT, 0);
	assert_true(i >= 0);
	struct view v;
	struct hz_ipv6_nd nd;
	view_of((size_t)i, &v);
	assert_memory_equal(v.h.dst.b, ALL_NODES, 16);
	assert_true(cap.f[i].mcast);
	assert_int_equal(v.h.hop_limit, 255);
	assert_our_unicast(v.h.src.b);
	nd_of(&v, &nd);
	assert_memory_equal(nd.target, GA, 16);
	assert_false(nd.solicited);
	assert_true(nd.override);
	assert_true(nd.has_tlla);
	assert_memory_equal(nd.tlla, MAC, 6);
	assert_int_equal(hz_ipv6_addr_find(&ip, GA)->state, HZ_IPV6_ADDR_PREFERRED);
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_CONFLICT, NULL), -1);
}

/* =====================================================================
 * RFC 4862 5.5: SLAAC from router advertisements; RFC 4861 6.3.4
 * ===================================================================== */

static void test_slaac_ra(void **state)
{
	(void)state;
	ra_begin(64, 1800);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, RTR_MAC);
	m_opt_prefix(P2, 64, true, true, 7200, 3600);
	m_opt_mtu(1400);
	m_opt_rdnss(600, DNS1);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(ip.ra_rx, 1);

	/* 5.5.3 (d): prefix + stable IID; DAD first (5.4). */
	uint8_t a2[16];
	stable_addr(a2, P2, 0);
	const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&ip, a2);
	assert_non_null(a);
	assert_int_equal(a->origin, HZ_IPV6_ORIGIN_SLAAC);
	assert_int_equal(a->plen, 64);
	assert_int_equal(a->state, HZ_IPV6_ADDR_TENTATIVE);
	/* 6.3.4: L=1 puts the prefix on-link. */
	assert_true(prefix_listed(P2, 64));
	assert_nexthop(IN_P2, IN_P2);
	/* 6.3.4: a default router for its lifetime. */
	assert_true(router_listed(RTR));
	int e = find_event(HZ_IPV6_EV_ROUTER, RTR);
	assert_true(e >= 0);
	assert_int_equal(evs[e].value, 1800);
	assert_nexthop(FAR, RTR);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, RTR);
	assert_non_null(n);
	assert_true(n->router);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	assert_memory_equal(n->lladdr, RTR_MAC, 6);
	/* 6.3.4: the MTU option sets LinkMTU. */
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1400);
	e = find_event(HZ_IPV6_EV_MTU, NULL);
	assert_true(e >= 0);
	assert_int_equal(evs[e].value, 1400);
	struct hz_ipaddr far = v6(FAR);
	const struct hz_ip *seam = hz_ipv6_ip(&ip);
	assert_int_equal(seam->mtu(seam->ctx, &far), 1400 - 40);
	/* RFC 8106 5.3.1 */
	struct hz_ipaddr dns[3];
	assert_int_equal(hz_ipv6_rdnss_get(&ip, dns, 3), 1);
	assert_memory_equal(dns[0].b, DNS1, 16);
	assert_true(find_event(HZ_IPV6_EV_RDNSS, NULL) >= 0);

	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, a2, vnow + HZ_SEC(3)));
	assert_int_equal(a->state, HZ_IPV6_ADDR_PREFERRED);
	assert_source(FAR, a2);
}

/* 5.5.3 (b), (c), (d) and A=0: prefixes that must not give addresses. */
static void test_slaac_ignored_prefixes(void **state)
{
	(void)state;
	ra_begin(64, 0);
	m_opt_prefix(LLPFX, 64, true, true, 7200, 3600); /* (b) link-local */
	m_opt_prefix(P3, 64, true, true, 3600, 7200);    /* (c) preferred > valid */
	m_opt_prefix(P4, 48, true, true, 7200, 3600);    /* (d) 48 + 64 != 128 */
	m_opt_prefix(P5, 64, true, false, 7200, 3600);   /* A=0: on-link only */
	assert_int_equal(rx_ra(), HZ_OK);
	run_until(vnow + HZ_SEC(3));
	for (size_t i = 0; i < HZ_IPV6_ADDRS; i++)
		if (ip.addrs[i].state != HZ_IPV6_ADDR_FREE)
			assert_int_not_equal(ip.addrs[i].origin, HZ_IPV6_ORIGIN_SLAAC);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 0); /* no DAD */
	assert_nexthop(IN_P5, IN_P5);
}

/* RFC 7217 6 / RFC 4862 5.4.5: a SLAAC address that fails DAD is
 * replaced by one made with DAD_Counter + 1. */
static void test_slaac_dad_retry(void **state)
{
	(void)state;
	uint8_t a0[16], a1[16];
	stable_addr(a0, P2, 0);
	stable_addr(a1, P2, 1);
	assert_memory_not_equal(a0, a1, 16);
	ra_begin(64, 0);
	m_opt_prefix(P2, 64, true, true, 7200, 3600);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_true(run_until_ns(a0, vnow + HZ_SEC(2)) >= 0);
	uint8_t sn[16];
	solicited(sn, a0);
	rx_ns(UNSPEC, sn, 255, a0, NULL, OTHER_NONCE);
	assert_true(find_event(HZ_IPV6_EV_ADDR_CONFLICT, a0) >= 0);
	const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&ip, a0);
	assert_true(a == NULL || a->state == HZ_IPV6_ADDR_DUPLICATE);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, a1, vnow + HZ_SEC(5)));
	assert_true(find_ns(a1, 0) >= 0);
	a = hz_ipv6_addr_find(&ip, a1);
	assert_non_null(a);
	assert_int_equal(a->origin, HZ_IPV6_ORIGIN_SLAAC);
	assert_source(IN_P2, a1);
}

/* 5.5.4: preferred lifetime over -> deprecated (RFC 6724 rule 3: not
 * chosen when another is preferred); valid lifetime over -> removed.
 * RFC 4861 6.3.5: the on-link prefix expires too. */
static void test_slaac_lifetimes(void **state)
{
	(void)state;
	uint8_t a2[16], a3[16];
	stable_addr(a2, P2, 0);
	stable_addr(a3, P3, 0);
	hz_time_t t = vnow;
	ra_begin(64, 0);
	m_opt_prefix(P2, 64, true, true, 60, 30);
	m_opt_prefix(P3, 64, true, true, 7200, 3600);
	assert_int_equal(rx_ra(), HZ_OK);
	run_until(t + HZ_SEC(4));
	assert_true(find_event(HZ_IPV6_EV_ADDR_READY, a2) >= 0);
	assert_true(find_event(HZ_IPV6_EV_ADDR_READY, a3) >= 0);
	assert_source(FAR_P2, a2); /* rule 8: 63 bits in common vs 47 */

	run_until(t + HZ_SEC(29));
	assert_int_equal(hz_ipv6_addr_find(&ip, a2)->state, HZ_IPV6_ADDR_PREFERRED);
	run_until(t + HZ_SEC(31));
	assert_int_equal(hz_ipv6_addr_find(&ip, a2)->state, HZ_IPV6_ADDR_DEPRECATED);
	assert_source(FAR_P2, a3); /* rule 3 before rule 8 */
	struct hz_ipaddr x = v6(a2);
	const struct hz_ip *seam = hz_ipv6_ip(&ip);
	assert_true(seam->is_local(seam->ctx, &x)); /* still ours */

	run_until(t + HZ_SEC(59));
	assert_non_null(hz_ipv6_addr_find(&ip, a2));
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_EXPIRED, a2), -1);
	run_until(t + HZ_SEC(61));
	assert_null(hz_ipv6_addr_find(&ip, a2));
	assert_true(find_event(HZ_IPV6_EV_ADDR_EXPIRED, a2) >= 0);
	assert_non_null(hz_ipv6_addr_find(&ip, a3));
	assert_false(prefix_listed(P2, 64));
	uint8_t nh[16];
	assert_int_equal(hz_ipv6_nexthop(&ip, IN_P2, nh), HZ_ERR_NO_ROUTE);
}

/* 5.5.3 (e): the two-hour rule for a lowered valid lifetime. */
static void test_slaac_two_hour_rule(void **state)
{
	(void)state;
	uint8_t a2[16], a3[16], a4[16];
	stable_addr(a2, P2, 0);
	stable_addr(a3, P3, 0);
	stable_addr(a4, P4, 0);
	hz_time_t t1 = vnow;
	ra_begin(64, 0);
	m_opt_prefix(P2, 64, true, true, 86400, 86400);
	m_opt_prefix(P3, 64, true, true, 3600, 3600);
	m_opt_prefix(P4, 64, true, true, 600, 600);
	assert_int_equal(rx_ra(), HZ_OK);
	run_until(t1 + HZ_SEC(10));
	assert_non_null(hz_ipv6_addr_find(&ip, a2));
	assert_non_null(hz_ipv6_addr_find(&ip, a3));
	assert_non_null(hz_ipv6_addr_find(&ip, a4));

	hz_time_t t2 = vnow;
	ra_begin(64, 0);
	/* 1 day left, 60 s received: 2 hours */
	m_opt_prefix(P2, 64, true, true, 60, 60);
	/* under 2 hours left: the received valid lifetime is ignored */
	m_opt_prefix(P3, 64, true, true, 60, 60);
	/* above 2 hours received: taken */
	m_opt_prefix(P4, 64, true, true, 10800, 10800);
	assert_int_equal(rx_ra(), HZ_OK);

	run_until(t2 + HZ_SEC(700)); /* A4 would have gone at t1 + 600 */
	assert_non_null(hz_ipv6_addr_find(&ip, a2));
	assert_non_null(hz_ipv6_addr_find(&ip, a3));
	assert_non_null(hz_ipv6_addr_find(&ip, a4));
	run_until(t1 + HZ_SEC(3600) - HZ_SEC(5));
	assert_non_null(hz_ipv6_addr_find(&ip, a3));
	run_until(t1 + HZ_SEC(3600) + HZ_SEC(5));
	assert_null(hz_ipv6_addr_find(&ip, a3));
	run_until(t2 + HZ_SEC(7200) - HZ_SEC(5));
	assert_non_null(hz_ipv6_addr_find(&ip, a2));
	run_until(t2 + HZ_SEC(7200) + HZ_SEC(5));
	assert_null(hz_ipv6_addr_find(&ip, a2));
	assert_non_null(hz_ipv6_addr_find(&ip, a4));
}

/* RFC 4861 6.3.4 / 6.3.5: router lifetime 0 removes the router at once,
 * otherwise it expires after its lifetime. */
static void test_router_lifetime(void **state)
{
	(void)state;
	uint8_t nh[16];
	assert_int_equal(hz_ipv6_nexthop(&ip, FAR, nh), HZ_ERR_NO_ROUTE);
	with_router();
	assert_nexthop(FAR, RTR);
	ra_begin(64, 0);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, RTR_MAC);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_false(router_listed(RTR));
	assert_int_equal(hz_ipv6_nexthop(&ip, FAR, nh), HZ_ERR_NO_ROUTE);
	assert_true(find_event(HZ_IPV6_EV_ROUTER_GONE, RTR) >= 0);

	clear();
	hz_time_t t = vnow;
	ra_begin(64, 10);
	assert_int_equal(rx_ra(), HZ_OK);
	run_until(t + HZ_SEC(9));
	assert_nexthop(FAR, RTR);
	run_until(t + HZ_SEC(11));
	assert_int_equal(hz_ipv6_nexthop(&ip, FAR, nh), HZ_ERR_NO_ROUTE);
	assert_true(find_event(HZ_IPV6_EV_ROUTER_GONE, RTR) >= 0);
}

/* 6.3.4: MTU option only within [1280, link MTU]; Cur Hop Limit taken. */
static void test_ra_mtu_hop_limit(void **state)
{
	(void)state;
	ra_begin(0, 0);
	m_opt_mtu(9000);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1500);
	ra_begin(0, 0);
	m_opt_mtu(1000);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1500);
	assert_int_equal(find_event(HZ_IPV6_EV_MTU, NULL), -1);
	ra_begin(0, 0);
	m_opt_mtu(1280);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1280);
	assert_true(find_event(HZ_IPV6_EV_MTU, NULL) >= 0);

	ra_begin(77, 0);
	assert_int_equal(rx_ra(), HZ_OK);
	learn(PEER_LL, PEER_MAC, LL);
	assert_int_equal(send_udp(PEER_LL, 64, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	struct view v;
	view_of(0, &v);
	assert_int_equal(v.h.hop_limit, 77);
}

/* accept_ra off: RAs are dropped and counted. */
static void test_ra_ignored(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.accept_ra = false;
	start_ll(&c);
	snap();
	ra_begin(64, 1800);
	m_opt_prefix(P2, 64, true, true, 7200, 3600);
	assert_true(rx_ra() < 0);
	assert_one_drop(HZ_IPV6_DROP_RA_IGNORED);
	assert_false(router_listed(RTR));
	uint8_t a2[16];
	stable_addr(a2, P2, 0);
	assert_null(hz_ipv6_addr_find(&ip, a2));
}

/* =====================================================================
 * RFC 6724: source address selection; RFC 4861 5.2: next hop
 * ===================================================================== */

static void test_source_selection(void **state)
{
	(void)state;
	struct hz_ipaddr b = v6(GB);
	assert_int_equal(hz_ipv6_addr_add(&ip, &b, 64, vnow), HZ_OK);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, GB, vnow + HZ_SEC(5)));
	/* rule 1: the destination itself */
	assert_source(GA, GA);
	assert_source(GB, GB);
	assert_source(LL, LL);
	/* rule 2: matching scope */
	assert_source(PEER_LL, LL);
	assert_source(ALL_NODES, LL);
	uint8_t s[16];
	assert_int_equal(hz_ipv6_source(&ip, FAR, s), HZ_OK);
	assert_true(memcmp(s, GA, 16) == 0 || memcmp(s, GB, 16) == 0);
	assert_int_equal(hz_ipv6_source(&ip, MC_GLOBAL, s), HZ_OK);
	assert_true(memcmp(s, GA, 16) == 0 || memcmp(s, GB, 16) == 0);
	assert_int_equal(hz_ipv6_source(&ip, MC_SITE, s), HZ_OK);
	assert_true(memcmp(s, GA, 16) == 0 || memcmp(s, GB, 16) == 0);
	/* rule 8: longest matching prefix */
	assert_source(ONLINK, GA);
	assert_source(IN_P2, GB);
	assert_source(FAR_P2, GB);
	/* RFC 4862 5.4: a tentative address is no candidate */
	struct hz_ipaddr cc = v6(GC);
	assert_int_equal(hz_ipv6_addr_add(&ip, &cc, 64, vnow), HZ_OK);
	uint8_t in_c[16];
	memcpy(in_c, GC, 16);
	in_c[15] = 0x99;
	assert_int_equal(hz_ipv6_source(&ip, in_c, s), HZ_OK);
	assert_memory_not_equal(s, GC, 16);
	/* the hz_ip seam agrees */
	const struct hz_ip *seam = hz_ipv6_ip(&ip);
	struct hz_ipaddr d = v6(IN_P2), out;
	assert_int_equal(seam->source(seam->ctx, &d, &out), HZ_OK);
	assert_int_equal(out.family, HZ_AF_INET6);
	assert_memory_equal(out.b, GB, 16);
}

static void test_source_none(void **state)
{
	(void)state;
	uint8_t s[16];
	assert_int_equal(hz_ipv6_source(&ip, FAR, s), HZ_ERR_NO_ROUTE);
	assert_int_equal(hz_ipv6_source(&ip, PEER_LL, s), HZ_ERR_NO_ROUTE);
}

/* RFC 4861 5.2: on-link prefix, link-local and multicast destinations are
 * their own next hop; off-link goes to a default router; none: no route. */
static void test_nexthop(void **state)
{
	(void)state;
	uint8_t nh[16];
	assert_nexthop(ONLINK, ONLINK);
	assert_nexthop(PEER_LL, PEER_LL);
	assert_nexthop(ALL_NODES, ALL_NODES);
	assert_nexthop(MC_GLOBAL, MC_GLOBAL);
	assert_int_equal(hz_ipv6_nexthop(&ip, FAR, nh), HZ_ERR_NO_ROUTE);
	assert_int_equal(send_udp(FAR, 64, 0), HZ_ERR_NO_ROUTE);
	assert_int_equal(ip.tx_no_route, 1);
	assert_int_equal(cap.n, 0);

	/* multicast: straight to the link group, no resolution */
	assert_int_equal(send_udp(ALL_NODES, 64, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_true(cap.f[0].mcast);
	assert_udp_frame(0, ALL_NODES, 64);
	struct view v;
	view_of(0, &v);
	assert_memory_equal(v.h.src.b, LL, 16);
	clear();

	struct hz_ipaddr r = v6(RTR);
	assert_int_equal(hz_ipv6_router_add(&ip, &r), HZ_OK);
	assert_nexthop(FAR, RTR);
	/* the packet waits for the router's address */
	assert_int_equal(send_udp(FAR, 64, 0), HZ_OK);
	int i = find_ns(RTR, 0);
	assert_true(i >= 0);
	assert_int_equal(count_udp(), 0);
	assert_int_equal(rx_na(RTR, GA, NA_R | NA_S | NA_O, RTR, RTR_MAC), HZ_OK);
	assert_int_equal(count_udp(), 1);
	i = (int)cap.n - 1;
	assert_memory_equal(cap.f[i].ll, RTR_MAC, 6);
	assert_udp_frame((size_t)i, FAR, 64);
}

/* RFC 4861 6.3.6: a router that is (probably) reachable is preferred to
 * one with no neighbour entry. */
static void test_nexthop_prefers_reachable(void **state)
{
	(void)state;
	struct hz_ipaddr r = v6(RTR), r2 = v6(RTR2);
	assert_int_equal(hz_ipv6_router_add(&ip, &r), HZ_OK);
	assert_int_equal(hz_ipv6_router_add(&ip, &r2), HZ_OK);
	learn(RTR2, RTR2_MAC, LL);
	assert_nexthop(FAR, RTR2);
}

/* =====================================================================
 * RFC 4861 8.1 / 8.3: redirects
 * ===================================================================== */

static void test_redirect_router(void **state)
{
	(void)state;
	with_router();
	assert_nexthop(FAR, RTR);
	assert_int_equal(rx_redirect(RTR, 255, RTR2, FAR, RTR2_MAC), HZ_OK);
	assert_int_equal(ip.redirects_rx, 1);
	assert_nexthop(FAR, RTR2);
	assert_nexthop(FAR2, RTR); /* other destinations unchanged */
	/* 8.3: the TLLA is cached, a new entry STALE */
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, RTR2);
	assert_non_null(n);
	assert_int_equal(n->state, HZ_IPV6_ND_STALE);
	assert_memory_equal(n->lladdr, RTR2_MAC, 6);
	assert_true(n->router); /* 8.3: target != destination: a router */
	assert_int_equal(send_udp(FAR, 64, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_memory_equal(cap.f[0].ll, RTR2_MAC, 6);
	assert_udp_frame(0, FAR, 64);
}

static void test_redirect_on_link(void **state)
{
	(void)state;
	with_router();
	assert_int_equal(rx_redirect(RTR, 255, FAR2, FAR2, OTHER_MAC), HZ_OK);
	assert_nexthop(FAR2, FAR2);
	assert_nexthop(FAR, RTR);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, FAR2);
	assert_non_null(n);
	assert_false(n->router); /* 8.3: target == destination: on-link host */
	assert_int_equal(send_udp(FAR2, 64, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_memory_equal(cap.f[0].ll, OTHER_MAC, 6);
	assert_udp_frame(0, FAR2, 64);
}

static void test_redirect_refused(void **state)
{
	(void)state;
	with_router();
	/* not from the current first hop for FAR */
	snap();
	assert_true(rx_redirect(RTR2, 255, RTR2, FAR, RTR2_MAC) < 0);
	assert_one_drop(HZ_IPV6_DROP_REDIRECT_REFUSED);
	assert_nexthop(FAR, RTR);
	/* 8.1: hop limit != 255 */
	snap();
	assert_true(rx_redirect(RTR, 254, RTR2, FAR, RTR2_MAC) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	assert_nexthop(FAR, RTR);
	/* 8.1: target neither link-local nor the destination */
	snap();
	assert_true(rx_redirect(RTR, 255, ONLINK, FAR, RTR2_MAC) < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	assert_nexthop(FAR, RTR);
	/* 8.1: multicast destination (RTR is not its first hop either) */
	snap();
	assert_true(rx_redirect(RTR, 255, RTR2, MC_GLOBAL, RTR2_MAC) < 0);
	if (ip.drops[HZ_IPV6_DROP_ND_INVALID] != drops_before[HZ_IPV6_DROP_ND_INVALID])
		assert_one_drop(HZ_IPV6_DROP_ND_INVALID);
	else
		assert_one_drop(HZ_IPV6_DROP_REDIRECT_REFUSED);
	assert_int_equal(ip.redirects_rx, 0);
	assert_int_equal(cap.n, 0);
}

static void test_redirect_disabled(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.accept_redirects = false;
	start_std(&c);
	with_router();
	snap();
	assert_true(rx_redirect(RTR, 255, RTR2, FAR, RTR2_MAC) < 0);
	assert_one_drop(HZ_IPV6_DROP_REDIRECT_REFUSED);
	assert_nexthop(FAR, RTR);
}

/* =====================================================================
 * RFC 4443: echo, errors, rate limiting, error input
 * ===================================================================== */

static const uint8_t ECHO_DATA[16] = { '0', '1', '2', '3', '4', '5', '6', '7',
	                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f' };

static void check_echo_reply(size_t i, const uint8_t src[16], const uint8_t dst[16])
{
	struct view v;
	view_of(i, &v);
	assert_true(v.icmp);
	assert_int_equal(v.m.type, HZ_IPV6_ICMP_ECHO_REPLY);
	assert_int_equal(v.m.code, 0);
	assert_int_equal(hz_ipv6_icmp_echo_id(&v.m), 0x1234);
	assert_int_equal(hz_ipv6_icmp_echo_seq(&v.m), 7);
	assert_int_equal(v.m.data_len, sizeof ECHO_DATA);
	assert_memory_equal(v.m.data, ECHO_DATA, sizeof ECHO_DATA);
	assert_memory_equal(v.h.src.b, src, 16);
	assert_memory_equal(v.h.dst.b, dst, 16);
	assert_false(cap.f[i].mcast);
	assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
}

static int rx_echo(const uint8_t src[16], const uint8_t dst[16])
{
	m_begin(HZ_IPV6_ICMP_ECHO, 0, 0x12340007);
	m_add(ECHO_DATA, sizeof ECHO_DATA);
	return rx_icmp(src, dst, 64);
}

/* 4.2: the reply echoes identifier, sequence and data, from the address
 * the request was sent to; for a group, from a unicast address of ours. */
static void test_echo(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	assert_int_equal(rx_echo(PEER, GA), HZ_OK);
	assert_int_equal(cap.n, 1);
	check_echo_reply(0, GA, PEER);
	assert_int_equal(ip.echo_replies, 1);

	learn(PEER_LL, PEER_MAC, LL);
	assert_int_equal(rx_echo(PEER_LL, LL), HZ_OK);
	assert_int_equal(cap.n, 1);
	check_echo_reply(0, LL, PEER_LL);

	clear();
	assert_int_equal(rx_echo(PEER_LL, ALL_NODES), HZ_OK);
	assert_int_equal(cap.n, 1);
	check_echo_reply(0, LL, PEER_LL);
	assert_int_equal(ip.echo_replies, 3);
}

static void test_echo_multicast_off(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.echo_multicast = false;
	start_std(&c);
	learn(PEER_LL, PEER_MAC, LL);
	snap();
	assert_true(rx_echo(PEER_LL, ALL_NODES) < 0);
	assert_one_drop(HZ_IPV6_DROP_ECHO_MULTICAST);
	assert_int_equal(cap.n, 0);
	assert_int_equal(rx_echo(PEER_LL, LL), HZ_OK);
	assert_int_equal(cap.n, 1);
}

/* 3.1: port unreachable (code 4) from the address the datagram was sent
 * to, quoting it; 2.4 (e.3): never for a multicast destination. */
static void test_port_unreachable(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	udp.rc = HZ_ERR_REFUSED;
	rx_udp(PEER, GA, 20);
	assert_int_equal(udp.calls, 1);
	static uint8_t orig[2048];
	size_t olen = pk_len;
	memcpy(orig, pk, olen);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_DEST_UNREACH, HZ_IPV6_ICMP_PORT_UNREACH, GA, PEER, PEER_MAC);
	assert_int_equal(v.m.rest, 0);
	assert_int_equal(v.m.data_len, olen);
	assert_memory_equal(v.m.data, orig, olen);
	assert_int_equal(ip.icmp_tx_errors, 1);

	clear();
	learn(PEER_LL, PEER_MAC, LL);
	rx_udp(PEER_LL, ALL_NODES, 20);
	assert_int_equal(udp.calls, 2);
	assert_int_equal(cap.n, 0);
}

/* 2.4 (c): as much of the invoking packet as fits in 1280 bytes. */
static void test_error_quote_limit(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	udp.rc = HZ_ERR_REFUSED;
	rx_udp(PEER, GA, 1400);
	static uint8_t orig[2048];
	memcpy(orig, pk, pk_len);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_DEST_UNREACH, HZ_IPV6_ICMP_PORT_UNREACH, GA, PEER, PEER_MAC);
	assert_int_equal(cap.f[0].len, HZ_IPV6_MIN_MTU);
	assert_int_equal(v.m.data_len, HZ_IPV6_MIN_MTU - 48);
	assert_memory_equal(v.m.data, orig, v.m.data_len);
}

/* RFC 8200 4 / RFC 4443 3.4: an unrecognised Next Header -> Parameter
 * Problem code 1 pointing at the byte that named it; 4.7: No Next Header
 * is silently the end. */
static void test_unknown_next_header(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	static const uint8_t junk[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	snap();
	p_begin(PEER, GA, 64);
	p_raw(253, junk, 8);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_NO_PROTO);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_NEXT_HEADER, GA, PEER, PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 6);
	assert_int_equal(v.m.data_len, 48);
	assert_memory_equal(v.m.data, pk, 48);

	clear();
	static const uint8_t hbh[8] = { 0, 0, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_HOPOPTS, hbh, 8);
	p_raw(253, junk, 8);
	p_end();
	assert_true(p_send() < 0);
	assert_int_equal(cap.n, 1);
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_NEXT_HEADER, GA, PEER, PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 40);

	clear();
	p_begin(PEER, GA, 64);
	p_raw(HZ_IPV6_NH_NONE, junk, 8);
	p_end();
	p_send();
	assert_int_equal(cap.n, 0);
	assert_int_equal(udp.calls, 0);
}

/* 2.4 (f): a token bucket: a burst, then suppression (counted), then
 * refilled at the configured rate. */
static void test_icmp_rate_limit(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.icmp_rate = 1;
	c.icmp_burst = 3;
	start_std(&c);
	learn(PEER, PEER_MAC, GA);
	static const uint8_t junk[8] = { 0 };
	for (int k = 0; k < 5; k++) {
		p_begin(PEER, GA, 64);
		p_raw(253, junk, 8);
		p_end();
		p_send();
	}
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_PARAM_PROBLEM), 3);
	assert_int_equal(ip.drops[HZ_IPV6_DROP_ICMP_RATE_LIMITED], 2);
	run_until(vnow + HZ_SEC(1));
	for (int k = 0; k < 2; k++) {
		p_begin(PEER, GA, 64);
		p_raw(253, junk, 8);
		p_end();
		p_send();
	}
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_PARAM_PROBLEM), 4);
	assert_int_equal(ip.drops[HZ_IPV6_DROP_ICMP_RATE_LIMITED], 3);
}

/* 2.4 (e): no error about an ICMPv6 error or a redirect, none to a
 * multicast destination (except Packet Too Big and PP code 2), none to an
 * unspecified or multicast source. */
static void test_icmp_error_rules(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	static uint8_t p[256];
	size_t n;
	/* an ICMPv6 error message */
	m_begin(HZ_IPV6_ICMP_DEST_UNREACH, 4, 0);
	m_add(ECHO_DATA, 16);
	p_begin(PEER, GA, 64);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_PARAM_PROBLEM, 0, 0, p, n,
	                                    HZ_CAST_UNICAST, false),
	                 HZ_ERR_REFUSED);
	/* a redirect */
	m_begin(HZ_IPV6_ICMP_REDIRECT, 0, 0);
	m_add(RTR2, 16);
	m_add(FAR, 16);
	p_begin(RTR, GA, 255);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_PARAM_PROBLEM, 0, 0, p, n,
	                                    HZ_CAST_UNICAST, false),
	                 HZ_ERR_REFUSED);
	/* to a group, and to a unicast address in a link multicast frame */
	m_begin(HZ_IPV6_ICMP_ECHO, 0, 1);
	p_begin(PEER, ALL_NODES, 64);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_DEST_UNREACH, 4, 0, p, n,
	                                    HZ_CAST_MULTICAST, false),
	                 HZ_ERR_REFUSED);
	p_begin(PEER, GA, 64);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_DEST_UNREACH, 4, 0, p, n,
	                                    HZ_CAST_MULTICAST, false),
	                 HZ_ERR_REFUSED);
	/* from :: */
	p_begin(UNSPEC, GA, 64);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_DEST_UNREACH, 4, 0, p, n,
	                                    HZ_CAST_UNICAST, false),
	                 HZ_ERR_REFUSED);
	assert_int_equal(cap.n, 0);

	/* Packet Too Big may go about a packet to a group (allow_mcast). */
	p_begin(PEER, ALL_NODES, 64);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_PACKET_TOO_BIG, 0, 1280, p, n,
	                                    HZ_CAST_MULTICAST, true),
	                 HZ_OK);
	assert_int_equal(cap.n, 1);
	struct view v;
	view_of(0, &v);
	assert_int_equal(v.m.type, HZ_IPV6_ICMP_PACKET_TOO_BIG);
	assert_int_equal(hz_ipv6_icmp_mtu(&v.m), 1280);
	assert_memory_equal(v.h.dst.b, PEER, 16);
	assert_our_unicast(v.h.src.b);
	/* and an informational message is quoted like any packet */
	clear();
	p_begin(PEER, GA, 64);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	n = p_end();
	memcpy(p, pk, n);
	assert_int_equal(hz_ipv6_icmp_error(&ip, HZ_IPV6_ICMP_DEST_UNREACH, 1, 0, p, n,
	                                    HZ_CAST_UNICAST, false),
	                 HZ_OK);
	assert_int_equal(cap.n, 1);
}

/* A datagram we sent to FAR (via the router), as a router would quote
 * it: the first 1232 bytes of a 1500-byte packet. */
static size_t quote_ours(uint8_t *q, const uint8_t src[16], uint8_t proto)
{
	static uint8_t o[1500];
	memset(o, 0, sizeof o);
	o[0] = 0x60;
	wr16(o + 4, 1460);
	o[6] = proto;
	o[7] = 64;
	memcpy(o + 8, src, 16);
	memcpy(o + 24, FAR, 16);
	wr16(o + 40, 4000); /* source port */
	wr16(o + 42, 53);   /* destination port */
	wr16(o + 44, 1460);
	for (size_t i = 48; i < sizeof o; i++)
		o[i] = (uint8_t)i;
	memcpy(q, o, 1232);
	return 1232;
}

static void with_far_route(void)
{
	struct hz_ipaddr r = v6(RTR);
	assert_int_equal(hz_ipv6_router_add(&ip, &r), HZ_OK);
	learn(RTR, RTR_MAC, LL);
}

/* RFC 8201 4: Packet Too Big lowers the path MTU for that destination
 * (never below 1280, never raised by a PTB), the flow's transport hears
 * of it, and output is fragmented to it. */
static void test_packet_too_big(void **state)
{
	(void)state;
	with_far_route();
	uint8_t q[1500];
	size_t ql = quote_ours(q, GA, HZ_IPV6_NH_UDP);
	m_begin(HZ_IPV6_ICMP_PACKET_TOO_BIG, 0, 1400);
	m_add(q, ql);
	assert_int_equal(rx_icmp(REPORTER, GA, 60), HZ_OK);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1400);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR2), 1500);
	struct hz_ipaddr far = v6(FAR);
	const struct hz_ip *seam = hz_ipv6_ip(&ip);
	assert_int_equal(seam->mtu(seam->ctx, &far), 1400 - 40);
	assert_int_equal(udp.errs, 1);
	assert_int_equal(udp.err.kind, HZ_IP_ERR_FRAG_NEEDED);
	assert_int_equal(udp.err.type, HZ_IPV6_ICMP_PACKET_TOO_BIG);
	assert_int_equal(udp.err.code, 0);
	assert_int_equal(udp.err.mtu, 1400);
	assert_int_equal(udp.err.proto, HZ_IPV6_NH_UDP);
	assert_memory_equal(udp.err.src.b, GA, 16);
	assert_memory_equal(udp.err.dst.b, FAR, 16);
	assert_memory_equal(udp.err.reporter.b, REPORTER, 16);
	assert_true(udp.err.quote_len >= 8);
	assert_memory_equal(udp.quote, q + 40, 8);

	/* output now fits 1400 */
	assert_int_equal(send_udp(FAR, 2000, 0), HZ_OK);
	assert_true(cap.n >= 2);
	for (size_t i = 0; i < cap.n; i++) {
		assert_true(cap.f[i].len <= 1400);
		assert_memory_equal(cap.f[i].ll, RTR_MAC, 6);
	}
	/* below 1280: never under the minimum */
	m_begin(HZ_IPV6_ICMP_PACKET_TOO_BIG, 0, 1000);
	m_add(q, ql);
	rx_icmp(REPORTER, GA, 60);
	size_t pm = hz_ipv6_path_mtu(&ip, FAR);
	assert_true(pm >= 1280 && pm <= 1400);
	/* a PTB never raises it */
	m_begin(HZ_IPV6_ICMP_PACKET_TOO_BIG, 0, 1450);
	m_add(q, ql);
	rx_icmp(REPORTER, GA, 60);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), pm);
}

/* RFC 8201 4: a learned path MTU is not raised before 5 minutes; haze
 * forgets it after pmtu_timeout (10 min). */
static void test_pmtu_expiry(void **state)
{
	(void)state;
	with_far_route();
	uint8_t q[1500];
	size_t ql = quote_ours(q, GA, HZ_IPV6_NH_UDP);
	m_begin(HZ_IPV6_ICMP_PACKET_TOO_BIG, 0, 1300);
	m_add(q, ql);
	hz_time_t t = vnow;
	assert_int_equal(rx_icmp(REPORTER, GA, 60), HZ_OK);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1300);
	run_until(t + HZ_SEC(5 * 60));
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1300);
	run_until(t + HZ_SEC(10 * 60) + HZ_SEC(1));
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1500);
}

/* Errors are only believed about datagrams we could have sent (RFC 4443
 * 2.4 (d), RFC 5927): a quote whose source is not ours is dropped. An
 * error for a protocol with no error handler is unmatched. */
static void test_icmp_bad_quote(void **state)
{
	(void)state;
	with_far_route();
	uint8_t q[1500];
	size_t ql = quote_ours(q, PEER, HZ_IPV6_NH_UDP);
	snap();
	m_begin(HZ_IPV6_ICMP_PACKET_TOO_BIG, 0, 1300);
	m_add(q, ql);
	assert_true(rx_icmp(REPORTER, GA, 60) < 0);
	assert_one_drop(HZ_IPV6_DROP_ICMP_BAD_QUOTE);
	assert_int_equal(hz_ipv6_path_mtu(&ip, FAR), 1500);
	assert_int_equal(udp.errs, 0);

	ql = quote_ours(q, GA, HZ_IPV6_NH_TCP);
	snap();
	m_begin(HZ_IPV6_ICMP_DEST_UNREACH, HZ_IPV6_ICMP_PORT_UNREACH, 0);
	m_add(q, ql);
	assert_true(rx_icmp(REPORTER, GA, 60) < 0);
	assert_one_drop(HZ_IPV6_DROP_ICMP_UNMATCHED);
	assert_int_equal(udp.errs, 0);
	assert_int_equal(cap.n, 0);
}

/* 3.1: destination unreachable reaches the flow's transport. */
static void test_dest_unreach_to_upper(void **state)
{
	(void)state;
	with_far_route();
	uint8_t q[1500];
	size_t ql = quote_ours(q, GA, HZ_IPV6_NH_UDP);
	m_begin(HZ_IPV6_ICMP_DEST_UNREACH, HZ_IPV6_ICMP_PORT_UNREACH, 0);
	m_add(q, 48);
	(void)ql;
	assert_int_equal(rx_icmp(FAR, GA, 60), HZ_OK);
	assert_int_equal(udp.errs, 1);
	assert_int_equal(udp.err.kind, HZ_IP_ERR_PORT_UNREACH);
	assert_int_equal(udp.err.proto, HZ_IPV6_NH_UDP);
	assert_memory_equal(udp.err.dst.b, FAR, 16);
	assert_memory_equal(udp.quote, q + 40, 8);
	assert_int_equal(cap.n, 0);
}

/* =====================================================================
 * RFC 8200 4: extension-header chains through the engine
 * ===================================================================== */

static const uint8_t PADN_HDR[8] = { 0, 0, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };

static void test_ext_valid_chain(void **state)
{
	(void)state;
	uint8_t d[64];
	size_t n = udp_dgram(d, PEER, GA, 5000, 9, 20);
	p_begin(PEER, GA, 33);
	p_ext(HZ_IPV6_NH_HOPOPTS, PADN_HDR, 8);
	p_ext(HZ_IPV6_NH_DSTOPTS, PADN_HDR, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	snap();
	assert_int_equal(p_send(), HZ_OK);
	assert_no_drop();
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.len, n);
	assert_memory_equal(udp.payload, pk + 56, n);
	assert_int_equal(udp.rx.proto, HZ_IPV6_NH_UDP);
	assert_int_equal(udp.rx.ttl, 33);
	assert_int_equal(udp.rx.src.family, HZ_AF_INET6);
	assert_memory_equal(udp.rx.src.b, PEER, 16);
	assert_memory_equal(udp.rx.dst.b, GA, 16);
	assert_int_equal(udp.rx.flags, 0);
	assert_ptr_equal(udp.rx.ip, hz_ipv6_ip(&ip));
	/* RFC 8200 8.1: the pseudo-header length is the upper-layer length,
	 * extension headers excluded. */
	assert_int_equal(hz_csum_fold(udp.rx.pseudo), ref_sum(PEER, GA, HZ_IPV6_NH_UDP, n, NULL, 0));
	assert_int_equal(ip.rx_delivered, 1);

	/* RH0 with segments left 0 is ignored (RFC 8200 4.4). */
	uint8_t rh0[24] = { 0, 2, HZ_IPV6_RH_TYPE0, 0 };
	memcpy(rh0 + 8, FAR, 16);
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_ROUTING, rh0, 24);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_int_equal(p_send(), HZ_OK);
	assert_int_equal(udp.calls, 2);
	/* Multicast delivery is flagged. */
	learn(PEER_LL, PEER_MAC, LL);
	rx_udp(PEER_LL, ALL_NODES, 8);
	assert_int_equal(udp.calls, 3);
	assert_int_equal(udp.rx.flags & HZ_IP_RX_MCAST, HZ_IP_RX_MCAST);
}

static void test_ext_too_many_truncated(void **state)
{
	(void)state;
	uint8_t d[64];
	size_t n = udp_dgram(d, PEER, GA, 5000, 9, 8);
	snap();
	p_begin(PEER, GA, 64);
	for (int k = 0; k < HZ_IPV6_EXT_MAX_HDRS + 1; k++)
		p_ext(HZ_IPV6_NH_DSTOPTS, PADN_HDR, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_EXT_TOO_MANY);

	/* a hop-by-hop header claiming 24 bytes in a payload of 8 */
	static const uint8_t long_hbh[8] = { 0, 2, HZ_IPV6_OPT_PADN, 4, 0, 0, 0, 0 };
	snap();
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_HOPOPTS, long_hbh, 8);
	pk[40] = HZ_IPV6_NH_UDP;
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_EXT_TRUNCATED);
	assert_int_equal(udp.calls, 0);
	assert_int_equal(cap.n, 0);
}

/* RFC 8200 4.2: the action bits of an unrecognised option. */
static void test_ext_unknown_option(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	uint8_t d[64];
	size_t n = udp_dgram(d, PEER, GA, 5000, 9, 8);
	/* 10: discard, PP code 2 pointing at the option type */
	uint8_t opt[8] = { 0, 0, 0x9e, 4, 0, 0, 0, 0 };
	snap();
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_DSTOPTS, opt, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_OPTION_UNKNOWN);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_OPTION, GA, PEER, PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 42);
	/* 10 to a group: still a PP, from a unicast address of ours */
	learn(PEER_LL, PEER_MAC, LL);
	n = udp_dgram(d, PEER_LL, ALL_NODES, 5000, 9, 8);
	p_begin(PEER_LL, ALL_NODES, 64);
	p_ext(HZ_IPV6_NH_DSTOPTS, opt, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_int_equal(cap.n, 1);
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_OPTION, LL, PEER_LL, PEER_MAC);
	/* 11 to a group: no PP */
	clear();
	opt[2] = 0xde;
	p_begin(PEER_LL, ALL_NODES, 64);
	p_ext(HZ_IPV6_NH_DSTOPTS, opt, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_int_equal(cap.n, 0);
	/* 01: discard silently */
	opt[2] = 0x5e;
	n = udp_dgram(d, PEER, GA, 5000, 9, 8);
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_DSTOPTS, opt, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_int_equal(cap.n, 0);
	/* 00: skipped, delivered */
	opt[2] = 0x1e;
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_DSTOPTS, opt, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_int_equal(p_send(), HZ_OK);
	assert_int_equal(udp.calls, 1);
	assert_int_equal(cap.n, 0);
}

/* RFC 5095 3 / RFC 8200 4.4: RH0 with segments left -> dropped, PP code 0
 * at the Routing Type. */
static void test_ext_rh0(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	uint8_t d[64];
	size_t n = udp_dgram(d, PEER, GA, 5000, 9, 8);
	uint8_t rh0[24] = { 0, 2, HZ_IPV6_RH_TYPE0, 1 };
	memcpy(rh0 + 8, FAR, 16);
	snap();
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_ROUTING, rh0, 24);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_ROUTING_TYPE0);
	assert_int_equal(udp.calls, 0);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_HEADER, GA, PEER, PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 42);
}

/* =====================================================================
 * RFC 8200 4.5, RFC 5722, RFC 7112, RFC 6980: fragments
 * ===================================================================== */

/* One fragment of `whole` (the fragmentable part) from src to GA. */
static void p_frag(const uint8_t src[16], uint8_t nh, uint32_t id, const uint8_t *whole,
                   size_t off, size_t len, bool more)
{
	uint8_t fh[8] = { 0, 0 };
	wr16(fh + 2, off | (more ? 1u : 0u));
	wr32(fh + 4, id);
	p_begin(src, GA, 64);
	p_ext(HZ_IPV6_NH_FRAGMENT, fh, 8);
	pk[40] = nh;
	memcpy(pk + pk_len, whole + off, len);
	pk_len += len;
	p_end();
}

static uint8_t big[4000];
static size_t big_len;

static void test_frag_reassembly(void **state)
{
	(void)state;
	big_len = udp_dgram(big, PEER, GA, 5000, 9, 2200); /* 2208 bytes */
	snap();
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x11, big, 2008, 200, false);
	p_send();
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x11, big, 0, 1008, true);
	p_send();
	assert_int_equal(udp.calls, 0);
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x11, big, 1008, 1000, true);
	p_send();
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.len, big_len);
	assert_memory_equal(udp.payload, big, big_len);
	assert_memory_equal(udp.rx.src.b, PEER, 16);
	assert_memory_equal(udp.rx.dst.b, GA, 16);
	assert_int_equal(udp.rx.proto, HZ_IPV6_NH_UDP);
	/* RFC 8200 8.1: pseudo-header over the reassembled length */
	assert_int_equal(hz_csum_fold(udp.rx.pseudo),
	                 ref_sum(PEER, GA, HZ_IPV6_NH_UDP, big_len, NULL, 0));
	assert_int_equal(udp.rx.flags & HZ_IP_RX_CSUM_VALID, 0);
	assert_no_drop();
	assert_int_equal(cap.n, 0);
}

/* RFC 5722: an overlap discards the whole datagram, silently. */
static void test_frag_overlap(void **state)
{
	(void)state;
	big_len = udp_dgram(big, PEER, GA, 5000, 9, 1200);
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x22, big, 0, 1008, true);
	p_send();
	snap();
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x22, big, 1000, 208, false);
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_FRAG_OVERLAP);
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x22, big, 1008, 200, false);
	p_send();
	assert_int_equal(udp.calls, 0);
	assert_int_equal(ip.drops[HZ_IPV6_DROP_FRAG_OVERLAP], 1);
	assert_int_equal(cap.n, 0);
}

/* RFC 7112 5: a first fragment without the whole header chain -> PP code 3. */
static void test_frag_first_short(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	uint8_t whole[64];
	/* destination options (8 bytes), then UDP: the first fragment holds
	 * only the destination options header */
	memcpy(whole, PADN_HDR, 8);
	whole[0] = HZ_IPV6_NH_UDP;
	size_t n = udp_dgram(whole + 8, PEER, GA, 5000, 9, 8);
	snap();
	p_frag(PEER, HZ_IPV6_NH_DSTOPTS, 0x33, whole, 0, 8, true);
	static uint8_t first[128];
	size_t flen = pk_len;
	memcpy(first, pk, flen);
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_FRAG_FIRST_SHORT);
	p_frag(PEER, HZ_IPV6_NH_DSTOPTS, 0x33, whole, 8, n, false);
	p_send();
	assert_int_equal(udp.calls, 0);
	int i = find_icmp(HZ_IPV6_ICMP_PARAM_PROBLEM, 0);
	assert_true(i >= 0);
	struct view v;
	error_frame((size_t)i, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_FIRST_FRAG, GA, PEER,
	            PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 0);
	assert_true(v.m.data_len >= flen);
	assert_memory_equal(v.m.data, first, flen);
}

/* RFC 8200 4.5: reassembly timeout -> Time Exceeded code 1, only if the
 * first fragment came; never about an ICMPv6 error (RFC 4443 2.4 e.1). */
static void test_frag_timeout(void **state)
{
	(void)state;
	big_len = udp_dgram(big, PEER, GA, 5000, 9, 1200);
	hz_time_t t = vnow;
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x44, big, 0, 1008, true);
	static uint8_t first[2048];
	size_t flen = pk_len;
	memcpy(first, pk, flen);
	p_send();
	p_frag(PEER2, HZ_IPV6_NH_UDP, 0x45, big, 1008, 200, false); /* no first */
	p_send();
	run_until(t + HZ_SEC(59));
	assert_int_equal(cap.n, 0);
	learn(PEER, PEER_MAC, GA);
	learn(PEER2, MAC_B, GA);
	run_until(t + HZ_SEC(61));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_TIME_EXCEEDED), 1);
	int i = find_icmp(HZ_IPV6_ICMP_TIME_EXCEEDED, 0);
	struct view v;
	error_frame((size_t)i, &v, HZ_IPV6_ICMP_TIME_EXCEEDED, HZ_IPV6_ICMP_REASM_TIMEOUT, GA, PEER,
	            PEER_MAC);
	assert_true(v.m.data_len >= 48);
	assert_memory_equal(v.m.data, first, HZ_MIN(v.m.data_len, flen));
	assert_int_equal(udp.calls, 0);

	/* the first fragment of an ICMPv6 error: no Time Exceeded about it */
	clear();
	static uint8_t err[1300];
	err[0] = HZ_IPV6_ICMP_DEST_UNREACH;
	err[1] = 4;
	for (size_t k = 8; k < 1208; k++)
		err[k] = (uint8_t)k;
	t = vnow;
	p_frag(PEER, HZ_IPV6_NH_ICMPV6, 0x46, err, 0, 1000, true);
	p_send();
	run_until(t + HZ_SEC(59));
	learn(PEER, PEER_MAC, GA);
	run_until(t + HZ_SEC(61));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_TIME_EXCEEDED), 0);
}

/* RFC 8200 4.5 / 5: output above the path MTU is fragmented: every piece
 * fits, offsets are multiples of 8, one id, and they rebuild the datagram.
 * With HZ_IP_TX_DF it is refused. */
static void test_frag_output(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	/* exactly the MTU: one frame */
	assert_int_equal(send_udp(PEER, 1460, 0), HZ_OK);
	assert_int_equal(cap.n, 1);
	assert_int_equal(cap.f[0].len, 1500);
	assert_udp_frame(0, PEER, 1460);
	clear();

	assert_int_equal(send_udp(PEER, 3000, 0), HZ_OK);
	assert_true(cap.n >= 3);
	static uint8_t rebuilt[4000];
	static bool have[4000];
	memset(have, 0, sizeof have);
	uint32_t id = 0;
	size_t last_end = 0;
	int lasts = 0;
	for (size_t i = 0; i < cap.n; i++) {
		struct view v;
		view_of(i, &v);
		assert_true(cap.f[i].len <= 1500);
		assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
		assert_memory_equal(v.h.src.b, GA, 16);
		assert_memory_equal(v.h.dst.b, PEER, 16);
		assert_true(v.x.flags & HZ_IPV6_EXT_F_FRAGMENT);
		assert_int_equal(v.x.proto, HZ_IPV6_NH_UDP);
		assert_int_equal(v.x.frag_offset % 8, 0);
		if (i == 0)
			id = v.x.frag_id;
		assert_int_equal(v.x.frag_id, id);
		size_t dl = v.uplen;
		if (v.x.frag_more)
			assert_int_equal(dl % 8, 0);
		else {
			lasts++;
			last_end = v.x.frag_offset + dl;
		}
		assert_true(v.x.frag_offset + dl <= sizeof rebuilt);
		for (size_t k = 0; k < dl; k++) {
			assert_false(have[v.x.frag_offset + k]);
			have[v.x.frag_offset + k] = true;
		}
		memcpy(rebuilt + v.x.frag_offset, v.up, dl);
	}
	assert_int_equal(lasts, 1);
	assert_int_equal(last_end, 3000);
	for (size_t k = 0; k < 3000; k++)
		assert_true(have[k]);
	assert_memory_equal(rebuilt, odata, 3000);
	assert_true(ip.tx_fragmented >= 1);

	clear();
	assert_int_equal(send_udp(PEER, 3000, HZ_IP_TX_DF), HZ_ERR_TOO_BIG);
	assert_int_equal(cap.n, 0);
}

/* RFC 6980 5: ND messages in fragments are ignored. */
static void test_frag_nd_dropped(void **state)
{
	(void)state;
	uint8_t sn[16];
	solicited(sn, GA);
	/* the NS as it would be sent whole, checksum included */
	rx_ns(PEER, sn, 255, GA, PEER_MAC, NULL);
	clear();
	uint8_t ns[32];
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, 0, 0);
	m_add(GA, 16);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, MAC_B);
	memcpy(ns, msg, 32);
	wr16(ns + 2, 0);
	wr16(ns + 2, ref_l4(PEER, sn, HZ_IPV6_NH_ICMPV6, ns, 32));

	snap();
	uint8_t fh[8] = { 0, 0, 0, 1, 0, 0, 0, 0x55 };
	p_begin(PEER, sn, 255);
	p_ext(HZ_IPV6_NH_FRAGMENT, fh, 8);
	p_raw(HZ_IPV6_NH_ICMPV6, ns, 16);
	p_end();
	p_send();
	fh[3] = 16; /* offset 16, M=0 */
	p_begin(PEER, sn, 255);
	p_ext(HZ_IPV6_NH_FRAGMENT, fh, 8);
	p_raw(HZ_IPV6_NH_ICMPV6, ns + 16, 16);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_FRAGMENTED);
	assert_int_equal(cap.n, 0);
	/* the entry learned from the earlier NS kept its address */
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_non_null(n);
	assert_memory_equal(n->lladdr, PEER_MAC, 6);
}

/* RFC 6980 5: "include an IPv6 Fragmentation Header" covers an atomic
 * fragment (RFC 6946) too. */
static void test_frag_nd_atomic_dropped(void **state)
{
	(void)state;
	uint8_t sn[16];
	solicited(sn, GA);
	m_begin(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, 0, 0);
	m_add(GA, 16);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, MAC_B);
	static const uint8_t fh[8] = { 0, 0, 0, 0, 0, 0, 0, 0x56 };
	snap();
	p_begin(PEER, sn, 255);
	p_ext(HZ_IPV6_NH_FRAGMENT, fh, 8);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_ND_FRAGMENTED);
	assert_int_equal(cap.n, 0);
	const struct hz_ipv6_neigh *n = hz_ipv6_neigh_find(&ip, PEER);
	assert_true(n == NULL || n->state == HZ_IPV6_ND_FREE);
}

/* =====================================================================
 * RFC 3810 (MLDv2), RFC 2710 (MLDv1 compatibility)
 * ===================================================================== */

struct rec {
	uint8_t type;
	uint8_t g[16];
	hz_time_t at;
};

/* Every MLDv2 record sent in frames [from, cap.n), checking each report's
 * envelope (RFC 3810 5.2.13 / 5: link-local source, to ff02::16, hop
 * limit 1, router alert). */
static size_t mld2_records(size_t from, struct rec *out, size_t max)
{
	size_t n = 0;
	for (int i = find_icmp(HZ_IPV6_ICMP_MLD2_REPORT, from); i >= 0;
	     i = find_icmp(HZ_IPV6_ICMP_MLD2_REPORT, (size_t)i + 1)) {
		struct view v;
		view_of((size_t)i, &v);
		assert_memory_equal(v.h.src.b, LL, 16);
		assert_memory_equal(v.h.dst.b, MLD2_ROUTERS, 16);
		assert_int_equal(v.h.hop_limit, 1);
		assert_true(v.x.flags & HZ_IPV6_EXT_F_HBH);
		assert_true(v.x.flags & HZ_IPV6_EXT_F_ROUTER_ALERT);
		assert_true(cap.f[i].mcast);
		struct hz_ipv6_mld_record r[16];
		size_t nr = 0;
		enum hz_ipv6_drop why;
		assert_int_equal(hz_ipv6_mld2_report_parse(&v.m, r, 16, &nr, &why), HZ_OK);
		for (size_t k = 0; k < nr && k < 16 && n < max; k++) {
			/* RFC 3810 6: nothing is ever reported about ff02::1 */
			assert_memory_not_equal(r[k].group, ALL_NODES, 16);
			out[n].type = r[k].type;
			memcpy(out[n].g, r[k].group, 16);
			out[n].at = cap.f[i].at;
			n++;
		}
	}
	return n;
}

static size_t count_rec(const struct rec *r, size_t n, uint8_t type, const uint8_t g[16])
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].type == type && memcmp(r[i].g, g, 16) == 0)
			c++;
	return c;
}

/* 6.1: joining sends a State Change Report (CHANGE_TO_EXCLUDE_MODE {}),
 * repeated [Robustness Variable] - 1 = 1 time within the Unsolicited
 * Report Interval (1 s); leaving sends CHANGE_TO_INCLUDE_MODE {} the same
 * way. The link filter follows the reference count. */
static void test_mld_join_leave(void **state)
{
	(void)state;
	hz_time_t t = vnow;
	assert_int_equal(hz_ipv6_group_join(&ip, GROUP), HZ_OK);
	assert_true(hz_ipv6_group_joined(&ip, GROUP));
	assert_true(mc_find(GROUP, true) >= 0);
	run_until(t + HZ_SEC(3));
	struct rec r[32];
	size_t n = mld2_records(0, r, 32);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_TO_EXCLUDE, GROUP), 2);
	hz_time_t a = 0, b = 0;
	for (size_t i = 0; i < n; i++)
		if (memcmp(r[i].g, GROUP, 16) == 0) {
			if (!a)
				a = r[i].at;
			else
				b = r[i].at;
		}
	assert_true(a == t);
	assert_true(b > a && b <= a + HZ_SEC(1));

	/* reference counted: a second join and one leave send nothing */
	clear();
	assert_int_equal(hz_ipv6_group_join(&ip, GROUP), HZ_OK);
	assert_int_equal(hz_ipv6_group_leave(&ip, GROUP), HZ_OK);
	run_until(vnow + HZ_SEC(3));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_MLD2_REPORT), 0);
	assert_true(hz_ipv6_group_joined(&ip, GROUP));
	assert_int_equal(mc_find(GROUP, false), -1);

	t = vnow;
	assert_int_equal(hz_ipv6_group_leave(&ip, GROUP), HZ_OK);
	assert_false(hz_ipv6_group_joined(&ip, GROUP));
	assert_true(mc_find(GROUP, false) >= 0);
	run_until(t + HZ_SEC(3));
	n = mld2_records(0, r, 32);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_TO_INCLUDE, GROUP), 2);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_TO_EXCLUDE, GROUP), 0);

	assert_int_equal(hz_ipv6_group_leave(&ip, GROUP), HZ_ERR_NOT_FOUND);
	assert_int_equal(hz_ipv6_group_join(&ip, GA), HZ_ERR_INVALID);
	/* after leaving, traffic to the group is not for us */
	snap();
	rx_udp(PEER_LL, GROUP, 8);
	assert_one_drop(HZ_IPV6_DROP_NOT_FOR_US);
	assert_int_equal(udp.calls, 0);
}

/* 6.2 / 5.1.3: a general query is answered within Maximum Response Delay
 * by Current State Records (MODE_IS_EXCLUDE) for every group. */
static void test_mld_general_query(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv6_group_join(&ip, GROUP), HZ_OK);
	run_until(vnow + HZ_SEC(3));
	clear();
	hz_time_t t = vnow;
	assert_int_equal(rx_mld2_query(RTR, 1, true, UNSPEC, 1000), HZ_OK);
	run_until(t + HZ_SEC(2));
	struct rec r[32];
	size_t n = mld2_records(0, r, 32);
	assert_true(n >= 3);
	uint8_t sn_ll[16], sn_ga[16];
	solicited(sn_ll, LL);
	solicited(sn_ga, GA);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_IS_EXCLUDE, GROUP), 1);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_IS_EXCLUDE, sn_ll), 1);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_IS_EXCLUDE, sn_ga), 1);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].type, HZ_IPV6_MLD_IS_EXCLUDE);
		assert_true(r[i].at >= t && r[i].at <= t + HZ_SEC(1));
	}
}

/* 8.2.1: an MLDv1 query switches to MLDv1: Reports (type 131) sent to
 * each group, hop limit 1, router alert; later joins too. */
static void test_mld_v1_compat(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv6_group_join(&ip, GROUP), HZ_OK);
	run_until(vnow + HZ_SEC(3));
	clear();
	hz_time_t t = vnow;
	assert_int_equal(rx_mld1_query(UNSPEC, 1000), HZ_OK);
	run_until(t + HZ_SEC(2));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_MLD2_REPORT), 0);
	bool seen = false;
	for (int i = find_icmp(HZ_IPV6_ICMP_MLD_REPORT, 0); i >= 0;
	     i = find_icmp(HZ_IPV6_ICMP_MLD_REPORT, (size_t)i + 1)) {
		struct view v;
		view_of((size_t)i, &v);
		assert_int_equal(v.h.hop_limit, 1);
		assert_true(v.x.flags & HZ_IPV6_EXT_F_ROUTER_ALERT);
		assert_memory_equal(v.h.src.b, LL, 16);
		assert_true(v.m.data_len >= 16);
		assert_memory_equal(v.h.dst.b, v.m.data, 16); /* sent to the group it names */
		assert_memory_not_equal(v.m.data, ALL_NODES, 16);
		assert_true(cap.f[i].at <= t + HZ_SEC(1));
		if (memcmp(v.m.data, GROUP, 16) == 0)
			seen = true;
	}
	assert_true(seen);

	clear();
	assert_int_equal(hz_ipv6_group_join(&ip, GROUP2), HZ_OK);
	run_until(vnow + HZ_SEC(1));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_MLD2_REPORT), 0);
	int i = find_icmp(HZ_IPV6_ICMP_MLD_REPORT, 0);
	assert_true(i >= 0);
	struct view v;
	view_of((size_t)i, &v);
	assert_memory_equal(v.h.dst.b, GROUP2, 16);
}

/* 5.1.14 / 6.2: a query not from a link-local source, or with a hop
 * limit other than 1, is dropped (and answered by nothing). */
static void test_mld_query_validation(void **state)
{
	(void)state;
	snap();
	assert_true(rx_mld2_query(RTR, 2, true, UNSPEC, 1000) < 0);
	assert_one_drop(HZ_IPV6_DROP_MLD_INVALID);
	snap();
	assert_true(rx_mld2_query(PEER, 1, true, UNSPEC, 1000) < 0);
	assert_one_drop(HZ_IPV6_DROP_MLD_INVALID);
	run_until(vnow + HZ_SEC(2));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_MLD2_REPORT), 0);
}

/* RFC 3810 6.2: "... and if the Router Alert option is present in the
 * Hop-By-Hop Options header ... If any of these checks fails, the packet
 * is dropped." */
static void test_mld_query_needs_router_alert(void **state)
{
	(void)state;
	snap();
	assert_true(rx_mld2_query(RTR, 1, false, UNSPEC, 1000) < 0);
	assert_one_drop(HZ_IPV6_DROP_MLD_INVALID);
	run_until(vnow + HZ_SEC(2));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_MLD2_REPORT), 0);
}

/* =====================================================================
 * The struct hz_ip seam and basic delivery
 * ===================================================================== */

static void test_ip_seam(void **state)
{
	(void)state;
	const struct hz_ip *seam = hz_ipv6_ip(&ip);
	assert_int_equal(seam->family, HZ_AF_INET6);
	assert_true(seam->headroom >= HZ_IPV6_HDR_LEN + LH);
	struct hz_ipaddr a = v6(GA), b = v6(PEER);
	assert_true(seam->is_local(seam->ctx, &a));
	assert_false(seam->is_local(seam->ctx, &b));
	/* RFC 8200 8.1 pseudo-header, summed by hand */
	assert_int_equal(hz_csum_fold(seam->pseudo(seam->ctx, &b, &a, HZ_IPV6_NH_UDP, 0x12345)),
	                 ref_sum(PEER, GA, HZ_IPV6_NH_UDP, 0x12345, NULL, 0));
	/* not for us */
	snap();
	assert_true(rx_udp(PEER, ONLINK, 8) < 0);
	assert_one_drop(HZ_IPV6_DROP_NOT_FOR_US);
	assert_int_equal(udp.calls, 0);
}

/* =====================================================================
 * More of RFC 4861 / 4862 / 7217
 * ===================================================================== */

/* RFC 4861 7.2.2: packets wait while resolving (at least one, more kept
 * here), and no more than one NS goes per RetransTimer per neighbour. */
static void test_nd_queue(void **state)
{
	(void)state;
	assert_int_equal(send_udp(PEER, 64, 0), HZ_OK);
	assert_int_equal(send_udp(PEER, 65, 0), HZ_OK);
	assert_int_equal(send_udp(PEER, 66, 0), HZ_OK);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 1);
	assert_int_equal(rx_na(PEER, GA, NA_S | NA_O, PEER, PEER_MAC), HZ_OK);
	assert_int_equal(count_udp(), 3);
	size_t want = 64;
	for (size_t i = 0; i < cap.n; i++) {
		struct view v;
		view_of(i, &v);
		if (v.x.proto != HZ_IPV6_NH_UDP)
			continue;
		assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
		assert_int_equal(v.uplen, want); /* in the order they were sent */
		want++;
	}
}

/* RFC 4861 7.2.4: a unicast NS (NUD from the peer, no SLLA) is answered
 * by a unicast solicited NA to its source. */
static void test_nd_ns_unicast(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	assert_int_equal(rx_ns(PEER, GA, 255, GA, NULL, NULL), HZ_OK);
	int i = find_icmp(HZ_IPV6_ICMP_NEIGHBOR_ADVERT, 0);
	assert_true(i >= 0);
	struct view v;
	struct hz_ipv6_nd nd;
	view_of((size_t)i, &v);
	assert_memory_equal(v.h.dst.b, PEER, 16);
	assert_false(cap.f[i].mcast);
	assert_memory_equal(cap.f[i].ll, PEER_MAC, 6);
	nd_of(&v, &nd);
	assert_true(nd.solicited);
	assert_memory_equal(nd.target, GA, 16);
}

/* RFC 4861 6.3.4: an RA's Retrans Timer replaces RetransTimer: NS
 * retransmissions follow it. */
static void test_ra_retrans_timer(void **state)
{
	(void)state;
	ra_begin(64, 0);
	wr32(msg + 12, 2000); /* Retrans Timer, ms */
	assert_int_equal(rx_ra(), HZ_OK);
	clear();
	assert_int_equal(send_udp(PEER, 64, 0), HZ_OK);
	run_until(vnow + HZ_MSEC(4500));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 3);
	int a = find_ns(PEER, 0);
	int b = find_ns(PEER, (size_t)a + 1);
	assert_true(cap.f[b].at - cap.f[a].at >= HZ_MSEC(2000));
}

/* RFC 4861 6.3.4: a prefix whose valid lifetime is advertised as 0 is
 * timed out at once. */
static void test_prefix_valid_zero(void **state)
{
	(void)state;
	ra_begin(64, 0);
	m_opt_prefix(P5, 64, true, false, 7200, 3600);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_nexthop(IN_P5, IN_P5);
	ra_begin(64, 0);
	m_opt_prefix(P5, 64, true, false, 0, 0);
	assert_int_equal(rx_ra(), HZ_OK);
	uint8_t nh[16];
	assert_int_equal(hz_ipv6_nexthop(&ip, IN_P5, nh), HZ_ERR_NO_ROUTE);
	assert_false(prefix_listed(P5, 64));
}

/* RFC 8106 5.3.1: RDNSS entries expire after their lifetime; lifetime 0
 * removes them. */
static void test_rdnss_lifetime(void **state)
{
	(void)state;
	struct hz_ipaddr dns[3];
	hz_time_t t = vnow;
	ra_begin(64, 0);
	m_opt_rdnss(10, DNS1);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(hz_ipv6_rdnss_get(&ip, dns, 3), 1);
	clear();
	run_until(t + HZ_SEC(9));
	assert_int_equal(hz_ipv6_rdnss_get(&ip, dns, 3), 1);
	run_until(t + HZ_SEC(11));
	assert_int_equal(hz_ipv6_rdnss_get(&ip, dns, 3), 0);
	assert_true(find_event(HZ_IPV6_EV_RDNSS, NULL) >= 0);

	ra_begin(64, 0);
	m_opt_rdnss(600, DNS1);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(hz_ipv6_rdnss_get(&ip, dns, 3), 1);
	ra_begin(64, 0);
	m_opt_rdnss(0, DNS1);
	assert_int_equal(rx_ra(), HZ_OK);
	assert_int_equal(hz_ipv6_rdnss_get(&ip, dns, 3), 0);
}

/* RFC 4861 6.3.7: "a host SHOULD send at least one solicitation in the
 * case where an advertisement is received prior to having sent a
 * solicitation". */
static void test_rs_after_early_ra(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.rtr_solicits = 3;
	start(&c);
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	ra_begin(64, 1800);
	m_opt_ll(HZ_IPV6_ND_OPT_SLLA, RTR_MAC);
	assert_int_equal(rx_ra(), HZ_OK);
	run_until(vnow + HZ_SEC(10));
	assert_true(count_icmp(HZ_IPV6_ICMP_ROUTER_SOLICIT) >= 1);
}

/* RFC 4862 5.4: DupAddrDetectTransmits 0: no DAD, the address is
 * usable at once. */
static void test_dad_skipped(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.dad_transmits = 0;
	start(&c);
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	run_until(vnow);
	const struct hz_ipv6_addr *a = hz_ipv6_addr_find(&ip, LL);
	assert_non_null(a);
	assert_int_equal(a->state, HZ_IPV6_ADDR_PREFERRED);
	assert_true(find_event(HZ_IPV6_EV_ADDR_READY, LL) >= 0);
	run_until(vnow + HZ_SEC(3));
	assert_int_equal(find_ns(LL, 0), -1);
	assert_source(PEER_LL, LL);
}

/* RFC 4862 5.4.2: DupAddrDetectTransmits NSs, RetransTimer apart; ready
 * RetransTimer after the last. */
static void test_dad_two_transmits(void **state)
{
	(void)state;
	struct hz_ipv6_config c;
	cfg_base(&c);
	c.dad_transmits = 2;
	start(&c);
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	int i = run_until_ns(LL, vnow + HZ_SEC(1));
	assert_true(i >= 0);
	hz_time_t t1 = cap.f[i].at;
	run_until(t1 + RETRANS + HZ_MSEC(1));
	int j = find_ns(LL, (size_t)i + 1);
	assert_true(j >= 0);
	assert_true(cap.f[j].at - t1 >= RETRANS);
	hz_time_t t2 = cap.f[j].at;
	run_until(t2 + RETRANS - HZ_MSEC(5));
	assert_int_equal(hz_ipv6_addr_find(&ip, LL)->state, HZ_IPV6_ADDR_TENTATIVE);
	assert_true(run_until_event(HZ_IPV6_EV_ADDR_READY, LL, t2 + RETRANS + HZ_MSEC(5)));
	assert_int_equal(find_ns(LL, (size_t)j + 1), -1);
}

/* hz_ipv6_addr_add's documented refusals. */
static void test_addr_add_errors(void **state)
{
	(void)state;
	struct hz_ipaddr a = v6(ALL_NODES);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 64, vnow), HZ_ERR_INVALID);
	a = v6(UNSPEC);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 64, vnow), HZ_ERR_INVALID);
	a = v6(GB);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 129, vnow), HZ_ERR_INVALID);
	a = v6(GA);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 64, vnow), HZ_ERR_IN_USE);
}

/* RFC 4862 5.4.5: a manual address that fails DAD is not used and not
 * replaced. */
static void test_dad_manual_conflict(void **state)
{
	(void)state;
	struct hz_ipaddr a = v6(GA);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 64, vnow), HZ_OK);
	assert_true(run_until_ns(GA, vnow + HZ_SEC(2)) >= 0);
	rx_na(OTHER_LL, ALL_NODES, NA_O, GA, OTHER_MAC);
	assert_true(find_event(HZ_IPV6_EV_ADDR_CONFLICT, GA) >= 0);
	const struct hz_ipv6_addr *e = hz_ipv6_addr_find(&ip, GA);
	assert_non_null(e);
	assert_int_equal(e->state, HZ_IPV6_ADDR_DUPLICATE);
	size_t before = count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT);
	run_until(vnow + HZ_SEC(5));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), before);
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_READY, GA), -1);
	assert_source(ONLINK, LL);
}

/* RFC 7217 6: IDGEN_RETRIES (3) new identifiers at most, then give up. */
static void test_slaac_idgen_retries(void **state)
{
	(void)state;
	ra_begin(64, 0);
	m_opt_prefix(P2, 64, true, true, 7200, 3600);
	assert_int_equal(rx_ra(), HZ_OK);
	for (uint8_t k = 0; k <= 3; k++) {
		uint8_t ak[16], sn[16];
		stable_addr(ak, P2, k);
		assert_true(run_until_ns(ak, vnow + HZ_SEC(5)) >= 0);
		solicited(sn, ak);
		rx_ns(UNSPEC, sn, 255, ak, NULL, OTHER_NONCE);
		assert_true(find_event(HZ_IPV6_EV_ADDR_CONFLICT, ak) >= 0);
	}
	uint8_t a4[16];
	stable_addr(a4, P2, 4);
	clear();
	run_until(vnow + HZ_SEC(10));
	assert_int_equal(find_ns(a4, 0), -1);
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_NEIGHBOR_SOLICIT), 0);
	assert_int_equal(find_event(HZ_IPV6_EV_ADDR_READY, NULL), -1);
}

/* Removing an address leaves its solicited-node group (RFC 4291 2.8: a
 * node joins it only for its addresses) and stops accepting for it. */
static void test_addr_del(void **state)
{
	(void)state;
	uint8_t sn[16];
	solicited(sn, GA);
	assert_true(hz_ipv6_group_joined(&ip, sn));
	struct hz_ipaddr a = v6(GA);
	assert_int_equal(hz_ipv6_addr_del(&ip, &a), HZ_OK);
	assert_null(hz_ipv6_addr_find(&ip, GA));
	assert_false(hz_ipv6_group_joined(&ip, sn));
	assert_true(mc_find(sn, false) >= 0);
	snap();
	assert_true(rx_udp(PEER, GA, 8) < 0);
	assert_one_drop(HZ_IPV6_DROP_NOT_FOR_US);
	assert_int_equal(hz_ipv6_addr_del(&ip, &a), HZ_ERR_NOT_FOUND);
}

/* RFC 6724 rule 2 whatever the order of the address table: a global
 * address added before hz_ipv6_up sits ahead of the link-local one. */
static void test_source_scope_order(void **state)
{
	(void)state;
	struct hz_ipaddr a = v6(GA);
	assert_int_equal(hz_ipv6_addr_add(&ip, &a, 64, vnow), HZ_OK);
	assert_int_equal(hz_ipv6_up(&ip, vnow), HZ_OK);
	run_until(vnow + HZ_SEC(4));
	assert_int_equal(hz_ipv6_addr_find(&ip, GA)->state, HZ_IPV6_ADDR_PREFERRED);
	assert_int_equal(hz_ipv6_addr_find(&ip, LL)->state, HZ_IPV6_ADDR_PREFERRED);
	assert_source(FAR, GA);
	assert_source(MC_GLOBAL, GA);
	assert_source(PEER_LL, LL);
	assert_source(ALL_NODES, LL);
}

/* =====================================================================
 * More of RFC 4443 / 8200
 * ===================================================================== */

static struct upper icmpu;
static const struct hz_ip_upper icmp_up = { &icmpu, up_input, NULL };

/* Header contract + RFC 4443 2.4 (b): informational messages the engine
 * does not consume go to the ICMPv6 upper, else they are dropped. */
static void test_icmp_upper(void **state)
{
	(void)state;
	memset(&icmpu, 0, sizeof icmpu);
	snap();
	m_begin(200, 0, 0);
	assert_true(rx_icmp(PEER, GA, 64) < 0);
	assert_one_drop(HZ_IPV6_DROP_ICMP_IGNORED);
	assert_int_equal(cap.n, 0);

	assert_int_equal(hz_ipv6_attach(&ip, HZ_IPV6_NH_ICMPV6, &icmp_up), HZ_OK);
	m_begin(HZ_IPV6_ICMP_ECHO_REPLY, 0, 0x12340007);
	m_add(ECHO_DATA, sizeof ECHO_DATA);
	assert_int_equal(rx_icmp(PEER, GA, 64), HZ_OK);
	assert_int_equal(icmpu.calls, 1);
	assert_int_equal(icmpu.len, 8 + sizeof ECHO_DATA);
	assert_memory_equal(icmpu.payload, pk + 40, icmpu.len);
	assert_int_equal(icmpu.rx.proto, HZ_IPV6_NH_ICMPV6);
	assert_memory_equal(icmpu.rx.src.b, PEER, 16);
	assert_int_equal(cap.n, 0);
}

/* RFC 8200 4 / 4.1: a hop-by-hop header anywhere but first is a Next
 * Header value of 0 outside the IPv6 header: PP code 1 pointing at it. */
static void test_ext_hbh_not_first(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	uint8_t d[64];
	size_t n = udp_dgram(d, PEER, GA, 5000, 9, 8);
	snap();
	p_begin(PEER, GA, 64);
	p_ext(HZ_IPV6_NH_DSTOPTS, PADN_HDR, 8);
	p_ext(HZ_IPV6_NH_HOPOPTS, PADN_HDR, 8);
	p_upper(HZ_IPV6_NH_UDP, d, n);
	p_end();
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_HBH_NOT_FIRST);
	assert_int_equal(udp.calls, 0);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_NEXT_HEADER, GA, PEER, PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 40);
}

/* RFC 6946: an atomic fragment is processed at once; RFC 8200 4.5: M set
 * and a length not a multiple of 8 -> PP code 0 at the Payload Length. */
static void test_frag_atomic_and_bad_len(void **state)
{
	(void)state;
	learn(PEER, PEER_MAC, GA);
	big_len = udp_dgram(big, PEER, GA, 5000, 9, 20);
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x66, big, 0, big_len, false);
	assert_int_equal(p_send(), HZ_OK);
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.len, big_len);
	assert_memory_equal(udp.payload, big, big_len);

	snap();
	p_frag(PEER, HZ_IPV6_NH_UDP, 0x67, big, 0, 12, true);
	assert_true(p_send() < 0);
	assert_one_drop(HZ_IPV6_DROP_FRAG_BAD_LEN);
	assert_int_equal(cap.n, 1);
	struct view v;
	error_frame(0, &v, HZ_IPV6_ICMP_PARAM_PROBLEM, HZ_IPV6_PP_HEADER, GA, PEER, PEER_MAC);
	assert_int_equal(hz_ipv6_icmp_pointer(&v.m), 4);
}

/* RFC 8200 4.5: the fragmentable part may begin with extension headers;
 * the reassembled packet is walked again. */
static void test_frag_ext_in_fragmentable(void **state)
{
	(void)state;
	uint8_t d[1300];
	size_t n = udp_dgram(d, PEER, GA, 5000, 9, 1200);
	memcpy(big, PADN_HDR, 8);
	big[0] = HZ_IPV6_NH_UDP;
	memcpy(big + 8, d, n);
	big_len = 8 + n;
	p_frag(PEER, HZ_IPV6_NH_DSTOPTS, 0x77, big, 0, 1000, true);
	p_send();
	p_frag(PEER, HZ_IPV6_NH_DSTOPTS, 0x77, big, 1000, big_len - 1000, false);
	p_send();
	assert_int_equal(udp.calls, 1);
	assert_int_equal(udp.len, n);
	assert_memory_equal(udp.payload, d, n);
}

/* =====================================================================
 * More of RFC 3810
 * ===================================================================== */

/* 6.2: a Multicast Address Specific Query is answered for that group
 * only, and only if we are in it; 5.1.15: a query sent to one of our
 * unicast addresses is processed too. */
static void test_mld_specific_query(void **state)
{
	(void)state;
	assert_int_equal(hz_ipv6_group_join(&ip, GROUP), HZ_OK);
	run_until(vnow + HZ_SEC(3));
	clear();
	hz_time_t t = vnow;
	assert_int_equal(rx_mld2_query(RTR, 1, true, GROUP, 1000), HZ_OK);
	run_until(t + HZ_SEC(2));
	struct rec r[32];
	size_t n = mld2_records(0, r, 32);
	assert_true(n >= 1);
	for (size_t i = 0; i < n; i++) {
		assert_memory_equal(r[i].g, GROUP, 16);
		assert_int_equal(r[i].type, HZ_IPV6_MLD_IS_EXCLUDE);
		assert_true(r[i].at <= t + HZ_SEC(1));
	}

	clear();
	rx_mld2_query(RTR, 1, true, GROUP2, 1000);
	run_until(vnow + HZ_SEC(2));
	assert_int_equal(count_icmp(HZ_IPV6_ICMP_MLD2_REPORT), 0);

	clear();
	m_begin(HZ_IPV6_ICMP_MLD_QUERY, 0, 1000u << 16);
	m_add(UNSPEC, 16);
	const uint8_t tail[4] = { 2, 125, 0, 0 };
	m_add(tail, 4);
	p_begin(RTR, LL, 1);
	p_ext(HZ_IPV6_NH_HOPOPTS, HBH_RA, 8);
	p_upper(HZ_IPV6_NH_ICMPV6, msg, mlen);
	p_end();
	assert_int_equal(p_send(), HZ_OK);
	run_until(vnow + HZ_SEC(2));
	n = mld2_records(0, r, 32);
	assert_int_equal(count_rec(r, n, HZ_IPV6_MLD_IS_EXCLUDE, GROUP), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* RFC 4861 neighbour cache */
		cmocka_unit_test_setup(test_nd_resolve, setup_std),
		cmocka_unit_test_setup(test_nd_resolve_fails, setup_std),
		cmocka_unit_test_setup(test_nd_incomplete_unsolicited_na, setup_std),
		cmocka_unit_test_setup(test_nd_reachable_stale_delay_probe, setup_std),
		cmocka_unit_test_setup(test_nd_probe_fails, setup_std),
		cmocka_unit_test_setup(test_nd_ns_answered, setup_std),
		cmocka_unit_test_setup(test_nd_na_override, setup_std),
		cmocka_unit_test_setup(test_nd_confirm, setup_std),
		cmocka_unit_test_setup(test_nd_isrouter_cleared, setup_std),
		cmocka_unit_test_setup(test_nd_validation, setup_std),
		cmocka_unit_test_setup(test_nd_queue, setup_std),
		cmocka_unit_test_setup(test_nd_ns_unicast, setup_std),
		/* RFC 4862 / 7217 / 7527 DAD, RFC 4861 6.3.7 RS */
		cmocka_unit_test_setup(test_dad_link_local, setup_fresh),
		cmocka_unit_test_setup(test_rs_stop_on_ra, setup_fresh),
		cmocka_unit_test_setup(test_dad_conflict_ns, setup_fresh),
		cmocka_unit_test_setup(test_dad_conflict_na, setup_fresh),
		cmocka_unit_test_setup(test_dad_own_ns_looped, setup_fresh),
		cmocka_unit_test_setup(test_dad_defend, setup_std),
		cmocka_unit_test_setup(test_dad_skipped, setup_fresh),
		cmocka_unit_test_setup(test_dad_two_transmits, setup_fresh),
		cmocka_unit_test_setup(test_dad_manual_conflict, setup_ll),
		cmocka_unit_test_setup(test_addr_add_errors, setup_std),
		cmocka_unit_test_setup(test_addr_del, setup_std),
		cmocka_unit_test_setup(test_rs_after_early_ra, setup_fresh),
		/* RFC 4862 5.5 SLAAC, RFC 4861 6.3.4 */
		cmocka_unit_test_setup(test_slaac_ra, setup_ll),
		cmocka_unit_test_setup(test_slaac_ignored_prefixes, setup_ll),
		cmocka_unit_test_setup(test_slaac_dad_retry, setup_ll),
		cmocka_unit_test_setup(test_slaac_lifetimes, setup_ll),
		cmocka_unit_test_setup(test_slaac_two_hour_rule, setup_ll),
		cmocka_unit_test_setup(test_router_lifetime, setup_ll),
		cmocka_unit_test_setup(test_ra_mtu_hop_limit, setup_ll),
		cmocka_unit_test_setup(test_ra_ignored, setup_fresh),
		cmocka_unit_test_setup(test_ra_retrans_timer, setup_std),
		cmocka_unit_test_setup(test_prefix_valid_zero, setup_ll),
		cmocka_unit_test_setup(test_rdnss_lifetime, setup_ll),
		cmocka_unit_test_setup(test_slaac_idgen_retries, setup_ll),
		/* RFC 6724, RFC 4861 5.2 */
		cmocka_unit_test_setup(test_source_selection, setup_std),
		cmocka_unit_test_setup(test_source_none, setup_fresh),
		cmocka_unit_test_setup(test_source_scope_order, setup_fresh),
		cmocka_unit_test_setup(test_nexthop, setup_std),
		cmocka_unit_test_setup(test_nexthop_prefers_reachable, setup_std),
		/* RFC 4861 8 redirects */
		cmocka_unit_test_setup(test_redirect_router, setup_std),
		cmocka_unit_test_setup(test_redirect_on_link, setup_std),
		cmocka_unit_test_setup(test_redirect_refused, setup_std),
		cmocka_unit_test_setup(test_redirect_disabled, setup_fresh),
		/* RFC 4443, RFC 8201 */
		cmocka_unit_test_setup(test_echo, setup_std),
		cmocka_unit_test_setup(test_echo_multicast_off, setup_fresh),
		cmocka_unit_test_setup(test_port_unreachable, setup_std),
		cmocka_unit_test_setup(test_error_quote_limit, setup_std),
		cmocka_unit_test_setup(test_unknown_next_header, setup_std),
		cmocka_unit_test_setup(test_icmp_rate_limit, setup_fresh),
		cmocka_unit_test_setup(test_icmp_error_rules, setup_std),
		cmocka_unit_test_setup(test_packet_too_big, setup_std),
		cmocka_unit_test_setup(test_pmtu_expiry, setup_std),
		cmocka_unit_test_setup(test_icmp_bad_quote, setup_std),
		cmocka_unit_test_setup(test_dest_unreach_to_upper, setup_std),
		cmocka_unit_test_setup(test_icmp_upper, setup_std),
		/* RFC 8200 4 extension headers */
		cmocka_unit_test_setup(test_ext_valid_chain, setup_std),
		cmocka_unit_test_setup(test_ext_too_many_truncated, setup_std),
		cmocka_unit_test_setup(test_ext_unknown_option, setup_std),
		cmocka_unit_test_setup(test_ext_rh0, setup_std),
		cmocka_unit_test_setup(test_ext_hbh_not_first, setup_std),
		/* RFC 8200 4.5, 5722, 7112, 6980 fragments */
		cmocka_unit_test_setup(test_frag_reassembly, setup_std),
		cmocka_unit_test_setup(test_frag_overlap, setup_std),
		cmocka_unit_test_setup(test_frag_first_short, setup_std),
		cmocka_unit_test_setup(test_frag_timeout, setup_std),
		cmocka_unit_test_setup(test_frag_output, setup_std),
		cmocka_unit_test_setup(test_frag_atomic_and_bad_len, setup_std),
		cmocka_unit_test_setup(test_frag_ext_in_fragmentable, setup_std),
		cmocka_unit_test_setup(test_frag_nd_dropped, setup_std),
		cmocka_unit_test_setup(test_frag_nd_atomic_dropped, setup_std),
		/* RFC 3810 / 2710 MLD */
		cmocka_unit_test_setup(test_mld_join_leave, setup_std),
		cmocka_unit_test_setup(test_mld_general_query, setup_std),
		cmocka_unit_test_setup(test_mld_v1_compat, setup_std),
		cmocka_unit_test_setup(test_mld_specific_query, setup_std),
		cmocka_unit_test_setup(test_mld_query_validation, setup_std),
		cmocka_unit_test_setup(test_mld_query_needs_router_alert, setup_std),
		/* the seam */
		cmocka_unit_test_setup(test_ip_seam, setup_std),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
