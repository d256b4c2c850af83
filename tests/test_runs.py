"""The run notebooks (nbs/runs/) executed by `lgmot run` with tiny parameters, `lgmot run`'s bad input, and the HTML
report opened in a real browser.

Each shipped run notebook runs end to end on a tiny synthetic dataset (MOT17 for its recipe, when the shared data is
there) and must leave its executed notebook, HTML, params.yaml and metrics.json. Bad input must be one line on stderr,
a non-zero exit and no run folder (or, for a failing cell, the notebook executed up to it). The browser test opens a
report built here in headless Debian Chromium with every network request refused, and checks that each plotly chart
drew its data; its screenshot is kept in `tests/artifacts/` (or `$LGMOT_ARTIFACTS`)."""
import json, os, subprocess, sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, needs_mot17_full, tiny_overrides

CHROMIUM = "/usr/bin/chromium"


def lgmot(*args, cwd=None):
    return subprocess.run([sys.executable, "-c", "import sys; from lgmot.cli import main; sys.exit(main())", *args],
                          capture_output=True, text=True, timeout=900, cwd=cwd, env={**os.environ, "LGMOT_PROGRESS": "0"})


def yaml_list(items) -> str:
    return yaml.safe_dump(list(items), default_flow_style=True).strip()


TINY = yaml_list(tiny_overrides("train.batch_size=2", spg=False))
TINY_SPG = yaml_list(tiny_overrides("train.batch_size=2", spg=True))


def check_run_folder(folder: Path, stem: str) -> dict:
    "The files every run leaves, and its metrics."
    for name in (f"{stem}.ipynb", f"{stem}.html", "report.html", "params.yaml", "metrics.json", "run.json"):
        assert (folder / name).exists(), name
    html = (folder / f"{stem}.html").read_text()
    assert (folder / "report.html").read_text() == html      # every run folder opens at report.html
    assert "What was run" in html and "config hash" in html
    return json.loads((folder / "metrics.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    "A tiny train run and a tiny track_eval run, shared by the tests below (papermill, through `lgmot run`)."
    base = tmp_path_factory.mktemp("runs")
    r = lgmot("run", "train", "-p", "synth_frames", "30", "-p", "epochs", "1", "-p", "preset_name", "baseline",
              "-p", "overrides", TINY, "--out", str(base / "train"))
    assert r.returncode == 0, r.stderr[-3000:]
    r = lgmot("run", "track_eval", "-p", "synth_frames", "40", "-p", "peers", "[sort, bytetrack]", "--out", str(base / "te"))
    assert r.returncode == 0, r.stderr[-3000:]
    return base


def test_train_notebook(runs):
    m = check_run_folder(runs / "train", "train")
    assert m["epochs"] == 1 and Path(m["model"]).exists() and m["preset"] == "baseline"
    assert yaml.safe_load((runs / "train" / "params.yaml").read_text())["epochs"] == 1


def test_track_eval_notebook(runs):
    m = check_run_folder(runs / "te", "track_eval")
    assert {"lgmot", "oracle", "sort", "bytetrack+interp"} <= set(m["table"])
    assert len(m["sequences"]) == 3 and (runs / "te" / "manifest.json").exists()


def test_report_notebook_and_the_browser(runs, tmp_path):
    "The report of the track_eval run, its shipped model diffed against the tiny trained one, opened in Chromium."
    model = runs / "train" / "runs" / "model" / "model.pt"
    r = lgmot("run", "report", "-p", "run_dir", str(runs / "te"), "-p", "models", json.dumps({"tiny": str(model)}),
              "-p", "reference", "tiny", "-p", "clip_frames", "30", "--out", str(tmp_path / "report"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = check_run_folder(tmp_path / "report", "report")
    assert m["ours"] == "lgmot" and m["reference"] == "tiny" and "best peer" in m["findings"]
    html = tmp_path / "report" / "report.html"
    assert "widget-state" not in html.read_text()[:200000]
    if not Path(CHROMIUM).exists(): pytest.skip("Debian chromium not installed (make test installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    artifacts = Path(os.environ.get("LGMOT_ARTIFACTS", ROOT / "tests" / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        remote, errors = [], []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                   else (remote.append(route.request.url), route.abort()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html.as_uri())
        page.wait_for_function("document.querySelectorAll('.plotly-graph-div .main-svg').length > 0", timeout=30000)
        traces = page.evaluate("Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => (d.data || []).length)")
        drawn = page.evaluate("Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => d.querySelectorAll('.main-svg').length)")
        page.screenshot(path=str(artifacts / "report.png"), full_page=True)
        browser.close()
    assert len(traces) == 4, traces                   # graph, alignment, timeline, run diff
    assert all(n > 0 for n in traces), traces         # every chart has data
    assert all(n > 0 for n in drawn), drawn           # and plotly drew it
    assert not remote, remote                         # nothing fetched from the network
    assert not errors, errors


def test_ablation_notebook(tmp_path):
    variants = json.dumps({"baseline": ["preset=baseline", "language.spg_levels=[false,false]"],
                           "lgmot": ["language.spg_levels=[true,true]"]})
    r = lgmot("run", "ablation", "-p", "synth_frames", "30", "-p", "epochs", "1", "-p", "train_domains", "[street]",
              "-p", "test_domains", "[street, dance]", "-p", "variants", variants, "-p", "base_overrides",
              yaml_list(tiny_overrides("train.batch_size=2")), "--out", str(tmp_path / "abl"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = check_run_folder(tmp_path / "abl", "ablation")
    assert m["cells"] == 2 and set(m["summary"]["IDF1"]) == {"baseline", "lgmot"} and "lgmot" in m["deltas"]["IDF1"]


@needs_mot17_full
def test_mot17_recipe_notebook(tmp_path):
    "The shipped model's recipe, shrunk: MOT17-11 held out, a few iterations, scored beside the peers."
    over = yaml_list(tiny_overrides("train.max_iterations=3", "train.batch_size=8", "model.steps=2"))
    r = lgmot("run", "mot17_default", "-p", "held_out", "MOT17-11", "-p", "synth_train", "1", "-p", "synth_frames", "20",
              "-p", "epochs", "1", "-p", "threads", "1", "-p", "overrides", over, "--out", str(tmp_path / "m17"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = check_run_folder(tmp_path / "m17", "mot17_default")
    assert m["held_out"] == "MOT17-11" and "MOT17-11" not in m["trained_on"] and "ocsort+interp" in m["table"]


@pytest.mark.parametrize("args, message", [
    (["no_such_notebook"], "no_such_notebook: no such notebook, and not a shipped run notebook"),
    (["train", "-p", "epoch", "3"], "unknown parameter 'epoch' for train.ipynb"),
    (["train", "-p", "epochs", "three"], "parameter 'epochs' expects int"),
    (["train", "-p", "seqs", "{a: 1}"], "parameter 'seqs' expects list"),
    (["train", "-f", "missing.yaml"], "missing.yaml: no such file"),
])
def test_run_bad_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "run"
    r = lgmot("run", *args, "--out", str(out), cwd=tmp_path)
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def test_run_refuses_an_existing_folder(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "keep.txt").write_text("mine")
    r = lgmot("run", "train", "--out", str(tmp_path / "run"))
    assert r.returncode == 1 and "run folder exists" in r.stderr
    assert [p.name for p in (tmp_path / "run").iterdir()] == ["keep.txt"]


def test_run_a_failing_cell(tmp_path):
    "A cell that raises: its number and error in one line, the notebook executed up to it kept, no metrics."
    r = lgmot("run", "track_eval", "-p", "data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "run"))
    assert r.returncode == 1, r.stderr
    line = r.stderr.strip().splitlines()[-1]
    assert "track_eval.ipynb: cell 4 raised LgmotError" in line and "nowhere" in line, line
    assert (tmp_path / "run" / "track_eval.ipynb").exists() and not (tmp_path / "run" / "metrics.json").exists()
    assert json.loads((tmp_path / "run" / "run.json").read_text())["failed"].startswith("cell 4")


@needs_mot17_full
def test_language_study_notebook(tmp_path):
    """The study's protocol, shrunk: two variants, three controls, one cross-domain setting, one seed; real targets
    with one sequence per set, from scratch, so that MOT17 is scored by a model that never saw it."""
    variants = json.dumps({"baseline": ["preset=baseline", "language.spg_levels=[false,false]"], "spg_isg_zero": []})
    controls = json.dumps({"ctl_random": ["language.control=random"], "ctl_shuffle_scenes": ["language.control=shuffle_scenes"],
                           "ctl_no_colour": ["language.control=no_colour"]})
    r = lgmot("run", "language_study", "-p", "seeds", "[0]", "-p", "epochs", "1", "-p", "synth_frames", "30",
              "-p", "init_from", "", "-p", "variants", variants, "-p", "controls", controls, "-p", "control_base", "spg_isg_zero",
              "-p", "cross", json.dumps({"street->dance": [["street"], ["dance"]]}), "-p", "cross_variants", "[baseline, spg_isg_zero]",
              "-p", "real_epochs", "1", "-p", "real_seq_limit", "1",
              "-p", "base_overrides", yaml_list(tiny_overrides("train.batch_size=2", "train.max_iterations=2", spg=True)),
              "--out", str(tmp_path / "study"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = check_run_folder(tmp_path / "study", "language_study")
    assert {row["variant"] for row in m["summary_in"]} == {"baseline", "spg_isg_zero", "ctl_random", "ctl_shuffle_scenes", "ctl_no_colour"}
    assert {row["variant"] for row in m["deltas_in"]["IDF1"]} == {"spg_isg_zero", "ctl_random", "ctl_shuffle_scenes", "ctl_no_colour"}
    assert "street->dance" in m["cross"] and m["findings"]
    alignment = {row["variant"]: row for row in m["alignment"]}
    assert set(alignment) == {"baseline", "spg_isg_zero", "ctl_random", "ctl_shuffle_scenes", "ctl_no_colour"}
    assert alignment["baseline"]["queries"] == 0 and alignment["spg_isg_zero"]["queries"] > 0
    assert alignment["spg_isg_zero"]["node_spread"] < 1e-6 and alignment["spg_isg_zero"]["node_nearest_same"] == 0   # zero node input: every node the same
    assert sum(m["lookalike_tracks"].values()) > 0 and m["deltas_lookalike"]
    assert {row["set"] for row in m["real"]} == {"DanceTrack", "SportsMOT", "MOT17"}, m["real"]
    assert not m["real_notes"]


def test_real_geometry_recipe_notebook(tmp_path):
    "The `real-geometry` recipe, shrunk: warm-started from the shipped model on two tiny synthetic roots, calibrated."
    from lgmot.data.synth import make_dataset
    from lgmot.hierarchy import load_model, model_trained_on
    from lgmot.data.mot import read_seqinfo
    roots = [tmp_path / "dance", tmp_path / "sports"]
    for i, root in enumerate(roots): make_dataset(root, domains=[root.name], splits={"train": 1}, n_frames=30, seed=5 + i)
    over = yaml_list(tiny_overrides("train.batch_size=2", "train.max_iterations=3", spg=False))
    r = lgmot("run", "real_geometry", "-p", "data_roots", yaml_list(map(str, roots)), "-p", "epochs", "1",
              "-p", "overrides", over, "-p", "distractors", "", "-p", "threads", "1", "-p", "holdout_tail", "0.3",
              "-p", "train_time_strides", "[1, 2]", "-p", "synth_train", "1", "-p", "synth_frames", "12", "-p", "synth_seed", "9",
              "--out", str(tmp_path / "rg"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = check_run_folder(tmp_path / "rg", "real_geometry")
    assert len(m["level_thresholds"]) == 2 and Path(m["model"]).exists()
    # each sequence's head, a copy of it at every 2nd frame (half the frame rate: 21 frames -> 11), and one synthetic
    # sequence per domain (named like the roots' own: the synthetic default's names)
    assert sorted(m["trained_on"]) == ["dance-001", "dance-001", "dance-001-every2", "sports-001", "sports-001",
                                       "sports-001-every2", "street-001"], m["trained_on"]
    synth = sorted((Path(m["model"]).parent / "synth" / "SYNTH" / "train").iterdir())
    assert [p.name for p in synth] == ["dance-001", "sports-001", "street-001"]
    assert [read_seqinfo(p).length for p in synth] == [12, 12, 12] and m["synth_train"] == 1 and m["synth_seed"] == 9
    # the synthetic sequences train only: calibration scores the two real roots' tails alone
    assert sorted(m["calibrated_on"]) == ["dance-001", "sports-001"], m["calibrated_on"]
    strides = Path(m["model"]).parent / "strides"
    assert sorted(read_seqinfo(p).length for p in strides.iterdir()) == [11, 11]
    # trained on the first 70% of each sequence's 30 frames, calibrated on the last 30%, which training never saw
    holdout = Path(m["model"]).parent / "holdout"
    assert m["holdout_tail"] == 0.3
    assert sorted(read_seqinfo(p).length for p in (holdout / "head").iterdir()) == [21, 21]
    assert sorted(read_seqinfo(p).length for p in (holdout / "tail").iterdir()) == [9, 9]
    fps = sum(read_seqinfo(p).fps for p in (holdout / "tail").iterdir()) / 2   # the median of two: 20 and 25 fps
    # calibrated at 1, 1/2 and 1/3 of the frame rate
    assert [row[0] for row in m["by_frame_rate"]] == [fps, fps / 2, fps / 3] and m["by_frame_rate_box_input"] == []
    assert all(len(row) == 4 + 2 for row in m["by_frame_rate"])
    from lgmot.core import safe_torch_load
    assert safe_torch_load(m["model"])["holdout_tail"] == 0.3
    assert m["level_top_k"] == [20, 10] and load_model(m["model"])[1].graph.level_top_k == [20, 10]   # tracks wider at level 0
    # the camera's gate was chosen last, and what the report says is what the model file holds
    graph = load_model(m["model"])[1].graph
    assert m["calibrated_camera"] is True and (graph.camera_gate(False), graph.camera_gate(True)) == (m["camera_gate"], m["camera_gate_box_input"])
    assert graph.level0_camera == m["level0_camera"] == (min(m["camera_gate"], m["camera_gate_box_input"]) < float("inf"))
    assert m["camera_select"] is True and graph.level0_camera_select is True   # the camera out only where it joins tracks
    lineage = model_trained_on(m["model"])           # the warm start's lineage and the new sequences, both
    assert any(e.startswith("MOT17-09") for e in lineage) and set(m["trained_on"]) <= {e.split("#")[0] for e in lineage}
    # re-calibrating what the recipe trained: nothing is trained, the thresholds go back to 0.5, the weights and lineage stay
    import torch
    r = lgmot("run", "real_geometry", "-p", "data_roots", yaml_list(map(str, roots)), "-p", "overrides", over,
              "-p", "distractors", "", "-p", "threads", "1", "-p", "trained_model", m["trained_model"],
              "-p", "calibrate_thresholds", "false", "-p", "calibrate_camera", "false", "-p", "camera_select", "false",
              "--out", str(tmp_path / "rg2"))
    assert r.returncode == 0, r.stderr[-3000:]
    m2 = check_run_folder(tmp_path / "rg2", "real_geometry")
    assert m2["train_seconds"] < 5 and m2["level_thresholds"] == [0.5, 0.5] and m2["calibrated_thresholds"] is False
    assert m2["calibrated_camera"] is False and m2["camera_gate"] == m2["camera_gate_box_input"] == float("inf")   # as trained: no camera
    assert m2["camera_select"] is False
    (a, _), (b, _) = load_model(m["trained_model"]), load_model(m2["model"])
    assert all(torch.equal(a.state_dict()[k], v) for k, v in b.state_dict().items())
    assert model_trained_on(m2["model"]) == lineage
    # continuing a training folder: a finished one trains nothing more, keeps its weights, and the report says so
    first_run_args = ["-p", "data_roots", yaml_list(map(str, roots)), "-p", "epochs", "1", "-p", "overrides", over,
                      "-p", "distractors", "", "-p", "threads", "1", "-p", "holdout_tail", "0.3", "-p", "train_time_strides", "[1, 2]",
                      "-p", "synth_train", "1", "-p", "synth_frames", "12", "-p", "synth_seed", "9", "-p", "calibrate_thresholds", "false",
                      "-p", "calibrate_camera", "false"]
    folder = str(Path(m["trained_model"]).parent)
    before = Path(m["trained_model"]).read_bytes()
    r = lgmot("run", "real_geometry", *first_run_args, "-p", "resume_training", folder, "--out", str(tmp_path / "rg3"))
    assert r.returncode == 0, r.stderr[-3000:]
    m3 = check_run_folder(tmp_path / "rg3", "real_geometry")
    assert m3["resumed_training"] == folder and m3["trained_model"] == m["trained_model"]
    assert Path(m["trained_model"]).read_bytes() == before
    # more epochs than the folder was started with: refused, naming the key, before any training
    r = lgmot("run", "real_geometry", *first_run_args[:5], "2", *first_run_args[6:], "-p", "resume_training", folder,
              "--out", str(tmp_path / "rg4"))
    assert r.returncode != 0 and "config.yaml in train.epochs (run: 1, now: 2)" in r.stderr, r.stderr[-3000:]


def test_synth_appearance_recipe_notebook(tmp_path):
    "The appearance model's recipe, shrunk: both variants trained, calibrated on validation, scored per domain."
    from lgmot.hierarchy import load_model
    over = yaml_list(tiny_overrides("train.batch_size=2", "train.max_iterations=2", spg=True))
    r = lgmot("run", "synth_appearance", "-p", "synth_frames", "30", "-p", "epochs", "1", "-p", "synth_train", "1",
              "-p", "test_per_domain", "1", "-p", "peers", "[sort]", "-p", "overrides", over, "-p", "threads", "1",
              "--out", str(tmp_path / "sa"))
    assert r.returncode == 0, r.stderr[-3000:]
    m = check_run_folder(tmp_path / "sa", "synth_appearance")
    assert set(m["variants"]) == {"appearance", "no appearance"} and sorted(m["test"]) == ["dance", "sports", "street"]
    app, cfg = load_model(m["variants"]["appearance"]["model"])
    geo, gcfg = load_model(m["variants"]["no appearance"]["model"])
    assert (cfg.model.node_input, cfg.data.appearance) == ("appearance", "mobilenetv2")
    assert app.mpns[0].node_enc1[0].in_features == 1280 and geo.mpns[0].node_enc1[0].in_features == 1
    assert gcfg.data.appearance == "none" and len(cfg.track.level_thresholds) == cfg.graph.depth
    for domain, row in m["margin_over_best_peer"].items():   # every model measured against the same best peer
        assert {"appearance", "no appearance", "real-geometry", "shipped"} <= set(row) and row["best_peer_IDF1"][0].startswith("sort")
    # the appearance variant started silently from the geometry file: node layer widened, appearance distance silenced
    init = json.loads((Path(m["variants"]["appearance"]["model"]).parent / "appearance" / "run.json").read_text())["init_from"]
    assert init["widened"] and init["silenced"]
    # which variant to keep is decided on validation, by the rule calibration uses
    from lgmot.report import pick_candidate
    val = {n: (r["IDF1"], r["HOTA"]) for n, r in m["validation"].items()}
    assert set(val) == set(m["variants"]) and m["kept_on_validation"] == pick_candidate(val, "no appearance")
