/* Names for hz_err codes: logs and counters print names, never numbers. */
#include "haze/core.h"

static const char *const names[HZ_ERR_COUNT] = {
	"HZ_OK",
	"HZ_ERR_NEED_MORE",
	"HZ_ERR_MALFORMED",
	"HZ_ERR_UNSUPPORTED",
	"HZ_ERR_NO_SPACE",
	"HZ_ERR_BAD_STATE",
	"HZ_ERR_TIMEOUT",
	"HZ_ERR_REFUSED",
	"HZ_ERR_RESET",
	"HZ_ERR_CHECKSUM",
	"HZ_ERR_INVALID",
	"HZ_ERR_NO_ROUTE",
	"HZ_ERR_WOULD_BLOCK",
	"HZ_ERR_IN_USE",
	"HZ_ERR_NOT_FOUND",
	"HZ_ERR_CONFLICT",
	"HZ_ERR_UNREACHABLE",
	"HZ_ERR_TOO_BIG",
	"HZ_ERR_INTERNAL",
	"HZ_ERR_AUTH",
	"HZ_ERR_BAD_KEY",
};

const char *hz_err_name(int err)
{
	if (err >= 0)
		return names[0];
	if (err <= -HZ_ERR_COUNT)
		return "HZ_ERR_?";
	return names[-err];
}
