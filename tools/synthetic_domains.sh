#!/usr/bin/env bash
# Score one model on a synthetic split per domain (street, dance, sports), beside SORT, ByteTrack and OC-SORT on the
# same detections: the synthetic tables of the README and docs/results.md.
#   tools/synthetic_domains.sh MODEL SPLIT_DIR OUT [lgmot track options...]
#   SPLIT_DIR: e.g. s/SYNTH/test after `lgmot synth --out s --train 0 --val 0 --test 2 --frames 300 --seed 0`
#              (the validation split: `lgmot synth --out v --train 0 --val 2 --test 0 --frames 300 --seed 21`, v/SYNTH/val)
#   OUT must not exist; about 2 minutes on a 2-core CPU.
set -euo pipefail
MODEL=${1:?usage: tools/synthetic_domains.sh MODEL SPLIT_DIR OUT [track options]}
SPLIT=${2:?usage: tools/synthetic_domains.sh MODEL SPLIT_DIR OUT [track options]}
OUT=${3:?usage: tools/synthetic_domains.sh MODEL SPLIT_DIR OUT [track options]}; shift 3
[ -e "$OUT" ] && { echo "tools/synthetic_domains.sh: $OUT exists; runs are never overwritten" >&2; exit 2; }
[ -d "$SPLIT" ] || { echo "tools/synthetic_domains.sh: split folder $SPLIT not found" >&2; exit 2; }
LGMOT=${LGMOT:-.venv/bin/lgmot}
mkdir -p "$OUT"; git rev-parse HEAD > "$OUT/commit.txt" 2>/dev/null || true
$LGMOT track --data "$SPLIT" --model "$MODEL" --out "$OUT/results" "$@" > "$OUT/track.log" 2>&1
for domain in street dance sports; do
  seqs=$(cd "$SPLIT" && ls -d "$domain"-* 2>/dev/null | tr '\n' ' ')
  [ -n "$seqs" ] || { echo "no $domain-* sequences in $SPLIT"; continue; }
  echo "== $domain: $seqs"
  # shellcheck disable=SC2086
  $LGMOT eval --gt "$SPLIT" --seqs $seqs --distractors none --peers sort,bytetrack,ocsort \
    --results "lgmot=$OUT/results" --json-out "$OUT/$domain.json" | tee "$OUT/$domain.txt"
done
