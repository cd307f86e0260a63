/*
 * core: cursors, checksums, address text, the formatter and pbufs, each
 * against an independent model:
 *
 *  - hz_rd / hz_wr against a shadow position and error, and the bytes
 *    they return against plain big-endian loads;
 *  - hz_csum against a byte-at-a-time RFC 1071 sum (including odd start
 *    addresses, since hz_csum_add reads whole words), chained sums against
 *    one sum, and RFC 1624 updates against recomputing;
 *  - hz_ipaddr_parse against inet_pton, format -> parse round trips,
 *    MAC and prefix text likewise;
 *  - hz_fmt against snprintf for one conversion at a time;
 *  - pbuf push/pull/put against a shadow head and length.
 *
 * Input: byte 0 picks the sub-test (rd, wr, csum, text, fmt, pbuf), byte
 * 1 how many of the following bytes are "ops" (sizes, values, choices);
 * the bytes after them are the data the sub-test works on.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdarg.h>

#include "fuzz.h"

/* fuzz_fmt builds its formats at run time, on purpose. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

/* ------------------------------------------------------------------ */

static void fuzz_rd(struct fz_in *ops, const uint8_t *buf, size_t len)
{
	struct hz_rd r;
	hz_rd_init(&r, buf, len);
	size_t pos = 0;
	int err = HZ_OK;
	for (int i = 0; i < 64 && !fz_in_empty(ops); i++) {
		uint8_t op = fz_u8(ops);
		size_t n = op >> 3;
		size_t want = 0;
		uint64_t got = 0;
		switch (op & 7u) {
		case 0: want = 1; got = hz_rd_u8(&r); break;
		case 1: want = 2; got = hz_rd_be16(&r); break;
		case 2: want = 4; got = hz_rd_be32(&r); break;
		case 3: want = 8; got = hz_rd_be64(&r); break;
		case 4: {
			want = n;
			const uint8_t *q = hz_rd_bytes(&r, n);
			bool fits = !err && n <= len - pos;
			FZ_CHECK((q != NULL) == fits);
			if (q)
				FZ_CHECK(q == buf + pos);
			break;
		}
		case 5: want = n; hz_rd_skip(&r, n); break;
		case 6: {
			uint8_t tmp[32];
			want = n;
			bool ok = hz_rd_copy(&r, tmp, n);
			bool fits = !err && n <= len - pos;
			FZ_CHECK(ok == fits);
			if (ok)
				FZ_CHECK(n == 0 || memcmp(tmp, buf + pos, n) == 0);
			break;
		}
		default:
			FZ_CHECK(hz_rd_left(&r) == len - pos);
			FZ_CHECK(hz_rd_status(&r) == err);
			continue;
		}
		bool fits = !err && want <= len - pos;
		if ((op & 7u) <= 3) {
			uint64_t model = 0;
			if (fits)
				for (size_t k = 0; k < want; k++)
					model = model << 8 | buf[pos + k];
			FZ_CHECK(got == model);
		}
		if (fits) {
			pos += want;
		} else {
			err = HZ_ERR_NEED_MORE;
			pos = len;
		}
		FZ_CHECK(r.pos == pos && r.err == err && r.pos <= r.len);
	}
}

static void fuzz_wr(struct fz_in *ops, const uint8_t *src, size_t srclen)
{
	uint8_t store[80], model[80];
	size_t cap = fz_u8(ops) % 72;
	memset(store, 0xa5, sizeof store);
	memset(model, 0xa5, sizeof model);
	struct hz_wr w;
	hz_wr_init(&w, store, cap);
	size_t pos = 0;
	int err = HZ_OK;
	for (int i = 0; i < 32 && !fz_in_empty(ops); i++) {
		uint8_t op = fz_u8(ops);
		size_t n = (op >> 3) % 24;
		uint64_t v = (uint64_t)fz_u32(ops) << 32 | fz_u32(ops);
		uint8_t bytes[24];
		size_t want;
		for (size_t k = 0; k < sizeof bytes; k++)
			bytes[k] = srclen ? src[k % srclen] : (uint8_t)k;
		switch (op & 7u) {
		case 0: want = 1; hz_wr_u8(&w, (uint8_t)v); break;
		case 1: want = 2; hz_wr_be16(&w, (uint16_t)v); break;
		case 2: want = 4; hz_wr_be32(&w, (uint32_t)v); break;
		case 3: want = 8; hz_wr_be64(&w, v); break;
		case 4: want = n; hz_wr_bytes(&w, bytes, n); break;
		case 5: want = n; hz_wr_zero(&w, n); break;
		default: {
			want = n;
			uint8_t *q = hz_wr_reserve(&w, n);
			if (q)
				FZ_CHECK(q == store + pos);
			break;
		}
		}
		bool fits = !err && want <= cap - pos;
		if (fits) {
			uint8_t *m = model + pos;
			switch (op & 7u) {
			case 0: m[0] = (uint8_t)v; break;
			case 1: hz_be16_store(m, (uint16_t)v); break;
			case 2: hz_be32_store(m, (uint32_t)v); break;
			case 3: hz_be64_store(m, v); break;
			case 4: memcpy(m, bytes, n); break;
			case 5: memset(m, 0, n); break;
			default:
				/* reserve leaves the bytes as they were */
				break;
			}
			pos += want;
		} else {
			err = HZ_ERR_NO_SPACE;
		}
		FZ_CHECK(w.pos == pos && w.err == err && hz_wr_status(&w) == err);
	}
	/* Nothing written past pos; everything before matches the model. */
	FZ_CHECK(memcmp(store, model, sizeof store) == 0);
}

/* ------------------------------------------------------------------ */

static uint16_t ref_csum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void fuzz_csum(struct fz_in *ops, const uint8_t *buf, size_t len)
{
	/* Whole buffer, then from odd and even start addresses. */
	FZ_CHECK(hz_csum(buf, len) == ref_csum(buf, len));
	if (len > 1)
		FZ_CHECK(hz_csum(buf + 1, len - 1) == ref_csum(buf + 1, len - 1));
	FZ_CHECK(hz_csum_fold(hz_csum_add(0, buf, len)) == hz_csum(buf, len));

	/* Chained: every chunk but the last has an even length. */
	if (len) {
		size_t k = (fz_u16(ops) % (len + 1)) & ~(size_t)1;
		uint32_t part = hz_csum_add(0, buf, k);
		part = hz_csum_add(part, buf + k, len - k);
		FZ_CHECK(hz_csum_fold(part) == hz_csum(buf, len));
	}

	/* RFC 1624: change one 16-bit and one 32-bit field in a copy. */
	if (len >= 4 && len <= 4096) {
		uint8_t copy[4096];
		memcpy(copy, buf, len);
		uint16_t before = hz_csum(copy, len);
		size_t off = (fz_u16(ops) % (len - 1)) & ~(size_t)1;
		uint16_t old = hz_be16_load(copy + off), nv = fz_u16(ops);
		hz_be16_store(copy + off, nv);
		uint16_t inc = hz_csum_update16(before, old, nv);
		FZ_CHECK(fz_csum_eq(inc, hz_csum(copy, len)));

		before = hz_csum(copy, len);
		off = (fz_u16(ops) % (len - 3)) & ~(size_t)1;
		uint32_t old32 = hz_be32_load(copy + off), nv32 = fz_u32(ops);
		hz_be32_store(copy + off, nv32);
		inc = hz_csum_update32(before, old32, nv32);
		FZ_CHECK(fz_csum_eq(inc, hz_csum(copy, len)));
	}
}

/* ------------------------------------------------------------------ */

static void fuzz_text(const uint8_t *buf, size_t len)
{
	char text[72];
	size_t n = len < sizeof text - 1 ? len : sizeof text - 1;
	memcpy(text, buf, n);
	text[n] = '\0';

	struct hz_ipaddr a, b;
	int rc = hz_ipaddr_parse(&a, text);
	FZ_CHECK(rc == HZ_OK || rc == HZ_ERR_MALFORMED);
	uint8_t ref4[4], ref6[16];
	bool ok4 = inet_pton(AF_INET, text, ref4) == 1;
	bool ok6 = inet_pton(AF_INET6, text, ref6) == 1;
	if (rc == HZ_OK) {
		FZ_CHECK(a.family == HZ_AF_INET || a.family == HZ_AF_INET6);
		if (a.family == HZ_AF_INET) {
			/* dotted quad: libc agrees, and the rest of b[] is zero */
			FZ_CHECK(ok4 && memcmp(a.b, ref4, 4) == 0);
			for (int i = 4; i < 16; i++)
				FZ_CHECK(a.b[i] == 0);
		} else {
			FZ_CHECK(ok6 && memcmp(a.b, ref6, 16) == 0);
		}
		char out[HZ_IPADDR_STRLEN];
		FZ_CHECK(hz_ipaddr_format(&a, out) == out);
		FZ_CHECK(strlen(out) < HZ_IPADDR_STRLEN);
		FZ_CHECK(hz_ipaddr_parse(&b, out) == HZ_OK && hz_ipaddr_eq(&a, &b));
		/* canonical text is a fixed point */
		char again[HZ_IPADDR_STRLEN];
		hz_ipaddr_format(&b, again);
		FZ_CHECK(strcmp(out, again) == 0);
	} else {
		/* anything libc reads as an address, haze reads too */
		FZ_CHECK(!ok4);
		FZ_CHECK(!ok6);
	}

	unsigned plen = 999;
	rc = hz_ipaddr_parse_prefix(&a, &plen, text);
	FZ_CHECK(rc == HZ_OK || rc == HZ_ERR_MALFORMED);
	if (rc == HZ_OK)
		FZ_CHECK(plen <= (a.family == HZ_AF_INET ? 32u : 128u));

	uint8_t mac[HZ_MAC_LEN], mac2[HZ_MAC_LEN];
	if (hz_mac_parse(mac, text) == HZ_OK) {
		char out[HZ_MAC_STRLEN];
		hz_mac_format(mac, out);
		FZ_CHECK(strlen(out) == HZ_MAC_STRLEN - 1);
		FZ_CHECK(hz_mac_parse(mac2, out) == HZ_OK && memcmp(mac, mac2, HZ_MAC_LEN) == 0);
	}
}

/* ------------------------------------------------------------------ */

/* One conversion, formatted by haze and by libc into same-size buffers. */
#define FMT_BOTH(cap, fmt, arg)                                                      \
	do {                                                                             \
		char hb[96], lb[96];                                                         \
		memset(hb, 0x5a, sizeof hb);                                                 \
		memset(lb, 0x5a, sizeof lb);                                                 \
		size_t hn = hz_fmt(hb, (cap), (fmt), arg);                                   \
		int ln = snprintf(lb, (cap), (fmt), arg);                                    \
		if (hn != (size_t)ln || ((cap) && memcmp(hb, lb, HZ_MIN((size_t)(cap), hn + 1)) != 0)) { \
			fprintf(stderr, "hz_fmt(\"%s\") differs from snprintf\n", (fmt));       \
			fz_fail("hz_fmt == snprintf", __FILE__, __LINE__);                       \
		}                                                                            \
	} while (0)

static void fuzz_fmt(struct fz_in *ops, const uint8_t *buf, size_t len)
{
	/* -DFZ_CORE_SKIP_HH leaves out h and hh while a known difference
	 * is being fixed, so the rest of the formatter keeps being fuzzed. */
#ifdef FZ_CORE_SKIP_HH
	static const char *const mods[] = { "", "l", "ll", "z", "l", "" };
#else
	static const char *const mods[] = { "", "l", "ll", "z", "h", "hh" };
#endif
	static const char convs[] = "diuxX";
	for (int i = 0; i < 8 && !fz_in_empty(ops); i++) {
		uint8_t sel = fz_u8(ops);
		uint8_t w = fz_u8(ops);
		size_t cap = fz_u8(ops) % 90;
		uint64_t v = (uint64_t)fz_u32(ops) << 32 | fz_u32(ops);
		char fmt[32];
		bool zero = (w & 0x80) != 0;
		unsigned width = w & 0x1f;
		char wtxt[8] = "";
		if (width)
			snprintf(wtxt, sizeof wtxt, "%s%u", zero ? "0" : "", width);
		if ((sel & 7u) < 5) {
			const char *mod = mods[(sel >> 3) % 6];
			char c = convs[sel & 7u];
			snprintf(fmt, sizeof fmt, "<%%%s%s%c>", wtxt, mod, c);
			bool sgn = c == 'd' || c == 'i';
			if (!strcmp(mod, "l")) {
				if (sgn) FMT_BOTH(cap, fmt, (long)v); else FMT_BOTH(cap, fmt, (unsigned long)v);
			} else if (!strcmp(mod, "ll")) {
				if (sgn) FMT_BOTH(cap, fmt, (long long)v); else FMT_BOTH(cap, fmt, (unsigned long long)v);
			} else if (!strcmp(mod, "z")) {
				if (sgn) FMT_BOTH(cap, fmt, (long)v); else FMT_BOTH(cap, fmt, (size_t)v);
			} else {
				if (sgn) FMT_BOTH(cap, fmt, (int)v); else FMT_BOTH(cap, fmt, (unsigned)v);
			}
		} else if ((sel & 7u) == 5) {
			/* a string taken from the data, without NULs */
			char s[40];
			size_t n = 0;
			for (size_t k = 0; k < len && n < sizeof s - 1; k++)
				if (buf[k])
					s[n++] = (char)buf[k];
			s[n] = '\0';
			snprintf(fmt, sizeof fmt, "[%%%ss]", width ? wtxt + (zero ? 1 : 0) : "");
			FMT_BOTH(cap, fmt, s);
		} else if ((sel & 7u) == 6) {
			FMT_BOTH(cap, "%c|", (int)(v & 0x7f) | 1);
		} else {
			FMT_BOTH(cap, "100%% %s", "done");
		}
	}
}

/* ------------------------------------------------------------------ */

static void fuzz_pbuf(struct fz_in *ops)
{
	uint8_t store[256];
	struct hz_pbuf pb;
	size_t cap = fz_u8(ops), headroom = fz_u8(ops);
	hz_pbuf_init(&pb, store, cap, headroom);
	size_t head = headroom <= cap ? headroom : cap, len = 0;
	FZ_CHECK(pb.head == head && pb.len == 0);
	for (int i = 0; i < 32 && !fz_in_empty(ops); i++) {
		uint8_t op = fz_u8(ops);
		size_t n = fz_u8(ops);
		uint8_t *q;
		switch (op % 5) {
		case 0:
			q = hz_pbuf_push(&pb, n);
			FZ_CHECK((q != NULL) == (n <= head));
			if (q) {
				head -= n;
				len += n;
				FZ_CHECK(q == store + head);
			}
			break;
		case 1:
			q = hz_pbuf_pull(&pb, n);
			FZ_CHECK((q != NULL) == (n <= len));
			if (q) {
				head += n;
				len -= n;
				FZ_CHECK(q == store + head);
			}
			break;
		case 2:
			q = hz_pbuf_put(&pb, n);
			FZ_CHECK((q != NULL) == (n <= cap - head - len));
			if (q) {
				FZ_CHECK(q == store + head + len);
				len += n;
			}
			break;
		case 3: {
			uint8_t src[256] = { 0 };
			int rc = hz_pbuf_append(&pb, src, n);
			FZ_CHECK((rc == HZ_OK) == (n <= cap - head - len));
			if (rc == HZ_OK)
				len += n;
			break;
		}
		default:
			hz_pbuf_reset(&pb, n);
			head = n <= cap ? n : cap;
			len = 0;
			break;
		}
		FZ_CHECK(pb.head == head && pb.len == len);
		FZ_CHECK(pb.head + pb.len <= pb.cap);
		FZ_CHECK(hz_pbuf_headroom(&pb) == head);
		FZ_CHECK(hz_pbuf_tailroom(&pb) == cap - head - len);
		FZ_CHECK(hz_pbuf_data(&pb) == store + head);
	}
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* data[0] picks the sub-test, data[1] splits the rest into ops and
	 * bytes: one sub-test per input keeps each one's input dense. */
	size_t rest = size - 2;
	size_t split = rest ? (size_t)data[1] % (rest + 1) : 0;
	struct fz_in ops;
	fz_in_init(&ops, data + 2, split);
	const uint8_t *buf = data + 2 + split;
	size_t len = rest - split;

	switch (data[0] % 6) {
	case 0: fuzz_rd(&ops, buf, len); break;
	case 1: fuzz_wr(&ops, buf, len); break;
	case 2: fuzz_csum(&ops, buf, len); break;
	case 3: fuzz_text(data + 2, rest); break;
	case 4: fuzz_fmt(&ops, buf, len); break;
	default: fuzz_pbuf(&ops); break;
	}
	for (size_t i = 0; i < 4 && i < size; i++)
		FZ_CHECK(hz_err_name(-(int)data[i]) != NULL);
	return 0;
}
