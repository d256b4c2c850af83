"""What the tools that write a folder of sequences share: the folder appears whole or not at all."""
import contextlib, shutil, tempfile
from pathlib import Path
from lgmot.core import LgmotError


@contextlib.contextmanager
def staged_folder(out: Path):
    """Yield an empty folder beside `out` to write into; rename it to `out` when the block ends without an error, and
    remove it when it raises. An existing `out` is refused before anything is written: runs are never overwritten."""
    out = Path(out)
    if out.exists(): raise LgmotError("exists; runs are never overwritten", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        yield work
        work.rename(out)
    finally:
        if work.exists(): shutil.rmtree(work)
