/* strerror.c — names of the wire parse failures (wire.h enum wire_err). */
#include "wire/wire.h"

static const char *const names[WIRE_ERR_COUNT] = {
	[WIRE_OK] = "ok",
	[WIRE_IP_TRUNCATED] = "ip: truncated header",
	[WIRE_IP_VERSION] = "ip: version not 4",
	[WIRE_IP_IHL] = "ip: bad header length",
	[WIRE_IP_TOTAL_LEN] = "ip: bad total length",
	[WIRE_TCP_TRUNCATED] = "tcp: truncated header",
	[WIRE_TCP_DOFF] = "tcp: bad data offset",
	[WIRE_OPT_LEN_SHORT] = "tcp: option length 0 or 1",
	[WIRE_OPT_OVERRUN] = "tcp: option overruns header",
	[WIRE_OPT_MSS_LEN] = "tcp: bad MSS option length",
	[WIRE_OPT_WS_LEN] = "tcp: bad window scale option length",
	[WIRE_OPT_SACKOK_LEN] = "tcp: bad SACK-permitted option length",
	[WIRE_OPT_SACK_LEN] = "tcp: bad SACK option length",
	[WIRE_OPT_TS_LEN] = "tcp: bad timestamps option length",
	[WIRE_IPOPT_OVERRUN] = "ip: option overruns header",
	[WIRE_IPOPT_LEN_SHORT] = "ip: option length 0 or 1",
	[WIRE_IPOPT_SRR_LEN] = "ip: bad source route length",
	[WIRE_IPOPT_SRR_PTR] = "ip: bad source route pointer",
	[WIRE_IPOPT_SRR_DUP] = "ip: more than one source route",
};

const char *wire_strerror(enum wire_err err)
{
	if ((unsigned)err >= WIRE_ERR_COUNT)
		return "unknown";
	return names[err];
}
