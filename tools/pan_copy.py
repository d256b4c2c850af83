"""Copies of MOTChallenge sequences seen through a panning camera: every box of det/det.txt and gt/gt.txt moved by
the same known, smooth camera motion, and the picture enlarged so that nothing leaves it. The tracking-under-a-pan
table of docs/results.md ("Tracking under a pan") scores trackers on such copies of MOT17-11.

    python tools/pan_copy.py DATA_ROOT OUT SPEED PERIOD SEQ [SEQ ...]
    # e.g. python tools/pan_copy.py ../shared/data/MOT17-full/train pan2 2.0 6 MOT17-09 MOT17-11
    # SPEED: the pan's peak, in median pedestrian box heights per second; PERIOD: seconds per horizontal sweep.

The pan is sinusoidal: x moves by A (1 + sin(2 pi t / PERIOD)), y by A/4 (1 + sin(2 pi t / (1.7 PERIOD))), with A set
so that x peaks at SPEED box heights per second. It speeds up and slows down, as a handheld or turning camera does,
so that a straight line in the scene is a curve in the picture.
"""
import math, sys
from pathlib import Path
import numpy as np
from lgmot.core import LgmotError
from lgmot.data.mot import read_det_file, read_gt_file, read_seqinfo, write_mot_txt, write_seqinfo
from staged import staged_folder


def pan_shift(frames: np.ndarray, fps: float, amplitude: float, period: float) -> tuple[np.ndarray, np.ndarray]:
    "(x, y) pixels the camera has moved the picture by at each of `frames` (1-based), both >= 0."
    t = np.asarray(frames, dtype=np.float64) / fps
    return (amplitude * (1 + np.sin(2 * math.pi * t / period)),
            amplitude / 4 * (1 + np.sin(2 * math.pi * t / (1.7 * period))))


def pan_copy(seq_dir: Path, out_dir: Path, speed: float, period: float) -> float:
    "Write the panned copy of `seq_dir` (seqinfo.ini, det/det.txt, gt/gt.txt) to `out_dir`; return the amplitude A."
    info = read_seqinfo(seq_dir)
    gt = read_gt_file(seq_dir / "gt" / "gt.txt", info)   # checks the columns, naming the file and line
    det = read_det_file(seq_dir / "det" / "det.txt", info)
    people = gt[(gt["cls"] == 1) & (gt["flag"] == 1)]
    if people.empty: raise LgmotError("no considered pedestrian boxes (class 1) to size the pan by", seq_dir / "gt" / "gt.txt")
    amplitude = speed * float(people["height"].median()) * period / (2 * math.pi)   # peak speed = 2 pi A / period
    (out_dir / "det").mkdir(parents=True); (out_dir / "gt").mkdir()
    for table, path, kind in ((det, out_dir / "det" / "det.txt", "det"), (gt, out_dir / "gt" / "gt.txt", "gt")):
        dx, dy = pan_shift(table["frame"].to_numpy(), info.fps, amplitude, period)
        write_mot_txt(table.assign(left=table["left"] + dx, top=table["top"] + dy), path, kind)
    write_seqinfo({"name": info.name, "fps": info.fps, "claimed_length": info.claimed_length,
                   "width": int(math.ceil(info.width + 2 * amplitude)), "height": int(math.ceil(info.height + amplitude / 2)),
                   "img_dir": "img1", "img_ext": info.img_ext}, out_dir)
    return amplitude


def main(argv):
    if len(argv) < 5: raise SystemExit(__doc__)
    root, out, seqs = Path(argv[0]), Path(argv[1]), argv[4:]
    try: speed, period = float(argv[2]), float(argv[3])
    except ValueError: raise LgmotError(f"SPEED and PERIOD must be numbers, got {argv[2]!r} and {argv[3]!r}") from None
    if not (speed > 0 and period > 0): raise LgmotError(f"SPEED and PERIOD must be > 0, got {speed} and {period}")
    if out.exists(): raise LgmotError("exists; runs are never overwritten", out)
    for s in seqs:
        if not (root / s / "seqinfo.ini").is_file(): raise LgmotError("no such sequence (seqinfo.ini not found)", root / s)
    with staged_folder(out) as work:
        for s in seqs:
            a = pan_copy(root / s, work / s, speed, period)
            print(f"{s}: amplitude {a:.0f} px, peak {speed:g} box heights/s, period {period:g} s")
    print(f"wrote {out}")


if __name__ == "__main__":
    try: main(sys.argv[1:])
    except (LgmotError, ValueError) as e:
        print(f"tools/pan_copy.py: {e}", file=sys.stderr); sys.exit(2)
