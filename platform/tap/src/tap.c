/* Linux TUN/TAP backend: device, shim, signals and the poll(2) event loop. */
#define _GNU_SOURCE 1

#include "haze/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* Clock and shim                                                      */
/* ------------------------------------------------------------------ */

hz_time_t hz_tap_now(void)
{
	struct timespec ts;
	/* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (hz_time_t)ts.tv_sec * 1000000u + (hz_time_t)ts.tv_nsec / 1000u;
}

static void shim_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	uint8_t *p = out;
	while (len) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* getrandom only fails like this on kernels older than
			 * 3.17; there is no weaker source worth pretending with. */
			fprintf(stderr, "haze: error: getrandom: %s\n", strerror(errno));
			memset(p, 0, len);
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void shim_log(void *ctx, enum hz_log_level level, const char *line)
{
	(void)ctx;
	static const char *const names[] = { "error", "warn", "info", "debug" };
	const char *name = (unsigned)level < 4 ? names[level] : "?";
	/* One fprintf per line: stderr is unbuffered, so a line is one write
	 * and lines of several processes do not interleave mid-line. */
	fprintf(stderr, "haze: %s: %s\n", name, line);
}

static hz_time_t shim_now(void *ctx)
{
	(void)ctx;
	return hz_tap_now();
}

void hz_tap_shim_init(struct hz_shim *shim, enum hz_log_level level)
{
	memset(shim, 0, sizeof *shim);
	shim->random = shim_random;
	shim->log = shim_log;
	shim->now = shim_now;
	shim->log_level = level;
}

/* ------------------------------------------------------------------ */
/* Signals                                                             */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t usr1_flag;
static sigset_t wait_mask; /* the mask to wait with: our signals unblocked */
static bool signals_installed;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1_flag = 1;
	else
		stop_flag = 1;
}

int hz_tap_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the wait must return when a signal arrives. */
	sa.sa_flags = 0;
	static const int sigs[] = { SIGINT, SIGTERM, SIGUSR1 };
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t i = 0; i < HZ_ARRAY_LEN(sigs); i++) {
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return HZ_ERR_INTERNAL;
		sigaddset(&block, sigs[i]);
	}
	/* Block them everywhere except inside ppoll: a signal that lands
	 * between the flag check and the wait is then delivered by ppoll
	 * itself instead of being noticed only at the next deadline. */
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		return HZ_ERR_INTERNAL;
	wait_mask = old;
	for (size_t i = 0; i < HZ_ARRAY_LEN(sigs); i++)
		sigdelset(&wait_mask, sigs[i]);
	stop_flag = 0;
	usr1_flag = 0;
	signals_installed = true;
	return HZ_OK;
}

void hz_tap_stop(void)
{
	stop_flag = 1;
}

bool hz_tap_stop_requested(void)
{
	return stop_flag != 0;
}

/* ------------------------------------------------------------------ */
/* Device                                                              */
/* ------------------------------------------------------------------ */

/* One write(2) of a whole frame (with its vnet header in front when the
 * tap has one). Returns HZ_OK or the error the frame was dropped with. */
static int tap_write(struct hz_tap *t, const struct iovec *iov, int iovcnt, size_t len)
{
	for (;;) {
		ssize_t n = iovcnt == 1 ? write(t->fd, iov[0].iov_base, iov[0].iov_len)
		                        : writev(t->fd, iov, iovcnt);
		if (n == (ssize_t)len) {
			t->stats.tx_writes++;
			return HZ_OK;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			t->stats.tx_would_block++;
			return HZ_ERR_WOULD_BLOCK;
		}
		t->stats.tx_errors++;
		if (t->shim && t->stats.tx_errors <= 5)
			hz_log(t->shim, HZ_LOG_WARN, "tap %s: write of %zu bytes: %s", t->name, len,
			       n < 0 ? strerror(errno) : "short write");
		return HZ_ERR_INTERNAL;
	}
}

static void vnet_hdr_set(uint8_t out[HZ_TAP_VNET_HDR_LEN], bool partial, uint16_t csum_start,
                         uint16_t csum_off, uint8_t gso_type, uint16_t hdr_len, uint16_t gso_size)
{
	/* Native byte order: the tap is not in virtio 1.0 little-endian or
	 * TUNSETVNETBE mode, and this is the host's own kernel. */
	struct virtio_net_hdr h;
	memset(&h, 0, sizeof h);
	if (partial) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = csum_start;
		h.csum_offset = csum_off;
	}
	h.gso_type = gso_type;
	h.hdr_len = hdr_len;
	h.gso_size = gso_size;
	memcpy(out, &h, HZ_TAP_VNET_HDR_LEN);
}

/* Coalescing (HZ_TAP_F_VNET_HDR, see tap.h). */

#define ETH_LEN 14
#define IP4_LEN 20 /* only option-less IPv4 headers are coalesced */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A TCP/IPv4 data segment that may be coalesced: untagged Ethernet,
 * option-less IPv4, not a fragment, no padding, flags ACK or ACK|PSH, some
 * payload. Returns the header length (Ethernet to the end of the TCP
 * options), or 0. */
static size_t co_candidate(const uint8_t *f, size_t n)
{
	if (n < ETH_LEN + IP4_LEN + 20 || rd16(f + 12) != 0x0800)
		return 0;
	const uint8_t *ip = f + ETH_LEN;
	if (ip[0] != 0x45 || ip[9] != 6 || (rd16(ip + 6) & 0x3fffu) != 0 ||
	    rd16(ip + 2) != n - ETH_LEN)
		return 0;
	const uint8_t *tcp = ip + IP4_LEN;
	size_t hlen = ETH_LEN + IP4_LEN + (size_t)(tcp[12] >> 4) * 4u;
	if ((tcp[12] >> 4) < 5 || hlen >= n)
		return 0;
	if ((tcp[13] & (uint8_t)~0x08u) != 0x10u) /* ACK, maybe PSH; nothing else */
		return 0;
	return hlen;
}

/* Does segment f (header length hlen) continue the pending ones? Same
 * link and IP header but for the length, ID and checksum; same ports,
 * ACK, window and options; the next sequence number; the pending segments
 * all full-sized; room for it in 64 KiB. */
static bool co_continues(const struct hz_tap_coalesce *co, const uint8_t *f, size_t n, size_t hlen)
{
	const uint8_t *p = co->buf + HZ_TAP_VNET_HDR_LEN;
	size_t pay = n - hlen;
	if (hlen != co->hlen || pay > co->mss || co->len - co->hlen != (size_t)co->mss * co->nseg ||
	    co->len + pay > HZ_TAP_GSO_MAX)
		return false;
	const uint8_t *ip = f + ETH_LEN, *pip = p + ETH_LEN;
	const uint8_t *tcp = ip + IP4_LEN, *ptcp = pip + IP4_LEN;
	return rd32(tcp + 4) == co->next_seq && memcmp(f, p, ETH_LEN) == 0 && ip[1] == pip[1] &&
	       ip[8] == pip[8] && memcmp(ip + 12, pip + 12, 8) == 0 &&
	       memcmp(tcp, ptcp, 4) == 0 &&                  /* ports */
	       memcmp(tcp + 8, ptcp + 8, 4) == 0 &&          /* ACK */
	       memcmp(tcp + 14, ptcp + 14, 2) == 0 &&        /* window */
	       memcmp(tcp + 20, ptcp + 20, hlen - ETH_LEN - IP4_LEN - 20) == 0; /* options */
}

void hz_tap_flush(struct hz_tap *t)
{
	struct hz_tap_coalesce *co = &t->co;
	if (!co->len)
		return;
	uint8_t *f = co->buf + HZ_TAP_VNET_HDR_LEN;
	if (co->nseg == 1) {
		vnet_hdr_set(co->buf, co->partial, co->csum_start, co->csum_off,
		             VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	} else {
		/* One IPv4 packet of all the payload, the kernel's GSO form:
		 * the first segment's headers with the total length, PSH if
		 * any segment had it, and in the TCP checksum field the
		 * pseudo-header sum (not complemented) for the whole length,
		 * completed from csum_start by whoever needs the real one. */
		uint8_t *ip = f + ETH_LEN, *tcp = ip + IP4_LEN;
		size_t iplen = co->len - ETH_LEN, tcplen = iplen - IP4_LEN;
		wr16(ip + 2, (uint16_t)iplen);
		wr16(ip + 10, 0);
		wr16(ip + 10, hz_csum(ip, IP4_LEN));
		uint32_t ps = hz_csum_add(0, ip + 12, 8) + 6u + (uint32_t)tcplen;
		wr16(tcp + 16, (uint16_t)~hz_csum_fold(ps));
		vnet_hdr_set(co->buf, true, ETH_LEN + IP4_LEN, 16, VIRTIO_NET_HDR_GSO_TCPV4, co->hlen,
		             co->mss);
		t->stats.tx_coalesced += co->nseg - 1u;
	}
	struct iovec iov = { co->buf, HZ_TAP_VNET_HDR_LEN + co->len };
	(void)tap_write(t, &iov, 1, iov.iov_len); /* counted there; TCP resends */
	co->len = 0;
	co->nseg = 0;
}

static int tap_transmit(void *ctx, struct hz_pbuf *frame)
{
	struct hz_tap *t = ctx;
	const uint8_t *f = hz_pbuf_data(frame);
	size_t n = frame->len;
	t->stats.tx_frames++;
	if (!(t->flags & HZ_TAP_F_VNET_HDR)) {
		struct iovec iov = { (void *)(uintptr_t)f, n };
		return tap_write(t, &iov, 1, n);
	}
	bool partial = (frame->flags & HZ_PBUF_F_CSUM_PARTIAL) != 0;
	size_t hlen = t->in_run ? co_candidate(f, n) : 0;
	struct hz_tap_coalesce *co = &t->co;
	if (hlen && co->len && co_continues(co, f, n, hlen)) {
		size_t pay = n - hlen;
		uint8_t *p = co->buf + HZ_TAP_VNET_HDR_LEN;
		memcpy(p + co->len, f + hlen, pay);
		co->len += pay;
		co->nseg++;
		co->next_seq += (uint32_t)pay;
		p[ETH_LEN + IP4_LEN + 13] |= (uint8_t)(f[ETH_LEN + IP4_LEN + 13] & 0x08u);
		/* A short or PSH segment ends the run: write it now. */
		if (pay < co->mss || (f[ETH_LEN + IP4_LEN + 13] & 0x08u) ||
		    co->len + co->mss > HZ_TAP_GSO_MAX)
			hz_tap_flush(t);
		return HZ_OK;
	}
	hz_tap_flush(t); /* frames leave in the order they came */
	if (hlen && !(f[ETH_LEN + IP4_LEN + 13] & 0x08u) && n <= HZ_TAP_GSO_MAX) {
		/* Hold it: the next segment may continue it. */
		memcpy(co->buf + HZ_TAP_VNET_HDR_LEN, f, n);
		co->len = n;
		co->hlen = (uint16_t)hlen;
		co->mss = (uint16_t)(n - hlen);
		co->nseg = 1;
		co->next_seq = rd32(f + ETH_LEN + IP4_LEN + 4) + (uint32_t)(n - hlen);
		co->partial = partial;
		co->csum_start = frame->csum_start;
		co->csum_off = frame->csum_off;
		return HZ_OK;
	}
	uint8_t vh[HZ_TAP_VNET_HDR_LEN];
	vnet_hdr_set(vh, partial, frame->csum_start, frame->csum_off, VIRTIO_NET_HDR_GSO_NONE, 0, 0);
	struct iovec iov[2] = { { vh, sizeof vh }, { (void *)(uintptr_t)f, n } };
	return tap_write(t, iov, 2, sizeof vh + n);
}

static uint16_t device_mtu(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 1500;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, strlen(name));
	int mtu = 1500;
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
		mtu = ifr.ifr_mtu;
	close(s);
	return (uint16_t)mtu;
}

/* Read the interface flags; with `up`, also set IFF_UP. Returns the flags
 * or -1. */
static int device_flags(const char *name, bool up)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, strlen(name));
	int flags = -1;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		flags = (unsigned short)ifr.ifr_flags;
		if (up && !(flags & IFF_UP)) {
			ifr.ifr_flags = (short)(flags | IFF_UP);
			flags = ioctl(s, SIOCSIFFLAGS, &ifr) == 0 ? flags | IFF_UP : -1;
		}
	}
	close(s);
	return flags;
}

static bool device_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

int hz_tap_open(struct hz_tap *t, const char *name, const uint8_t mac[HZ_MAC_LEN],
                const struct hz_shim *shim)
{
	return hz_tap_open_flags(t, name, mac, shim, 0);
}

int hz_tap_open_flags(struct hz_tap *t, const char *name, const uint8_t mac[HZ_MAC_LEN],
                      const struct hz_shim *shim, unsigned flags)
{
	memset(&t->stats, 0, sizeof t->stats);
	t->flags = 0;
	t->in_run = false;
	t->co.len = 0;
	t->co.nseg = 0;
	memset(&t->netif, 0, sizeof t->netif);
	t->fd = -1;
	t->created = false;
	t->shim = shim;
	size_t nlen = name ? strlen(name) : 0;
	if (nlen == 0 || nlen >= HZ_TAP_NAME_MAX || nlen >= IFNAMSIZ)
		return HZ_ERR_INVALID;
	memcpy(t->name, name, nlen + 1);

	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		hz_log(shim, HZ_LOG_ERROR, "open /dev/net/tun: %s", strerror(errno));
		return HZ_ERR_NOT_FOUND;
	}
	bool existed = device_exists(name);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, name, nlen);
	/* IFF_TAP: Ethernet frames. IFF_NO_PI: no 4-byte prefix per frame.
	 * The same ioctl attaches to an existing device or creates one. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (flags & HZ_TAP_F_VNET_HDR) {
		/* The vnet header is per attachment, so an existing tap made
		 * without it takes it too. 10 bytes is the default size. */
		ifr.ifr_flags |= IFF_VNET_HDR;
		if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
			int sz = HZ_TAP_VNET_HDR_LEN;
			if (ioctl(fd, TUNSETVNETHDRSZ, &sz) == 0) {
				t->flags |= HZ_TAP_F_VNET_HDR;
				/* Receive offloads: the kernel may then write
				 * CHECKSUM_PARTIAL frames and TCP segments of up to
				 * 64 KiB (see tap.h). Without them the tap still
				 * works, on plain frames. */
				unsigned long off = TUN_F_CSUM | TUN_F_TSO4;
				if (ioctl(fd, TUNSETOFFLOAD, off) == 0)
					t->flags |= HZ_TAP_F_RX_OFFLOAD;
				else
					hz_log(shim, HZ_LOG_WARN,
					       "tap %s: TUNSETOFFLOAD: %s; no receive offloads", name,
					       strerror(errno));
				goto attached;
			}
			hz_log(shim, HZ_LOG_WARN, "tap %s: TUNSETVNETHDRSZ: %s; reopening without offloads",
			       name, strerror(errno));
			close(fd);
			fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0) {
				hz_log(shim, HZ_LOG_ERROR, "open /dev/net/tun: %s", strerror(errno));
				return HZ_ERR_NOT_FOUND;
			}
		} else {
			hz_log(shim, HZ_LOG_WARN, "tap %s: IFF_VNET_HDR refused (%s): no offloads",
			       name, strerror(errno));
		}
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	}
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		hz_log(shim, HZ_LOG_ERROR, "TUNSETIFF %s: %s%s", name, strerror(errno),
		       existed ? " (does the device exist as tun, multi-queue or owned by another user?)" : "");
		close(fd);
		return HZ_ERR_NOT_FOUND;
	}
attached:
	t->fd = fd;
	t->created = !existed;
	/* A tap we created is ours to bring up (the kernel side still has no
	 * address: that is the administrator's). An existing one is left as
	 * configured; while it is down every write fails with EIO. */
	int ifflags = device_flags(t->name, t->created);
	if (ifflags < 0)
		hz_log(shim, HZ_LOG_WARN, "tap %s: cannot %s the interface: %s", t->name,
		       t->created ? "bring up" : "read the flags of", strerror(errno));
	else if (!(ifflags & IFF_UP))
		hz_log(shim, HZ_LOG_WARN, "tap %s is down: frames cannot be sent until it is up",
		       t->name);

	t->netif.ctx = t;
	t->netif.transmit = tap_transmit;
	t->netif.mtu = device_mtu(t->name);
	/* Checksum offload through the vnet header (see tap.h). */
	t->netif.caps = (t->flags & HZ_TAP_F_VNET_HDR) ? HZ_NETIF_CAP_TX_CSUM : 0;
	if (mac) {
		memcpy(t->netif.mac, mac, HZ_MAC_LEN);
	} else {
		hz_random(shim, t->netif.mac, HZ_MAC_LEN);
		/* Locally administered (bit 1), unicast (bit 0 clear). */
		t->netif.mac[0] = (uint8_t)((t->netif.mac[0] & 0xfcu) | 0x02u);
	}
	return HZ_OK;
}

void hz_tap_close(struct hz_tap *t)
{
	if (t->fd >= 0) {
		hz_tap_flush(t);
		close(t->fd);
	}
	t->fd = -1;
}

const struct hz_netif *hz_tap_netif(const struct hz_tap *t)
{
	return &t->netif;
}

void hz_tap_counters(const struct hz_tap *t,
                     void (*fn)(void *ctx, const char *lib, const char *reason, uint64_t value),
                     void *ctx)
{
	fn(ctx, "tap", "rx_frames", t->stats.rx_frames);
	fn(ctx, "tap", "rx_errors", t->stats.rx_errors);
	fn(ctx, "tap", "rx_gso", t->stats.rx_gso);
	fn(ctx, "tap", "rx_csum_valid", t->stats.rx_csum_valid);
	fn(ctx, "tap", "rx_csum_sw", t->stats.rx_csum_sw);
	fn(ctx, "tap", "tx_frames", t->stats.tx_frames);
	fn(ctx, "tap", "tx_writes", t->stats.tx_writes);
	fn(ctx, "tap", "tx_coalesced", t->stats.tx_coalesced);
	fn(ctx, "tap", "tx_would_block", t->stats.tx_would_block);
	fn(ctx, "tap", "tx_errors", t->stats.tx_errors);
}

/* ------------------------------------------------------------------ */
/* Event loop                                                          */
/* ------------------------------------------------------------------ */

/* Where the IPv4 header of frame f starts (after an Ethernet header with
 * at most one VLAN tag), or 0 if f is not IPv4. */
static size_t rx_l3(const uint8_t *f, size_t n)
{
	size_t l3 = ETH_LEN;
	if (n >= 18 && rd16(f + 12) == 0x8100) {
		l3 = 18;
		if (rd16(f + 16) != 0x0800)
			return 0;
	} else if (n < ETH_LEN || rd16(f + 12) != 0x0800) {
		return 0;
	}
	if (n < l3 + IP4_LEN || (f[l3] >> 4) != 4)
		return 0;
	return l3;
}

/* The vnet header in front of frame f (n bytes): take the frame
 * (HZ_OK, *meta = HZ_STACK_RX_* for hz_stack_input_meta) or refuse it
 * (HZ_ERR_MALFORMED: counted as rx_errors by the caller). */
static int rx_vnet(struct hz_tap *t, uint8_t *f, size_t n, uint32_t *meta)
{
	struct virtio_net_hdr vh;
	memcpy(&vh, t->rxbuf, sizeof vh);
	size_t l3 = rx_l3(f, n);
	switch (vh.gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		/* One TCP/IPv4 segment larger than the MTU: the stack takes it
		 * whole (ipv4 checks its total length against the frame). Only
		 * with the offload asked for, and only TCP/IPv4. */
		if (!(t->flags & HZ_TAP_F_RX_OFFLOAD) || !l3 || f[l3 + 9] != 6)
			return HZ_ERR_MALFORMED;
		t->stats.rx_gso++;
		break;
	default:
		/* TCPv6, UDP, ECN: not asked for (TUNSETOFFLOAD). */
		return HZ_ERR_MALFORMED;
	}
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		size_t cs = vh.csum_start, co = vh.csum_offset;
		if (!(t->flags & HZ_TAP_F_RX_OFFLOAD) || cs >= n || co + 2 > n - cs)
			return HZ_ERR_MALFORMED;
		size_t ihl = l3 ? (size_t)(f[l3] & 0x0fu) * 4u : 0;
		uint8_t proto = l3 ? f[l3 + 9] : 0;
		if (l3 && cs == l3 + ihl && ((proto == 6 && co == 16) || (proto == 17 && co == 6))) {
			/* The transport checksum of a packet from the local
			 * kernel: trusted, and its field is only the
			 * pseudo-header sum, which nobody reads. */
			*meta = HZ_STACK_RX_CSUM_VALID;
			t->stats.rx_csum_valid++;
		} else {
			/* Something else asked for a checksum (virtio 1.x
			 * 5.1.6.4): sum from csum_start to the end, over the
			 * partial sum already in the field, and store it. */
			wr16(f + cs + co, hz_csum(f + cs, n - cs));
			t->stats.rx_csum_sw++;
		}
	} else if (vh.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		*meta = HZ_STACK_RX_CSUM_VALID;
		t->stats.rx_csum_valid++;
	}
	return HZ_OK;
}

/* Read until EAGAIN or the batch cap; *full says the cap cut the batch
 * (more frames are likely waiting). Returns false if the device broke. */
static bool drain(struct hz_tap *t, struct hz_stack *s, bool *full)
{
	size_t off = (t->flags & HZ_TAP_F_VNET_HDR) ? HZ_TAP_VNET_HDR_LEN : 0;
	/* One clock read per batch (see hz_tap_run in tap.h). */
	hz_time_t now = hz_tap_now();
	*full = false;
	for (unsigned i = 0; i < HZ_TAP_RX_BATCH; i++) {
		ssize_t n = read(t->fd, t->rxbuf, off + HZ_TAP_FRAME_MAX);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR)
				continue;
			t->stats.rx_errors++;
			hz_log(t->shim, HZ_LOG_ERROR, "tap %s: read: %s", t->name, strerror(errno));
			/* EBADFD/EIO: the device went away under us. */
			return errno != EBADFD && errno != EIO && errno != EBADF;
		}
		if (n == 0)
			return true;
		if ((size_t)n <= off) {
			t->stats.rx_errors++;
			continue;
		}
		uint32_t meta = 0;
		if (off && rx_vnet(t, t->rxbuf + off, (size_t)n - off, &meta) < 0) {
			t->stats.rx_errors++;
			continue;
		}
		t->stats.rx_frames++;
		/* The stack counts why a frame was dropped; its return value adds
		 * nothing the counters do not already say. */
		(void)hz_stack_input_meta(s, t->rxbuf + off, (size_t)n - off, meta, now);
	}
	*full = true;
	return true;
}

int hz_tap_run(struct hz_tap *t, struct hz_stack *s, const struct hz_tap_hooks *hooks)
{
	static const struct hz_tap_hooks none;
	if (!hooks)
		hooks = &none;
	sigset_t cur;
	const sigset_t *mask = NULL;
	if (signals_installed) {
		mask = &wait_mask;
	} else if (sigprocmask(SIG_SETMASK, NULL, &cur) == 0) {
		mask = &cur;
	}

	t->in_run = true;
	hz_time_t now = hz_tap_now();
	hz_time_t deadline = hz_stack_poll(s, now);
	hz_time_t next_tick = hooks->tick && hooks->tick_every ? now + hooks->tick_every : HZ_TIME_NEVER;
	bool more = false; /* the last batch was cut: frames are waiting */
	int rc = HZ_OK;

	while (!stop_flag) {
		hz_tap_flush(t);
		now = hz_tap_now();
		hz_time_t wake = hz_time_min(deadline, next_tick);
		struct timespec ts, *tsp = NULL;
		if (wake != HZ_TIME_NEVER) {
			hz_time_t d = wake > now ? wake - now : 0;
			/* ppoll sleeps at least this long, so a timer is never
			 * polled before its deadline and the loop cannot spin. */
			ts.tv_sec = (time_t)(d / 1000000u);
			ts.tv_nsec = (long)(d % 1000000u) * 1000L;
			tsp = &ts;
		}
		struct pollfd pfd = { .fd = t->fd, .events = POLLIN, .revents = 0 };
		if (more) {
			/* The last batch was cut at the cap: frames are
			 * waiting, so do not sleep (but still let ppoll
			 * deliver a pending signal). */
			ts.tv_sec = 0;
			ts.tv_nsec = 0;
			tsp = &ts;
		}
		more = false;
		int r = ppoll(&pfd, 1, tsp, mask);
		if (r < 0 && errno != EINTR) {
			hz_log(t->shim, HZ_LOG_ERROR, "ppoll: %s", strerror(errno));
			rc = HZ_ERR_INTERNAL;
			break;
		}
		if (stop_flag)
			break;
		if (usr1_flag) {
			usr1_flag = 0;
			if (hooks->usr1)
				hooks->usr1(hooks->ctx, hz_tap_now());
		}
		if (r > 0) {
			if (pfd.revents & (POLLERR | POLLNVAL)) {
				hz_log(t->shim, HZ_LOG_ERROR, "tap %s: device error", t->name);
				rc = HZ_ERR_INTERNAL;
				break;
			}
			if ((pfd.revents & POLLIN) && !drain(t, s, &more)) {
				rc = HZ_ERR_INTERNAL;
				break;
			}
		}
		now = hz_tap_now();
		deadline = hz_stack_poll(s, now);
		if (now >= next_tick) {
			hooks->tick(hooks->ctx, now);
			next_tick = now + hooks->tick_every;
			/* The tick may have sent something that armed a timer. */
			deadline = hz_stack_poll(s, hz_tap_now());
		}
	}
	hz_tap_flush(t);
	t->in_run = false;
	return rc;
}
