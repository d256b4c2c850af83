"""Copies of a split's sequences whose detections are their ground-truth boxes (ids removed, one confidence, as
`shared/data`'s DanceTrack and SportsMOT files), at every frame and at every 2nd, 3rd, ... frame: the given-box
frame-rate table of docs/results.md ("Frame rate").

    python tools/synthetic_boxes.py SPLIT_DIR OUT [STRIDE ...]     # strides default: 1 2 3
    # e.g. SPLIT_DIR = s/SYNTH/test after `lgmot synth --out s --train 0 --val 0 --test 2 --frames 300 --seed 0`;
    # writes OUT/s1/<seq>, OUT/s2/<seq>, ...; then tools/synthetic_domains.sh MODEL OUT/s2 RESULTS per stride
"""
import sys
from pathlib import Path
from lgmot.core import LgmotError
from lgmot.data.mot import read_gt_file, read_seqinfo, write_frame_range, write_mot_txt
from staged import staged_folder

def gt_as_detections(seq_dir: Path, out_dir: Path) -> Path:
    "A copy of `seq_dir` (seqinfo.ini, gt/gt.txt) whose det/det.txt holds its considered pedestrian gt boxes, ids removed."
    gt_file = seq_dir / "gt" / "gt.txt"
    if not gt_file.is_file(): raise LgmotError("no ground truth (gt/gt.txt) to make detections from", seq_dir)
    gt = read_gt_file(gt_file)   # checks the columns, naming the file and line
    gt = gt[(gt["flag"] == 1) & (gt["cls"] == 1)]
    (out_dir / "det").mkdir(parents=True); (out_dir / "gt").mkdir()
    (out_dir / "seqinfo.ini").write_text((seq_dir / "seqinfo.ini").read_text())
    (out_dir / "gt" / "gt.txt").write_text(gt_file.read_text())
    det = gt[["frame", "left", "top", "width", "height"]].assign(id=-1, conf=1.0).sort_values(["frame", "left"], kind="stable")
    write_mot_txt(det, out_dir / "det" / "det.txt", "det")
    return out_dir

def main(argv):
    if len(argv) < 2: raise SystemExit(__doc__)
    split, out = Path(argv[0]), Path(argv[1])
    strides = sorted({int(s) for s in argv[2:]} or {1, 2, 3})
    if not split.is_dir(): raise LgmotError("split folder not found", split)
    if out.exists(): raise LgmotError("exists; runs are never overwritten", out)
    if strides[0] < 1: raise LgmotError(f"strides must be >= 1, got {strides}")
    seq_dirs = sorted(p for p in split.iterdir() if (p / "seqinfo.ini").is_file())
    if not seq_dirs: raise LgmotError("no sequence folders (with seqinfo.ini)", split)
    with staged_folder(out) as work:
        for seq_dir in seq_dirs:
            base = gt_as_detections(seq_dir, work / "s1" / seq_dir.name)
            for s in strides:
                if s > 1: write_frame_range(base, work / f"s{s}" / seq_dir.name, 1, read_seqinfo(base).length, step=s)
    print(f"wrote {out}: strides {strides}")

if __name__ == "__main__":
    try: main(sys.argv[1:])
    except (LgmotError, ValueError) as e:
        print(f"tools/synthetic_boxes.py: {e}", file=sys.stderr); sys.exit(2)
