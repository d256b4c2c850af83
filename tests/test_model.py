"Tests of `lgmot.model`: shapes, parameter counts, language switches and gradients, losses, learning a tiny graph."
import copy
import dataclasses
import pytest
import torch

from lgmot.core import LgmotError, apply_overrides, preset
from lgmot.graph import batch_graphs, build_hierarchy_level, clip_detections, level0_nodes, next_level_nodes, toy_detections
from lgmot.model import (LgmotNet, count_parameters, edge_probabilities, focal_loss, info_nce, lgmot_loss,
                         loss_gradients)

torch.set_num_threads(1)
LANG_FIELDS = ("scene_emb", "inst_emb", "inst_valid")


@pytest.fixture(scope="module")
def graphs():
    cfg = preset("lgmot")
    g = torch.Generator().manual_seed(0)
    df = toy_detections(4, 10, seed=0, fp_per_frame=0.5, miss_rate=0.1)
    dets = clip_detections(df, 1, 10, appearance=torch.randn(len(df), 16, generator=g))
    n0 = level0_nodes(dets)
    g0 = build_hierarchy_level(n0, 0, cfg.graph, 10.0, scene_emb=torch.randn(48, generator=g),
                               instance_ids=torch.arange(1, 5), instance_emb=torch.randn(4, 128, generator=g))
    n1, _ = next_level_nodes(n0, g0, g0.edge_label[g0.edge_forward] > 0.5)
    g1 = build_hierarchy_level(n1, 1, cfg.graph, 10.0, scene_emb=torch.randn(48, generator=g))
    return g0, g1


def _strip(data):
    return dataclasses.replace(data, **{k: None for k in LANG_FIELDS})


def _reached(grads):
    return {n for n, g in grads.items() if g is not None and g.abs().sum() > 0}


def test_parameter_counts_match_the_released_sizes():
    torch.manual_seed(0)
    counts = count_parameters(LgmotNet(preset("lgmot"), node_in_dim=2048))
    assert counts["mpn0 (levels 0)"] == 287589          # 6 edge features
    assert counts["mpn1 (levels 1,2,3)"] == 287607      # 7 edge features
    assert counts["level_embed"] == 4 * 16 and counts["language"] == 0
    assert counts["total"] == 287589 + 287607 + 64


def test_shapes_and_batching(graphs):
    g0, g1 = graphs
    torch.manual_seed(0)
    net = LgmotNet(preset("lgmot"), node_in_dim=16)
    for level, g in ((0, g0), (1, g1), (3, g1)):
        out = net(g, level)
        E = g.edge_index.shape[1]
        assert len(out.logits) == 11 and all(l.shape == (E,) for l in out.logits)
        assert all(e.shape == (E, 16) for e in out.edge_embeddings) and out.node_hidden.shape == (g.num_nodes, 128)
        assert edge_probabilities(out, g).shape == (E // 2,)
    b = batch_graphs([g1, g1])
    pb = edge_probabilities(net(b, 1), b)
    p1 = edge_probabilities(net(g1, 1), g1)
    assert torch.allclose(pb, torch.cat([p1, p1]), atol=1e-6)


def test_edge_probabilities_average_both_directions(graphs):
    g0, _ = graphs
    net = LgmotNet(preset("lgmot"), node_in_dim=16)
    out = net(g0, 0)
    E = g0.edge_index.shape[1]
    p = torch.sigmoid(out.logits[-1])
    assert torch.allclose(edge_probabilities(out, g0), (p[:E // 2] + p[E // 2:]) / 2)


def test_baseline_runs_without_language_fields(graphs):
    g0, g1 = map(_strip, graphs)
    cfg = preset("baseline")
    net = LgmotNet(cfg, node_in_dim=0)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for level, g in ((0, g0), (1, g1)):
        loss = lgmot_loss(net(g, level, with_language=True), g, level, cfg)
        assert loss["spg"].item() == 0 and loss["isg"].item() == 0 and loss["edge"] > 0
        opt.zero_grad(); loss["total"].backward(); opt.step()


def test_language_changes_nothing_at_inference(graphs):
    g0, g1 = graphs
    torch.manual_seed(0)
    net = LgmotNet(preset("lgmot"), node_in_dim=16).eval()
    for level, g in ((0, g0), (1, g1)):
        ref = net(_strip(g), level).logits
        for out in (net(g, level), net(g, level, with_language=True)):
            assert all(torch.equal(a, b) for a, b in zip(ref, out.logits))
    with pytest.raises(LgmotError, match="no scene_emb"):
        net(_strip(g0), 0, with_language=True)


def test_spg_reaches_the_embeddings_but_not_the_classifier(graphs):
    g0, g1 = graphs
    cfg = apply_overrides(preset("lgmot"), ["language.isg=false"])
    net = LgmotNet(cfg, node_in_dim=16)
    for level, g, k in ((0, g0, 0), (1, g1, 1)):
        reached = _reached(loss_gradients(net, lgmot_loss(net(g, level, with_language=True), g, level, cfg)["spg"]))
        assert not any("classifier" in n for n in reached)
        assert {f"mpns.{k}.edge_enc.0.weight", f"mpns.{k}.edge_update.2.weight", f"mpns.{k}.node_update.0.weight",
                "level_embed.weight"} <= reached
        assert not any(n.startswith(f"mpns.{1 - k}") for n in reached)


def test_spg_switches_per_level_and_weights(graphs):
    g0, g1 = graphs
    cfg = apply_overrides(preset("lgmot"), ["language.spg_levels=[false,true,false,false]", "language.spg_weight=2.0", "language.isg=false"])
    net = LgmotNet(cfg, node_in_dim=16)
    assert lgmot_loss(net(g0, 0, with_language=True), g0, 0, cfg)["spg"].item() == 0
    l2 = lgmot_loss(net(g1, 1, with_language=True), g1, 1, cfg)["spg"]
    cfg1 = apply_overrides(copy.deepcopy(cfg), ["language.spg_weight=1.0"])
    l1 = lgmot_loss(net(g1, 1, with_language=True), g1, 1, cfg1)["spg"]
    assert l2.item() == pytest.approx(2 * l1.item(), rel=1e-5) and l1 > 0


def test_no_fp_loss_ignores_unmasked_edges(graphs):
    g0, _ = graphs
    cfg = apply_overrides(preset("baseline"), ["train.no_fp_loss=true"])
    net = LgmotNet(cfg, node_in_dim=16)
    out = net(g0, 0)
    flipped = g0.clone()
    flipped.edge_label = torch.where(g0.edge_mask, g0.edge_label, 1 - g0.edge_label)
    assert (~g0.edge_mask).any()
    assert lgmot_loss(out, g0, 0, cfg)["edge"].item() == pytest.approx(lgmot_loss(out, flipped, 0, cfg)["edge"].item())
    cfg_all = preset("baseline")
    assert lgmot_loss(out, g0, 0, cfg_all)["edge"].item() != pytest.approx(lgmot_loss(out, flipped, 0, cfg_all)["edge"].item())


def test_focal_loss_and_info_nce_values():
    # gamma 0 is plain BCE; gamma 1 down-weights easy examples
    logits, target = torch.tensor([2.0, -1.0]), torch.tensor([1.0, 1.0])
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    assert focal_loss(logits, target, gamma=0.0).item() == pytest.approx(bce.item())
    assert focal_loss(logits, target, gamma=1.0) < bce
    # two tracks: nodes close to their own text have a lower loss than nodes close to the other's
    texts = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).repeat_interleave(3, 0)
    assert info_nce(texts + 0.1, texts) < info_nce(texts.flip(1), texts)


def test_empty_graph(graphs):
    cfg = preset("lgmot")
    n0 = level0_nodes(clip_detections(toy_detections(1, 1), 1, 1, appearance=torch.ones(1, 16)))
    g = build_hierarchy_level(n0, 0, cfg.graph, 10.0, scene_emb=torch.ones(8), instance_ids=[1], instance_emb=torch.ones(1, 128))
    net = LgmotNet(cfg, node_in_dim=16)
    loss = lgmot_loss(net(g, 0, with_language=True), g, 0, cfg)
    assert torch.isfinite(loss["total"]) and loss["edge"].item() == 0
    assert edge_probabilities(net(g, 0), g).shape == (0,)


def test_bad_configurations_raise():
    with pytest.raises(LgmotError, match="needs appearance features"):
        LgmotNet(apply_overrides(preset("lgmot"), ["model.node_input=appearance"]), node_in_dim=0)
    with pytest.raises(LgmotError, match="needs the instance embedding width"):
        LgmotNet(apply_overrides(preset("lgmot"), ["language.instance_projection=learned"]), node_in_dim=4)
    net = LgmotNet(apply_overrides(preset("lgmot"), ["model.node_input=appearance"]), node_in_dim=8)
    g = build_hierarchy_level(level0_nodes(clip_detections(toy_detections(2, 3), 1, 3)), 0, preset("lgmot").graph, 10.0)
    with pytest.raises(LgmotError, match="expects data.x of width 8"):
        net(g, 0)


def test_same_seed_same_model(graphs):
    g0, _ = graphs
    outs = []
    for _ in range(2):
        torch.manual_seed(3)
        outs.append(LgmotNet(preset("lgmot"), node_in_dim=16)(g0, 0).logits[-1])
    assert torch.equal(*outs)


def test_a_tiny_graph_can_be_overfit():
    cfg = preset("baseline")
    g = build_hierarchy_level(level0_nodes(clip_detections(toy_detections(4, 10, seed=2, fp_per_frame=0.5, miss_rate=0.1), 1, 10)),
                              0, cfg.graph, 10.0)
    torch.manual_seed(0)
    net = LgmotNet(cfg, node_in_dim=0)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for _ in range(300):
        loss = lgmot_loss(net(g, 0), g, 0, cfg)["total"]
        opt.zero_grad(); loss.backward(); opt.step()
        with torch.no_grad():
            acc = ((net(g, 0).logits[-1] > 0).float() == g.edge_label).float().mean().item()
        if acc > 0.99: break
    assert acc > 0.95


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu(graphs):
    g0, _ = graphs
    torch.manual_seed(0)
    net = LgmotNet(preset("lgmot"), node_in_dim=16)
    ref = net(g0, 0, with_language=True)
    gpu = copy.deepcopy(net).to("cuda")(g0.to("cuda"), 0, with_language=True)
    assert torch.allclose(ref.logits[-1], gpu.logits[-1].cpu(), atol=1e-4)
    assert torch.allclose(ref.scene_target, gpu.scene_target.cpu(), atol=1e-5)
