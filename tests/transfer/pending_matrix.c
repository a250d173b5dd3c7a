/*
 * pending_matrix.c — the integrity matrix's cells that cannot pass yet (PENDING in
 * tests/transfer_matrix.h), one Criterion test per cell. Not part of make check:
 * scripts/transfer-pending.sh builds and runs it against a build directory. A cell that
 * passes here is ready to move from PENDING to CELL.
 */
#include "transfer_matrix.h"

#define PENDING(name, loss, dup, reorder, corrupt, rtt)                                  \
	Test(transfer_pending, name, .timeout = 600)                                     \
	{                                                                                \
		tm_run_cell(#name, loss, dup, reorder, corrupt, rtt);                    \
	}
#define CELL(name, loss, dup, reorder, corrupt, rtt)

TRANSFER_MATRIX(CELL, PENDING)
