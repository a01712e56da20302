#!/usr/bin/env bash
# with-pcscd.sh [--allow-restart] CMD [ARG...]
#
# Runs CMD against a pcscd of our own that serves the project's virtual
# readers (vsmartcard vpcd), then stops that pcscd by its PID and exits with
# CMD's status. Typical use:
#
#   scripts/pcscd/with-pcscd.sh go test -race ./nfc/pcsc/ ./emulator/vpcd/
#   scripts/pcscd/with-pcscd.sh --allow-restart go test -race -p 1 ./nfc/pcsc/ ./emulator/vpcd/
#
# One pcscd serves the whole machine (/run/pcscd/pcscd.comm), so runs are
# serialised with a lock file; a second run waits for the first (at most
# APCV_PCSCD_LOCK_WAIT seconds, default 900). A pcscd started by someone else
# is never stopped: if it does not serve our readers the script explains and
# exits with status 3.
#
# Readers: 7 vpcd driver instances (each its own copy of libifdvpcd.so, or
# they share slot state), 2 slots each, on loopback ports BASE..BASE+13
# (APCV_VPCD_BASE_PORT, default 35991). vpcd listens on ALL interfaces and
# authenticates nobody: firewall these ports on shared networks.
#
#   slot     port      reader name                   used by
#   pcsc     BASE+0    "APCV Virtual PCD A 00 00"    nfc/pcsc tests
#   pcsc2    BASE+1    "APCV Virtual PCD A 00 01"    nfc/pcsc tests (second reader)
#   vpcd     BASE+2    "APCV Virtual PCD B 00 00"    emulator/vpcd tests
#   vpcd2    BASE+3    "APCV Virtual PCD B 00 01"    emulator/vpcd tests (second reader)
#   reader   BASE+4    "APCV Virtual PCD C 00 00"    reader/ facade tests
#   reader2  BASE+5    "APCV Virtual PCD C 00 01"    reader/ facade tests (second reader)
#   bench    BASE+6    "APCV Virtual PCD D 00 00"    benchmarks
#   cmd      BASE+7    "APCV Virtual PCD D 00 01"    cmd/apcv and manual checks
#   soak     BASE+8    "APCV Virtual PCD E 00 00"    nfc/soak (the soak test)
#   conform  BASE+9    "APCV Virtual PCD E 00 01"    nfc/conform and manual conformance runs
#   libapcv  BASE+10   "APCV Virtual PCD F 00 00"    libapcv (the C library's clients)
#   clients  BASE+11   "APCV Virtual PCD F 00 01"    examples/ clients of apcv agent and libapcv (web, Python, curl, C#)
#   agent    BASE+12   "APCV Virtual PCD G 00 00"    agent/ (apcv agent over pcscd: devices, pcscd restarts)
#   agent2   BASE+13   "APCV Virtual PCD G 00 01"    agent/ load test and benchmarks
#
# Exported to CMD:
#   APCV_VPCD_SLOTS      "slot=port=reader name;..." (parsed by internal/pcsctest)
#   APCV_VPCD_PORTS      "port,port,..." in slot order
#   APCV_PCSC_READERS    "reader name;..." in slot order
#   APCV_PCSCD_PID       the pcscd's PID
#   APCV_PCSCD_LOG       its log (--info)
#   APCV_PCSCD_CTL       a FIFO: write "restart REPLYFILE\n" to have this script
#                        restart pcscd; it writes "ok" or "fail: why" to REPLYFILE
#   APCV_PCSCD_MAY_RESTART=1  only with --allow-restart: tests that restart
#                        pcscd run only then. Use it when CMD runs one test
#                        package at a time (go test -p 1), or a restart would
#                        break the packages running beside it.
#
# Without pcscd or vpcd installed, CMD runs anyway and the tests that need them
# skip (internal/pcsctest), unless APCV_REQUIRE_PCSC=1, which makes this
# script fail (status 2).

set -u

allow_restart=0
if [ "${1:-}" = "--allow-restart" ]; then
	allow_restart=1
	shift
fi
if [ $# -eq 0 ]; then
	echo "usage: $0 [--allow-restart] CMD [ARG...]" >&2
	exit 64
fi

say() { echo "with-pcscd: $*" >&2; }

PCSCD=$(command -v pcscd || echo /usr/sbin/pcscd)
VPCD_SO=${APCV_VPCD_DRIVER:-/usr/lib/pcsc/drivers/serial/libifdvpcd.so}
missing=""
[ -x "$PCSCD" ] || missing="pcscd (apt-get install pcscd)"
[ -r "$VPCD_SO" ] || missing="${missing:+$missing, }vpcd driver $VPCD_SO (apt-get install vsmartcard-vpcd)"
if [ -n "$missing" ]; then
	if [ "${APCV_REQUIRE_PCSC:-}" = 1 ]; then
		say "missing: $missing; APCV_REQUIRE_PCSC=1, giving up"
		exit 2
	fi
	say "missing: $missing; running the command without pcscd (PC/SC tests will skip)"
	exec "$@"
fi

# One run at a time on this machine.
LOCK=${APCV_PCSCD_LOCK:-/tmp/apcvkit-pcscd.lock}
exec 9>>"$LOCK"
if ! flock -n 9; then
	say "another run holds $LOCK; waiting (at most ${APCV_PCSCD_LOCK_WAIT:-900} s)"
	if ! flock -w "${APCV_PCSCD_LOCK_WAIT:-900}" 9; then
		say "gave up waiting for $LOCK"
		exit 3
	fi
fi

BASE=${APCV_VPCD_BASE_PORT:-35991}
letters=(A B C D E F G)
slots=(pcsc pcsc2 vpcd vpcd2 reader reader2 bench cmd soak conform libapcv clients agent agent2)
SLOTS="" PORTS="" READERS=""
for i in "${!slots[@]}"; do
	port=$((BASE + i))
	name="APCV Virtual PCD ${letters[$((i / 2))]} 00 0$((i % 2))"
	SLOTS="${SLOTS:+$SLOTS;}${slots[$i]}=$port=$name"
	PORTS="${PORTS:+$PORTS,}$port"
	READERS="${READERS:+$READERS;}$name"
done

# serves_our_readers: does the running pcscd list every reader of ours?
serves_our_readers() {
	command -v pcsc_scan >/dev/null || return 1
	local listed r
	listed=$(timeout 5 pcsc_scan -r 2>/dev/null) || return 1
	local IFS=';'
	for r in $READERS; do
		grep -qF "$r" <<<"$listed" || return 1
	done
}

# alive PID: the process exists and is not a zombie (a pcscd whose parent
# never reaped it still answers kill -0).
alive() {
	kill -0 "$1" 2>/dev/null && ! grep -q ') Z ' "/proc/$1/stat" 2>/dev/null
}

PIDFILE=/run/pcscd/pcscd.pid
reuse=0
if [ -e "$PIDFILE" ]; then
	old=$(tr -dc 0-9 <"$PIDFILE")
	if [ -n "$old" ] && alive "$old"; then
		cmdline=$(tr '\0' ' ' <"/proc/$old/cmdline" 2>/dev/null)
		if [[ "$cmdline" == *apcvkit-pcscd.* ]]; then
			# Left by a run of ours that died (we hold the lock): stop it.
			say "stopping pcscd $old left by an earlier run"
			kill -TERM "$old"
			for _ in $(seq 100); do alive "$old" || break; sleep 0.1; done
			if alive "$old"; then
				say "pcscd $old does not stop; stop it by hand (kill $old)"
				exit 3
			fi
			stale=$(sed -n 's|.* -c \(/[^ ]*/apcvkit-pcscd\.[A-Za-z0-9]*\)/conf .*|\1|p' <<<"$cmdline ")
			[ -n "$stale" ] && rm -rf "$stale"
		elif ! serves_our_readers; then
			say "a pcscd not started by this script is running (PID $old: $cmdline)"
			say "it does not serve the project's virtual readers (or pcsc_scan is missing to check), and one pcscd serves the whole machine."
			say "Stop it (e.g. kill $old, or service pcscd stop) and run again; this script will not stop it."
			exit 3
		else
			say "reusing the running pcscd $old, which serves our readers (no restart possible)"
			reuse=1
			allow_restart=0
		fi
	fi
fi

WORK=$(mktemp -d /tmp/apcvkit-pcscd.XXXXXX)
LOG=$WORK/pcscd.log
CTL=$WORK/ctl
PCSCD_PID=""

cleanup() {
	stop_pcscd
	exec 3>&- 2>/dev/null
	if [ "${APCV_PCSCD_KEEP:-}" = 1 ]; then
		say "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}

stop_pcscd() {
	if [ -n "$PCSCD_PID" ]; then
		kill -TERM "$PCSCD_PID" 2>/dev/null
		wait "$PCSCD_PID" 2>/dev/null
		PCSCD_PID=""
	fi
}

start_pcscd() {
	: >"$LOG"
	# Children get neither the lock (fd 9) nor the FIFO (fd 3): if this
	# script is killed, the next run must get the lock and stop the leftover.
	"$PCSCD" --foreground --info -c "$WORK/conf" >>"$LOG" 2>&1 3>&- 9>&- &
	PCSCD_PID=$!
	local deadline=$((SECONDS + ${APCV_PCSCD_START_WAIT:-15}))
	until grep -q 'daemon ready' "$LOG"; do
		if ! kill -0 "$PCSCD_PID" 2>/dev/null; then
			wait "$PCSCD_PID" 2>/dev/null
			PCSCD_PID=""
			say "pcscd exited before it was ready; its log:"
			sed 's/^/  /' "$LOG" >&2
			return 1
		fi
		if [ $SECONDS -ge $deadline ]; then
			say "pcscd not ready after ${APCV_PCSCD_START_WAIT:-15} s; its log:"
			sed 's/^/  /' "$LOG" >&2
			stop_pcscd
			return 1
		fi
		sleep 0.05
	done
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ $reuse = 0 ]; then
	mkdir "$WORK/conf" "$WORK/drivers"
	for i in "${!letters[@]}"; do
		l=${letters[$i]}
		port=$((BASE + 2 * i))
		# A copy of the driver per entry: entries sharing one .so share slot state.
		cp "$VPCD_SO" "$WORK/drivers/libifdvpcd-$l.so"
		cat >"$WORK/conf/apcv-vpcd-$l" <<-CONF
			FRIENDLYNAME "APCV Virtual PCD $l"
			DEVICENAME   /dev/null:$(printf '0x%04X' "$port")
			LIBPATH      $WORK/drivers/libifdvpcd-$l.so
			CHANNELID    $(printf '0x%04X' "$port")
		CONF
	done
	start_pcscd || exit 3
	export APCV_PCSCD_PID=$PCSCD_PID APCV_PCSCD_LOG=$LOG
else
	export APCV_PCSCD_PID=$old APCV_PCSCD_LOG=
fi

mkfifo "$CTL"
exec 3<>"$CTL"
export APCV_VPCD_SLOTS=$SLOTS APCV_VPCD_PORTS=$PORTS APCV_PCSC_READERS=$READERS APCV_PCSCD_CTL=$CTL
if [ $allow_restart = 1 ]; then
	export APCV_PCSCD_MAY_RESTART=1
else
	unset APCV_PCSCD_MAY_RESTART
fi

"$@" 3>&- 9>&- &
cmd_pid=$!
while kill -0 "$cmd_pid" 2>/dev/null; do
	if read -r -t 0.2 -u 3 verb reply; then
		answer="fail: unknown request '$verb'"
		if [ "$verb" = restart ]; then
			if [ $allow_restart = 0 ]; then
				answer="fail: restarts need --allow-restart"
			else
				stop_pcscd
				if start_pcscd; then
					answer=ok
					say "restarted pcscd (PID $PCSCD_PID) on request"
				else
					answer="fail: pcscd did not start again"
				fi
			fi
		fi
		if [ -n "${reply:-}" ]; then
			echo "$answer" >"$reply.tmp" && mv "$reply.tmp" "$reply"
		fi
	fi
done
wait "$cmd_pid"
status=$?
exit $status
