/* Conformance scripts for the tcp engine, adapted from packetdrill's
 * behaviour (not its syntax or code): every *.pd file in the directory
 * given as argv[1] is run against a fresh engine over a fake network layer
 * in virtual time. The format is described in tcp/tests/pdrill/README.md.
 *
 * The test plays the peer (192.0.2.1, port 40000 unless a line names
 * another with @PORT) talking to haze at 10.0.0.2 port 8080. Sequence
 * numbers in scripts are relative: what the peer sends to its ISN
 * (PEER_ISN), acknowledgements and SACK blocks it sends to haze's ISN for
 * that port (learned from haze's first SYN), and the other way round for
 * haze's segments. Every segment haze sends must be matched by a `>` line,
 * in order, at the scripted time (within `tolerance`). Segments and their
 * options are built and read with the test's own code, not haze's codec.
 *
 * Output: one line per script, "packetdrill <file>: N passed, M failed,
 * K skipped", where the counts are checks (expected segments and app/check
 * assertions); a script stops at its first failure and the checks after
 * it are skipped. Exit status 1 when any check failed. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "haze/tcp.h"

/* ------------------------------------------------------------------ */
/* Byte helpers and an RFC 1071 reference checksum                     */
/* ------------------------------------------------------------------ */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t ref_sum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t ref_pseudo(const struct hz_ipaddr *src, const struct hz_ipaddr *dst, size_t len)
{
	uint8_t b[12];
	memcpy(b, src->b, 4);
	memcpy(b + 4, dst->b, 4);
	b[8] = 0;
	b[9] = 6;
	b[10] = (uint8_t)(len >> 8);
	b[11] = (uint8_t)len;
	return ref_sum(0, b, 12);
}

/* Payload bytes: the byte at stream offset `off` (relative sequence
 * number minus one) of either direction. */
static uint8_t pattern(uint32_t off)
{
	return (uint8_t)('a' + off % 26u);
}

/* ------------------------------------------------------------------ */
/* The world: a fake network layer and one engine                      */
/* ------------------------------------------------------------------ */

#define MAXOUT 1024
#define SEGMAX 9200
#define INJMAX 65600
#define MAXCONN 16
#define RINGMAX (2u * 1024u * 1024u)
#define PEER_ISN 1000000u
#define HAZE_ADDR 0x0a000002u
#define PEER_ADDR 0xc0000201u
#define HAZE_PORT 8080
#define PEER_PORT 40000
#define MAXPORTS 32

struct cap {
	uint8_t b[SEGMAX];
	size_t len;
	hz_time_t at;
	bool df;
};

struct world {
	struct hz_ip ip;
	const struct hz_ip_upper *upper;
	size_t mtu;
	struct hz_tcp tcp;
	struct hz_tcp_config cfg;
	struct hz_tcp_conn conns[MAXCONN];
	struct hz_tcp_listener ls[2];
	size_t nconns;
	size_t sndcap, rcvcap;
	unsigned backlog;
	uint8_t tx[HZ_PBUF_HEADROOM + 60 + 9000];
	bool started;
	hz_time_t now;   /* engine time */
	hz_time_t stime; /* script time */
	hz_time_t tol;
	int nout, seen;
	struct cap out[MAXOUT];
	/* per peer port: haze's ISN and first TSval, once known */
	uint16_t ports[MAXPORTS];
	uint32_t haze_isn[MAXPORTS];
	bool have_isn[MAXPORTS];
	uint32_t ts0[MAXPORTS];
	bool have_ts0[MAXPORTS];
	uint32_t ts_last[MAXPORTS];
	int nports;
	struct hz_tcp_listener *lst;
	struct hz_tcp_conn *conn[MAXPORTS]; /* the application's handle per port */
	uint32_t wr_off[MAXPORTS], rd_off[MAXPORTS];
};

static uint8_t ring_mem[RINGMAX * 2];
static bool trace; /* PDRILL_TRACE=1: print every segment haze sends */
static void trace_out(struct world *w, const struct cap *c);
static struct world W;

static int port_idx(struct world *w, uint16_t port)
{
	for (int i = 0; i < w->nports; i++)
		if (w->ports[i] == port)
			return i;
	if (w->nports == MAXPORTS) {
		fprintf(stderr, "too many peer ports\n");
		exit(2);
	}
	w->ports[w->nports] = port;
	return w->nports++;
}

static int fake_attach(void *ctx, uint8_t proto, const struct hz_ip_upper *up)
{
	struct world *w = ctx;
	if (w->upper || proto != 6)
		return HZ_ERR_IN_USE;
	w->upper = up;
	return HZ_OK;
}

static uint32_t fake_pseudo(void *ctx, const struct hz_ipaddr *src, const struct hz_ipaddr *dst,
                            uint8_t proto, size_t len)
{
	(void)ctx;
	(void)proto;
	return ref_pseudo(src, dst, len);
}

static int fake_output(void *ctx, struct hz_pbuf *pb, const struct hz_ip_tx *tx)
{
	struct world *w = ctx;
	if (w->nout >= MAXOUT || pb->len > SEGMAX) {
		fprintf(stderr, "fake ip: output overflow\n");
		exit(2);
	}
	struct cap *c = &w->out[w->nout++];
	memcpy(c->b, hz_pbuf_data(pb), pb->len);
	c->len = pb->len;
	c->at = w->now;
	c->df = (tx->flags & HZ_IP_TX_DF) != 0;
	if (ref_fold(ref_sum(ref_pseudo(&tx->src, &tx->dst, pb->len), c->b, c->len)) != 0)
		c->len = 0; /* reported as a bad segment by the matcher */
	if (trace)
		trace_out(w, c);
	return HZ_OK;
}

static size_t fake_mtu(void *ctx, const struct hz_ipaddr *dst)
{
	(void)dst;
	return ((struct world *)ctx)->mtu;
}

static int fake_source(void *ctx, const struct hz_ipaddr *dst, struct hz_ipaddr *src)
{
	(void)ctx;
	(void)dst;
	*src = hz_ipaddr_v4(HAZE_ADDR);
	return HZ_OK;
}

static bool fake_is_local(void *ctx, const struct hz_ipaddr *a)
{
	(void)ctx;
	struct hz_ipaddr me = hz_ipaddr_v4(HAZE_ADDR);
	return hz_ipaddr_eq(a, &me);
}

static void world_reset(struct world *w)
{
	memset(w, 0, sizeof *w);
	hz_tcp_config_default(&w->cfg);
	w->nconns = 4;
	w->sndcap = 65536;
	w->rcvcap = 65535;
	w->backlog = 4;
	w->mtu = 1480;
	w->now = HZ_SEC(1000);
	w->stime = w->now;
}

static int world_start(struct world *w)
{
	if (w->started)
		return 0;
	if (w->nconns > MAXCONN || w->nconns * (w->sndcap + w->rcvcap) > sizeof ring_mem)
		return -1;
	w->ip.ctx = w;
	w->ip.family = HZ_AF_INET;
	w->ip.headroom = 14 + 20;
	w->ip.attach = fake_attach;
	w->ip.output = fake_output;
	w->ip.pseudo = fake_pseudo;
	w->ip.mtu = fake_mtu;
	w->ip.source = fake_source;
	w->ip.is_local = fake_is_local;
	struct hz_tcp_storage st = {
		.conns = w->conns, .nconns = w->nconns,
		.listeners = w->ls, .nlisteners = 2,
		.ring_mem = ring_mem, .snd_cap = w->sndcap, .rcv_cap = w->rcvcap,
		.txbuf = w->tx, .txcap = sizeof w->tx,
	};
	if (hz_tcp_init(&w->tcp, &w->cfg, NULL, &st) != HZ_OK)
		return -1;
	if (hz_tcp_attach(&w->tcp, &w->ip) != HZ_OK)
		return -1;
	(void)hz_tcp_poll(&w->tcp, w->now);
	w->started = true;
	return 0;
}

/* Run the engine forward to `target`, firing timers at their deadlines.
 * With stop_on_output, return as soon as a segment is pending. */
static void run_to(struct world *w, hz_time_t target, bool stop_on_output)
{
	for (;;) {
		hz_time_t next = hz_tcp_poll(&w->tcp, w->now);
		if (stop_on_output && w->seen < w->nout)
			return;
		if (w->now >= target)
			return;
		w->now = next < target ? next : target;
	}
}

/* ------------------------------------------------------------------ */
/* Script parsing                                                      */
/* ------------------------------------------------------------------ */

#define MAXOPT 12

enum okind { O_MSS, O_WS, O_SACKOK, O_TS, O_SACK, O_NOP, O_EOL };

struct sopt {
	enum okind kind;
	bool wild;      /* value `*` (mss, wscale) / TS val `*` */
	bool ecr_wild;  /* TS ecr `*` */
	uint32_t v, ecr;
	int nsack;
	uint32_t sl[4], sr[4];
};

struct sseg {
	uint16_t port;
	uint8_t flags;
	uint32_t seq, len;
	bool has_ack;
	uint32_t ack;
	bool has_win, win_wild;
	uint32_t win;
	bool opts_any; /* <...> */
	int nopt;
	struct sopt opt[MAXOPT];
};

struct script {
	const char *name;
	int line;
	int passed, failed, skipped;
	bool stopped;
	char msg[512];
};

__attribute__((format(printf, 2, 3)))
static bool fail(struct script *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof s->msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s:%d: FAIL: %s\n", s->name, s->line, s->msg);
	s->failed++;
	s->stopped = true;
	return false;
}

__attribute__((format(printf, 2, 3)))
static bool syntax(struct script *s, const char *fmt, ...)
{
	va_list ap;
	char m[400];
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return fail(s, "syntax: %s", m);
}

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* Next whitespace-delimited word into buf; false at end of line. */
static bool word(const char **p, char *buf, size_t cap)
{
	skip_ws(p);
	size_t n = 0;
	while (**p && !isspace((unsigned char)**p)) {
		if (n + 1 < cap)
			buf[n++] = **p;
		(*p)++;
	}
	buf[n] = 0;
	return n > 0;
}

/* "1.5", ".1", "0.040" seconds -> microseconds; also "40ms". */
static bool parse_time(const char *t, hz_time_t *out)
{
	char *end;
	double d = strtod(t, &end);
	if (end == t || d < 0)
		return false;
	if (strcmp(end, "ms") == 0)
		d /= 1000.0;
	else if (*end)
		return false;
	*out = (hz_time_t)(d * 1e6 + 0.5);
	return true;
}

static bool parse_u32(const char *t, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(t, &end, 0);
	if (end == t || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_opts(struct script *s, const char *body, struct sseg *g)
{
	if (strcmp(body, "...") == 0) {
		g->opts_any = true;
		return true;
	}
	char buf[512];
	snprintf(buf, sizeof buf, "%s", body);
	char *save = NULL;
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
		if (g->nopt == MAXOPT)
			return syntax(s, "too many options");
		struct sopt *o = &g->opt[g->nopt++];
		memset(o, 0, sizeof *o);
		char *w[12];
		int nw = 0;
		char *save2 = NULL;
		for (char *x = strtok_r(it, " \t", &save2); x && nw < 12; x = strtok_r(NULL, " \t", &save2))
			w[nw++] = x;
		if (nw == 0)
			return syntax(s, "empty option");
		if (!strcmp(w[0], "nop") && nw == 1) {
			o->kind = O_NOP;
		} else if (!strcmp(w[0], "eol") && nw == 1) {
			o->kind = O_EOL;
		} else if (!strcmp(w[0], "sackOK") && nw == 1) {
			o->kind = O_SACKOK;
		} else if ((!strcmp(w[0], "mss") || !strcmp(w[0], "wscale")) && nw == 2) {
			o->kind = w[0][0] == 'm' ? O_MSS : O_WS;
			if (!strcmp(w[1], "*"))
				o->wild = true;
			else if (!parse_u32(w[1], &o->v))
				return syntax(s, "bad %s value", w[0]);
		} else if (!strcmp(w[0], "TS") && nw == 5 && !strcmp(w[1], "val") &&
		           !strcmp(w[3], "ecr")) {
			o->kind = O_TS;
			if (!strcmp(w[2], "*"))
				o->wild = true;
			else if (!parse_u32(w[2], &o->v))
				return syntax(s, "bad TS val");
			if (!strcmp(w[4], "*"))
				o->ecr_wild = true;
			else if (!parse_u32(w[4], &o->ecr))
				return syntax(s, "bad TS ecr");
		} else if (!strcmp(w[0], "sack") && nw >= 2 && nw <= 5) {
			o->kind = O_SACK;
			for (int i = 1; i < nw; i++) {
				char *colon = strchr(w[i], ':');
				if (!colon)
					return syntax(s, "sack block needs L:R");
				*colon = 0;
				if (!parse_u32(w[i], &o->sl[o->nsack]) ||
				    !parse_u32(colon + 1, &o->sr[o->nsack]))
					return syntax(s, "bad sack block");
				o->nsack++;
			}
		} else {
			return syntax(s, "unknown option '%s'", w[0]);
		}
	}
	return true;
}

/* FLAGS SEQ:END(LEN) [ack N] [win N|*] [<opts>] after the direction. */
static bool parse_seg(struct script *s, const char *p, struct sseg *g)
{
	memset(g, 0, sizeof *g);
	g->port = PEER_PORT;
	char t[128];
	if (!word(&p, t, sizeof t))
		return syntax(s, "missing flags");
	if (t[0] == '@') {
		uint32_t v;
		if (!parse_u32(t + 1, &v) || v == 0 || v > 65535)
			return syntax(s, "bad port");
		g->port = (uint16_t)v;
		if (!word(&p, t, sizeof t))
			return syntax(s, "missing flags");
	}
	for (const char *f = t; *f; f++) {
		switch (*f) {
		case 'S': g->flags |= HZ_TCP_SYN; break;
		case 'F': g->flags |= HZ_TCP_FIN; break;
		case 'R': g->flags |= HZ_TCP_RST; break;
		case 'P': g->flags |= HZ_TCP_PSH; break;
		case 'U': g->flags |= HZ_TCP_URG; break;
		case 'E': g->flags |= HZ_TCP_ECE; break;
		case 'W': g->flags |= HZ_TCP_CWR; break;
		case '.': g->flags |= HZ_TCP_ACK; break;
		case '-': break; /* no flags at all */
		default: return syntax(s, "bad flag '%c'", *f);
		}
	}
	if (!word(&p, t, sizeof t))
		return syntax(s, "missing sequence");
	uint32_t a, b, l;
	if (sscanf(t, "%u:%u(%u)", &a, &b, &l) != 3 || b - a != l)
		return syntax(s, "sequence must be START:END(LEN)");
	g->seq = a;
	g->len = l;
	for (;;) {
		skip_ws(&p);
		if (!*p)
			break;
		if (*p == '<') {
			const char *e = strchr(p, '>');
			if (!e)
				return syntax(s, "unterminated option list");
			char body[512];
			size_t n = (size_t)(e - p - 1);
			if (n >= sizeof body)
				return syntax(s, "option list too long");
			memcpy(body, p + 1, n);
			body[n] = 0;
			if (!parse_opts(s, body, g))
				return false;
			p = e + 1;
			continue;
		}
		if (!word(&p, t, sizeof t))
			break;
		char v[64];
		if (!strcmp(t, "ack")) {
			if (!word(&p, v, sizeof v) || !parse_u32(v, &g->ack))
				return syntax(s, "bad ack");
			g->has_ack = true;
		} else if (!strcmp(t, "win")) {
			if (!word(&p, v, sizeof v))
				return syntax(s, "bad win");
			g->has_win = true;
			if (!strcmp(v, "*"))
				g->win_wild = true;
			else if (!parse_u32(v, &g->win) || g->win > 65535)
				return syntax(s, "bad win");
		} else {
			return syntax(s, "unexpected '%s'", t);
		}
	}
	if (g->has_ack && !(g->flags & HZ_TCP_ACK))
		return syntax(s, "ack number without the ACK flag");
	return true;
}

/* ------------------------------------------------------------------ */
/* Injecting the peer's segments                                       */
/* ------------------------------------------------------------------ */

static bool do_inject(struct script *s, struct world *w, const struct sseg *g)
{
	int pi = port_idx(w, g->port);
	uint8_t opt[40];
	size_t ol = 0;
	for (int i = 0; i < g->nopt; i++) {
		const struct sopt *o = &g->opt[i];
		uint8_t tmp[40];
		size_t n = 0;
		switch (o->kind) {
		case O_NOP: tmp[n++] = 1; break;
		case O_EOL: tmp[n++] = 0; break;
		case O_SACKOK: tmp[n++] = 4; tmp[n++] = 2; break;
		case O_MSS:
			if (o->wild)
				return syntax(s, "no wildcards in injected segments");
			tmp[n++] = 2; tmp[n++] = 4; put16(tmp + n, o->v); n += 2;
			break;
		case O_WS:
			if (o->wild)
				return syntax(s, "no wildcards in injected segments");
			tmp[n++] = 3; tmp[n++] = 3; tmp[n++] = (uint8_t)o->v;
			break;
		case O_TS: {
			if (o->wild)
				return syntax(s, "injected TS val must be a number");
			/* ecr `*`: echo the latest TSval haze sent on this port. */
			uint32_t ecr = o->ecr_wild ? w->ts_last[pi] : o->ecr;
			tmp[n++] = 8; tmp[n++] = 10;
			put32(tmp + n, o->v); put32(tmp + n + 4, ecr); n += 8;
			break;
		}
		case O_SACK:
			tmp[n++] = 5; tmp[n++] = (uint8_t)(2 + 8 * o->nsack);
			for (int k = 0; k < o->nsack; k++) {
				put32(tmp + n, w->haze_isn[pi] + o->sl[k]);
				put32(tmp + n + 4, w->haze_isn[pi] + o->sr[k]);
				n += 8;
			}
			break;
		}
		if (ol + n > 40)
			return syntax(s, "options exceed 40 bytes");
		memcpy(opt + ol, tmp, n);
		ol += n;
	}
	while (ol % 4)
		opt[ol++] = 0; /* EOL padding */
	static uint8_t b[INJMAX];
	size_t hl = 20 + ol;
	if (hl + g->len > sizeof b)
		return syntax(s, "segment too long");
	uint32_t seq = PEER_ISN + g->seq;
	put16(b, g->port);
	put16(b + 2, HAZE_PORT);
	put32(b + 4, seq);
	put32(b + 8, g->has_ack ? w->haze_isn[pi] + g->ack : 0);
	b[12] = (uint8_t)(hl / 4 << 4);
	b[13] = g->flags;
	put16(b + 14, g->has_win ? g->win : 65535);
	put16(b + 16, 0);
	put16(b + 18, 0);
	memcpy(b + 20, opt, ol);
	/* Payload: the pattern at stream offset seq - 1 (the SYN takes 0). */
	for (uint32_t i = 0; i < g->len; i++)
		b[hl + i] = pattern(g->seq - 1 + i);
	struct hz_ip_rx rx;
	memset(&rx, 0, sizeof rx);
	rx.src = hz_ipaddr_v4(PEER_ADDR);
	rx.dst = hz_ipaddr_v4(HAZE_ADDR);
	rx.proto = 6;
	rx.ttl = 64;
	rx.ip = &w->ip;
	rx.now = w->now;
	rx.pseudo = ref_pseudo(&rx.src, &rx.dst, hl + g->len);
	put16(b + 16, ref_fold(ref_sum(rx.pseudo, b, hl + g->len)));
	(void)w->upper->input(w->upper->ctx, &rx, b, hl + g->len);
	return true;
}

/* ------------------------------------------------------------------ */
/* Matching haze's segments                                            */
/* ------------------------------------------------------------------ */

static void describe(const struct world *w, const struct cap *c, int pi, char *out, size_t cap)
{
	if (c->len < 20) {
		snprintf(out, cap, "(bad checksum or truncated segment)");
		return;
	}
	size_t hl = (size_t)(c->b[12] >> 4) * 4;
	uint8_t fl = c->b[13];
	char f[12];
	size_t n = 0;
	if (fl & HZ_TCP_SYN) f[n++] = 'S';
	if (fl & HZ_TCP_FIN) f[n++] = 'F';
	if (fl & HZ_TCP_RST) f[n++] = 'R';
	if (fl & HZ_TCP_PSH) f[n++] = 'P';
	if (fl & HZ_TCP_ECE) f[n++] = 'E';
	if (fl & HZ_TCP_CWR) f[n++] = 'W';
	if (fl & HZ_TCP_ACK) f[n++] = '.';
	f[n] = 0;
	uint32_t seq = get32(c->b + 4) - w->haze_isn[pi];
	uint32_t len = (uint32_t)(c->len - hl);
	int k = snprintf(out, cap, "@%u %s %u:%u(%u) ack %u win %u <", get16(c->b + 2), f, seq,
	                 seq + len, len, get32(c->b + 8) - PEER_ISN, get16(c->b + 14));
	for (size_t i = 20; i < hl && k > 0 && (size_t)k < cap;) {
		uint8_t kind = c->b[i];
		if (kind == 0 || kind == 1) {
			k += snprintf(out + k, cap - (size_t)k, "%s,", kind ? "nop" : "eol");
			i++;
			continue;
		}
		if (i + 1 >= hl || c->b[i + 1] < 2)
			break;
		uint8_t ln = c->b[i + 1];
		const uint8_t *o = c->b + i;
		if (kind == 2 && ln == 4)
			k += snprintf(out + k, cap - (size_t)k, "mss %u,", get16(o + 2));
		else if (kind == 3 && ln == 3)
			k += snprintf(out + k, cap - (size_t)k, "wscale %u,", o[2]);
		else if (kind == 4)
			k += snprintf(out + k, cap - (size_t)k, "sackOK,");
		else if (kind == 8 && ln == 10)
			k += snprintf(out + k, cap - (size_t)k, "TS val %u(+%u) ecr %u,", get32(o + 2),
			              get32(o + 2) - w->ts0[pi], get32(o + 6));
		else if (kind == 5) {
			k += snprintf(out + k, cap - (size_t)k, "sack");
			for (size_t j = 2; j + 8 <= ln && k > 0 && (size_t)k < cap; j += 8)
				k += snprintf(out + k, cap - (size_t)k, " %u:%u", get32(o + j) - PEER_ISN,
				              get32(o + j + 4) - PEER_ISN);
			k += snprintf(out + k, cap - (size_t)k, ",");
		} else
			k += snprintf(out + k, cap - (size_t)k, "kind%u,", kind);
		i += ln;
	}
	if (k > 0 && (size_t)k < cap)
		snprintf(out + k, cap - (size_t)k, ">");
}

/* The options of a captured segment, read by the test's scanner. */
struct gotopts {
	bool mss, ws, sackok, ts;
	uint32_t mssv, wsv, tsval, tsecr;
	int nsack;
	uint32_t sl[4], sr[4];
	bool bad;
};

static struct gotopts scan_opts(const struct cap *c)
{
	struct gotopts g;
	memset(&g, 0, sizeof g);
	size_t hl = (size_t)(c->b[12] >> 4) * 4;
	size_t i = 20;
	while (i < hl) {
		uint8_t k = c->b[i];
		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || c->b[i + 1] < 2 || i + c->b[i + 1] > hl) {
			g.bad = true;
			break;
		}
		const uint8_t *o = c->b + i;
		uint8_t l = o[1];
		if (k == 2 && l == 4) {
			g.mss = true;
			g.mssv = get16(o + 2);
		} else if (k == 3 && l == 3) {
			g.ws = true;
			g.wsv = o[2];
		} else if (k == 4 && l == 2) {
			g.sackok = true;
		} else if (k == 8 && l == 10) {
			g.ts = true;
			g.tsval = get32(o + 2);
			g.tsecr = get32(o + 6);
		} else if (k == 5 && (l - 2) % 8 == 0 && l >= 10 && l <= 34) {
			g.nsack = (l - 2) / 8;
			for (int j = 0; j < g.nsack; j++) {
				g.sl[j] = get32(o + 2 + 8 * j);
				g.sr[j] = get32(o + 6 + 8 * j);
			}
		} else {
			g.bad = true;
		}
		i += l;
	}
	return g;
}

static void trace_out(struct world *w, const struct cap *c)
{
	char d[512];
	int pi = c->len >= 20 ? port_idx(w, get16(c->b + 2)) : 0;
	describe(w, c, pi, d, sizeof d);
	fprintf(stderr, "  [t=%+.6f] > %s\n", ((double)c->at - (double)w->stime) / 1e6, d);
}

static bool match_out(struct script *s, struct world *w, const struct sseg *g, hz_time_t want)
{
	if (w->seen >= w->nout)
		return fail(s, "expected a segment at %+.6f s, none sent",
		            (double)(want - w->stime) / 1e6);
	const struct cap *c = &w->out[w->seen++];
	int pi = port_idx(w, g->port);
	if (c->len < 20)
		return fail(s, "haze sent a segment with a bad checksum");
	uint8_t fl = c->b[13];
	uint16_t dport = get16(c->b + 2);
	/* Learn haze's ISN from its SYN, and its first TSval. */
	if ((fl & HZ_TCP_SYN) && dport == g->port) {
		w->haze_isn[pi] = get32(c->b + 4);
		w->have_isn[pi] = true;
	}
	struct gotopts go = scan_opts(c);
	if (go.ts && dport == g->port) {
		if (!w->have_ts0[pi]) {
			w->ts0[pi] = go.tsval;
			w->have_ts0[pi] = true;
		}
		w->ts_last[pi] = go.tsval;
	}
	char d[512];
	describe(w, c, pi, d, sizeof d);
	if (c->at + w->tol < want || c->at > want + w->tol)
		return fail(s, "segment sent at %+.6f s, expected at %+.6f s: %s",
		            ((double)c->at - (double)w->stime) / 1e6, (double)(want - w->stime) / 1e6,
		            d);
	if (get16(c->b) != HAZE_PORT || dport != g->port)
		return fail(s, "ports: got %s", d);
	/* Segments of a connection carry DF (path MTU discovery); RSTs
	 * sent for no connection may not. */
	if (!c->df && !(fl & HZ_TCP_RST))
		return fail(s, "segment sent without DF");
	if (fl != g->flags)
		return fail(s, "flags differ: got %s", d);
	size_t hl = (size_t)(c->b[12] >> 4) * 4;
	uint32_t len = (uint32_t)(c->len - hl);
	uint32_t seq = get32(c->b + 4) - w->haze_isn[pi];
	if (seq != g->seq || len != g->len)
		return fail(s, "sequence differs: got %s", d);
	if (g->has_ack && get32(c->b + 8) - PEER_ISN != g->ack)
		return fail(s, "ack differs: got %s", d);
	if (g->has_win && !g->win_wild && get16(c->b + 14) != g->win)
		return fail(s, "window differs: got %s", d);
	for (uint32_t i = 0; i < len; i++)
		if (c->b[hl + i] != pattern(seq - 1 + i))
			return fail(s, "payload byte %u differs from what the application wrote", i);
	if (go.bad)
		return fail(s, "malformed options: %s", d);
	if (g->opts_any)
		return true;
	bool want_mss = false, want_ws = false, want_sok = false, want_ts = false;
	int want_sack = 0;
	for (int i = 0; i < g->nopt; i++) {
		const struct sopt *o = &g->opt[i];
		switch (o->kind) {
		case O_MSS:
			want_mss = true;
			if (!go.mss || (!o->wild && go.mssv != o->v))
				return fail(s, "mss differs: got %s", d);
			break;
		case O_WS:
			want_ws = true;
			if (!go.ws || (!o->wild && go.wsv != o->v))
				return fail(s, "wscale differs: got %s", d);
			break;
		case O_SACKOK:
			want_sok = true;
			if (!go.sackok)
				return fail(s, "sackOK missing: got %s", d);
			break;
		case O_TS:
			want_ts = true;
			if (!go.ts)
				return fail(s, "timestamps missing: got %s", d);
			/* TS val: haze's clock relative to its first TSval here. */
			if (!o->wild && go.tsval - w->ts0[pi] != o->v)
				return fail(s, "TS val differs (relative %u): got %s",
				            go.tsval - w->ts0[pi], d);
			if (!o->ecr_wild && go.tsecr != o->ecr)
				return fail(s, "TS ecr differs: got %s", d);
			break;
		case O_SACK:
			want_sack = o->nsack;
			if (go.nsack != o->nsack)
				return fail(s, "SACK blocks differ: got %s", d);
			for (int k = 0; k < o->nsack; k++)
				if (go.sl[k] - PEER_ISN != o->sl[k] || go.sr[k] - PEER_ISN != o->sr[k])
					return fail(s, "SACK block %d differs: got %s", k, d);
			break;
		case O_NOP:
		case O_EOL:
			break;
		}
	}
	if (go.mss != want_mss || go.ws != want_ws || go.sackok != want_sok || go.ts != want_ts ||
	    go.nsack != want_sack)
		return fail(s, "option set differs: got %s", d);
	return true;
}

static bool no_pending(struct script *s, struct world *w)
{
	if (w->seen < w->nout) {
		char d[512];
		const struct cap *c = &w->out[w->seen];
		int pi = port_idx(w, get16(c->b + 2));
		describe(w, c, pi, d, sizeof d);
		return fail(s, "unexpected segment at %+.6f s: %s",
		            ((double)c->at - (double)w->stime) / 1e6, d);
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Application calls and checks                                        */
/* ------------------------------------------------------------------ */

static const struct {
	const char *name;
	int err;
} errnames[] = {
	{ "ok", HZ_OK }, { "again", HZ_ERR_WOULD_BLOCK }, { "bad_state", HZ_ERR_BAD_STATE },
	{ "reset", HZ_ERR_RESET }, { "refused", HZ_ERR_REFUSED }, { "timeout", HZ_ERR_TIMEOUT },
	{ "no_space", HZ_ERR_NO_SPACE }, { "in_use", HZ_ERR_IN_USE }, { "invalid", HZ_ERR_INVALID },
	{ "unreachable", HZ_ERR_UNREACHABLE },
};

static bool err_of(const char *n, int *out)
{
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (!strcmp(n, errnames[i].name)) {
			*out = errnames[i].err;
			return true;
		}
	return false;
}

/* Optional "= VALUE" after a call: a number, eof (0) or an error name. */
static bool expect_result(struct script *s, const char **p, int dflt, int *out)
{
	char t[64];
	*out = dflt;
	skip_ws(p);
	if (**p != '=')
		return true;
	(*p)++;
	if (!word(p, t, sizeof t))
		return syntax(s, "missing result after '='");
	if (!strcmp(t, "eof")) {
		*out = 0;
		return true;
	}
	uint32_t v;
	if (parse_u32(t, &v)) {
		*out = (int)v;
		return true;
	}
	if (err_of(t, out))
		return true;
	return syntax(s, "unknown result '%s'", t);
}

static const char *res_name(int r)
{
	static char b[32];
	if (r >= 0) {
		snprintf(b, sizeof b, "%d", r);
		return b;
	}
	for (size_t i = 0; i < sizeof errnames / sizeof errnames[0]; i++)
		if (errnames[i].err == r)
			return errnames[i].name;
	return hz_err_name(r);
}

static bool do_app(struct script *s, struct world *w, const char *p, uint16_t port)
{
	char cmd[32], t[64];
	if (!word(&p, cmd, sizeof cmd))
		return syntax(s, "missing app call");
	int pi = port_idx(w, port);
	struct hz_tcp_conn *c = w->conn[pi];
	int want, r;
	if (!strcmp(cmd, "listen")) {
		struct hz_tcp_endpoint le = { .port = HAZE_PORT };
		if (!expect_result(s, &p, HZ_OK, &want))
			return false;
		r = hz_tcp_listener_open(&w->tcp, &le, w->backlog, &w->lst);
	} else if (!strcmp(cmd, "accept")) {
		if (!expect_result(s, &p, HZ_OK, &want))
			return false;
		if (!w->lst)
			return syntax(s, "accept without listen");
		struct hz_tcp_conn *nc = NULL;
		r = hz_tcp_listener_accept(w->lst, &nc);
		if (r == HZ_OK) {
			int npi = port_idx(w, nc->remote.port);
			w->conn[npi] = nc;
		}
	} else if (!strcmp(cmd, "connect")) {
		if (!expect_result(s, &p, HZ_OK, &want))
			return false;
		r = hz_tcp_conn_open(&w->tcp, &w->conn[pi]);
		if (r == HZ_OK) {
			struct hz_tcp_endpoint re = { .addr = hz_ipaddr_v4(PEER_ADDR), .port = port };
			struct hz_tcp_endpoint le = { .addr = hz_ipaddr_v4(HAZE_ADDR), .port = HAZE_PORT };
			r = hz_tcp_conn_connect(w->conn[pi], &re, &le);
		}
	} else if (!strcmp(cmd, "write") || !strcmp(cmd, "read")) {
		uint32_t n;
		if (!word(&p, t, sizeof t) || !parse_u32(t, &n) || n > (1u << 22))
			return syntax(s, "%s needs a byte count", cmd);
		if (!expect_result(s, &p, (int)n, &want))
			return false;
		if (!c)
			return syntax(s, "%s without a connection", cmd);
		uint8_t *buf = malloc(n ? n : 1);
		if (!buf)
			return fail(s, "out of memory");
		if (cmd[0] == 'w') {
			for (uint32_t i = 0; i < n; i++)
				buf[i] = pattern(w->wr_off[pi] + i);
			r = hz_tcp_conn_send(c, buf, n);
			if (r > 0)
				w->wr_off[pi] += (uint32_t)r;
		} else {
			r = hz_tcp_conn_recv(c, buf, n);
			for (int i = 0; i < r; i++)
				if (buf[i] != pattern(w->rd_off[pi] + (uint32_t)i)) {
					free(buf);
					return fail(s, "read: byte %d differs from what the peer sent", i);
				}
			if (r > 0)
				w->rd_off[pi] += (uint32_t)r;
		}
		free(buf);
	} else if (!strcmp(cmd, "close") || !strcmp(cmd, "abort") || !strcmp(cmd, "shutdown")) {
		if (!expect_result(s, &p, HZ_OK, &want))
			return false;
		if (!c)
			return syntax(s, "%s without a connection", cmd);
		r = HZ_OK;
		if (cmd[0] == 'c') {
			hz_tcp_conn_close(c);
			w->conn[pi] = NULL;
		} else if (cmd[0] == 'a') {
			hz_tcp_conn_abort(c);
			w->conn[pi] = NULL;
		} else {
			r = hz_tcp_conn_shutdown(c);
		}
	} else if (!strcmp(cmd, "nodelay") || !strcmp(cmd, "keepalive")) {
		if (!word(&p, t, sizeof t) || (strcmp(t, "on") && strcmp(t, "off")))
			return syntax(s, "%s on|off", cmd);
		if (!c)
			return syntax(s, "%s without a connection", cmd);
		if (cmd[0] == 'n')
			hz_tcp_conn_set_nodelay(c, t[1] == 'n');
		else
			hz_tcp_conn_set_keepalive(c, t[1] == 'n');
		want = r = HZ_OK;
	} else if (!strcmp(cmd, "close_listener")) {
		if (!w->lst)
			return syntax(s, "no listener");
		hz_tcp_listener_close(w->lst);
		w->lst = NULL;
		want = r = HZ_OK;
	} else {
		return syntax(s, "unknown app call '%s'", cmd);
	}
	skip_ws(&p);
	if (*p)
		return syntax(s, "trailing text '%s'", p);
	if (r != want)
		return fail(s, "app %s returned %s, expected %s", cmd, res_name(r),
		            (strcpy(t, res_name(want)), t));
	s->passed++;
	return true;
}

static bool do_check(struct script *s, struct world *w, const char *p, uint16_t port)
{
	char what[32], a[64], b[64];
	if (!word(&p, what, sizeof what) || !word(&p, a, sizeof a))
		return syntax(s, "check WHAT VALUE");
	int pi = port_idx(w, port);
	struct hz_tcp_conn *c = w->conn[pi];
	if (!strcmp(what, "state")) {
		/* The handle's state; "none" when no connection of the engine's
		 * table is bound to the peer port (freed or never made). */
		const char *got = "none";
		if (c) {
			got = hz_tcp_state_name(c->state);
		} else {
			for (size_t i = 0; i < w->nconns; i++)
				if (w->conns[i].state != HZ_TCP_CLOSED && w->conns[i].remote.port == port)
					got = hz_tcp_state_name(w->conns[i].state);
		}
		if (strcmp(got, a))
			return fail(s, "state %s, expected %s", got, a);
	} else if (!strcmp(what, "error")) {
		int want;
		if (!c)
			return syntax(s, "check error without a connection");
		if (!err_of(a, &want))
			return syntax(s, "unknown error name");
		if (hz_tcp_conn_error(c) != want)
			return fail(s, "error %s, expected %s", res_name(hz_tcp_conn_error(c)), a);
	} else if (!strcmp(what, "drop")) {
		uint32_t n;
		if (!word(&p, b, sizeof b) || !parse_u32(b, &n))
			return syntax(s, "check drop REASON COUNT");
		unsigned i;
		for (i = 0; i < HZ_TCP_DROP_COUNT; i++)
			if (!strcmp(hz_tcp_drop_name(i), a))
				break;
		if (i == HZ_TCP_DROP_COUNT)
			return syntax(s, "unknown drop reason '%s'", a);
		if (w->tcp.drops[i] != n)
			return fail(s, "drops[%s] = %llu, expected %u", a,
			            (unsigned long long)w->tcp.drops[i], n);
	} else if (!strcmp(what, "stat")) {
		uint32_t n;
		if (!word(&p, b, sizeof b) || !parse_u32(b, &n))
			return syntax(s, "check stat NAME VALUE");
		if (!c)
			return syntax(s, "check stat without a connection");
		struct hz_tcp_stats st;
		hz_tcp_conn_stats(c, &st);
		uint64_t got;
		if (!strcmp(a, "mss")) got = st.mss;
		else if (!strcmp(a, "cwnd")) got = st.cwnd;
		else if (!strcmp(a, "ssthresh")) got = st.ssthresh;
		else if (!strcmp(a, "rto")) got = st.rto;
		else if (!strcmp(a, "srtt")) got = st.srtt;
		else if (!strcmp(a, "snd_wnd")) got = st.snd_wnd;
		else if (!strcmp(a, "retransmits")) got = st.retransmits;
		else if (!strcmp(a, "timeouts")) got = st.timeouts;
		else if (!strcmp(a, "fast_retransmits")) got = st.fast_retransmits;
		else if (!strcmp(a, "challenge_acks")) got = st.challenge_acks;
		else if (!strcmp(a, "snd_wscale")) got = c->snd_wscale;
		else if (!strcmp(a, "rcv_wscale")) got = c->rcv_wscale;
		else return syntax(s, "unknown stat '%s'", a);
		if (got != n)
			return fail(s, "stat %s = %llu, expected %u", a, (unsigned long long)got, n);
	} else {
		return syntax(s, "unknown check '%s'", what);
	}
	s->passed++;
	return true;
}

static bool do_config(struct script *s, struct world *w, const char *p)
{
	char k[32], v[64];
	if (w->started)
		return syntax(s, "config after the first event");
	if (!word(&p, k, sizeof k) || !word(&p, v, sizeof v))
		return syntax(s, "config KEY VALUE");
	struct hz_tcp_config *c = &w->cfg;
	bool on = !strcmp(v, "on");
	bool onoff = on || !strcmp(v, "off");
	hz_time_t tv = 0;
	uint32_t n = 0;
	bool isnum = parse_u32(v, &n);
	bool istime = parse_time(v, &tv);
	if (!strcmp(k, "ts") && onoff) c->timestamps = on;
	else if (!strcmp(k, "sack") && onoff) c->sack = on;
	else if (!strcmp(k, "ws") && onoff) c->window_scaling = on;
	else if (!strcmp(k, "nodelay") && onoff) c->nodelay = on;
	else if (!strcmp(k, "syn_cookies") && onoff) c->syn_cookies = on;
	else if (!strcmp(k, "cc") && !strcmp(v, "newreno")) c->cc = HZ_TCP_CC_NEWRENO;
	else if (!strcmp(k, "cc") && !strcmp(v, "cubic")) c->cc = HZ_TCP_CC_CUBIC;
	else if (!strcmp(k, "delack") && istime) c->delack = tv;
	else if (!strcmp(k, "rto_min") && istime) c->rto_min = tv;
	else if (!strcmp(k, "rto_initial") && istime) c->rto_initial = tv;
	else if (!strcmp(k, "rto_max") && istime) c->rto_max = tv;
	else if (!strcmp(k, "time_wait") && istime) c->time_wait = tv;
	else if (!strcmp(k, "fin_wait_2") && istime) c->fin_wait_2 = tv;
	else if (!strcmp(k, "keep_idle") && istime) c->keep_idle = tv;
	else if (!strcmp(k, "keep_intvl") && istime) c->keep_intvl = tv;
	else if (!strcmp(k, "keep_count") && isnum) c->keep_count = (uint8_t)n;
	else if (!strcmp(k, "syn_retries") && isnum) c->syn_retries = (uint8_t)n;
	else if (!strcmp(k, "data_retries") && isnum) c->data_retries = (uint8_t)n;
	else if (!strcmp(k, "initial_cwnd") && isnum) c->initial_cwnd = (uint8_t)n;
	else if (!strcmp(k, "mss_max") && isnum) c->mss_max = (uint16_t)n;
	else if (!strcmp(k, "sndbuf") && isnum && n >= 64 && n <= RINGMAX) w->sndcap = n;
	else if (!strcmp(k, "rcvbuf") && isnum && n >= 64 && n <= RINGMAX) w->rcvcap = n;
	else if (!strcmp(k, "conns") && isnum && n >= 1 && n <= MAXCONN) w->nconns = n;
	else if (!strcmp(k, "backlog") && isnum && n >= 1) w->backlog = n;
	else if (!strcmp(k, "mtu") && isnum && n >= 68) w->mtu = n;
	else if (!strcmp(k, "tolerance") && istime) w->tol = tv;
	else return syntax(s, "unknown config '%s %s'", k, v);
	return true;
}

/* ------------------------------------------------------------------ */
/* Running a script                                                    */
/* ------------------------------------------------------------------ */

/* Checks a line counts for the summary (for skipped ones). */
static int line_checks(const char *p)
{
	skip_ws(&p);
	if (*p == '+') {
		while (*p && !isspace((unsigned char)*p))
			p++;
		skip_ws(&p);
	}
	if (*p == '@') {
		while (*p && !isspace((unsigned char)*p))
			p++;
		skip_ws(&p);
	}
	return (*p == '>' || !strncmp(p, "app", 3) || !strncmp(p, "check", 5)) ? 1 : 0;
}

static bool run_line(struct script *s, struct world *w, char *line)
{
	const char *p = line;
	skip_ws(&p);
	if (!*p || *p == '#')
		return true;
	if (!strncmp(p, "config", 6) && isspace((unsigned char)p[6]))
		return do_config(s, w, p + 6);
	if (world_start(w) != 0)
		return fail(s, "engine setup failed (check config sizes)");
	hz_time_t dt = 0;
	char t[64];
	if (*p == '+') {
		if (!word(&p, t, sizeof t) || !parse_time(t + 1, &dt))
			return syntax(s, "bad time step");
		skip_ws(&p);
	}
	hz_time_t target = w->stime + dt;
	uint16_t port = PEER_PORT;
	if (*p == '@' && (p[1] == '\0' || isdigit((unsigned char)p[1]))) {
		uint32_t v;
		if (!word(&p, t, sizeof t) || !parse_u32(t + 1, &v) || v == 0 || v > 65535)
			return syntax(s, "bad port");
		port = (uint16_t)v;
		skip_ws(&p);
	}
	if (*p == '>') {
		struct sseg g;
		if (!parse_seg(s, p + 1, &g))
			return false;
		if (port != PEER_PORT)
			g.port = port;
		run_to(w, target + w->tol, true);
		if (!match_out(s, w, &g, target))
			return false;
		w->stime = target;
		s->passed++;
		return true;
	}
	/* Anything else happens at `target`: nothing may be sent before. */
	run_to(w, target, false);
	w->stime = target;
	if (!no_pending(s, w))
		return false;
	if (!*p)
		return true; /* a bare time step */
	if (*p == '<') {
		struct sseg g;
		if (!parse_seg(s, p + 1, &g))
			return false;
		if (port != PEER_PORT)
			g.port = port;
		return do_inject(s, w, &g);
	}
	if (!strncmp(p, "app", 3) && isspace((unsigned char)p[3]))
		return do_app(s, w, p + 3, port);
	if (!strncmp(p, "check", 5) && isspace((unsigned char)p[5]))
		return do_check(s, w, p + 5, port);
	return syntax(s, "cannot parse '%s'", p);
}

static void run_script(const char *dir, const char *file, int *tot_pass, int *tot_fail,
                       int *tot_skip)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	FILE *f = fopen(path, "r");
	struct script s;
	memset(&s, 0, sizeof s);
	s.name = file;
	if (!f) {
		fprintf(stderr, "%s: cannot open\n", path);
		s.failed = 1;
	} else {
		struct world *w = &W;
		world_reset(w);
		char line[1024];
		while (fgets(line, sizeof line, f)) {
			s.line++;
			line[strcspn(line, "\r\n")] = 0;
			if (s.stopped) {
				s.skipped += line_checks(line);
				continue;
			}
			(void)run_line(&s, w, line);
		}
		/* At the end nothing may be left unmatched. */
		if (!s.stopped && w->started) {
			s.line++;
			(void)no_pending(&s, w);
		}
		fclose(f);
	}
	printf("packetdrill %s: %d passed, %d failed, %d skipped\n", file, s.passed, s.failed,
	       s.skipped);
	*tot_pass += s.passed;
	*tot_fail += s.failed;
	*tot_skip += s.skipped;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [SCRIPT.pd ...]\n", argv[0]);
		return 2;
	}
	const char *dir = argv[1];
	trace = getenv("PDRILL_TRACE") != NULL;
	char *names[512];
	int n = 0;
	bool owned = false; /* names came from strdup */
	if (argc > 2) {
		for (int i = 2; i < argc && n < 512; i++)
			names[n++] = argv[i];
	} else {
		DIR *d = opendir(dir);
		if (!d) {
			fprintf(stderr, "%s: cannot open directory\n", dir);
			return 2;
		}
		struct dirent *e;
		while ((e = readdir(d)) != NULL && n < 512) {
			size_t l = strlen(e->d_name);
			if (l > 3 && !strcmp(e->d_name + l - 3, ".pd")) {
				names[n] = strdup(e->d_name);
				if (!names[n])
					return 2;
				n++;
			}
		}
		closedir(d);
		owned = true;
		qsort(names, (size_t)n, sizeof names[0], cmp_str);
	}
	if (n == 0) {
		fprintf(stderr, "no scripts in %s\n", dir);
		return 2;
	}
	int p = 0, f = 0, k = 0;
	for (int i = 0; i < n; i++)
		run_script(dir, names[i], &p, &f, &k);
	printf("packetdrill total: %d scripts, %d passed, %d failed, %d skipped\n", n, p, f, k);
	for (int i = 0; owned && i < n; i++)
		free(names[i]);
	return f ? 1 : 0;
}
