#!/usr/bin/env bash
# rebuild-from-folder.sh — issue 18's "done when", with the built binary on
# the demo (no key, no network):
#
#   bash scripts/rebuild-from-folder.sh
#   N=100000 bash scripts/rebuild-from-folder.sh   # also: export N seeded tasks, peak RSS under 60 MB
#
# 1. A chain of three extensions of the lighthouse, each waited for and
#    downloaded (a sidecar beside each video).
# 2. The history deleted; 'veox doctor' offers the import; 'veox import
#    --from-folder' gives back every extension with its parent, seed and
#    file; a second run adds nothing.
# 3. 'veox export', then 'veox import --jsonl' into an empty home: the same
#    'veox list --json'.
# 4. With N set: N tasks seeded, exported with GNU time: peak RSS < 60 MB.
#
# Exit 0 when all holds, 1 when something does not, 2 on a setup failure.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "go is needed to build veox" >&2; exit 2; }
command -v jq >/dev/null || { echo "jq is needed: apt-get install jq" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/veox" . || exit 2
home=$work/home
videos=$home/videos
run() { VEOX_HOME=$home VEOX_DOWNLOAD_DIR=$videos VEOX_DEMO_DURATION=0s VEOX_POLL_INTERVAL=50ms VEOX_API_KEY= "$work/veox" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

parent=veo_task_demo_lighthouse
for prompt in "a storm rolls in" "the lamp comes on" "dawn breaks"; do
	parent=$(run --demo extend --task "$parent" --prompt "$prompt" --wait --download --json | jq -r .taskId)
done
# The extensions as the history knows them: ids, parent, seed, files.
chain() { run --demo list --json | jq -S '[.[] | select(.kind == "extend") | {taskId, localId, parentTaskId, seed, prompt, files, downloads}]'; }
before=$(chain)
[ "$(jq length <<<"$before")" = 3 ] || fail "the chain is not three extensions: $before"
echo "made: $(jq -c '[.[] | {taskId, parentTaskId, seed}]' <<<"$before")"
ls "$videos"/*.mp4.json >/dev/null || fail "no sidecars in $videos"

rm "$home/demo/history.db"
if run --demo doctor --offline >"$work/doctor.txt" 2>&1; then fail "doctor saw nothing to do"; fi
grep -q "veox import --from-folder" "$work/doctor.txt" || fail "doctor does not offer the import: $(cat "$work/doctor.txt")"
run --demo import --from-folder "$videos" || fail "import --from-folder exited $?"
after=$(chain)
[ "$after" = "$before" ] || fail "after the import from the folder: $after"
run --demo import --from-folder "$videos" | grep -q "^added 0 task(s)" || fail "a second import added tasks"
echo "ok: the chain is back from the folder alone, and a second run adds nothing"

run --demo export --out "$work/h.jsonl"
home=$work/other
run --demo import --jsonl "$work/h.jsonl" || fail "import --jsonl exited $?"
[ "$(chain)" = "$before" ] || fail "after export and import --jsonl: $(chain)"
echo "ok: export, then import --jsonl into an empty home, gives the same chain"

if [ -n "${N:-}" ]; then
	[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed for N: apt-get install time" >&2; exit 2; }
	home=$work/big
	run --demo seed-history "$N" >/dev/null
	rss=$( (VEOX_HOME=$home VEOX_DOWNLOAD_DIR=$videos /usr/bin/time -f %M "$work/veox" --demo export >/dev/null) 2>&1 | tail -1)
	echo "export of $N tasks: peak RSS $((rss / 1024)) MB (target < 60 MB)"
	[ "$rss" -lt $((60 * 1024)) ] || fail "export used $((rss / 1024)) MB"
fi
