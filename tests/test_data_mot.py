"""lgmot.data.mot: readers and writers, validation (file + line), preprocessing, gt assignment, splits, real data."""
import time, warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lgmot.core import LgmotError
from lgmot.data import mot
from lgmot.data.mot import (GT_MATCH_CLASSES, PREPARED_COLUMNS, SPLITS, DataWarning, SeqInfo, assign_gt_ids,
                            clamp_boxes, find_sequences, get_split, iou_matrix, load_sequence, prepare_detections,
                            prepare_gt, read_det_file, read_gt_file, read_result_file, read_seqinfo, read_seqmap,
                            split_sequences, write_mot_txt, write_seqinfo, write_seqmap)
from conftest import MOT17_FULL as FULL, MOT17_MINI as MINI, make_seq, needs_mot17_full, needs_mot17_mini

# frames on disk in MOT17-mini (data README) and the det rows of the public FRCNN files (whole sequences)
MINI_FRAMES = {"02": 4, "04": 8, "05": 6, "09": 4, "10": 5, "11": 7, "13": 5}
MINI_CLAIMED = {"02": 600, "04": 1050, "05": 837, "09": 525, "10": 654, "11": 900, "13": 750}
DET_ROWS = {"02": 8186, "04": 28406, "05": 3848, "09": 3049, "10": 9701, "11": 6007, "13": 8442}


@pytest.fixture(autouse=True)
def fresh_warning_registry():
    "Each test sees the once-per-sequence warnings afresh."
    mot._WARNED.clear()
    yield
    mot._WARNED.clear()


def error_of(fn) -> LgmotError:
    with pytest.raises(LgmotError) as e: fn()
    return e.value


# --------------------------------------------------------------------------------------------- validation errors
OK_DET = "1,-1,10,20,30,60,0.9\n2,-1,11,21,30,60,0.8\n"
OK_GT = "1,1,10,20,30,60,1,1,1.0\n1,2,50,20,30,60,1,1,0.5\n"

BAD_FILES = [  # (reader, text, 1-based line, message part); the notebook's "each kind of bad input" cells hold the rest
    ("det", OK_DET + "3,-1,12,22,,60,0.7\n", 3, "width (field 5) is missing"),
    ("det", OK_DET + "3,0.5,12,22,30,60,0.7\n", 3, "id must be a whole number, got 0.5"),
    ("det", OK_DET + "3,-1,12,22,30,60,inf\n", 3, "conf (field 7) is missing, NaN or infinite"),
    ("det", "\n\n" + OK_DET + "\n3,-1,12,22,30,0,0.7\n", 6, "height must be > 0"),   # blank lines still count
    ("det", OK_DET.replace(",", " ") + "3 -1 12 22 30 x 0.7\n", 3, "height is not a number: 'x'"),  # whitespace
    ("det", OK_DET.replace("\n", "\r\n") + "3,-1,12,22,-4,60,0.7\r\n", 3, "width must be > 0"),  # CRLF
    ("gt", OK_GT + "2,3,10,20,30,60,1,1.5,1\n", 3, "cls must be a whole number"),
    ("gt", OK_GT + "2,3,10,20,30,60,1,1,nan\n", 3, "vis (field 9) is missing"),
]


@pytest.mark.parametrize("kind,text,line,part", BAD_FILES)
def test_bad_rows_name_file_and_line(tmp_path, kind, text, line, part):
    path = tmp_path / f"{kind}.txt"; path.write_text(text)
    reader = {"det": read_det_file, "gt": read_gt_file, "result": read_result_file}[kind]
    err = error_of(lambda: reader(path))
    assert err.path == str(path) and err.line == line and part in err.message, str(err)
    assert str(err).startswith(f"{path}:{line}: ")


def test_first_offending_row_is_reported(tmp_path):
    # several problems: the earliest line wins, whatever check finds it
    path = tmp_path / "det.txt"
    path.write_text(OK_DET + "3,-1,12,22,30,60,0.7\n4,-1,1,1,0,5,1\n5,-1,1,x,5,5,1\n")
    assert error_of(lambda: read_det_file(path)).line == 4


def test_error_on_last_line_of_a_large_file_is_located(tmp_path):
    n = 50_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"frame": rng.integers(1, 500, n), "id": -1, "left": rng.uniform(0, 1000, n).round(2),
                       "top": rng.uniform(0, 500, n).round(2), "width": rng.uniform(5, 80, n).round(2),
                       "height": rng.uniform(10, 160, n).round(2), "conf": rng.uniform(0, 1, n).round(3)})
    path = write_mot_txt(df, tmp_path / "det.txt", "det")
    t = time.perf_counter(); back = read_det_file(path); elapsed = time.perf_counter() - t
    assert len(back) == n and elapsed < 5.0  # vectorised: well under a second normally
    with open(path, "a") as f: f.write("7,-1,1,1,1,oops,1\n")
    err = error_of(lambda: read_det_file(path))
    assert err.line == n + 1 and "height is not a number: 'oops'" in err.message


def test_frames_outside_the_sequence(tmp_path):
    seq = make_seq(tmp_path, "s", length=5, dets=OK_DET + "6,-1,12,22,30,60,0.7\n")
    info = read_seqinfo(seq)
    err = error_of(lambda: read_det_file(seq / "det/det.txt", info))
    assert err.line == 3 and "frame 6 is outside the sequence (seqinfo.ini seqLength=5)" in err.message
    err = error_of(lambda: load_sequence(seq))
    assert err.path == str(seq / "det/det.txt") and err.line == 3


def test_missing_and_empty_files(tmp_path):
    assert "det file not found" in str(error_of(lambda: read_det_file(tmp_path / "none.txt")))
    (tmp_path / "empty.txt").write_text("")
    empty = read_det_file(tmp_path / "empty.txt")
    assert len(empty) == 0 and list(empty.columns) == ["frame", "id", "left", "top", "width", "height", "conf"]
    (tmp_path / "blank.txt").write_text("\n \n\n")
    assert len(read_gt_file(tmp_path / "blank.txt")) == 0
    (tmp_path / "binary.txt").write_bytes(b"\x00\xff\xfe\x00garbage\x01\x02")
    err = error_of(lambda: read_det_file(tmp_path / "binary.txt"))
    assert (err.path, err.line, err.message) == (str(tmp_path / "binary.txt"), None, "not a text file")


def test_missing_seqinfo_and_keys(tmp_path):
    (tmp_path / "noinfo").mkdir()
    assert "missing seqinfo.ini" in str(error_of(lambda: read_seqinfo(tmp_path / "noinfo")))
    assert "sequence folder not found" in str(error_of(lambda: read_seqinfo(tmp_path / "absent")))
    seq = tmp_path / "s"; seq.mkdir()
    for text, line, part in [
        ("[Sequence]\nimWidth=640\nimHeight=480\nseqLength=10\n", None, "missing key frameRate"),
        ("[Sequence]\nimWidth=640\nseqLength=10\nframeRate=30\n", None, "missing key imHeight"),
        ("[Sequence]\nimWidth=640\nimHeight=480\nseqLength=ten\nframeRate=30\n", 4, "seqLength must be a whole number"),
        ("[Sequence]\nimWidth=640\nimHeight=480\nseqLength=10\nframeRate=-1\n", 5, "frameRate must be >="),
        ("[Sequence]\nimWidth=640\nimHeight=480\nseqLength=10\nthis line is junk\n", 5, "expected key=value"),
        ("", None, "no [Sequence] section"),
        ("[Other]\nimWidth=640\n", None, "no [Sequence] section"),
    ]:
        (seq / "seqinfo.ini").write_text(text)
        err = error_of(lambda: read_seqinfo(seq))
        assert err.path == str(seq / "seqinfo.ini") and err.line == line and part in err.message, str(err)


def test_missing_det_file_lists_alternatives(tmp_path):
    seq = make_seq(tmp_path, "s", dets=OK_DET)
    (seq / "det" / "byte065.txt").write_text(OK_DET)
    err = error_of(lambda: load_sequence(seq, det_name="frcnn"))
    assert err.path == str(seq / "det" / "frcnn.txt") and "det files here: byte065, det" in err.message
    assert len(load_sequence(seq, det_name="byte065.txt").dets) == 2


# --------------------------------------------------------------------------------------------- seqinfo and frames
def test_seqinfo_round_trip_and_frame_names(tmp_path):
    seq = make_seq(tmp_path, "dancetrack0001", width=1920, height=1080, length=3, fps=20, frames=[1, 2, 3], digits=8)
    info = read_seqinfo(seq)
    assert (info.width, info.height, info.length, info.claimed_length, info.fps) == (1920, 1080, 3, 3, 20.0)
    assert info.frame_digits == 8 and info.frame_path(2) == seq / "img1" / "00000002.jpg" and not info.trimmed
    assert info.frame_path(0) is None and info.frame_path(4) is None
    write_seqinfo(info, tmp_path / "copy")
    again = read_seqinfo(tmp_path / "copy")
    assert (again.width, again.height, again.claimed_length, again.fps, again.img_ext) == (1920, 1080, 3, 20.0, ".jpg")
    six = make_seq(tmp_path, "MOT17-02-FRCNN", frames=[1, 2], length=2)
    assert read_seqinfo(six).frame_path(1).name == "000001.jpg"
    write_seqinfo({"imWidth": 10, "imHeight": 10, "seqLength": 2, "frameRate": 29.97, "imExt": "png"}, tmp_path / "p")
    p = read_seqinfo(tmp_path / "p")
    assert p.fps == pytest.approx(29.97) and p.img_ext == ".png"


def test_frames_with_a_gap_and_odd_frame_folders(tmp_path):
    gap = make_seq(tmp_path, "gap", length=10, frames=[1, 2, 3, 5, 6])
    with pytest.warns(DataWarning, match="2 more frame"):
        assert read_seqinfo(gap).length == 3
    empty = make_seq(tmp_path, "empty", length=10, frames=[])
    with pytest.warns(DataWarning, match="holds no"):
        info = read_seqinfo(empty)
    assert info.img_dir is None and info.length == 10
    zero_based = make_seq(tmp_path, "zero", length=10, frames=[0, 1, 2])  # 0 then 1,2: frame 0 is not MOT
    with pytest.warns(DataWarning, match="claims 10 frames"):
        assert read_seqinfo(zero_based).length == 2
    late = make_seq(tmp_path, "late", length=10, frames=[3, 4])
    assert "not frame 1" in error_of(lambda: read_seqinfo(late)).message
    more = make_seq(tmp_path, "more", length=2, frames=[1, 2, 3])
    with pytest.warns(DataWarning, match="more than seqLength"):
        assert read_seqinfo(more).length == 2


def test_sequence_without_img1(tmp_path):
    seq = make_seq(tmp_path, "noimg", length=7, dets="7,-1,1,1,5,5,1\n")
    s = load_sequence(seq)
    assert s.info.img_dir is None and s.info.length == 7 and s.info.frame_path(1) is None and len(s.dets) == 1
    assert s.gt is None and (s.dets.id == -1).all()


# --------------------------------------------------------------------------------------------- writing
def test_write_read_round_trips(tmp_path):
    det = read_det_file(_write(tmp_path / "d.txt", "3,-1,912.8,482.9,97.6,112.6,0.987654\n1,-1,1,1,1,1,-0.25\n"))
    write_mot_txt(det, tmp_path / "out" / "det.txt", "det")
    back = read_det_file(tmp_path / "out" / "det.txt")
    pd.testing.assert_frame_equal(back, det.sort_values("frame", kind="stable").reset_index(drop=True))
    assert (tmp_path / "out" / "det.txt").read_text().splitlines()[0] == "1,-1,1,1,1,1,-0.25,-1,-1,-1"
    gt = read_gt_file(_write(tmp_path / "g.txt", OK_GT))
    pd.testing.assert_frame_equal(read_gt_file(write_mot_txt(gt, tmp_path / "gt.txt", "gt")), gt)
    res = pd.DataFrame({"frame": [2, 1], "id": [1, 1], "left": [0.5, 3.0], "top": [1.0, 2.0], "width": [4.0, 4.0],
                        "height": [8.0, 8.0], "conf": [0.9, 1.0]})
    write_mot_txt(res, tmp_path / "res.txt", "result")
    assert (tmp_path / "res.txt").read_text() == "1,1,3,2,4,8,1,-1,-1,-1\n2,1,0.5,1,4,8,0.9,-1,-1,-1\n"
    pd.testing.assert_frame_equal(read_result_file(tmp_path / "res.txt"), res.iloc[[1, 0]].reset_index(drop=True))


def test_write_guards_against_zero_based_boxes(tmp_path):
    info = SeqInfo("s", tmp_path, 100, 100, 5, 5, 30.0)
    prepared = prepare_detections(read_det_file(_write(tmp_path / "d.txt", OK_DET)), info)
    assert "zero_based=True" in error_of(lambda: write_mot_txt(prepared, tmp_path / "x.txt", "det")).message
    write_mot_txt(prepared, tmp_path / "x.txt", "det", zero_based=True)
    assert read_det_file(tmp_path / "x.txt")[["left", "top"]].values.tolist() == [[10, 20], [11, 21]]
    assert "NaN" in error_of(lambda: write_mot_txt(prepared.assign(conf=np.nan), tmp_path / "y.txt", "det", zero_based=True)).message
    assert not (tmp_path / "y.txt").exists()  # nothing half-written


def _write(path: Path, text: str) -> Path:
    path.write_text(text); return path


# --------------------------------------------------------------------------------------------- preprocessing
def test_prepare_detections_reference_clamping(tmp_path):
    info = SeqInfo("s", tmp_path, width=1920, height=1080, length=3, claimed_length=3, fps=30.0)
    det = pd.DataFrame({"frame": [1, 1, 1], "id": -1, "left": [-20.0, 1900.0, 101.5], "top": [-5.0, 1000.0, 201.5],
                        "width": [50.0, 100.0, 10.0], "height": [100.0, 200.0, 20.0], "conf": [1.0, 1.0, 1.0]})
    p = prepare_detections(det, info)
    # 0-based: (-21,-6,50,100) -> left 0 (shift 21), width 29; top 0 (shift 6), height 94
    assert p.loc[0, ["left", "top", "width", "height"]].tolist() == [0, 0, 29, 94]
    # (1899, 999, 100, 200) -> cut at the border: width 1920 - 1899 = 21, height 1080 - 999 = 81
    assert p.loc[1, ["left", "top", "width", "height"]].tolist() == [1899, 999, 21, 81]
    assert p.loc[2, ["left", "top", "feet_x", "feet_y", "right", "bottom"]].tolist() == [100.5, 200.5, 105.5, 220.5, 110.5, 220.5]
    assert list(p.columns) == list(PREPARED_COLUMNS) and p.det_id.tolist() == [0, 1, 2]
    assert p.dtypes["frame"] == np.int64 and p.dtypes["id"] == np.int64 and p.dtypes["left"] == np.float64
    left, top, width, height = clamp_boxes(np.array([5000.0]), np.array([-100.0]), np.array([10.0]), np.array([5.0]), 1920, 1080)
    assert (left[0], top[0], width[0], height[0]) == (1918, 0, 2, 1)  # width, height at least 1, inside the image


def test_prepare_detections_drops_outside_boxes_with_a_count(tmp_path):
    info = SeqInfo("s", tmp_path, width=100, height=100, length=2, claimed_length=2, fps=30.0)
    det = pd.DataFrame({"frame": [1, 1, 2, 2, 2], "id": -1, "left": [-50.0, 150.0, 10.0, 10.0, 1.0],
                        "top": [10.0, 10.0, 150.0, 10.0, -30.0], "width": [40.0, 10.0, 10.0, 10.0, 10.0],
                        "height": [10.0, 10.0, 10.0, 10.0, 30.0], "conf": 1.0})
    with pytest.warns(DataWarning, match="dropped 4 detection"):
        p = prepare_detections(det, info)
    # (-51,..,40) ends at -11; (149,..) starts past 100; top 149; (0,-31,10,30) ends at -1: all outside
    assert len(p) == 1 and p.attrs["dropped"]["outside_image"] == 4 and p.frame.tolist() == [2]


def test_prepare_detections_confidence_filter_and_sorting(tmp_path):
    info = SeqInfo("s", tmp_path, 100, 100, 3, 3, 30.0)
    det = pd.DataFrame({"frame": [3, 1, 2, 1], "id": -1, "left": [1.0, 2.0, 3.0, 4.0], "top": 1.0, "width": 5.0,
                        "height": 5.0, "conf": [0.9, 0.64, 0.65, -2.0]})
    assert prepare_detections(det, info).frame.tolist() == [1, 1, 2, 3]            # default keeps negative scores
    p = prepare_detections(det, info, min_conf=0.65)                                # byte065
    assert p.conf.tolist() == [0.65, 0.9] and p.det_id.tolist() == [0, 1] and p.attrs["dropped"]["low_conf"] == 2
    assert prepare_detections(det, info).left.tolist() == [1.0, 3.0, 2.0, 0.0]      # file order kept within a frame
    with pytest.warns(DataWarning, match="no detection has conf >= 0.99"):
        assert len(prepare_detections(det, info, min_conf=0.99)) == 0


def test_empty_det_file_gives_zero_detections(tmp_path):
    seq = make_seq(tmp_path, "s", dets="", gt=OK_GT)
    s = load_sequence(seq)
    assert len(s.dets) == 0 and list(s.dets.columns) == list(PREPARED_COLUMNS) and len(s.gt) == 2


def test_empty_gt_file_warns(tmp_path):
    seq = make_seq(tmp_path, "s", dets=OK_DET, gt="")
    with pytest.warns(DataWarning, match="gt.txt is empty"):
        s = load_sequence(seq)
    assert (s.dets.id == -1).all() and s.gt is not None and len(s.gt) == 0


# --------------------------------------------------------------------------------------------- gt assignment
def _prepared(rows, info) -> pd.DataFrame:
    "Prepared dets from 0-based (frame, left, top, width, height) rows, without clamping."
    df = pd.DataFrame(rows, columns=["frame", "left", "top", "width", "height"]).assign(id=-1, conf=1.0)
    return prepare_detections(df.assign(left=df.left + 1, top=df.top + 1), info, clamp=False)


def _gt(rows) -> pd.DataFrame:
    "gt in file coordinates from 0-based (frame, id, left, top, width, height, cls) rows."
    df = pd.DataFrame(rows, columns=["frame", "id", "left", "top", "width", "height", "cls"]).assign(flag=1, vis=1.0)
    return df.assign(left=df.left + 1, top=df.top + 1)


def test_iou_plus_one_and_plain():
    a = np.array([[0, 0, 9, 9]], dtype=float)
    assert iou_matrix(a, a)[0, 0] == pytest.approx(1.0)
    assert iou_matrix([[0, 0, 10, 10]], [[0, 0, 10, 5]], plus_one=False)[0, 0] == pytest.approx(0.5)
    assert iou_matrix(a, [[0, 0, 9, 4]])[0, 0] == pytest.approx(50 / 100)   # pixels: 10x5 of 10x10
    assert iou_matrix(a, [[0, 0, 9, 4]], plus_one=False)[0, 0] == pytest.approx(36 / 81)
    assert iou_matrix(a, [[20, 20, 3, 3]])[0, 0] == 0


def test_detection_overlapping_two_gt_goes_to_the_better_one(tmp_path):
    info = SeqInfo("s", tmp_path, 1000, 1000, 1, 1, 30.0)
    dets = _prepared([(1, 10, 0, 100, 100)], info)
    gt = _gt([(1, 5, 0, 0, 100, 100, 1), (1, 6, 15, 0, 100, 100, 1)])  # IoU 0.82 vs 0.90 (continuous)
    iou = iou_matrix(dets[["left", "top", "width", "height"]].values, prepare_gt(gt)[["left", "top", "width", "height"]].values)
    assert iou[0, 1] > iou[0, 0] >= 0.5
    assert assign_gt_ids(dets, gt).id.tolist() == [6]
    # and two detections competing for one gt: the better one wins, the other is a false positive
    two = _prepared([(1, 0, 0, 100, 100), (1, 30, 0, 100, 100)], info)
    assert assign_gt_ids(two, _gt([(1, 5, 0, 0, 100, 100, 1)])).id.tolist() == [5, -1]


def test_iou_threshold_is_inclusive_and_049_stays_unmatched(tmp_path):
    info = SeqInfo("s", tmp_path, 1000, 1000, 1, 1, 30.0)
    gt = _gt([(1, 3, 0, 0, 100, 100, 1)])
    for h, expected in [(49, -1), (50, 3), (51, 3)]:  # plain IoU = h / 100
        assert assign_gt_ids(_prepared([(1, 0, 0, 100, h)], info), gt, plus_one=False).id.tolist() == [expected]
    # with the +1 pixel convention, 0.49 is (h + 1) * 101 / (101 * 101): h = 48.49
    assert assign_gt_ids(_prepared([(1, 0, 0, 100, 48.49)], info), gt).id.tolist() == [-1]
    assert assign_gt_ids(_prepared([(1, 0, 0, 100, 49.5)], info), gt).id.tolist() == [3]


def test_hungarian_beats_greedy_and_classes(tmp_path):
    info = SeqInfo("s", tmp_path, 1000, 1000, 2, 2, 30.0)
    # A overlaps gt7 (0.8) and gt9 (0.55); B overlaps only gt7 (0.7): the optimum assigns A->9, B->7
    dets = _prepared([(1, 0, 0, 100, 80), (1, 0, 0, 70, 100), (2, 0, 0, 50, 50), (2, 300, 0, 50, 50), (2, 600, 0, 50, 50)], info)
    gt = _gt([(1, 7, 0, 0, 100, 100, 1), (1, 9, 20, 0, 100, 100, 1),
              (2, 20, 0, 0, 50, 50, 8), (2, 21, 300, 0, 50, 50, 3), (2, 22, 600, 0, 50, 50, 12)])
    assert assign_gt_ids(dets, gt, plus_one=False).id.tolist() == [9, 7, 20, -1, 22]  # car (class 3) left out
    assert assign_gt_ids(dets, gt, plus_one=False, classes=(1,)).id.tolist() == [9, 7, -1, -1, -1]
    assert set(GT_MATCH_CLASSES) == {1, 2, 7, 8, 12}
    # frames: a det in a frame without gt is -1; ids leave every other column untouched
    out = assign_gt_ids(dets, gt[gt.frame == 1], plus_one=False)
    assert out.id.tolist() == [9, 7, -1, -1, -1]
    pd.testing.assert_frame_equal(out.drop(columns="id"), dets.drop(columns="id"))
    assert "prepared detections" in error_of(lambda: assign_gt_ids(gt, gt)).message


def test_gt_is_converted_to_zero_based_before_matching(tmp_path):
    # a 2x2 box: a 1-pixel offset changes the IoU a lot, so a missing conversion would be visible
    info = SeqInfo("s", tmp_path, 100, 100, 1, 1, 30.0)
    det_file = pd.DataFrame({"frame": [1], "id": [-1], "left": [11.0], "top": [11.0], "width": [2.0], "height": [2.0], "conf": [1.0]})
    gt_file = pd.DataFrame({"frame": [1], "id": [4], "left": [11.0], "top": [11.0], "width": [2.0], "height": [2.0],
                            "flag": [1], "cls": [1], "vis": [1.0]})
    dets = prepare_detections(det_file, info)
    assert assign_gt_ids(dets, gt_file, plus_one=False).id.tolist() == [4]
    assert assign_gt_ids(dets, prepare_gt(gt_file), plus_one=False).id.tolist() == [4]
    shifted = gt_file.assign(left=12.0, top=12.0)  # one pixel off: IoU 1/7
    assert assign_gt_ids(dets, shifted, plus_one=False).id.tolist() == [-1]


def test_load_sequence_is_deterministic(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    det = pd.DataFrame({"frame": rng.integers(1, 20, n), "id": -1, "left": rng.uniform(-20, 200, n),
                        "top": rng.uniform(-20, 100, n), "width": rng.uniform(5, 40, n), "height": rng.uniform(5, 40, n),
                        "conf": rng.uniform(0, 1, n)})
    gt = det.sample(150, random_state=0).assign(id=lambda x: np.arange(len(x)), flag=1, cls=1, vis=1.0)
    seq = make_seq(tmp_path, "r", width=200, height=100, length=20, dets=None)
    write_mot_txt(det, seq / "det/det.txt", "det"); write_mot_txt(gt, seq / "gt/gt.txt", "gt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        a, b = load_sequence(seq), load_sequence(seq)
    pd.testing.assert_frame_equal(a.dets, b.dets)
    assert (a.dets.id >= 0).sum() >= 100  # the gt boxes are detections themselves (after clamping most still match)
    assert (a.dets.left >= 0).all() and (a.dets.right <= 200).all() and (a.dets.bottom <= 100).all()


# --------------------------------------------------------------------------------------------- splits
def test_split_sizes_and_names():
    sizes = {name: len(split_sequences(name)) for name in
             ("dancetrack-train-all", "dancetrack-val-all", "dancetrack-test-all", "sportsmot-train-all",
              "sportsmot-val-all", "sportsmot-test-all", "mot17-train-all", "mot17-test-all", "mot17-train-frcnn",
              "mot17-train-plain", "mot20-train-all", "mot20-test-all", "sportsmot-trainval-all", "dancetrack-trainval-all")}
    assert sizes == {"dancetrack-train-all": 40, "dancetrack-val-all": 25, "dancetrack-test-all": 35,
                     "sportsmot-train-all": 45, "sportsmot-val-all": 45, "sportsmot-test-all": 150,
                     "mot17-train-all": 21, "mot17-test-all": 21, "mot17-train-frcnn": 7, "mot17-train-plain": 7,
                     "mot20-train-all": 4, "mot20-test-all": 4, "sportsmot-trainval-all": 90, "dancetrack-trainval-all": 65}
    dance = [set(split_sequences(f"dancetrack-{p}-all")) for p in ("train", "val", "test")]
    assert set.union(*dance) == {f"dancetrack{n:04d}" for n in range(1, 101)} and sum(map(len, dance)) == 100
    assert "dancetrack0003" in dance[2] and "dancetrack0001" in dance[0] and "dancetrack0004" in dance[1]
    sports = [set(split_sequences(f"sportsmot-{p}-all")) for p in ("train", "val", "test")]
    assert sum(map(len, sports)) == len(set.union(*sports)) == 240
    assert "v_-6Os86HzwCs_c001" in sports[0] and "v_00HRwkvvjtQ_c001" in sports[1] and "v_iF9bKPWdZlc_c003" in sports[2]
    assert split_sequences("mot17-train-all")[:3] == ["MOT17-02-DPM", "MOT17-02-FRCNN", "MOT17-02-SDP"]
    assert split_sequences("mot17-test-frcnn") == [f"MOT17-{n:02d}-FRCNN" for n in (1, 3, 6, 7, 8, 12, 14)]
    assert split_sequences("mot20-train-all") == ["MOT20-01", "MOT20-02", "MOT20-03", "MOT20-05"]
    for k, val in {1: (2, 10, 13), 2: (4, 11), 3: (5, 9)}.items():  # SUSHI / LG-MOT folds
        v, t = split_sequences(f"mot17-val-split{k}-frcnn"), split_sequences(f"mot17-train-split{k}-frcnn")
        assert v == [f"MOT17-{n:02d}-FRCNN" for n in val] and not set(v) & set(t) and len(v) + len(t) == 7
    for k in (1, 2, 3, 4):
        assert len(split_sequences(f"mot20-train-split{k}")) == 3 and len(split_sequences(f"mot20-val-split{k}")) == 1
    assert all(name == name.lower() for name in SPLITS)
    assert split_sequences("MOT17-train-all") == split_sequences("mot17-train-all")  # the LG-MOT README spelling
    assert split_sequences("SportsMOT-train-all") == split_sequences("sportsmot-train-all")
    assert "did you mean" in error_of(lambda: get_split("mot17-trian-all")).message
    assert get_split("synth-crowd-val").pattern == r"crowd-\d+"  # other synthetic domains follow the pattern


def test_find_sequences_nested_flat_and_synthetic(tmp_path):
    for name in ("MOT17-02-FRCNN", "MOT17-04-FRCNN"): make_seq(tmp_path / "MOT17" / "train", name, dets=None)
    make_seq(tmp_path / "DanceTrack" / "val", "dancetrack0004", dets=None)  # dataset folder in another case
    for part, name in [("train", "street-000"), ("train", "dance-003"), ("val", "street-001"), ("test", "sports-000")]:
        make_seq(tmp_path / "SYNTH" / part, name, dets=None)
    (tmp_path / "SYNTH" / "train" / "notes").mkdir()  # folders not named <domain>-<NNN> are ignored
    assert [p.name for p in find_sequences(tmp_path, "synth-all-train")] == ["dance-003", "street-000"]
    assert split_sequences("synth-street-train", tmp_path) == ["street-000"]
    assert split_sequences("synth-sports-test", tmp_path) == ["sports-000"]
    assert "no sequences of split 'synth-dance-val'" in error_of(lambda: find_sequences(tmp_path, "synth-dance-val")).message
    with pytest.warns(DataWarning, match="24 of 25 sequences not found"):
        found = find_sequences(tmp_path, "dancetrack-val-all", missing="skip")
    assert found == [tmp_path / "DanceTrack" / "val" / "dancetrack0004"]
    err = error_of(lambda: find_sequences(tmp_path, "mot17-train-frcnn"))
    assert "5 of 7 sequences not found" in err.message and "MOT17-05-FRCNN" in err.message and err.path == str(tmp_path)
    assert len(find_sequences(tmp_path)) == 7
    # flat: <root>/<seq>; and a split folder given as the root (<root>/<part>/<seq>)
    flat = tmp_path / "flat"
    for n in (1, 2, 3, 5): make_seq(flat, f"MOT20-{n:02d}", dets=None)
    assert [p.name for p in find_sequences(flat, "mot20-train-all")] == ["MOT20-01", "MOT20-02", "MOT20-03", "MOT20-05"]
    with pytest.warns(DataWarning, match="5 of 7"):
        found = find_sequences(tmp_path / "MOT17", "mot17-train-frcnn", missing="skip")
    assert [p.parent for p in found] == [tmp_path / "MOT17" / "train"] * 2
    assert "data root not found" in error_of(lambda: find_sequences(tmp_path / "nope")).message


def test_find_sequences_does_not_enter_sequences(tmp_path):
    seq = make_seq(tmp_path / "A" / "train", "s1", frames=[1, 2], length=2, dets=None)
    (seq / "img1" / "nested").mkdir()
    write_seqinfo({"width": 9, "height": 9, "length": 1, "fps": 1}, seq / "img1" / "nested")  # never looked at
    (tmp_path / ".hidden").mkdir(); write_seqinfo({"width": 9, "height": 9, "length": 1, "fps": 1}, tmp_path / ".hidden" / "x")
    assert find_sequences(tmp_path) == [seq]


def test_seqmap_round_trip(tmp_path):
    path = write_seqmap(["MOT17-02-FRCNN", Path("/x/MOT17-04-FRCNN")], tmp_path / "seqmaps" / "mot17-train.txt")
    assert path.read_text() == "name\nMOT17-02-FRCNN\nMOT17-04-FRCNN\n"
    assert read_seqmap(path) == ["MOT17-02-FRCNN", "MOT17-04-FRCNN"]
    assert "invalid sequence name" in error_of(lambda: write_seqmap(["a,b"], tmp_path / "s.txt")).message
    write_seqmap([], tmp_path / "empty.txt")
    assert read_seqmap(tmp_path / "empty.txt") == []


# --------------------------------------------------------------------------------------------- real data
@needs_mot17_mini
def test_real_mot17_mini_trimmed_sequences():
    seqs = find_sequences(MINI.parent, "mot17-train-frcnn")
    assert [p.name for p in seqs] == [f"MOT17-{k}-FRCNN" for k in MINI_FRAMES]
    for seq_dir in seqs:
        k = seq_dir.name[6:8]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = load_sequence(seq_dir)
            load_sequence(seq_dir)
        trimmed = [w for w in caught if issubclass(w.category, DataWarning) and "claims" in str(w.message)]
        assert len(trimmed) == 1, [str(w.message) for w in caught]          # said once per sequence
        assert (s.info.length, s.info.claimed_length, s.info.frame_digits) == (MINI_FRAMES[k], MINI_CLAIMED[k], 6)
        assert s.info.frame_path(s.info.length).is_file() and s.info.frame_path(s.info.length + 1) is None
        assert (s.info.width, s.info.height) == ((640, 480) if k == "05" else (1920, 1080))
        raw = read_det_file(seq_dir / "det/det.txt", s.info)
        assert len(raw) == DET_ROWS[k] and raw.frame.max() == MINI_CLAIMED[k]     # the det file covers the full video
        assert s.dets.frame.max() <= s.info.length and len(s.dets) == (raw.frame <= s.info.length).sum()
        assert s.dets.attrs["dropped"]["beyond_length"] == (raw.frame > s.info.length).sum()
        assert (s.dets.left >= 0).all() and (s.dets.right <= s.info.width).all() and (s.dets.bottom <= s.info.height).all()
        assert s.gt.frame.max() == s.info.length and (s.dets.id >= 0).mean() > 0.7
        assert set(s.dets.id[s.dets.id >= 0]) <= set(s.gt.id[s.gt.cls.isin(GT_MATCH_CLASSES)])


@needs_mot17_mini
def test_real_files_round_trip(tmp_path):
    seq_dir = MINI / "MOT17-04-FRCNN"
    det, gt = read_det_file(seq_dir / "det/det.txt"), read_gt_file(seq_dir / "gt/gt.txt")
    pd.testing.assert_frame_equal(read_det_file(write_mot_txt(det, tmp_path / "det.txt", "det")),
                                  det.sort_values("frame", kind="stable").reset_index(drop=True))
    pd.testing.assert_frame_equal(read_gt_file(write_mot_txt(gt, tmp_path / "gt.txt", "gt")),
                                  gt.sort_values("frame", kind="stable").reset_index(drop=True))
    assert set(gt.cls) >= {1, 7} and gt.dtypes["cls"] == np.int64


@needs_mot17_full
def test_real_mot17_full_without_frames():
    with pytest.raises(LgmotError, match="not found"):
        find_sequences(FULL.parent, "mot17-train-plain")   # only 09 and 11 are here
    with pytest.warns(DataWarning, match="sequences not found"):
        seqs = find_sequences(FULL.parent, "mot17-train-plain", missing="skip")
    assert [p.name for p in seqs] == ["MOT17-09", "MOT17-11"]
    for seq_dir, claimed, n_det in [(seqs[0], 525, 3049), (seqs[1], 900, 6007)]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = load_sequence(seq_dir)
        assert not [w for w in caught if issubclass(w.category, DataWarning)]  # nothing trimmed, nothing dropped
        assert s.info.img_dir is None and s.info.length == s.info.claimed_length == claimed
        assert len(s.dets) == n_det and s.dets.frame.max() == claimed and s.language_path.name == "language.json"
        assert s.gt.frame.max() == claimed and (s.dets.id >= 0).mean() > 0.9
        byte065 = load_sequence(seq_dir, min_conf=0.65)
        assert len(byte065.dets) < n_det and (byte065.dets.conf >= 0.65).all()
