#!/usr/bin/env bash
# Leave one MOT17 sequence out (public Faster R-CNN detections, ../shared/data/MOT17-full): the `shipped` recipe
# (nbs/runs/mot17_default.ipynb) trained without it, then the `real-geometry` recipe (nbs/runs/real_geometry.ipynb)
# warm-started from that model and fine-tuned on every other real sequence; both track the held-out sequence, scored
# beside SORT, ByteTrack and OC-SORT on the same detections and the oracle. Neither model ever saw the scored sequence.
#   tools/mot17_loso.sh OUT MOT17-09|MOT17-11 [EPOCHS]   OUT must not exist; about 45 minutes on a 2-core CPU
#   THREADS=1 runs each training on one thread (two such scripts side by side on two cores)
#   RECIPE_ARGS="-p synth_train 2" passes more parameters to the `real-geometry` recipe
set -euo pipefail
OUT=${1:?usage: tools/mot17_loso.sh OUT SEQ [EPOCHS]}; HELD=${2:?usage: tools/mot17_loso.sh OUT SEQ [EPOCHS]}; EPOCHS=${3:-10}; THREADS=${THREADS:-2}; RECIPE_ARGS=${RECIPE_ARGS:-}
[ -e "$OUT" ] && { echo "tools/mot17_loso.sh: $OUT exists; runs are never overwritten" >&2; exit 2; }
LGMOT=${LGMOT:-.venv/bin/lgmot}; DATA=${LGMOT_DATA:-../shared/data}; M17=$DATA/MOT17-full/train
[ -f "$M17/$HELD/gt/gt.txt" ] || { echo "tools/mot17_loso.sh: $M17/$HELD/gt/gt.txt not found" >&2; exit 2; }
mkdir -p "$OUT"; git rev-parse HEAD > "$OUT/commit.txt" 2>/dev/null || true
echo "$HELD left out; recipe: -p epochs $EPOCHS -p threads $THREADS $RECIPE_ARGS" > "$OUT/protocol.txt"
$LGMOT run mot17_default -p held_out "$HELD" -p threads "$THREADS" --out "$OUT/shipped-recipe" > "$OUT/shipped-recipe.log" 2>&1
base=$(ls "$OUT"/shipped-recipe/*/model/model.pt)
# shellcheck disable=SC2086
$LGMOT run real_geometry -p init_from "$base" -p exclude "[$HELD]" -p epochs "$EPOCHS" -p threads "$THREADS" $RECIPE_ARGS --out "$OUT/real-recipe" > "$OUT/real-recipe.log" 2>&1
real=$(ls "$OUT"/real-recipe/real-geometry-*/real_geometry.pt)
$LGMOT track --data "$M17" --seqs "$HELD" --model "$base" --out "$OUT/results/shipped-recipe" > "$OUT/track.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --model "$real" --out "$OUT/results/real-recipe" >> "$OUT/track.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --oracle --out "$OUT/results/oracle" >> "$OUT/track.log" 2>&1
# one change at a time on the fine-tuned model: gap filling, and the thresholds before calibration (0.5 at every level)
raw=$(ls "$OUT"/real-recipe/real-geometry-*/model/model.pt)
$LGMOT track --data "$M17" --seqs "$HELD" --model "$real" --set track.interpolate=true --out "$OUT/results/real-gaps" >> "$OUT/track.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --model "$raw" --set track.interpolate=false --out "$OUT/results/real-uncal" >> "$OUT/track.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --model "$raw" --set track.interpolate=true --out "$OUT/results/real-uncal-gaps" >> "$OUT/track.log" 2>&1
$LGMOT eval --gt "$M17" --seqs "$HELD" --distractors mot17 --peers sort,bytetrack,ocsort --json-out "$OUT/table.json" \
  --results "shipped recipe=$OUT/results/shipped-recipe" "real-geometry recipe=$OUT/results/real-recipe" \
  "real-geometry recipe, gaps filled=$OUT/results/real-gaps" "uncalibrated=$OUT/results/real-uncal" \
  "uncalibrated, gaps filled=$OUT/results/real-uncal-gaps" "oracle=$OUT/results/oracle" | tee "$OUT/table.txt"
# the diagnostics of both models on the held-out sequence (per level: recall, precision, AUC, pruned true links, ...)
$LGMOT diagnose --data "$M17" --seqs "$HELD" --model "$base" --json-out "$OUT/diagnose-shipped-recipe.json" > "$OUT/diagnose-shipped-recipe.txt" 2>&1
$LGMOT diagnose --data "$M17" --seqs "$HELD" --model "$real" --json-out "$OUT/diagnose-real-recipe.json" > "$OUT/diagnose-real-recipe.txt" 2>&1
