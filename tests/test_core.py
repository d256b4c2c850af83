"End-to-end checks of the configuration layer and the repository's own guard rails."
import subprocess

import pytest
import yaml

from lgmot.core import (LgmotError, PRESETS, apply_overrides, load_config, preset, save_config)
from conftest import ROOT


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_yaml(tmp_path, name):
    cfg = preset(name)
    path = save_config(cfg, tmp_path / f"{name}.yaml")
    assert load_config(path) == cfg
    # the file is plain YAML a person can read and edit
    d = yaml.safe_load(path.read_text())
    assert d["graph"]["frames_per_level"] == cfg.graph.frames_per_level


def test_yaml_errors_name_the_file_and_line(tmp_path):
    bad = tmp_path / "run.yaml"
    bad.write_text("model:\n  steps: 12\n  class_steps: [\n")
    with pytest.raises(LgmotError) as e:
        load_config(bad)
    assert str(e.value).startswith(f"{bad}:")
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("modle:\n  steps: 3\n")
    with pytest.raises(LgmotError, match="unknown config key 'modle.steps'"):
        load_config(unknown)


def test_baseline_is_lgmot_without_language():
    lg, base = preset("lgmot"), preset("baseline")
    assert lg.graph == base.graph and lg.model == base.model and lg.train == base.train
    assert lg.language.enabled and not base.language.enabled


def test_sushi_levels_are_consistent():
    s = preset("sushi")
    assert s.graph.frames_per_level == [2, 4, 8, 16, 32, 64, 128, 256, 512]
    assert len(s.graph.pruning) == 9 and len(s.graph.motion_max_length) == 8
    with pytest.raises(LgmotError, match="frames_per_graph"):
        apply_overrides(preset("sushi"), ["graph.frames_per_graph=150"])


def test_check_unchanged_detects_a_change(tmp_path):
    "The guard behind `make test`'s clean/export checks fails when its command edits the folder."
    script = ROOT / "tools" / "check_unchanged.sh"
    d = tmp_path / "nbs"; d.mkdir(); (d / "a.ipynb").write_text("{}")
    ok = subprocess.run(["bash", str(script), str(d), "--", "true"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    changed = subprocess.run(["bash", str(script), str(d), "--", "bash", "-c", f"echo x > {d}/a.ipynb"],
                             capture_output=True, text=True)
    assert changed.returncode != 0 and "changed" in changed.stderr
