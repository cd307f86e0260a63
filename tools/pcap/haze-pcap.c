/*
 * haze-pcap: look at captures through haze's parsers, and replay them
 * through a whole haze stack.
 *
 *   haze-pcap fields FILE -e FIELD [-e FIELD ...] [-E header=y] [-o PREF:VAL]
 *       One tab-separated line per frame, in the format of
 *       `tshark -r FILE -T fields -e FIELD ...`, so the two can be diffed.
 *   haze-pcap dissect FILE
 *       One readable line per frame: number, time, layers, haze errors.
 *   haze-pcap stats FILE
 *       Frames by protocol and by haze error.
 *   haze-pcap replay FILE --ip ADDR/PLEN [--gw ADDR] [--mac MAC] [--out OUT]
 *       Feed the frames to a haze stack in virtual time (platform/pcap) and
 *       record what it sends. The stack runs haze-echo's application: UDP
 *       port 7 echoes (RFC 862) unless --no-echo.
 *
 * FILE is pcap or pcapng (libpcap reads both), or "-" for stdin.
 */
/* libpcap's headers use BSD types (u_int, u_char) that strict C11 hides. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pcap/pcap.h>

#include "decode.h"
#include "haze/core.h"
#include "haze/pcap.h"
#include "haze/stack.h"
#include "haze/udp.h"

static void usage(FILE *f)
{
	fputs("usage: haze-pcap fields FILE -e FIELD [-e FIELD ...] [-E header=y|n]\n"
	      "                  [-E separator=/t|/s|C] [-E aggregator=,|/s|C]\n"
	      "                  [-o ip.check_checksum:TRUE] [-o ip.defragment:FALSE]\n"
	      "       haze-pcap dissect FILE [-o ...]\n"
	      "       haze-pcap stats FILE [-o ...]\n"
	      "       haze-pcap replay FILE --ip ADDR/PLEN [--gw ADDR] [--mac MAC]\n"
	      "                  [--out OUT.pcap] [--seed N] [--tail-ms N] [--no-echo]\n"
	      "                  [--port N] [--arp-probe] [--start SEC[.USEC]] [--counters] [-v]\n"
	      "       haze-pcap fields --list\n"
	      "FILE is pcap or pcapng, or - for stdin.\n",
	      f);
}

/* ------------------------------------------------------------------ */
/* Reading captures                                                    */
/* ------------------------------------------------------------------ */

struct opts {
	struct dec_opts dec;
	int fields[64];
	int nfields;
	bool header;
	char sep;
	char agg;
};

/* tshark's -o PREF:VALUE for the two preferences the decoder honours. */
static bool parse_pref(struct opts *o, const char *s)
{
	const char *c = strchr(s, ':');
	if (!c)
		return false;
	size_t n = (size_t)(c - s);
	bool on = strcasecmp(c + 1, "TRUE") == 0 || strcmp(c + 1, "1") == 0;
	bool off = strcasecmp(c + 1, "FALSE") == 0 || strcmp(c + 1, "0") == 0;
	if (!on && !off)
		return false;
	if (n == strlen("ip.check_checksum") && strncmp(s, "ip.check_checksum", n) == 0)
		o->dec.check_checksum = on;
	else if (n == strlen("ip.defragment") && strncmp(s, "ip.defragment", n) == 0)
		o->dec.defragment = on;
	else
		return false;
	return true;
}

/* tshark's -E separator/aggregator spellings: /t tab, /s space, else the
 * character itself. */
static char sep_char(const char *v)
{
	if (strcmp(v, "/t") == 0)
		return '\t';
	if (strcmp(v, "/s") == 0)
		return ' ';
	return v[0];
}

typedef void (*frame_fn)(void *ctx, const struct dec_rec *r);

static int for_each_frame(const char *path, const struct opts *o, frame_fn fn, void *ctx)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p) {
		fprintf(stderr, "haze-pcap: %s\n", errbuf);
		return 2;
	}
	struct dec *d = dec_new(pcap_datalink(p), &o->dec);
	static struct dec_rec rec;
	if (!d) {
		fprintf(stderr, "haze-pcap: out of memory\n");
		pcap_close(p);
		return 2;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t n = 0;
	int rc;
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		dec_frame(d, &rec, ++n, hz_pcap_time(h), data, h->caplen, h->len);
		fn(ctx, &rec);
	}
	int ret = 0;
	if (rc == PCAP_ERROR) {
		/* A capture cut mid-record: report, keep what was decoded. */
		fprintf(stderr, "haze-pcap: %s: %s\n", path, pcap_geterr(p));
		ret = 1;
	}
	dec_free(d);
	pcap_close(p);
	return ret;
}

/* ------------------------------------------------------------------ */
/* fields                                                              */
/* ------------------------------------------------------------------ */

static void print_fields(void *ctx, const struct dec_rec *r)
{
	const struct opts *o = ctx;
	for (int i = 0; i < o->nfields; i++) {
		int f = o->fields[i];
		if (i)
			putchar(o->sep);
		for (unsigned k = 0; k < r->nocc[f]; k++) {
			if (k)
				putchar(o->agg);
			fputs(r->val[f][k], stdout);
		}
	}
	putchar('\n');
}

static void opts_default(struct opts *o)
{
	memset(o, 0, sizeof *o);
	o->dec.defragment = true; /* tshark's default */
	o->sep = '\t';
	o->agg = ',';
}

/* Common options of fields/dissect/stats: -e, -E, -o. */
static int parse_common(int argc, char **argv, struct opts *o, const char **file)
{
	*file = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "-e") == 0 || strcmp(a, "-E") == 0 || strcmp(a, "-o") == 0) &&
		    i + 1 >= argc) {
			fprintf(stderr, "haze-pcap: %s needs an argument\n", a);
			return 2;
		}
		if (strcmp(a, "-e") == 0) {
			int f = dec_field_lookup(argv[++i]);
			if (f < 0) {
				fprintf(stderr, "haze-pcap: unknown field %s (haze-pcap fields --list)\n",
				        argv[i]);
				return 2;
			}
			if (o->nfields >= (int)HZ_ARRAY_LEN(o->fields)) {
				fprintf(stderr, "haze-pcap: too many fields\n");
				return 2;
			}
			o->fields[o->nfields++] = f;
		} else if (strcmp(a, "-E") == 0) {
			const char *v = argv[++i];
			if (strcmp(v, "header=y") == 0)
				o->header = true;
			else if (strcmp(v, "header=n") == 0)
				o->header = false;
			else if (strncmp(v, "separator=", 10) == 0 && v[10])
				o->sep = sep_char(v + 10);
			else if (strncmp(v, "aggregator=", 11) == 0 && v[11])
				o->agg = sep_char(v + 11);
			else {
				fprintf(stderr, "haze-pcap: unsupported -E %s\n", v);
				return 2;
			}
		} else if (strcmp(a, "-o") == 0) {
			if (!parse_pref(o, argv[++i])) {
				fprintf(stderr, "haze-pcap: unsupported -o %s\n", argv[i]);
				return 2;
			}
		} else if (strcmp(a, "-r") == 0 && i + 1 < argc && !*file) {
			*file = argv[++i]; /* tshark's spelling */
		} else if ((a[0] != '-' || a[1] == 0) && !*file) {
			*file = a;
		} else {
			fprintf(stderr, "haze-pcap: unexpected argument %s\n", a);
			return 2;
		}
	}
	if (!*file) {
		usage(stderr);
		return 2;
	}
	return 0;
}

static int cmd_fields(int argc, char **argv)
{
	if (argc == 1 && strcmp(argv[0], "--list") == 0) {
		for (int f = 0; f < F_COUNT; f++)
			puts(dec_field_name((enum dec_field)f));
		return 0;
	}
	struct opts o;
	opts_default(&o);
	const char *file;
	int rc = parse_common(argc, argv, &o, &file);
	if (rc)
		return rc;
	if (o.nfields == 0) {
		fprintf(stderr, "haze-pcap: fields needs at least one -e FIELD\n");
		return 2;
	}
	if (o.header) {
		for (int i = 0; i < o.nfields; i++) {
			if (i)
				putchar(o.sep);
			fputs(dec_field_name((enum dec_field)o.fields[i]), stdout);
		}
		putchar('\n');
	}
	return for_each_frame(file, &o, print_fields, &o);
}

/* ------------------------------------------------------------------ */
/* dissect                                                             */
/* ------------------------------------------------------------------ */

struct dissect_ctx {
	bool have_first;
	hz_time_t first;
};

static void print_dissect(void *ctx, const struct dec_rec *r)
{
	struct dissect_ctx *c = ctx;
	if (!c->have_first) {
		c->first = r->ts;
		c->have_first = true;
	}
	hz_time_t rel = r->ts >= c->first ? r->ts - c->first : 0;
	printf("%" PRIu64 " %" PRIu64 ".%06" PRIu64 "%s", r->number, rel / 1000000u, rel % 1000000u,
	       r->text);
	if (r->nerr) {
		fputs(" ERROR", stdout);
		for (unsigned i = 0; i < r->nerr; i++)
			printf(" %s", r->err[i]);
	}
	putchar('\n');
}

static int cmd_dissect(int argc, char **argv)
{
	struct opts o;
	opts_default(&o);
	const char *file;
	int rc = parse_common(argc, argv, &o, &file);
	if (rc)
		return rc;
	struct dissect_ctx c = {0};
	return for_each_frame(file, &o, print_dissect, &c);
}

/* ------------------------------------------------------------------ */
/* stats                                                               */
/* ------------------------------------------------------------------ */

#define STATS_ERR_MAX 64

struct stats_ctx {
	uint64_t frames, bytes, frames_with_errors;
	uint64_t proto[P_COUNT];
	char err[STATS_ERR_MAX][DEC_ERR_LEN];
	uint64_t errn[STATS_ERR_MAX];
	unsigned nerr;
};

static void count(void *ctx, const struct dec_rec *r)
{
	struct stats_ctx *c = ctx;
	c->frames++;
	c->bytes += r->len;
	for (int p = 0; p < P_COUNT; p++)
		if (r->protos & (1u << p))
			c->proto[p]++;
	if (r->nerr)
		c->frames_with_errors++;
	for (unsigned i = 0; i < r->nerr; i++) {
		unsigned k;
		for (k = 0; k < c->nerr; k++)
			if (strcmp(c->err[k], r->err[i]) == 0)
				break;
		if (k == c->nerr) {
			if (c->nerr == STATS_ERR_MAX)
				continue;
			snprintf(c->err[c->nerr++], DEC_ERR_LEN, "%s", r->err[i]);
		}
		c->errn[k]++;
	}
}

static int cmd_stats(int argc, char **argv)
{
	struct opts o;
	opts_default(&o);
	const char *file;
	int rc = parse_common(argc, argv, &o, &file);
	if (rc)
		return rc;
	static struct stats_ctx c;
	rc = for_each_frame(file, &o, count, &c);
	printf("frames: %" PRIu64 "\n", c.frames);
	printf("bytes: %" PRIu64 "\n", c.bytes);
	for (int p = 0; p < P_COUNT; p++)
		printf("proto %s: %" PRIu64 "\n", dec_proto_name((enum dec_proto)p), c.proto[p]);
	printf("frames with errors: %" PRIu64 "\n", c.frames_with_errors);
	for (unsigned k = 0; k < c.nerr; k++)
		printf("error %s: %" PRIu64 "\n", c.err[k], c.errn[k]);
	return rc;
}

/* ------------------------------------------------------------------ */
/* replay                                                              */
/* ------------------------------------------------------------------ */

static struct hz_stack stack; /* about half a megabyte: static */

struct echo_app {
	struct hz_udp_sock *sock;
	uint64_t echoed, errors;
	const struct hz_shim *shim;
};

/* haze-echo's application (examples/echo): RFC 862, send the data back to
 * where it came from. */
static void on_datagram(void *ctx, struct hz_udp_sock *s, const struct hz_udp_dgram *d)
{
	struct echo_app *app = ctx;
	int r = hz_udp_sock_sendto(s, d->data, d->len, &d->from);
	if (r < 0) {
		app->errors++;
		hz_log(app->shim, HZ_LOG_WARN, "echo of %zu bytes: %s", d->len, hz_err_name(r));
	} else {
		app->echoed++;
	}
}

static void print_counter(void *ctx, const char *lib, const char *reason, uint64_t value)
{
	(void)ctx;
	if (value)
		fprintf(stderr, "%s.%s = %" PRIu64 "\n", lib, reason, value);
}

static int cmd_replay(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"ip", required_argument, NULL, 'i'},
		{"gw", required_argument, NULL, 'g'},
		{"mac", required_argument, NULL, 'm'},
		{"out", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 's'},
		{"tail-ms", required_argument, NULL, 't'},
		{"port", required_argument, NULL, 'P'},
		{"no-echo", no_argument, NULL, 'n'},
		{"start", required_argument, NULL, 'S'},
		{"arp-probe", no_argument, NULL, 'a'},
		{"counters", no_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct hz_stack_config cfg;
	memset(&cfg, 0, sizeof cfg);
	uint8_t mac[HZ_MAC_LEN] = {0x02, 0, 0, 0, 0, 0x02};
	const char *out = NULL;
	uint64_t seed = HZ_PCAP_SEED_DEFAULT;
	hz_time_t tail = HZ_PCAP_TAIL_DEFAULT;
	hz_time_t start = HZ_TIME_NEVER;
	unsigned long port = 7;
	bool echo = true, counters = false, have_ip = false;
	enum hz_log_level level = HZ_LOG_WARN;
	char *end;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (hz_stack_config_set_ip(&cfg, optarg) != HZ_OK) {
				fprintf(stderr, "haze-pcap: bad --ip %s (want ADDR/PLEN)\n", optarg);
				return 2;
			}
			have_ip = true;
			break;
		case 'g':
			if (hz_stack_config_set_gw(&cfg, optarg) != HZ_OK) {
				fprintf(stderr, "haze-pcap: bad --gw %s\n", optarg);
				return 2;
			}
			break;
		case 'm':
			if (hz_mac_parse(mac, optarg) != HZ_OK || (mac[0] & 1u)) {
				fprintf(stderr, "haze-pcap: bad --mac %s (want a unicast MAC)\n", optarg);
				return 2;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end) {
				fprintf(stderr, "haze-pcap: bad --seed %s\n", optarg);
				return 2;
			}
			break;
		case 't': {
			errno = 0;
			unsigned long long ms = strtoull(optarg, &end, 10);
			if (errno || *end) {
				fprintf(stderr, "haze-pcap: bad --tail-ms %s\n", optarg);
				return 2;
			}
			tail = HZ_MSEC(ms);
			break;
		}
		case 'P':
			errno = 0;
			port = strtoul(optarg, &end, 10);
			if (errno || *end || port == 0 || port > 65535) {
				fprintf(stderr, "haze-pcap: bad --port %s\n", optarg);
				return 2;
			}
			break;
		case 'n':
			echo = false;
			break;
		case 'S': {
			/* SECONDS[.FRACTION] since the epoch, the capture's clock. */
			errno = 0;
			unsigned long long sec = strtoull(optarg, &end, 10), us = 0;
			if (!errno && *end == '.') {
				const char *f = end + 1;
				unsigned digits = 0;
				for (; *f >= '0' && *f <= '9'; f++)
					if (digits++ < 6)
						us = us * 10u + (unsigned)(*f - '0');
				for (; digits < 6; digits++)
					us *= 10u;
				end = (char *)(uintptr_t)f;
			}
			if (errno || *end) {
				fprintf(stderr, "haze-pcap: bad --start %s\n", optarg);
				return 2;
			}
			start = HZ_SEC(sec) + us;
			break;
		}
		case 'a':
			cfg.arp_probe = true;
			break;
		case 'c':
			counters = true;
			break;
		case 'v':
			level = level < HZ_LOG_DEBUG ? (enum hz_log_level)(level + 1) : level;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || !have_ip) {
		usage(stderr);
		return 2;
	}
	const char *file = argv[optind];

	char errbuf[PCAP_ERRBUF_SIZE];
	static struct hz_pcap_replay rp;
	int r = hz_pcap_replay_open(&rp, file, errbuf);
	if (r != HZ_OK) {
		fprintf(stderr, "haze-pcap: %s: %s\n", file, errbuf);
		return 2;
	}
	/* --start: bring the stack up before the first frame (the time the
	 * recorded application started), so its start-up timers (ARP
	 * announcements) fall where they fell in the recording. */
	if (start != HZ_TIME_NEVER && start < rp.clock)
		rp.clock = start;
	static struct hz_pcap_shim ps;
	hz_pcap_shim_init(&ps, seed, level, &rp.clock);
	static struct hz_pcap_netif nif;
	if (hz_pcap_netif_open(&nif, out, mac, 1500, &rp.clock, errbuf) != HZ_OK) {
		fprintf(stderr, "haze-pcap: %s: %s\n", out, errbuf);
		hz_pcap_replay_close(&rp);
		return 2;
	}
	r = hz_stack_init(&stack, &cfg, hz_pcap_netif_get(&nif), &ps.shim, rp.clock);
	if (r != HZ_OK) {
		fprintf(stderr, "haze-pcap: stack init: %s\n", hz_err_name(r));
		hz_pcap_netif_close(&nif);
		hz_pcap_replay_close(&rp);
		return 1;
	}
	static struct echo_app app;
	app.shim = &ps.shim;
	if (echo) {
		app.sock = hz_udp_sock_open(hz_stack_udp(&stack));
		struct hz_udp_endpoint local;
		memset(&local, 0, sizeof local);
		local.addr.family = HZ_AF_INET; /* any IPv4 address, as haze-echo */
		local.port = (uint16_t)port;
		r = app.sock ? hz_udp_sock_bind(app.sock, &local) : HZ_ERR_NO_SPACE;
		if (r != HZ_OK) {
			fprintf(stderr, "haze-pcap: udp bind port %lu: %s\n", port, hz_err_name(r));
			hz_pcap_netif_close(&nif);
			hz_pcap_replay_close(&rp);
			return 1;
		}
		hz_udp_sock_set_recv(app.sock, on_datagram, &app);
	}

	hz_pcap_replay_run(&rp, &stack, tail, NULL);

	fprintf(stderr,
	        "haze-pcap replay: %" PRIu64 " frames in, %" PRIu64 " fed, %" PRIu64
	        " taken, %" PRIu64 " not fed (cut by snaplen), %" PRIu64 " out, %" PRIu64
	        " echoed\n",
	        rp.stats.frames, rp.stats.fed, rp.stats.taken, rp.stats.truncated, nif.tx_frames,
	        app.echoed);
	if (counters)
		hz_stack_counters(&stack, print_counter, NULL);
	hz_pcap_netif_close(&nif);
	hz_pcap_replay_close(&rp);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "fields") == 0)
		return cmd_fields(argc - 2, argv + 2);
	if (strcmp(cmd, "dissect") == 0)
		return cmd_dissect(argc - 2, argv + 2);
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(argc - 2, argv + 2);
	if (strcmp(cmd, "replay") == 0)
		return cmd_replay(argc - 1, argv + 1);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "haze-pcap: unknown command %s\n", cmd);
	usage(stderr);
	return 2;
}
