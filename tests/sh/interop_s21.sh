#!/usr/bin/env bash
# S21 keepalive against Linux with short knobs: `synack echo --keepalive 1,1,2` sets
# SO_KEEPALIVE, TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 2 on accepted
# connections. An idle Linux client answers every probe, so the connection lives on
# (each answer restarts the idle time); once nftables drops everything Linux sends to
# synack, 2 unanswered probes later synack drops the connection with ETIMEDOUT.
source "${SYNACK_SRC:?}/tests/interop/lib.sh"
need python3 nft
it_ns_up
it_start echo echo --tun tun0 --addr 10.9.0.2 --peer 10.9.0.1/24 --keepalive 1,1,2 --trace
it_wait_log echo 'listening on tun0 port 7'
mkfifo "$IT_TMP/hold"
it_in timeout 30 python3 -c '
import socket, sys
s = socket.socket()
s.bind(("10.9.0.1", 45021))
s.connect(("10.9.0.2", 7))
print("connected", flush=True)
sys.stdin.read()
' <"$IT_TMP/hold" >"$IT_TMP/client.out" &
cpid=$!
IT_PIDS+=("$cpid")
exec 3>"$IT_TMP/hold"
for ((i = 0; i < 100; i++)); do grep -qs connected "$IT_TMP/client.out" && break; sleep 0.05; done
sleep 3.5   # idle: about 3 probes, each answered
it_in "$bin" ss --tun tun0 | grep -Eq '^ESTABLISHED +0 +0 +10\.9\.0\.2:7 +10\.9\.0\.1:45021 +timer:\(keepalive,' ||
	fail "not ESTABLISHED with a keepalive timer: $(it_in "$bin" ss --tun tun0)"
# --trace lines on stderr (the pcap file is only complete at exit), timestamps cut.
grep -E '^[0-9:.]+ IP ' "$IT_TMP/echo.log" | cut -d' ' -f2- >"$IT_TMP/idle.txt"
# After the handshake (3 segments), only probes from synack and Linux's answers.
probes=$(tail -n +4 "$IT_TMP/idle.txt" | grep -c '^IP 10.9.0.2.7 > 10.9.0.1.45021: Flags \[\.\],.* length 0$' || true)
answers=$(tail -n +4 "$IT_TMP/idle.txt" | grep -c '^IP 10.9.0.1.45021 > 10.9.0.2.7: Flags \[\.\],.* length 0$' || true)
others=$(($(tail -n +4 "$IT_TMP/idle.txt" | wc -l) - probes - answers))
[ "$probes" -ge 2 ] && [ "$probes" -le 4 ] || fail "$probes probes in 3.5 s idle, want 2..4"
# every probe answered (the answer to one sent at the very end may not be logged yet)
[ "$answers" -eq "$probes" ] || [ "$answers" -eq $((probes - 1)) ] ||
	fail "answers to probes: $answers for $probes probes"
expect_eq "other segments while idle" "$others" 0

it_in nft -f - <<'NFT' || fail "nft rules"
table ip s21 {
	chain out {
		type filter hook output priority 0;
		ip daddr 10.9.0.2 drop
	}
}
NFT
it_wait_log echo '10\.9\.0\.1:45021 Connection timed out: 0 bytes in, 0 bytes out' 8
it_in "$bin" ss --tun tun0 | grep -q 45021 && fail "the connection is still listed"
exec 3>&-
it_stop "$IT_PID" || fail "synack echo exited $?"
echo "PASS: S21 $probes answered probes keep the connection; unanswered probes end it (ETIMEDOUT)"
