"""End-to-end checks of the synthetic generator (`lgmot.data.synth`): determinism, gt/det consistency, visibility
from pixels, descriptions that agree with the pixels, and read-back through `lgmot.data.mot`."""
import io, json, time, warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.optimize import linear_sum_assignment

from lgmot.core import LgmotError
from lgmot.data import synth
from lgmot.data.mot import find_sequences, iou_matrix, load_sequence, read_det_file, read_gt_file

SMALL = dict(n_frames=20, width=320, height=180)
BOX = ["left", "top", "width", "height"]


@pytest.fixture(scope="module")
def small_seqs(tmp_path_factory):
    "One 20-frame 320x180 sequence per domain, seed 1."
    root = tmp_path_factory.mktemp("small")
    return {d: synth.make_sequence(root / f"{d}-001", d, seed=1, **SMALL) for d in synth.DOMAINS}


def _files(seq: Path) -> dict[str, bytes]:
    return {p.relative_to(seq).as_posix(): p.read_bytes() for p in sorted(seq.rglob("*")) if p.is_file()}


def _match(gt: pd.DataFrame, det: pd.DataFrame, min_iou=.5):
    "Per-frame Hungarian matching on IoU: (matched gt mask, matched det mask, IoU of matched dets)."
    gt_hit, det_hit, det_iou = np.zeros(len(gt), bool), np.zeros(len(det), bool), np.zeros(len(det))
    for f in np.union1d(gt.frame, det.frame):
        gi, di = np.nonzero(gt.frame.to_numpy() == f)[0], np.nonzero(det.frame.to_numpy() == f)[0]
        if not len(gi) or not len(di): continue
        iou = iou_matrix(det[BOX].to_numpy()[di], gt[BOX].to_numpy()[gi])
        r, c = linear_sum_assignment(-iou)
        ok = iou[r, c] >= min_iou
        det_hit[di[r[ok]]], gt_hit[gi[c[ok]]], det_iou[di[r[ok]]] = True, True, iou[r, c][ok]
    return gt_hit, det_hit, det_iou


# --- determinism -------------------------------------------------------------------------------------------------

def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    for domain in synth.DOMAINS:
        a = synth.make_sequence(tmp_path / "a" / domain, domain, seed=7, **SMALL)
        b = synth.make_sequence(tmp_path / "b" / domain, domain, seed=7, **SMALL)
        c = synth.make_sequence(tmp_path / "c" / domain, domain, seed=8, **SMALL)
        fa, fb, fc = _files(a), _files(b), _files(c)
        assert fa.keys() == fb.keys() and len(fa) == 5 + 20 + 1         # det, det_gt, det_noisy, gt, language; frames; seqinfo
        assert all(fa[k] == fb[k] for k in fa), [k for k in fa if fa[k] != fb[k]]
        assert fa["gt/gt.txt"] != fc["gt/gt.txt"] and fa["img1/000001.jpg"] != fc["img1/000001.jpg"]


def test_regenerating_in_place_gives_the_same_bytes(tmp_path):
    seq = synth.make_sequence(tmp_path / "street-001", "street", seed=2, **SMALL)
    before = _files(seq)
    synth.make_sequence(seq, "street", seed=2, **SMALL)
    assert _files(seq) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["street-001"]      # no temporary folder left behind


def test_pillow_jpeg_is_deterministic():
    frame = np.random.default_rng(0).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    def encode():
        buf = io.BytesIO()
        Image.fromarray(frame).save(buf, "JPEG", quality=synth.JPEG_QUALITY, subsampling=0, optimize=False)
        return buf.getvalue()
    assert encode() == encode()


def test_override_changes_only_that_attribute(tmp_path):
    day = json.loads((synth.make_sequence(tmp_path / "d", "street", seed=4, lighting="day", **SMALL) / "gt/language.json").read_text())
    night = json.loads((synth.make_sequence(tmp_path / "n", "street", seed=4, lighting="night", **SMALL) / "gt/language.json").read_text())
    a, b = day["scene"]["attributes"], night["scene"]["attributes"]
    assert (a["lighting"], b["lighting"]) == ("day", "night")
    assert {k: v for k, v in a.items() if k != "lighting"} == {k: v for k, v in b.items() if k != "lighting"}
    assert read_gt_file(tmp_path / "d/gt/gt.txt").equals(read_gt_file(tmp_path / "n/gt/gt.txt"))  # same people, same motion


# --- files read back -------------------------------------------------------------------------------------------

def test_reads_back_through_load_sequence(small_seqs):
    for domain, seq_dir in small_seqs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")                 # no DataWarning: nothing trimmed, dropped or odd
            for det_name in ("det", "det_noisy"):
                seq = load_sequence(seq_dir, det_name=det_name, clamp=False)
                assert seq.info.length == seq.info.claimed_length == 20 and seq.info.frame_digits == 6
                assert (seq.info.width, seq.info.height) == (320, 180)
                assert seq.info.fps in synth.DIFFICULTY[domain].get("frame_rates", (synth.FRAME_RATE[domain],))
                assert len(seq.dets) > 0 and seq.gt is not None and seq.language_path is not None
        gt = read_gt_file(seq_dir / "gt/gt.txt")
        assert (gt.flag == 1).all() and (gt.cls == 1).all() and gt.frame.between(1, 20).all()
        assert sorted(p.name for p in (seq_dir / "img1").iterdir())[:2] == ["000001.jpg", "000002.jpg"]
        with Image.open(seq_dir / "img1/000020.jpg") as im: assert im.size == (320, 180) and im.format == "JPEG"


def test_language_annotation_describes_every_track(small_seqs):
    from lgmot.data.language import read_language
    for domain, seq_dir in small_seqs.items():
        gt = read_gt_file(seq_dir / "gt/gt.txt")
        raw = json.loads((seq_dir / "gt/language.json").read_text())
        assert raw["version"] == 1 and set(raw) == {"version", "scene", "instances"}
        assert sorted(map(int, raw["instances"])) == sorted(gt.id.unique())
        ann = read_language(seq_dir / "gt/language.json", known_ids=gt.id.unique(), strict=True)
        assert ann.scene_attributes["domain"] == domain and set(synth.SCENE_VALUES) <= set(ann.scene_attributes)
        for tid, inst in ann.instances.items():
            assert {"upper", "lower", "height", "motion"} <= set(inst.attributes)
            assert inst.attributes["upper"] in synth.PALETTE and inst.attributes["lower"] in synth.PALETTE


def test_make_dataset_layout_and_named_splits(tmp_path):
    seqs = synth.make_dataset(tmp_path, domains=("street", "sports"), splits={"train": 2, "val": 1, "test": 1},
                              n_frames=4, width=128, height=72, seed=3)
    assert [p.relative_to(tmp_path).as_posix() for p in seqs[:4]] == [
        "SYNTH/train/street-001", "SYNTH/train/street-002", "SYNTH/val/street-003", "SYNTH/test/street-004"]
    assert [p.name for p in find_sequences(tmp_path, "synth-street-train")] == ["street-001", "street-002"]
    assert [p.name for p in find_sequences(tmp_path, "synth-sports-test")] == ["sports-004"]
    table = synth.summarize(seqs)
    assert list(table.index) == [p.name for p in seqs] and (table.frames == 4).all()
    assert set(table.domain) == {"street", "sports"} and table.mean_visibility.between(0, 1).all()
    # sequences differ from each other; the same dataset seed gives the same sequences
    assert (seqs[0] / "gt/gt.txt").read_bytes() != (seqs[1] / "gt/gt.txt").read_bytes()
    again = synth.make_dataset(tmp_path / "again", domains=("street",), splits={"train": 1}, n_frames=4, width=128, height=72, seed=3)
    assert _files(again[0]) == _files(seqs[0])                              # seqinfo.ini included


def test_bad_arguments_are_one_clear_error(tmp_path):
    with pytest.raises(LgmotError, match="unknown domain 'mot'"): synth.make_sequence(tmp_path / "x", "mot")
    with pytest.raises(LgmotError, match="unknown scene attribute"): synth.make_sequence(tmp_path / "x", season="winter")
    with pytest.raises(LgmotError, match="camera must be one of static, panning"): synth.make_sequence(tmp_path / "x", camera="zoom")
    with pytest.raises(LgmotError, match="width must be an integer >= 32"): synth.make_sequence(tmp_path / "x", width=10)
    with pytest.raises(LgmotError, match="n_people must be a positive integer"): synth.make_sequence(tmp_path / "x", n_people=0)
    with pytest.raises(LgmotError, match="unknown split"): synth.make_dataset(tmp_path, splits={"dev": 1})
    assert not (tmp_path / "x").exists()


# --- ground truth, visibility and detections ---------------------------------------------------------------------

def test_visibility_is_consistent_with_overlaps(small_seqs):
    for domain in ("dance", "sports"):                       # no static props here: only people occlude people
        gt = read_gt_file(small_seqs[domain] / "gt/gt.txt")
        assert gt.vis.between(0, 1).all()
        for f, rows in gt.groupby("frame"):
            boxes = rows[BOX].to_numpy()
            overlaps = iou_matrix(boxes, boxes, plus_one=False) > 0
            np.fill_diagonal(overlaps, False)
            alone = ~overlaps.any(1)
            assert (rows.vis.to_numpy()[alone] == 1).all(), f"frame {f}: a person overlapping nobody is not fully visible"
            bottom = (rows.top + rows.height).to_numpy()
            for i in np.nonzero(rows.vis.to_numpy() < .99)[0]:  # someone overlapping it stands nearer (feet lower)
                assert (overlaps[i] & (bottom >= bottom[i] - .12 * rows.height.iat[i])).any()
    assert (read_gt_file(small_seqs["dance"] / "gt/gt.txt").vis < .5).any()   # dancers do hide each other


def test_a_covered_person_is_invisible_and_the_one_in_front_fully_visible(tmp_path):
    geo = synth.scene_geometry("dance", "eye-level", 320, 180)
    still = dict(leg_swing=0., arm_swing=0., rgb=synth._outfit_rgb("red", "black", np.random.default_rng(0), 0))
    people = [synth.PersonSpec("red", "black", "average", "swaying", texture_seed=i, **still) for i in range(3)]
    T = 2
    traj = synth.Trajectories(x=np.tile([160., 160., 40.], (T, 1)), y=np.tile([150., 151., 150.], (T, 1)),
                              phase=np.zeros((T, 3)), alive=np.ones((T, 3), bool), camera=np.zeros(T, np.int64),
                              world_width=320, turns=np.zeros(3, np.int64))
    scene = dict(camera="static", viewpoint="eye-level", lighting="day", weather="clear", density="sparse",
                 domain="dance", setting="indoor")
    gt = synth.render_sequence(tmp_path / "img1", "dance", scene, people, traj, geo, np.random.default_rng(0))
    vis = gt[gt.frame == 1].set_index("person").vis
    assert vis[0] < .1 and vis[1] == 1 and vis[2] == 1      # #0 stands right behind #1; #2 stands alone


def test_detections_follow_the_ground_truth(small_seqs):
    stats = {}
    for name in ("det", "det_noisy"):
        gt_all, det_all = [], []
        for domain, seq_dir in small_seqs.items():
            if name == "det" and domain == "dance": continue   # trained on dancers: finds them however hidden
            gt, det = read_gt_file(seq_dir / "gt/gt.txt"), read_det_file(seq_dir / f"det/{name}.txt")
            gt_hit, det_hit, _ = _match(gt, det)
            gt_all.append(gt.assign(hit=gt_hit)); det_all.append(det.assign(hit=det_hit))
        gt, det = pd.concat(gt_all), pd.concat(det_all)
        stats[name] = dict(precision=det.hit.mean(), recall=gt.hit.mean(), fps=(~det.hit).sum())
        # misses concentrate at low visibility (among people wholly inside the frame: truncation is the other cause)
        gt = gt[(gt.left >= 1) & (gt.top >= 1) & (gt.left + gt.width <= 321) & (gt.top + gt.height <= 181)]
        tall = gt[gt.height >= 60]          # ... and tall enough that size is not the cause (street misses < 30 px)
        assert tall[~tall.hit].vis.mean() < tall[tall.hit].vis.mean() - .1
        low, high = gt[gt.vis < .25], tall[tall.vis > .8]
        assert (~low.hit).mean() > .5 and (~high.hit).mean() < .15
        # confidence tracks visibility; unmatched detections are less confident
        assert det[det.hit].conf.mean() > det[~det.hit].conf.mean()
    assert stats["det"]["precision"] > .85 and stats["det"]["recall"] > .75
    assert stats["det_noisy"]["fps"] > stats["det"]["fps"] and stats["det_noisy"]["precision"] < stats["det"]["precision"]


def test_false_positives_match_nothing_and_confidence_tracks_visibility(small_seqs):
    gt = read_gt_file(small_seqs["street"] / "gt/gt.txt").assign(in_frame=1.)
    geo = synth.scene_geometry("street", "eye-level", 320, 180)
    dets = synth.simulate_detections(gt, geo, 20, np.random.default_rng(0), **{**synth.DETECTOR_PROFILES["det_noisy"], "fp_rate": 3.})
    fps, tps = dets[dets.gt_id < 0], dets[dets.gt_id >= 0]
    assert len(fps) > 20
    for f, rows in fps.groupby("frame"):
        others = gt[gt.frame == f][BOX].to_numpy()
        if len(others): assert iou_matrix(rows[BOX].to_numpy(), others).max() < .3
    src = tps.merge(gt, left_on=["frame", "gt_id"], right_on=["frame", "id"], suffixes=("", "_gt"))
    assert np.corrcoef(src.conf, src.vis)[0, 1] > .3
    ious = iou_matrix(src[BOX].to_numpy(), src[[c + "_gt" for c in BOX]].to_numpy()).diagonal()
    assert (ious >= .5).mean() > .85                        # jitter scales with the box: localisation stays decent


# --- the pixels agree with the words -------------------------------------------------------------------------------

def test_named_upper_colour_is_the_nearest_palette_colour_of_the_torso(tmp_path):
    agree, total = 0, 0
    misses = []
    for domain in synth.DOMAINS:
        for seed in (0, 1, 2, 3):
            seq = synth.make_sequence(tmp_path / f"{domain}-{seed}", domain, n_frames=6, seed=seed,
                                      lighting="day", weather="clear")
            gt = read_gt_file(seq / "gt/gt.txt")
            words = {int(k): v["attributes"] for k, v in json.loads((seq / "gt/language.json").read_text())["instances"].items()}
            whole = gt[(gt.vis == 1) & (gt.height >= 40) & (gt.left >= 1) & (gt.top >= 1)
                       & (gt.left + gt.width <= 641) & (gt.top + gt.height <= 361)]
            for _, r in whole.groupby("id").head(1).iterrows():  # one look per person
                with Image.open(seq / f"img1/{int(r.frame):06d}.jpg") as im: frame = np.asarray(im.convert("RGB"), np.float32)
                crop = synth.torso_crop(frame, r.left - 1, r.top - 1, r.width, r.height)
                named = words[int(r.id)]["upper"]
                seen = str(synth.nearest_colour(crop.reshape(-1, 3).mean(0)))
                agree += seen == named; total += 1
                if seen != named: misses.append((domain, seed, int(r.id), named, seen))
    assert total >= 50, total
    assert agree / total >= .95, (agree, total, misses)


def _mean_frame(seq, frames=(1, 5, 10)):
    return np.stack([np.asarray(Image.open(seq / f"img1/{f:06d}.jpg").convert("L"), np.float32) for f in frames])


def test_scene_attributes_change_the_pixels(tmp_path):
    kw = dict(n_frames=10, width=320, height=180, seed=5, camera="static", viewpoint="eye-level")
    day = _mean_frame(synth.make_sequence(tmp_path / "day", "street", lighting="day", weather="clear", **kw))
    night = _mean_frame(synth.make_sequence(tmp_path / "night", "street", lighting="night", weather="clear", **kw))
    dusk = _mean_frame(synth.make_sequence(tmp_path / "dusk", "street", lighting="dusk", weather="clear", **kw))
    assert night.mean() < .6 * day.mean() and night.mean() < dusk.mean() < day.mean()
    assert night.std() < .7 * day.std()                                       # lower contrast
    fog = _mean_frame(synth.make_sequence(tmp_path / "fog", "street", lighting="day", weather="fog", **kw))
    assert fog.std() < day.std()
    rain = _mean_frame(synth.make_sequence(tmp_path / "rain", "street", lighting="day", weather="rain", **kw))
    # rain: fresh bright streaks every frame, so the static backdrop above the people flickers
    flicker = lambda frames: (np.abs(np.diff(frames[:, :50], axis=0)) > 25).mean()
    assert flicker(rain) > .01 and flicker(day) < .002
    # density sets crowding
    sparse = read_gt_file(synth.make_sequence(tmp_path / "sparse", "street", density="sparse", **kw) / "gt/gt.txt")
    crowded = read_gt_file(synth.make_sequence(tmp_path / "crowded", "street", density="crowded", **kw) / "gt/gt.txt")
    assert len(crowded) / 10 > 1.5 * len(sparse) / 10


def _shift(a: np.ndarray, b: np.ndarray, max_shift=30) -> int:
    "Horizontal shift s minimising |a[:, x] - b[:, x - s]| (the background moving by s pixels)."
    W = a.shape[1]
    errors = [np.abs(a[:, max_shift + s:W - max_shift + s] - b[:, max_shift:W - max_shift]).mean() for s in range(-max_shift, max_shift + 1)]
    return int(np.argmin(errors)) - max_shift


def test_panning_moves_the_background_and_static_does_not(tmp_path):
    kw = dict(n_frames=30, width=320, height=180, seed=6, viewpoint="eye-level", lighting="day", weather="clear", n_people=1)
    static = synth.make_sequence(tmp_path / "static", "street", camera="static", **kw)
    panning = synth.make_sequence(tmp_path / "pan", "street", camera="panning", **kw)
    band = slice(0, 60)                                     # the buildings above the people's heads
    for seq, moves in ((static, False), (panning, True)):
        first = np.asarray(Image.open(seq / "img1/000001.jpg").convert("L"), np.float32)[band]
        last = np.asarray(Image.open(seq / "img1/000030.jpg").convert("L"), np.float32)[band]
        assert (abs(_shift(last, first)) >= 5) == moves


def test_motion_words_match_the_boxes(small_seqs, tmp_path):
    seq = synth.make_sequence(tmp_path / "walk", "street", n_frames=40, width=320, height=180, seed=9, camera="static", n_people=20)
    gt = read_gt_file(seq / "gt/gt.txt")
    words = {int(k): v["attributes"]["motion"] for k, v in json.loads((seq / "gt/language.json").read_text())["instances"].items()}
    checked = 0
    for tid, rows in gt.groupby("id"):
        rows = rows[(rows.left > 1) & (rows.left + rows.width < 320)]        # wholly inside: the box centre is the body's
        if len(rows) < 10: continue
        dx = (rows.left + rows.width / 2).iat[-1] - (rows.left + rows.width / 2).iat[0]
        if words[tid] == "walking left": assert dx < 0; checked += 1
        if words[tid] == "walking right": assert dx > 0; checked += 1
        if words[tid] == "standing": assert abs(dx) <= 1; checked += 1
    assert checked >= 5
    # dancers look alike; sports has two teams and a referee in a third colour
    dance = json.loads((small_seqs["dance"] / "gt/language.json").read_text())["instances"].values()
    assert len({d["attributes"]["upper"] for d in dance}) <= 2
    sports = [d["attributes"] for d in json.loads((small_seqs["sports"] / "gt/language.json").read_text())["instances"].values()]
    teams = {a["team"] for a in sports if a.get("role") == "player"}
    assert len(teams) == 2 and all(a["upper"] not in teams for a in sports if a.get("role") == "referee")


def test_descriptions_vary_in_form_not_in_content(tmp_path):
    seqs = synth.make_dataset(tmp_path, domains=synth.DOMAINS, splits={"train": 2}, n_frames=2, width=160, height=90)
    texts = [v["text"] for s in seqs for v in json.loads((s / "gt/language.json").read_text())["instances"].values()]
    scenes = [json.loads((s / "gt/language.json").read_text())["scene"]["text"] for s in seqs]
    assert len(texts) > 0 and len(set(texts)) > .8 * len(texts)
    assert len({t.split()[0] for t in scenes}) >= 2           # several sentence templates in use
    for s in seqs:
        lang = json.loads((s / "gt/language.json").read_text())
        for inst in lang["instances"].values():
            a, t = inst["attributes"], inst["text"]
            upper_words = synth._COLOUR_WORDS.get(a["upper"], (a["upper"],))
            assert any(w in t for w in upper_words), t
            if a["height"] != "average": assert a["height"] in t, t


def test_preview_frame_draws_boxes(small_seqs, tmp_path):
    img = synth.preview_frame(small_seqs["sports"], 10, tmp_path / "p.png", det_name="det")
    raw = np.asarray(Image.open(small_seqs["sports"] / "img1/000010.jpg").convert("RGB"))
    assert img.size == (320, 180) and (np.asarray(img) != raw).any()
    assert Image.open(tmp_path / "p.png").format == "PNG"
    with pytest.raises(LgmotError, match="frame 21 not found"): synth.preview_frame(small_seqs["sports"], 21)


@pytest.mark.slow
def test_full_size_sequence_is_fast(tmp_path):
    t0 = time.process_time()
    seq = synth.make_sequence(tmp_path / "street-001", "street", n_frames=150, width=640, height=360, n_people=15, seed=0)
    cpu = time.process_time() - t0
    assert len(list((seq / "img1").iterdir())) == 150
    assert cpu < 20, f"{cpu:.1f}s of CPU for 150 frames"   # a few seconds on an idle core


# --- calibrated difficulty ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def medium_seqs(tmp_path_factory):
    "Two 120-frame 320x180 sequences per domain (seeds 1, 2): long enough for crossings and occlusions."
    root = tmp_path_factory.mktemp("medium")
    return {d: [synth.make_sequence(root / f"{d}-{s:03d}", d, n_frames=120, width=320, height=180, seed=s) for s in (1, 2)]
            for d in synth.DOMAINS}


def test_perfect_detections_are_the_visible_gt_boxes(small_seqs):
    for domain, seq_dir in small_seqs.items():
        gt, det = read_gt_file(seq_dir / "gt/gt.txt"), read_det_file(seq_dir / "det/det_gt.txt")
        seen = gt[gt.vis >= synth.VISIBLE]
        assert len(det) == len(seen) and (det.conf == 1).all() and (det.id == -1).all()
        assert np.allclose(det[BOX].to_numpy(), seen[BOX].to_numpy())
        if not synth.ANNOTATE_OCCLUDED[domain]: assert len(seen) == len(gt)   # dance, sports: only the visible


def test_street_ground_truth_keeps_hidden_people(medium_seqs):
    gt = pd.concat([read_gt_file(s / "gt/gt.txt") for s in medium_seqs["street"]])
    assert (gt.vis < synth.VISIBLE).any()                 # as MOT17: people behind a kiosk stay annotated


def test_difficulty_statistics_show_what_each_domain_is_about(medium_seqs):
    stats = {d: synth.difficulty_stats(seqs) for d, seqs in medium_seqs.items()}
    mean = {d: s.mean(numeric_only=True) for d, s in stats.items()}
    # dance: look-alikes who cross all the time and hide behind each other; their descriptions still tell them apart
    assert mean["dance"].crossings_per_track_min > 3 * mean["street"].crossings_per_track_min
    assert mean["dance"].occlusions_per_track_min > 1 and mean["dance"].description_uniqueness > .6
    # sports: two uniforms, so descriptions are far less unique than in dance or street
    assert mean["sports"].description_uniqueness < mean["dance"].description_uniqueness
    assert mean["street"].description_uniqueness > .6
    for d, s in stats.items():
        assert (s.fps > 0).all() and (s.occlusion_median_s >= 0).all() and s["occlusions_0.5-3s"].between(0, 1).all(), d


def test_dancers_are_lookalikes_told_apart_by_what_the_text_names(medium_seqs):
    for seq_dir in medium_seqs["dance"]:
        inst = json.loads((seq_dir / "gt/language.json").read_text())["instances"].values()
        outfits = {(i["attributes"]["upper"], i["attributes"]["lower"]) for i in inst}
        assert len(outfits) <= 2                                                  # one costume, or two groups
        for i in inst:
            a, t = i["attributes"], i["text"]
            shoe_words = synth._COLOUR_WORDS.get(a["shoes"], (a["shoes"],))
            assert any(w in t for w in shoe_words) and any(w in t for w in synth._HAIR_WORDS[a["hair"]]), t


def test_sports_camera_zooms_and_boxes_scale_together(medium_seqs):
    for seq_dir in medium_seqs["sports"]:
        gt = read_gt_file(seq_dir / "gt/gt.txt")
        median_height = gt.groupby("frame").height.median()
        assert median_height.max() > 1.15 * median_height.min()


def test_difficulty_knobs_change_the_data(tmp_path):
    calm = synth.make_sequence(tmp_path / "calm", "dance", n_frames=120, width=320, height=180, seed=1,
                               difficulty={"swap_share": 0, "sway": 0, "move_speed": (.01, .02)})
    wild = synth.make_sequence(tmp_path / "wild", "dance", n_frames=120, width=320, height=180, seed=1)
    stats = synth.difficulty_stats([calm, wild])
    assert stats.loc["calm", "crossings_per_track_min"] < stats.loc["wild", "crossings_per_track_min"]
    slow = synth.make_sequence(tmp_path / "slow", "street", seed=1, difficulty={"frame_rates": (14, 14)}, **SMALL)
    assert load_sequence(slow).info.fps == 14
    with pytest.raises(LgmotError, match="unknown dance difficulty knob 'speed'"):
        synth.make_sequence(tmp_path / "x", "dance", difficulty={"speed": 1}, **SMALL)
    with pytest.raises(LgmotError, match="unknown street difficulty knob"):
        synth.make_dataset(tmp_path / "d", domains=("street",), splits={"test": 1}, difficulty={"street": {"zoom_max": 2}})
    assert not (tmp_path / "x").exists() and not (tmp_path / "d" / "SYNTH").exists()   # nothing written on bad input
