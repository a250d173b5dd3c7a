/*
 * test_transfer_matrix.c — the integrity matrix's cells that pass today, one Criterion
 * test per cell (tests/transfer_matrix.h lists all 96 and says how a cell is judged;
 * the PENDING ones run in scripts/transfer-pending.sh, not here).
 */
#include "transfer_matrix.h"

#define CELL(name, loss, dup, reorder, corrupt, rtt)                                     \
	Test(transfer_matrix, name, .timeout = 240)                                      \
	{                                                                                \
		tm_run_cell(#name, loss, dup, reorder, corrupt, rtt);                    \
	}
#define PENDING(name, loss, dup, reorder, corrupt, rtt)

TRANSFER_MATRIX(CELL, PENDING)
