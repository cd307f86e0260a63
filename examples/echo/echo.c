/*
 * haze-echo: a dual-stack haze host on a tap device that answers ping and
 * ping6 (ipv4 and ipv6 do that), echoes every UDP datagram sent to port 7
 * (RFC 862) back to its sender, and serves three TCP services, over IPv4
 * and IPv6 alike (the sockets are bound to any address of any family):
 *   - echo (RFC 862) on port 7 (or --port): every byte comes back; after
 *     the peer's FIN the rest is echoed, then haze closes;
 *   - discard (RFC 863) on port 9: bytes are counted and thrown away; the
 *     total is logged when the connection ends;
 *   - chargen (RFC 864) on port 19: the 72-character rotating lines of
 *     printable ASCII, CR LF after each, sent while the send ring has room,
 *     until the peer resets the connection or it fails; received bytes
 *     are discarded.
 * Connections are accepted until the connection table is full: the
 * stack's own (HZ_STACK_TCP_CONNS), or N slots with default-size rings
 * allocated at start with --tcp-conns N; each is driven by readiness events: echo moves
 * only what the send ring can take, so a slow reader slows the writer
 * through the receive window.
 *
 *   haze-echo --tap IFNAME [--ip ADDR/PLEN] [--gw ADDR] [--mac MAC]
 *             [--ip6 ADDR/PLEN]... [--slaac] [--gw6 ADDR] [--no-ip6]
 *             [--arp-probe] [--port N] [--stats-file PATH]
 *             [--tcp-conns N] [--tcp-ring KIB] [--tcp-ring-conns N]
 *             [--offload] [--no-ack-batch] [-v]
 *
 * IPv6 is on unless --no-ip6: a link-local address (stable identifier,
 * RFC 7217) and every --ip6 address go through duplicate address
 * detection, --slaac forms addresses from router advertisements, --gw6
 * adds a static default router. Each address logs "ipv6 address ready
 * ADDR/PLEN" once usable, or "ipv6 address conflict ADDR (other host
 * MAC)" when another host holds it (it is then not used). --ip is needed
 * only with --no-ip6.
 *
 * --tcp-ring KIB gives up to N (--tcp-ring-conns, default 4) accepted
 * connections at a time send and receive rings of KIB KiB from a pool
 * allocated at start, instead of the stack's default rings
 * (HZ_STACK_TCP_SND_RING/RCV_RING, 16 KiB): throughput per connection is
 * bounded by window / RTT. The engine is told the ring size
 * (cfg.rcv_wnd_max), so every SYN-ACK announces a window scale that lets
 * such a ring be advertised whole. --offload opens the tap with
 * IFF_VNET_HDR: checksum offload (tcp leaves its checksums to the device,
 * cfg.tx_csum_offload), and TCP segments coalesced into GSO writes of up
 * to 64 KiB (see haze/tap.h; off by default because raw readers of the
 * tap then see such frames).
 *
 * TCP acknowledges a batch of frames read together once, at its end
 * (cfg.ack_batch; the tap loop polls the stack after every batch);
 * --no-ack-batch acknowledges every second segment as it arrives.
 *
 * Counters: on exit (SIGINT/SIGTERM) every non-zero counter is printed to
 * stderr as "<lib>.<reason> = N". While running, SIGUSR1 prints them the
 * same way, and --stats-file PATH holds every counter (zeros included),
 * rewritten atomically (write + rename) each second and at once on
 * SIGUSR1; its first line is "# seq N", N counting the rewrites.
 */
#define _GNU_SOURCE 1

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "haze/stack.h"
#include "haze/tap.h"

static struct hz_stack stack;
static struct hz_tap tap;

enum svc { SVC_ECHO = 1, SVC_DISCARD, SVC_CHARGEN };
static const char *const svc_names[] = { "?", "echo", "discard", "chargen" };

/* The application's state for one TCP connection, indexed like the
 * stack's connection table. */
struct tconn {
	struct hz_tcp_conn *c; /* NULL: unused */
	uint8_t svc;          /* enum svc */
	uint64_t bytes_in;    /* read from the connection */
	uint64_t bytes_out;   /* queued for sending */
	uint32_t gen_pos;     /* chargen: offset in the pattern */
	hz_time_t start;
};

/* RFC 864: 95 lines of 72 characters, line i starting with printable
 * character i (0x20 + i), each followed by CR LF; then the pattern
 * repeats. Stored twice so any offset has a whole period after it. */
#define GEN_LINE 72
#define GEN_PERIOD (95 * (GEN_LINE + 2))
static uint8_t gen_pattern[2 * GEN_PERIOD];

static struct tconn *tconns; /* one per connection slot */
static size_t ntconns;

/* --tcp-ring: a pool of larger ring pairs. An entry is lent to a
 * connection slot at accept and comes back once the engine no longer uses
 * it: the slot was freed (its rings are the defaults again) or is in
 * TIME-WAIT or CLOSED (no data moves any more). */
struct ring_pair {
	uint8_t *snd, *rcv;
	int slot; /* connection slot using it, -1: free */
};
static struct ring_pair *ring_pool;
static size_t ring_pool_n;
static size_t ring_bytes;

struct app {
	const char *stats_file;
	uint64_t stats_seq;
	struct hz_udp_sock *sock;
	struct hz_shim shim;
	uint64_t echo_errors;
	/* TCP */
	uint64_t tcp_accepted;
	uint64_t tcp_closed;      /* ended cleanly (FIN both ways) */
	uint64_t tcp_failed;      /* ended by a reset, timeout or error */
	uint64_t tcp_echo_bytes;  /* bytes echoed (queued back) */
	uint64_t tcp_discard_bytes;
	uint64_t tcp_chargen_bytes; /* bytes queued by chargen */
	uint64_t tcp_discard_conns; /* discard connections ended */
	uint64_t tcp_active;      /* connections the application holds */
	uint64_t tcp_big_rings;   /* connections given --tcp-ring rings */
};

static void usage(FILE *f)
{
	fputs("usage: haze-echo --tap IFNAME [--ip ADDR/PLEN] [--gw ADDR] [--mac MAC]\n"
	      "                 [--ip6 ADDR/PLEN]... [--slaac] [--gw6 ADDR] [--no-ip6]\n"
	      "                 [--arp-probe] [--port N] [--stats-file PATH]\n"
	      "                 [--tcp-conns N] [--tcp-ring KIB] [--tcp-ring-conns N]\n"
	      "                 [--offload] [--no-ack-batch] [-v]\n"
	      "Answers ping, echoes UDP datagrams sent to port N (default 7), and serves\n"
	      "TCP echo on port N, discard on 9 and chargen on 19, over IPv4 and IPv6\n"
	      "(IPv6 unless --no-ip6; --ip is required only then).\n"
	      "Counters: printed to stderr on exit and on SIGUSR1; --stats-file PATH is\n"
	      "rewritten every second and on SIGUSR1.\n",
	      f);
}

static const char *ip4_str(uint32_t a, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255u, (a >> 8) & 255u, a & 255u);
	return buf;
}

/* ------------------------------------------------------------------ */
/* Counters                                                            */
/* ------------------------------------------------------------------ */

struct dump {
	FILE *f;
	bool all; /* include zero counters */
};

static void dump_one(void *ctx, const char *lib, const char *reason, uint64_t value)
{
	struct dump *d = ctx;
	if (value || d->all)
		fprintf(d->f, "%s.%s = %" PRIu64 "\n", lib, reason, value);
}

static void dump_counters(struct app *app, FILE *f, bool all)
{
	struct dump d = { f, all };
	hz_stack_counters(&stack, dump_one, &d);
	hz_tap_counters(&tap, dump_one, &d);
	dump_one(&d, "echo", "send_errors", app->echo_errors);
	dump_one(&d, "echo", "tcp_accepted", app->tcp_accepted);
	dump_one(&d, "echo", "tcp_active", app->tcp_active);
	dump_one(&d, "echo", "tcp_closed", app->tcp_closed);
	dump_one(&d, "echo", "tcp_failed", app->tcp_failed);
	dump_one(&d, "echo", "tcp_echo_bytes", app->tcp_echo_bytes);
	dump_one(&d, "echo", "tcp_discard_bytes", app->tcp_discard_bytes);
	dump_one(&d, "echo", "tcp_discard_conns", app->tcp_discard_conns);
	dump_one(&d, "echo", "tcp_chargen_bytes", app->tcp_chargen_bytes);
	dump_one(&d, "echo", "tcp_big_rings", app->tcp_big_rings);
}

static void write_stats_file(struct app *app)
{
	if (!app->stats_file)
		return;
	char tmp[4096];
	int n = snprintf(tmp, sizeof tmp, "%s.tmp", app->stats_file);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return;
	FILE *f = fopen(tmp, "w");
	if (!f) {
		fprintf(stderr, "haze-echo: stats file %s: %s\n", tmp, strerror(errno));
		return;
	}
	fprintf(f, "# seq %" PRIu64 "\n", ++app->stats_seq);
	dump_counters(app, f, true);
	/* rename() replaces atomically: a reader sees the old or the new file
	 * whole, never a half-written one. */
	if (fclose(f) != 0 || rename(tmp, app->stats_file) != 0)
		fprintf(stderr, "haze-echo: stats file %s: %s\n", app->stats_file, strerror(errno));
}

static void on_tick(void *ctx, hz_time_t now)
{
	(void)now;
	write_stats_file(ctx);
}

static void on_usr1(void *ctx, hz_time_t now)
{
	(void)now;
	struct app *app = ctx;
	fputs("haze-echo: counters:\n", stderr);
	dump_counters(app, stderr, false);
	write_stats_file(app);
}

/* ------------------------------------------------------------------ */
/* Events and echo                                                     */
/* ------------------------------------------------------------------ */

static void on_event(void *ctx, const struct hz_stack_event *ev)
{
	(void)ctx;
	char ip[16], mac[HZ_MAC_STRLEN], ip6[HZ_IPADDR_STRLEN];
	switch (ev->kind) {
	case HZ_STACK_EV_ADDR_READY:
		fprintf(stderr, "haze-echo: address %s ready\n", ip4_str(ev->addr, ip));
		break;
	case HZ_STACK_EV_ADDR_CONFLICT:
		fprintf(stderr, "haze-echo: address conflict: %s is claimed by %s\n",
		        ip4_str(ev->addr, ip), hz_mac_format(ev->mac, mac));
		break;
	case HZ_STACK_EV_RESOLVE_FAILED:
		fprintf(stderr, "haze-echo: no ARP answer from %s\n", ip4_str(ev->addr, ip));
		break;
	case HZ_STACK_EV_ADDR6_READY:
		fprintf(stderr, "haze-echo: ipv6 address ready %s/%u\n", hz_ipaddr_format(&ev->ip, ip6),
		        (unsigned)ev->plen);
		break;
	case HZ_STACK_EV_ADDR6_CONFLICT:
		fprintf(stderr, "haze-echo: ipv6 address conflict %s (other host %s): not used\n",
		        hz_ipaddr_format(&ev->ip, ip6), hz_mac_format(ev->mac, mac));
		break;
	case HZ_STACK_EV_ADDR6_EXPIRED:
		fprintf(stderr, "haze-echo: ipv6 address expired %s/%u\n", hz_ipaddr_format(&ev->ip, ip6),
		        (unsigned)ev->plen);
		break;
	case HZ_STACK_EV_ROUTER6:
		fprintf(stderr, "haze-echo: ipv6 router %s (lifetime %u s)\n",
		        hz_ipaddr_format(&ev->ip, ip6), (unsigned)ev->value);
		break;
	case HZ_STACK_EV_ROUTER6_GONE:
		fprintf(stderr, "haze-echo: ipv6 router %s gone\n", hz_ipaddr_format(&ev->ip, ip6));
		break;
	case HZ_STACK_EV_RDNSS: {
		struct hz_ipaddr dns[HZ_IPV6_RDNSS];
		size_t n = hz_ipv6_rdnss_get(hz_stack_ipv6(&stack), dns, HZ_ARRAY_LEN(dns));
		fprintf(stderr, "haze-echo: ipv6 dns servers:");
		for (size_t i = 0; i < n && i < HZ_ARRAY_LEN(dns); i++)
			fprintf(stderr, " %s", hz_ipaddr_format(&dns[i], ip6));
		fprintf(stderr, "%s\n", n ? "" : " none");
		break;
	}
	case HZ_STACK_EV_MTU6:
		fprintf(stderr, "haze-echo: ipv6 link mtu %u\n", (unsigned)ev->value);
		break;
	case HZ_STACK_EV_RESOLVE6_FAILED:
		fprintf(stderr, "haze-echo: no neighbour advertisement from %s\n",
		        hz_ipaddr_format(&ev->ip, ip6));
		break;
	default:
		/* RESOLVED and RESOLVED6 are routine: not notable events. */
		break;
	}
}

static void on_datagram(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	struct app *app = ctx;
	/* RFC 862: send back the data as received, to where it came from. */
	int r = hz_udp_sock_sendto(s, d->data, d->len, &d->from);
	if (r < 0) {
		app->echo_errors++;
		if (app->echo_errors <= 10)
			hz_log(&app->shim, HZ_LOG_WARN, "echo of %zu bytes: %s", d->len, hz_err_name(r));
	}
}

/* ------------------------------------------------------------------ */
/* TCP services                                                        */
/* ------------------------------------------------------------------ */

static struct app *tcp_app; /* for the connection callbacks */

static void gen_pattern_init(void)
{
	size_t k = 0;
	for (unsigned line = 0; line < 95; line++) {
		for (unsigned j = 0; j < GEN_LINE; j++)
			gen_pattern[k++] = (uint8_t)(0x20 + (line + j) % 95);
		gen_pattern[k++] = '\r';
		gen_pattern[k++] = '\n';
	}
	memcpy(gen_pattern + GEN_PERIOD, gen_pattern, GEN_PERIOD);
}

static struct tconn *tconn_of(struct hz_tcp_conn *c)
{
	size_t i = (size_t)(c - hz_stack_tcp(&stack)->conns);
	return i < ntconns ? &tconns[i] : NULL;
}

#define PEER_STRLEN (HZ_IPADDR_STRLEN + 8)

/* "10.0.0.1:40000" or "[fe80::1]:40000". */
static const char *peer_str(const struct hz_tcp_conn *c, char buf[PEER_STRLEN])
{
	char ip[HZ_IPADDR_STRLEN];
	bool v6 = c->remote.addr.family == HZ_AF_INET6;
	snprintf(buf, PEER_STRLEN, "%s%s%s:%u", v6 ? "[" : "", hz_ipaddr_format(&c->remote.addr, ip),
	         v6 ? "]" : "", (unsigned)c->remote.port);
	return buf;
}

/* The connection is over for the application: log, count, release. */
static void tconn_end(struct app *app, struct tconn *tc, const char *how)
{
	struct hz_tcp_conn *c = tc->c;
	char peer[PEER_STRLEN];
	int err = hz_tcp_conn_error(c);
	double secs = (double)(hz_tap_now() - tc->start) / 1e6;
	if (err)
		app->tcp_failed++;
	else
		app->tcp_closed++;
	if (tc->svc == SVC_DISCARD) {
		app->tcp_discard_conns++;
		fprintf(stderr, "haze-echo: tcp discard %s %s: %" PRIu64 " bytes discarded in %.3f s\n",
		        peer_str(c, peer), how, tc->bytes_in, secs);
	} else {
		fprintf(stderr, "haze-echo: tcp %s %s %s%s%s: %" PRIu64 " bytes in, %" PRIu64
		        " bytes out in %.3f s\n", svc_names[tc->svc], peer_str(c, peer), how,
		        err ? ": " : "", err ? hz_err_name(err) : "", tc->bytes_in, tc->bytes_out, secs);
	}
	/* Close hands the connection back to the engine: it finishes the
	 * FIN exchange (and TIME-WAIT) itself, or frees a dead one. */
	hz_tcp_conn_close(c);
	tc->c = NULL;
	app->tcp_active--;
}

/* Do what the connection's readiness allows. */
static void tconn_service(struct app *app, struct tconn *tc)
{
	struct hz_tcp_conn *c = tc->c;
	unsigned e = hz_tcp_conn_events(c);
	const uint8_t *p;
	size_t n;

	if (e & HZ_TCP_EV_ERROR) {
		tconn_end(app, tc, "failed");
		return;
	}
	switch (tc->svc) {
	case SVC_ECHO:
		/* Back-pressure: move only what the send ring takes; what is
		 * left stays in the receive ring and closes the window. */
		while ((n = hz_tcp_conn_peek(c, &p)) > 0) {
			int w = hz_tcp_conn_send(c, p, n);
			if (w < 0) {
				tconn_end(app, tc, "send failed");
				return;
			}
			if (w == 0)
				break;
			hz_tcp_conn_consume(c, (size_t)w);
			tc->bytes_in += (size_t)w;
			tc->bytes_out += (size_t)w;
			app->tcp_echo_bytes += (size_t)w;
		}
		/* Half-close: once everything the peer sent is echoed, close
		 * our side too (the FIN goes after the queued echo). */
		if ((e & HZ_TCP_EV_PEER_FIN) && hz_tcp_ring_len(&c->rcv) == 0) {
			tconn_end(app, tc, "closed");
			return;
		}
		break;
	case SVC_DISCARD:
	case SVC_CHARGEN:
		while ((n = hz_tcp_conn_peek(c, &p)) > 0) {
			hz_tcp_conn_consume(c, n);
			tc->bytes_in += n;
			if (tc->svc == SVC_DISCARD)
				app->tcp_discard_bytes += n;
		}
		if (tc->svc == SVC_DISCARD) {
			if (e & HZ_TCP_EV_PEER_FIN) {
				tconn_end(app, tc, "closed");
				return;
			}
			break;
		}
		/* chargen: fill the send ring while there is room. A peer that
		 * only half-closed may still read: keep generating until it
		 * resets (what a peer that closed does when data arrives). */
		while (e & HZ_TCP_EV_WRITABLE) {
			size_t want = hz_tcp_ring_free(&c->snd);
			if (want == 0)
				break;
			if (want > GEN_PERIOD)
				want = GEN_PERIOD;
			int w = hz_tcp_conn_send(c, gen_pattern + tc->gen_pos, want);
			if (w < 0) {
				tconn_end(app, tc, "send failed");
				return;
			}
			if (w == 0)
				break;
			tc->gen_pos = (uint32_t)((tc->gen_pos + (size_t)w) % GEN_PERIOD);
			tc->bytes_out += (size_t)w;
			app->tcp_chargen_bytes += (size_t)w;
			e = hz_tcp_conn_events(c);
		}
		break;
	default:
		break;
	}
	if (e & HZ_TCP_EV_CLOSED)
		tconn_end(app, tc, "closed by peer");
}

static void on_conn_event(void *ctx, struct hz_tcp_conn *c, unsigned events)
{
	(void)events; /* level readiness is read again in tconn_service */
	struct tconn *tc = ctx;
	if (tc->c == c)
		tconn_service(tcp_app, tc);
}

/* Lend a pool ring pair to a just-accepted connection, if one is free. */
static void ring_lend(struct app *app, struct hz_tcp_conn *c)
{
	struct ring_pair *free_pair = NULL;
	for (size_t i = 0; i < ring_pool_n; i++) {
		struct ring_pair *rp = &ring_pool[i];
		if (rp->slot >= 0) {
			const struct hz_tcp_conn *o = &stack.tcp_conns[rp->slot];
			if (o->snd.buf != rp->snd || o->state == HZ_TCP_TIME_WAIT ||
			    o->state == HZ_TCP_CLOSED)
				rp->slot = -1; /* given back by the engine */
		}
		if (rp->slot < 0 && !free_pair)
			free_pair = rp;
	}
	if (!free_pair)
		return;
	/* The window scale went out in the SYN-ACK (sized for ring_bytes by
	 * cfg.rcv_wnd_max): a larger receive ring than it can advertise
	 * would be memory no window ever offers. */
	size_t rcv = ring_bytes, max_wnd = (size_t)0xffffu << c->rcv_wscale;
	if (rcv > max_wnd)
		rcv = max_wnd;
	if (hz_tcp_conn_set_buffers(c, free_pair->snd, ring_bytes, free_pair->rcv, rcv) == HZ_OK) {
		free_pair->slot = (int)(c - stack.tcp_conns);
		app->tcp_big_rings++;
	}
}

static void on_listener_event(void *ctx, struct hz_tcp_listener *l, unsigned events)
{
	struct app *app = tcp_app;
	uint8_t svc = (uint8_t)(uintptr_t)ctx;
	if (!(events & HZ_TCP_EV_ACCEPT))
		return;
	struct hz_tcp_conn *c;
	while (hz_tcp_listener_accept(l, &c) == HZ_OK) {
		struct tconn *tc = tconn_of(c);
		if (!tc || tc->c) { /* cannot happen: one entry per slot */
			hz_tcp_conn_abort(c);
			continue;
		}
		memset(tc, 0, sizeof *tc);
		tc->c = c;
		tc->svc = svc;
		tc->start = hz_tap_now();
		app->tcp_accepted++;
		app->tcp_active++;
		if (ring_pool_n)
			ring_lend(app, c);
		if (svc == SVC_ECHO)
			hz_tcp_conn_set_nodelay(c, true); /* echo small writes at once */
		hz_tcp_conn_set_event(c, on_conn_event, tc);
		if (app->shim.log_level >= HZ_LOG_INFO) {
			char peer[PEER_STRLEN];
			hz_log(&app->shim, HZ_LOG_INFO, "tcp %s: accepted %s", svc_names[svc],
			       peer_str(c, peer));
		}
		/* Data (or a FIN) may have come with the handshake, and chargen
		 * starts sending at once. */
		tconn_service(app, tc);
	}
}

static int tcp_listen(struct app *app, uint16_t port, uint8_t svc)
{
	struct hz_tcp_endpoint ep;
	memset(&ep, 0, sizeof ep);
	ep.addr.family = HZ_AF_NONE; /* any address of either family */
	ep.port = port;
	struct hz_tcp_listener *l;
	/* The backlog counts half-open and unaccepted connections; we accept
	 * at once, so the table is the only real limit. */
	int r = hz_tcp_listener_open(hz_stack_tcp(&stack), &ep, (unsigned)ntconns, &l);
	if (r != HZ_OK) {
		fprintf(stderr, "haze-echo: tcp listen port %u: %s\n", (unsigned)port, hz_err_name(r));
		return r;
	}
	hz_tcp_listener_set_event(l, on_listener_event, (void *)(uintptr_t)svc);
	(void)app;
	return HZ_OK;
}

/* ------------------------------------------------------------------ */
/* Arguments                                                           */
/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "ip", required_argument, NULL, 'i' },
		{ "gw", required_argument, NULL, 'g' },
		{ "mac", required_argument, NULL, 'm' },
		{ "arp-probe", no_argument, NULL, 'p' },
		{ "ip6", required_argument, NULL, '6' },
		{ "slaac", no_argument, NULL, 'S' },
		{ "gw6", required_argument, NULL, 'G' },
		{ "no-ip6", no_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'P' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "tcp-conns", required_argument, NULL, 'C' },
		{ "tcp-ring", required_argument, NULL, 'R' },
		{ "tcp-ring-conns", required_argument, NULL, 'N' },
		{ "offload", no_argument, NULL, 'O' },
		{ "no-ack-batch", no_argument, NULL, 'B' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct app app;
	const char *ifname = NULL;
	struct hz_stack_config cfg;
	memset(&cfg, 0, sizeof cfg);
	uint8_t mac[HZ_MAC_LEN];
	bool have_mac = false, have_ip = false;
	unsigned long port = 7;
	unsigned long ring_kib = 0, ring_conns = 4, tcp_conns = 0;
	unsigned tap_flags = 0;
	bool ack_batch = true, no_ip6 = false;
	int verbose = 0;

	int c;
	while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			ifname = optarg;
			break;
		case 'i':
			if (hz_stack_config_set_ip(&cfg, optarg) != HZ_OK) {
				fprintf(stderr, "haze-echo: bad --ip %s (want ADDR/PLEN)\n", optarg);
				return 2;
			}
			have_ip = true;
			break;
		case 'g':
			if (hz_stack_config_set_gw(&cfg, optarg) != HZ_OK) {
				fprintf(stderr, "haze-echo: bad --gw %s\n", optarg);
				return 2;
			}
			break;
		case 'm':
			if (hz_mac_parse(mac, optarg) != HZ_OK || (mac[0] & 1u)) {
				fprintf(stderr, "haze-echo: bad --mac %s (want a unicast MAC)\n", optarg);
				return 2;
			}
			have_mac = true;
			break;
		case 'p':
			cfg.arp_probe = true;
			break;
		case '6': {
			int r6 = hz_stack_config_add_ip6(&cfg, optarg);
			if (r6 != HZ_OK) {
				fprintf(stderr, "haze-echo: bad --ip6 %s (%s; want IPv6 ADDR/PLEN, at most %d)\n",
				        optarg, hz_err_name(r6), HZ_STACK_IP6_ADDRS);
				return 2;
			}
			break;
		}
		case 'S':
			cfg.slaac = true;
			break;
		case 'G':
			if (hz_stack_config_set_gw6(&cfg, optarg) != HZ_OK) {
				fprintf(stderr, "haze-echo: bad --gw6 %s (want an IPv6 unicast address)\n", optarg);
				return 2;
			}
			break;
		case 'n':
			no_ip6 = true;
			break;
		case 'P': {
			char *end;
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || port == 0 || port > 65535) {
				fprintf(stderr, "haze-echo: bad --port %s\n", optarg);
				return 2;
			}
			break;
		}
		case 's':
			app.stats_file = optarg;
			break;
		case 'R':
		case 'N':
		case 'C': {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			const char *name = c == 'R' ? "tcp-ring" : c == 'N' ? "tcp-ring-conns" : "tcp-conns";
			if (errno || *end || v == 0 || v > (c == 'R' ? 1048576ul : 65536ul)) {
				fprintf(stderr, "haze-echo: bad --%s %s\n", name, optarg);
				return 2;
			}
			if (c == 'R')
				ring_kib = v;
			else if (c == 'N')
				ring_conns = v;
			else
				tcp_conns = v;
			break;
		}
		case 'O':
			tap_flags |= HZ_TAP_F_VNET_HDR;
			break;
		case 'B':
			ack_batch = false;
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || !ifname || (no_ip6 && !have_ip)) {
		usage(stderr);
		return 2;
	}
	if (no_ip6 && (cfg.n_ip6 || cfg.slaac || cfg.gw6.family != HZ_AF_NONE)) {
		fprintf(stderr, "haze-echo: --no-ip6 with --ip6, --slaac or --gw6\n");
		return 2;
	}
	cfg.ipv6 = !no_ip6;

	hz_tap_shim_init(&app.shim, verbose >= 2 ? HZ_LOG_DEBUG : verbose ? HZ_LOG_INFO : HZ_LOG_WARN);
	/* --tcp-conns: the connection table and its default-size rings in
	 * memory of our own (the stack takes caller storage); untouched ring
	 * pages cost nothing until a connection uses them. */
	static struct hz_tcp_storage tst;
	ntconns = HZ_STACK_TCP_CONNS;
	if (tcp_conns) {
		tst.conns = calloc(tcp_conns, sizeof *tst.conns);
		tst.nconns = tcp_conns;
		tst.snd_cap = HZ_STACK_TCP_SND_RING;
		tst.rcv_cap = HZ_STACK_TCP_RCV_RING;
		tst.ring_mem = calloc(tcp_conns, tst.snd_cap + tst.rcv_cap);
		if (!tst.conns || !tst.ring_mem) {
			fprintf(stderr, "haze-echo: no memory for %lu TCP connections\n", tcp_conns);
			return 1;
		}
		cfg.tcp_storage = &tst;
		ntconns = tcp_conns;
	}
	tconns = calloc(ntconns, sizeof *tconns);
	if (!tconns) {
		fprintf(stderr, "haze-echo: no memory\n");
		return 1;
	}
	if (ring_conns > ntconns)
		ring_conns = ntconns;
	if (ring_kib) {
		ring_bytes = ring_kib * 1024u;
		ring_pool = calloc(ring_conns, sizeof *ring_pool);
		for (size_t i = 0; ring_pool && i < ring_conns; i++) {
			ring_pool[i].slot = -1;
			ring_pool[i].snd = malloc(ring_bytes);
			ring_pool[i].rcv = malloc(ring_bytes);
			if (!ring_pool[i].snd || !ring_pool[i].rcv)
				ring_pool = NULL;
		}
		if (!ring_pool) {
			fprintf(stderr, "haze-echo: no memory for %lu rings of %lu KiB\n", ring_conns, ring_kib);
			return 1;
		}
		ring_pool_n = ring_conns;
	}
	if (hz_tap_open_flags(&tap, ifname, have_mac ? mac : NULL, &app.shim, tap_flags) != HZ_OK) {
		fprintf(stderr, "haze-echo: cannot open tap %s\n", ifname);
		return 1;
	}
	if (hz_tap_signals_install() != HZ_OK) {
		fprintf(stderr, "haze-echo: cannot install signal handlers\n");
		hz_tap_close(&tap);
		return 1;
	}

	char ipb[16], gwb[16], macb[HZ_MAC_STRLEN];
	fprintf(stderr, "haze-echo: start on %s%s mac %s ip %s/%d gw %s mtu %u%s%s\n", tap.name,
	        tap.created ? " (created)" : "", hz_mac_format(tap.netif.mac, macb),
	        ip4_str(cfg.addr, ipb), __builtin_popcount(cfg.netmask), ip4_str(cfg.gateway, gwb),
	        (unsigned)tap.netif.mtu, cfg.arp_probe ? " (probing)" : "",
	        (tap.flags & HZ_TAP_F_VNET_HDR) ? " (vnet offloads)" : "");
	if (cfg.ipv6) {
		char a6[HZ_IPADDR_STRLEN];
		fprintf(stderr, "haze-echo: ipv6 on: link-local%s", cfg.slaac ? ", slaac" : "");
		for (size_t i = 0; i < cfg.n_ip6; i++)
			fprintf(stderr, ", %s/%u", hz_ipaddr_format(&cfg.ip6[i].addr, a6),
			        (unsigned)cfg.ip6[i].plen);
		if (cfg.gw6.family != HZ_AF_NONE)
			fprintf(stderr, ", gw6 %s", hz_ipaddr_format(&cfg.gw6, a6));
		fputs(" (each after DAD)\n", stderr);
	} else {
		fputs("haze-echo: ipv6 off\n", stderr);
	}

	/* TCP: the window scale for --tcp-ring rings; checksums left to the
	 * device when it finishes them; one ACK per batch of frames. */
	static struct hz_tcp_config tcfg;
	hz_tcp_config_default(&tcfg);
	tcfg.rcv_wnd_max = (uint32_t)ring_bytes;
	tcfg.tx_csum_offload = (hz_tap_netif(&tap)->caps & HZ_NETIF_CAP_TX_CSUM) != 0;
	tcfg.ack_batch = ack_batch;
	cfg.tcp = &tcfg;

	cfg.event = on_event;
	cfg.event_ctx = &app;
	int r = hz_stack_init(&stack, &cfg, hz_tap_netif(&tap), &app.shim, hz_tap_now());
	if (r != HZ_OK) {
		fprintf(stderr, "haze-echo: stack init: %s\n", hz_err_name(r));
		hz_tap_close(&tap);
		return 1;
	}

	app.sock = hz_udp_sock_open(hz_stack_udp(&stack));
	struct hz_udp_endpoint local;
	memset(&local, 0, sizeof local);
	local.addr.family = HZ_AF_NONE; /* any address of either family */
	local.port = (uint16_t)port;
	r = app.sock ? hz_udp_sock_bind(app.sock, &local) : HZ_ERR_NO_SPACE;
	if (r != HZ_OK) {
		fprintf(stderr, "haze-echo: udp bind port %lu: %s\n", port, hz_err_name(r));
		hz_tap_close(&tap);
		return 1;
	}
	hz_udp_sock_set_recv(app.sock, on_datagram, &app);
	fprintf(stderr, "haze-echo: echoing UDP port %lu\n", port);

	gen_pattern_init();
	tcp_app = &app;
	if (tcp_listen(&app, (uint16_t)port, SVC_ECHO) != HZ_OK ||
	    (port != 9 && tcp_listen(&app, 9, SVC_DISCARD) != HZ_OK) ||
	    (port != 19 && tcp_listen(&app, 19, SVC_CHARGEN) != HZ_OK)) {
		hz_tap_close(&tap);
		return 1;
	}
	fprintf(stderr, "haze-echo: TCP echo on port %lu, discard on 9, chargen on 19 (%u connections)\n",
	        port, (unsigned)ntconns);
	write_stats_file(&app);

	struct hz_tap_hooks hooks = {
		.ctx = &app,
		.tick = on_tick,
		.tick_every = HZ_SEC(1),
		.usr1 = on_usr1,
	};
	r = hz_tap_run(&tap, &stack, &hooks);
	write_stats_file(&app);
	fprintf(stderr, "haze-echo: exit (%s)\n", r == HZ_OK ? "signal" : "device error");
	dump_counters(&app, stderr, false);
	hz_tap_close(&tap);
	return r == HZ_OK ? 0 : 1;
}
