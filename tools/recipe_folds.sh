#!/usr/bin/env bash
# Scores the recipe of the `real-geometry` shipped model (nbs/runs/real_geometry.ipynb: the shipped model fine-tuned
# on real trajectories of several benchmarks at once, calibrated on them) on sequences it never saw. Fold X trains on
# half of the DanceTrack and half of the SportsMOT sequences of ../shared/data plus MOT17-09/11, and tracks the other
# halves; fold Y the reverse. Ground-truth boxes are the detections of DanceTrack and SportsMOT (association alone).
# Peers run on the same detections; the shipped model (cross-domain) and the oracle are scored beside them.
#   tools/recipe_folds.sh OUT [EPOCHS]   OUT must not exist; about 50 minutes on a 2-core CPU at 10 epochs
#   RECIPE_ARGS="-p synth_train 2" passes more recipe parameters to both folds' `lgmot run real_geometry`
#   THREADS=1 trains the two folds side by side, one thread each (two cores), instead of one after the other
set -euo pipefail
OUT=${1:?usage: tools/recipe_folds.sh OUT [EPOCHS]}; EPOCHS=${2:-10}; THREADS=${THREADS:-2}; RECIPE_ARGS=${RECIPE_ARGS:-}
[ -e "$OUT" ] && { echo "tools/recipe_folds.sh: $OUT exists; runs are never overwritten" >&2; exit 2; }
LGMOT=${LGMOT:-.venv/bin/lgmot}; DATA=${LGMOT_DATA:-../shared/data}
source "$(dirname "$0")/fold_sequences.sh"
for d in $DA $DB; do [ -d "$DT/$d" ] || { echo "tools/recipe_folds.sh: $DT/$d not found" >&2; exit 2; }; done
for d in $SA $SB; do [ -d "$SP/$d" ] || { echo "tools/recipe_folds.sh: $SP/$d not found" >&2; exit 2; }; done
mkdir -p "$OUT"; git rev-parse HEAD > "$OUT/commit.txt" 2>/dev/null || true
fold() {   # name "dance test seqs" "sports test seqs"
  local held="[$(echo $2 $3 | sed 's/ /, /g')]"
  echo "$1: train on everything but $held; score them" | tee -a "$OUT/protocol.txt"
  # shellcheck disable=SC2086
  $LGMOT run real_geometry -p exclude "$held" -p epochs "$EPOCHS" -p threads "$THREADS" $RECIPE_ARGS --out "$OUT/$1" > "$OUT/$1.run.log" 2>&1
  local model; model=$(ls "$OUT/$1"/real-geometry-*/real_geometry.pt)
  $LGMOT track --data "$DT" --seqs $2 --model "$model" --out "$OUT/results/dance-$1" > "$OUT/$1.track.log" 2>&1
  $LGMOT track --data "$SP" --seqs $3 --model "$model" --out "$OUT/results/sports-$1" >> "$OUT/$1.track.log" 2>&1
  # the same fine-tuned model before calibration (track.threshold 0.5 at every level, no gap filling): what choosing
  # thresholds on the model's own training sequences is worth on sequences it never saw
  local raw; raw=$(ls "$OUT/$1"/real-geometry-*/model/model.pt)
  $LGMOT track --data "$DT" --seqs $2 --model "$raw" --out "$OUT/results/dance-uncal-$1" >> "$OUT/$1.track.log" 2>&1
  $LGMOT track --data "$SP" --seqs $3 --model "$raw" --out "$OUT/results/sports-uncal-$1" >> "$OUT/$1.track.log" 2>&1
}
echo "recipe parameters: -p epochs $EPOCHS -p threads $THREADS $RECIPE_ARGS" | tee -a "$OUT/protocol.txt"
if [ "$THREADS" = 1 ]; then   # a failed fold fails the script
  fold X "$DB" "$SB" & px=$!; fold Y "$DA" "$SA" & py=$!; wait $px; wait $py
else fold X "$DB" "$SB"; fold Y "$DA" "$SA"; fi
for b in dance:$DT sports:$SP; do n=${b%%:*}; d=${b#*:}
  mkdir -p "$OUT/results/$n-folds" "$OUT/results/$n-uncal-folds"; cp "$OUT"/results/$n-[XY]/*.txt "$OUT/results/$n-folds/"
  cp "$OUT"/results/$n-uncal-[XY]/*.txt "$OUT/results/$n-uncal-folds/"
  $LGMOT track --data "$d" --model shipped --out "$OUT/results/$n-shipped" > "$OUT/$n-shipped.track.log" 2>&1
  $LGMOT track --data "$d" --oracle --out "$OUT/results/$n-oracle" > "$OUT/$n-oracle.track.log" 2>&1
  $LGMOT eval --gt "$d" --distractors none --peers sort,bytetrack,ocsort --json-out "$OUT/$n.json" \
    --results "real-geometry recipe (folds)=$OUT/results/$n-folds" \
    "recipe, uncalibrated (folds)=$OUT/results/$n-uncal-folds" "shipped (cross-domain)=$OUT/results/$n-shipped" \
    "oracle=$OUT/results/$n-oracle" | tee "$OUT/$n.table.txt"
done
