/* A byte ring over caller memory: send and receive buffers of a
 * connection. Every copy is at most two memcpy calls (before and after
 * the wrap). */
#include "haze/tcp.h"

void hz_tcp_ring_init(struct hz_tcp_ring *r, uint8_t *buf, size_t cap)
{
	r->buf = buf;
	r->cap = buf ? cap : 0;
	r->head = 0;
	r->len = 0;
}

/* Position of the byte `off` bytes after head. Requires off < 2 * cap. */
static size_t pos(const struct hz_tcp_ring *r, size_t off)
{
	size_t p = r->head + off;
	return p >= r->cap ? p - r->cap : p;
}

static void put(struct hz_tcp_ring *r, size_t off, const uint8_t *src, size_t n)
{
	size_t p = pos(r, off);
	size_t first = HZ_MIN(n, r->cap - p);
	hz_memcpy(r->buf + p, src, first);
	if (n > first)
		hz_memcpy(r->buf, src + first, n - first);
}

size_t hz_tcp_ring_write_at(struct hz_tcp_ring *r, size_t off, const void *data, size_t n)
{
	size_t room = r->cap - r->len;
	if (off >= room)
		return 0;
	n = HZ_MIN(n, room - off);
	if (n)
		put(r, r->len + off, (const uint8_t *)data, n);
	return n;
}

size_t hz_tcp_ring_write(struct hz_tcp_ring *r, const void *data, size_t n)
{
	n = hz_tcp_ring_write_at(r, 0, data, n);
	r->len += n;
	return n;
}

void hz_tcp_ring_commit(struct hz_tcp_ring *r, size_t n)
{
	r->len += HZ_MIN(n, r->cap - r->len);
}

size_t hz_tcp_ring_copy(const struct hz_tcp_ring *r, size_t off, void *out, size_t n)
{
	if (off >= r->len)
		return 0;
	n = HZ_MIN(n, r->len - off);
	if (n == 0)
		return 0;
	size_t p = pos(r, off);
	size_t first = HZ_MIN(n, r->cap - p);
	hz_memcpy(out, r->buf + p, first);
	if (n > first)
		hz_memcpy((uint8_t *)out + first, r->buf, n - first);
	return n;
}

void hz_tcp_ring_consume(struct hz_tcp_ring *r, size_t n)
{
	n = HZ_MIN(n, r->len);
	r->head = pos(r, n);
	r->len -= n;
	/* No restart at 0 when empty: bytes stored past the readable end
	 * (write_at) stay where they are. */
}

size_t hz_tcp_ring_read(struct hz_tcp_ring *r, void *out, size_t n)
{
	n = hz_tcp_ring_copy(r, 0, out, n);
	hz_tcp_ring_consume(r, n);
	return n;
}

size_t hz_tcp_ring_peek(const struct hz_tcp_ring *r, const uint8_t **p)
{
	if (r->len == 0) {
		*p = NULL;
		return 0;
	}
	*p = r->buf + r->head;
	return HZ_MIN(r->len, r->cap - r->head);
}
