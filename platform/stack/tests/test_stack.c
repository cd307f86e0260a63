/* stack unit tests: the composed stack over a fake netif that records every
 * frame it is asked to transmit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "haze/stack.h"

#define OUR_IP HZ_IPV4_ADDR(10, 0, 0, 2)
#define PEER_IP HZ_IPV4_ADDR(10, 0, 0, 1)
#define MAX_FRAMES 32
#define FRAME_CAP 2048

static const uint8_t our_mac[HZ_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_mac[HZ_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x01 };

static struct hz_stack stack;

struct fake {
	size_t n;
	size_t len[MAX_FRAMES];
	uint8_t frame[MAX_FRAMES][FRAME_CAP];
	int events[8];
	size_t nevents;
};
static struct fake fake;

static int fake_transmit(void *ctx, struct hz_pbuf *pb)
{
	struct fake *f = ctx;
	assert_true(pb->len <= FRAME_CAP);
	if (f->n == MAX_FRAMES)
		return HZ_ERR_WOULD_BLOCK;
	memcpy(f->frame[f->n], hz_pbuf_data(pb), pb->len);
	f->len[f->n] = pb->len;
	f->n++;
	return HZ_OK;
}

static void fake_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	uint8_t *p = out;
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(0x5a + 31 * i);
}

static const struct hz_shim shim = { .random = fake_random, .log_level = HZ_LOG_ERROR };
static struct hz_netif netif;

static void on_event(void *ctx, const struct hz_stack_event *ev)
{
	struct fake *f = ctx;
	if (f->nevents < HZ_ARRAY_LEN(f->events))
		f->events[f->nevents++] = ev->kind;
}

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof fake);
	memset(&netif, 0, sizeof netif);
	netif.ctx = &fake;
	netif.transmit = fake_transmit;
	memcpy(netif.mac, our_mac, HZ_MAC_LEN);
	netif.mtu = 1500;
	struct hz_stack_config cfg = {
		.addr = OUR_IP,
		.netmask = 0xffffff00u,
		.gateway = PEER_IP,
		.event = on_event,
		.event_ctx = &fake,
	};
	assert_int_equal(hz_stack_init(&stack, &cfg, &netif, &shim, HZ_SEC(1)), HZ_OK);
	return 0;
}

/* Frame builders. */
static size_t eth_hdr(uint8_t *b, const uint8_t dst[HZ_MAC_LEN], uint16_t type)
{
	memcpy(b, dst, HZ_MAC_LEN);
	memcpy(b + 6, peer_mac, HZ_MAC_LEN);
	hz_be16_store(b + 12, type);
	return 14;
}

static size_t arp_request(uint8_t *b, uint32_t target)
{
	static const uint8_t bcast[HZ_MAC_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	size_t n = eth_hdr(b, bcast, 0x0806);
	struct hz_arp_packet p = { .op = HZ_ARP_OP_REQUEST, .spa = PEER_IP, .tpa = target };
	memcpy(p.sha, peer_mac, HZ_MAC_LEN);
	n += (size_t)hz_arp_packet_emit(b + n, &p);
	memset(b + n, 0, 60 - n); /* pad to the Ethernet minimum */
	return 60;
}

/* IPv4 packet to us from the peer with payload pl[0..len), at byte 14. */
static size_t ip_packet(uint8_t *b, uint8_t proto, uint16_t id, uint16_t frag,
                        const uint8_t *pl, size_t len)
{
	size_t n = eth_hdr(b, our_mac, 0x0800);
	struct hz_ipv4_hdr h;
	memset(&h, 0, sizeof h);
	h.total_len = (uint16_t)(HZ_IPV4_HDR_LEN + len);
	h.id = id;
	h.frag = frag;
	h.ttl = 64;
	h.proto = proto;
	h.src = PEER_IP;
	h.dst = OUR_IP;
	int r = hz_ipv4_hdr_emit(&h, b + n, 60);
	assert_int_equal(r, HZ_IPV4_HDR_LEN);
	memcpy(b + n + HZ_IPV4_HDR_LEN, pl, len);
	return n + HZ_IPV4_HDR_LEN + len;
}

static size_t icmp_echo(uint8_t *out, size_t datalen)
{
	uint8_t data[FRAME_CAP];
	for (size_t i = 0; i < datalen; i++)
		data[i] = (uint8_t)i;
	struct hz_ipv4_icmp m = { .type = HZ_IPV4_ICMP_ECHO, .rest = 0x12340001u,
	                          .data = data, .data_len = datalen };
	return (size_t)hz_ipv4_icmp_emit(&m, out, FRAME_CAP);
}

static size_t udp_dgram(uint8_t *out, uint16_t dport, const char *text)
{
	size_t len = strlen(text);
	struct hz_udp_hdr h = { .sport = 40000, .dport = dport, .len = (uint16_t)(8 + len) };
	hz_udp_hdr_emit(out, 8, &h);
	memcpy(out + 8, text, len);
	uint16_t c = hz_udp_csum_compute(hz_ipv4_pseudo(PEER_IP, OUR_IP, 17, 8 + len), out, 8 + len);
	hz_be16_store(out + 6, c);
	return 8 + len;
}

/* Teach the stack the peer's MAC (an ARP request for us does) and forget
 * the frames sent so far. */
static void learn_peer(void)
{
	uint8_t f[64];
	size_t n = arp_request(f, OUR_IP);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(2)), HZ_OK);
	fake.n = 0;
}

/* The IPv4 payload of transmitted frame i, after checking the Ethernet and
 * IPv4 headers; *h gets the header. */
static const uint8_t *sent_ip(size_t i, struct hz_ipv4_hdr *h)
{
	assert_true(i < fake.n);
	const uint8_t *f = fake.frame[i];
	assert_memory_equal(f, peer_mac, HZ_MAC_LEN);
	assert_memory_equal(f + 6, our_mac, HZ_MAC_LEN);
	assert_int_equal(hz_be16_load(f + 12), 0x0800);
	assert_true(hz_ipv4_hdr_parse(h, f + 14, fake.len[i] - 14, NULL) >= 0);
	assert_int_equal(h->src, OUR_IP);
	assert_int_equal(h->dst, PEER_IP);
	return h->payload;
}

static void test_announce_at_init(void **state)
{
	(void)state;
	/* Without probing: a gratuitous ARP goes out at once and the address
	 * is ready. */
	assert_true(fake.n >= 1);
	struct hz_arp_packet p;
	assert_int_equal(hz_be16_load(fake.frame[0] + 12), 0x0806);
	assert_int_equal(hz_arp_packet_parse(&p, fake.frame[0] + 14, fake.len[0] - 14), HZ_OK);
	assert_int_equal(p.spa, OUR_IP);
	assert_int_equal(p.tpa, OUR_IP);
	assert_memory_equal(p.sha, our_mac, HZ_MAC_LEN);
	assert_true(fake.nevents >= 1);
	assert_int_equal(fake.events[0], HZ_STACK_EV_ADDR_READY);
	/* A second announcement is due later: poll reports a deadline. */
	assert_true(hz_stack_poll(&stack, HZ_SEC(1)) != HZ_TIME_NEVER);
}

static void test_arp_request_reply(void **state)
{
	(void)state;
	fake.n = 0;
	uint8_t f[64];
	size_t n = arp_request(f, OUR_IP);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(2)), HZ_OK);
	assert_int_equal(fake.n, 1);
	assert_memory_equal(fake.frame[0], peer_mac, HZ_MAC_LEN);
	assert_int_equal(hz_be16_load(fake.frame[0] + 12), 0x0806);
	struct hz_arp_packet p;
	assert_int_equal(hz_arp_packet_parse(&p, fake.frame[0] + 14, fake.len[0] - 14), HZ_OK);
	assert_int_equal(p.op, HZ_ARP_OP_REPLY);
	assert_memory_equal(p.sha, our_mac, HZ_MAC_LEN);
	assert_int_equal(p.spa, OUR_IP);
	assert_memory_equal(p.tha, peer_mac, HZ_MAC_LEN);
	assert_int_equal(p.tpa, PEER_IP);

	/* A request for someone else gets no answer. */
	fake.n = 0;
	n = arp_request(f, HZ_IPV4_ADDR(10, 0, 0, 9));
	(void)hz_stack_input(&stack, f, n, HZ_SEC(2));
	assert_int_equal(fake.n, 0);
}

static void test_icmp_echo_reply(void **state)
{
	(void)state;
	learn_peer();
	uint8_t icmp[128], f[256];
	size_t il = icmp_echo(icmp, 56);
	size_t n = ip_packet(f, HZ_IPV4_PROTO_ICMP, 1, 0, icmp, il);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_OK);
	assert_int_equal(fake.n, 1);
	struct hz_ipv4_hdr h;
	const uint8_t *pl = sent_ip(0, &h);
	assert_int_equal(h.proto, HZ_IPV4_PROTO_ICMP);
	assert_int_equal(h.payload_len, il);
	assert_int_equal(pl[0], HZ_IPV4_ICMP_ECHO_REPLY);
	assert_int_equal(hz_csum(pl, h.payload_len), 0);
	assert_memory_equal(pl + 4, icmp + 4, il - 4); /* id, seq and data echoed */
}

static void test_icmp_echo_fragmented(void **state)
{
	(void)state;
	learn_peer();
	/* An 8000-byte ping, in fragments of 1480 payload bytes. */
	static uint8_t icmp[8100];
	size_t il = 0;
	{
		static uint8_t data[8000];
		for (size_t i = 0; i < sizeof data; i++)
			data[i] = (uint8_t)(i * 7);
		struct hz_ipv4_icmp m = { .type = HZ_IPV4_ICMP_ECHO, .rest = 0x0bad0002u,
		                          .data = data, .data_len = sizeof data };
		il = (size_t)hz_ipv4_icmp_emit(&m, icmp, sizeof icmp);
	}
	for (size_t off = 0; off < il; off += 1480) {
		size_t len = HZ_MIN((size_t)1480, il - off);
		uint16_t frag = (uint16_t)(off / 8 | (off + len < il ? HZ_IPV4_FLAG_MF : 0));
		uint8_t f[1600];
		size_t n = ip_packet(f, HZ_IPV4_PROTO_ICMP, 77, frag, icmp + off, len);
		assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_OK);
	}
	/* The reply comes back fragmented to the 1500-byte MTU. */
	assert_int_equal(fake.n, 6);
	static uint8_t got[8100];
	size_t total = 0;
	for (size_t i = 0; i < fake.n; i++) {
		struct hz_ipv4_hdr h;
		const uint8_t *pl = sent_ip(i, &h);
		assert_true(h.total_len <= 1500);
		memcpy(got + hz_ipv4_hdr_offset(&h), pl, h.payload_len);
		total += h.payload_len;
	}
	assert_int_equal(total, il);
	assert_int_equal(got[0], HZ_IPV4_ICMP_ECHO_REPLY);
	assert_int_equal(hz_csum(got, il), 0);
	assert_memory_equal(got + 4, icmp + 4, il - 4);
}

static void test_udp_closed_port(void **state)
{
	(void)state;
	learn_peer();
	uint8_t u[64], f[128];
	size_t ul = udp_dgram(u, 9999, "hello");
	size_t n = ip_packet(f, HZ_IPV4_PROTO_UDP, 2, 0, u, ul);
	(void)hz_stack_input(&stack, f, n, HZ_SEC(3));
	assert_int_equal(fake.n, 1);
	struct hz_ipv4_hdr h;
	const uint8_t *pl = sent_ip(0, &h);
	assert_int_equal(h.proto, HZ_IPV4_PROTO_ICMP);
	assert_int_equal(pl[0], HZ_IPV4_ICMP_DEST_UNREACH);
	assert_int_equal(pl[1], HZ_IPV4_ICMP_PORT_UNREACH);
	assert_int_equal(hz_csum(pl, h.payload_len), 0);
	/* The quote starts with the offending IP header. */
	assert_memory_equal(pl + 8, f + 14, HZ_IPV4_HDR_LEN + 8);
	assert_int_equal(stack.udp.drops[HZ_UDP_DROP_NO_SOCKET], 1);
}

static void echo_cb(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	(void)ctx;
	assert_int_equal(hz_udp_sock_sendto(s, d->data, d->len, &d->from), (int)d->len);
}

static void test_udp_echo(void **state)
{
	(void)state;
	struct hz_udp_sock *s = hz_udp_sock_open(hz_stack_udp(&stack));
	assert_non_null(s);
	struct hz_udp_endpoint local = { .addr = { .family = HZ_AF_INET }, .port = 7 };
	assert_int_equal(hz_udp_sock_bind(s, &local), HZ_OK);
	hz_udp_sock_set_recv(s, echo_cb, NULL);
	learn_peer();
	uint8_t u[64], f[128];
	size_t ul = udp_dgram(u, 7, "echo me");
	size_t n = ip_packet(f, HZ_IPV4_PROTO_UDP, 3, 0, u, ul);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_OK);
	assert_int_equal(fake.n, 1);
	struct hz_ipv4_hdr h;
	const uint8_t *pl = sent_ip(0, &h);
	assert_int_equal(h.proto, HZ_IPV4_PROTO_UDP);
	assert_int_equal(hz_be16_load(pl), 7);
	assert_int_equal(hz_be16_load(pl + 2), 40000);
	assert_memory_equal(pl + 8, "echo me", 7);
}

/* hz_stack_input_meta: HZ_STACK_RX_CSUM_VALID reaches udp through ethif
 * and ipv4 (a datagram with a wrong checksum is taken only with it), holds
 * for that one frame, and a frame above the MTU (what a receive offload
 * hands over) is taken whole. */
struct rx_count {
	int calls;
	size_t len;
	uint8_t last;
};

static void rx_count_cb(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	(void)s;
	struct rx_count *c = ctx;
	c->calls++;
	c->len = d->len;
	c->last = d->len ? d->data[d->len - 1] : 0;
}

static void test_rx_meta_csum_valid(void **state)
{
	(void)state;
	struct rx_count rc = { 0 };
	struct hz_udp_sock *s = hz_udp_sock_open(hz_stack_udp(&stack));
	assert_non_null(s);
	struct hz_udp_endpoint local = { .addr = { .family = HZ_AF_INET }, .port = 9 };
	assert_int_equal(hz_udp_sock_bind(s, &local), HZ_OK);
	hz_udp_sock_set_recv(s, rx_count_cb, &rc);
	learn_peer();
	uint8_t u[64], f[128];
	size_t ul = udp_dgram(u, 9, "checksum");
	u[6] ^= 0x5a; /* a wrong checksum (as NEEDS_CSUM frames carry) */
	size_t n = ip_packet(f, HZ_IPV4_PROTO_UDP, 4, 0, u, ul);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_ERR_CHECKSUM);
	assert_int_equal(stack.udp.drops[HZ_UDP_DROP_BAD_CHECKSUM], 1);
	assert_int_equal(hz_stack_input_meta(&stack, f, n, HZ_STACK_RX_CSUM_VALID, HZ_SEC(3)), HZ_OK);
	assert_int_equal(rc.calls, 1);
	assert_int_equal(rc.len, 8);
	/* Only for that frame. */
	assert_int_equal(hz_stack_input_meta(&stack, f, n, 0, HZ_SEC(3)), HZ_ERR_CHECKSUM);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_ERR_CHECKSUM);
	assert_int_equal(stack.udp.drops[HZ_UDP_DROP_BAD_CHECKSUM], 3);
	assert_int_equal(rc.calls, 1);
	/* The IPv4 header checksum is still checked. */
	f[14 + 10] ^= 0x01;
	assert_int_equal(hz_stack_input_meta(&stack, f, n, HZ_STACK_RX_CSUM_VALID, HZ_SEC(3)),
	                 HZ_ERR_CHECKSUM);
	assert_int_equal(stack.ip.drops[HZ_IPV4_DROP_BAD_CHECKSUM], 1);

	/* 32 KiB of UDP in one 1500-MTU frame: taken whole. */
	static uint8_t big[14 + 20 + 8 + 32768];
	static uint8_t bu[8 + 32768];
	for (size_t i = 8; i < sizeof bu; i++)
		bu[i] = (uint8_t)(i * 5);
	struct hz_udp_hdr h = { .sport = 40000, .dport = 9, .len = (uint16_t)sizeof bu };
	hz_udp_hdr_emit(bu, 8, &h);
	n = ip_packet(big, HZ_IPV4_PROTO_UDP, 5, HZ_IPV4_FLAG_DF, bu, sizeof bu);
	assert_int_equal(n, sizeof big);
	assert_int_equal(hz_stack_input_meta(&stack, big, n, HZ_STACK_RX_CSUM_VALID, HZ_SEC(3)),
	                 HZ_OK);
	assert_int_equal(rc.calls, 2);
	assert_int_equal(rc.len, 32768);
	assert_int_equal(rc.last, (uint8_t)((sizeof bu - 1) * 5));
	assert_int_equal(fake.n, 0); /* nothing to answer */
}

struct seen {
	size_t n;
	uint64_t bad_checksum;
	uint64_t rx_frames;
	const char *names[512];
};

static void count_cb(void *ctx, const char *lib, const char *reason, uint64_t value)
{
	struct seen *s = ctx;
	assert_non_null(lib);
	assert_non_null(reason);
	assert_string_not_equal(reason, "?");
	if (!strcmp(lib, "ipv4") && !strcmp(reason, "bad_checksum"))
		s->bad_checksum = value;
	if (!strcmp(lib, "stack") && !strcmp(reason, "rx_frames"))
		s->rx_frames = value;
	/* Reasons are unique within a library. */
	for (size_t i = 0; i < s->n; i += 2)
		if (!strcmp(s->names[i], lib))
			assert_string_not_equal(s->names[i + 1], reason);
	if (s->n + 2 <= HZ_ARRAY_LEN(s->names)) {
		s->names[s->n++] = lib;
		s->names[s->n++] = reason;
	}
}

static void test_counters(void **state)
{
	(void)state;
	learn_peer();
	uint8_t u[64], f[128];
	size_t ul = udp_dgram(u, 7, "x");
	size_t n = ip_packet(f, HZ_IPV4_PROTO_UDP, 4, 0, u, ul);
	f[14 + 10] ^= 0xff; /* break the header checksum */
	for (int i = 0; i < 3; i++)
		assert_true(hz_stack_input(&stack, f, n, HZ_SEC(3)) < 0);
	assert_int_equal(fake.n, 0);
	struct seen s;
	memset(&s, 0, sizeof s);
	hz_stack_counters(&stack, count_cb, &s);
	assert_int_equal(s.bad_checksum, 3);
	assert_int_equal(s.rx_frames, 4); /* the ARP request and three bad packets */
	/* Every library's every reason is walked. */
	assert_true(s.n / 2 >= HZ_ETHIF_DROP_COUNT + HZ_ARP_DROP_COUNT + HZ_IPV4_DROP_COUNT +
	                           HZ_IPV6_DROP_COUNT + HZ_UDP_DROP_COUNT + HZ_TCP_DROP_COUNT + 5);
}

/* A TCP segment from the peer (port 40000) to us, checksummed. */
static size_t tcp_seg(uint8_t *out, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                      const struct hz_tcp_opts *o, const char *data)
{
	struct hz_tcp_hdr h = { .sport = 40000, .dport = dport, .seq = seq, .ack = ack,
	                        .flags = flags, .wnd = 65535 };
	int hl = hz_tcp_hdr_emit(out, HZ_TCP_HDR_MAX, &h, o);
	assert_true(hl >= HZ_TCP_HDR_LEN);
	size_t dl = data ? strlen(data) : 0;
	if (dl)
		memcpy(out + hl, data, dl);
	size_t len = (size_t)hl + dl;
	uint16_t c = hz_tcp_csum_compute(hz_ipv4_pseudo(PEER_IP, OUR_IP, HZ_TCP_PROTO, len), out, len);
	hz_be16_store(out + 16, c);
	return len;
}

/* The TCP segment in transmitted frame i, its checksum verified. */
static void sent_tcp(size_t i, struct hz_tcp_hdr *t, struct hz_tcp_opts *o)
{
	struct hz_ipv4_hdr h;
	const uint8_t *pl = sent_ip(i, &h);
	assert_int_equal(h.proto, HZ_TCP_PROTO);
	assert_true(hz_tcp_csum_verify(hz_ipv4_pseudo(OUR_IP, PEER_IP, HZ_TCP_PROTO, h.payload_len),
	                               pl, h.payload_len));
	assert_int_equal(hz_tcp_hdr_parse(t, pl, h.payload_len), HZ_OK);
	memset(o, 0, sizeof *o);
	assert_int_equal(hz_tcp_opts_parse(o, t->opt, t->opt_len), HZ_OK);
}

/* SYN to a listening port: SYN-ACK through the netif, then the handshake
 * completes, the connection is accepted and data flows both ways. */
static void test_tcp_listen_synack(void **state)
{
	(void)state;
	struct hz_tcp *tcp = hz_stack_tcp(&stack);
	struct hz_tcp_listener *l;
	struct hz_tcp_endpoint ep = { .addr = { .family = HZ_AF_INET }, .port = 7 };
	assert_int_equal(hz_tcp_listener_open(tcp, &ep, 4, &l), HZ_OK);
	learn_peer();

	uint8_t seg[128], f[256];
	struct hz_tcp_opts so = { .present = HZ_TCP_OPTF_MSS, .mss = 1460 };
	size_t sl = tcp_seg(seg, 7, 1000, 0, HZ_TCP_SYN, &so, NULL);
	size_t n = ip_packet(f, HZ_IPV4_PROTO_TCP, 5, 0, seg, sl);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_OK);
	assert_int_equal(fake.n, 1);
	struct hz_tcp_hdr t;
	struct hz_tcp_opts o;
	sent_tcp(0, &t, &o);
	assert_int_equal(t.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(t.sport, 7);
	assert_int_equal(t.dport, 40000);
	assert_int_equal(t.ack, 1001);
	assert_true(o.present & HZ_TCP_OPTF_MSS);
	assert_true(o.mss > 0 && o.mss <= 1460);
	/* The SYN-ACK is retransmitted unless acknowledged: a deadline. */
	assert_true(hz_stack_poll(&stack, HZ_SEC(3)) != HZ_TIME_NEVER);
	uint32_t iss = t.seq;

	/* Third segment with data: the connection is established. */
	fake.n = 0;
	sl = tcp_seg(seg, 7, 1001, iss + 1, HZ_TCP_ACK | HZ_TCP_PSH, NULL, "ping");
	n = ip_packet(f, HZ_IPV4_PROTO_TCP, 6, 0, seg, sl);
	assert_int_equal(hz_stack_input(&stack, f, n, HZ_SEC(3)), HZ_OK);
	struct hz_tcp_conn *c;
	assert_int_equal(hz_tcp_listener_accept(l, &c), HZ_OK);
	assert_int_equal(hz_tcp_conn_state(c), HZ_TCP_ESTABLISHED);
	char buf[16];
	assert_int_equal(hz_tcp_conn_recv(c, buf, sizeof buf), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(hz_tcp_conn_send(c, "pong", 4), 4);
	assert_true(fake.n >= 1);
	sent_tcp(fake.n - 1, &t, &o);
	assert_int_equal(t.seq, iss + 1);
	assert_int_equal(t.ack, 1005);
	struct hz_ipv4_hdr h;
	const uint8_t *pl = sent_ip(fake.n - 1, &h);
	assert_int_equal(h.payload_len, t.off + 4u);
	assert_memory_equal(pl + t.off, "pong", 4);
	/* The stack's counters see the traffic. */
	assert_true(stack.tcp.segs_in >= 2);
	assert_true(stack.tcp.segs_out >= 2);
	hz_tcp_conn_abort(c);
}

/* SYN to a port nobody listens on: RST, no ICMP (RFC 9293 3.10.7.1). */
static void test_tcp_closed_port(void **state)
{
	(void)state;
	learn_peer();
	uint8_t seg[128], f[256];
	size_t sl = tcp_seg(seg, 9999, 5000, 0, HZ_TCP_SYN, NULL, NULL);
	size_t n = ip_packet(f, HZ_IPV4_PROTO_TCP, 7, 0, seg, sl);
	(void)hz_stack_input(&stack, f, n, HZ_SEC(3));
	assert_int_equal(fake.n, 1);
	struct hz_tcp_hdr t;
	struct hz_tcp_opts o;
	sent_tcp(0, &t, &o);
	assert_int_equal(t.flags, HZ_TCP_RST | HZ_TCP_ACK);
	assert_int_equal(t.seq, 0);
	assert_int_equal(t.ack, 5001);
	assert_int_equal(t.sport, 9999);
	assert_int_equal(t.dport, 40000);
	assert_int_equal(stack.tcp.drops[HZ_TCP_DROP_NO_LISTENER], 1);
	assert_int_equal(stack.ip.drops[HZ_IPV4_DROP_NO_PROTO], 0);
	/* A bad checksum is dropped without an answer, under its reason. */
	fake.n = 0;
	seg[16] ^= 0x55;
	n = ip_packet(f, HZ_IPV4_PROTO_TCP, 8, 0, seg, sl);
	(void)hz_stack_input(&stack, f, n, HZ_SEC(3));
	assert_int_equal(fake.n, 0);
	assert_int_equal(stack.tcp.drops[HZ_TCP_DROP_BAD_CHECKSUM], 1);
}

static void test_arp_probe(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof fake);
	struct hz_stack_config cfg = {
		.addr = OUR_IP, .netmask = 0xffffff00u, .arp_probe = true,
		.event = on_event, .event_ctx = &fake,
	};
	assert_int_equal(hz_stack_init(&stack, &cfg, &netif, &shim, HZ_SEC(1)), HZ_OK);
	assert_int_equal(fake.nevents, 0);
	/* Not ours until probing is over: ipv4 ignores a ping meanwhile. */
	assert_int_equal(stack.ip.addr, 0);
	hz_time_t now = HZ_SEC(1);
	for (int i = 0; i < 100 && fake.nevents == 0; i++) {
		hz_time_t d = hz_stack_poll(&stack, now);
		assert_true(d != HZ_TIME_NEVER);
		now = d > now ? d : now + 1;
	}
	assert_int_equal(fake.nevents, 1);
	assert_int_equal(fake.events[0], HZ_STACK_EV_ADDR_READY);
	assert_int_equal(stack.ip.addr, OUR_IP);
	/* RFC 5227: three probes (sender IP 0), then announcements. */
	struct hz_arp_packet p;
	assert_int_equal(hz_arp_packet_parse(&p, fake.frame[0] + 14, fake.len[0] - 14), HZ_OK);
	assert_int_equal(p.spa, 0);
	assert_int_equal(p.tpa, OUR_IP);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct hz_stack_config cfg = { .addr = OUR_IP, .netmask = 0xff00ff00u };
	assert_int_equal(hz_stack_init(&stack, &cfg, &netif, &shim, 0), HZ_ERR_INVALID);
	assert_int_equal(hz_stack_init(&stack, &cfg, NULL, &shim, 0), HZ_ERR_INVALID);
}

/* TCP tables in the caller's storage replace the built-in ones. */
static void test_tcp_caller_storage(void **state)
{
	(void)state;
	static struct hz_tcp_conn conns[3];
	static uint8_t rings[3 * (2048 + 4096)];
	struct hz_tcp_storage ts = { .conns = conns, .nconns = 3, .ring_mem = rings,
		                     .snd_cap = 2048, .rcv_cap = 4096 };
	struct hz_stack_config cfg = { .addr = OUR_IP, .netmask = 0xffffff00u, .tcp_storage = &ts };
	assert_int_equal(hz_stack_init(&stack, &cfg, &netif, &shim, 0), HZ_OK);
	struct hz_tcp *t = hz_stack_tcp(&stack);
	assert_ptr_equal(t->conns, conns);
	assert_int_equal(t->nconns, 3);
	/* Listeners and the transmit buffer default to the stack's own. */
	assert_ptr_equal(t->listeners, stack.tcp_listeners);
}

/* The text forms every example application's --ip and --gw take. */
static void test_config_text(void **state)
{
	(void)state;
	struct hz_stack_config cfg = { 0 };
	assert_int_equal(hz_stack_config_set_ip(&cfg, "10.1.2.3/20"), HZ_OK);
	assert_int_equal(cfg.addr, 0x0a010203u);
	assert_int_equal(cfg.netmask, 0xfffff000u);
	assert_int_equal(hz_stack_config_set_ip(&cfg, "192.168.7.9/32"), HZ_OK);
	assert_int_equal(cfg.netmask, 0xffffffffu);
	assert_int_equal(hz_stack_config_set_ip(&cfg, "0.0.0.0/0"), HZ_OK);
	assert_int_equal(cfg.netmask, 0);
	cfg.addr = 7;
	const char *bad[] = { "10.0.0.2", "10.0.0.2/33", "fd00::1/64", "10.0.0/24", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(hz_stack_config_set_ip(&cfg, bad[i]), HZ_ERR_MALFORMED);
	assert_int_equal(cfg.addr, 7); /* unchanged on error */
	assert_int_equal(hz_stack_config_set_gw(&cfg, "10.0.0.1"), HZ_OK);
	assert_int_equal(cfg.gateway, 0x0a000001u);
	assert_int_equal(hz_stack_config_set_gw(&cfg, "10.0.0.1/24"), HZ_ERR_MALFORMED);
	assert_int_equal(hz_stack_config_set_gw(&cfg, "::1"), HZ_ERR_MALFORMED);
	assert_int_equal(cfg.gateway, 0x0a000001u);
}

/* ------------------------------------------------------------------ */
/* IPv6 (cfg.ipv6)                                                     */
/* ------------------------------------------------------------------ */

/* 2001:db8::2 (ours, static), 2001:db8::1 and fe80::1 (the peer's). */
static const uint8_t our6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t peer_ll[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

/* Every event with its fields (fake.events keeps only the kinds). */
static struct hz_stack_event evs[32];
static size_t nevs;
static hz_time_t t6; /* virtual time of the IPv6 tests, only forwards */

static void on_event6(void *ctx, const struct hz_stack_event *ev)
{
	on_event(ctx, ev);
	assert_non_null(ev->name);
	if (nevs < HZ_ARRAY_LEN(evs))
		evs[nevs++] = *ev;
}

static size_t count_events(uint8_t kind)
{
	size_t n = 0;
	for (size_t i = 0; i < nevs; i++)
		n += evs[i].kind == kind;
	return n;
}

/* Index in evs[] of the first event of kind about addr, or -1. */
static int find_event(uint8_t kind, const uint8_t addr[16])
{
	for (size_t i = 0; i < nevs; i++)
		if (evs[i].kind == kind && evs[i].ip.family == HZ_AF_INET6 &&
		    memcmp(evs[i].ip.b, addr, 16) == 0)
			return (int)i;
	return -1;
}

static int setup6(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof fake);
	nevs = 0;
	t6 = HZ_SEC(1);
	memset(&netif, 0, sizeof netif);
	netif.ctx = &fake;
	netif.transmit = fake_transmit;
	memcpy(netif.mac, our_mac, HZ_MAC_LEN);
	netif.mtu = 1500;
	struct hz_stack_config cfg = {
		.addr = OUR_IP,
		.netmask = 0xffffff00u,
		.gateway = PEER_IP,
		.event = on_event6,
		.event_ctx = &fake,
	};
	assert_int_equal(hz_stack_config_add_ip6(&cfg, "2001:db8::2/64"), HZ_OK);
	assert_true(cfg.ipv6);
	assert_int_equal(hz_stack_init(&stack, &cfg, &netif, &shim, HZ_SEC(1)), HZ_OK);
	return 0;
}

static struct hz_ipaddr a6(const uint8_t b[16])
{
	struct hz_ipaddr a = { .family = HZ_AF_INET6 };
	memcpy(a.b, b, 16);
	return a;
}

/* An ICMPv6 message src -> dst (type, bytes 4..7, then data) into out. */
static size_t icmp6(uint8_t *out, size_t cap, uint8_t type, uint32_t rest, const uint8_t src[16],
                    const uint8_t dst[16], const uint8_t *data, size_t dlen)
{
	struct hz_ipv6_icmp m = { .type = type, .rest = rest, .data = data, .data_len = dlen };
	struct hz_ipaddr s = a6(src), d = a6(dst);
	int n = hz_ipv6_icmp_emit(&m, &s, &d, out, cap);
	assert_true(n >= 8);
	return (size_t)n;
}

/* Ethernet + IPv6 from the peer's MAC, with payload pl. */
static size_t ip6_frame(uint8_t *b, size_t cap, const uint8_t dmac[HZ_MAC_LEN],
                        const uint8_t src[16], const uint8_t dst[16], uint8_t next, uint8_t hlim,
                        const uint8_t *pl, size_t len)
{
	assert_true(14 + HZ_IPV6_HDR_LEN + len <= cap);
	size_t n = eth_hdr(b, dmac, 0x86dd);
	struct hz_ipv6_hdr h;
	memset(&h, 0, sizeof h);
	h.payload_len = (uint16_t)len;
	h.next = next;
	h.hop_limit = hlim;
	h.src = a6(src);
	h.dst = a6(dst);
	assert_int_equal(hz_ipv6_hdr_emit(&h, b + n, cap - n), HZ_IPV6_HDR_LEN);
	memcpy(b + n + HZ_IPV6_HDR_LEN, pl, len);
	return n + HZ_IPV6_HDR_LEN + len;
}

/* A neighbour solicitation from the peer (from src, its MAC in an SLLA
 * option) for target, to target's solicited-node group. The peer's
 * address src is learned from it (RFC 4861 7.2.3). */
static size_t ns_frame_from(uint8_t *f, size_t cap, const uint8_t src[16], const uint8_t target[16])
{
	uint8_t body[16 + 8], icmp[64], group[16], gmac[HZ_MAC_LEN];
	memcpy(body, target, 16);
	body[16] = HZ_IPV6_ND_OPT_SLLA;
	body[17] = 1;
	memcpy(body + 18, peer_mac, HZ_MAC_LEN);
	hz_ipv6_addr_solicited(group, target);
	hz_ethif_mcast_ipv6_mac(group, gmac);
	size_t il = icmp6(icmp, sizeof icmp, HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, 0, src, group, body,
	                  sizeof body);
	return ip6_frame(f, cap, gmac, src, group, HZ_IPV6_NH_ICMPV6, 255, icmp, il);
}

static size_t ns_frame(uint8_t *f, size_t cap, const uint8_t target[16])
{
	return ns_frame_from(f, cap, peer_ll, target);
}

/* Frame i as IPv6: Ethernet from our MAC, type 0x86DD, a valid header;
 * *h gets it (payload_len bytes at h->payload). */
static void sent_ip6(size_t i, struct hz_ipv6_hdr *h)
{
	assert_true(i < fake.n);
	const uint8_t *f = fake.frame[i];
	assert_memory_equal(f + 6, our_mac, HZ_MAC_LEN);
	assert_int_equal(hz_be16_load(f + 12), 0x86dd);
	assert_int_equal(hz_ipv6_hdr_parse(h, f + 14, fake.len[i] - 14, NULL), HZ_IPV6_HDR_LEN);
}

/* The first frame sent from index `from` on that is an ICMPv6 message of
 * `type`, or -1. */
static int find_sent_icmp6_from(size_t from, uint8_t type, struct hz_ipv6_hdr *h,
                                struct hz_ipv6_icmp *m)
{
	for (size_t i = from; i < fake.n; i++) {
		if (hz_be16_load(fake.frame[i] + 12) != 0x86dd)
			continue;
		sent_ip6(i, h);
		if (h->next != HZ_IPV6_NH_ICMPV6)
			continue;
		assert_int_equal(hz_ipv6_icmp_parse(m, h->payload, h->payload_len, &h->src, &h->dst, NULL),
		                 HZ_OK);
		if (m->type == type)
			return (int)i;
	}
	return -1;
}

static int find_sent_icmp6(uint8_t type, struct hz_ipv6_hdr *h, struct hz_ipv6_icmp *m)
{
	return find_sent_icmp6_from(0, type, h, m);
}

/* Run timers until both addresses (link-local and 2001:db8::2) finished
 * DAD; the frames sent meanwhile are checked and forgotten. Returns the
 * time reached. */
static hz_time_t up6(void)
{
	hz_time_t now = t6;
	for (int i = 0; i < 200 && count_events(HZ_STACK_EV_ADDR6_READY) < 2; i++) {
		for (size_t k = 0; k < fake.n; k++) {
			if (hz_be16_load(fake.frame[k] + 12) == 0x86dd) {
				struct hz_ipv6_hdr h;
				sent_ip6(k, &h);
				assert_true(fake.frame[k][0] == 0x33 && fake.frame[k][1] == 0x33);
			}
		}
		fake.n = 0;
		hz_time_t d = hz_stack_poll(&stack, now);
		assert_true(d > now);
		now = d == HZ_TIME_NEVER ? now + HZ_SEC(1) : d;
	}
	assert_int_equal(count_events(HZ_STACK_EV_ADDR6_READY), 2);
	fake.n = 0;
	t6 = now;
	return now;
}

/* Bring-up: the engine is there, its groups are in ethif's filter, DAD
 * solicitations go out from :: and both addresses become ready. */
static void test_ipv6_up(void **state)
{
	(void)state;
	assert_non_null(hz_stack_ipv6(&stack));
	const struct hz_ip *ip6 = hz_stack_ip6(&stack);
	assert_non_null(ip6);
	assert_int_equal(ip6->family, HZ_AF_INET6);
	assert_int_equal(stack.ip6.link.mtu, 1500);
	assert_memory_equal(stack.ip6.link.lladdr, our_mac, HZ_MAC_LEN);
	/* The first frame is still IPv4's announcement. */
	assert_true(fake.n >= 1);
	assert_int_equal(hz_be16_load(fake.frame[0] + 12), 0x0806);

	/* DAD for our static address: an NS from :: for it, to its
	 * solicited-node group (RFC 4862 5.4.2), sent by now or after a poll. */
	hz_time_t now = t6;
	struct hz_ipv6_hdr h;
	struct hz_ipv6_icmp m;
	bool seen = false;
	for (int i = 0; i < 20 && !seen; i++) {
		int k = -1;
		while ((k = find_sent_icmp6_from((size_t)(k + 1), HZ_IPV6_ICMP_NEIGHBOR_SOLICIT, &h,
		                                 &m)) >= 0) {
			assert_true(m.data_len >= 16);
			if (memcmp(m.data, our6, 16) == 0) {
				uint8_t group[16];
				hz_ipv6_addr_solicited(group, our6);
				assert_true(hz_ipv6_addr_is_unspecified(h.src.b));
				assert_memory_equal(h.dst.b, group, 16);
				seen = true;
			}
		}
		fake.n = 0;
		hz_time_t d = hz_stack_poll(&stack, now);
		now = d == HZ_TIME_NEVER ? now + HZ_SEC(1) : d;
	}
	t6 = now;
	assert_true(seen);
	/* ethif accepts all-nodes and our solicited-node groups. */
	static const uint8_t mac_all[HZ_MAC_LEN] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t mac_sol[HZ_MAC_LEN] = { 0x33, 0x33, 0xff, 0, 0, 2 };
	assert_true(hz_ethif_mcast_joined(&stack.eth, mac_all));
	assert_true(hz_ethif_mcast_joined(&stack.eth, mac_sol));

	(void)up6();
	int k = find_event(HZ_STACK_EV_ADDR6_READY, our6);
	assert_true(k >= 0);
	const struct hz_stack_event *ev = &evs[k];
	assert_int_equal(ev->plen, 64);
	assert_int_equal(ev->addr, 0);
	assert_string_equal(ev->name, "addr6_ready");
	/* The other one is the link-local address. */
	size_t ll = 0;
	for (size_t i = 0; i < nevs; i++)
		if (evs[i].kind == HZ_STACK_EV_ADDR6_READY && hz_ipv6_addr_is_link_local(evs[i].ip.b))
			ll++;
	assert_int_equal(ll, 1);
	/* ipv6's timers are in the stack's deadline. */
	assert_true(stack.ip6.up);
}

/* A neighbour solicitation for our address (0x86DD -> ipv6) gets a
 * solicited advertisement, unicast to the soliciting MAC. */
static void test_ipv6_ns_gets_na(void **state)
{
	(void)state;
	hz_time_t now = up6();
	uint8_t f[256];
	size_t n = ns_frame(f, sizeof f, our6);
	uint64_t rx = stack.ip6.rx_packets;
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_OK);
	assert_int_equal(stack.ip6.rx_packets, rx + 1);
	struct hz_ipv6_hdr h;
	struct hz_ipv6_icmp m;
	int k = find_sent_icmp6(HZ_IPV6_ICMP_NEIGHBOR_ADVERT, &h, &m);
	assert_true(k >= 0);
	assert_memory_equal(fake.frame[k], peer_mac, HZ_MAC_LEN);
	assert_memory_equal(h.dst.b, peer_ll, 16);
	assert_int_equal(h.hop_limit, 255);
	assert_true(m.rest & HZ_IPV6_NA_F_SOLICITED);
	assert_true(m.data_len >= 16);
	assert_memory_equal(m.data, our6, 16);
	/* An NS for an address that is not ours gets nothing. */
	fake.n = 0;
	static const uint8_t other[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	n = ns_frame(f, sizeof f, other);
	(void)hz_stack_input(&stack, f, n, now);
	assert_int_equal(find_sent_icmp6(HZ_IPV6_ICMP_NEIGHBOR_ADVERT, &h, &m), -1);
}

/* ping6: an echo request to our global address is answered. */
static void test_ipv6_echo(void **state)
{
	(void)state;
	hz_time_t now = up6();
	uint8_t f[512], icmp[256], data[56];
	size_t n = ns_frame_from(f, sizeof f, peer6, our6); /* the peer's MAC, learned */
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_OK);
	fake.n = 0;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 3);
	size_t il = icmp6(icmp, sizeof icmp, HZ_IPV6_ICMP_ECHO, 0x43210007u, peer6, our6, data,
	                  sizeof data);
	n = ip6_frame(f, sizeof f, our_mac, peer6, our6, HZ_IPV6_NH_ICMPV6, 64, icmp, il);
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_OK);
	struct hz_ipv6_hdr h;
	struct hz_ipv6_icmp m;
	int k = find_sent_icmp6(HZ_IPV6_ICMP_ECHO_REPLY, &h, &m);
	assert_true(k >= 0);
	assert_memory_equal(fake.frame[k], peer_mac, HZ_MAC_LEN);
	assert_memory_equal(h.src.b, our6, 16);
	assert_memory_equal(h.dst.b, peer6, 16);
	assert_int_equal(m.rest, 0x43210007u);
	assert_int_equal(m.data_len, sizeof data);
	assert_memory_equal(m.data, data, sizeof data);
	assert_int_equal(stack.ip6.echo_replies, 1);
}

/* UDP and TCP are attached to ipv6: a socket bound to any address of any
 * family echoes an IPv6 datagram, and a SYN over IPv6 to a listener gets
 * a SYN-ACK over IPv6. */
static void test_ipv6_udp_tcp(void **state)
{
	(void)state;
	hz_time_t now = up6();
	uint8_t f[512], u[128];
	size_t n = ns_frame_from(f, sizeof f, peer6, our6);
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_OK);
	fake.n = 0;

	struct hz_udp_sock *s = hz_udp_sock_open(hz_stack_udp(&stack));
	assert_non_null(s);
	struct hz_udp_endpoint local = { .addr = { .family = HZ_AF_NONE }, .port = 7 };
	assert_int_equal(hz_udp_sock_bind(s, &local), HZ_OK);
	hz_udp_sock_set_recv(s, echo_cb, NULL);
	static const char text[] = "echo me over ipv6";
	size_t ul = 8 + sizeof text - 1;
	struct hz_udp_hdr uh = { .sport = 40000, .dport = 7, .len = (uint16_t)ul };
	hz_udp_hdr_emit(u, 8, &uh);
	memcpy(u + 8, text, sizeof text - 1);
	struct hz_ipaddr ps = a6(peer6), pd = a6(our6);
	hz_be16_store(u + 6, hz_udp_csum_compute(hz_ipv6_pseudo(&ps, &pd, 17, ul), u, ul));
	n = ip6_frame(f, sizeof f, our_mac, peer6, our6, HZ_IPV6_NH_UDP, 64, u, ul);
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_OK);
	assert_int_equal(fake.n, 1);
	struct hz_ipv6_hdr h;
	sent_ip6(0, &h);
	assert_int_equal(h.next, HZ_IPV6_NH_UDP);
	assert_memory_equal(h.src.b, our6, 16);
	assert_memory_equal(h.dst.b, peer6, 16);
	assert_int_equal(h.payload_len, ul);
	assert_int_equal(hz_be16_load(h.payload), 7);
	assert_int_equal(hz_be16_load(h.payload + 2), 40000);
	assert_true(hz_udp_csum_verify(hz_ipv6_pseudo(&h.src, &h.dst, 17, ul), h.payload, ul));
	assert_memory_equal(h.payload + 8, text, sizeof text - 1);

	fake.n = 0;
	struct hz_tcp_listener *l;
	struct hz_tcp_endpoint ep = { .addr = { .family = HZ_AF_NONE }, .port = 7 };
	assert_int_equal(hz_tcp_listener_open(hz_stack_tcp(&stack), &ep, 4, &l), HZ_OK);
	uint8_t seg[64];
	struct hz_tcp_opts so = { .present = HZ_TCP_OPTF_MSS, .mss = 1440 };
	struct hz_tcp_hdr th = { .sport = 40000, .dport = 7, .seq = 1000, .flags = HZ_TCP_SYN,
	                         .wnd = 65535 };
	int hl = hz_tcp_hdr_emit(seg, HZ_TCP_HDR_MAX, &th, &so);
	assert_true(hl >= HZ_TCP_HDR_LEN);
	hz_be16_store(seg + 16, hz_tcp_csum_compute(hz_ipv6_pseudo(&ps, &pd, HZ_TCP_PROTO, (size_t)hl),
	                                            seg, (size_t)hl));
	n = ip6_frame(f, sizeof f, our_mac, peer6, our6, HZ_IPV6_NH_TCP, 64, seg, (size_t)hl);
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_OK);
	assert_int_equal(fake.n, 1);
	sent_ip6(0, &h);
	assert_int_equal(h.next, HZ_IPV6_NH_TCP);
	assert_true(hz_tcp_csum_verify(hz_ipv6_pseudo(&h.src, &h.dst, HZ_TCP_PROTO, h.payload_len),
	                               h.payload, h.payload_len));
	struct hz_tcp_hdr t;
	assert_int_equal(hz_tcp_hdr_parse(&t, h.payload, h.payload_len), HZ_OK);
	assert_int_equal(t.flags, HZ_TCP_SYN | HZ_TCP_ACK);
	assert_int_equal(t.ack, 1001);
}

/* Drops in ipv6 are counted under lib "ipv6" by name; the engine's
 * traffic counters are reported as stack.ipv6_*. */
struct named {
	const char *lib, *reason;
	uint64_t value;
	bool found;
};

static void named_cb(void *ctx, const char *lib, const char *reason, uint64_t value)
{
	struct named *w = ctx;
	if (!strcmp(lib, w->lib) && !strcmp(reason, w->reason)) {
		w->value = value;
		w->found = true;
	}
}

static uint64_t counter_value(const char *lib, const char *reason)
{
	struct named w = { lib, reason, 0, false };
	hz_stack_counters(&stack, named_cb, &w);
	assert_true(w.found);
	return w.value;
}

static void test_ipv6_counters(void **state)
{
	(void)state;
	hz_time_t now = up6();
	uint8_t f[128], pl[8] = { 0 };
	size_t n = ip6_frame(f, sizeof f, our_mac, peer6, our6, HZ_IPV6_NH_NONE, 64, pl, sizeof pl);
	f[14] = 0x45; /* version 4 in an 0x86DD frame */
	for (int i = 0; i < 2; i++)
		assert_true(hz_stack_input(&stack, f, n, now) < 0);
	assert_int_equal(counter_value("ipv6", "bad_version"), 2);
	assert_int_equal(counter_value("ethif", "no_handler"), 0);
	assert_true(counter_value("stack", "ipv6_tx_packets") > 0); /* DAD, MLD, RS */
	assert_int_equal(counter_value("stack", "ipv6_dad_conflicts"), 0);
	struct seen s;
	memset(&s, 0, sizeof s);
	hz_stack_counters(&stack, count_cb, &s);
	assert_true(s.n / 2 >= HZ_ETHIF_DROP_COUNT + HZ_ARP_DROP_COUNT + HZ_IPV4_DROP_COUNT +
	                           HZ_IPV6_DROP_COUNT + HZ_UDP_DROP_COUNT + HZ_TCP_DROP_COUNT + 5);
}

/* DAD (RFC 4862 5.4.4): an advertisement for our tentative address from
 * another host is a conflict, reported with that host's MAC and counted;
 * the address is never used. */
static void test_ipv6_dad_conflict(void **state)
{
	(void)state;
	static const uint8_t other_mac[HZ_MAC_LEN] = { 0x02, 0, 0, 0, 0, 0x0b };
	uint8_t body[16 + 8], icmp[64], f[256];
	memcpy(body, our6, 16);
	body[16] = HZ_IPV6_ND_OPT_TLLA;
	body[17] = 1;
	memcpy(body + 18, other_mac, HZ_MAC_LEN);
	size_t il = icmp6(icmp, sizeof icmp, HZ_IPV6_ICMP_NEIGHBOR_ADVERT, HZ_IPV6_NA_F_OVERRIDE,
	                  peer_ll, all_nodes, body, sizeof body);
	static const uint8_t mac_all[HZ_MAC_LEN] = { 0x33, 0x33, 0, 0, 0, 1 };
	size_t n = ip6_frame(f, sizeof f, mac_all, peer_ll, all_nodes, HZ_IPV6_NH_ICMPV6, 255, icmp, il);
	memcpy(f + 6, other_mac, HZ_MAC_LEN);
	hz_time_t now = t6;
	(void)hz_stack_input(&stack, f, n, now);
	for (int i = 0; i < 50; i++) {
		hz_time_t d = hz_stack_poll(&stack, now);
		fake.n = 0;
		now = d == HZ_TIME_NEVER ? now + HZ_SEC(1) : d;
	}
	int k = find_event(HZ_STACK_EV_ADDR6_CONFLICT, our6);
	assert_true(k >= 0);
	const struct hz_stack_event *ev = &evs[k];
	assert_memory_equal(ev->mac, other_mac, HZ_MAC_LEN);
	assert_string_equal(ev->name, "addr6_conflict");
	assert_int_equal(find_event(HZ_STACK_EV_ADDR6_READY, our6), -1);
	assert_int_equal(counter_value("stack", "ipv6_dad_conflicts"), 1);
	/* The link-local address is unaffected. */
	assert_int_equal(count_events(HZ_STACK_EV_ADDR6_READY), 1);
}

/* Without cfg.ipv6: no engine, no IPv6 frames sent, 0x86DD frames have
 * no handler; the ipv6 counters are still listed (as zeros). */
static void test_ipv6_off(void **state)
{
	(void)state;
	assert_null(hz_stack_ipv6(&stack));
	assert_null(hz_stack_ip6(&stack));
	hz_time_t now = HZ_SEC(1);
	for (int i = 0; i < 10; i++) {
		hz_time_t d = hz_stack_poll(&stack, now);
		now = d == HZ_TIME_NEVER ? now + HZ_SEC(1) : d;
	}
	for (size_t i = 0; i < fake.n; i++)
		assert_int_not_equal(hz_be16_load(fake.frame[i] + 12), 0x86dd);
	/* An echo request to our MAC: ethif has no handler for 0x86DD. */
	uint8_t f[256], icmp[64];
	size_t il = icmp6(icmp, sizeof icmp, HZ_IPV6_ICMP_ECHO, 1, peer6, our6, NULL, 0);
	size_t n = ip6_frame(f, sizeof f, our_mac, peer6, our6, HZ_IPV6_NH_ICMPV6, 64, icmp, il);
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_ERR_NOT_FOUND);
	assert_int_equal(counter_value("ethif", "no_handler"), 1);
	/* Its groups are not joined either. */
	n = ns_frame(f, sizeof f, our6);
	assert_int_equal(hz_stack_input(&stack, f, n, now), HZ_ERR_NOT_FOUND);
	assert_int_equal(counter_value("ethif", "not_for_us"), 1);
	assert_int_equal(counter_value("ipv6", "bad_version"), 0);
	assert_int_equal(counter_value("stack", "ipv6_rx_packets"), 0);
}

/* The text forms of --ip6 and --gw6, and configs that make no sense. */
static void test_ipv6_config(void **state)
{
	(void)state;
	struct hz_stack_config cfg = { 0 };
	assert_int_equal(hz_stack_config_add_ip6(&cfg, "2001:db8::2/64"), HZ_OK);
	assert_true(cfg.ipv6);
	assert_int_equal(cfg.n_ip6, 1);
	assert_int_equal(cfg.ip6[0].plen, 64);
	assert_int_equal(cfg.ip6[0].addr.family, HZ_AF_INET6);
	assert_memory_equal(cfg.ip6[0].addr.b, our6, 16);
	assert_int_equal(hz_stack_config_add_ip6(&cfg, "2001:db8::2/64"), HZ_ERR_IN_USE);
	assert_int_equal(hz_stack_config_add_ip6(&cfg, "fd00::1:2:3/128"), HZ_OK);
	const char *bad[] = { "2001:db8::2", "2001:db8::2/129", "10.0.0.2/24", "ff02::1/64",
		              "::/0", "::1/128", "2001:db8::g/64", "" };
	for (size_t i = 0; i < HZ_ARRAY_LEN(bad); i++)
		assert_int_equal(hz_stack_config_add_ip6(&cfg, bad[i]), HZ_ERR_MALFORMED);
	assert_int_equal(cfg.n_ip6, 2);
	for (int i = 2; i < HZ_STACK_IP6_ADDRS; i++) {
		char t[32];
		snprintf(t, sizeof t, "2001:db8:%d::1/64", i);
		assert_int_equal(hz_stack_config_add_ip6(&cfg, t), HZ_OK);
	}
	assert_int_equal(hz_stack_config_add_ip6(&cfg, "2001:db8:ff::1/64"), HZ_ERR_NO_SPACE);
	assert_int_equal(cfg.n_ip6, HZ_STACK_IP6_ADDRS);

	struct hz_stack_config g = { 0 };
	assert_int_equal(hz_stack_config_set_gw6(&g, "fe80::1"), HZ_OK);
	assert_true(g.ipv6);
	assert_memory_equal(g.gw6.b, peer_ll, 16);
	assert_int_equal(hz_stack_config_set_gw6(&g, "10.0.0.1"), HZ_ERR_MALFORMED);
	assert_int_equal(hz_stack_config_set_gw6(&g, "ff02::2"), HZ_ERR_MALFORMED);
	assert_int_equal(hz_stack_config_set_gw6(&g, "fe80::1/64"), HZ_ERR_MALFORMED);

	/* SLAAC needs IPv6. */
	struct hz_stack_config c = { .addr = OUR_IP, .netmask = 0xffffff00u, .slaac = true };
	assert_int_equal(hz_stack_init(&stack, &c, &netif, &shim, 0), HZ_ERR_INVALID);
	c.ipv6 = true;
	assert_int_equal(hz_stack_init(&stack, &c, &netif, &shim, 0), HZ_OK);
	assert_true(stack.ip6.cfg.slaac);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_announce_at_init, setup),
		cmocka_unit_test_setup(test_arp_request_reply, setup),
		cmocka_unit_test_setup(test_icmp_echo_reply, setup),
		cmocka_unit_test_setup(test_icmp_echo_fragmented, setup),
		cmocka_unit_test_setup(test_udp_closed_port, setup),
		cmocka_unit_test_setup(test_udp_echo, setup),
		cmocka_unit_test_setup(test_rx_meta_csum_valid, setup),
		cmocka_unit_test_setup(test_counters, setup),
		cmocka_unit_test_setup(test_tcp_listen_synack, setup),
		cmocka_unit_test_setup(test_tcp_closed_port, setup),
		cmocka_unit_test_setup(test_arp_probe, setup),
		cmocka_unit_test_setup(test_bad_config, setup),
		cmocka_unit_test(test_config_text),
		cmocka_unit_test_setup(test_tcp_caller_storage, setup),
		cmocka_unit_test_setup(test_ipv6_up, setup6),
		cmocka_unit_test_setup(test_ipv6_ns_gets_na, setup6),
		cmocka_unit_test_setup(test_ipv6_echo, setup6),
		cmocka_unit_test_setup(test_ipv6_udp_tcp, setup6),
		cmocka_unit_test_setup(test_ipv6_counters, setup6),
		cmocka_unit_test_setup(test_ipv6_dad_conflict, setup6),
		cmocka_unit_test_setup(test_ipv6_off, setup),
		cmocka_unit_test_setup(test_ipv6_config, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
