/* Packet buffers over caller storage. */
#include "haze/core.h"

void hz_pbuf_init(struct hz_pbuf *pb, void *storage, size_t cap, size_t headroom)
{
	pb->base = (uint8_t *)storage;
	pb->cap = cap;
	hz_pbuf_reset(pb, headroom);
}

void hz_pbuf_reset(struct hz_pbuf *pb, size_t headroom)
{
	pb->head = headroom <= pb->cap ? headroom : pb->cap;
	pb->len = 0;
	pb->flags = 0;
	pb->csum_start = 0;
	pb->csum_off = 0;
}

int hz_pbuf_append(struct hz_pbuf *pb, const void *src, size_t n)
{
	uint8_t *q = hz_pbuf_put(pb, n);
	if (!q)
		return HZ_ERR_NO_SPACE;
	if (n)
		hz_memcpy(q, src, n);
	return HZ_OK;
}
