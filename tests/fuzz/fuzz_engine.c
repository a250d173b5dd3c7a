/*
 * fuzz_engine.c — libFuzzer target for the whole engine through the public API: a
 * server and a client stack holding connections in every state (a fixed prefix of real
 * exchanges), then the input decoded as a program of packets, socket calls and time
 * jumps with invariants checked after every step. The decoder is
 * tests/fuzz/engine_prog.h, shared with the regression replay
 * (tests/unit/test_fuzz_regress.c replays tests/fuzz/regress/).
 */
#include "fuzz/engine_prog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fp_run(data, size);
	return 0;
}
