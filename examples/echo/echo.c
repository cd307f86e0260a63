/*
 * haze-echo: a haze stack on a tap device that answers ping (ipv4 does
 * that) and echoes every UDP datagram sent to port 7 (RFC 862) back to its
 * sender.
 *
 *   haze-echo --tap IFNAME --ip ADDR/PLEN [--gw ADDR] [--mac MAC]
 *             [--arp-probe] [--port N] [--stats-file PATH] [-v]
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

struct app {
	const char *stats_file;
	uint64_t stats_seq;
	struct hz_udp_sock *sock;
	struct hz_shim shim;
	uint64_t echo_errors;
};

static void usage(FILE *f)
{
	fputs("usage: haze-echo --tap IFNAME --ip ADDR/PLEN [--gw ADDR] [--mac MAC]\n"
	      "                 [--arp-probe] [--port N] [--stats-file PATH] [-v]\n"
	      "Answers ping and echoes UDP datagrams sent to port N (default 7).\n"
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
	char ip[16], mac[HZ_MAC_STRLEN];
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
	default:
		/* RESOLVED is routine: not a notable event. */
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
		{ "port", required_argument, NULL, 'P' },
		{ "stats-file", required_argument, NULL, 's' },
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
	if (optind != argc || !ifname || !have_ip) {
		usage(stderr);
		return 2;
	}

	hz_tap_shim_init(&app.shim, verbose >= 2 ? HZ_LOG_DEBUG : verbose ? HZ_LOG_INFO : HZ_LOG_WARN);
	if (hz_tap_open(&tap, ifname, have_mac ? mac : NULL, &app.shim) != HZ_OK) {
		fprintf(stderr, "haze-echo: cannot open tap %s\n", ifname);
		return 1;
	}
	if (hz_tap_signals_install() != HZ_OK) {
		fprintf(stderr, "haze-echo: cannot install signal handlers\n");
		hz_tap_close(&tap);
		return 1;
	}

	char ipb[16], gwb[16], macb[HZ_MAC_STRLEN];
	fprintf(stderr, "haze-echo: start on %s%s mac %s ip %s/%d gw %s mtu %u%s\n", tap.name,
	        tap.created ? " (created)" : "", hz_mac_format(tap.netif.mac, macb),
	        ip4_str(cfg.addr, ipb), __builtin_popcount(cfg.netmask), ip4_str(cfg.gateway, gwb),
	        (unsigned)tap.netif.mtu, cfg.arp_probe ? " (probing)" : "");

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
	local.addr.family = HZ_AF_INET; /* any IPv4 address */
	local.port = (uint16_t)port;
	r = app.sock ? hz_udp_sock_bind(app.sock, &local) : HZ_ERR_NO_SPACE;
	if (r != HZ_OK) {
		fprintf(stderr, "haze-echo: udp bind port %lu: %s\n", port, hz_err_name(r));
		hz_tap_close(&tap);
		return 1;
	}
	hz_udp_sock_set_recv(app.sock, on_datagram, &app);
	fprintf(stderr, "haze-echo: echoing UDP port %lu\n", port);
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
