/*
 * sockopt.c — setsockopt/getsockopt with Linux's option numbers, units and errors:
 * SO_REUSEADDR, SO_LINGER, SO_KEEPALIVE, SO_ERROR, SO_RCVBUF, SO_SNDBUF, TCP_NODELAY,
 * TCP_MAXSEG, TCP_KEEPIDLE/INTVL/CNT (RFC 9293 §3.8.4), TCP_SYNCNT, TCP_USER_TIMEOUT
 * (RFC 5482, RFC 9293 §3.8.3), and synack's per-socket R1/R2 (MUST-20, MUST-21);
 * IP_TOS and IP_TTL (RFC 9293 §3.9.1.9 MUST-48, §3.9.2 MUST-49), IP_OPTIONS (source
 * routes, §3.9.2.1 MUST-51; tcp/route.c) and synack's
 * SO_ERROR_REPORTS switch for SYNACK_EV_SOFT_ERROR (§3.9.1.8 SHLD-20).
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "api/api.h"
#include "tcp/cc.h"
#include "tcp/route.h"

static int get_int(const void *val, size_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof *out);
	return 0;
}

static int set_socket_level(struct synack_stack *s, struct tcb *t, int name, const void *val,
			    size_t len)
{
	const struct synack_config *c = &s->tcp.cfg;
	struct synack_linger lg;
	int v;

	if (name == SYNACK_SO_LINGER) {
		if (!val || len < sizeof lg)
			return -EINVAL;
		memcpy(&lg, val, sizeof lg);
		t->opt.linger_on = lg.l_onoff != 0;
		t->opt.linger_s = lg.l_linger < 0 ? 0 : (uint32_t)lg.l_linger;
		return 0;
	}
	if (get_int(val, len, &v))
		return -EINVAL;
	switch (name) {
	case SYNACK_SO_REUSEADDR:
		t->opt.reuseaddr = v != 0;
		return 0;
	case SYNACK_SO_KEEPALIVE:
		t->opt.keepalive = v != 0;
		tcp_keepalive_arm(&s->tcp, t);
		return 0;
	case SYNACK_SO_RCVBUF:      /* Linux doubles the value for overhead; we do not */
		if (v <= 0)
			return -EINVAL;
		t->opt.rcvbuf = (uint32_t)v > c->rmem_max ? c->rmem_max : (uint32_t)v;
		t->opt.rcvbuf_locked = true;    /* tcp/rcvbuf.c no longer grows it */
		return 0;
	case SYNACK_SO_SNDBUF:
		if (v <= 0)
			return -EINVAL;
		if ((uint32_t)v < ring_len(&t->sndbuf))
			v = (int)ring_len(&t->sndbuf);
		t->opt.sndbuf = (uint32_t)v > c->wmem_max ? c->wmem_max : (uint32_t)v;
		t->opt.sndbuf_locked = true;    /* tcp/sndbuf.c no longer grows it */
		return 0;
	case SYNACK_SO_ERROR_REPORTS:
		t->opt.error_reports = v != 0;
		return 0;
	case SYNACK_SO_ERROR:
		return -ENOPROTOOPT;
	default:
		return -ENOPROTOOPT;
	}
}

/* Level IPPROTO_IP, as Linux's do_ip_setsockopt for a TCP socket. */
static int set_ip_level(struct tcp_stack *ts, struct tcb *t, int name, int v)
{
	switch (name) {
	case SYNACK_IP_TOS:
		/* the ECN bits belong to the stack (Linux keeps its own); the new DS field
		 * applies to every later segment, also mid-connection (SHLD-21, SHLD-22) */
		t->opt.ip_tos = (uint8_t)((unsigned)v & 0xfcu);
		tcp_tmpl_tos_ttl(ts, t);        /* the header template's (tcb.h) */
		return 0;
	case SYNACK_IP_TTL:
		if (v != -1 && (v < 1 || v > 255))
			return -EINVAL;
		t->opt.ip_ttl = v == -1 ? 0 : (uint8_t)v;
		tcp_tmpl_tos_ttl(ts, t);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int set_tcp_level(struct synack_stack *s, struct tcb *t, int name, int v)
{
	(void)s;
	switch (name) {
	case SYNACK_TCP_NODELAY:
		t->opt.nodelay = v != 0;
		tcp_want_output(&s->tcp, t);
		return 0;
	case SYNACK_TCP_MAXSEG:     /* Linux: 88..65535 (TCP_MIN_MSS), before connect */
		if (v < 88 || v > 65535)
			return -EINVAL;
		t->opt.maxseg = (uint16_t)v;
		return 0;
	case SYNACK_TCP_KEEPIDLE:
	case SYNACK_TCP_KEEPINTVL:
		if (v < 1 || v > 32767)     /* Linux's MAX_TCP_KEEPIDLE/INTVL */
			return -EINVAL;
		if (name == SYNACK_TCP_KEEPIDLE)
			t->opt.keepidle_ms = (uint32_t)v * 1000u;
		else
			t->opt.keepintvl_ms = (uint32_t)v * 1000u;
		tcp_keepalive_arm(&s->tcp, t);
		return 0;
	case SYNACK_TCP_KEEPCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		t->opt.keepcnt = (uint32_t)v;
		return 0;
	case SYNACK_TCP_SYNCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		t->opt.syn_retries = (uint32_t)v;
		return 0;
	case SYNACK_TCP_USER_TIMEOUT:
		if (v < 0)
			return -EINVAL;
		t->opt.user_timeout_ms = (uint32_t)v;
		if (!v)
			tcp_timer_clear(&s->tcp, t, TCP_T_USER_TIMEOUT);
		return 0;
	case SYNACK_TCP_RETRIES1:
	case SYNACK_TCP_RETRIES2:
		if (v < 1 || v > 255)
			return -EINVAL;
		if (name == SYNACK_TCP_RETRIES1)
			t->opt.retries1 = (uint32_t)v;
		else
			t->opt.retries2 = (uint32_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* TCP_CONGESTION (Linux): a name of up to 15 characters, not necessarily terminated.
 * Unknown: -ENOENT, as Linux (tcp_set_congestion_control). */
static int set_congestion(struct synack_stack *s, struct tcb *t, const void *val, size_t len)
{
	const struct tcp_cc_ops *ops;

	if (!val || !len)
		return -EINVAL;
	ops = tcp_cc_find(val, len < TCP_CC_NAME_MAX ? len : TCP_CC_NAME_MAX - 1);
	if (!ops)
		return -ENOENT;
	tcp_cc_select(&s->tcp, t, ops);
	return 0;
}

int synack_setsockopt(struct synack_stack *s, int fd, int level, int name,
		      const void *val, size_t len)
{
	struct tcb *t = api_tcb(s, fd);
	int v;

	if (!t)
		return -EBADF;
	if (level == SYNACK_SOL_SOCKET)
		return set_socket_level(s, t, name, val, len);
	if (level == SYNACK_IPPROTO_TCP && name == SYNACK_TCP_CONGESTION)
		return set_congestion(s, t, val, len);
	if (level == SYNACK_IPPROTO_IP && name == SYNACK_IP_OPTIONS)
		return tcp_route_setsockopt(&s->tcp, t, val, len);
	if (level != SYNACK_IPPROTO_TCP && level != SYNACK_IPPROTO_IP)
		return -ENOPROTOOPT;
	if (get_int(val, len, &v))
		return -EINVAL;
	if (level == SYNACK_IPPROTO_IP)
		return set_ip_level(&s->tcp, t, name, v);
	return set_tcp_level(s, t, name, v);
}

static int read_opt(struct synack_stack *s, struct tcb *t, int level, int name, int *v)
{
	if (level == SYNACK_SOL_SOCKET) {
		switch (name) {
		case SYNACK_SO_REUSEADDR: *v = t->opt.reuseaddr; return 0;
		case SYNACK_SO_KEEPALIVE: *v = t->opt.keepalive; return 0;
		case SYNACK_SO_RCVBUF: *v = (int)t->opt.rcvbuf; return 0;
		case SYNACK_SO_SNDBUF: *v = (int)t->opt.sndbuf; return 0;
		case SYNACK_SO_ERROR: *v = t->so_error; t->so_error = 0; return 0;
		case SYNACK_SO_ERROR_REPORTS: *v = t->opt.error_reports; return 0;
		default: return -ENOPROTOOPT;
		}
	}
	if (level == SYNACK_IPPROTO_IP) {
		switch (name) {
		case SYNACK_IP_TOS: *v = t->opt.ip_tos; return 0;
		case SYNACK_IP_TTL:
			*v = t->opt.ip_ttl ? t->opt.ip_ttl : s->tcp.cfg.ip_default_ttl;
			return 0;
		default: return -ENOPROTOOPT;
		}
	}
	if (level != SYNACK_IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case SYNACK_TCP_NODELAY: *v = t->opt.nodelay; return 0;
	case SYNACK_TCP_MAXSEG:
		*v = tcp_is_synchronized(t->state) ? t->snd_mss
			: (t->opt.maxseg ? t->opt.maxseg : (int)s->tcp.cfg.mtu - 40);
		return 0;
	case SYNACK_TCP_KEEPIDLE: *v = (int)(t->opt.keepidle_ms / 1000); return 0;
	case SYNACK_TCP_KEEPINTVL: *v = (int)(t->opt.keepintvl_ms / 1000); return 0;
	case SYNACK_TCP_KEEPCNT: *v = (int)t->opt.keepcnt; return 0;
	case SYNACK_TCP_SYNCNT: *v = (int)t->opt.syn_retries; return 0;
	case SYNACK_TCP_USER_TIMEOUT: *v = (int)t->opt.user_timeout_ms; return 0;
	case SYNACK_TCP_RETRIES1: *v = (int)t->opt.retries1; return 0;
	case SYNACK_TCP_RETRIES2: *v = (int)t->opt.retries2; return 0;
	default: return -ENOPROTOOPT;
	}
}

int synack_getsockopt(struct synack_stack *s, int fd, int level, int name,
		      void *val, size_t *len)
{
	struct tcb *t = api_tcb(s, fd);
	int v = 0, err;

	if (!t)
		return -EBADF;
	if (!val || !len)
		return -EINVAL;
	if (level == SYNACK_SOL_SOCKET && name == SYNACK_SO_LINGER) {
		struct synack_linger lg = { t->opt.linger_on, (int)t->opt.linger_s };

		if (*len < sizeof lg)
			return -EINVAL;
		memcpy(val, &lg, sizeof lg);
		*len = sizeof lg;
		return 0;
	}
	if (level == SYNACK_IPPROTO_TCP && name == SYNACK_TCP_CONGESTION) {
		char buf[TCP_CC_NAME_MAX] = { 0 };
		const char *nm = tcp_cc_ops_of(&s->tcp, t)->name;
		size_t n = *len < sizeof buf ? *len : sizeof buf;

		memcpy(buf, nm, strlen(nm));
		memcpy(val, buf, n);
		*len = n;
		return 0;
	}
	if (level == SYNACK_IPPROTO_IP && name == SYNACK_IP_OPTIONS) {
		*len = tcp_route_getsockopt(t, val, *len);
		return 0;
	}
	if (*len < sizeof v)
		return -EINVAL;
	err = read_opt(s, t, level, name, &v);
	if (err)
		return err;
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}
