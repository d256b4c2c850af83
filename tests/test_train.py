"Training: exact resume after a kill, DistributedDataParallel under torchrun, run folders."
import json, os, re, signal, socket, subprocess, sys, time
from pathlib import Path

import pytest

from lgmot.core import LgmotError, tiny_config
from lgmot.hierarchy import load_model, toy_sequence
from lgmot.train import read_metrics, train, weights_digest

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["train.batch_size=2", "train.clip_stride=5", "train.depth_pretrain_iterations=6"]


def small_cfg(*extra):
    return tiny_config("lgmot", SMALL + list(extra))


def seqs():
    return [toy_sequence(n_tracks=3, n_frames=20, seed=s) for s in (0, 1)]


def digest(run):
    return json.loads((Path(run) / "final.json").read_text())["weights_sha256"]


def test_run_folder_records_config_seed_commit_and_is_never_reused(tmp_path):
    cfg = small_cfg("train.epochs=2", "train.save_every=1")
    a = train(cfg, seqs(), tmp_path, run_name="r", verbose=False)
    b = train(cfg, seqs(), tmp_path, run_name="r", verbose=False)
    assert a != b and a.name == "r" and b.name == "r-2"
    meta = json.loads((a / "run.json").read_text())
    assert meta["seed"] == cfg.seed and meta["node_input"] == "zero"
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", meta["commit"]), meta["commit"]   # this checkout, not "unknown"
    assert (a / "config.yaml").exists() and (a / "model.pt").exists()
    m = read_metrics(a)
    assert list(m["epoch"]) == [1, 2] and {"edge", "spg", "isg"} <= set(m.columns)
    assert digest(a) == digest(b)   # same seed, same numbers


def test_resume_after_stop_equals_uninterrupted(tmp_path):
    cfg = small_cfg("train.epochs=6", "train.save_every=2")
    full = train(cfg, seqs(), tmp_path / "full", verbose=False)
    part = train(cfg, seqs(), tmp_path / "part", stop_after_epochs=3, verbose=False)  # last checkpoint: epoch 2
    assert not (part / "model.pt").exists()
    train(cfg, seqs(), resume=part, verbose=False)
    assert digest(part) == digest(full)
    assert read_metrics(part)["total"].round(6).tolist() == read_metrics(full)["total"].round(6).tolist()


def test_resume_rejects_a_different_config(tmp_path):
    cfg = small_cfg("train.epochs=2", "train.save_every=1")
    run = train(cfg, seqs(), tmp_path, stop_after_epochs=1, verbose=False)
    # the error names the key that changed and both values, so the user sees what to put back
    with pytest.raises(LgmotError, match=r"config differs from the run's config.yaml in train.lr \(run: 0.0003, now: 0.1\)"):
        train(small_cfg("train.epochs=2", "train.save_every=1", "train.lr=0.1"), seqs(), resume=run, verbose=False)


SCRIPT = """
import os, sys, torch
torch.set_num_threads(1)
sys.path.insert(0, {root!r})
from tests.test_train import small_cfg, seqs
from lgmot.train import train, init_distributed
cfg = small_cfg(*sys.argv[2:])
rank, world = init_distributed(cfg.device)
run = train(cfg, seqs(), sys.argv[1], run_name="run", verbose=False, resume=os.environ.get("RESUME") or None)
"""


def _script(tmp_path):
    p = tmp_path / "train_script.py"
    p.write_text(SCRIPT.format(root=str(ROOT)))
    return p


def test_killed_at_any_moment_resumes_to_the_same_weights(tmp_path):
    "A real SIGKILL in the middle of training, then resume: the weights equal an uninterrupted run's."
    args = ["train.epochs=8", "train.save_every=1"]
    ref = train(small_cfg(*args), seqs(), tmp_path / "ref", verbose=False)
    env = {**os.environ, "LGMOT_PROGRESS": "0"}
    proc = subprocess.Popen([sys.executable, str(_script(tmp_path)), str(tmp_path / "killed"), *args], env=env)
    run = tmp_path / "killed" / "run"
    deadline = time.time() + 120
    while not (run / "checkpoints" / "epoch_0002.pt").exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    assert not (run / "final.json").exists(), "the run finished before it could be killed"
    from lgmot.core import safe_torch_load   # a kill may leave a stray temp file, never a truncated checkpoint
    for ck in (run / "checkpoints").glob("*.pt"): assert safe_torch_load(ck)["format"] == "lgmot-ckpt-1"
    train(small_cfg(*args), seqs(), resume=run, verbose=False)
    assert digest(run) == digest(ref)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def test_two_gloo_processes_end_with_identical_weights(tmp_path):
    env = {**os.environ, "LGMOT_PROGRESS": "0", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
           f"--master_port={_free_port()}", str(_script(tmp_path)), str(tmp_path / "ddp"), "train.epochs=3",
           "train.save_every=1"]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    run = tmp_path / "ddp" / "run"
    h0, h1 = (run / "weights_rank0.sha256").read_text(), (run / "weights_rank1.sha256").read_text()
    assert h0 == h1 == digest(run)
    assert json.loads((run / "run.json").read_text())["world_size"] == 2
    model, cfg = load_model(run / "model.pt")
    assert weights_digest(model) == h0
