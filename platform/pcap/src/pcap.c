/*
 * haze pcap backend: deterministic shim, recording netif, virtual-time
 * replay loop. See haze/pcap.h.
 */
/* libpcap's headers use BSD types (u_int, u_char) that strict C11 hides. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include "haze/pcap.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Shim                                                                */
/* ------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, full period,
 * good enough statistically for IP IDs and timer jitter, and trivially
 * reproducible from its seed. Not for secrets, which this backend never
 * needs: it exists to make replays deterministic. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void shim_random(void *ctx, void *out, size_t len)
{
	struct hz_pcap_shim *ps = ctx;
	uint8_t *p = out;
	ps->random_calls++;
	while (len) {
		uint64_t v = splitmix64(&ps->state);
		size_t n = len < 8 ? len : 8;
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)(v >> (8 * i));
		p += n;
		len -= n;
	}
}

static void shim_log(void *ctx, enum hz_log_level level, const char *line)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	struct hz_pcap_shim *ps = ctx;
	hz_time_t t = ps->clock ? *ps->clock : 0;
	fprintf(stderr, "haze[%llu.%06llu]: %s: %s\n", (unsigned long long)(t / 1000000u),
	        (unsigned long long)(t % 1000000u), (unsigned)level < 4 ? names[level] : "?", line);
}

static hz_time_t shim_now(void *ctx)
{
	struct hz_pcap_shim *ps = ctx;
	return ps->clock ? *ps->clock : 0;
}

void hz_pcap_shim_init(struct hz_pcap_shim *ps, uint64_t seed, enum hz_log_level level,
                       const hz_time_t *clock)
{
	memset(ps, 0, sizeof *ps);
	ps->state = seed;
	ps->clock = clock;
	ps->shim.ctx = ps;
	ps->shim.random = shim_random;
	ps->shim.log = shim_log;
	ps->shim.now = shim_now;
	ps->shim.log_level = level;
}

/* ------------------------------------------------------------------ */
/* Recording netif                                                     */
/* ------------------------------------------------------------------ */

hz_time_t hz_pcap_time(const struct pcap_pkthdr *h)
{
	return (hz_time_t)h->ts.tv_sec * 1000000u + (hz_time_t)h->ts.tv_usec;
}

static int netif_transmit(void *ctx, struct hz_pbuf *frame)
{
	struct hz_pcap_netif *n = ctx;
	const uint8_t *p = hz_pbuf_data(frame);
	size_t len = frame->len;
	hz_time_t now = n->clock ? *n->clock : 0;

	/* The recorder has no checksum offload (caps is 0), so every frame is
	 * complete here. */
	if (n->dumper) {
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof h);
		h.ts.tv_sec = (time_t)(now / 1000000u);
		h.ts.tv_usec = (suseconds_t)(now % 1000000u);
		h.caplen = (bpf_u_int32)(len < HZ_PCAP_FRAME_MAX ? len : HZ_PCAP_FRAME_MAX);
		h.len = (bpf_u_int32)len;
		pcap_dump((u_char *)n->dumper, &h, p);
	}
	n->tx_frames++;
	n->tx_bytes += len;
	if (n->tx)
		n->tx(n->tx_ctx, p, len, now);
	return HZ_OK;
}

int hz_pcap_netif_open(struct hz_pcap_netif *n, const char *path, const uint8_t mac[HZ_MAC_LEN],
                       uint16_t mtu, const hz_time_t *clock, char *errbuf)
{
	memset(n, 0, sizeof *n);
	n->clock = clock;
	n->netif.ctx = n;
	n->netif.transmit = netif_transmit;
	memcpy(n->netif.mac, mac, HZ_MAC_LEN);
	n->netif.mtu = mtu ? mtu : 1500;
	n->netif.caps = 0;
	if (!path)
		return HZ_OK;
	n->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, HZ_PCAP_FRAME_MAX,
	                                               PCAP_TSTAMP_PRECISION_MICRO);
	if (!n->dead) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "pcap_open_dead failed");
		return HZ_ERR_NOT_FOUND;
	}
	n->dumper = pcap_dump_open(n->dead, path);
	if (!n->dumper) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s", pcap_geterr(n->dead));
		pcap_close(n->dead);
		n->dead = NULL;
		return HZ_ERR_NOT_FOUND;
	}
	return HZ_OK;
}

void hz_pcap_netif_close(struct hz_pcap_netif *n)
{
	if (n->dumper) {
		pcap_dump_flush(n->dumper);
		pcap_dump_close(n->dumper);
		n->dumper = NULL;
	}
	if (n->dead) {
		pcap_close(n->dead);
		n->dead = NULL;
	}
}

const struct hz_netif *hz_pcap_netif_get(const struct hz_pcap_netif *n)
{
	return &n->netif;
}

/* ------------------------------------------------------------------ */
/* Replay                                                              */
/* ------------------------------------------------------------------ */

static void read_ahead(struct hz_pcap_replay *r)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	r->have_next = pcap_next_ex(r->in, &h, &data) == 1;
	if (r->have_next) {
		r->next_hdr = *h;
		r->next = data;
	}
}

int hz_pcap_replay_open(struct hz_pcap_replay *r, const char *path, char *errbuf)
{
	memset(r, 0, sizeof *r);
	r->in = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!r->in)
		return HZ_ERR_NOT_FOUND;
	if (pcap_datalink(r->in) != DLT_EN10MB) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "link type %s: only Ethernet captures can be replayed",
		         pcap_datalink_val_to_name(pcap_datalink(r->in)) ? pcap_datalink_val_to_name(pcap_datalink(r->in)) : "?");
		pcap_close(r->in);
		r->in = NULL;
		return HZ_ERR_UNSUPPORTED;
	}
	read_ahead(r);
	if (r->have_next)
		r->start = hz_pcap_time(&r->next_hdr);
	r->clock = r->start;
	r->last = r->start;
	return HZ_OK;
}

/* Run every timer due at or before `until`, moving the clock to each
 * deadline in turn. A deadline that does not advance past the clock
 * (an engine asking to be called again "now") is polled once more at the
 * same time and then left for the next event, so a misbehaving engine
 * cannot spin the loop forever. */
static hz_time_t run_timers(struct hz_pcap_replay *r, struct hz_stack *s, hz_time_t deadline,
                            hz_time_t until)
{
	unsigned stuck = 0;
	while (deadline != HZ_TIME_NEVER && deadline <= until) {
		if (deadline > r->clock) {
			r->clock = deadline;
			stuck = 0;
		} else if (++stuck > 2) {
			break;
		}
		deadline = hz_stack_poll(s, r->clock);
		r->stats.polls++;
	}
	return deadline;
}

int hz_pcap_replay_run(struct hz_pcap_replay *r, struct hz_stack *s, hz_time_t tail,
                       const struct hz_pcap_replay_hooks *hooks)
{
	hz_time_t deadline = hz_stack_poll(s, r->clock);
	r->stats.polls++;
	while (r->have_next) {
		struct pcap_pkthdr h = r->next_hdr;
		const uint8_t *frame = r->next;
		hz_time_t t = hz_pcap_time(&h);
		r->stats.frames++;
		if (t < r->clock) {
			r->stats.backwards++;
			t = r->clock;
		}
		deadline = run_timers(r, s, deadline, t);
		r->clock = t;
		r->last = t;
		if (h.caplen < h.len) {
			r->stats.truncated++;
		} else {
			int rc = hz_stack_input(s, frame, h.caplen, r->clock);
			r->stats.fed++;
			if (rc == HZ_OK)
				r->stats.taken++;
			deadline = hz_stack_poll(s, r->clock);
			r->stats.polls++;
			if (hooks && hooks->input)
				hooks->input(hooks->ctx, frame, h.caplen, rc, r->clock);
		}
		/* `frame` points into libpcap's buffer: read ahead only now. */
		read_ahead(r);
	}
	hz_time_t end = r->last + tail;
	run_timers(r, s, deadline, end);
	if (r->clock < end)
		r->clock = end;
	return HZ_OK;
}

void hz_pcap_replay_close(struct hz_pcap_replay *r)
{
	if (r->in) {
		pcap_close(r->in);
		r->in = NULL;
	}
}
