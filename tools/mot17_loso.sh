#!/usr/bin/env bash
# Leave one MOT17 sequence out (public Faster R-CNN detections, ../shared/data/MOT17-full): the `shipped` recipe
# (nbs/runs/mot17_default.ipynb) trained without it, then the `real-geometry` recipe (nbs/runs/real_geometry.ipynb)
# warm-started from that model and fine-tuned on every other real sequence; both track the held-out sequence, scored
# beside SORT, ByteTrack and OC-SORT on the same detections and the oracle. Neither model ever saw the scored sequence.
#   tools/mot17_loso.sh OUT MOT17-09|MOT17-11 [EPOCHS]   OUT must not exist; about 45 minutes on a 2-core CPU
#   THREADS=1 runs each training on one thread (two such scripts side by side on two cores)
#   RECIPE_ARGS="-p synth_train 2" passes more parameters to the `real-geometry` recipe
#   RESUME=1 continues an interrupted OUT (same SEQ, EPOCHS, THREADS and RECIPE_ARGS): a stage whose model exists is
#   skipped, the `real-geometry` training goes on from its last checkpoint, and whatever a new attempt writes goes to
#   new folders (stage-<time>), never into an earlier attempt's; the tracking, scores and diagnostics run again
set -euo pipefail
OUT=${1:?usage: tools/mot17_loso.sh OUT SEQ [EPOCHS]}; HELD=${2:?usage: tools/mot17_loso.sh OUT SEQ [EPOCHS]}; EPOCHS=${3:-10}; THREADS=${THREADS:-2}; RECIPE_ARGS=${RECIPE_ARGS:-}
RESUME=${RESUME:-0}
[ -e "$OUT" ] && [ "$RESUME" != 1 ] && { echo "tools/mot17_loso.sh: $OUT exists; runs are never overwritten (RESUME=1 continues an interrupted one)" >&2; exit 2; }
LGMOT=${LGMOT:-.venv/bin/lgmot}; DATA=${LGMOT_DATA:-../shared/data}; M17=$DATA/MOT17-full/train
[ -f "$M17/$HELD/gt/gt.txt" ] || { echo "tools/mot17_loso.sh: $M17/$HELD/gt/gt.txt not found" >&2; exit 2; }
if compgen -G "$OUT/diagnose-real-recipe*.json" > /dev/null; then echo "tools/mot17_loso.sh: $OUT is complete; nothing to resume" >&2; exit 0; fi
protocol="$HELD left out; recipe: -p epochs $EPOCHS -p threads $THREADS $RECIPE_ARGS"
if [ -e "$OUT/protocol.txt" ] && [ "$(head -1 "$OUT/protocol.txt")" != "$protocol" ]; then
  echo "tools/mot17_loso.sh: RESUME=1: $OUT was started as '$(head -1 "$OUT/protocol.txt")', not '$protocol'" >&2; exit 2
fi
mkdir -p "$OUT"; git rev-parse HEAD >> "$OUT/commit.txt" 2>/dev/null || true   # one line per attempt
[ -e "$OUT/protocol.txt" ] || echo "$protocol" > "$OUT/protocol.txt"
stamp=$(date +%Y%m%d-%H%M%S)
fresh() { if [ -e "$OUT/$1" ] || compgen -G "$OUT/$1.*" > /dev/null; then echo "$OUT/$1-$stamp"; else echo "$OUT/$1"; fi; }   # a new attempt's folder
first() { ls -d $1 2>/dev/null | head -1 || true; }   # the earliest attempt's file matching a glob, or nothing
base=$(first "$OUT/shipped-recipe*/*/model/model.pt")
if [ -z "$base" ]; then
  dir=$(fresh shipped-recipe)
  $LGMOT run mot17_default -p held_out "$HELD" -p threads "$THREADS" --out "$dir" > "$dir.log" 2>&1
  base=$(ls "$dir"/*/model/model.pt)
fi
real=$(first "$OUT/real-recipe*/real-geometry-*/real_geometry.pt")
if [ -z "$real" ]; then
  dir=$(fresh real-recipe); resume=()
  part=$(first "$OUT/real-recipe*/real-geometry-*/model/checkpoints/last.pt")
  [ -n "$part" ] && resume=(-p resume_training "$(dirname "$(dirname "$part")")")
  # shellcheck disable=SC2086
  $LGMOT run real_geometry -p init_from "$base" -p exclude "[$HELD]" -p epochs "$EPOCHS" -p threads "$THREADS" $RECIPE_ARGS "${resume[@]}" --out "$dir" > "$dir.log" 2>&1
  real=$(ls "$dir"/real-geometry-*/real_geometry.pt)
fi
# the trained weights before calibration: in the training folder, which a resumed attempt continued in place
raw=$(first "$OUT/real-recipe*/real-geometry-*/model/model.pt")
res=$(fresh results); table=$(fresh table); log=$(fresh track)
$LGMOT track --data "$M17" --seqs "$HELD" --model "$base" --out "$res/shipped-recipe" > "$log.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --model "$real" --out "$res/real-recipe" >> "$log.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --oracle --out "$res/oracle" >> "$log.log" 2>&1
# one change at a time on the fine-tuned model: gap filling, and the thresholds before calibration (0.5 at every level)
$LGMOT track --data "$M17" --seqs "$HELD" --model "$real" --set track.interpolate=true --out "$res/real-gaps" >> "$log.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --model "$raw" --set track.interpolate=false --out "$res/real-uncal" >> "$log.log" 2>&1
$LGMOT track --data "$M17" --seqs "$HELD" --model "$raw" --set track.interpolate=true --out "$res/real-uncal-gaps" >> "$log.log" 2>&1
$LGMOT eval --gt "$M17" --seqs "$HELD" --distractors mot17 --peers sort,bytetrack,ocsort --json-out "$table.json" \
  --results "shipped recipe=$res/shipped-recipe" "real-geometry recipe=$res/real-recipe" \
  "real-geometry recipe, gaps filled=$res/real-gaps" "uncalibrated=$res/real-uncal" \
  "uncalibrated, gaps filled=$res/real-uncal-gaps" "oracle=$res/oracle" | tee "$table.txt"
# the diagnostics of both models on the held-out sequence (per level: recall, precision, AUC, pruned true links, ...);
# the real-geometry one last: its JSON (written whole or not at all) marks OUT complete
diag=$(fresh diagnose-shipped-recipe)
$LGMOT diagnose --data "$M17" --seqs "$HELD" --model "$base" --json-out "$diag.json" > "$diag.txt" 2>&1
diag=$(fresh diagnose-real-recipe)
$LGMOT diagnose --data "$M17" --seqs "$HELD" --model "$real" --json-out "$diag.json" > "$diag.txt" 2>&1
