#!/usr/bin/env bash
# Runs Keel, SOFAJRaft and Ratis on the peer-bench workload side by side, alternating (A B C A B C ...) so
# that a shared machine's drift hits every system alike, and appends one JSON line per run to OUT.
# Then `java -cp raft-bench/target/keel-bench.jar io.keelraft.bench.e2e.ResultsReport OUT` prints the
# table of medians and writes the latency-vs-throughput plot.
#
#   raft-bench/compare.sh [OUT] [ROUNDS]      default OUT=raft-bench/results/compare.jsonl ROUNDS=2
#
# Environment: CONCS="1 16 128 512" SECS=10 WARMUP=5 SYSTEMS="keel keel-resp jraft ratis"
#              (keel: keel-bench through Keel's own client, raft-client; keel-resp: through the KV example's RESP)
#              PEER_BENCH=../shared/peer-bench (the peers' harness)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-raft-bench/results/compare.jsonl}
ROUNDS=${2:-2}
CONCS=${CONCS:-"1 16 128 512"}
SECS=${SECS:-10}
WARMUP=${WARMUP:-5}
SYSTEMS=${SYSTEMS:-"keel keel-resp jraft ratis"}
PEER_BENCH=${PEER_BENCH:-../shared/peer-bench}
JAR=raft-bench/target/keel-bench.jar
[ -f "$JAR" ] || { echo "build first: mvn -B -ntp -DskipTests package" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"

run() { # system concurrency -> one JSON line on stdout, or a failure line
  local sys=$1 c=$2 line
  if [ "$sys" = keel ] || [ "$sys" = keel-resp ]; then
    local client=keel
    if [ "$sys" = keel-resp ]; then client=resp; fi
    line=$(java -jar "$JAR" --concurrency "$c" --seconds "$SECS" --warmup "$WARMUP" --client "$client" \
      2>>"${OUT%.jsonl}.log") || line=
  else
    line=$(PEER_BENCH_WARMUP=$WARMUP "$PEER_BENCH/run.sh" "$sys" "$c" "$SECS" 2>>"${OUT%.jsonl}.log") || line=
  fi
  if [ -z "$line" ]; then
    line="{\"system\":\"$sys\",\"concurrency\":$c,\"seconds\":$SECS,\"failed\":true}"
  fi
  echo "$line"
}

for c in $CONCS; do
  for round in $(seq 1 "$ROUNDS"); do
    for sys in $SYSTEMS; do
      echo "[compare] C=$c round $round: $sys (warm-up $WARMUP s, $SECS s)" >&2
      line=$(run "$sys" "$c")
      echo "${line%\}},\"round\":$round,\"warmup\":$WARMUP,\"at\":\"$(date -u +%FT%TZ)\"}" | tee -a "$OUT"
    done
  done
done
