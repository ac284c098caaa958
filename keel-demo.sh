#!/usr/bin/env bash
# Builds Keel and starts a local three-server cluster of the key-value example (examples/kv), which speaks the
# Redis protocol: Raft on 127.0.0.1:7101-7103, Redis clients on 127.0.0.1:6401-6403, data under ./demo-data
# (kept between runs: a restart resumes). Ctrl-C stops all three servers.
#
#   ./keel-demo.sh              build, then start
#   ./keel-demo.sh --no-build   start from the jar already built
set -euo pipefail
cd "$(dirname "$0")"

DATA=demo-data
JAR=examples/kv/target/keel-kv.jar
MEMBERS=n1=127.0.0.1:7101,n2=127.0.0.1:7102,n3=127.0.0.1:7103

case "${1:-}" in
  --no-build) ;;
  "") echo "Building (mvn -q -DskipTests package) ..."
      mvn -q -DskipTests package ;;
  *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
esac

pids=()
stop() {
  trap - EXIT INT TERM
  if ((${#pids[@]})); then
    echo
    echo "Stopping the servers (SIGTERM) ..."
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
    rm -f "$DATA"/n?.pid
    echo "All servers stopped. Data kept in $DATA/ (rm -rf $DATA to start afresh)."
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM

mkdir -p "$DATA"
for i in 1 2 3; do
  java -jar "$JAR" --id "n$i" --raft "127.0.0.1:710$i" --resp "127.0.0.1:640$i" --data "$DATA/n$i" \
       --members "$MEMBERS" >"$DATA/n$i.out" 2>"$DATA/n$i.log" &
  pids+=($!)
  echo $! >"$DATA/n$i.pid"
done

for i in 1 2 3; do
  until grep -q '^READY' "$DATA/n$i.out" 2>/dev/null; do
    if ! kill -0 "${pids[$((i - 1))]}" 2>/dev/null; then
      echo "n$i did not start:" >&2
      tail -n 3 "$DATA/n$i.log" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "n$i: $(grep '^READY' "$DATA/n$i.out")   (pid $(cat "$DATA/n$i.pid"), log $DATA/n$i.log)"
done

cat <<TEXT

Keel cluster running. Any server accepts any command (writes and reads go through the leader):

  redis-cli -p 6401 set k v
  redis-cli -p 6402 get k
  redis-cli -p 6403 raft.info          # role, term, leader, commitIndex, lastApplied, members
  redis-benchmark -p 6401 -t set,get -n 100000 -c 50 -P 16

Kill the leader (e.g. kill -9 \$(cat $DATA/n1.pid) if n1 leads) and a new one is elected within the election
timeout (1-2 s); every acknowledged write is still there. Logs: tail -f $DATA/n*.log

Press Ctrl-C to stop all three servers.
TEXT

# Until Ctrl-C (or until every server has exited).
wait "${pids[@]}" 2>/dev/null || true
