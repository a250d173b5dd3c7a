/*
 * pcap.h — reading and writing pcap capture files (through libpcap).
 *
 * Every pcap file synack writes goes through synack_pcap_writer: raw IPv4 packets,
 * link type LINKTYPE_RAW (DLT_RAW), microsecond timestamps. tests/sh/trace_tshark.sh
 * checks files written this way with tshark (no malformed packets, no bad checksums).
 *
 * The reader accepts captures whose link type is raw IP (LINKTYPE_RAW, 101 in the file;
 * DLT_RAW is 12 or 14 depending on the platform), LINKTYPE_IPV4 (228) or Ethernet
 * (LINKTYPE_ETHERNET, 1). It hands out IPv4 packets only: a frame that does not carry
 * IPv4 (an ARP or IPv6 frame, an 802.1Q-tagged frame, a raw packet whose version is not
 * 4, an Ethernet frame shorter than its header) is skipped and counted.
 *
 * Ownership: paths are borrowed for the call. A packet returned by synack_pcap_next()
 * points into the reader and is valid until the next call on that reader.
 * Thread safety: one reader or writer per thread.
 */
#ifndef SYNACK_PCAP_H
#define SYNACK_PCAP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The largest packet recorded whole; longer ones are truncated (caplen < len). */
#define SYNACK_PCAP_SNAPLEN 262144u

struct synack_pcap_writer;
struct synack_pcap_reader;

/* One packet read from a capture: data[0..caplen) is the IPv4 packet (any link header
 * removed), len its length on the wire (>= caplen), ts_ns the capture time in
 * nanoseconds since the Unix epoch. */
struct synack_pcap_pkt {
	const uint8_t *data;
	size_t caplen;
	size_t len;
	int64_t ts_ns;
};

/*
 * Creates (or truncates) the file at path and writes a pcap file header for raw IPv4.
 * Returns the writer, or NULL with a message in err[0..errlen) (always NUL-terminated
 * when errlen > 0).
 */
struct synack_pcap_writer *synack_pcap_open_write(const char *path, char *err, size_t errlen);

/*
 * Appends one packet pkt[0..len) captured at ts_ns (nanoseconds since the epoch; written
 * as seconds + microseconds, the nanoseconds below a microsecond dropped). Packets longer
 * than SYNACK_PCAP_SNAPLEN are recorded truncated. Returns 0, or -1 when ts_ns is negative
 * or beyond what a pcap record holds (year 2106).
 */
int synack_pcap_write(struct synack_pcap_writer *w, int64_t ts_ns, const uint8_t *pkt, size_t len);

/* Flushes and closes the file and frees w (NULL is ignored). Returns 0, or -1 when a
 * write error was seen at any point (the file is then incomplete). */
int synack_pcap_close_write(struct synack_pcap_writer *w);

/*
 * Opens a capture for reading. Returns the reader, or NULL with a message in err when
 * the file cannot be read, is not a pcap file, or has a link type other than the three
 * above.
 */
struct synack_pcap_reader *synack_pcap_open_read(const char *path, char *err, size_t errlen);

/*
 * Reads the next IPv4 packet into *out, skipping (and counting) frames that are not
 * IPv4. Returns 1 with *out filled, 0 at the end of the file, or -1 on a read error
 * (a truncated record, an I/O error) with a message in err.
 */
int synack_pcap_next(struct synack_pcap_reader *r, struct synack_pcap_pkt *out,
		     char *err, size_t errlen);

/* Frames skipped so far because they did not carry IPv4. */
uint64_t synack_pcap_skipped(const struct synack_pcap_reader *r);

/* Closes the file and frees r (NULL is ignored). */
void synack_pcap_close_read(struct synack_pcap_reader *r);

#ifdef __cplusplus
}
#endif

#endif
