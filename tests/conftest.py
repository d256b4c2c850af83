"""The one home of the fixtures and helpers that more than one file of tests/ uses.

Test files import the plain helpers with `from conftest import ...` (pytest puts tests/ on `sys.path`); the library's
own fixtures (`lgmot.core.tiny_config` / `TINY_OVERRIDES`, `lgmot.hierarchy.toy_sequence`, `lgmot.graph.toy_detections`,
`lgmot.features.text.get_text_encoder("tiny:<dim>")`) are imported from lgmot, where the notebooks use them too.
`tests/test_train.py` keeps its own small helpers: its subprocesses import it as `tests.test_train`, without this file.
"""
import os
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch loads, as lgmot.core sets it (see there)

import pytest
import torch

os.environ.setdefault("LGMOT_PROGRESS", "0")
torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))

from lgmot.core import TINY_OVERRIDES, find_data_root
from lgmot.data.mot import write_seqinfo

ROOT = Path(__file__).resolve().parent.parent   # the checkout

# ---------------------------------------------------------------- real data (absent: the tests that need it skip)
DATA = find_data_root()
MOT17_MINI = DATA / "MOT17-mini" / "train" if DATA is not None else None   # trimmed FRCNN copies with a few frames
MOT17_FULL = DATA / "MOT17-full" / "train" if DATA is not None else None   # MOT17-09, -11: full det/gt, no frames
needs_mot17_mini = pytest.mark.skipif(MOT17_MINI is None or not MOT17_MINI.is_dir(),
                                      reason="real MOT17-mini data not found (set LGMOT_DATA or put shared/data beside the checkout)")
needs_mot17_full = pytest.mark.skipif(MOT17_FULL is None or not MOT17_FULL.is_dir(),
                                      reason="real MOT17-full data not found (set LGMOT_DATA or put shared/data beside the checkout)")


def real_sequences(train_dir: Path | None) -> list[Path]:
    "The `MOT17-*` sequence folders of a real-data train folder (`MOT17_MINI`, `MOT17_FULL`); [] when it is absent."
    return sorted(train_dir.glob("MOT17-*")) if train_dir is not None and train_dir.is_dir() else []


@pytest.fixture(scope="session")
def data_root():
    "The real MOT17 data folder (`$LGMOT_DATA` or ../shared/data); skips the test when absent."
    if DATA is None:
        pytest.skip("real data not found (set LGMOT_DATA or put shared/data beside the checkout)")
    return DATA


@pytest.fixture(scope="session")
def mot17_full(data_root):
    "`<data>/MOT17-full/train`; skips the test when absent."
    if not (data_root / "MOT17-full" / "train").is_dir():
        pytest.skip(f"{data_root / 'MOT17-full' / 'train'} not found")
    return data_root / "MOT17-full" / "train"


# ---------------------------------------------------------------- hand-made sequences and the command line's overrides
def make_seq(root: Path, name: str, width=200, height=100, length=5, fps=30, frames=None, digits=6,
             dets: str | None = "", gt: str | None = None) -> Path:
    """A hand-made MOTChallenge sequence `root/name`: seqinfo.ini, optional img1 frames (empty files named with
    `digits` digits), and det/det.txt and gt/gt.txt holding the given texts (None: no such file)."""
    seq = root / name
    write_seqinfo({"width": width, "height": height, "length": length, "fps": fps}, seq)
    if frames is not None:
        (seq / "img1").mkdir(parents=True, exist_ok=True)
        for k in frames: (seq / "img1" / f"{k:0{digits}d}.jpg").write_bytes(b"")
    if dets is not None:
        (seq / "det").mkdir(exist_ok=True); (seq / "det" / "det.txt").write_text(dets)
    if gt is not None:
        (seq / "gt").mkdir(exist_ok=True); (seq / "gt" / "gt.txt").write_text(gt)
    return seq


def tiny_overrides(*extra: str, spg: bool = True) -> list[str]:
    """`TINY_OVERRIDES` as `--set` strings for the command line and papermill (what `lgmot.core.tiny_config` applies in
    Python): no appearance, scene guidance at both levels (or none), a checkpoint every epoch, then `extra`."""
    s = "true" if spg else "false"
    return ["data.appearance=none", *TINY_OVERRIDES, f"language.spg_levels=[{s},{s}]", "train.save_every=1", *extra]


class CountingEncoder:
    """Wraps a text or appearance encoder and counts the calls and the items (texts or crops) that reach it;
    with `fail_after`, the call after that many raises KeyboardInterrupt (a run killed midway)."""
    def __init__(self, inner, fail_after: int | None = None):
        self.inner, self.fail_after, self.calls, self.items = inner, fail_after, 0, 0

    def __getattr__(self, name):   # name, dim, input_size, fingerprint, ... of the wrapped encoder
        if name == "inner": raise AttributeError(name)
        return getattr(self.inner, name)

    def to(self, device):
        self.inner.to(device); return self

    def encode(self, batch, **kw):
        if self.fail_after is not None and self.calls >= self.fail_after: raise KeyboardInterrupt("killed midway")
        self.calls += 1; self.items += len(batch)
        return self.inner.encode(batch, **kw)
