/*
 * cmd_http.c — `synack http --root DIR`: a small HTTP/1.1 file server (RFC 9112 message
 * syntax, RFC 9110 semantics for GET and HEAD) on a TUN device, so that curl and wget
 * talk to synack's TCP.
 *
 * Supported: GET and HEAD of regular files below DIR ("/" and directories serve their
 * index.html), percent-decoding, persistent connections (HTTP/1.1 default, "Connection:
 * close" honoured; HTTP/1.0 closes unless it asks for keep-alive), pipelined requests
 * (answered in order). Not supported, answered with an error: other methods (405),
 * request bodies (411/413 are not distinguished: 400), targets with ".." segments (403),
 * header blocks above 8 KiB (431). No directory listings, no ranges.
 *
 * A connection is read only while no response is being sent: a client that does not
 * read pushes back through the receive window. The body is read from the file with
 * pread() in 64 KiB pieces as the send buffer drains. One log line per request on
 * stderr:   synack http: 10.9.0.1:40312 "GET /a.txt HTTP/1.1" 200 1234
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "tun_common.h"

#define REQ_MAX 8192
#define BODY_CHUNK 65536

struct server {
	struct tun_app app;
	int rootfd;
	int lfd;
	struct hconn *conns;
};

struct hconn {
	struct server *srv;
	struct hconn *prev, *next;
	int fd;
	uint32_t raddr;
	uint16_t rport;
	bool peer_eof;
	bool sending, keep_alive;
	/* request bytes received, not yet consumed */
	size_t inlen;
	char in[REQ_MAX];
	/* the response: head[hoff..hlen), then file bytes [foff..fend) */
	char head[512];
	size_t hoff, hlen;
	int file;
	off_t foff, fend;
	size_t boff, blen;
	uint8_t body[BODY_CHUNK];
};

static void drop(struct synack_loop *l, struct hconn *c)
{
	synack_loop_close(l, c->fd);
	if (c->file >= 0)
		close(c->file);
	if (c->prev)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

static const char *content_type(const char *path)
{
	const char *dot = strrchr(path, '.');

	if (!dot)
		return "application/octet-stream";
	if (!strcmp(dot, ".html") || !strcmp(dot, ".htm"))
		return "text/html";
	if (!strcmp(dot, ".txt"))
		return "text/plain";
	if (!strcmp(dot, ".css"))
		return "text/css";
	if (!strcmp(dot, ".js"))
		return "text/javascript";
	if (!strcmp(dot, ".json"))
		return "application/json";
	if (!strcmp(dot, ".png"))
		return "image/png";
	return "application/octet-stream";
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes target (origin-form, RFC 9112 §3.2.1) into a relative path under the root.
 * Returns 0, 400 for a malformed target, 403 for a ".." segment. */
static int target_to_path(const char *target, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = target, *seg;

	if (*p != '/')
		return 400;
	while (*p == '/')
		p++;
	for (; *p && *p != '?' && *p != '#'; p++) {
		char ch = *p;

		if (ch == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);

			if (lo < 0)
				return 400;
			ch = (char)(hi << 4 | lo);
			p += 2;
		}
		if (ch == '\0' || n + 1 >= cap)
			return 400;
		out[n++] = ch;
	}
	out[n] = '\0';
	for (seg = out; seg; seg = strchr(seg, '/'), seg = seg ? seg + 1 : NULL)
		if (!strncmp(seg, "..", 2) && (seg[2] == '/' || seg[2] == '\0'))
			return 403;
	return 0;
}

/* Opens the file a path names (a directory: its index.html). 0 or 404. */
static int open_target(struct server *srv, char *path, size_t cap, int *fdp, off_t *size)
{
	struct stat st;
	int fd = openat(srv->rootfd, path[0] ? path : ".", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t n = strlen(path);

		close(fd);
		fd = -1;
		if (n + sizeof "/index.html" <= cap) {
			snprintf(path + n, cap - n, "%sindex.html", n && path[n - 1] != '/' ? "/" : "");
			fd = openat(srv->rootfd, path, O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return 404;
	}
	*fdp = fd;
	*size = st.st_size;
	return 0;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

static void log_req(struct hconn *c, const char *line, int status, off_t len)
{
	char a[16];

	fprintf(stderr, "synack http: %s:%u \"%s\" %d %lld\n", tun_fmt_ipv4(c->raddr, a),
		c->rport, line, status, (long long)len);
}

/* Builds the head of a response; an error carries a short text body of its own. */
static void respond(struct hconn *c, int status, const char *type, off_t len, bool head_only)
{
	char errbody[64];
	int n;

	if (status != 200) {
		snprintf(errbody, sizeof errbody, "%d %s\n", status, reason(status));
		len = (off_t)strlen(errbody);
		type = "text/plain";
	}
	n = snprintf(c->head, sizeof c->head,
		     "HTTP/1.1 %d %s\r\nServer: synack\r\nContent-Type: %s\r\n"
		     "Content-Length: %lld\r\nConnection: %s\r\n\r\n%s",
		     status, reason(status), type, (long long)len,
		     c->keep_alive ? "keep-alive" : "close",
		     status != 200 && !head_only ? errbody : "");
	c->hoff = 0;
	c->hlen = (size_t)n < sizeof c->head ? (size_t)n : sizeof c->head - 1;
	c->sending = true;
}

static bool has_token(const char *hdrs, const char *name, const char *token)
{
	size_t nl = strlen(name);

	for (const char *p = hdrs; p && *p; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
		if (strncasecmp(p, name, nl) || p[nl] != ':')
			continue;
		const char *end = strstr(p, "\r\n");
		size_t vlen = end ? (size_t)(end - p) : strlen(p);
		char v[256];

		if (vlen >= sizeof v)
			vlen = sizeof v - 1;
		memcpy(v, p, vlen);
		v[vlen] = '\0';
		if (strcasestr(v + nl + 1, token))
			return true;
	}
	return false;
}

/* Handles the request in c->in[0..len) (head ends at len); sets up the response. */
static void handle_request(struct hconn *c, size_t len)
{
	char line[REQ_MAX], method[16], target[REQ_MAX], version[16], path[REQ_MAX];
	const char *eol = memchr(c->in, '\r', len), *hdrs;
	int status = 0, file = -1;
	off_t size = 0;
	bool head_only;

	method[0] = target[0] = version[0] = path[0] = '\0';
	memcpy(line, c->in, eol ? (size_t)(eol - c->in) : 0);
	line[eol ? eol - c->in : 0] = '\0';
	hdrs = eol ? eol + 2 : c->in + len;
	c->keep_alive = false;
	if (sscanf(line, "%15s %8191s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		status = strncmp(version, "HTTP/", 5) ? 400 : 505;
		method[0] = '\0';
	} else {
		c->keep_alive = !strcmp(version, "HTTP/1.1") ? !has_token(hdrs, "Connection", "close")
			: has_token(hdrs, "Connection", "keep-alive");
		if (strcmp(method, "GET") && strcmp(method, "HEAD"))
			status = 405;
		else if (has_token(hdrs, "Content-Length", "") || has_token(hdrs, "Transfer-Encoding", ""))
			status = 400;  /* GET/HEAD with a body: not supported */
		else
			status = target_to_path(target, path, sizeof path);
		if (!status)
			status = open_target(c->srv, path, sizeof path, &file, &size);
		if (!status)
			status = 200;
	}
	if (status != 200 && status != 404 && status != 403)
		c->keep_alive = false;
	head_only = !strcmp(method, "HEAD");
	respond(c, status, content_type(path), size, head_only);
	if (status == 200 && !head_only) {
		c->file = file;
		c->foff = 0;
		c->fend = size;
	} else if (file >= 0) {
		close(file);
	}
	c->boff = c->blen = 0;
	log_req(c, line, status, status == 200 ? size : 0);
}

/* true when the response is completely queued in the send buffer */
static bool send_response(struct synack_stack *s, struct hconn *c, int *err)
{
	ssize_t n;

	while (c->hoff < c->hlen) {
		n = synack_send(s, c->fd, c->head + c->hoff, c->hlen - c->hoff, 0);
		if (n < 0)
			goto blocked;
		c->hoff += (size_t)n;
	}
	while (c->file >= 0) {
		if (c->boff == c->blen) {
			size_t want = (size_t)(c->fend - c->foff) < sizeof c->body ?
				(size_t)(c->fend - c->foff) : sizeof c->body;

			n = want ? pread(c->file, c->body, want, c->foff) : 0;
			if (n <= 0) {
				/* done, or the file shrank: the client sees a short body and EOF */
				if (n < 0 || c->foff < c->fend)
					c->keep_alive = false;
				close(c->file);
				c->file = -1;
				break;
			}
			c->foff += n;
			c->boff = 0;
			c->blen = (size_t)n;
		}
		n = synack_send(s, c->fd, c->body + c->boff, c->blen - c->boff, 0);
		if (n < 0)
			goto blocked;
		c->boff += (size_t)n;
	}
	return true;
blocked:
	*err = (int)-n;
	return false;
}

/* The end of the request head in c->in, or 0 while incomplete. */
static size_t head_end(const struct hconn *c)
{
	for (size_t i = 3; i < c->inlen; i++)
		if (c->in[i] == '\n' && c->in[i - 1] == '\r' && c->in[i - 2] == '\n' && c->in[i - 3] == '\r')
			return i + 1;
	return 0;
}

static void service(struct synack_loop *l, struct hconn *c)
{
	struct synack_stack *s = synack_loop_stack(l);
	int err = 0;
	size_t end;
	ssize_t n;

	for (;;) {
		if (c->sending) {
			if (!send_response(s, c, &err)) {
				if (err != EAGAIN)
					drop(l, c);
				return;  /* WRITABLE resumes */
			}
			c->sending = false;
			if (!c->keep_alive) {
				drop(l, c);  /* FIN after the queued response */
				return;
			}
		}
		end = head_end(c);
		if (end) {
			handle_request(c, end);
			memmove(c->in, c->in + end, c->inlen - end);
			c->inlen -= end;
			continue;
		}
		if (c->inlen == sizeof c->in) {
			c->inlen = 0;
			c->keep_alive = false;
			respond(c, 431, NULL, 0, false);
			log_req(c, "(header block too large)", 431, 0);
			continue;
		}
		if (c->peer_eof) {
			drop(l, c);
			return;
		}
		n = synack_recv(s, c->fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
		if (n == -EAGAIN)
			return;
		if (n < 0) {
			drop(l, c);
			return;
		}
		if (n == 0)
			c->peer_eof = true;
		c->inlen += (size_t)n;
	}
}

static void on_conn(struct synack_loop *l, const struct synack_event *ev, void *ctx)
{
	struct hconn *c = ctx;

	if (ev->kind == SYNACK_EV_RESET || ev->kind == SYNACK_EV_ERROR) {
		drop(l, c);
		return;
	}
	service(l, c);
}

static void on_listener(struct synack_loop *l, const struct synack_event *ev, void *ctx)
{
	struct server *srv = ctx;
	struct synack_stack *s = synack_loop_stack(l);
	uint32_t raddr;
	uint16_t rport;
	int fd;

	(void)ev;
	while ((fd = synack_accept(s, srv->lfd, &raddr, &rport)) >= 0) {
		struct hconn *c = calloc(1, sizeof *c);

		if (!c || synack_loop_watch(l, fd, on_conn, c)) {
			free(c);
			synack_close(s, fd);
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->file = -1;
		c->raddr = raddr;
		c->rport = rport;
		c->next = srv->conns;
		if (c->next)
			c->next->prev = c;
		srv->conns = c;
	}
}

int cmd_http(int argc, char **argv)
{
	static struct server srv;
	const char *root = NULL;
	uint16_t port = 80;
	struct synack_stack *s;
	int rc;

	tun_app_init(&srv.app, "synack http");
	for (int i = 1; i < argc; i++) {
		rc = tun_parse_common(&srv.app, argc, argv, &i);
		if (rc < 0)
			return 2;
		if (rc)
			continue;
		if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			root = argv[++i];
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc &&
			   tun_parse_port(argv[i + 1], &port, false)) {
			i++;
		} else {
			root = NULL;
			break;
		}
	}
	if (!root) {
		fprintf(stderr, "usage: synack http --tun NAME --addr A [--peer B/P] --root DIR [--port N (80)] [options]\n%s",
			TUN_COMMON_USAGE);
		return 2;
	}
	srv.rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv.rootfd < 0) {
		fprintf(stderr, "synack http: --root %s: %s\n", root, strerror(errno));
		return 1;
	}
	rc = tun_start(&srv.app);
	if (rc)
		return rc;
	s = synack_loop_stack(srv.app.loop);
	srv.lfd = synack_socket(s);
	rc = srv.lfd < 0 ? srv.lfd : synack_bind(s, srv.lfd, srv.app.lo.addr, port);
	if (!rc)
		rc = synack_listen(s, srv.lfd, 256);
	if (!rc)
		rc = synack_loop_watch(srv.app.loop, srv.lfd, on_listener, &srv);
	if (rc) {
		fprintf(stderr, "synack http: port %u: %s\n", port, strerror(-rc));
		synack_loop_free(srv.app.loop);
		return 1;
	}
	fprintf(stderr, "synack http: serving %s on %s port %u\n", root,
		synack_loop_ifname(srv.app.loop), port);
	rc = tun_run(&srv.app);
	while (srv.conns) {
		struct hconn *c = srv.conns;

		srv.conns = c->next;
		if (c->file >= 0)
			close(c->file);
		free(c);
	}
	close(srv.rootfd);
	return rc;
}
