"End-to-end, property and real-data tests of `lgmot.graph` (the hierarchy, edges, features, labels)."
import itertools, time
import numpy as np
import pandas as pd
import pytest
import torch

from lgmot.core import LgmotError, apply_overrides, preset
from lgmot.graph import (batch_graphs, build_hierarchy_level, candidate_edges, clip_detections, clip_windows, edge_labels,
                         forward_edges, level0_nodes, motion_giou, mutual_topk, pruning_motion, pruning_scores, next_level_nodes, oracle_hierarchy,
                         overlapping_windows, pool_nodes, toy_detections)

torch.set_num_threads(1)

SMALL = ["graph.frames_per_level=[3,6,12]", "graph.frames_per_graph=12", "graph.pruning=[geometry,motion_005,motion_005]",
         "graph.motion_max_length=[3,6]", "graph.motion_pred_length=[3,6]", "language.spg_levels=[true,true,true]"]


def _dets(frames, ids, boxes):
    boxes = np.asarray(boxes, dtype=float)
    return pd.DataFrame({"det_id": np.arange(len(frames)), "frame": frames, "id": ids, "left": boxes[:, 0], "top": boxes[:, 1],
                         "width": boxes[:, 2], "height": boxes[:, 3]})


# ---------------------------------------------------------------- clips
def test_overlapping_windows_cover_every_frame_and_overlap_by_half():
    for first, last, length in [(1, 600, 150), (1, 151, 150), (5, 1000, 512), (1, 20, 5)]:
        w = overlapping_windows(first, last, length)
        covered = set(itertools.chain.from_iterable(range(a, b + 1) for a, b in w))
        assert covered == set(range(first, last + 1))
        assert all(b - a + 1 <= length for a, b in w)
        for (a0, b0), (a1, b1) in zip(w, w[1:]):
            assert a0 < a1 and b0 < b1 and b0 - a1 + 1 == round(0.5 * (b0 - a0 + 1))


def test_clip_windows_stride_and_no_repeated_ends():
    w = clip_windows(1, 600, 150, 20)
    assert w[0] == (1, 150) and all(a1 - a0 == 20 for (a0, _), (a1, _) in zip(w, w[1:]))
    assert len({b for _, b in w}) == len(w)
    with pytest.raises(LgmotError):
        overlapping_windows(1, 10, 5, overlap=1.0)


# ---------------------------------------------------------------- candidates and pruning, against brute force
def test_candidate_edges_match_brute_force():
    rng = np.random.default_rng(0)
    for trial in range(20):
        n = int(rng.integers(0, 40))
        ts = rng.integers(1, 30, n); te = ts + rng.integers(0, 4, n)
        chunk = int(rng.integers(2, 12))
        # tracklets never cross their chunk, as in a real hierarchy
        te = np.minimum(te, (ts - 1) // chunk * chunk + chunk)
        got = candidate_edges(torch.tensor(ts), torch.tensor(te), 1, chunk)
        want = {(i, j) for i in range(n) for j in range(n) if (ts[i] - 1) // chunk == (ts[j] - 1) // chunk and te[i] < ts[j]}
        assert set(map(tuple, got.T.tolist())) == want and got.shape[1] == len(want)


def test_mutual_topk_matches_brute_force():
    rng = np.random.default_rng(1)
    for trial in range(30):
        n = int(rng.integers(2, 15)); k = int(rng.integers(1, 5))
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.6]
        if not pairs: continue
        edges = torch.tensor(pairs).T
        scores = torch.tensor(rng.permutation(len(pairs)), dtype=torch.float)     # distinct scores: no ties
        keep = mutual_topk(edges, scores, n, k)
        want = []
        for e, (i, j) in enumerate(pairs):
            def top(v):
                mine = sorted((scores[f].item(), f) for f, (a, b) in enumerate(pairs) if v in (a, b))
                return {f for _, f in mine[:k]}
            want.append(e in top(i) and e in top(j))
        assert keep.tolist() == want


def test_geometry_pruning_keeps_the_nearest_mutual_neighbour():
    # two people per frame, far apart: with k=1 only the two true links survive
    df = _dets([1, 1, 2, 2], [1, 2, 1, 2], [[0, 0, 10, 20], [200, 0, 10, 20], [2, 0, 10, 20], [203, 0, 10, 20]])
    cfg = apply_overrides(preset("lgmot"), ["graph.top_k=1"])
    g = build_hierarchy_level(level0_nodes(clip_detections(df, 1, 2)), 0, cfg.graph, 10.0)
    assert sorted(map(tuple, forward_edges(g).T.tolist())) == [(0, 2), (1, 3)]
    assert g.edge_label.tolist() == [1.0] * 4


# ---------------------------------------------------------------- features, labels, motion, pooling
def test_labels_with_a_gap_and_a_false_positive():
    gid = torch.tensor([7, 8, 7, 8, -1, 7]); fr = torch.tensor([1, 1, 2, 2, 2, 4])
    ce = candidate_edges(fr, fr, 1, 10)
    lab, mask = edge_labels(gid, fr, fr, ce)
    assert sorted(tuple(e) for e, l in zip(ce.T.tolist(), lab.tolist()) if l) == [(0, 2), (1, 3), (2, 5)]
    assert not mask[(ce[0] == 4) | (ce[1] == 4)].any()
    # without the middle detection (pruned), the long edge becomes the nearest one and is positive
    keep = ~((ce[0] == 2) | (ce[1] == 2))
    lab2, _ = edge_labels(gid, fr, fr, ce[:, keep])
    assert lab2[(ce[0, keep] == 0) & (ce[1, keep] == 5)].tolist() == [1.0]


def _line(frames, split, vx=3.0, vy=1.0):
    df = _dets(frames, [1] * len(frames), [[100 + vx * f, 50 + vy * f, 40, 100] for f in frames])
    n0 = level0_nodes(clip_detections(df, min(frames), max(frames)))
    n1, _ = pool_nodes(n0, torch.tensor([int(f >= split) for f in frames]))
    return n1


@pytest.mark.parametrize("gap", [1, 2, 3, 4, 7, 10])
def test_motion_giou_of_a_linear_mover_is_one(gap):
    n1 = _line(list(range(1, 6)) + list(range(5 + gap, 10 + gap)), split=5 + gap)
    assert motion_giou(n1, torch.tensor([[0], [1]]), 5, 5).item() == pytest.approx(1.0, abs=1e-5)


def test_pruning_fallback_keeps_the_near_partner_of_a_singleton():
    "A lone detection at frame 1 and twelve later singletons: the one standing where it stood comes last in time."
    frames = [1] + list(range(2, 14))
    boxes = [[100, 50, 40, 100]] + [[300 + 30 * k, 50, 40, 100] for k in range(11)] + [[102, 50, 40, 100]]
    n0 = level0_nodes(clip_detections(_dets(frames, list(range(13)), boxes), 1, 13))
    n1, _ = pool_nodes(n0, torch.arange(13))                  # thirteen one-detection nodes: none can predict
    edges = torch.stack([torch.zeros(12, dtype=torch.long), torch.arange(1, 13)])
    motion = motion_giou(n1, edges, 5, 5)
    assert (motion == -2).all()                               # SUSHI: every edge ties
    sushi = mutual_topk(edges, pruning_scores(n1, edges, "motion_005", motion), 13, 10)
    ours = mutual_topk(edges, pruning_scores(n1, edges, "motion_005", pruning_motion(n1, edges, motion)), 13, 10)
    assert not sushi[-1] and ours[-1]                         # the tie keeps the 10 earliest; the fallback the nearest


def test_motion_giou_singletons_and_range():
    n1 = _line(list(range(1, 6)) + [9], split=9)
    assert motion_giou(n1, torch.tensor([[0], [1]]), 5, 5).item() == -2.0
    # two boxes further apart than the history window: only one box in the window, cannot predict
    n1 = _line([1, 9, 20, 21, 22], split=20)
    assert motion_giou(n1, torch.tensor([[0], [1]]), 5, 5).item() == -2.0
    # a mover that turns around scores low but within [-2, 1]
    df = _dets(list(range(1, 11)), [1] * 10, [[100 + 20 * min(f, 11 - f), 50, 40, 100] for f in range(1, 11)])
    n1, _ = pool_nodes(level0_nodes(clip_detections(df, 1, 10)), torch.tensor([int(f > 5) for f in range(1, 11)]))
    g = motion_giou(n1, torch.tensor([[0], [1]]), 5, 5).item()
    assert -2.0 <= g < 0.5


def test_pooling_is_exact_across_levels():
    dets = clip_detections(toy_detections(3, 12, seed=4), 1, 12, appearance=torch.randn(36, 5, generator=torch.Generator().manual_seed(0)))
    n0 = level0_nodes(dets)
    # merge in two rounds (frames 1-6, 7-12 per id, then whole ids) vs in one: identical nodes
    half = n0.gt_id * 2 + (n0.t_start > 6).long()
    n1, _ = pool_nodes(n0, half)
    n2, _ = pool_nodes(n1, n1.gt_id)
    direct, _ = pool_nodes(n0, n0.gt_id)
    for f in ("t_start", "t_end", "box_start", "box_end", "gt_id", "det_to_node"):
        assert torch.equal(getattr(n2, f), getattr(direct, f)), f
    assert torch.allclose(n2.app, direct.app, atol=1e-6)


# ---------------------------------------------------------------- level graphs and the hierarchy
def test_level_graph_fields_batching_and_determinism():
    cfg = preset("lgmot")
    dets = clip_detections(toy_detections(5, 30, seed=1, fp_per_frame=1.0, miss_rate=0.1), 1, 30,
                           appearance=torch.randn(400, 8, generator=torch.Generator().manual_seed(0)))
    n0 = level0_nodes(dets)
    g = build_hierarchy_level(n0, 0, cfg.graph, 30.0, scene_emb=torch.ones(1, 12), instance_ids=[1, 2, 3, 4, 5],
                              instance_emb=torch.randn(5, 128))
    g2 = build_hierarchy_level(n0, 0, cfg.graph, 30.0)
    assert torch.equal(g.edge_index, g2.edge_index) and torch.equal(g.edge_attr, g2.edge_attr)
    E = g.edge_index.shape[1]
    assert g.edge_forward.tolist() == [True] * (E // 2) + [False] * (E // 2)
    assert torch.equal(g.edge_index[:, E // 2:], g.edge_index[:, :E // 2].flip(0))
    assert torch.equal(g.edge_attr[E // 2:], g.edge_attr[:E // 2]) and torch.equal(g.edge_mask[E // 2:], g.edge_mask[:E // 2])
    degree = torch.bincount(g.edge_index[0], minlength=g.num_nodes)
    assert degree.max() <= cfg.graph.top_k
    assert g.inst_emb.shape == (g.num_nodes, 128) and torch.equal(g.inst_valid, n0.gt_id > 0)
    n1, labels = next_level_nodes(n0, g, g.edge_label[g.edge_forward] > 0.5)
    assert torch.equal(n1.det_to_node, labels)         # level 0: nodes are detections
    h = build_hierarchy_level(n1, 1, cfg.graph, 30.0, scene_emb=torch.ones(12), instance_emb=torch.randn(5, 128), instance_ids=[1, 2, 3, 4, 5])
    assert h.edge_attr.shape[1] == 7 and h.inst_emb is None     # instance targets exist at level 0 only
    assert ((h.edge_attr[:, 6] >= -2) & (h.edge_attr[:, 6] <= 1)).all()
    b = batch_graphs([h, h, h])
    assert b.num_nodes == 3 * h.num_nodes and b.scene_emb.shape == (3, 12)
    assert forward_edges(b).shape[1] == 3 * (h.edge_index.shape[1] // 2)


def test_oracle_hierarchy_rebuilds_tracks():
    cfg = apply_overrides(preset("lgmot"), SMALL)
    for seed in range(4):
        dets = clip_detections(toy_detections(5, 12, seed=seed, miss_rate=0.1, fp_per_frame=0.5), 1, 12,
                               appearance=None if seed % 2 else torch.randn(200, 4, generator=torch.Generator().manual_seed(seed)))
        graphs, final = oracle_hierarchy(level0_nodes(dets), cfg.graph, 10.0)
        track, gt = final.det_to_node, dets.gt_id
        for t in torch.unique(track):
            assert torch.unique(gt[track == t]).numel() == 1
        # every person ends in one track and every false positive stays alone
        ids = torch.unique(gt[gt >= 0])
        assert all(torch.unique(track[gt == i]).numel() == 1 for i in ids)
        assert final.num_nodes == len(ids) + int((gt < 0).sum()) and final.level == cfg.graph.depth


def test_empty_and_single_detection_clips():
    cfg = preset("lgmot")
    for df in (toy_detections(2, 5).iloc[:0], toy_detections(1, 1)):
        n0 = level0_nodes(clip_detections(df, 1, 150))
        g = build_hierarchy_level(n0, 0, cfg.graph, 25.0)
        assert g.edge_index.shape == (2, 0) and g.edge_attr.shape == (0, 6)
        n1, labels = next_level_nodes(n0, g, torch.zeros(0, dtype=torch.bool))
        assert n1.num_nodes == n0.num_nodes and labels.numel() == n0.num_nodes
        assert build_hierarchy_level(n1, 1, cfg.graph, 25.0).edge_attr.shape == (0, 7)


def test_bad_inputs_raise_clear_errors():
    cfg = preset("lgmot")
    n0 = level0_nodes(clip_detections(toy_detections(2, 5), 1, 5))
    with pytest.raises(LgmotError, match="outside the hierarchy"):
        build_hierarchy_level(n0, 4, cfg.graph, 25.0)
    with pytest.raises(LgmotError, match="fps must be positive"):
        build_hierarchy_level(n0, 0, cfg.graph, 0.0)
    g = build_hierarchy_level(n0, 0, cfg.graph, 25.0)
    with pytest.raises(LgmotError, match="edge decisions"):
        next_level_nodes(n0, g, torch.ones(3, dtype=torch.bool))
    with pytest.raises(LgmotError, match="instance_emb must be"):
        build_hierarchy_level(n0, 0, cfg.graph, 25.0, instance_ids=[1, 2], instance_emb=torch.ones(3, 4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    cfg = apply_overrides(preset("lgmot"), SMALL)
    df = toy_detections(6, 12, seed=5, miss_rate=0.1, fp_per_frame=1.0)
    app = torch.randn(len(df), 8, generator=torch.Generator().manual_seed(0))
    out = {}
    for dev in ("cpu", "cuda"):
        graphs, final = oracle_hierarchy(level0_nodes(clip_detections(df, 1, 12, appearance=app, device=dev)), cfg.graph, 10.0)
        out[dev] = (graphs, final)
    for gc, gg in zip(out["cpu"][0], out["cuda"][0]):
        assert torch.equal(gc.edge_index, gg.edge_index.cpu())
        assert torch.allclose(gc.edge_attr, gg.edge_attr.cpu(), atol=1e-4)
        assert torch.equal(gc.edge_label, gg.edge_label.cpu())
    assert torch.equal(out["cpu"][1].det_to_node, out["cuda"][1].det_to_node.cpu())


# ---------------------------------------------------------------- real data
def _mot17_gt_as_detections(full, seq="MOT17-09"):
    path = full / seq / "gt" / "gt.txt"
    if not path.exists(): pytest.skip(f"{path} missing")
    gt = pd.read_csv(path, header=None, names=["frame", "id", "left", "top", "width", "height", "flag", "cls", "vis"])
    gt = gt[(gt.cls == 1) & (gt.flag == 1)].sort_values(["frame", "id"]).reset_index(drop=True)
    gt["left"] -= 1; gt["top"] -= 1
    gt.insert(0, "det_id", np.arange(len(gt)))
    return gt


def test_real_clip_hierarchy_with_ground_truth_decisions(mot17_full):
    gt = _mot17_gt_as_detections(mot17_full)
    cfg = preset("lgmot")
    ids = torch.tensor(gt.id.to_numpy())
    # an appearance that identifies people (as a good re-id model would): every id ends up in exactly one track
    app = torch.nn.functional.one_hot(ids % 64, 64).float() * 5
    t0 = time.perf_counter()
    for first, last in overlapping_windows(1, int(gt.frame.max()), 150)[:3]:
        dets = clip_detections(gt, first, last, appearance=app)
        graphs, final = oracle_hierarchy(level0_nodes(dets), cfg.graph, 30.0)
        assert [g.edge_attr.shape[1] for g in graphs] == [6, 7, 7, 7]
        track = final.det_to_node
        for t in torch.unique(track):
            assert torch.unique(dets.gt_id[track == t]).numel() == 1
        assert final.num_nodes == torch.unique(dets.gt_id).numel()
    assert time.perf_counter() - t0 < 30
