/* A token bucket for rate limits (ICMP errors, RFC 1812 4.3.2.8 and
 * RFC 4443 2.4 f). Tokens are counted in millionths, so a rate in tokens
 * per second refills by `rate` millionths per microsecond. */
#include "haze/core.h"

#define ONE 1000000u

void hz_ratelimit_init(struct hz_ratelimit *r, uint32_t rate, uint32_t burst)
{
	r->rate = rate;
	r->burst = burst;
	r->tokens = (uint64_t)burst * ONE;
	r->at = 0;
}

void hz_ratelimit_refill(struct hz_ratelimit *r, hz_time_t now)
{
	if (now <= r->at)
		return;
	hz_time_t dt = now - r->at;
	r->at = now;
	if (r->rate == 0)
		return;
	uint64_t cap = (uint64_t)r->burst * ONE;
	/* Clamp before multiplying so a long sleep cannot overflow. */
	hz_time_t full = cap / r->rate + 1;
	if (dt > full)
		dt = full;
	r->tokens = HZ_MIN(cap, r->tokens + dt * r->rate);
}

bool hz_ratelimit_take(struct hz_ratelimit *r, hz_time_t now)
{
	if (r->rate == 0)
		return true;
	hz_ratelimit_refill(r, now);
	if (r->tokens < ONE)
		return false;
	r->tokens -= ONE;
	return true;
}
