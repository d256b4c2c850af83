#!/usr/bin/env bash
# Two-fold cross-validation of geometry models on the real DanceTrack and SportsMOT sequences of ../shared/data
# (ground-truth boxes as detections: association alone). Each fold model starts from the shipped model, is
# fine-tuned on three sequences, has its per-level thresholds and gap filling calibrated (by IDF1) on those same
# three, and tracks the other three, which neither it nor the shipped model ever saw. Peers run on the same detections.
# CALIBRATE=heldout: train on the first two of the three, calibrate on the third only (an unbiased validation
# sequence, less training data).
#   [CALIBRATE=train|heldout] tools/real_folds.sh OUT [EPOCHS]   OUT must not exist; about 30 min on a 2-core CPU
set -euo pipefail
OUT=${1:?usage: tools/real_folds.sh OUT [EPOCHS]}; EPOCHS=${2:-6}
[ -e "$OUT" ] && { echo "tools/real_folds.sh: $OUT exists; runs are never overwritten" >&2; exit 2; }
LGMOT=${LGMOT:-.venv/bin/lgmot}; DATA=${LGMOT_DATA:-../shared/data}
source "$(dirname "$0")/fold_sequences.sh"
CALIBRATE=${CALIBRATE:-train}
[ "$CALIBRATE" = train ] || [ "$CALIBRATE" = heldout ] || { echo "tools/real_folds.sh: CALIBRATE must be train or heldout" >&2; exit 2; }
mkdir -p "$OUT"; git rev-parse HEAD > "$OUT/commit.txt" 2>/dev/null || true
fold() {   # name data "train seqs" "test seqs"
  local fit=$3 val=$3
  if [ "$CALIBRATE" = heldout ]; then fit=$(echo $3 | cut -d' ' -f1-2); val=$(echo $3 | cut -d' ' -f3); fi
  echo "$1: train on $fit; calibrate on $val; score $4" | tee -a "$OUT/protocol.txt"
  $LGMOT train --data "$2" --seqs $fit --preset baseline --out "$OUT" --name "$1" --set data.appearance=none \
    train.init_from=shipped train.epochs=$EPOCHS train.lr=0.001 train.lr_schedule=cosine train.batch_size=2 \
    train.depth_pretrain_iterations=0 train.save_every=3 > "$OUT/$1.train.log" 2>&1
  $LGMOT calibrate --data "$2" --seqs $val --model "$OUT/$1/model.pt" --out "$OUT/$1.calibrated.pt" --by idf1 > "$OUT/$1.calibrate.log" 2>&1
  $LGMOT track --data "$2" --seqs $4 --model "$OUT/$1.calibrated.pt" --out "$OUT/results/$1" > "$OUT/$1.track.log" 2>&1
}
fold dance-A "$DT" "$DA" "$DB"; fold dance-B "$DT" "$DB" "$DA"
fold sports-A "$SP" "$SA" "$SB"; fold sports-B "$SP" "$SB" "$SA"
for b in dance:$DT sports:$SP; do n=${b%%:*}; d=${b#*:}
  mkdir -p "$OUT/results/$n-folds"; cp "$OUT"/results/$n-?/*.txt "$OUT/results/$n-folds/"
  $LGMOT track --data "$d" --model shipped --out "$OUT/results/$n-shipped" > "$OUT/$n-shipped.track.log" 2>&1
  $LGMOT track --data "$d" --oracle --out "$OUT/results/$n-oracle" > "$OUT/$n-oracle.track.log" 2>&1
  $LGMOT eval --gt "$d" --distractors none --peers sort,bytetrack,ocsort --json-out "$OUT/$n.json" \
    --results "lgmot (folds)=$OUT/results/$n-folds" "shipped (cross-domain)=$OUT/results/$n-shipped" "oracle=$OUT/results/$n-oracle" | tee "$OUT/$n.table.txt"
done
