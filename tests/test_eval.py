"""End-to-end and reliability tests of `lgmot.eval`: parity with py-motmetrics and with TrackEval's own file pipeline,
known answers, interpolation, malformed input, and the peer trackers on real MOT17 data."""
import contextlib, importlib.util, io, json, math, sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lgmot.core import LgmotError
from lgmot.eval import PEERS, SUMMARY_COLUMNS, compare, evaluate, peer_defaults, read_mot_table, run_peer
from lgmot.track import interpolate_tracks, postprocess_tracks

GT_COLS = ["frame", "id", "left", "top", "width", "height", "flag", "cls", "vis"]
RES_COLS = ["frame", "id", "left", "top", "width", "height", "conf"]


def _gt(rows): return pd.DataFrame([list(r) + [1] * (9 - len(r)) for r in rows], columns=GT_COLS)
def _res(rows): return pd.DataFrame([list(r) + [1] * (7 - len(r)) for r in rows], columns=RES_COLS)


def _write_txt(df: pd.DataFrame, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(",".join(f"{v:g}" for v in row) + "\n" for row in df.to_numpy(dtype=float)))


# ---------------------------------------------------------------------------------------------------------------
# parity with py-motmetrics (its TUD files are read from the installed package, never imported: 1.4 breaks on numpy 2)

def _motmetrics_data() -> Path:
    spec = importlib.util.find_spec("motmetrics")  # finds the package without importing it
    if spec is None or spec.origin is None:
        pytest.skip("motmetrics is not installed (add `motmetrics` to the dev dependencies for this parity test)")
    data = Path(spec.origin).parent / "data"
    if not (data / "TUD-Campus" / "gt.txt").is_file():
        pytest.skip(f"motmetrics at {data.parent} ships no TUD-Campus data")
    return data


def test_tud_both_sequences_match_motmetrics_expected_table():
    "py-motmetrics' own test_motchallenge_files table: per sequence and OVERALL (= TrackEval's COMBINED)."
    data = _motmetrics_data()
    names = ["TUD-Campus", "TUD-Stadtmitte"]
    r = evaluate({s: data / s / "gt.txt" for s in names}, {s: data / s / "test.txt" for s in names}, distractors=None)
    # idf1, idp, idr, recall, precision, gt ids, MT, PT, ML, FP, FN, IDSW, Frag, MOTA (motmetrics' own expectations)
    expected = {"TUD-Campus": [.557659, .729730, .451253, .582173, .941441, 8, 1, 6, 1, 13, 150, 7, 7, .526462],
                "TUD-Stadtmitte": [.644619, .819760, .531142, .608997, .939920, 10, 5, 4, 1, 45, 452, 7, 6, .564014],
                "COMBINED": [.624296, .799176, .512211, .602640, .940268, 18, 6, 10, 2, 58, 602, 14, 13, .555116]}
    for seq, exp in expected.items():
        row = r.table.loc[seq]
        tp = row.TP
        got = [row.IDF1 / 100, row.IDP / 100, row.IDR / 100, tp / (tp + row.FN), tp / (tp + row.FP), row.GT_IDs,
               row.MT, row.PT, row.ML, row.FP, row.FN, row.IDSW, row.Frag, row.MOTA / 100]
        np.testing.assert_allclose(got, exp, atol=1e-5, err_msg=seq)
    assert "motmetrics" not in sys.modules   # its files are read, the package is never imported


def test_tud_needs_plain_mode():
    data = _motmetrics_data()
    with pytest.raises(LgmotError, match=r"gt.txt:1: gt class -1 is not a MOTChallenge class.*distractors=None"):
        evaluate({"TUD-Campus": data / "TUD-Campus" / "gt.txt"}, {"TUD-Campus": data / "TUD-Campus" / "test.txt"})


# ---------------------------------------------------------------------------------------------------------------
# the in-memory bridge equals TrackEval's own file-based MOTChallenge pipeline

def _random_case(seed: int, n_frames: int = 40, n_people: int = 6):
    "Ground truth with distractor / zero-marked / occluder rows and a noisy tracker with id swaps and false boxes."
    rng = np.random.default_rng(seed)
    starts, ends = rng.integers(1, n_frames // 2, n_people), rng.integers(n_frames // 2, n_frames + 1, n_people)
    cls = rng.choice([1, 1, 1, 2, 7, 8, 12, 9], n_people)
    gt_rows, res_rows = [], []
    for i in range(n_people):
        x0, y0, vx = rng.uniform(0, 800), rng.uniform(0, 400), rng.uniform(-6, 6)
        for f in range(starts[i], ends[i] + 1):
            box = [x0 + vx * f, y0, 40, 100]
            flag = 0 if cls[i] != 1 else int(rng.random() > 0.05)   # a few zero-marked pedestrians too
            gt_rows.append([f, i + 1, *box, flag, cls[i], 1])
            if rng.random() < 0.85:                                   # missed boxes
                tid = i + 1 + (100 if f > (starts[i] + ends[i]) // 2 and i % 2 else 0)  # id switch mid-track
                res_rows.append([f, tid, *(np.array(box) + rng.normal(0, 4, 4)), 1])
    for f in rng.integers(1, n_frames + 1, 15):                      # false positives
        res_rows.append([f, 500 + len(res_rows), *rng.uniform(0, 800, 2), 40, 100, 1])
    res = _res(res_rows).drop_duplicates(["frame", "id"])
    return _gt(gt_rows), res, n_frames


def _trackeval_files(tmp: Path, cases: dict, benchmark: str):
    import trackeval
    for seq, (gt, res, n) in cases.items():
        _write_txt(gt, tmp / "gt" / seq / "gt" / "gt.txt")
        _write_txt(res, tmp / "trk" / "t" / "data" / f"{seq}.txt")
    ds = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(tmp / "gt"), "TRACKERS_FOLDER": str(tmp / "trk"), "BENCHMARK": benchmark,
        "SKIP_SPLIT_FOL": True, "SEQ_INFO": {s: c[2] for s, c in cases.items()}, "PRINT_CONFIG": False,
        "TRACKERS_TO_EVAL": ["t"]})
    ev = trackeval.Evaluator({"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False,
                              "TIME_PROGRESS": False, "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False,
                              "PLOT_CURVES": False, "LOG_ON_ERROR": None})
    quiet = {"PRINT_CONFIG": False}
    with contextlib.redirect_stdout(io.StringIO()):
        out, msg = ev.evaluate([ds], [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(dict(quiet)),
                                      trackeval.metrics.Identity(dict(quiet))])
    assert msg["MotChallenge2DBox"]["t"] == "Success"
    return out["MotChallenge2DBox"]["t"]


@pytest.mark.parametrize("distractors,benchmark", [("mot17", "MOT17"), ("mot20", "MOT20")])
def test_bridge_equals_trackeval_file_pipeline(tmp_path, distractors, benchmark):
    cases = {f"S{i}": _random_case(i) for i in range(3)}
    ref = _trackeval_files(tmp_path, cases, benchmark)
    r = evaluate({s: c[0] for s, c in cases.items()}, {s: c[1] for s, c in cases.items()},
                 seq_lengths={s: c[2] for s, c in cases.items()}, distractors=distractors)
    for seq in [*cases, "COMBINED"]:
        te = ref["COMBINED_SEQ" if seq == "COMBINED" else seq]["pedestrian"]
        row = r.table.loc[seq]
        assert math.isclose(row.HOTA, 100 * te["HOTA"]["HOTA"].mean(), abs_tol=1e-9)
        assert math.isclose(row.AssA, 100 * te["HOTA"]["AssA"].mean(), abs_tol=1e-9)
        assert math.isclose(row.MOTA, 100 * te["CLEAR"]["MOTA"], abs_tol=1e-9)
        assert math.isclose(row.IDF1, 100 * te["Identity"]["IDF1"], abs_tol=1e-9)
        assert (row.IDSW, row.FP, row.FN) == (te["CLEAR"]["IDSW"], te["CLEAR"]["CLR_FP"], te["CLEAR"]["CLR_FN"])
    # the case is not trivial: distractors were removed and the tracker has switches
    assert r.combined.IDSW > 0 and r.combined.FP > 0


def test_evaluate_prints_nothing(capsys):
    gt, res, n = _random_case(5)
    evaluate({"s": gt}, {"s": res})
    assert capsys.readouterr() == ("", "")


# ---------------------------------------------------------------------------------------------------------------
# known answers (the perfect tracker and a single id switch: the notebook)

def test_distractor_matched_box_is_not_a_false_positive():
    gt = _gt([(1, 1, 0, 0, 20, 40, 1, 1), (1, 2, 100, 0, 20, 40, 0, 2), (1, 3, 200, 0, 20, 40, 0, 8),
              (1, 4, 300, 0, 20, 40, 0, 12), (1, 5, 400, 0, 20, 40, 0, 7)])
    res = _res([(1, k, 100 * (k - 1), 0, 20, 40) for k in range(1, 6)])
    c = evaluate({"s": gt}, {"s": res}).combined
    assert (c.TP, c.FP, c.FN, c.Dets) == (1, 0, 0, 1)
    # class 6 is a distractor only under MOT20 rules
    gt6 = _gt([(1, 1, 0, 0, 20, 40, 1, 1), (1, 2, 100, 0, 20, 40, 0, 6)])
    res6 = _res([(1, 1, 0, 0, 20, 40), (1, 2, 100, 0, 20, 40)])
    assert evaluate({"s": gt6}, {"s": res6}).combined.FP == 1
    assert evaluate({"s": gt6}, {"s": res6}, distractors="mot20").combined.FP == 0


# ---------------------------------------------------------------------------------------------------------------
# input handling and failures

def test_folders_missing_and_malformed(tmp_path):
    gt = _gt([(f, 1, 10 + f, 10, 20, 40) for f in range(1, 4)])
    for s in ("MOT-A", "MOT-B"):
        _write_txt(gt, tmp_path / "data" / "train" / s / "gt" / "gt.txt")
    (tmp_path / "data" / "train" / "MOT-A" / "seqinfo.ini").write_text(
        "[Sequence]\nseqLength=3\nframeRate=25\nimWidth=640\nimHeight=480\n")
    res_dir = tmp_path / "res"
    _write_txt(gt[RES_COLS[:6]], res_dir / "MOT-A.txt")
    with pytest.raises(LgmotError, match=r"no results for sequence MOT-B in .*res \(pass missing='empty'"):
        evaluate(tmp_path / "data", res_dir)
    r = evaluate(tmp_path / "data", res_dir, missing="empty")
    assert r.table.loc["MOT-B", "FN"] == 3 and r.table.loc["MOT-A", "MOTA"] == 100
    assert r.seq_lengths == {"MOT-A": 3, "MOT-B": 3}       # seqinfo.ini, then the largest frame
    (res_dir / "MOT-B.txt").write_text("1,1,11,10,20,40,1,-1,-1,-1\n2,1,12,10,20,oops,1,-1,-1,-1\n")
    with pytest.raises(LgmotError, match=r"MOT-B.txt:2: value 6 \(height\) is not a number: 'oops'"):
        evaluate(tmp_path / "data", res_dir)
    (res_dir / "MOT-B.txt").write_text("1,1,11,10,20,40\n4,1,12,10,20,40\n")
    with pytest.raises(LgmotError, match=r"MOT-B.txt:2: frame 4 is past the sequence's last frame 3"):
        evaluate(tmp_path / "data", res_dir, seq_lengths={"MOT-B": 3})
    with pytest.raises(LgmotError, match=r"MOT-A/gt/gt.txt:3: frame 3 is past the sequence's last frame 2 \(seq_lengths\)"):
        evaluate(tmp_path / "data", res_dir, seqs=["MOT-A"], seq_lengths={"MOT-A": 2})
    with pytest.raises(LgmotError, match="no ground truth for sequence"):
        evaluate(tmp_path / "data", res_dir, seqs=["MOT-C"])
    with pytest.raises(LgmotError, match="pedestrian class only"):
        evaluate(tmp_path / "data", res_dir, classes="car")
    # a TrackEval-layout tracker folder (<tracker>/data/<seq>.txt) is found too
    _write_txt(gt[RES_COLS[:6]], tmp_path / "trk" / "data" / "MOT-A.txt")
    assert evaluate(tmp_path / "data", tmp_path / "trk", seqs=["MOT-A"]).combined.MOTA == 100


def test_duplicate_gt_id_and_bad_gt(tmp_path):
    p = tmp_path / "s" / "gt" / "gt.txt"; p.parent.mkdir(parents=True)
    p.write_text("1,1,0,0,5,5,1,1,1\n1,1,3,3,5,5,1,1,1\n")
    with pytest.raises(LgmotError, match=r"gt.txt:2: gt id 1 appears twice in frame 1"):
        evaluate({"s": p}, {"s": _res([])})
    p.write_text("1,1,0,0,5,5,1,1,1\n\n1,2,0,0,5,5,1,1.5,1\n")
    with pytest.raises(LgmotError, match=r"gt.txt:3: gt class 1.5 is not a MOTChallenge class"):
        evaluate({"s": p}, {"s": _res([])})


def test_json_roundtrip(tmp_path):
    gt = _gt([(1, 1, 0, 0, 5, 5)])
    r = evaluate({"s": gt}, {"s": _res([(1, 1, 0, 0, 5, 5)])}, label="mine")
    d = json.loads(r.to_json(tmp_path / "m.json"))
    assert d["label"] == "mine" and d["metrics"]["COMBINED"]["MOTA"] == 100.0 and d["seq_lengths"] == {"s": 1}
    assert json.loads((tmp_path / "m.json").read_text()) == d


# ---------------------------------------------------------------------------------------------------------------
# post-processing (known boxes: the track notebook)

def test_interpolation_matches_per_track_reference():
    "Vectorised fill == np.interp track by track, on random tracks with random gaps (and max_gap respected)."
    rng = np.random.default_rng(0)
    rows = []
    for tid in range(1, 30):
        frames = np.sort(rng.choice(np.arange(1, 200), size=rng.integers(1, 25), replace=False))
        for f in frames: rows.append((f, tid, *rng.uniform(0, 500, 2), *rng.uniform(5, 80, 2), rng.random()))
    df = _res(rows)
    for max_gap in (None, 3):
        out = interpolate_tracks(df, max_gap=max_gap)
        for tid, g in df.groupby("id"):
            g = g.sort_values("frame"); f = g.frame.to_numpy()
            want = set(f)
            for a, b in zip(f[:-1], f[1:]):
                if max_gap is None or b - a - 1 <= max_gap: want |= set(range(a + 1, b))
            got = out[out.id == tid].sort_values("frame")
            assert got.frame.tolist() == sorted(want)
            cx = np.interp(got.frame, f, g.left + g.width / 2)
            np.testing.assert_allclose(got.left + got.width / 2, cx, atol=1e-9)
            np.testing.assert_allclose(got.height, np.interp(got.frame, f, g.height), atol=1e-9)


# ---------------------------------------------------------------------------------------------------------------
# peers

def test_peer_defaults_are_the_packages():
    assert peer_defaults("sort")["minimum_consecutive_frames"] == 3
    assert peer_defaults("ocsort")["delta_t"] == 3
    with pytest.raises(LgmotError, match="unknown peer tracker"): peer_defaults("fairmot")


def test_peers_on_mot17_09(tmp_path, mot17_full):
    full = mot17_full
    cmp = compare(full, seqs=["MOT17-09"], out_dir=tmp_path, postprocess=postprocess_tracks)
    assert list(cmp.table.index) == [v for p in PEERS for v in (p, f"{p}+interp")]
    assert list(cmp.table.columns) == SUMMARY_COLUMNS
    assert (cmp.table.HOTA > 20).all(), cmp.table
    assert (cmp.table.MOTA > 30).all() and (cmp.table.IDF1 > 30).all(), cmp.table
    for p in PEERS:  # lgmot's post-processing only adds boxes inside tracks: never fewer true positives
        assert cmp.evals[f"{p}+interp"].combined.TP >= cmp.evals[p].combined.TP
    # written results read back and score the same
    again = evaluate(full, tmp_path / "bytetrack", seqs=["MOT17-09"])
    assert again.combined.HOTA == pytest.approx(cmp.table.loc["bytetrack", "HOTA"], abs=0.01)
    # the same detections through run_peer directly: a loaded Sequence gives length, frame rate, prepared dets
    from lgmot.data.mot import load_sequence
    out = run_peer("sort", load_sequence(full / "MOT17-09"))
    assert out.frame.max() <= 525 and out.id.min() == 1
    pd.testing.assert_frame_equal(out, cmp.tracks["sort"]["MOT17-09"])
    # raw det file rows (file coordinates, not clamped) with the folder's seqinfo: sane as well
    raw = run_peer("sort", read_mot_table(full / "MOT17-09" / "det" / "det.txt", "det"), full / "MOT17-09")
    assert evaluate(full, {"MOT17-09": raw}, seqs=["MOT17-09"]).combined.HOTA > 20


@pytest.mark.slow
def test_peer_table_mot17_09_11(mot17_full):
    full = mot17_full
    if not (full / "MOT17-11").is_dir(): pytest.skip("MOT17-11 not found")
    cmp = compare(full, seqs=["MOT17-09", "MOT17-11"], postprocess=postprocess_tracks)
    detail = cmp.per_sequence[["HOTA", "IDF1", "MOTA", "AssA"]].round(2)
    print("\n", cmp.table.round(2), "\n", detail)
    assert (detail.HOTA > 20).all()
