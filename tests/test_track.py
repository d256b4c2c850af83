"Tracking end to end: oracle upper bound on real data, sequences without gt or frames, safe outputs."
import json, re, shutil
from pathlib import Path

import pytest

from lgmot.core import LgmotError, tiny_config
from lgmot.data.mot import read_result_file
from lgmot.eval import evaluate
from lgmot.track import track_dataset
from lgmot.hierarchy import toy_sequence
from lgmot.train import train

SMALL = ["train.batch_size=2", "train.clip_stride=5", "train.epochs=40", "train.lr=1e-2",
         "train.depth_pretrain_iterations=30", "train.save_every=40"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    cfg = tiny_config("baseline", SMALL)
    run = train(cfg, [toy_sequence(n_tracks=3, n_frames=20)], tmp_path_factory.mktemp("runs"), verbose=False)
    return run / "model.pt"


def _copy_without(src: Path, dst: Path, drop=("gt",)):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(*drop))
    return dst


def test_oracle_on_real_mot17_is_a_high_upper_bound(mot17_full, tmp_path):
    root = mot17_full
    rep = track_dataset(root, tmp_path / "oracle", oracle=True, seqs=["MOT17-09"])
    assert rep["sequences"]["MOT17-09"]["tracks"] > 10
    t = evaluate(root, tmp_path / "oracle", seqs=["MOT17-09"]).table
    # ground-truth decisions on the pruned graph: few switches, association far above any peer's (~41-48 AssA)
    assert t.loc["MOT17-09", "IDSW"] < 20 and t.loc["MOT17-09", "AssA"] > 60


def test_tracks_a_sequence_without_gt_and_frames(mot17_full, tmp_path, tiny_model):
    seq = _copy_without(mot17_full / "MOT17-09", tmp_path / "data" / "MOT17-09")
    assert not (seq / "gt").exists() and not (seq / "img1").exists()
    rep = track_dataset(tmp_path / "data", tmp_path / "out", model_path=tiny_model)
    res = read_result_file(tmp_path / "out" / "MOT17-09.txt")
    assert len(res) > 0 and res["id"].min() == 1
    assert rep["sequences"]["MOT17-09"]["frames"] == 525
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", json.loads((tmp_path / "out" / "track.json").read_text())["commit"])


def test_a_sequence_without_detections_gets_an_empty_result_and_no_rate(mot17_full, tmp_path, tiny_model):
    seq = _copy_without(mot17_full / "MOT17-09", tmp_path / "data" / "MOT17-09")
    (seq / "det" / "det.txt").write_text("")
    rep = track_dataset(tmp_path / "data", tmp_path / "out", model_path=tiny_model)["sequences"]["MOT17-09"]
    assert (rep["detections"], rep["tracks"], rep["fps"]) == (0, 0, None)   # not a rate of frames over no work
    assert read_result_file(tmp_path / "out" / "MOT17-09.txt").empty


def test_never_overwrites_results_and_checks_inputs_first(tmp_path, tiny_model, mot17_full):
    _copy_without(mot17_full / "MOT17-09", tmp_path / "data" / "MOT17-09")
    out = tmp_path / "out"; out.mkdir(); (out / "MOT17-09.txt").write_text("keep me\n")
    with pytest.raises(LgmotError, match="already exist"):
        track_dataset(tmp_path / "data", out, model_path=tiny_model)
    assert (out / "MOT17-09.txt").read_text() == "keep me\n"
    # a malformed det file in a second sequence: nothing at all is written for the good one
    bad = _copy_without(mot17_full / "MOT17-11", tmp_path / "data" / "MOT17-11")
    (bad / "det" / "det.txt").write_text("1,-1,10,10,-5,20,0.9\n")
    with pytest.raises(LgmotError, match=r"det\.txt:1"):
        track_dataset(tmp_path / "data", tmp_path / "out2", model_path=tiny_model)
    assert not (tmp_path / "out2").exists() or not list((tmp_path / "out2").iterdir())


def test_bad_model_file_is_one_clear_error(tmp_path, mot17_full):
    junk = tmp_path / "junk.pt"; junk.write_bytes(b"not a model")
    with pytest.raises(LgmotError, match="junk.pt"):
        track_dataset(mot17_full, tmp_path / "o", model_path=junk)


def test_levels_the_curriculum_never_reached_are_not_used(tmp_path):
    from lgmot.track import load_tracker
    cfg = tiny_config("baseline", SMALL + ["train.depth_pretrain_iterations=1000", "train.epochs=2"])
    run = train(cfg, [toy_sequence(n_tracks=3, n_frames=20)], tmp_path, verbose=False)
    with pytest.warns(UserWarning, match="trained 1 of 2 levels"):
        model, _ = load_tracker(run / "model.pt")
    assert model.trained_depth == 1


def test_shipped_model_loads_and_tracks_without_frames(mot17_full, tmp_path):
    from lgmot.track import default_model_path, load_tracker
    assert default_model_path().exists()
    model, cfg = load_tracker()
    assert model.trained_depth == cfg.graph.depth and cfg.data.appearance == "none"
    with pytest.warns(UserWarning, match="the model learnt from MOT17-09: scores of its tracks there are not held-out"):
        rep = track_dataset(mot17_full, tmp_path / "out", seqs=["MOT17-09"])
    assert rep["sequences"]["MOT17-09"]["tracks"] > 10
    # the shipped model trained on both real MOT17 sequences; the run record says so beside the numbers
    assert {"MOT17-09", "MOT17-11"} <= {e.split("#")[0] for e in model.trained_on}
    record = json.loads((tmp_path / "out" / "track.json").read_text())
    assert record["tracked_training_sequences"] == ["MOT17-09"]
    # without --model the real-trajectory model is chosen, and the record says which file and why
    assert record["model_choice"]["shipped_model"] == "real-geometry" and record["model"].endswith("real_geometry.pt")
    assert "sequences have all their frames" in record["model_choice"]["why"]
    # it tracks with its recipe's wider level-0 graph; MOT17's detector output has its gaps filled, per the recipe
    assert record["config"]["graph"]["level_top_k"] == [20, 10, 10, 10]
    assert record["sequences"]["MOT17-09"]["gaps_filled"] is True
    # it carries detector-output settings per frame rate; 30-fps MOT17-09 takes the 30-fps row, its plain settings
    rows = record["config"]["track"]["by_frame_rate"]
    assert [r[0] for r in rows] == [30.0, 15.0, 10.0] and record["sequences"]["MOT17-09"]["settings_of_fps"] == 30.0
    assert record["sequences"]["MOT17-09"]["level_thresholds"] == rows[0][4:] == record["config"]["track"]["level_thresholds"]
    # the same video at every 3rd frame (10 fps) takes the 10-fps row
    from lgmot.data.mot import write_frame_range
    slow = write_frame_range(mot17_full / "MOT17-09", tmp_path / "slow" / "MOT17-09-every3", 1, 525, step=3)
    slow_rep = track_dataset(slow.parent, tmp_path / "out-slow")["sequences"]["MOT17-09-every3"]
    assert (slow_rep["settings_of_fps"], slow_rep["level_thresholds"]) == (10.0, rows[2][4:])
    # the record says how far the camera moved and whether level 0 took its motion out (graph.level0_camera_gate)
    for gate, out in ((0.0, True), (3.0, False)):   # MOT17-09's camera is still: well under 3 heights per second
        over = ["graph.level0_camera=true", f"graph.level0_camera_gate={gate}", "graph.level0_camera_select=false"]
        with pytest.warns(UserWarning, match="the model learnt from MOT17-09"):
            cam = track_dataset(mot17_full, tmp_path / f"out-cam{gate}", seqs=["MOT17-09"], overrides=over)["sequences"]["MOT17-09"]
        assert cam["camera_out"] is out and 0 < cam["camera_speed"] < 1.5 and cam["tracked_twice"] is False, cam
    # given boxes have rows of their own; the one nearest 20-30 fps holds the plain given-box settings
    box_rows = record["config"]["track"]["by_frame_rate_box_input"]
    assert [r[0] for r in box_rows] == [22.5, 11.25, 7.5]
    track = record["config"]["track"]
    assert box_rows[0][4:] == track["level_thresholds_box_input"] and box_rows[0][2:4] == (track["stitch_box_input"] or track["stitch"] or [0.0, 0.0])
    # the calibrated gates let every sequence choose the camera by whether taking its motion out joins tracks
    # (lgmot.track.camera_joins); on MOT17-09 it joins nothing, so the boxes as given are kept
    graph = record["config"]["graph"]
    assert graph["level0_camera"] and graph["level0_camera_select"] is True
    assert graph["level0_camera_gate"] == graph["level0_camera_gate_box_input"] == 0.0
    assert record["sequences"]["MOT17-09"]["camera_out"] is False and record["sequences"]["MOT17-09"]["camera_speed"] > 0
    assert record["sequences"]["MOT17-09"]["tracked_twice"] is True   # its fps counts both passes


def test_shipped_models_by_name(mot17_full, tmp_path):
    from lgmot.track import SHIPPED_MODELS, load_tracker, shipped_model_path
    for name in SHIPPED_MODELS:
        assert shipped_model_path(name).exists(), name
        model, cfg = load_tracker(name)
        assert model.trained_depth == cfg.graph.depth and cfg.data.appearance == "none"
    with pytest.warns(UserWarning, match="learnt from MOT17-11"):
        rep = track_dataset(mot17_full, tmp_path / "out", model_path="shipped", seqs=["MOT17-11"])
    assert rep["model"].endswith("default_model.pt") and rep["model_choice"] is None


def test_given_boxes_keep_their_gaps(mot17_full, tmp_path, tiny_model):
    """Boxes given as detections (every confidence equal, e.g. the ground truth's): a gap in them is a gap in the
    annotation, so tracking fills none; the same boxes with detector confidences get their gaps filled."""
    import pandas as pd
    fill = ["track.interpolate=true"]
    seq = _copy_without(mot17_full / "MOT17-09", tmp_path / "boxes" / "MOT17-09")
    det = pd.read_csv(seq / "det" / "det.txt", header=None)
    given_det = det.copy(); given_det[6] = 1
    given_det.to_csv(seq / "det" / "det.txt", header=False, index=False)
    given = track_dataset(tmp_path / "boxes", tmp_path / "out-boxes", model_path=tiny_model, overrides=fill)
    detected = track_dataset(mot17_full, tmp_path / "out-det", model_path=tiny_model, seqs=["MOT17-09"], overrides=fill)
    assert given["sequences"]["MOT17-09"]["gaps_filled"] is False and detected["sequences"]["MOT17-09"]["gaps_filled"] is True
    boxes = set(map(tuple, det[[0, 2, 3, 4, 5]].round(2).to_numpy().tolist()))
    def from_input(folder):   # 1-based result boxes written from det.txt's own (1-based) boxes
        res = read_result_file(folder / "MOT17-09.txt")
        return [tuple(r) in boxes for r in res[["frame", "left", "top", "width", "height"]].round(2).to_numpy().tolist()]
    assert all(from_input(tmp_path / "out-boxes"))
    assert not all(from_input(tmp_path / "out-det"))    # some boxes were filled in
    assert track_dataset(tmp_path / "boxes", tmp_path / "out-forced", model_path=tiny_model,
                         overrides=fill + ["track.interpolate_box_input=true"])["sequences"]["MOT17-09"]["gaps_filled"]
