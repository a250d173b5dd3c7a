/*
 * scenarios.c — the catalogue of ../shared/SCENARIOS.md as simulator scripts.
 *
 * Every scenario has an entry (id, name, one line on what it shows). A scenario whose
 * behaviour the engine does not produce yet, or that needs a tool the simulator script
 * cannot express yet (raw injected segments), has ready = false: the demo lists it as
 * "(not yet)" and refuses to present it as done. Times are virtual; the link is 10 ms
 * each way unless the scenario says otherwise. Host A is 10.0.0.1, host B 10.0.0.2.
 */
#include <stddef.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "wire/wire.h"

#define MS SYNACK_SC_MS
#define LAT {.latency_ns = 10000000ull}
#define A 0
#define B 1
#define END {.op = SYNACK_SC_END}

/* S01: B listens, A connects, a short exchange each way, A closes first, then B. */
static const struct synack_sc_step s01[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "hello\n"},
	{.at_ns = MS(200), .op = SYNACK_SC_SEND, .host = B, .slot = 1, .arg = 6, .data = "world\n"},
	{.at_ns = MS(300), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(400), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	END,
};

/* S02: both open actively to each other's port; the SYNs cross on the link. */
static const struct synack_sc_step s02[] = {
	{.at_ns = 0, .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 7001, .lport = 7000},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = B, .slot = 0, .port = 7000, .lport = 7001},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 5, .data = "ping\n"},
	{.at_ns = MS(200), .op = SYNACK_SC_SEND, .host = B, .slot = 0, .arg = 5, .data = "pong\n"},
	END,
};

/* S03: after a handshake both close at the same instant; the FINs cross. */
static const struct synack_sc_step s03[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	END,
};

/* S04: A sends its input and shuts down writing; B reads EOF, answers afterwards. */
static const struct synack_sc_step s04[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 514, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 514, .lport = 1023},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "b\nc\na\n"},
	{.at_ns = MS(100), .op = SYNACK_SC_SHUTDOWN, .host = A, .slot = 0, .arg = SYNACK_SHUT_WR},
	{.at_ns = MS(300), .op = SYNACK_SC_SEND, .host = B, .slot = 1, .arg = 6, .data = "a\nb\nc\n"},
	{.at_ns = MS(400), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	{.at_ns = MS(500), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	END,
};

/* S05: the link is down; A's SYN is retransmitted with exponential backoff. */
static const struct synack_sc_step s05[] = {
	{.at_ns = 0, .op = SYNACK_SC_PARTITION, .host = A, .arg = 1},
	{.at_ns = 0, .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	END,
};

/* S06: A's third handshake segment (its ACK) is lost, but its data (with ACK) completes
 * B's handshake; a second connection whose ACKs are all lost (the link goes down after
 * the SYN,ACK left) leaves B retransmitting its SYN,ACK until synack_retries, then B
 * forgets the half-open entry silently. */
static const struct synack_sc_step s06[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = 0, .op = SYNACK_SC_DROP_NTH, .host = A, .arg = 2},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "hello\n"},
	{.at_ns = MS(2000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 1, .port = 80, .lport = 40001},
	{.at_ns = MS(2015), .op = SYNACK_SC_PARTITION, .host = A, .arg = 1},
	END,
};

/* S07: A connects to a port where nobody listens. */
static const struct synack_sc_step s07[] = {
	{.at_ns = 0, .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 81, .lport = 40000},
	END,
};

/* S08: A queues data, sets SO_LINGER {1, 0} and closes: a RST instead of a FIN. */
static const struct synack_sc_step s08[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_LINGER0, .host = A, .slot = 0},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	END,
};

/* S09: B restarts after the handshake; A's next data is answered with a RST. */
static const struct synack_sc_step s09[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_RESTART, .host = B},
	{.at_ns = MS(200), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "hello\n"},
	END,
};

/* S12: A closes, B does not: A's orphaned FIN-WAIT-2 ends after fin_timeout (60 s); B's
 * FIN, sent later, finds no connection and gets a RST. */
static const struct synack_sc_step s12[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(70000), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	END,
};

/* S21: keep-alive on an idle connection: the first probe is answered (the idle timer
 * starts again), then the link goes down: 9 probes 75 s apart, then ETIMEDOUT. */
static const struct synack_sc_step s21[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(1), .op = SYNACK_SC_KEEPALIVE, .host = A, .slot = 0},
	{.at_ns = MS(10000000), .op = SYNACK_SC_PARTITION, .host = A, .arg = 1},
	END,
};

/* A third address nobody owns: replies to it go to A (the next hop), which drops them
 * as not its own, so it plays a remote client whose segments are crafted. */
#define ADDR_C 0x0a000003u
#define SPOOF 0xc6336401u /* 198.51.100.1, the first of the flood's spoofed sources */

/* S13: A closes first (TIME-WAIT on A), then
 * a RST with an in-window sequence number, crafted as if from B, reaches A's TIME-WAIT. */
static const struct synack_sc_raw s13_rst = {
	.sport = 80, .dport = 40000, .flags = 0x04, .seq = 2, .win = 0,
};
static const struct synack_sc_step s13[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(200), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	{.at_ns = MS(1000), .op = SYNACK_SC_RAW, .host = B, .raw = &s13_rst},
	{.at_ns = MS(1100), .op = SYNACK_SC_SS, .host = A},
	END,
};

/* S18: an old duplicate SYN from A's port 40000 (A's stack never sent it) reaches B's
 * listener; B answers SYN,ACK; A's stack, which has no such connection, answers RST; B
 * returns to LISTEN. A real connection from the same port afterwards works. */
static const struct synack_sc_raw s18_syn = {
	.sport = 40000, .dport = 80, .flags = 0x02, .seq = 1000000, .win = 8192, .mss = 1460,
};
static const struct synack_sc_step s18[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_RAW, .host = A, .raw = &s18_syn},
	{.at_ns = MS(100), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(100), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 1, .from = 0},
	{.at_ns = MS(1000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(1100), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 1, .from = 0},
	END,
};

/* S20: a crafted client at 10.0.0.3 sends a SYN carrying 5 bytes; B must not deliver them
 * before ESTABLISHED; the third segment carries 6 bytes and they are delivered. Then A's
 * stack connects and queues data while SYN-SENT: it leaves after the handshake. */
static const struct synack_sc_raw s20_syn = {
	.saddr = ADDR_C, .sport = 5000, .dport = 80, .flags = 0x02, .seq = 1000000, .win = 8192,
	.mss = 1460, .data = "early", .len = 5,
};
static const struct synack_sc_raw s20_ack = {
	.saddr = ADDR_C, .sport = 5000, .dport = 80, .flags = 0x18, .seq = 1, .ack = 1,
	.win = 8192, .data = "third\n", .len = 6,
};
static const struct synack_sc_step s20[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_RAW, .host = A, .raw = &s20_syn},
	{.at_ns = MS(50), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(100), .op = SYNACK_SC_RAW, .host = A, .raw = &s20_ack},
	{.at_ns = MS(1000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(1000), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "queued"},
	END,
};

/* S22: (1) a crafted client's SYN puts B's listener child in SYN-RECEIVED; the client's
 * RST (in window) sends it back to LISTEN. (2) A's SYN is lost; crafted answers from B's
 * port: RST without ACK and RST,ACK with an unacceptable ACK are ignored in SYN-SENT;
 * RST,ACK acknowledging the SYN refuses the connection. */
static const struct synack_sc_raw s22_syn = {
	.saddr = ADDR_C, .sport = 5000, .dport = 80, .flags = 0x02, .seq = 1000000, .win = 8192,
	.mss = 1460,
};
static const struct synack_sc_raw s22_rst = {
	.saddr = ADDR_C, .sport = 5000, .dport = 80, .flags = 0x04, .seq = 1,
};
static const struct synack_sc_raw s22_rst_noack = {
	.sport = 80, .dport = 40001, .flags = 0x04, .seq = 0,
};
static const struct synack_sc_raw s22_rst_badack = {
	.sport = 80, .dport = 40001, .flags = 0x14, .seq = 0, .ack = 5,
};
static const struct synack_sc_raw s22_rst_ack = {
	.sport = 80, .dport = 40001, .flags = 0x14, .seq = 0, .ack = 1,
};
static const struct synack_sc_step s22[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_RAW, .host = A, .raw = &s22_syn},
	{.at_ns = MS(50), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(100), .op = SYNACK_SC_RAW, .host = A, .raw = &s22_rst},
	{.at_ns = MS(150), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(200), .op = SYNACK_SC_DROP_NTH, .host = A, .arg = 1},
	{.at_ns = MS(200), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40001},
	{.at_ns = MS(300), .op = SYNACK_SC_RAW, .host = B, .raw = &s22_rst_noack},
	{.at_ns = MS(400), .op = SYNACK_SC_RAW, .host = B, .raw = &s22_rst_badack},
	{.at_ns = MS(500), .op = SYNACK_SC_RAW, .host = B, .raw = &s22_rst_ack},
	{.at_ns = MS(600), .op = SYNACK_SC_RECV, .host = A, .slot = 0},
	END,
};

/* S10: B (the server) closes first and holds TIME-WAIT; its last ACK is lost, A's FIN
 * comes again, is ACKed again and restarts 2MSL; an old duplicate is answered with an
 * ACK and dropped; with the listener closed, bind(*:80) fails EADDRINUSE, with
 * SO_REUSEADDR it succeeds but connect() to the same remote endpoint fails; a listener
 * with SO_REUSEADDR then takes A's new SYN, whose ISN is beyond the old incarnation's,
 * and the 4-tuple reopens. A (the passive closer) never enters TIME-WAIT. */
static const struct synack_sc_raw s10_olddup = {
	.sport = 40000, .dport = 80, .flags = 0x18, .seq = 1, .ack = 1, .win = 8192,
	.data = "old!", .len = 4,
};
static const struct synack_sc_step s10[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_DROP_NTH, .host = B, .arg = 2},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	{.at_ns = MS(200), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(2000), .op = SYNACK_SC_RAW, .host = A, .raw = &s10_olddup},
	{.at_ns = MS(3000), .op = SYNACK_SC_CLOSE, .host = B, .slot = 0},
	{.at_ns = MS(3000), .op = SYNACK_SC_BIND, .host = B, .slot = 2, .lport = 80},
	{.at_ns = MS(3000), .op = SYNACK_SC_REUSEADDR, .host = B, .slot = 3},
	{.at_ns = MS(3000), .op = SYNACK_SC_BIND, .host = B, .slot = 3, .lport = 80},
	{.at_ns = MS(3000), .op = SYNACK_SC_CONNECT, .host = B, .slot = 3, .port = 40000},
	{.at_ns = MS(3000), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(4000), .op = SYNACK_SC_CLOSE, .host = B, .slot = 3},
	{.at_ns = MS(4000), .op = SYNACK_SC_REUSEADDR, .host = B, .slot = 4},
	{.at_ns = MS(4000), .op = SYNACK_SC_LISTEN, .host = B, .slot = 4, .port = 80, .arg = 8},
	{.at_ns = MS(5000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 1, .port = 80, .lport = 40000},
	END,
};

/* S11: B has quiet_time on: during its first MSL (30 s) it accepts no connection and
 * initiates none; A's SYN is retransmitted until the quiet time is over. */
static void s11_config(int host, struct synack_config *cfg)
{
	if (host == B)
		cfg->quiet_time = 1;
}
static const struct synack_sc_step s11[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(2), .op = SYNACK_SC_CONNECT, .host = B, .slot = 1, .port = 22, .lport = 50000},
	END,
};

/* S14: A's link MTU is 296 (Stevens' SLIP example): A advertises MSS 256 and B never
 * sends it more; A never sends more than 256 either. A crafted client at 10.0.0.3 sends
 * a SYN without MSS option: B uses 536 towards it. */
static void s14_config(int host, struct synack_config *cfg)
{
	if (host == A)
		cfg->mtu = 296;
}
static const char s14_data[600] = "0123456789";
static const struct synack_sc_raw s14_syn = {
	.saddr = ADDR_C, .sport = 5000, .dport = 80, .flags = 0x02, .seq = 1000000, .win = 65535,
};
static const struct synack_sc_raw s14_ack = {
	.saddr = ADDR_C, .sport = 5000, .dport = 80, .flags = 0x10, .seq = 1, .ack = 1,
	.win = 65535,
};
static const struct synack_sc_step s14[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = B, .slot = 1, .arg = 600, .data = s14_data},
	{.at_ns = MS(300), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 300, .data = s14_data},
	{.at_ns = MS(500), .op = SYNACK_SC_RAW, .host = A, .raw = &s14_syn},
	{.at_ns = MS(600), .op = SYNACK_SC_RAW, .host = A, .raw = &s14_ack},
	{.at_ns = MS(700), .op = SYNACK_SC_SEND, .host = B, .slot = 2, .arg = 600, .data = s14_data},
	{.at_ns = MS(800), .op = SYNACK_SC_LINGER0, .host = B, .slot = 2},
	{.at_ns = MS(800), .op = SYNACK_SC_CLOSE, .host = B, .slot = 2},
	END,
};

/* S15: a crafted client at 10.0.0.3 opens a connection to B with every option kind in
 * its SYN: an unknown option (kind 99, unassigned) first, skipped by its length, then
 * MSS 100, SACK-permitted, timestamps, NOP, window scale 7, EOL, and after the EOL bytes
 * that would be malformed if they were read. B answers with the options it builds (MSS,
 * SACK-permitted + TS echoing the client's value, NOP, WS: each 4-byte aligned) and sends at
 * most the client's MSS less the 12 timestamp bytes per segment (300 bytes: 3 x 88, the
 * last 36 held by Nagle until the client's ACK). A data segment carries
 * a SACK block (parsed; B keeps no SACK scoreboard yet). Then five malformed segments,
 * each with 4 bytes of data in window: option length 0, option length 1, an option
 * overrunning the header, data offset 4, data offset 15 past the segment's end: each is
 * dropped and counted (TCP_MALFORMED), nothing is answered or delivered. Last, a
 * segment with data offset 15 (40 bytes of options) at the same sequence number is
 * accepted: the malformed ones moved nothing. */
#define S15_TS(v) WIRE_OPT_TS, 10, 0, 0, (uint8_t)((v) >> 8), (uint8_t)(v), 0, 0, 0, 0
static const uint8_t s15_syn_opts[] = {
	99, 4, 0xab, 0xcd,              /* kind 99 (unassigned): skipped by its length */
	WIRE_OPT_MSS, 4, 0, 100,
	WIRE_OPT_SACKOK, 2,
	S15_TS(1000),
	WIRE_OPT_NOP,
	WIRE_OPT_WS, 3, 7,
	WIRE_OPT_EOL,
	WIRE_OPT_MSS, 0,                /* after EOL: padding, never parsed */
};
static const uint8_t s15_ack_opts[] = {WIRE_OPT_NOP, WIRE_OPT_NOP, S15_TS(1001)};
static const uint8_t s15_sack_opts[] = {
	WIRE_OPT_NOP, WIRE_OPT_NOP, WIRE_OPT_SACK, 10, 0, 0, 0x03, 0xe8, 0, 0, 0x07, 0xd0,
	WIRE_OPT_NOP, WIRE_OPT_NOP, S15_TS(1002),
};
static const uint8_t s15_ack2_opts[] = {WIRE_OPT_NOP, WIRE_OPT_NOP, S15_TS(1003)};
static const uint8_t s15_ack3_opts[] = {WIRE_OPT_NOP, WIRE_OPT_NOP, S15_TS(1004)};
static const uint8_t s15_len0[] = {WIRE_OPT_MSS, 0, 0, 0};
static const uint8_t s15_len1[] = {WIRE_OPT_TS, 1, 0, 0};
static const uint8_t s15_overrun[] = {WIRE_OPT_NOP, WIRE_OPT_NOP, WIRE_OPT_TS, 10, 0, 0, 0, 1};
#define NOP4 WIRE_OPT_NOP, WIRE_OPT_NOP, WIRE_OPT_NOP, WIRE_OPT_NOP
static const uint8_t s15_full_opts[40] = {
	NOP4, NOP4, NOP4, NOP4, NOP4, NOP4, NOP4, WIRE_OPT_NOP, WIRE_OPT_NOP, S15_TS(1005),
};
#define S15_C .saddr = ADDR_C, .sport = 5000, .dport = 80
static const struct synack_sc_raw s15_syn = {
	S15_C, .flags = 0x02, .seq = 1000000, .win = 512, .opts = s15_syn_opts,
	.opts_len = sizeof s15_syn_opts,
};
static const struct synack_sc_raw s15_ack = {
	S15_C, .flags = 0x10, .seq = 1, .ack = 1, .win = 512, .opts = s15_ack_opts,
	.opts_len = sizeof s15_ack_opts,
};
static const struct synack_sc_raw s15_sack = {
	S15_C, .flags = 0x18, .seq = 1, .ack = 1, .win = 512, .opts = s15_sack_opts,
	.opts_len = sizeof s15_sack_opts, .data = "sack", .len = 4,
};
static const struct synack_sc_raw s15_ack2 = {
	S15_C, .flags = 0x10, .seq = 5, .ack = 265, .win = 512, .opts = s15_ack2_opts,
	.opts_len = sizeof s15_ack2_opts,
};
static const struct synack_sc_raw s15_ack3 = {
	S15_C, .flags = 0x10, .seq = 5, .ack = 301, .win = 512, .opts = s15_ack3_opts,
	.opts_len = sizeof s15_ack3_opts,
};
#define S15_BAD .flags = 0x18, .seq = 5, .ack = 301, .win = 512, .data = "bad!", .len = 4
static const struct synack_sc_raw s15_bad_len0 = {
	S15_C, S15_BAD, .opts = s15_len0, .opts_len = sizeof s15_len0,
};
static const struct synack_sc_raw s15_bad_len1 = {
	S15_C, S15_BAD, .opts = s15_len1, .opts_len = sizeof s15_len1,
};
static const struct synack_sc_raw s15_bad_overrun = {
	S15_C, S15_BAD, .opts = s15_overrun, .opts_len = sizeof s15_overrun,
};
static const struct synack_sc_raw s15_bad_doff4 = {S15_C, S15_BAD, .doff = 4};
static const struct synack_sc_raw s15_bad_doff15 = {S15_C, S15_BAD, .doff = 15};
static const struct synack_sc_raw s15_full = {
	S15_C, .flags = 0x18, .seq = 5, .ack = 301, .win = 512, .opts = s15_full_opts,
	.opts_len = sizeof s15_full_opts, .data = "good", .len = 4,
};
static const char s15_data[300] = "options";
static const struct synack_sc_step s15[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_syn},
	{.at_ns = MS(50), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_ack},
	{.at_ns = MS(100), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_sack},
	{.at_ns = MS(200), .op = SYNACK_SC_SEND, .host = B, .slot = 1, .arg = 300, .data = s15_data},
	{.at_ns = MS(300), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_ack2},
	{.at_ns = MS(350), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_ack3},
	{.at_ns = MS(400), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_bad_len0},
	{.at_ns = MS(500), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_bad_len1},
	{.at_ns = MS(600), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_bad_overrun},
	{.at_ns = MS(700), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_bad_doff4},
	{.at_ns = MS(800), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_bad_doff15},
	{.at_ns = MS(900), .op = SYNACK_SC_RAW, .host = A, .raw = &s15_full},
	{.at_ns = MS(1000), .op = SYNACK_SC_SS, .host = B},
	END,
};

/* S16: B listens with backlog 2 and does not accept at first: two handshakes complete
 * in the stack (A's data on the first is buffered), the third SYN is dropped silently
 * (accept queue full) and retransmitted; accept() takes them in arrival order.
 * syncookies 0: the third SYN arrives while two half-open entries fill the SYN queue
 * (its limit is the backlog, as Linux), where the default would answer with a cookie. */
static void s16_config(int host, struct synack_config *cfg)
{
	if (host == B)
		cfg->syncookies = 0;
}
static const struct synack_sc_step s16[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 2},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(2), .op = SYNACK_SC_CONNECT, .host = A, .slot = 1, .port = 80, .lport = 40001},
	{.at_ns = MS(3), .op = SYNACK_SC_CONNECT, .host = A, .slot = 2, .port = 80, .lport = 40002},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "first\n"},
	{.at_ns = MS(500), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(2000), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 1, .from = 0},
	{.at_ns = MS(2000), .op = SYNACK_SC_RECV, .host = B, .slot = 1},
	{.at_ns = MS(4000), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 2, .from = 0},
	{.at_ns = MS(4000), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 3, .from = 0},
	{.at_ns = MS(4000), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 4, .from = 0},
	END,
};

/* S19: three connections from A: port 40000 at 1 ms (aborted at once), port 40001 at
 * 1 s + 1 ms, port 40000 again at 1 s + 1 ms. Same 4-tuple 1 s apart: ISNs 250000 apart
 * (M, the 4 us clock); another port at the same instant: an unrelated ISN (F). */
static const struct synack_sc_step s19[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_LINGER0, .host = A, .slot = 0},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(1001), .op = SYNACK_SC_CONNECT, .host = A, .slot = 1, .port = 80, .lport = 40001},
	{.at_ns = MS(1001), .op = SYNACK_SC_CONNECT, .host = A, .slot = 2, .port = 80, .lport = 40000},
	END,
};

/* S23: B owns 10.0.0.2 and 10.0.0.4. Port 80: a listener on 10.0.0.4 only; port 8080: a
 * wildcard listener. A wildcard bind on port 80 overlaps the listening 10.0.0.4:80 and is
 * refused even with SO_REUSEADDR (Linux's rule; BSD would let the most specific win). */
#define ADDR_B2 0x0a000004u
static const struct synack_sc_raw s23_syn = {
	.sport = 40000, .dport = 80, .daddr = ADDR_B2, .flags = 0x02, .seq = 5000,
	.win = 8192,
};
static const struct synack_sc_raw s23_data = {
	.sport = 40009, .dport = 80, .daddr = ADDR_B2, .flags = 0x18, .seq = 1, .ack = 12345,
	.win = 8192, .data = "data", .len = 4,
};
static const struct synack_sc_step s23[] = {
	{.at_ns = 0, .op = SYNACK_SC_ADD_ADDR, .host = B, .arg = ADDR_B2},
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .addr = ADDR_B2, .arg = 8},
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 1, .port = 8080, .arg = 8},
	{.at_ns = 0, .op = SYNACK_SC_REUSEADDR, .host = B, .slot = 2},
	{.at_ns = 0, .op = SYNACK_SC_BIND, .host = B, .slot = 2, .lport = 80},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000, .addr = ADDR_B2},
	{.at_ns = MS(2), .op = SYNACK_SC_CONNECT, .host = A, .slot = 1, .port = 80, .lport = 40001, .addr = ADDR_B2},
	{.at_ns = MS(3), .op = SYNACK_SC_CONNECT, .host = A, .slot = 2, .port = 80, .lport = 40002},
	{.at_ns = MS(100), .op = SYNACK_SC_CONNECT, .host = A, .slot = 3, .port = 8080, .lport = 40003, .addr = ADDR_B2},
	{.at_ns = MS(200), .op = SYNACK_SC_CONNECT, .host = A, .slot = 4, .port = 8080, .lport = 40004},
	{.at_ns = MS(400), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 3, .from = 1},
	{.at_ns = MS(400), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 4, .from = 1},
	{.at_ns = MS(500), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 5, .from = 0},
	{.at_ns = MS(500), .op = SYNACK_SC_ACCEPT, .host = B, .slot = 6, .from = 0},
	{.at_ns = MS(600), .op = SYNACK_SC_RAW, .host = A, .raw = &s23_syn},
	{.at_ns = MS(700), .op = SYNACK_SC_RAW, .host = A, .raw = &s23_data},
	{.at_ns = MS(800), .op = SYNACK_SC_SS, .host = B},
	END,
};

/* S26: odd flag sets (RFC 1025's "nastygram", Stevens §18.2.1) from a crafted client to
 * B's listener and into an established connection; the connection still works after.
 * The two SYNs into the connection are 600 ms apart: challenge ACKs are rate-limited
 * per connection by invalid_ratelimit_ms (500 ms), as Linux does. */
static const struct synack_sc_raw s26_synfin = {
	.saddr = ADDR_C, .sport = 5001, .dport = 80, .flags = 0x03, .seq = 1000, .win = 8192,
};
static const struct synack_sc_raw s26_synrst = {
	.saddr = ADDR_C, .sport = 5002, .dport = 80, .flags = 0x06, .seq = 2000, .win = 8192,
};
static const struct synack_sc_raw s26_xmas = {
	.saddr = ADDR_C, .sport = 5003, .dport = 80, .flags = 0x2b, .seq = 3000, .win = 8192,
	.urp = 1, .data = "xmas", .len = 4,
};
static const struct synack_sc_raw s26_null = {
	.saddr = ADDR_C, .sport = 5004, .dport = 80, .flags = 0x00, .seq = 4000, .win = 8192,
	.data = "null", .len = 4,
};
static const struct synack_sc_raw s26_null_est = {
	.sport = 40000, .dport = 80, .flags = 0x00, .seq = 1, .win = 8192, .data = "null", .len = 4,
};
static const struct synack_sc_raw s26_synfin_est = {
	.sport = 40000, .dport = 80, .flags = 0x03, .seq = 1, .win = 8192,
};
static const struct synack_sc_raw s26_xmas_est = {
	.sport = 40000, .dport = 80, .flags = 0x2b, .seq = 1, .ack = 1, .win = 8192, .urp = 1,
	.data = "xmas", .len = 4,
};
static const struct synack_sc_step s26[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_synfin},
	{.at_ns = MS(200), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_synrst},
	{.at_ns = MS(300), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_xmas},
	{.at_ns = MS(400), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_null},
	{.at_ns = MS(500), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_null_est},
	{.at_ns = MS(600), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_synfin_est},
	{.at_ns = MS(1200), .op = SYNACK_SC_RAW, .host = A, .raw = &s26_xmas_est},
	{.at_ns = MS(1300), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(1400), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 3, .data = "ok\n"},
	END,
};

/* S27: A sends 3 bytes, then 1 urgent byte (MSG_OOB): URG set, the urgent pointer marks
 * the byte after it (RFC 6093); B reads all 4 bytes in line. */
static const struct synack_sc_step s27[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 3, .data = "abc"},
	{.at_ns = MS(200), .op = SYNACK_SC_SEND_OOB, .host = A, .slot = 0, .arg = 1, .data = "!"},
	END,
};

/* S17, first half (syncookies = 0): 16 SYNs from spoofed sources 198.51.100.1..16 reach
 * B's listener (backlog 8): 8 half-open entries pile up in SYN-RECEIVED, retransmitting
 * their SYN,ACKs into the void; the other 8 SYNs are dropped. A's real SYN is dropped too
 * and retried until the half-open entries expire (synack_retries, 63 s).
 * Second half (syncookies = 1, Linux's default, from 70 s): 16 more spoofed SYNs (from
 * 198.51.100.17..32): 8 entries again, the other 8 answered with SYN cookies and no
 * state. A (MTU 1380: MSS 1340) connects at 70.2 s: its SYN also overflows the queue and
 * gets a cookie SYN,ACK; B holds nothing for it until A's ACK brings the cookie back
 * (listing at 70.215 s), then the connection is ESTABLISHED with the MSS from the
 * cookie's table (1300, the largest entry not above 1340): B's 3000 bytes go out as
 * 1300 + 1300 + 400. */
static void s17_config(int host, struct synack_config *cfg)
{
	if (host == A)
		cfg->mtu = 1380;
	if (host == B)
		cfg->syncookies = 0;
}
static const struct synack_sc_raw s17_flood = {
	.saddr = SPOOF, .sport = 1024, .dport = 80, .flags = 0x02, .seq = 1000000, .win = 8192,
	.mss = 1460, .count = 16,
};
static const struct synack_sc_raw s17_flood2 = {
	.saddr = SPOOF + 16, .sport = 2024, .dport = 80, .flags = 0x02, .seq = 2000000,
	.win = 8192, .mss = 1460, .count = 16,
};
static const char s17_data[3000] = "cookie";
static const struct synack_sc_step s17[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_RAW, .host = A, .raw = &s17_flood},
	{.at_ns = MS(100), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(200), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(70000), .op = SYNACK_SC_SYNCOOKIES, .host = B, .arg = 1},
	{.at_ns = MS(70001), .op = SYNACK_SC_RAW, .host = A, .raw = &s17_flood2},
	{.at_ns = MS(70100), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(70200), .op = SYNACK_SC_CONNECT, .host = A, .slot = 2, .port = 80, .lport = 40001},
	{.at_ns = MS(70215), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(70300), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(70300), .op = SYNACK_SC_SEND, .host = B, .slot = 2, .arg = 3000, .data = s17_data},
	END,
};

/* S28: A has 4 local ports (40000-40003) and closes actively: each connection leaves a
 * TIME-WAIT record for 60 s, so the 5th connect() to the same server endpoint finds no
 * port (EADDRNOTAVAIL): at most 4 connections per 2MSL; after the first record expires
 * (60.21 s) a connect() succeeds again (on the first connection's port: RFC 6056's walk
 * has come round), and A closes it first too.
 * Second half: at 60.6 s all 4 ports are in TIME-WAIT again and connect() fails; with
 * tw_reuse = 1 (timestamps on, the default) from 60.7 s, eight connections at 61.0 ..
 * 64.5 s, 500 ms apart, each take over a port whose connection is in TIME-WAIT (the new
 * ISS lies beyond the old SND.NXT): 2 connections/s instead of 0.067. As Linux, the
 * record's last timestamp from the peer must be more than 1 s old: each port here is
 * reused 2 s after its last one (its record ~1.8 s old). Then tw_reuse = 0 again: 10.0.0.1's four ports are all in TIME-WAIT (connect()
 * fails), but a second source address (10.0.0.11) has four fresh 4-tuples. */
#define ADDR_A2 0x0a00000bu /* 10.0.0.11 */
static void s28_config(int host, struct synack_config *cfg)
{
	if (host == A) {
		cfg->ip_local_port_range_lo = 40000;
		cfg->ip_local_port_range_hi = 40003;
		cfg->tw_reuse = 0;
	}
}
#define S28_CYCLE(t_ms, i)                                                               \
	{.at_ns = MS(t_ms), .op = SYNACK_SC_CONNECT, .host = A, .slot = i, .port = 80},     \
	{.at_ns = MS((t_ms) + 100), .op = SYNACK_SC_CLOSE, .host = A, .slot = i},           \
	{.at_ns = MS((t_ms) + 200), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1}
#define S28_CONN(i) S28_CYCLE(1000 * (i), i)
static const struct synack_sc_step s28[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	S28_CONN(0), S28_CONN(1), S28_CONN(2), S28_CONN(3),
	{.at_ns = MS(4500), .op = SYNACK_SC_SS, .host = A},
	{.at_ns = MS(5000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 4, .port = 80},
	S28_CYCLE(60300, 5),
	/* the tw_reuse half */
	{.at_ns = MS(60600), .op = SYNACK_SC_SS, .host = A},
	{.at_ns = MS(60600), .op = SYNACK_SC_CONNECT, .host = A, .slot = 6, .port = 80},
	{.at_ns = MS(60700), .op = SYNACK_SC_TW_REUSE, .host = A, .arg = 1},
	S28_CYCLE(61000, 7), S28_CYCLE(61500, 8), S28_CYCLE(62000, 9), S28_CYCLE(62500, 10),
	S28_CYCLE(63000, 11), S28_CYCLE(63500, 12), S28_CYCLE(64000, 13), S28_CYCLE(64500, 14),
	{.at_ns = MS(65000), .op = SYNACK_SC_SS, .host = A},
	/* more source addresses */
	{.at_ns = MS(65000), .op = SYNACK_SC_TW_REUSE, .host = A, .arg = 0},
	{.at_ns = MS(65000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 6, .port = 80},
	{.at_ns = MS(65000), .op = SYNACK_SC_ADD_ADDR, .host = A, .arg = ADDR_A2},
	{.at_ns = MS(65000), .op = SYNACK_SC_BIND, .host = A, .slot = 15, .addr = ADDR_A2},
	{.at_ns = MS(65000), .op = SYNACK_SC_CONNECT, .host = A, .slot = 15, .port = 80},
	END,
};
static const char s28_explain[] =
	"Connection rate bound by TIME-WAIT (the active closer holds each 4-tuple for 2MSL):\n"
	"  rate <= local ports / 2MSL towards one server endpoint\n"
	"  here:  4 ports / 60 s = 0.067 connections/s (the 5th connect() fails EADDRNOTAVAIL)\n"
	"  Linux defaults: 60999 - 32768 + 1 = 28232 ports / 60 s = 470 connections/s\n"
	"  RFC 9293's MSL of 2 min: 28232 / 240 s = 117 connections/s\n"
	"Knobs that lift it:\n"
	"  tw_reuse = 1 with timestamps (RFC 6191/7323: connect() takes over a TIME-WAIT\n"
	"    4-tuple, the new ISS beyond the old SND.NXT, its timestamps newer than the old\n"
	"    ones): here 8 connections in 4 s on the same 4 ports (2/s, each port reused\n"
	"    every 2 s). The record's last peer timestamp must be more than 1 s old\n"
	"    (Linux; rate <= ports / 1 s: 28232/s).\n"
	"  more source addresses or ports: each address has its own 4-tuples; here\n"
	"    10.0.0.11 connects while 10.0.0.1's 4 ports are all in TIME-WAIT\n"
	"    (rate <= addresses x ports / 2MSL); or a wider ip_local_port_range.\n"
	"  letting the server close first (its TIME-WAIT is keyed by many clients' 4-tuples).\n";

/* S24: B holds a connection in each of the 11 states at once, listed at 500 ms with
 * per-state counts (the `ss -nat | awk` example). From A: ESTABLISHED (40000, left
 * alone), FIN-WAIT-2 (40001, B shut down writing, A keeps its side open), TIME-WAIT
 * (40002, B closed first), CLOSE-WAIT (40003, A closed, B did not). From a crafted
 * client at 10.0.0.3 that never acknowledges B's FINs: FIN-WAIT-1 (5001, B closed),
 * CLOSING (5002, B closed, then the client's FIN crossed it), LAST-ACK (5003, the
 * client's FIN, then B closed), SYN-RECEIVED (5004, a SYN only). SYN-SENT: B connects to
 * 10.0.0.3, which never answers. LISTEN: port 80. CLOSED: a socket bound to port 9000. */
#define S24_C(port_) .saddr = ADDR_C, .sport = port_, .dport = 80, .win = 8192
#define S24_SYN(port_) {S24_C(port_), .flags = 0x02, .seq = 1000000}
static const struct synack_sc_raw s24_syn1 = S24_SYN(5001), s24_syn2 = S24_SYN(5002),
				  s24_syn3 = S24_SYN(5003), s24_syn4 = S24_SYN(5004);
static const struct synack_sc_raw s24_ack1 = {S24_C(5001), .flags = 0x10, .seq = 1, .ack = 1};
static const struct synack_sc_raw s24_ack2 = {S24_C(5002), .flags = 0x10, .seq = 1, .ack = 1};
static const struct synack_sc_raw s24_ack3 = {S24_C(5003), .flags = 0x10, .seq = 1, .ack = 1};
static const struct synack_sc_raw s24_fin2 = {S24_C(5002), .flags = 0x11, .seq = 1, .ack = 1};
static const struct synack_sc_raw s24_fin3 = {S24_C(5003), .flags = 0x11, .seq = 1, .ack = 1};
static const struct synack_sc_step s24[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 80, .arg = 8},
	{.at_ns = 0, .op = SYNACK_SC_BIND, .host = B, .slot = 15, .lport = 9000},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 80, .lport = 40000},
	{.at_ns = MS(2), .op = SYNACK_SC_CONNECT, .host = A, .slot = 1, .port = 80, .lport = 40001},
	{.at_ns = MS(3), .op = SYNACK_SC_CONNECT, .host = A, .slot = 2, .port = 80, .lport = 40002},
	{.at_ns = MS(4), .op = SYNACK_SC_CONNECT, .host = A, .slot = 3, .port = 80, .lport = 40003},
	{.at_ns = MS(10), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_syn1},
	{.at_ns = MS(10), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_syn2},
	{.at_ns = MS(10), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_syn3},
	{.at_ns = MS(10), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_syn4},
	{.at_ns = MS(50), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_ack1},
	{.at_ns = MS(51), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_ack2},
	{.at_ns = MS(52), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_ack3},
	{.at_ns = MS(100), .op = SYNACK_SC_CONNECT, .host = B, .slot = 8, .port = 7777, .lport = 32768, .addr = ADDR_C},
	{.at_ns = MS(100), .op = SYNACK_SC_SHUTDOWN, .host = B, .slot = 2, .arg = SYNACK_SHUT_WR},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = B, .slot = 3},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = A, .slot = 3},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = B, .slot = 5},
	{.at_ns = MS(100), .op = SYNACK_SC_CLOSE, .host = B, .slot = 6},
	{.at_ns = MS(150), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_fin2},
	{.at_ns = MS(150), .op = SYNACK_SC_RAW, .host = A, .raw = &s24_fin3},
	{.at_ns = MS(200), .op = SYNACK_SC_CLOSE, .host = A, .slot = 2},
	{.at_ns = MS(200), .op = SYNACK_SC_CLOSE, .host = B, .slot = 7},
	{.at_ns = MS(500), .op = SYNACK_SC_SS, .host = B},
	{.at_ns = MS(500), .op = SYNACK_SC_SS, .host = A},
	END,
};

/* S25: a short exchange to print as tcpdump does (Stevens §18.2.1, fig. 18.1: a
 * client's port 1037 to the discard service, port 9): handshake, 6 bytes, close from
 * the client, then from the server. Sequence numbers are relative after the SYN, absolute
 * with -S; --pcap writes the packets for tcpdump -r and Wireshark. */
static const struct synack_sc_step s25[] = {
	{.at_ns = 0, .op = SYNACK_SC_LISTEN, .host = B, .slot = 0, .port = 9, .arg = 8},
	{.at_ns = MS(1), .op = SYNACK_SC_CONNECT, .host = A, .slot = 0, .port = 9, .lport = 1037},
	{.at_ns = MS(100), .op = SYNACK_SC_SEND, .host = A, .slot = 0, .arg = 6, .data = "hello\n"},
	{.at_ns = MS(200), .op = SYNACK_SC_CLOSE, .host = A, .slot = 0},
	{.at_ns = MS(300), .op = SYNACK_SC_CLOSE, .host = B, .slot = 1},
	END,
};

#define SC(id_, name_, what_, ready_, steps_, until_, acc_, rd_)                        \
	{.id = id_, .name = name_, .what = what_, .ready = ready_, .steps = steps_,      \
	 .run_until_ns = until_, .auto_accept = {false, acc_}, .auto_read = {rd_, rd_},   \
	 .ab = LAT, .ba = LAT}

/* The same with a configure hook (per-host knobs) and an explanation printed after. */
#define SCX(id_, name_, what_, steps_, until_, acc_, rd_, cfg_, explain_)                 \
	{.id = id_, .name = name_, .what = what_, .ready = true, .steps = steps_,         \
	 .run_until_ns = until_, .auto_accept = {false, acc_}, .auto_read = {rd_, rd_},   \
	 .ab = LAT, .ba = LAT, .configure = cfg_, .explain = explain_}

static const struct synack_scenario catalogue[] = {
	SC("S01", "handshake-close", "three-way handshake, data both ways, FIN exchange, TIME-WAIT for 2MSL",
	   true, s01, MS(70000), true, true),
	SC("S02", "simultaneous-open", "both ends connect at once: SYNs cross, ONE connection, data both ways",
	   true, s02, MS(70000), false, true),
	SC("S03", "simultaneous-close", "both ends close at once: FIN-WAIT-1 -> CLOSING -> TIME-WAIT on both",
	   true, s03, MS(70000), true, true),
	SC("S04", "half-close", "shutdown(SHUT_WR): the peer reads EOF and still sends its answer",
	   true, s04, MS(70000), true, true),
	SC("S05", "connect-timeout", "SYN retransmitted with doubling RTO, then ETIMEDOUT",
	   true, s05, MS(400000), false, false),
	SC("S06", "synack-retransmit", "SYN-RECEIVED retransmits its SYN,ACK; data with ACK completes the handshake",
	   true, s06, MS(100000), true, true),
	SC("S07", "refused", "SYN to a closed port -> RST,ACK; connect fails ECONNREFUSED",
	   true, s07, MS(10000), false, false),
	SC("S08", "abortive-close", "SO_LINGER {1,0} + close: RST instead of FIN; the peer reads ECONNRESET",
	   true, s08, MS(10000), true, true),
	SC("S09", "half-open", "a restarted host answers old-connection data with RST: ECONNRESET",
	   true, s09, MS(10000), true, true),
	SC("S10", "time-wait", "2MSL in TIME-WAIT, retransmitted FIN re-ACKed, EADDRINUSE on bind",
	   true, s10, MS(130000), true, true),
	SCX("S11", "quiet-time", "optional quiet time after a restart: no connections for MSL",
	    s11, MS(40000), true, true, s11_config, NULL),
	SC("S12", "fin-wait-2-timeout", "an orphaned FIN-WAIT-2 connection is dropped after fin_timeout",
	   true, s12, MS(120000), true, false),
	SC("S13", "time-wait-rst", "a RST in TIME-WAIT is ignored (RFC 1337)",
	   true, s13, MS(70000), true, true),
	SCX("S14", "mss", "MSS option in SYNs only; segments never exceed min(peer MSS, MTU-40)",
	    s14, MS(2000), true, true, s14_config, NULL),
	SC("S15", "options", "options parsed and built; malformed options drop the segment",
	   true, s15, MS(2000), true, true),
	SCX("S16", "backlog", "SYN queue and accept queue; a full accept queue drops SYNs silently",
	    s16, MS(6000), false, false, s16_config, NULL),
	SCX("S17", "syn-flood", "spoofed SYNs fill the SYN queue; without cookies real clients wait, with cookies they connect",
	    s17, MS(71000), true, true, s17_config, NULL),
	SC("S18", "old-duplicate-syn", "a stale SYN is answered, the client resets it, the server returns to LISTEN",
	   true, s18, MS(10000), false, false),
	SC("S19", "isn", "ISNs from a 4 us clock plus a keyed hash of the 4-tuple (RFC 6528)",
	   true, s19, MS(3000), true, true),
	SC("S20", "handshake-data", "data on a SYN is not delivered before ESTABLISHED; the third segment may carry data",
	   true, s20, MS(3000), true, true),
	SC("S21", "keepalive", "keep-alive probes after 2 h idle, every 75 s, 9 unanswered -> ETIMEDOUT",
	   true, s21, MS(16000000), true, false),
	SC("S22", "rst-in-handshake", "RST in SYN-RECEIVED -> LISTEN; in SYN-SENT with a good ACK -> ECONNREFUSED",
	   true, s22, MS(5000), false, false),
	SC("S23", "demux-and-binding", "4-tuple demux, specific vs wildcard listeners, challenge ACK to a SYN",
	   true, s23, MS(2000), false, false),
	SC("S24", "state-listing", "every socket with its state, endpoints, queues and timers (synack ss)",
	   true, s24, MS(600), true, true),
	SC("S25", "tcpdump-trace", "tcpdump-format trace and pcap files that tcpdump and Wireshark open",
	   true, s25, MS(1000), true, true),
	SC("S26", "nastygram", "odd flag sets (SYN+FIN, SYN+RST, no flags) handled by RFC rules or dropped",
	   true, s26, MS(2000), true, true),
	SC("S27", "urgent", "URG and the urgent pointer; urgent data delivered in line",
	   true, s27, MS(2000), true, true),
	SCX("S28", "connection-rate", "TIME-WAIT bounds the connection rate: ports / 2MSL; tw_reuse and more addresses lift it",
	    s28, MS(66000), true, true, s28_config, s28_explain),
};

const struct synack_scenario *synack_scenarios(size_t *count)
{
	*count = sizeof catalogue / sizeof catalogue[0];
	return catalogue;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool same_nocase(const char *a, const char *b)
{
	while (*a && *b && lower(*a) == lower(*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

/* "S01", "s1", "01", "1" -> 1; 0 when key is not of that form. */
static unsigned id_number(const char *key)
{
	unsigned n = 0;

	if (*key == 'S' || *key == 's')
		key++;
	if (!*key)
		return 0;
	for (; *key; key++) {
		if (*key < '0' || *key > '9' || n > 1000)
			return 0;
		n = n * 10 + (unsigned)(*key - '0');
	}
	return n;
}

const struct synack_scenario *synack_scenario_find(const char *key)
{
	size_t n;
	const struct synack_scenario *all = synack_scenarios(&n);
	unsigned num;

	if (!key)
		return NULL;
	num = id_number(key);
	for (size_t i = 0; i < n; i++) {
		if (num && id_number(all[i].id) == num)
			return &all[i];
		if (same_nocase(key, all[i].name))
			return &all[i];
	}
	return NULL;
}
