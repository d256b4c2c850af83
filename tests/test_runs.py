"Papermill smoke run of the parameterized notebook behind the shipped model and the MOT17 table."
import json, os, subprocess, sys

from conftest import ROOT, tiny_overrides

TINY = tiny_overrides("train.batch_size=8", "model.steps=2")


def test_mot17_notebook_runs_under_papermill(data_root, tmp_path):
    params = tmp_path / "params.yaml"
    params.write_text(json.dumps({"overrides": TINY, "held_out": "MOT17-09", "epochs": 1, "synth_train": 1,
                                  "synth_frames": 20, "out": str(tmp_path / "runs"), "threads": 1}))
    env = {**os.environ, "LGMOT_PROGRESS": "0"}
    r = subprocess.run([sys.executable, "-m", "papermill", str(ROOT / "nbs" / "runs" / "mot17_default.ipynb"),
                        str(tmp_path / "out.ipynb"), "-f", str(params), "--cwd", str(ROOT)],
                       capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(next((tmp_path / "runs").glob("*/report.json")).read_text())
    assert report["held_out"] == "MOT17-09" and "MOT17-09" not in report["trained_on"]
    assert {"lgmot", "oracle"} <= set(report["table"])
