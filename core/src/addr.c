/* IP and MAC address text forms: IPv4 dotted quad, IPv6 per RFC 4291
 * section 2.2 (parse) and RFC 5952 (canonical output). */
#include "haze/core.h"

struct hz_ipaddr hz_ipaddr_v4(uint32_t host_order)
{
	struct hz_ipaddr a;
	hz_memset(&a, 0, sizeof a);
	a.family = HZ_AF_INET;
	hz_be32_store(a.b, host_order);
	return a;
}

bool hz_ipaddr_eq(const struct hz_ipaddr *a, const struct hz_ipaddr *b)
{
	if (a->family != b->family)
		return false;
	size_t n = a->family == HZ_AF_INET ? 4 : a->family == HZ_AF_INET6 ? 16 : 0;
	return hz_memcmp(a->b, b->b, n) == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Dotted quad, exactly four decimal parts 0..255 without leading zeros
 * (a leading zero would be octal to inet_aton: refuse the ambiguity). */
static int parse_v4(uint8_t out[4], const char *s, const char **end)
{
	for (int i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return HZ_ERR_MALFORMED;
		if (*s < '0' || *s > '9')
			return HZ_ERR_MALFORMED;
		unsigned v = 0, digits = 0;
		const char *first = s;
		while (*s >= '0' && *s <= '9') {
			v = v * 10u + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return HZ_ERR_MALFORMED;
		}
		if (digits > 1 && *first == '0')
			return HZ_ERR_MALFORMED;
		out[i] = (uint8_t)v;
	}
	*end = s;
	return HZ_OK;
}

static int parse_v6(uint8_t out[16], const char *s)
{
	uint8_t buf[16] = { 0 };
	int n = 0, gap = -1;

	if (s[0] == ':') {
		if (s[1] != ':')
			return HZ_ERR_MALFORMED;
		gap = 0;
		s += 2;
		if (*s == '\0')
			goto done;
	}
	for (;;) {
		/* One group: up to four hex digits, or a trailing dotted quad. */
		const char *g = s;
		unsigned v = 0;
		int digits = 0, h;
		while ((h = hexval(*s)) >= 0) {
			v = (v << 4) | (unsigned)h;
			s++;
			if (++digits > 4)
				break;
		}
		if (*s == '.' && n <= 12) {
			const char *e;
			if (parse_v4(buf + n, g, &e) || *e != '\0')
				return HZ_ERR_MALFORMED;
			n += 4;
			break;
		}
		if (digits == 0 || digits > 4 || n > 14)
			return HZ_ERR_MALFORMED;
		buf[n++] = (uint8_t)(v >> 8);
		buf[n++] = (uint8_t)v;
		if (*s == '\0')
			break;
		if (*s++ != ':')
			return HZ_ERR_MALFORMED;
		if (*s == ':') {
			if (gap >= 0)
				return HZ_ERR_MALFORMED;
			gap = n;
			s++;
			if (*s == '\0')
				break;
		}
	}
done:
	if (gap >= 0) {
		if (n == 16)
			return HZ_ERR_MALFORMED; /* "::" must stand for at least one group */
		int tail = n - gap;
		hz_memset(out, 0, 16);
		hz_memcpy(out, buf, (size_t)gap);
		hz_memcpy(out + 16 - tail, buf + gap, (size_t)tail);
	} else {
		if (n != 16)
			return HZ_ERR_MALFORMED;
		hz_memcpy(out, buf, 16);
	}
	return HZ_OK;
}

int hz_ipaddr_parse(struct hz_ipaddr *out, const char *text)
{
	struct hz_ipaddr a;
	hz_memset(&a, 0, sizeof a);
	bool colon = false;
	for (const char *p = text; *p; p++)
		colon |= *p == ':';
	if (colon) {
		if (parse_v6(a.b, text))
			return HZ_ERR_MALFORMED;
		a.family = HZ_AF_INET6;
	} else {
		const char *e;
		if (parse_v4(a.b, text, &e) || *e != '\0')
			return HZ_ERR_MALFORMED;
		a.family = HZ_AF_INET;
	}
	*out = a;
	return HZ_OK;
}

int hz_ipaddr_parse_prefix(struct hz_ipaddr *out, unsigned *plen, const char *text)
{
	char buf[HZ_IPADDR_STRLEN];
	size_t i = 0;
	while (text[i] && text[i] != '/') {
		if (i + 1 >= sizeof buf)
			return HZ_ERR_MALFORMED;
		buf[i] = text[i];
		i++;
	}
	buf[i] = '\0';
	if (text[i] != '/' || text[i + 1] == '\0')
		return HZ_ERR_MALFORMED;
	unsigned v = 0;
	for (const char *p = text + i + 1; *p; p++) {
		if (*p < '0' || *p > '9' || v > 128)
			return HZ_ERR_MALFORMED;
		v = v * 10u + (unsigned)(*p - '0');
	}
	struct hz_ipaddr a;
	if (hz_ipaddr_parse(&a, buf))
		return HZ_ERR_MALFORMED;
	if (v > (a.family == HZ_AF_INET ? 32u : 128u))
		return HZ_ERR_MALFORMED;
	*out = a;
	*plen = v;
	return HZ_OK;
}

static char *put_dec(char *p, unsigned v)
{
	char t[4];
	int n = 0;
	do {
		t[n++] = (char)('0' + v % 10u);
		v /= 10u;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

char *hz_ipaddr_format(const struct hz_ipaddr *a, char buf[HZ_IPADDR_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	char *p = buf;
	if (a->family == HZ_AF_INET) {
		for (int i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_dec(p, a->b[i]);
		}
	} else if (a->family == HZ_AF_INET6) {
		/* RFC 5952 4.2: the longest run of two or more zero groups (the
		 * first if tied) becomes "::". */
		int best = -1, bestlen = 1;
		for (int i = 0; i < 8;) {
			int j = i;
			while (j < 8 && a->b[2 * j] == 0 && a->b[2 * j + 1] == 0)
				j++;
			if (j - i > bestlen) {
				best = i;
				bestlen = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				*p++ = ':';
				*p++ = ':';
				i += bestlen - 1;
				continue;
			}
			if (i && i != best + bestlen)
				*p++ = ':';
			unsigned g = (unsigned)a->b[2 * i] << 8 | a->b[2 * i + 1];
			bool started = false;
			for (int s = 12; s >= 0; s -= 4) {
				unsigned d = (g >> s) & 0xfu;
				if (d || started || s == 0) {
					*p++ = hex[d];
					started = true;
				}
			}
		}
	} else {
		*p++ = '*';
	}
	*p = '\0';
	return buf;
}

int hz_mac_parse(uint8_t out[HZ_MAC_LEN], const char *text)
{
	uint8_t m[HZ_MAC_LEN];
	const char *s = text;
	for (int i = 0; i < HZ_MAC_LEN; i++) {
		if (i && *s++ != ':')
			return HZ_ERR_MALFORMED;
		int hi = hexval(s[0]), lo = hi >= 0 ? hexval(s[1]) : -1;
		if (hi < 0 || lo < 0)
			return HZ_ERR_MALFORMED;
		m[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (*s != '\0')
		return HZ_ERR_MALFORMED;
	hz_memcpy(out, m, HZ_MAC_LEN);
	return HZ_OK;
}

char *hz_mac_format(const uint8_t mac[HZ_MAC_LEN], char buf[HZ_MAC_STRLEN])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < HZ_MAC_LEN; i++) {
		buf[3 * i] = hex[mac[i] >> 4];
		buf[3 * i + 1] = hex[mac[i] & 15];
		buf[3 * i + 2] = i == HZ_MAC_LEN - 1 ? '\0' : ':';
	}
	return buf;
}
