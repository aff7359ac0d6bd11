#!/usr/bin/env bash
# Stops a cluster started by scripts/ceph/start.sh DIR (only the daemons whose pid files are in DIR/run)
# and removes DIR.
set -uo pipefail
dir=${1:?usage: $0 DIR}
pids=()
for f in "$dir"/run/*.pid; do
  [[ -f $f ]] && pids+=("$(cat "$f")")
done
((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
for _ in $(seq 50); do
  alive=0
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
  ((alive)) || break
  sleep 0.1
done
for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
rm -rf "$dir"
