/* test_trace_pcap.c — the pcap writer and reader (include/synack/pcap.h) round trip:
 * exact bytes, lengths and timestamps (nanoseconds written as microseconds), the snap
 * length, non-IPv4 frames skipped and counted, and the errors for bad files. The file
 * header and record layout are checked byte by byte against the pcap format. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "synack/pcap.h"

static char path[64];

static void make_path(void)
{
	snprintf(path, sizeof(path), "/tmp/synack_test_pcap_%d.pcap", (int)getpid());
}

static void remove_path(void)
{
	unlink(path);
}

TestSuite(pcap, .init = make_path, .fini = remove_path);

static const uint8_t syn[40] = {
	0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2,
	0x0f, 0xa0, 0, 80, 0x54, 0x5f, 0x2e, 0x01, 0, 0, 0, 0, 0x50, 0x02, 0x10, 0, 0, 0, 0, 0,
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

Test(pcap, round_trip_exact)
{
	static uint8_t big[300000];
	struct synack_pcap_writer *w;
	struct synack_pcap_reader *r;
	struct synack_pcap_pkt p;
	uint8_t v6[40] = {0x60};
	char err[256];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	big[0] = 0x45;
	w = synack_pcap_open_write(path, err, sizeof(err));
	cr_assert_not_null(w, "%s", err);
	cr_assert_eq(synack_pcap_write(w, 1700000000123456789LL, syn, sizeof(syn)), 0);
	cr_assert_eq(synack_pcap_write(w, 1700000001000000999LL, v6, sizeof(v6)), 0);
	cr_assert_eq(synack_pcap_write(w, 1700000002000001000LL, big, sizeof(big)), 0);
	cr_assert_eq(synack_pcap_write(w, -1, syn, sizeof(syn)), -1);
	cr_assert_eq(synack_pcap_close_write(w), 0);

	/* the file itself: a little-endian microsecond pcap header, LINKTYPE_RAW (101) */
	{
		FILE *f = fopen(path, "rb");
		uint8_t hdr[24 + 16];

		cr_assert_not_null(f);
		cr_assert_eq(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
		fclose(f);
		cr_assert_eq(le32(hdr), 0xa1b2c3d4u);
		cr_assert_eq(le32(hdr + 16), SYNACK_PCAP_SNAPLEN);
		cr_assert_eq(le32(hdr + 20), 101u);
		cr_assert_eq(le32(hdr + 24), 1700000000u);
		cr_assert_eq(le32(hdr + 28), 123456u);
		cr_assert_eq(le32(hdr + 32), 40u);
		cr_assert_eq(le32(hdr + 36), 40u);
	}

	r = synack_pcap_open_read(path, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_assert_eq(synack_pcap_next(r, &p, err, sizeof(err)), 1);
	cr_assert_eq(p.caplen, 40);
	cr_assert_eq(p.len, 40);
	cr_assert_eq(p.ts_ns, 1700000000123456000LL);
	cr_assert_arr_eq(p.data, syn, sizeof(syn));
	/* the IPv6 packet is skipped and counted; the big one comes back cut to the snaplen */
	cr_assert_eq(synack_pcap_next(r, &p, err, sizeof(err)), 1);
	cr_assert_eq(synack_pcap_skipped(r), 1);
	cr_assert_eq(p.caplen, SYNACK_PCAP_SNAPLEN);
	cr_assert_eq(p.len, sizeof(big));
	cr_assert_eq(p.ts_ns, 1700000002000001000LL);
	cr_assert_arr_eq(p.data, big, SYNACK_PCAP_SNAPLEN);
	cr_assert_eq(synack_pcap_next(r, &p, err, sizeof(err)), 0);
	synack_pcap_close_read(r);
}

Test(pcap, ethernet_frames_stripped_and_non_ipv4_counted)
{
	static const uint8_t file_hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
					     0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0};
	uint8_t rec[16] = {0};
	uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	uint8_t arp[14 + 28] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06};
	struct synack_pcap_reader *r;
	struct synack_pcap_pkt p;
	char err[256];
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f);
	fwrite(file_hdr, 1, sizeof(file_hdr), f);
	rec[8] = rec[12] = sizeof(arp);
	fwrite(rec, 1, 16, f);
	fwrite(arp, 1, sizeof(arp), f);
	rec[0] = 5;
	rec[8] = rec[12] = 14 + sizeof(syn);
	fwrite(rec, 1, 16, f);
	fwrite(eth, 1, 14, f);
	fwrite(syn, 1, sizeof(syn), f);
	fclose(f);

	r = synack_pcap_open_read(path, err, sizeof(err));
	cr_assert_not_null(r, "%s", err);
	cr_assert_eq(synack_pcap_next(r, &p, err, sizeof(err)), 1);
	cr_assert_eq(synack_pcap_skipped(r), 1);
	cr_assert_eq(p.caplen, sizeof(syn));
	cr_assert_eq(p.len, sizeof(syn));
	cr_assert_eq(p.ts_ns, 5000000000LL);
	cr_assert_arr_eq(p.data, syn, sizeof(syn));
	cr_assert_eq(synack_pcap_next(r, &p, err, sizeof(err)), 0);
	synack_pcap_close_read(r);
}

Test(pcap, errors_are_named)
{
	char err[256] = "";

	cr_assert_null(synack_pcap_open_read("/nonexistent/x.pcap", err, sizeof(err)));
	cr_assert(strstr(err, "cannot read /nonexistent/x.pcap"), "%s", err);
	cr_assert_null(synack_pcap_open_write("/nonexistent/x.pcap", err, sizeof(err)));
	cr_assert(strstr(err, "cannot write /nonexistent/x.pcap"), "%s", err);
	{
		FILE *f = fopen(path, "wb");

		fputs("this is not a capture file at all", f);
		fclose(f);
	}
	cr_assert_null(synack_pcap_open_read(path, err, sizeof(err)));
	cr_assert(strstr(err, "cannot read"), "%s", err);
	/* a record cut short is a read error, not a packet */
	{
		static const uint8_t file_hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
						     0, 0, 0, 0, 0xff, 0xff, 0, 0, 101, 0, 0, 0};
		uint8_t rec[16] = {0};
		struct synack_pcap_reader *r;
		struct synack_pcap_pkt p;
		FILE *f = fopen(path, "wb");

		fwrite(file_hdr, 1, sizeof(file_hdr), f);
		rec[8] = rec[12] = 40;
		fwrite(rec, 1, 16, f);
		fwrite(syn, 1, 20, f);
		fclose(f);
		r = synack_pcap_open_read(path, err, sizeof(err));
		cr_assert_not_null(r, "%s", err);
		cr_assert_eq(synack_pcap_next(r, &p, err, sizeof(err)), -1);
		cr_assert(strstr(err, "read error"), "%s", err);
		synack_pcap_close_read(r);
	}
}
