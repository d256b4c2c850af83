"End-to-end, real-data and reliability tests of `lgmot.data.language` (annotation schema and LG-MOT embedding files)."
import json, pickle, warnings
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings, HealthCheck, strategies as st

from lgmot.core import LgmotError, safe_torch_load
from lgmot.data.language import (
    InstanceDescription, LanguageAnnotation, language_path, read_language, write_language,
    lgmot_instance_path, lgmot_scene_path, read_lgmot_embeddings, write_lgmot_embeddings,
    read_instance_embeddings, read_scene_embedding, instance_table)
from conftest import MOT17_FULL, needs_mot17_full, real_sequences

GOOD = {"version": 1,
        "scene": {"text": "A busy street at night.", "attributes": {"camera": "static"}},
        "instances": {"1": {"text": "a man in a red jacket", "attributes": {"upper": "red"}},
                      "2": {"text": "a woman in a blue dress"}}}


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2))
    return path


def gt_ids(seq: Path) -> set[int]:
    rows = (seq / "gt" / "gt.txt").read_text().splitlines()
    return {int(float(r.split(",")[1])) for r in rows if r.strip()}


# ---------------------------------------------------------------- real data

@needs_mot17_full
@pytest.mark.parametrize("seq", real_sequences(MOT17_FULL), ids=lambda p: p.name)
def test_real_mot17_full_scene_only(seq, tmp_path):
    ids = gt_ids(seq)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a scene-only file is not warned about
        ann = read_language(language_path(seq), known_ids=ids)
    assert ann.scene_text.strip() and not ann.has_instances
    assert {"camera", "viewpoint", "lighting"} <= set(ann.scene_attributes)
    with pytest.raises(LgmotError, match="have no description \\(strict\\)"):
        read_language(language_path(seq), known_ids=ids, strict=True)
    # round trip through our writer gives the same annotation
    out = write_language(ann, tmp_path / seq.name / "gt" / "language.json")
    assert read_language(out, known_ids=ids) == ann


# ---------------------------------------------------------------- reading errors name file and line

def test_errors_name_file_and_line(tmp_path):
    p = tmp_path / "s" / "gt" / "language.json"
    p.parent.mkdir(parents=True)
    p.write_text('{\n  "version": 1,\n  "scene": {"text": "x"}\n  "instances": {}\n}\n')  # missing comma
    with pytest.raises(LgmotError) as e:
        read_language(p)
    assert e.value.path == str(p) and e.value.line == 4 and "not valid JSON" in str(e.value)

    text = json.dumps(GOOD, indent=2)
    p.write_text(text.replace('"2": {', '"2b": {'))
    with pytest.raises(LgmotError) as e:
        read_language(p)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if '"2": {' in l)
    assert (e.value.path, e.value.line) == (str(p), line) and "'2b'" in e.value.message

    p.write_text(text)
    with pytest.raises(LgmotError) as e:
        read_language(p, known_ids=[1, 3])
    assert e.value.line == line and "not in the ground truth: 2" in e.value.message

    p.write_bytes(b'{"version": 1, "scene": {"text": "caf\xe9"}}')
    with pytest.raises(LgmotError, match="not UTF-8"):
        read_language(p)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(version="1"), "unsupported schema version '1'"),
    (lambda d: d["instances"].update({"1.0": {"text": "x"}}), "instance key '1.0'"),
    (lambda d: d["instances"].update({"0": {"text": "x"}}), "instance key '0'"),
    (lambda d: d["instances"].update({"5": "just a string"}), 'instance 5 must be an object with a "text"'),
    (lambda d: d["scene"].pop("text"), 'missing "scene" object with a "text"'),
    (lambda d: d.update(instances=[1, 2]), '"instances" must be an object'),
    (lambda d: d["scene"]["attributes"].update(camera=None), "attribute 'camera' must be"),
])
def test_schema_violations(tmp_path, mutate, message):
    d = json.loads(json.dumps(GOOD))
    mutate(d)
    p = write_json(tmp_path / "language.json", d)
    with pytest.raises(LgmotError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        read_language(p)
    assert e.value.path == str(p) and e.value.line is not None


def test_nan_is_refused(tmp_path):
    p = tmp_path / "language.json"
    p.write_text('{"version": 1, "scene": {"text": "x", "attributes": {"h": NaN}}}')
    with pytest.raises(LgmotError, match="NaN is not allowed"):
        read_language(p)


# ---------------------------------------------------------------- writing

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40).filter(lambda s: s.strip())
attrs = st.dictionaries(st.text(min_size=1, max_size=8),
                        st.one_of(st.text(max_size=10), st.integers(-5, 5), st.booleans(),
                                  st.lists(st.text(max_size=5), max_size=3)), max_size=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scene=texts, scene_attrs=attrs,
       inst=st.dictionaries(st.integers(1, 10_000), st.tuples(texts, attrs), max_size=6))
def test_round_trip_property(tmp_path, scene, scene_attrs, inst):
    ann = LanguageAnnotation(scene, scene_attrs, {i: InstanceDescription(t, a) for i, (t, a) in inst.items()})
    p = write_language(ann, tmp_path / "gt" / "language.json")
    assert read_language(p, known_ids=list(inst) or None) == ann


def test_write_is_atomic_and_validated(tmp_path):
    p = write_language(LanguageAnnotation("a street"), tmp_path / "language.json")
    before = p.read_text()
    with pytest.raises(LgmotError, match="instance 4: the text is empty"):
        write_language(LanguageAnnotation("x", instances={4: InstanceDescription(" ")}), p)
    with pytest.raises(LgmotError, match="cannot write as JSON"):
        write_language(LanguageAnnotation("x", {"when": object()}), p)
    assert p.read_text() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["language.json"]  # no temp files left


# ---------------------------------------------------------------- LG-MOT embedding files

def _emb(seed, ids, dim=128):
    g = torch.Generator().manual_seed(seed)
    return {i: torch.randn(dim, generator=g) for i in ids}


def test_embeddings_round_trip_and_original_indexing(tmp_path):
    seq = tmp_path / "dancetrack0004"
    inst, scene = _emb(0, [1, 2, 7]), torch.randn(384, generator=torch.Generator().manual_seed(1))
    paths = write_lgmot_embeddings(seq, inst, scene)
    assert paths == {"instance": lgmot_instance_path(seq), "scene": lgmot_scene_path(seq)}
    assert lgmot_scene_path(seq).name == "dancetrack0004_prompt_embedding_all.pt"
    got_inst, got_scene = read_lgmot_embeddings(seq)
    assert sorted(got_inst) == [1, 2, 7] and all(torch.equal(got_inst[i], inst[i]) for i in inst)
    assert torch.equal(got_scene, scene)
    # the file is a plain tensor, indexable the way the original indexes it
    table = torch.load(paths["instance"], weights_only=True)
    assert isinstance(table, torch.Tensor) and table.shape == (9, 128)
    det_ids = torch.tensor([7, -1, 1, -1, 2])
    targets = table[det_ids]  # DanceTrack rule: id -1 -> last entry
    assert torch.equal(targets[0], inst[7]) and targets[1].abs().sum() == 0
    fp_as_zero = table[det_ids.clamp(min=0)]  # MOT rule: id -1 -> entry 0
    assert fp_as_zero[3].abs().sum() == 0
    assert torch.equal(instance_table(inst), table)


def test_instance_file_as_list(tmp_path):
    p = tmp_path / "inst.pt"
    rows = [torch.zeros(128)] + list(_emb(3, [1, 2, 3]).values())
    torch.save(rows, p)
    got = read_instance_embeddings(p)
    assert sorted(got) == [1, 2, 3] and torch.equal(got[2], rows[2])
    torch.save([torch.zeros(1, 128), torch.ones(1, 128)], p)  # (1, D) entries
    assert sorted(read_instance_embeddings(p)) == [1]
    torch.save([torch.ones(128), torch.ones(64)], p)
    with pytest.raises(LgmotError, match="entry 1 has 64 values"):
        read_instance_embeddings(p)
    torch.save([torch.ones(64), torch.ones(32)], p)
    with pytest.raises(LgmotError, match="different widths"):
        read_instance_embeddings(p, dim=None)


def test_scene_shapes(tmp_path):
    p = tmp_path / "scene.pt"
    for shape in [(512,), (1, 512)]:
        torch.save(torch.ones(shape, dtype=torch.float64), p)
        v = read_scene_embedding(p)
        assert v.shape == (512,) and v.dtype == torch.float32
    torch.save(torch.ones(2, 512), p)
    with pytest.raises(LgmotError, match=r"shape \(2, 512\)"):
        read_scene_embedding(p)


class _Evil:
    def __reduce__(self): return (print, ("pwned",))


def test_untrusted_and_corrupt_files(tmp_path):
    p = tmp_path / "inst.pt"
    with open(p, "wb") as f: pickle.dump(_Evil(), f, protocol=2)
    with pytest.raises(LgmotError, match="weights-only"):
        read_instance_embeddings(p)
    p.write_bytes(b"\x00garbage")
    with pytest.raises(LgmotError, match="inst.pt: cannot load"):
        read_instance_embeddings(p)
    torch.save({"a": torch.ones(3)}, p)
    with pytest.raises(LgmotError, match="expected a 2-D tensor or a list"):
        read_instance_embeddings(p)


def test_failed_write_keeps_previous_file(tmp_path):
    seq = tmp_path / "seq"
    write_lgmot_embeddings(seq, _emb(0, [1]), torch.ones(16))
    before = lgmot_instance_path(seq).read_bytes()
    bad = {1: torch.ones(128), 2: torch.full((128,), float("nan"))}
    with pytest.raises(LgmotError, match="NaN"):
        write_lgmot_embeddings(seq, bad)
    with pytest.raises(LgmotError, match="all zeros"):
        write_lgmot_embeddings(seq, {1: torch.zeros(128)})
    assert lgmot_instance_path(seq).read_bytes() == before
    assert [x.name for x in lgmot_instance_path(seq).parent.iterdir()] == [lgmot_instance_path(seq).name]


def test_saved_tensor_is_compact(tmp_path):
    "A slice of a big tensor must not drag its whole storage into the file."
    big = torch.randn(1000, 512)
    write_lgmot_embeddings(tmp_path / "s", scene_emb=big[3])
    assert lgmot_scene_path(tmp_path / "s").stat().st_size < 20_000
    assert torch.equal(safe_torch_load(lgmot_scene_path(tmp_path / "s")), big[3])
