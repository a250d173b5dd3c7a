/*
 * test_transfer_matrix_lossy.c — the integrity matrix's cells with loss 5 and 10 % (48 of
 * the 96), one Criterion test per cell (tests/transfer_matrix.h lists all 96 and says how a
 * cell is judged; loss 0 and 1 % are in test_transfer_matrix.c, the PENDING cells
 * in scripts/transfer-pending.sh, not here).
 */
#include "transfer_matrix.h"

#define RUN(name, loss, dup, reorder, corrupt, rtt)                                      \
	Test(transfer_matrix_lossy, name, .timeout = 240)                                      \
	{                                                                                \
		tm_run_cell(#name, loss, dup, reorder, corrupt, rtt);                    \
	}
#define SKIP(name, loss, dup, reorder, corrupt, rtt)
#define CELL_L0 SKIP
#define CELL_L1 SKIP
#define CELL_L5 RUN
#define CELL_L10 RUN
#define CELL(name, loss, dup, reorder, corrupt, rtt)                                     \
	CELL_L##loss(name, loss, dup, reorder, corrupt, rtt)
#define PENDING(name, loss, dup, reorder, corrupt, rtt)

TRANSFER_MATRIX(CELL, PENDING)
