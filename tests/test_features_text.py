"Text encoders, the embedding cache and the width mapping of `lgmot.features.text`: reference parity, offline loading, reliability."
import json, os, subprocess, sys, textwrap
from pathlib import Path

import pytest
import torch

from lgmot.core import LgmotError
from lgmot.data.language import language_path, read_language, read_lgmot_embeddings, write_lgmot_embeddings
import lgmot.features.text as text_mod
from lgmot.features.text import (CacheWarning, CLIPTextEncoder, INSTANCE_WIDTH, SCENE_WIDTH, TextEmbeddingCache,
                                 TextProjection, TinyTextEncoder, get_text_encoder, lgmot_prompt_embeddings,
                                 minilm_model_dir, pool_to_width)
from conftest import MOT17_FULL, CountingEncoder, needs_mot17_full

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def minilm():
    return get_text_encoder("minilm")


# ---------------------------------------------------------------- MiniLM (its semantics: the notebook)

def test_minilm_matches_sentence_transformers(minilm):
    st = pytest.importorskip("sentence_transformers")
    texts = ["a woman with a white bag walking left", "crowded street at night, static camera", "x"]
    ref = st.SentenceTransformer(str(minilm_model_dir()), device="cpu").encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    torch.testing.assert_close(minilm.encode(texts), ref.float(), atol=1e-5, rtol=1e-4)


def test_minilm_long_text_is_truncated_not_an_error(minilm):
    e = minilm.encode(["a man in a red jacket " * 200, ""])
    assert e.shape == (2, 384) and torch.isfinite(e).all()


def test_minilm_loads_without_network(tmp_path):
    "A fresh interpreter with every socket refused, and no HF offline variables set, still loads and encodes."
    code = textwrap.dedent("""
        import os, socket
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"): os.environ.pop(var, None)
        def refuse(*a, **k): raise RuntimeError("network access attempted")
        socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse
        import torch; torch.set_num_threads(1)
        from lgmot.features.text import get_text_encoder
        e = get_text_encoder("minilm").encode(["a man in a red jacket"])
        assert e.shape == (1, 384)
        assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env["HF_HOME"] = str(tmp_path / "hf")  # an empty hub cache: nothing to fall back on
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]


# ---------------------------------------------------------------- CLIP from a local folder (a tiny random one)

def write_tiny_clip(folder: Path, seed: int = 0, words=("a", "man", "woman", "in", "red", "blue", "jacket")) -> Path:
    "A random 2-layer CLIP text model (24-d projection) and a BPE tokenizer for `words`, saved like a HF checkpoint."
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection
    folder.mkdir(parents=True, exist_ok=True)
    letters = "abcdefghijklmnopqrstuvwxyz"
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    vocab.update({c: len(vocab) for c in letters})
    vocab.update({c + "</w>": len(vocab) for c in letters})
    merges = []
    for w in words:
        pieces = list(w[:-1]) + [w[-1] + "</w>"]
        while len(pieces) > 1:
            rule = f"{pieces[0]} {pieces[1]}"
            if rule not in merges:
                merges.append(rule)
            pieces = [pieces[0] + pieces[1]] + pieces[2:]
            vocab.setdefault(pieces[0], len(vocab))
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({"model_max_length": 77}))
    cfg = CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, max_position_embeddings=77, projection_dim=24,
                         bos_token_id=0, eos_token_id=1, pad_token_id=1)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = CLIPTextModelWithProjection(cfg)
    with text_mod._quiet_transformers():
        model.save_pretrained(folder)
    return folder


def test_clip_loader_on_a_local_folder(tmp_path):
    folder = write_tiny_clip(tmp_path / "clip-tiny")
    enc = get_text_encoder(f"clip:{folder}")
    assert isinstance(enc, CLIPTextEncoder) and enc.dim == 24 and enc.name.startswith("clip:clip-tiny@")
    texts = ["a man in a red jacket", "a woman in a blue jacket", "a man"]
    e = enc.encode(texts)
    assert e.shape == (3, 24) and e.dtype == torch.float32
    # the same as calling the model directly on each text alone (no padding effect), and deterministic
    from transformers import CLIPTextModelWithProjection, CLIPTokenizer
    tok = CLIPTokenizer.from_pretrained(folder, local_files_only=True)
    model = CLIPTextModelWithProjection.from_pretrained(folder, local_files_only=True).eval()
    with torch.no_grad():
        ref = torch.cat([model(**tok([t], return_tensors="pt")).text_embeds for t in texts])
    torch.testing.assert_close(e, ref, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(enc.encode(texts, batch_size=1), e, atol=1e-5, rtol=1e-4)


def test_clip_new_weights_new_name_and_no_cache_reuse(tmp_path):
    folder = write_tiny_clip(tmp_path / "clip")
    cache = TextEmbeddingCache(tmp_path / "cache")
    old = CLIPTextEncoder(folder)
    a = cache.encode(old, ["a red jacket"])
    write_tiny_clip(folder, seed=1)  # the user replaces the checkpoint in place
    new = CountingEncoder(CLIPTextEncoder(folder))
    assert new.name != old.name
    b = cache.encode(new, ["a red jacket"])
    assert new.calls == 1 and not torch.allclose(a, b)


def test_clip_broken_folders(tmp_path):
    with pytest.raises(LgmotError, match="CLIP model folder not found"):
        get_text_encoder(f"clip:{tmp_path / 'missing'}")
    folder = write_tiny_clip(tmp_path / "clip")
    (folder / "model.safetensors").unlink()
    with pytest.raises(LgmotError, match=r"clip: cannot load the CLIP text model"):
        CLIPTextEncoder(folder)
    (folder / "model.safetensors").write_bytes(b"truncated")
    with pytest.raises(LgmotError, match=r"clip: cannot load the CLIP text model \(SafetensorError"):
        CLIPTextEncoder(folder)
    (folder / "config.json").write_text("{")
    with pytest.raises(LgmotError, match=r"clip: cannot load"):
        CLIPTextEncoder(folder)
    with pytest.raises(LgmotError, match="needs the folder"):
        get_text_encoder("clip:")


# ---------------------------------------------------------------- tiny encoder

def test_tiny_is_deterministic_and_sized():
    texts = ["a man in a red jacket", "a woman", "a man in a red jacket"]
    a, b = TinyTextEncoder(48, seed=7).encode(texts), get_text_encoder("tiny:48")
    assert a.shape == (3, 48) and torch.equal(a, TinyTextEncoder(48, seed=7).encode(texts))
    assert torch.allclose(a[0], a[2]) and not torch.allclose(a[0], a[1])
    assert b.dim == 48 and b.name != TinyTextEncoder(48, seed=7).name
    with pytest.raises(LgmotError, match="list of texts"):
        a_enc = TinyTextEncoder(8)
        a_enc.encode("one string")
    with pytest.raises(LgmotError, match="texts must be strings"):
        TinyTextEncoder(8).encode(["ok", None])


# ---------------------------------------------------------------- cache

def test_cache_hits_do_not_call_the_encoder(tmp_path):
    enc = CountingEncoder(TinyTextEncoder(16))
    cache = TextEmbeddingCache(tmp_path)
    texts = [f"person {i} in a {c} coat" for i in range(40) for c in ("red", "blue")]
    first = cache.encode(enc, texts, batch_size=7)
    assert (enc.calls, enc.items, cache.last_status) == (1, 80, "miss")
    again = TextEmbeddingCache(tmp_path).encode(enc, list(reversed(texts)))  # a new cache object: from disk
    assert enc.calls == 1 and torch.equal(again, first.flip(0))
    cache.encode(enc, texts[:5] + ["something new", "something new"])
    assert (enc.calls, enc.items, cache.last_status) == (2, 81, "partial")
    torch.testing.assert_close(cache.encode(enc, texts), enc.inner.encode(texts), atol=1e-6, rtol=1e-5)


def _damage_shape(folder):
    "Replace the table by a valid torch file of the wrong shape, with a matching checksum (only the shape check can see it)."
    man = json.loads((folder / "manifest.json").read_text())
    torch.save(torch.zeros(2, 3), folder / man["file"])
    man["sha256"] = text_mod._file_sha256(folder / man["file"])
    (folder / "manifest.json").write_text(json.dumps(man))


def _damage_nan(folder):
    man = json.loads((folder / "manifest.json").read_text())
    t = torch.load(folder / man["file"], weights_only=True)
    t[0, 0] = float("nan")
    torch.save(t, folder / man["file"])
    man["sha256"] = text_mod._file_sha256(folder / man["file"])
    (folder / "manifest.json").write_text(json.dumps(man))


def _edit_manifest(**changes):
    def damage(folder):
        man = json.loads((folder / "manifest.json").read_text())
        man.update(changes)
        (folder / "manifest.json").write_text(json.dumps(man))
    return damage


@pytest.mark.parametrize("damage, reason", [   # beyond the notebook's checksum, width and unreadable-manifest cases
    (lambda f: next(f.glob("emb-*.pt")).unlink(), "embedding file missing"),
    (lambda f: (f / "manifest.json").write_bytes(b"\xff\xfe"), "unreadable manifest"),
    (_edit_manifest(encoder="minilm-l6-v2@0000000000"), "manifest names encoder"),
    (_edit_manifest(rows=99), "keys do not match"),
    (_edit_manifest(format=0), "unknown manifest format"),
    (_edit_manifest(file="../elsewhere.pt"), "names no embedding file"),
    (_damage_shape, "wrong shape"),
    (_damage_nan, "NaN"),
])
def test_stale_or_corrupt_cache_is_rebuilt(tmp_path, damage, reason):
    enc = CountingEncoder(TinyTextEncoder(16))
    cache = TextEmbeddingCache(tmp_path)
    texts = ["a red coat", "a blue coat", "a dog"]
    good = cache.encode(enc, texts)
    damage(cache.folder(enc))
    with pytest.warns(CacheWarning, match=reason):
        again = cache.encode(enc, texts)
    assert enc.calls == 2 and cache.last_status.startswith("rebuilt") and reason.split()[0] in cache.last_status
    torch.testing.assert_close(again, good)
    cache.encode(enc, texts)  # and the rebuilt cache is valid again
    assert (enc.calls, cache.last_status) == (2, "hit")


def test_crash_between_table_and_manifest_keeps_old_cache(tmp_path, monkeypatch):
    enc = CountingEncoder(TinyTextEncoder(16))
    cache = TextEmbeddingCache(tmp_path)
    cache.encode(enc, ["a", "b"])

    def crash(*a, **k): raise KeyboardInterrupt("killed while writing the manifest")
    monkeypatch.setattr(text_mod, "atomic_write", crash)
    with pytest.raises(KeyboardInterrupt):
        cache.encode(enc, ["c"])
    monkeypatch.undo()
    assert len(list(cache.folder(enc).glob("emb-*.pt"))) == 2  # an orphan table beside the valid one
    cache.encode(enc, ["a", "b"])
    assert (enc.calls, cache.last_status) == (2, "hit")      # the old cache is intact
    cache.encode(enc, ["c"])
    assert len(list(cache.folder(enc).glob("emb-*.pt"))) == 1  # the orphan is cleaned on the next update


def test_bad_encoder_output_is_not_cached(tmp_path):
    class Broken:
        name, dim = "broken", 4
        def encode(self, texts, batch_size=64): return torch.full((len(texts), 4), float("nan"))
    cache = TextEmbeddingCache(tmp_path)
    with pytest.raises(LgmotError, match="returned an invalid result"):
        cache.encode(Broken(), ["a"])
    assert not (cache.folder(Broken()) / "manifest.json").exists()


# ---------------------------------------------------------------- widths and LG-MOT files

def test_width_mapping_matches_lgmot_pooling():
    x = torch.randn(5, 512, generator=torch.Generator().manual_seed(0))
    # LG-MOT: AdaptiveAvgPool1d(16) on the scene vector inside the model; 512 -> 128 is a 4x average
    torch.testing.assert_close(TextProjection(512, SCENE_WIDTH)(x), torch.nn.AdaptiveAvgPool1d(16)(x[:, None])[:, 0])
    torch.testing.assert_close(pool_to_width(x, INSTANCE_WIDTH), x.reshape(5, 128, 4).mean(-1))
    learned = TextProjection(512, INSTANCE_WIDTH, mode="learned", seed=1)
    assert sum(p.numel() for p in learned.parameters()) == 512 * 128 + 128
    with torch.no_grad():
        assert torch.equal(learned(x), TextProjection(512, 128, "learned", seed=1)(x))
    assert (INSTANCE_WIDTH, SCENE_WIDTH) == (128, 16)


@needs_mot17_full
def test_real_scene_only_annotation_to_lgmot_files(minilm, tmp_path):
    seq = MOT17_FULL / "MOT17-09"
    ann = read_language(language_path(seq))
    inst, scene = lgmot_prompt_embeddings(ann, minilm, TextEmbeddingCache(tmp_path / "cache"))
    assert inst == {} and scene.shape == (384,)
    out = tmp_path / seq.name
    write_lgmot_embeddings(out, inst, scene)
    got_inst, got_scene = read_lgmot_embeddings(out)
    assert got_inst == {} and torch.equal(got_scene, scene)
    assert TextProjection(384, SCENE_WIDTH)(scene[None]).shape == (1, 16)
