/*
 * pcap.c — pcap capture files through libpcap: a writer for raw IPv4 (DLT_RAW) and a
 * reader for raw IPv4, LINKTYPE_IPV4 and Ethernet captures. See include/synack/pcap.h.
 *
 * The only libpcap user in synack (layercheck enforces it). Frames that carry no IPv4
 * are skipped here and counted, so the printer above only ever sees IPv4 packets.
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/pcap.h"

#define ETH_HDR_LEN 14u
#define ETHERTYPE_IPV4 0x0800u
/* LINKTYPE_RAW as written in a file header; libpcap maps it to DLT_RAW (12 on Linux,
 * 14 on OpenBSD), but accept the raw value too. */
#define LINKTYPE_RAW_VALUE 101
#define LINKTYPE_IPV4_VALUE 228

struct synack_pcap_writer {
	pcap_t *pcap;
	pcap_dumper_t *dumper;
};

enum link_kind { LINK_RAW, LINK_ETHERNET };

struct synack_pcap_reader {
	pcap_t *pcap;
	enum link_kind link;
	uint64_t skipped;
};

static void set_err(char *err, size_t errlen, const char *what, const char *path,
		    const char *why)
{
	if (err && errlen > 0)
		snprintf(err, errlen, "%s %s: %s", what, path, why);
}

struct synack_pcap_writer *synack_pcap_open_write(const char *path, char *err, size_t errlen)
{
	struct synack_pcap_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		set_err(err, errlen, "cannot write", path, "out of memory");
		return NULL;
	}
	w->pcap = pcap_open_dead(DLT_RAW, (int)SYNACK_PCAP_SNAPLEN);
	if (!w->pcap) {
		set_err(err, errlen, "cannot write", path, "pcap_open_dead failed");
		free(w);
		return NULL;
	}
	w->dumper = pcap_dump_open(w->pcap, path);
	if (!w->dumper) {
		set_err(err, errlen, "cannot write", path, pcap_geterr(w->pcap));
		pcap_close(w->pcap);
		free(w);
		return NULL;
	}
	return w;
}

int synack_pcap_write(struct synack_pcap_writer *w, int64_t ts_ns, const uint8_t *pkt, size_t len)
{
	struct pcap_pkthdr h;
	int64_t sec = ts_ns / 1000000000;

	/* A pcap record holds an unsigned 32-bit second count. */
	if (ts_ns < 0 || sec > (int64_t)UINT32_MAX || len > UINT32_MAX)
		return -1;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)sec;
	h.ts.tv_usec = (suseconds_t)((ts_ns % 1000000000) / 1000);
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)(len < SYNACK_PCAP_SNAPLEN ? len : SYNACK_PCAP_SNAPLEN);
	pcap_dump((u_char *)w->dumper, &h, pkt);
	return 0;
}

int synack_pcap_close_write(struct synack_pcap_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = 0;
	/* pcap_dump() reports nothing; errors surface in the stream's error flag. */
	if (pcap_dump_flush(w->dumper) != 0 || ferror(pcap_dump_file(w->dumper)))
		rc = -1;
	pcap_dump_close(w->dumper);
	pcap_close(w->pcap);
	free(w);
	return rc;
}

struct synack_pcap_reader *synack_pcap_open_read(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct synack_pcap_reader *r;
	pcap_t *p;
	int dlt;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!p) {
		set_err(err, errlen, "cannot read", path, ebuf[0] ? ebuf : "unknown error");
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		pcap_close(p);
		set_err(err, errlen, "cannot read", path, "out of memory");
		return NULL;
	}
	r->pcap = p;
	dlt = pcap_datalink(p);
	if (dlt == DLT_RAW || dlt == 12 || dlt == 14 || dlt == LINKTYPE_RAW_VALUE ||
	    dlt == LINKTYPE_IPV4_VALUE) {
		r->link = LINK_RAW;
	} else if (dlt == DLT_EN10MB) {
		r->link = LINK_ETHERNET;
	} else {
		char why[96];

		snprintf(why, sizeof(why), "unsupported link type %d (%s)", dlt,
			 pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?");
		set_err(err, errlen, "cannot read", path, why);
		synack_pcap_close_read(r);
		return NULL;
	}
	return r;
}

/* Strips the link header of one frame; false when the frame carries no IPv4. */
static bool strip_link(const struct synack_pcap_reader *r, const struct pcap_pkthdr *h,
		       const u_char *data, struct synack_pcap_pkt *out)
{
	out->data = data;
	out->caplen = h->caplen;
	out->len = h->len < h->caplen ? h->caplen : h->len;
	if (r->link == LINK_ETHERNET) {
		if (out->caplen < ETH_HDR_LEN)
			return false;
		if ((((unsigned)data[12] << 8) | data[13]) != ETHERTYPE_IPV4)
			return false;
		out->data += ETH_HDR_LEN;
		out->caplen -= ETH_HDR_LEN;
		out->len -= ETH_HDR_LEN;
	}
	/* A raw-IP frame is IPv4 only when its version nibble says 4 (IPv6 is skipped);
	 * an empty frame has no version and is skipped too. */
	return out->caplen >= 1 && (out->data[0] >> 4) == 4;
}

int synack_pcap_next(struct synack_pcap_reader *r, struct synack_pcap_pkt *out,
		     char *err, size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;

	for (;;) {
		int rc = pcap_next_ex(r->pcap, &h, &data);

		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			if (err && errlen > 0)
				snprintf(err, errlen, "read error: %s", pcap_geterr(r->pcap));
			return -1;
		}
		if (!strip_link(r, h, data, out)) {
			r->skipped++;
			continue;
		}
		out->ts_ns = (int64_t)h->ts.tv_sec * 1000000000 + (int64_t)h->ts.tv_usec;
		return 1;
	}
}

uint64_t synack_pcap_skipped(const struct synack_pcap_reader *r)
{
	return r->skipped;
}

void synack_pcap_close_read(struct synack_pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->pcap);
	free(r);
}
