/*
 * udp: header parse/emit, checksums, and the engine over a fake struct
 * hz_ip that delivers datagrams and checks every datagram udp sends.
 *
 * Input: a sequence of operations, each starting with one byte:
 *   0 datagram in:  flags u8, src u32, dst-select u8, len u16, bytes
 *                   (flags bit 0: fix the checksum, bit 1: zero it,
 *                    bit 2: HZ_IP_RX_BCAST, bit 3: HZ_IP_RX_MCAST)
 *   1 ICMP error:   kind u8, dst u32, len u8, quote bytes
 *   2 recvfrom:     cap u16 (on the ring socket)
 *   3 sendto:       socket u8, dst u32, port u16, len u16 (data from input)
 *   4 close + reopen + bind: socket u8, port u16, reuse u8
 *   5 connect:      socket u8, dst u32, port u16
 *
 * Invariants: parse(emit) round trip; a computed checksum verifies; what
 * a receive callback sees is the input's payload and addresses; every
 * datagram udp hands to ip parses, has the right length and ports, and
 * carries a valid checksum; a successful send returns its length and
 * produced exactly one datagram; rings never return more than was queued.
 */
#include "fuzz.h"
#include "haze/udp.h"

#define NSOCKS 8

struct fip {
	struct hz_ip ip;
	const struct hz_ip_upper *up;
	int outputs;
	size_t last_payload_len;
	uint16_t last_sport;
	/* the datagram being delivered, to check what callbacks see */
	const uint8_t *in;
	size_t in_len;
	int delivered;
};

static struct fip F;
static struct hz_udp U;
static struct hz_udp_sock socks[NSOCKS];
static uint8_t txbuf[HZ_PBUF_HEADROOM + 8 + 2048];
static uint8_t ring[600];
static struct hz_udp_sock *s_echo, *s_ring, *s_conn;

static uint32_t f_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                         uint8_t proto, size_t len)
{
	(void)ctx;
	uint8_t ph[12];
	memcpy(ph, src->b, 4);
	memcpy(ph + 4, dst->b, 4);
	ph[8] = 0;
	ph[9] = proto;
	hz_be16_store(ph + 10, (uint16_t)len);
	return hz_csum_add(0, ph, sizeof ph);
}

static int f_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	struct fip *f = ctx;
	FZ_CHECK(proto == HZ_UDP_PROTO && up && up->input);
	if (f->up)
		return HZ_ERR_IN_USE;
	f->up = up;
	return HZ_OK;
}

static int f_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	(void)ctx;
	FZ_CHECK(dst->family == HZ_AF_INET);
	*src = hz_ipaddr_v4(FZ_ADDR);
	return HZ_OK;
}

static bool f_is_local(void *ctx, const struct hz_ipaddr *a)
{
	(void)ctx;
	return a->family == HZ_AF_INET && hz_ipaddr_to_v4(a) == FZ_ADDR;
}

static size_t f_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	(void)ctx;
	(void)dst;
	return 1480;
}

static int f_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	struct fip *f = ctx;
	FZ_CHECK(pb->head >= f->ip.headroom);
	FZ_CHECK(pb->head + pb->len <= pb->cap);
	FZ_CHECK(tx->proto == HZ_UDP_PROTO);
	FZ_CHECK(tx->dst.family == HZ_AF_INET);
	FZ_CHECK(tx->src.family == HZ_AF_NONE || tx->src.family == HZ_AF_INET);
	const uint8_t *d = hz_pbuf_data(pb);
	struct hz_udp_hdr h;
	FZ_CHECK(hz_udp_hdr_parse(&h, d, pb->len) == HZ_OK);
	FZ_CHECK(h.len == pb->len);
	FZ_CHECK(h.sport != 0 && h.dport != 0);
	struct hz_ipaddr src = tx->src.family ? tx->src : hz_ipaddr_v4(FZ_ADDR);
	if (!(pb->flags & HZ_PBUF_F_CSUM_PARTIAL)) {
		FZ_CHECK(h.csum != 0);
		FZ_CHECK(hz_udp_csum_verify(f_pseudo(NULL, &src, &tx->dst, HZ_UDP_PROTO, h.len), d, h.len));
	}
	f->outputs++;
	f->last_payload_len = pb->len - HZ_UDP_HDR_LEN;
	f->last_sport = h.sport;
	return HZ_OK;
}

static void on_recv(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	(void)ctx;
	FZ_CHECK(s->state == HZ_UDP_SOCK_BOUND);
	FZ_CHECK(d->to.port == s->local.port);
	FZ_CHECK(F.in && fz_within(d->data, d->len, F.in, F.in_len));
	FZ_CHECK(d->data == F.in + HZ_UDP_HDR_LEN);
	FZ_CHECK(d->len + HZ_UDP_HDR_LEN <= F.in_len);
	FZ_CHECK(d->from.port == hz_be16_load(F.in));
	if (s->connected)
		FZ_CHECK(d->from.port == s->remote.port && hz_ipaddr_eq(&d->from.addr, &s->remote.addr));
	F.delivered++;
	if (s == s_echo && d->from.port && !(d->flags & (HZ_IP_RX_BCAST | HZ_IP_RX_MCAST))) {
		/* Echo from inside the callback: the re-entrant path. */
		int before = F.outputs;
		int rc = hz_udp_sock_sendto(s, d->data, d->len, &d->from);
		if (rc >= 0) {
			FZ_CHECK((size_t)rc == d->len);
			FZ_CHECK(F.outputs == before + 1 && F.last_payload_len == d->len);
		}
	}
}

static void on_icmp(void *ctx, struct hz_udp_sock *s, int err, const struct hz_ip_err *e)
{
	(void)ctx;
	FZ_CHECK(err < 0);
	FZ_CHECK(s->state != HZ_UDP_SOCK_FREE);
	FZ_CHECK(e->quote_len >= 8);
	FZ_CHECK(hz_be16_load(e->quote) == s->local.port);
}

static struct hz_ipaddr pick_dst(uint8_t sel)
{
	switch (sel & 3u) {
	case 0: return hz_ipaddr_v4(FZ_ADDR);
	case 1: return hz_ipaddr_v4(0xffffffffu);
	case 2: return hz_ipaddr_v4(0xe0000001u);
	default: return hz_ipaddr_v4(0x0a0000ffu);
	}
}

static void wire_checks(const uint8_t *p, size_t len, uint32_t pseudo)
{
	struct hz_udp_hdr h, h2;
	int rc = hz_udp_hdr_parse(&h, p, len);
	if (len < HZ_UDP_HDR_LEN)
		FZ_CHECK(rc == HZ_ERR_NEED_MORE);
	if (rc != HZ_OK) {
		FZ_CHECK(rc == HZ_ERR_NEED_MORE || rc == HZ_ERR_MALFORMED);
		return;
	}
	FZ_CHECK(h.len >= HZ_UDP_HDR_LEN && h.len <= len);
	uint8_t out[HZ_UDP_HDR_LEN];
	FZ_CHECK(hz_udp_hdr_emit(out, sizeof out, &h) == HZ_UDP_HDR_LEN);
	FZ_CHECK(memcmp(out, p, HZ_UDP_HDR_LEN) == 0);
	FZ_CHECK(hz_udp_hdr_parse(&h2, out, HZ_UDP_HDR_LEN) == (h.len == 8 ? HZ_OK : HZ_ERR_MALFORMED));
	FZ_CHECK(hz_udp_hdr_emit(out, 7, &h) == HZ_ERR_NO_SPACE);

	static uint8_t copy[65536];
	memcpy(copy, p, h.len);
	uint16_t c = hz_udp_csum_compute(pseudo, copy, h.len);
	FZ_CHECK(c != 0);
	hz_be16_store(copy + 6, c);
	FZ_CHECK(hz_udp_csum_verify(pseudo, copy, h.len));
	/* the stored checksum is ignored by compute */
	FZ_CHECK(hz_udp_csum_compute(pseudo, copy, h.len) == c);
}

static void setup(void)
{
	memset(&F, 0, sizeof F);
	F.ip.ctx = &F;
	F.ip.family = HZ_AF_INET;
	F.ip.headroom = HZ_PBUF_HEADROOM - 8;
	F.ip.attach = f_attach;
	F.ip.output = f_output;
	F.ip.pseudo = f_pseudo;
	F.ip.mtu = f_mtu;
	F.ip.source = f_source;
	F.ip.is_local = f_is_local;

	hz_udp_init(&U, NULL, socks, NSOCKS, txbuf, sizeof txbuf);
	FZ_CHECK(hz_udp_attach(&U, &F.ip) == HZ_OK);
	FZ_CHECK(hz_udp_attach(&U, &F.ip) == HZ_ERR_IN_USE);

	struct hz_udp_endpoint ep = { .addr = { 0 }, .port = 7 };
	s_echo = hz_udp_sock_open(&U);
	FZ_CHECK(s_echo && hz_udp_sock_bind(s_echo, &ep) == HZ_OK);
	hz_udp_sock_set_recv(s_echo, on_recv, NULL);
	hz_udp_sock_set_icmp(s_echo, on_icmp, NULL);

	ep.addr = hz_ipaddr_v4(FZ_ADDR);
	ep.port = 9;
	s_ring = hz_udp_sock_open(&U);
	FZ_CHECK(s_ring && hz_udp_sock_bind(s_ring, &ep) == HZ_OK);
	hz_udp_sock_set_ring(s_ring, ring, sizeof ring);

	s_conn = hz_udp_sock_open(&U);
	struct hz_udp_endpoint peer = { .addr = hz_ipaddr_v4(FZ_GATEWAY), .port = 53 };
	FZ_CHECK(s_conn && hz_udp_sock_connect(s_conn, &peer) == HZ_OK);
	FZ_CHECK(s_conn->state == HZ_UDP_SOCK_BOUND && s_conn->local.port >= HZ_UDP_EPHEMERAL_MIN);
	hz_udp_sock_set_recv(s_conn, on_recv, NULL);
	hz_udp_sock_set_icmp(s_conn, on_icmp, NULL);

	/* two sockets sharing port 123 */
	for (int i = 0; i < 2; i++) {
		struct hz_udp_sock *s = hz_udp_sock_open(&U);
		FZ_CHECK(s);
		hz_udp_sock_set_reuse(s, true);
		ep.addr = i ? hz_ipaddr_v4(FZ_ADDR) : (struct hz_ipaddr){ 0 };
		ep.port = 123;
		FZ_CHECK(hz_udp_sock_bind(s, &ep) == HZ_OK);
		hz_udp_sock_set_recv(s, on_recv, NULL);
	}
	/* a non-local address cannot be bound */
	struct hz_udp_sock *s = hz_udp_sock_open(&U);
	ep.addr = hz_ipaddr_v4(0x0a000063u);
	ep.port = 99;
	FZ_CHECK(s && hz_udp_sock_bind(s, &ep) == HZ_ERR_INVALID);
	hz_udp_sock_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t dgram[65536];
	struct fz_in in;
	fz_in_init(&in, data, size);
	setup();
	hz_time_t now = 0;

	for (int step = 0; step < 64 && !fz_in_empty(&in); step++) {
		uint8_t op = fz_u8(&in);
		now += HZ_MSEC(1);
		switch (op % 6) {
		case 0: {
			uint8_t flags = fz_u8(&in);
			struct hz_ip_rx rx;
			memset(&rx, 0, sizeof rx);
			rx.src = hz_ipaddr_v4(fz_u32(&in));
			rx.dst = pick_dst(fz_u8(&in));
			rx.proto = HZ_UDP_PROTO;
			rx.ttl = 64;
			rx.flags = (uint8_t)((flags >> 2) & 3u);
			rx.ip = &F.ip;
			rx.now = now;
			size_t n;
			const uint8_t *p = fz_bytes(&in, fz_u16(&in), &n);
			memcpy(dgram, p, n);
			rx.pseudo = f_pseudo(NULL, &rx.src, &rx.dst, HZ_UDP_PROTO, n);
			if (n >= HZ_UDP_HDR_LEN && (flags & 3u)) {
				size_t ulen = hz_be16_load(dgram + 4);
				if (flags & 1u) {
					/* make it valid: length fits, checksum right */
					if (ulen < 8 || ulen > n)
						hz_be16_store(dgram + 4, (uint16_t)n), ulen = n;
					hz_be16_store(dgram + 6, hz_udp_csum_compute(
						f_pseudo(NULL, &rx.src, &rx.dst, HZ_UDP_PROTO, ulen), dgram, ulen));
				} else {
					hz_be16_store(dgram + 6, 0);
				}
			}
			wire_checks(dgram, n, rx.pseudo);
			uint64_t rx_before = U.stats.rx_datagrams;
			F.in = dgram;
			F.in_len = n;
			F.delivered = 0;
			int rc = F.up->input(F.up->ctx, &rx, dgram, n);
			F.in = NULL;
			FZ_CHECK(rc <= 0);
			if (rc == HZ_OK)
				FZ_CHECK(U.stats.rx_datagrams > rx_before);
			FZ_CHECK(U.stats.rx_datagrams - rx_before >= (uint64_t)F.delivered);
			if (rc == HZ_ERR_REFUSED)
				FZ_CHECK(F.delivered == 0);
			break;
		}
		case 1: {
			struct hz_ip_err e;
			memset(&e, 0, sizeof e);
			e.kind = (uint8_t)(1 + fz_u8(&in) % 9);
			e.type = 3;
			e.code = 3;
			e.proto = HZ_UDP_PROTO;
			e.reporter = hz_ipaddr_v4(FZ_GATEWAY);
			e.src = hz_ipaddr_v4(FZ_ADDR);
			e.dst = hz_ipaddr_v4(fz_u32(&in));
			size_t n;
			const uint8_t *q = fz_bytes(&in, fz_u8(&in), &n);
			memcpy(dgram, q, n);
			e.quote = dgram;
			e.quote_len = n;
			e.now = now;
			hz_udp_icmp_input(&U, &e);
			for (int i = 0; i < NSOCKS; i++) {
				if (socks[i].state == HZ_UDP_SOCK_FREE)
					continue;
				int err = hz_udp_sock_error(&socks[i]);
				FZ_CHECK(err <= 0);
				FZ_CHECK(hz_udp_sock_error(&socks[i]) == HZ_OK);
			}
			break;
		}
		case 2: {
			uint8_t out[2048];
			size_t cap = fz_u16(&in) % sizeof out;
			size_t queued = s_ring->ring_count;
			struct hz_udp_endpoint from;
			int rc = hz_udp_sock_recvfrom(s_ring, out, cap, &from);
			if (queued == 0) {
				FZ_CHECK(rc == HZ_ERR_WOULD_BLOCK);
			} else {
				FZ_CHECK(rc >= 0 && (size_t)rc + HZ_UDP_RING_OVERHEAD <= sizeof ring);
				FZ_CHECK(s_ring->ring_count == queued - 1);
				FZ_CHECK(from.addr.family == HZ_AF_INET);
			}
			FZ_CHECK(s_ring->ring_head <= sizeof ring && s_ring->ring_tail <= sizeof ring);
			break;
		}
		case 3: {
			struct hz_udp_sock *s = &socks[fz_u8(&in) % NSOCKS];
			struct hz_udp_endpoint to = { .addr = hz_ipaddr_v4(fz_u32(&in)), .port = fz_u16(&in) };
			size_t n;
			const uint8_t *p = fz_bytes(&in, fz_u16(&in) % 2600, &n);
			int before = F.outputs;
			int rc = hz_udp_sock_sendto(s, p, n, (op & 0x80) && s->connected ? NULL : &to);
			if (rc >= 0) {
				FZ_CHECK((size_t)rc == n);
				FZ_CHECK(F.outputs == before + 1 && F.last_payload_len == n);
				FZ_CHECK(F.last_sport == s->local.port);
				FZ_CHECK(s->state == HZ_UDP_SOCK_BOUND);
			} else {
				FZ_CHECK(F.outputs == before);
			}
			break;
		}
		case 4: {
			struct hz_udp_sock *s = &socks[fz_u8(&in) % NSOCKS];
			uint16_t port = fz_u16(&in);
			uint8_t reuse = fz_u8(&in);
			if (s == s_echo || s == s_ring)
				break;
			hz_udp_sock_close(s);
			FZ_CHECK(s->state == HZ_UDP_SOCK_FREE);
			struct hz_udp_sock *t = hz_udp_sock_open(&U);
			FZ_CHECK(t != NULL);
			hz_udp_sock_set_reuse(t, reuse & 1u);
			struct hz_udp_endpoint ep = { .addr = (reuse & 2u) ? hz_ipaddr_v4(FZ_ADDR) : (struct hz_ipaddr){ 0 },
			                              .port = port };
			int rc = hz_udp_sock_bind(t, &ep);
			if (rc == HZ_OK) {
				FZ_CHECK(t->state == HZ_UDP_SOCK_BOUND);
				FZ_CHECK(port ? t->local.port == port : t->local.port >= HZ_UDP_EPHEMERAL_MIN);
				hz_udp_sock_set_recv(t, on_recv, NULL);
			}
			break;
		}
		default: {
			struct hz_udp_sock *s = &socks[fz_u8(&in) % NSOCKS];
			struct hz_udp_endpoint to = { .addr = hz_ipaddr_v4(fz_u32(&in)), .port = fz_u16(&in) };
			if (s == s_echo || s == s_ring || s->state == HZ_UDP_SOCK_FREE)
				break;
			int rc = hz_udp_sock_connect(s, &to);
			if (rc == HZ_OK)
				FZ_CHECK(s->connected && s->state == HZ_UDP_SOCK_BOUND);
			break;
		}
		}
		/* Table-wide invariants. */
		for (int i = 0; i < NSOCKS; i++) {
			const struct hz_udp_sock *s = &socks[i];
			FZ_CHECK(s->state <= HZ_UDP_SOCK_BOUND);
			if (s->state == HZ_UDP_SOCK_BOUND)
				FZ_CHECK(s->local.port != 0);
			if (s->ring)
				FZ_CHECK(s->ring_head <= s->ring_cap && s->ring_tail <= s->ring_cap &&
				         s->ring_end <= s->ring_cap);
		}
		FZ_CHECK(!U.tx_busy);
	}
	for (unsigned i = 0; i < HZ_UDP_DROP_COUNT; i++)
		FZ_CHECK(strcmp(hz_udp_drop_name(i), "?") != 0);
	return 0;
}
