"""Benchmarks reported in the README, docs/results.md and the issues (not timed tests). Run: .venv/bin/python tools/benchmark.py [part ...]

Parts: train (seconds per iteration and peak memory, lgmot preset, a 150-frame synthetic clip of ~15 people),
memory (tracking peak memory of a 600- vs a 3000-frame sequence), speed (tracking fps of lgmot vs ByteTrack on the
same sequence, one run: warm medians of 3, and each one's first call), startup (`lgmot --help`, and `lgmot track` vs ByteTrack as whole processes), appearance (MobileNetV2 crops per second at batch 64). Each part runs in its own process so
that peak memory is its own. Prints one JSON object per part.

Environment: LGMOT_BENCH_MODEL, a model file or shipped name for speed and startup (default: speed the `shipped`
model, startup what `lgmot track` picks); LGMOT_BENCH_SET, tracking overrides for both, split as a shell splits
words (quote one that holds spaces: "'track.level_steps=[6, 12, 12, 12]'"). Both are echoed in the parts' JSON.
"""
import json, os, resource, shlex, subprocess, sys, tempfile, time
from pathlib import Path

BENCH_MODEL = os.environ.get("LGMOT_BENCH_MODEL", "")
BENCH_SET = shlex.split(os.environ.get("LGMOT_BENCH_SET", ""))

def _peak_mb(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def part_train():
    import torch
    from lgmot.core import apply_overrides, preset, seed_everything
    from lgmot.data.synth import make_sequence
    from lgmot.hierarchy import load_sequences, model_for
    from lgmot.train import HierarchyLoss, edge_statistics_sample, training_clips
    from lgmot.model import fit_edge_normalization
    d = tempfile.mkdtemp()
    make_sequence(f"{d}/SYNTH/train/street-001", "street", n_frames=150, n_people=15, seed=1)
    cfg = apply_overrides(preset("lgmot"), ["data.appearance=none"])
    seqs = load_sequences(d, None, cfg); clips = training_clips(seqs, cfg)
    seed_everything(0); model = model_for(cfg, seqs)
    fit_edge_normalization(model, edge_statistics_sample(clips, cfg))
    step, opt = HierarchyLoss(model, cfg, "cpu"), torch.optim.Adam(model.parameters(), 3e-4)
    out = {"part": "train", "threads": torch.get_num_threads(), "dets_in_clip": int(len(seqs[0].dets))}
    for batch in (1, 8):   # 8 clips = the original's batch; the clip repeated, so every clip is the measured one
        for depth in (1, cfg.graph.depth):
            times = []
            for _ in range(5):
                t = time.perf_counter(); parts, _ = step(clips[:1] * batch, depth); opt.zero_grad(); parts["total"].backward(); opt.step()
                times.append(time.perf_counter() - t)
            out[f"s_per_iter_batch{batch}_depth{depth}"] = round(sorted(times)[len(times) // 2], 3)
    out["peak_rss_mb"] = round(_peak_mb())
    return out

def _geometry_sequence(root, n_frames, seed, unit=600):
    """A sequence of `n_frames` without frames: one synthetic `unit`-frame sequence repeated in time (ids offset), so
    that a longer sequence has the same density of detections and only its length differs."""
    import shutil
    import pandas as pd
    from lgmot.data.mot import read_det_file, read_gt_file, read_seqinfo, write_mot_txt, write_seqinfo
    from lgmot.data.synth import make_sequence
    src = Path(root) / "unit"
    make_sequence(src, "street", n_frames=unit, width=320, height=180, n_people=15, seed=seed)
    seq = Path(root) / f"long-{n_frames}"
    (seq / "det").mkdir(parents=True); (seq / "gt").mkdir()
    info = read_seqinfo(src)
    reps = n_frames // unit
    det, gt = read_det_file(src / "det" / "det.txt"), read_gt_file(src / "gt" / "gt.txt")
    write_mot_txt(pd.concat([det.assign(frame=det.frame + k * unit) for k in range(reps)]), seq / "det" / "det.txt", "det")
    write_mot_txt(pd.concat([gt.assign(frame=gt.frame + k * unit, id=gt.id + k * 1000) for k in range(reps)]), seq / "gt" / "gt.txt", "gt")
    write_seqinfo({"name": seq.name, "width": info.width, "height": info.height, "length": n_frames, "fps": info.fps}, seq)
    shutil.rmtree(src)
    return seq

def part_memory(n_frames):
    from lgmot.track import track_dataset
    d = tempfile.mkdtemp()
    _geometry_sequence(d, n_frames, 3)
    base = _peak_mb()
    t = time.perf_counter()
    rep = track_dataset(d, Path(d) / "out")
    s = next(iter(rep["sequences"].values()))
    return {"part": f"memory-{n_frames}", "frames": n_frames, "detections": s["detections"], "seconds": round(time.perf_counter() - t, 1),
            "peak_rss_mb": round(_peak_mb()), "rss_before_tracking_mb": round(base)}

def part_speed():
    from lgmot.core import find_data_root
    from lgmot.data.mot import load_sequence
    from lgmot.eval import run_peer
    from lgmot.track import load_tracker, track_sequence
    from lgmot.hierarchy import prepare_sequence
    root = find_data_root()
    seq_dir = root / "MOT17-full" / "train" / "MOT17-11"
    from lgmot.core import apply_overrides
    model, cfg = load_tracker(BENCH_MODEL or None)
    cfg = apply_overrides(cfg, BENCH_SET)
    ts = prepare_sequence(seq_dir, cfg)
    seq = load_sequence(seq_dir)
    frames = seq.info.length
    def lgmot_s():
        timing = {}; track_sequence(model, ts, cfg, timings=timing); return timing["seconds"]
    def bytetrack_s():
        t = time.perf_counter(); run_peer("bytetrack", seq); return time.perf_counter() - t
    def rates(lgmot, bytetrack):
        return {"lgmot_fps": round(frames / lgmot, 1), "bytetrack_fps": round(frames / bytetrack, 1),
                "lgmot_over_bytetrack": round(bytetrack / lgmot, 3)}
    # the first call of each pays one-time costs (ByteTrack's lazy imports: about 0.35 s here); a process that tracks
    # several sequences pays them once, so the warm median of 3 is the comparison that holds per sequence
    first = rates(lgmot_s(), bytetrack_s())
    return {"part": "speed", "model": BENCH_MODEL or "shipped", "set": BENCH_SET, "sequence": "MOT17-11", "frames": frames,
            **rates(_median(lgmot_s), _median(bytetrack_s)), "first_call": first}

# ByteTrack as its users run it: one process that imports `trackers`, reads a det file, tracks frame by frame, writes
BYTETRACK_PROCESS = """
import sys, numpy as np, supervision as sv, trackers
det = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
tracker, rows = trackers.ByteTrackTracker(), []
for f in range(1, int(det[:, 0].max()) + 1):
    r = det[det[:, 0] == f]
    out = tracker.update(sv.Detections(xyxy=np.c_[r[:, 2:4], r[:, 2:4] + r[:, 4:6]], confidence=r[:, 6], class_id=np.zeros(len(r), int)))
    rows += [(f, i, *b) for i, b in zip(out.tracker_id, out.xyxy)]
np.savetxt(sys.argv[2], np.array(rows), delimiter=",", fmt="%.2f")
"""

def _median(seconds_of_a_run, runs=3) -> float:
    "Median of `runs` calls of `seconds_of_a_run` (which returns the seconds it measured)."
    return sorted(seconds_of_a_run() for _ in range(runs))[runs // 2]

def _wall(cmd, runs=3):
    "Median wall seconds of `cmd` as a whole process (interpreter start and imports included)."
    def one():
        t = time.perf_counter(); subprocess.run(cmd, check=True, capture_output=True); return time.perf_counter() - t
    return round(_median(one, runs), 2)

def part_startup():
    "`lgmot --help`, and `lgmot track` vs ByteTrack as whole processes on MOT17-02's 600 frames of public detections."
    import shutil
    from lgmot.core import find_data_root
    src = find_data_root() / "MOT17-mini" / "train" / "MOT17-02-FRCNN"
    d = Path(tempfile.mkdtemp())
    seq = d / "data" / "MOT17-02"; (seq / "det").mkdir(parents=True)   # no img1/: geometry only, all 600 frames
    shutil.copy(src / "seqinfo.ini", seq); shutil.copy(src / "det" / "det.txt", seq / "det")
    cli = [sys.executable, "-c", "import sys; from lgmot.cli import main; sys.exit(main())"]
    out = {"part": "startup", "model": BENCH_MODEL or "as lgmot track picks", "set": BENCH_SET, "sequence": "MOT17-02 (600 frames, public FRCNN detections)", "lgmot_help_s": _wall(cli + ["--help"])}
    times = []
    for k in range(3):
        chosen = (["--model", BENCH_MODEL] if BENCH_MODEL else []) + (["--set", *BENCH_SET] if BENCH_SET else [])
        t = time.perf_counter(); subprocess.run(cli + ["track", "--data", str(d / "data"), "--out", str(d / f"out{k}"), *chosen], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    out["lgmot_track_s"] = round(sorted(times)[1], 2)
    out["bytetrack_s"] = _wall([sys.executable, "-c", BYTETRACK_PROCESS, str(seq / "det" / "det.txt"), str(d / "bt.txt")])
    out["import_lgmot_track_s"] = _wall([sys.executable, "-c", "import lgmot.track"])
    out["lgmot_over_bytetrack"] = round(out["lgmot_track_s"] / out["bytetrack_s"], 2)
    record = json.loads((d / "out0" / "track.json").read_text())
    tracked = record["sequences"]["MOT17-02"]
    out["lgmot_association_fps"] = tracked["fps"]   # both passes where tracked_twice (graph.level0_camera_select)
    out["camera_out"], out["tracked_twice"] = tracked["camera_out"], tracked["tracked_twice"]
    return out

def part_appearance():
    from lgmot.features.appearance import benchmark_encoder, get_appearance_encoder
    return {"part": "appearance", **benchmark_encoder(get_appearance_encoder("mobilenetv2"), batch_size=64, n_batches=3)}

PARTS = {"train": part_train, "memory600": lambda: part_memory(600), "memory3000": lambda: part_memory(3000),
         "speed": part_speed, "startup": part_startup, "appearance": part_appearance}

if __name__ == "__main__":
    os.environ.setdefault("LGMOT_PROGRESS", "0")
    names = sys.argv[1:] or list(PARTS)
    if len(names) == 1 and names[0] in PARTS:
        import torch; torch.set_num_threads(2)
        print(json.dumps(PARTS[names[0]]()))
    else:
        for n in names:
            subprocess.run([sys.executable, __file__, n], check=False)
