/*
 * tun.c — the Linux TUN device: attach/create (TUNSETIFF with IFF_TUN | IFF_NO_PI, see
 * the kernel's Documentation/networking/tuntap.rst) and configure the kernel's side of it
 * (address, prefix, MTU, link up) with the classic SIOCSIF* ioctls on an AF_INET socket.
 *
 * With IFF_NO_PI each read() returns exactly one packet starting with its IP header and
 * each write() injects one packet into the kernel's stack as if received on the device.
 * A TUN device has no link layer, so no ARP: the kernel sends everything routed to the
 * device (the prefix given with the address) straight to the descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io_int.h"

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *explain_open(int e)
{
	switch (e) {
	case EBUSY:
		return "device busy: another process is attached to it";
	case EPERM:
	case EACCES:
		return "permission denied: a TUN device needs root or CAP_NET_ADMIN";
	case EINVAL:
		return "invalid: the name exists and is not a TUN device without packet info";
	default:
		return strerror(e);
	}
}

int synack_tun_open(const char *name, char ifname[SYNACK_IFNAMSIZ], char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, e;

	if (!name || strlen(name) >= IFNAMSIZ) {
		set_err(err, errlen, "TUN device name must be 1..%d characters", IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		set_err(err, errlen, "/dev/net/tun: %s", e == ENOENT ?
			"no such device (is the tun module loaded?)" : explain_open(e));
		return -e;
	}
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		set_err(err, errlen, "%s: %s", name, explain_open(e));
		close(fd);
		return -e;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[SYNACK_IFNAMSIZ - 1] = '\0';
	return fd;
}

static void fill_sin(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	memcpy(sa, &sin, sizeof sin);
}

/* One SIOCSIF* call; on failure the message names what was being set. */
static int if_ioctl(int sock, unsigned long req, struct ifreq *ifr, const char *what,
		    char *err, size_t errlen)
{
	int e;

	if (ioctl(sock, req, ifr) == 0)
		return 0;
	e = errno;
	set_err(err, errlen, "%s: setting %s: %s", ifr->ifr_name, what,
		e == EPERM || e == EACCES ? "permission denied (needs CAP_NET_ADMIN)" : strerror(e));
	return -e;
}

static int set_addr(int sock, struct ifreq *ifr, uint32_t addr, unsigned prefix_len,
		    char *err, size_t errlen)
{
	uint32_t mask = prefix_len ? ~0u << (32 - prefix_len) : 0;
	int rc;

	fill_sin(&ifr->ifr_addr, addr);
	rc = if_ioctl(sock, SIOCSIFADDR, ifr, "the address", err, errlen);
	if (rc)
		return rc;
	fill_sin(&ifr->ifr_netmask, mask);
	return if_ioctl(sock, SIOCSIFNETMASK, ifr, "the netmask", err, errlen);
}

int synack_tun_configure(const char *ifname, uint32_t peer_addr, unsigned prefix_len,
			 uint32_t mtu, char *err, size_t errlen)
{
	struct ifreq ifr;
	int sock, rc = 0;

	if (prefix_len > 32 || !ifname || strlen(ifname) >= IFNAMSIZ) {
		set_err(err, errlen, "invalid device name or prefix length");
		return -EINVAL;
	}
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		rc = -errno;
		set_err(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (peer_addr)
		rc = set_addr(sock, &ifr, peer_addr, prefix_len, err, errlen);
	if (!rc && mtu) {
		ifr.ifr_mtu = (int)mtu;
		rc = if_ioctl(sock, SIOCSIFMTU, &ifr, "the MTU", err, errlen);
	}
	if (!rc)
		rc = if_ioctl(sock, SIOCGIFFLAGS, &ifr, "(reading) the flags", err, errlen);
	if (!rc && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
		rc = if_ioctl(sock, SIOCSIFFLAGS, &ifr, "the link up", err, errlen);
	}
	close(sock);
	return rc;
}

int synack_tun_mtu(const char *ifname)
{
	struct ifreq ifr;
	int sock, rc;

	if (!ifname || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	rc = ioctl(sock, SIOCGIFMTU, &ifr) < 0 ? -errno : ifr.ifr_mtu;
	close(sock);
	return rc;
}

int io_tun_wait_running(const char *ifname, unsigned timeout_ms)
{
	struct timespec step = { 0, 5 * 1000 * 1000 };
	struct ifreq ifr;
	int sock, rc = -ETIMEDOUT;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	memset(&ifr, 0, sizeof ifr);
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	for (unsigned waited = 0; waited <= timeout_ms; waited += 5) {
		if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) {
			rc = -errno;
			break;
		}
		if (ifr.ifr_flags & IFF_RUNNING) {
			rc = 0;
			break;
		}
		nanosleep(&step, NULL);
	}
	close(sock);
	return rc;
}
