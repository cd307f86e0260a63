/* Linux TUN/TAP backend: device, shim, signals and the poll(2) event loop. */
#define _GNU_SOURCE 1

#include "haze/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
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

static int tap_transmit(void *ctx, struct hz_pbuf *frame)
{
	struct hz_tap *t = ctx;
	for (;;) {
		ssize_t n = write(t->fd, hz_pbuf_data(frame), frame->len);
		if (n == (ssize_t)frame->len) {
			t->stats.tx_frames++;
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
			hz_log(t->shim, HZ_LOG_WARN, "tap %s: write of %zu bytes: %s", t->name,
			       frame->len, n < 0 ? strerror(errno) : "short write");
		return HZ_ERR_INTERNAL;
	}
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
	memset(&t->stats, 0, sizeof t->stats);
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
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		hz_log(shim, HZ_LOG_ERROR, "TUNSETIFF %s: %s%s", name, strerror(errno),
		       existed ? " (does the device exist as tun, multi-queue or owned by another user?)" : "");
		close(fd);
		return HZ_ERR_NOT_FOUND;
	}
	t->fd = fd;
	t->created = !existed;
	/* A tap we created is ours to bring up (the kernel side still has no
	 * address: that is the administrator's). An existing one is left as
	 * configured; while it is down every write fails with EIO. */
	int flags = device_flags(t->name, t->created);
	if (flags < 0)
		hz_log(shim, HZ_LOG_WARN, "tap %s: cannot %s the interface: %s", t->name,
		       t->created ? "bring up" : "read the flags of", strerror(errno));
	else if (!(flags & IFF_UP))
		hz_log(shim, HZ_LOG_WARN, "tap %s is down: frames cannot be sent until it is up",
		       t->name);

	t->netif.ctx = t;
	t->netif.transmit = tap_transmit;
	t->netif.mtu = device_mtu(t->name);
	t->netif.caps = 0;
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
	if (t->fd >= 0)
		close(t->fd);
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
	fn(ctx, "tap", "tx_frames", t->stats.tx_frames);
	fn(ctx, "tap", "tx_would_block", t->stats.tx_would_block);
	fn(ctx, "tap", "tx_errors", t->stats.tx_errors);
}

/* ------------------------------------------------------------------ */
/* Event loop                                                          */
/* ------------------------------------------------------------------ */

/* Read until EAGAIN or the batch cap. Returns false if the device broke. */
static bool drain(struct hz_tap *t, struct hz_stack *s)
{
	for (unsigned i = 0; i < HZ_TAP_RX_BATCH; i++) {
		ssize_t n = read(t->fd, t->rxbuf, sizeof t->rxbuf);
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
		t->stats.rx_frames++;
		/* The stack counts why a frame was dropped; its return value adds
		 * nothing the counters do not already say. */
		(void)hz_stack_input(s, t->rxbuf, (size_t)n, hz_tap_now());
	}
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

	hz_time_t now = hz_tap_now();
	hz_time_t deadline = hz_stack_poll(s, now);
	hz_time_t next_tick = hooks->tick && hooks->tick_every ? now + hooks->tick_every : HZ_TIME_NEVER;

	while (!stop_flag) {
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
		int r = ppoll(&pfd, 1, tsp, mask);
		if (r < 0 && errno != EINTR) {
			hz_log(t->shim, HZ_LOG_ERROR, "ppoll: %s", strerror(errno));
			return HZ_ERR_INTERNAL;
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
				return HZ_ERR_INTERNAL;
			}
			if ((pfd.revents & POLLIN) && !drain(t, s))
				return HZ_ERR_INTERNAL;
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
	return HZ_OK;
}
