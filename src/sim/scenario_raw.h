/*
 * scenario_raw.h — crafted segments for the scenario runner's RAW step (include/synack/
 * sim.h, struct synack_sc_raw): a complete IPv4 packet built with the wire layer, with
 * raw option bytes written as given (malformed ones too, RFC 9293 §3.1 "Options").
 */
#ifndef SIM_SCENARIO_RAW_H
#define SIM_SCENARIO_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "synack/sim.h"

/*
 * Writes the IPv4 packet of raw into buf[0..cap), from saddr:sport to daddr:dport with
 * the given (already resolved, absolute) seq and ack, and returns its length; 0 when it
 * does not fit cap or the payload is over 1400 bytes. The IPv4 id is `id`, TTL 64. The
 * TCP checksum is correct (computed after any raw options are placed).
 */
size_t sim_sc_build_raw(const struct synack_sc_raw *raw, uint32_t saddr, uint16_t sport,
			uint32_t daddr, uint16_t dport, uint32_t seq, uint32_t ack, uint16_t id,
			uint8_t *buf, size_t cap);

#endif
