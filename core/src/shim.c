/* The shim helpers and a libc-free formatter for log lines. */
#include "haze/core.h"

void hz_random(const struct hz_shim *shim, void *out, size_t len)
{
	if (shim && shim->random) {
		shim->random(shim->ctx, out, len);
		return;
	}
	/* No entropy source wired: zeros are predictable, and that is the
	 * platform's bug to fix, not something to hide with a weak PRNG. */
	hz_memset(out, 0, len);
}

uint32_t hz_random_u32(const struct hz_shim *shim)
{
	uint8_t b[4];
	hz_random(shim, b, sizeof b);
	return hz_be32_load(b);
}

struct out {
	char *buf;
	size_t cap;
	size_t n;
};

static void emit(struct out *o, char c)
{
	if (o->n + 1 < o->cap)
		o->buf[o->n] = c;
	o->n++;
}

static void emit_num(struct out *o, unsigned long long v, unsigned base, bool upper, bool neg,
                     unsigned width, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char t[24];
	unsigned n = 0;
	do {
		t[n++] = digits[v % base];
		v /= base;
	} while (v);
	unsigned len = n + (neg ? 1u : 0u);
	if (neg && zero)
		emit(o, '-');
	for (; width > len; width--)
		emit(o, zero ? '0' : ' ');
	if (neg && !zero)
		emit(o, '-');
	while (n)
		emit(o, t[--n]);
}

size_t hz_vfmt(char *buf, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { buf, cap, 0 };
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			emit(&o, *f);
			continue;
		}
		f++;
		bool zero = false;
		unsigned width = 0;
		if (*f == '0') {
			zero = true;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10u + (unsigned)(*f++ - '0');
		/* 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char */
		int lng = 0;
		while (*f == 'l' || *f == 'z' || *f == 'h') {
			if (*f == 'l')
				lng = lng == 1 ? 2 : 1;
			else if (*f == 'z')
				lng = 3;
			else
				lng = lng == -1 ? -2 : -1;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			long long v = lng == 2 ? va_arg(ap, long long)
			            : lng == 1 ? va_arg(ap, long)
			            : lng == 3 ? (long long)va_arg(ap, size_t)
			                       : va_arg(ap, int);
			/* %hd and %hhd print the argument converted to short or
			 * signed char (C11 7.21.6.1p7), as printf does. */
			if (lng == -1)
				v = (short)v;
			else if (lng == -2)
				v = (signed char)v;
			bool neg = v < 0;
			unsigned long long u = neg ? 0ull - (unsigned long long)v : (unsigned long long)v;
			emit_num(&o, u, 10, false, neg, width, zero);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long)
			                     : lng == 1 ? va_arg(ap, unsigned long)
			                     : lng == 3 ? va_arg(ap, size_t)
			                                : va_arg(ap, unsigned);
			if (lng == -1)
				v = (unsigned short)v;
			else if (lng == -2)
				v = (unsigned char)v;
			emit_num(&o, v, *f == 'u' ? 10u : 16u, *f == 'X', false, width, zero);
			break;
		}
		case 'p':
			emit(&o, '0');
			emit(&o, 'x');
			emit_num(&o, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16, false, false, 0,
			         false);
			break;
		case 'c':
			for (; width > 1; width--)
				emit(&o, ' ');
			emit(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			size_t len = 0;
			while (s[len])
				len++;
			for (; width > len; width--)
				emit(&o, ' ');
			while (*s)
				emit(&o, *s++);
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			f--;
			break;
		default:
			emit(&o, '%');
			emit(&o, *f);
			break;
		}
	}
	if (cap)
		buf[o.n < cap ? o.n : cap - 1] = '\0';
	return o.n;
}

size_t hz_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t n = hz_vfmt(buf, cap, fmt, ap);
	va_end(ap);
	return n;
}

void hz_log(const struct hz_shim *shim, enum hz_log_level level, const char *fmt, ...)
{
	if (!shim || !shim->log || level > shim->log_level)
		return;
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	hz_vfmt(line, sizeof line, fmt, ap);
	va_end(ap);
	shim->log(shim->ctx, level, line);
}
