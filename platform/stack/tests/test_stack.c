/* stack unit tests: the composed stack over a fake netif that records every
 * frame it is asked to transmit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
	const char *names[256];
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
	                           HZ_UDP_DROP_COUNT + HZ_TCP_DROP_COUNT + 5);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
