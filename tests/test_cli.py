"The command line as a user meets it: synth -> train -> track -> eval, bad input, and the demo."
import json, math, os, subprocess, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_overrides

SCHEDULE = ("train.epochs=2", "train.batch_size=2", "model.steps=3")
TINY = tiny_overrides(*SCHEDULE)


def lgmot(*args):
    return subprocess.run([sys.executable, "-c", "import sys; from lgmot.cli import main; sys.exit(main())", *args],
                          capture_output=True, text=True, timeout=600)


def test_synth_train_track_eval_from_the_command_line(tmp_path):
    data = tmp_path / "data"
    r = lgmot("synth", "--out", str(data), "--domains", "street", "--train", "1", "--val", "0", "--test", "1",
              "--frames", "30", "--width", "320", "--height", "180")
    assert r.returncode == 0, r.stderr
    r = lgmot("train", "--data", str(data), "--split", "synth-street-train", "--out", str(tmp_path / "runs"),
              "--name", "tiny", "--set", *TINY)
    assert r.returncode == 0, r.stderr
    run = tmp_path / "runs" / "tiny"
    assert (run / "model.pt").exists() and (run / "config.yaml").exists()
    assert json.loads((run / "run.json").read_text())["text_encoder"].startswith("minilm")
    r = lgmot("track", "--data", str(data / "SYNTH" / "test"), "--out", str(tmp_path / "res"), "--model", str(run / "model.pt"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "res" / "street-002.txt").exists()
    # without --model the shipped model that fits the data tracks, and the command says which and why
    r = lgmot("track", "--data", str(data / "SYNTH" / "test"), "--out", str(tmp_path / "res-shipped"))
    assert r.returncode == 0, r.stderr
    assert "shipped model 'real-geometry' (trained on real trajectories; 1 of 1 sequences have all their frames" in r.stderr
    # it chooses the camera per sequence by tracking both ways (graph.level0_camera_select), and says so beside the fps
    rec = json.loads((tmp_path / "res-shipped" / "track.json").read_text())["sequences"]["street-002"]
    assert rec["tracked_twice"] is True and "street-002:" in r.stdout and "tracked twice to choose the camera" in r.stdout
    r = lgmot("eval", "--gt", str(data / "SYNTH" / "test"), "--results", f"mine={tmp_path / 'res'}",
              "--peers", "bytetrack", "--distractors", "none", "--json-out", str(tmp_path / "m.json"))
    assert r.returncode == 0, r.stderr
    assert "mine" in r.stdout and "bytetrack" in r.stdout
    assert "mine" in json.loads((tmp_path / "m.json").read_text())
    # the language-free baseline trains from the same command line
    r = lgmot("train", "--data", str(data), "--split", "synth-street-train", "--out", str(tmp_path / "runs"),
              "--name", "base", "--preset", "baseline", "--set", *tiny_overrides(*SCHEDULE, spg=False))
    assert r.returncode == 0, r.stderr
    base = json.loads((tmp_path / "runs" / "base" / "final.json").read_text())["final"]
    assert base["spg"] == 0 and base["isg"] == 0
    # resume of a finished run changes nothing and keeps the folder
    r = lgmot("train", "--data", str(data), "--split", "synth-street-train", "--resume", str(run))
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("args, message", [
    (["train", "--data", "/no/where"], "data root not found"),
    (["train", "--data", ".", "--preset", "sota"], "unknown preset 'sota'"),
    (["train", "--data", ".", "--set", "model.steps=x"], "model.steps expects int"),
    (["track", "--data", "/no/where", "--out", "o"], "data root not found"),
    (["eval", "--gt", ".", "--results", "/no/such/dir"], "result folder not found"),
    (["synth", "--out", "never", "--difficulty", "dance.swaps=1"], "unknown dance difficulty knob 'swaps'"),
    (["synth", "--out", "never", "--difficulty", "dance"], "expected domain.knob=value"),
    (["synth", "--out", "never", "--difficulty", "dance.hold_s=a"], "is not a number"),
    (["synth", "--out", "never", "--domains", "street", "--difficulty", "dance.sway=1"], "not among --domains"),
    (["synth", "--out", "never", "--calibrate", "--test", "1"], "--calibrate needs at least 3 test sequences"),
    (["calibrate", "--data", ".", "--out", "never.pt", "--by", "mota"], "--by must be f1, idf1 or hota"),
    (["calibrate", "--data", ".", "--out", "never.pt", "--by", "idf1", "--distractors", "mot18"], "--distractors must be mot17, mot16, mot20 or none"),
    (["calibrate", "--data", ".", "--out", "never.pt", "--time-strides", "1", "2"], "--time-strides needs --by idf1 or hota"),
    (["calibrate", "--data", ".", "--out", "never.pt", "--by", "idf1", "--time-strides", "2", "3"], "1 among them"),
    (["calibrate", "--data", ".", "--out", "never.pt", "--by", "idf1", "--time-strides", "1", "half"], "must be whole numbers"),
    (["diagnose", "--data", ".", "--distractors", "plain"], "--distractors must be mot17, mot16, mot20 or none"),
    (["eval", "--gt", ".", "--results", ".", "--distractors", "MOT17"], "--distractors must be mot17, mot16, mot20 or none"),
    (["train", "--data", ".", "--set", "train.lr_schedule=step"], "train.lr_schedule must be one of constant, cosine"),
])
def test_bad_input_is_one_line_and_non_zero(args, message):
    r = lgmot(*args)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], r.stderr


def test_synth_calibrate_prints_and_saves_the_table(tmp_path):
    r = lgmot("synth", "--out", str(tmp_path), "--domains", "dance", "--train", "0", "--val", "0", "--test", "3",
              "--frames", "40", "--width", "320", "--height", "180", "--difficulty", "dance.swap_share=0.5", "--calibrate")
    assert r.returncode == 0, r.stderr[-2000:]
    table = pd.read_csv(tmp_path / "calibration.csv", index_col=0)
    assert list(table.index) == ["dance"] and table.loc["dance", "sequences"] == 3
    row = table.loc["dance"]
    assert 0 <= row.IDF1 <= 100 and row.oracle_IDF1 >= row.IDF1 and row.real_IDF1_perfect == 72.1
    assert row.oracle_margin == pytest.approx(row.oracle_IDF1 - row.IDF1)
    stats = pd.read_csv(tmp_path / "difficulty.csv", index_col=0)
    assert len(stats) == 3 and (stats.domain == "dance").all() and (stats.description_uniqueness > 0).all()
    assert "calibration" in r.stdout and "best_peer" in r.stdout


def test_calibrate_writes_a_new_model_with_per_level_thresholds(tmp_path):
    from lgmot.hierarchy import load_model
    data = tmp_path / "data"
    r = lgmot("synth", "--out", str(data), "--domains", "street", "--train", "0", "--val", "1", "--test", "0",
              "--frames", "40", "--width", "320", "--height", "180")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "calibrated.pt"
    r = lgmot("calibrate", "--data", str(data / "SYNTH" / "val"), "--out", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    _, cfg = load_model(out)
    assert len(cfg.track.level_thresholds) == cfg.graph.depth and all(0 < t < 1 for t in cfg.track.level_thresholds)
    assert cfg.language.enabled   # the shipped model trained with language; its calibrated copy still says so
    assert "f1_new" in r.stdout
    before = out.read_bytes()
    r = lgmot("calibrate", "--data", str(data / "SYNTH" / "val"), "--out", str(tmp_path / "f1cam.pt"), "--camera")
    assert r.returncode == 1 and "--camera needs --by idf1 or hota" in r.stderr and not (tmp_path / "f1cam.pt").exists()
    r = lgmot("calibrate", "--data", str(data / "SYNTH" / "val"), "--out", str(out))   # never overwrites
    assert r.returncode == 1 and "exists" in r.stderr and out.read_bytes() == before
    r = lgmot("track", "--data", str(data / "SYNTH" / "val"), "--out", str(tmp_path / "res"), "--model", str(out))
    assert r.returncode == 0, r.stderr[-2000:]
    # by the IDF1 of tracking: every candidate of every level is listed, the chosen ones marked
    r = lgmot("calibrate", "--data", str(data / "SYNTH" / "val"), "--out", str(tmp_path / "by_idf1.pt"), "--by", "idf1")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "IDF1" in r.stdout and "chosen" in r.stdout and "track.interpolate" in r.stdout
    assert "detector output: level 0 threshold = " in r.stdout   # each choice is printed as it is made
    calibrated = load_model(tmp_path / "by_idf1.pt")[1].track
    assert len(calibrated.level_thresholds) == cfg.graph.depth
    assert f"track.interpolate = {calibrated.interpolate}" in r.stdout   # the printed choice is the one saved
    assert f"track.stitch = {calibrated.stitch}" in r.stdout and "track.stitch distance" in r.stdout
    # calibrating that file again records the calibration it carried (its lineage: settings this one does not choose,
    # such as an absent kind of input's, come from there or before)
    r = lgmot("calibrate", "--data", str(data / "SYNTH" / "val"), "--out", str(tmp_path / "again.pt"), "--by", "idf1",
              "--model", str(tmp_path / "by_idf1.pt"), "--camera")
    assert r.returncode == 0, r.stderr[-2000:]
    from lgmot.hierarchy import _model_blob
    graph = load_model(tmp_path / "again.pt")[1].graph   # --camera: the gate chosen last, printed as saved
    assert "graph.level0_camera_gate" in r.stdout and "camera_out" in r.stdout
    assert f"level-0 camera gates: detector output {graph.camera_gate(False)}, given boxes {graph.camera_gate(True)}" in r.stdout
    assert _model_blob(tmp_path / "again.pt")["calibrated_camera"] is True
    from lgmot.hierarchy import _model_blob
    first, again = _model_blob(tmp_path / "by_idf1.pt"), _model_blob(tmp_path / "again.pt")
    assert "calibrated_before" not in first and first["calibrated_on"] == ["street-001"]   # the shipped file never was
    assert again["calibrated_before"] == {k: first[k] for k in ("calibrated_on", "calibrated_by", "calibration_commit")}


def test_help_of_every_command():
    for cmd in ("synth", "train", "track", "eval", "calibrate", "demo", "run"):
        r = lgmot(cmd, "--help")
        assert r.returncode == 0 and f"lgmot {cmd}" in r.stdout


def test_demo_end_to_end_small(tmp_path):
    r = lgmot("demo", "--out", str(tmp_path), "--frames", "40", "--epochs", "1", "--appearance", "none",
              "--set", "train.depth_pretrain_iterations=1")
    assert r.returncode == 0, r.stderr[-2000:]
    run = next(tmp_path.iterdir())
    table = pd.read_csv(run / "results" / "table.csv", index_col=0)
    assert {"lgmot", "baseline", "oracle", "bytetrack", "bytetrack+interp"} <= set(table.index)
    # ground-truth decisions on the calibrated synthetic test split: well above an online peer
    assert table.loc["oracle", "IDF1"] > max(80, table.loc["bytetrack", "IDF1"])
    assert (run / "preview.png").exists() and (run / "runs" / "lgmot" / "model.pt").exists()
    # the demo ends in its report: the report run notebook executed into the demo's own folder
    assert (run / "report.html").exists() and (run / "report.ipynb").exists()
    report = json.loads((run / "metrics.json").read_text())
    assert report["ours"] == "lgmot" and report["reference"] == "baseline" and "best peer" in report["findings"]


def test_real_folds_script_refuses_bad_input_before_writing(tmp_path):
    "tools/real_folds.sh: an existing OUT and an unknown CALIBRATE are one line, exit 2, and nothing is written."
    script = Path(__file__).parent.parent / "tools" / "real_folds.sh"
    existing = tmp_path / "done"; existing.mkdir(); (existing / "keep.txt").write_text("x")
    r = subprocess.run(["bash", str(script), str(existing)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "never overwritten" in r.stderr
    assert sorted(p.name for p in existing.iterdir()) == ["keep.txt"]
    fresh = tmp_path / "fresh"
    r = subprocess.run(["bash", str(script), str(fresh)], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "CALIBRATE": "val"})
    assert r.returncode == 2 and "CALIBRATE must be train or heldout" in r.stderr
    assert not fresh.exists()


@pytest.mark.parametrize("script, args, env, message", [
    ("recipe_folds.sh", [], {}, "never overwritten"),
    ("recipe_folds.sh", ["fresh"], {"LGMOT_DATA": "/no/where"}, "/no/where/DanceTrack/val/dancetrack0005 not found"),
    ("mot17_loso.sh", [], {}, "never overwritten"),
    ("mot17_loso.sh", ["fresh", "MOT17-99"], {}, "MOT17-99/gt/gt.txt not found"),
])
def test_recipe_scripts_refuse_bad_input_before_writing(tmp_path, script, args, env, message):
    "tools/recipe_folds.sh and tools/mot17_loso.sh: an existing OUT or missing data is one line, exit 2, nothing written."
    path = Path(__file__).parent.parent / "tools" / script
    existing = tmp_path / "done"; existing.mkdir(); (existing / "keep.txt").write_text("x")
    argv = [str(tmp_path / a) if a == "fresh" else a for a in args] or [str(existing), "MOT17-09"]
    r = subprocess.run(["bash", str(path), *argv], capture_output=True, text=True, timeout=60, env={**os.environ, **env},
                       cwd=Path(__file__).parent.parent)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in existing.iterdir()) == ["keep.txt"] and not (tmp_path / "fresh").exists()


STUB_LGMOT = r"""#!/usr/bin/env bash
# stands in for lgmot in tools/mot17_loso.sh: logs each call, makes the files the script looks for
echo "$*" >> "$STUB_LOG"
out=""; json=""; resume=""; prev=""
for a in "$@"; do
  [ "$prev" = --out ] && out=$a; [ "$prev" = --json-out ] && json=$a; [ "$prev" = resume_training ] && resume=$a; prev=$a
done
case "$1 $2" in
  "run mot17_default") mkdir -p "$out/lgmot-1/model"; touch "$out/lgmot-1/model/model.pt" ;;
  "run real_geometry") mkdir -p "$out/real-geometry-2/model"; touch "$out/real-geometry-2/real_geometry.pt"
                       if [ -n "$resume" ]; then touch "$resume/model.pt"; else touch "$out/real-geometry-2/model/model.pt"; fi ;;
  track*) mkdir -p "$out" ;;
  *) [ -n "$json" ] && echo "{}" > "$json" ;;
esac
"""


def test_mot17_loso_resume_continues_an_interrupted_run(tmp_path):
    "tools/mot17_loso.sh with RESUME=1 skips the finished stage, resumes the training in place and writes nothing over."
    root = Path(__file__).parent.parent
    data = tmp_path / "data"; (data / "MOT17-full/train/MOT17-09/gt").mkdir(parents=True)
    (data / "MOT17-full/train/MOT17-09/gt/gt.txt").write_text("1,1,1,1,2,2,1,1,1\n")
    stub = tmp_path / "lgmot"; stub.write_text(STUB_LGMOT); stub.chmod(0o755)
    log = tmp_path / "calls.txt"
    out = tmp_path / "loso"   # the shipped stage finished; training stopped after a checkpoint
    (out / "shipped-recipe/lgmot-1/model").mkdir(parents=True); (out / "shipped-recipe/lgmot-1/model/model.pt").write_text("w")
    (out / "real-recipe/real-geometry-1/model/checkpoints").mkdir(parents=True)
    (out / "real-recipe/real-geometry-1/model/checkpoints/last.pt").write_text("c")
    (out / "real-recipe.log").write_text("epoch 8")
    (out / "protocol.txt").write_text("MOT17-09 left out; recipe: -p epochs 20 -p threads 2 \n")
    env = {**os.environ, "LGMOT": str(stub), "LGMOT_DATA": str(data), "STUB_LOG": str(log), "RESUME": "1"}
    def loso(epochs="20", resume="1"):
        return subprocess.run(["bash", str(root / "tools/mot17_loso.sh"), str(out), "MOT17-09", epochs], capture_output=True,
                              text=True, timeout=60, env={**env, "RESUME": resume}, cwd=root)
    # without RESUME an existing OUT is refused, as before
    r = loso(resume="0"); assert r.returncode == 2 and "RESUME=1 continues" in r.stderr and not log.exists()
    # other epochs than the run was started with: refused before anything runs
    r = loso(epochs="10"); assert r.returncode == 2 and "was started as" in r.stderr and not log.exists()
    r = loso(); assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    assert not any(c.startswith("run mot17_default") for c in calls)            # the finished stage is not run again
    training = out / "real-recipe/real-geometry-1/model"
    [rg] = [c for c in calls if c.startswith("run real_geometry")]
    assert f"-p init_from {out}/shipped-recipe/lgmot-1/model/model.pt" in rg and f"-p resume_training {training}" in rg
    assert f"--out {out}/real-recipe-" in rg                                     # a new attempt's folder, the old one kept
    assert (out / "real-recipe.log").read_text() == "epoch 8"
    tracked = [c for c in calls if c.startswith("track")]
    assert len(tracked) == 6 and sum(f"--model {training}/model.pt" in c for c in tracked) == 2   # the uncalibrated rows
    assert (out / "table.json").exists() and (out / "diagnose-real-recipe.json").exists()
    # once complete, a resume does nothing
    n = len(calls); r = loso(); assert r.returncode == 0 and "complete" in r.stderr and len(log.read_text().splitlines()) == n


@pytest.mark.parametrize("which, message", [("out", "never overwritten"), ("split", "split folder")])
def test_synthetic_domains_script_refuses_bad_input_before_writing(tmp_path, which, message):
    "tools/synthetic_domains.sh: an existing OUT or a missing split folder is one line, exit 2, nothing written."
    path = Path(__file__).parent.parent / "tools" / "synthetic_domains.sh"
    existing = tmp_path / "done"; existing.mkdir(); (existing / "keep.txt").write_text("x")
    out = existing if which == "out" else tmp_path / "fresh"
    split = tmp_path if which == "out" else tmp_path / "no-split"
    r = subprocess.run(["bash", str(path), "real-geometry", str(split), str(out)], capture_output=True, text=True,
                       timeout=60, cwd=Path(__file__).parent.parent)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in existing.iterdir()) == ["keep.txt"] and not (tmp_path / "fresh").exists()


def test_synthetic_boxes_script(tmp_path):
    """tools/synthetic_boxes.py: ground-truth boxes as detections (ids removed) at every frame and every 2nd; an
    existing OUT or a sequence without gt is one line, exit 2, and nothing is written."""
    path = Path(__file__).parent.parent / "tools" / "synthetic_boxes.py"
    split = tmp_path / "split"; seq = split / "walk-001"; (seq / "gt").mkdir(parents=True)
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=walk-001\nframeRate=20\nseqLength=6\nimWidth=640\nimHeight=360\n")
    gt = pd.DataFrame([(f, i, 10 * f + 50 * i, 20, 30, 60, 1, 1, 1.0) for f in range(1, 7) for i in (1, 2)])
    gt.loc[len(gt)] = (3, 3, 0, 0, 5, 5, 0, 1, 1.0)             # not considered: never a detection
    gt.to_csv(seq / "gt" / "gt.txt", header=False, index=False)
    run = lambda *a: subprocess.run([sys.executable, str(path), *map(str, a)], capture_output=True, text=True, timeout=120)
    r = run(split, tmp_path / "boxes", 1, 2)
    assert r.returncode == 0, r.stderr
    det = pd.read_csv(tmp_path / "boxes" / "s1" / "walk-001" / "det" / "det.txt", header=None)
    assert len(det) == 12 and (det[1] == -1).all() and (det[6] == 1).all()
    assert sorted(map(tuple, det[[0, 2, 3]].to_numpy().tolist())) == sorted(map(tuple, gt[gt[6] == 1][[0, 2, 3]].to_numpy().tolist()))
    half = pd.read_csv(tmp_path / "boxes" / "s2" / "walk-001" / "det" / "det.txt", header=None)
    assert sorted(half[0].unique()) == [1, 2, 3] and "frameRate=10" in (tmp_path / "boxes" / "s2" / "walk-001" / "seqinfo.ini").read_text()
    r = run(split, tmp_path / "boxes")
    assert r.returncode == 2 and "never overwritten" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    (split / "walk-002").mkdir(); (split / "walk-002" / "seqinfo.ini").write_text((seq / "seqinfo.ini").read_text())
    r = run(split, tmp_path / "fresh")
    assert r.returncode == 2 and "no ground truth" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boxes", "split"]     # nothing half-written left behind


def test_pan_copy_script(tmp_path):
    """tools/pan_copy.py: every det and gt box moved by the same known pan, the picture enlarged to hold it; bad input
    is one line, exit 2, and nothing is written."""
    path = Path(__file__).parent.parent / "tools" / "pan_copy.py"
    seq = tmp_path / "data" / "walk-01"; (seq / "gt").mkdir(parents=True); (seq / "det").mkdir()
    (seq / "seqinfo.ini").write_text("[Sequence]\nname=walk-01\nframeRate=10\nseqLength=20\nimWidth=640\nimHeight=360\n")
    gt = pd.DataFrame([(f, i, 100 + 5 * f + 200 * i, 50, 40, 100, 1, 1, 1.0) for f in range(1, 21) for i in (1, 2)])
    gt.to_csv(seq / "gt" / "gt.txt", header=False, index=False)
    gt[[0, 1, 2, 3, 4, 5]].assign(**{"1": -1, "6": 0.9}).to_csv(seq / "det" / "det.txt", header=False, index=False)
    run = lambda *a: subprocess.run([sys.executable, str(path), *map(str, a)], capture_output=True, text=True, timeout=120)
    r = run(tmp_path / "data", tmp_path / "pan", 2.0, 4, "walk-01")
    assert r.returncode == 0, r.stderr
    amplitude = 2.0 * 100 * 4 / (2 * math.pi)               # peak 2 box heights per second over a 4-second sweep
    t = np.arange(1, 21) / 10
    moved = pd.read_csv(tmp_path / "pan" / "walk-01" / "gt" / "gt.txt", header=None).sort_values([1, 0])
    assert np.allclose(moved[moved[1] == 1][2].to_numpy() - gt[gt[1] == 1][2].to_numpy(),
                       amplitude * (1 + np.sin(2 * math.pi * t / 4)), atol=1e-3)
    assert (moved[[4, 5, 6, 7]].to_numpy() == gt.sort_values([1, 0])[[4, 5, 6, 7]].to_numpy()).all()   # sizes, flags kept
    det = pd.read_csv(tmp_path / "pan" / "walk-01" / "det" / "det.txt", header=None)
    assert len(det) == 40 and np.allclose(det[2].min(), gt[2].min() + amplitude * (1 + np.sin(2 * math.pi * 0.1 / 4)), atol=1e-3)
    info = (tmp_path / "pan" / "walk-01" / "seqinfo.ini").read_text()
    assert f"imWidth={math.ceil(640 + 2 * amplitude)}" in info and "seqLength=20" in info and "frameRate=10" in info
    for args, message in (((tmp_path / "pan", 2.0, 4, "walk-01"), "never overwritten"),
                          ((tmp_path / "fresh", 2.0, 4, "walk-99"), "no such sequence"),
                          ((tmp_path / "fresh", "fast", 4, "walk-01"), "must be numbers"),
                          ((tmp_path / "fresh", 0, 4, "walk-01"), "must be > 0")):
        r = run(tmp_path / "data", *args)
        assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "pan"]     # nothing half-written left behind
