#!/usr/bin/env bash
# bench-keys.sh — held-down keys in the TUI, measured from outside the
# process (issue 17, item 5): 100 tasks against 100,000 in the same run.
#
#   bash scripts/bench-keys.sh                 # 5 s per key, 30 keys a second
#   SECONDS_HELD=10 RATE=40 bash scripts/bench-keys.sh
#   VEOX=/path/to/veox bash scripts/bench-keys.sh   # that binary, not this tree's
#   RUNS=5 bash scripts/bench-keys.sh              # holds per key (3 by default; the median counts)
#   COLD=1 bash scripts/bench-keys.sh              # the history not read into the page cache before each hold
#
# Builds veox, seeds two demo histories ('veox --demo seed-history N', N =
# 100 and 100,000), starts the TUI in a detached tmux pane of 120x36 for
# each, and holds a key down: one key every 1/RATE s for SECONDS_HELD s,
# each its own send-keys (as a terminal's autorepeat sends them) through
# one tmux client in control mode, first 'j' (one row), then PageDown (a
# screen of rows, so it crosses the
# edge of what is loaded many times at 100,000). It reads the process's CPU
# time (utime + stime, /proc/PID/stat) and the position the header shows
# ("N of M", capture-pane) before and after, once the screen has settled,
# and prints keys sent, rows moved (and the rows they should have moved:
# as many as keys, a page each for PageDown, less only at the end of the
# list), CPU per key with the CPU the idle TUI spends over as long (its
# demo polls running tasks) taken off. The same keys go first to a
# reference, scripts/benchkeysref: a Bubble Tea program that only moves a
# cursor over as many plain rows, what any program on the same Bubble Tea
# and terminal spends per key. Targets at 100,000: no key lost, CPU per
# key within 1.2x of 100 tasks, and under 1 ms of veox's own work per key
# (its CPU per key less the reference's).
#
# Exit 0 when every target holds, 1 when one does not, 2 on a setup failure.
set -euo pipefail

SECONDS_HELD=${SECONDS_HELD:-5}
RUNS=${RUNS:-3}
case $RUNS in '' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;; esac
RATE=${RATE:-30}
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tmux is needed: apt-get install tmux" >&2; exit 2; }
command -v go >/dev/null || { echo "go is needed to build veox" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/veox-bench-keys.XXXXXX")
SOCK="veox-bench-keys-$$"
# cleanup waits for the last TUI to end (it saves its place as it goes) before removing its home
cleanup() { quit; rm -rf "$TMP"; }
# quit: end the TUI of the run before, and wait for its server to go
quit() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
	for _ in $(seq 50); do
		if tmux -L "$SOCK" has-session 2>/dev/null || { [ -n "${pid:-}" ] && [ -e "/proc/$pid" ]; }; then
			sleep 0.1
		else
			return 0
		fi
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${VEOX:-}" ]; then # a veox built elsewhere, to compare two versions
	cp "$VEOX" "$TMP/veox"
else
	echo "building veox…"
	go build -o "$TMP/veox" .
fi
go build -o "$TMP/ref" ./scripts/benchkeysref
TICK=$(getconf CLK_TCK)

SIZES=(100 100000)
for n in "${SIZES[@]}"; do
	echo "seeding $n tasks…"
	VEOX_DOWNLOAD_DIR="$TMP/videos" "$TMP/veox" --home "$TMP/h$n" --demo seed-history "$n" >/dev/null
done

# cpu_ms PID: the process's user + system time so far, in milliseconds.
cpu_ms() { awk -v t="$TICK" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / t) }' "/proc/$1/stat"; }

# where: the header's "N of M" as "N M" (commas dropped), empty when none.
where() {
	tmux -L "$SOCK" capture-pane -p -t bench | head -n 3 |
		grep -oE '[0-9][0-9,]* of [0-9][0-9,]*' | head -n 1 | tr -d , | awk '{ print $1, $3 }'
}

# warm: read the history into the page cache just before a hold (not with
# COLD=1). Some virtual machines give the page cache back to their host
# within seconds (here: a 155 MB history went from 73 to 58 MB cached in
# 20 s idle, 44 MB after a hold), and a page read then waits on the disk
# and costs the kernel 2-3 times the CPU of the read itself, more or less
# from run to run. That is the machine's memory, not veox's work per key.
warm() {
	[ -z "${COLD:-}" ] && [ "$n" != ref ] && cat "$TMP/h$n/demo/history.db" >/dev/null
	return 0
}

# settle: wait until the position has not changed for 1 s (at most 30 s).
settle() {
	local last="" now same=0
	for _ in $(seq 300); do
		now=$(where)
		if [ -n "$now" ] && [ "$now" = "$last" ]; then
			same=$((same + 1))
			[ "$same" -ge 10 ] && { echo "$now"; return; }
		else
			same=0
		fi
		last=$now
		sleep 0.1
	done
	echo "$last"
}

# hold DOWN UP STEP POS TOTAL: a key held down for SECONDS_HELD s, RATE
# presses a second at a steady pace, each its own send-keys as a terminal's
# autorepeat sends them. DOWN moves STEP rows; on a list too short for all
# the presses it turns back (UP) before the end, so every press moves a
# whole STEP and the position the presses should reach is known exactly.
# The presses go through one tmux client in control mode: a 'tmux
# send-keys' process per press took 30-120 ms to start on a busy machine,
# so the presses came at 8-20 a second, not RATE, and never close
# together. Prints the presses sent, that position and the rate reached.
hold() {
	local down=$1 up=$2 step=$3 pos=$4 total=$5 count=$((SECONDS_HELD * RATE)) i start due now dir=1 key nap
	exec {nap}<> <(:) # read -t on it is a sleep without a process
	coproc CTL { tmux -L "$SOCK" -C attach -t bench >/dev/null; }
	start=$((10#${EPOCHREALTIME/./}))
	for ((i = 1; i <= count; i++)); do
		if [ $dir = 1 ] && [ $((pos + step)) -gt "$total" ]; then dir=-1; fi
		if [ $dir = -1 ] && [ $((pos - step)) -lt 1 ]; then dir=1; fi
		key=$down
		[ $dir = 1 ] || key=$up
		echo "send-keys -t bench $key" >&"${CTL[1]}"
		pos=$((pos + dir * step))
		due=$((start + i * 1000000 / RATE)) # no drift from the cost of a press
		now=$((10#${EPOCHREALTIME/./}))
		[ "$due" -gt "$now" ] && read -rt "$(printf '0.%06d' $((due - now)))" -u "$nap" || true
	done
	now=$((10#${EPOCHREALTIME/./}))
	echo detach >&"${CTL[1]}"
	exec {CTL[1]}>&- {nap}>&-
	wait "$CTL_PID" 2>/dev/null || true
	echo "$count $pos $(awk -v n="$count" -v us=$((now - start)) 'BEGIN { printf "%.1f", n * 1e6 / us }')"
}

FAILED=0
declare -A PERKEY
printf '\n| %-9s | %-8s | %5s | %-5s | %-15s | %-17s | %-11s | %-9s | %-8s |\n' "tasks" "key" "keys" "rate" "moved/want" "ms a key, by run" "median" "above ref" "verdict"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-----------" "----------" "-------" "-------" "-----------------" "-------------------" "-------------" "-----------" "----------"
for n in ref "${SIZES[@]}"; do
	for keys in "j k" "PageDown PageUp"; do
		read -r key up <<<"$keys"
		quit
		if [ "$n" = ref ]; then
			cmd="$TMP/ref" comm=ref
		else
			rm -f "$TMP/h$n/demo/place.json" # start at the newest, not where the run before left off
			cmd="env VEOX_API_KEY= VEOX_DOWNLOAD_DIR=$TMP/videos NO_COLOR=1 TERM=xterm-256color $TMP/veox --home $TMP/h$n --demo"
			comm=veox
		fi
		tmux -L "$SOCK" -f /dev/null new-session -d -s bench -x 120 -y 36 "$cmd"
		pid=$(tmux -L "$SOCK" list-panes -t bench -F '#{pane_pid}')
		for _ in 1 2 3; do # the pane's shell may not have exec'd the program
			[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = $comm ] && break
			pid=$(pgrep -P "$pid" | head -n 1) || true
		done
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = $comm ] || { echo "cannot find $comm's process" >&2; exit 2; }
		start=$(settle)
		[ -n "$start" ] || {
			echo "$comm showed no position at $n tasks:" >&2
			tmux -L "$SOCK" capture-pane -p -t bench >&2
			exit 2
		}
		read -r pos0 total <<<"$start"
		# one key first: how far one press moves (a screen of rows for PageDown)
		tmux -L "$SOCK" send-keys -t bench "$key"
		read -r pos1 _ <<<"$(settle)"
		step=$((pos1 - pos0))
		[ "$step" -ge 1 ] || { echo "$key moved nothing at $n tasks" >&2; exit 2; }
		# RUNS holds, each after the idle program's own CPU over as long as
		# the keys take; the median CPU per key is the figure
		perkeys=() moved=0 want=0 missed=0
		for ((r = 1; r <= RUNS; r++)); do
			read -r from _ <<<"$(settle)"
			idle0=$(cpu_ms "$pid")
			sleep "$SECONDS_HELD"
			idle=$(($(cpu_ms "$pid") - idle0))
			warm
			cpu0=$(cpu_ms "$pid")
			read -r sent to rate < <(hold "$key" "$up" "$step" "$from" "$total")
			read -r pos2 _ <<<"$(settle)"
			cpu=$(($(cpu_ms "$pid") - cpu0 - idle))
			moved=$((moved + pos2 - from)) want=$((want + to - from))
			[ "$pos2" -eq "$to" ] || missed=$((missed + 1)) # a run that did not end where its presses lead
			perkeys+=("$(awk -v c="$cpu" -v k="$sent" 'BEGIN { printf "%.2f", c / k }')")
		done
		perkey=$(printf '%s\n' "${perkeys[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
		PERKEY[$n-$key]=$perkey
		above=-
		[ "$n" = ref ] || above=$(awk -v p="$perkey" -v r="${PERKEY[ref-$key]}" 'BEGIN { printf "%.2f ms", p - r }')
		verdict=ok
		[ "$missed" -eq 0 ] || { verdict="LOST in $missed run(s)"; FAILED=1; }
		if [ "$n" = 100000 ]; then
			# veox's own work per key: what it spends above the reference
			awk -v a="${above% ms}" 'BEGIN { exit !(a < 1) }' || { verdict="$verdict, >1ms"; FAILED=1; }
			small=${PERKEY[100-$key]}
			awk -v p="$perkey" -v s="$small" 'BEGIN { exit !(p <= 1.2 * s || p < 0.1) }' ||
				{ verdict="$verdict, $(awk -v p="$perkey" -v s="$small" 'BEGIN { printf "%.1fx", p / s }') of 100"; FAILED=1; }
		fi
		printf '| %9s | %-8s | %5d | %5s | %7d/%-7d | %-17s | %8s ms | %9s | %-8s |\n' "$n" "$key" "$sent" "$rate" "$moved" "$want" "${perkeys[*]}" "$perkey" "$above" "$verdict"
	done
done
echo
echo "CPU from /proc/PID/stat ($TICK ticks a second), the idle program's own over as long taken off; keys asked at $RATE a"
echo "second for $SECONDS_HELD s, $RUNS times (rate: as reached; moved/want: rows, all runs). ref is scripts/benchkeysref, a Bubble Tea program that only moves a cursor"
echo "over as many plain rows: 'above ref' is veox's own work per key, the rest is Bubble Tea's and the terminal's."
exit $FAILED
