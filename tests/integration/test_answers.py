"""The answer service on the real knowledge base: the path every channel and `fairbot eval` share."""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import load_answer_service
from bot.cli import main
from bot.config import PROJECT_ROOT, Settings
from bot.services.answers import AnswerService
from tests.e2e.harness import answer_service
from tests.required import require_shared

DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
SCORER = PROJECT_ROOT.parent / "shared" / "eval" / "score.py"


@pytest.fixture(scope="module")
def service() -> AnswerService:
    return answer_service()


@pytest.mark.parametrize(
    ("text", "lang", "topic"),
    [
        ("Mein Chef hat mir den Lohn für Oktober immer noch nicht überwiesen", "de", "wage-unpaid"),
        ("my boss only pays me 8 euros an hour, is that legal?", "en", "minimum-wage"),
        ("صاحب الشغل أخذ جواز سفري ومش راضي يرجعه", "ar", "documents-withheld"),
        ("دو هفته مریض بودم و Krankmeldung دادم، رئیسم میگه حقوق این روزها رو نمیده", "fa", "sick-leave"),
        ("меня уволили по WhatsApp, это законно?", "ru", "dismissal"),
        ("я впав на будівництві і зламав руку, хто платить лікування?", "uk", "work-accident"),
        (
            "yeni işe başladım, patron hangi Krankenkasse'ye üye olmak istediğimi sordu, nasıl seçerim",
            "tr",
            "health-insurance",
        ),
        (
            "mon patron me demande de créer une Gewerbe mais je travaille comme les autres salariés",
            "fr",
            "bogus-self-employment",
        ),
    ],
)
def test_answers_in_the_language_of_the_question(service: AnswerService, text: str, lang: str, topic: str) -> None:
    reply = service.respond(text)
    assert reply.action == "answer", reply
    assert reply.lang == lang and reply.answer_lang == lang
    assert reply.topics[0].topic == topic
    assert reply.entry_id and reply.entry_version and reply.score
    assert "<b>" in reply.html and "href=" in reply.html  # title and a linked source


def test_other_languages_get_english_content_with_a_note(service: AnswerService) -> None:
    reply = service.respond("mi jefe me dio la Kündigung por WhatsApp, es válido?")
    assert reply.lang == "es" and reply.answer_lang == "en"
    assert reply.action == "answer" and reply.topics[0].topic == "dismissal"
    assert reply.html.startswith("<i>") and "/advisor" in reply.html


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("der vorarbeiter hat meinen kollegen geschlagen, er blutet am kopf", "emergency"),
        ("ich möchte mit einem berater sprechen", "handoff"),
        ("привет", "greeting"),
        ("what is the best recipe for pancakes", "fallback"),
    ],
)
def test_actions(service: AnswerService, text: str, action: str) -> None:
    reply = service.respond(text)
    assert reply.action == action
    assert reply.html and len(reply.topics) >= 3


def test_emergency_reply_puts_the_numbers_first(service: AnswerService) -> None:
    reply = service.respond("نحن محبوسون في السكن ولا نستطيع الخروج")
    assert reply.action == "emergency"
    assert reply.html.index("110") < reply.html.index("112") < 200


def test_fallback_offers_topics_and_an_advisor(service: AnswerService) -> None:
    reply = service.respond("wer hat gestern das fußballspiel gewonnen")
    assert reply.action == "fallback"
    assert 1 <= len(reply.suggestions) <= 3
    assert "/advisor" in reply.html


def test_content_is_escaped(service: AnswerService) -> None:
    """What editors type is shown as text: markup-like characters in a title, an answer or a source stay visible."""
    entry = service.retriever.index.entries["dismissal-written-form"]
    text = entry.texts["de"].model_copy(
        update={"title": "<script>alert(1)</script> & <b>Kündigung</b>", "answer": 'Lohn < 14 € & "Abfindung" > 0'}
    )
    source = entry.sources[0].model_copy(update={"title": "KSchG <§ 4> & Co"})
    forged = entry.model_copy(update={"texts": {**entry.texts, "de": text}, "sources": [source]})
    composed = service.compose_entry(forged, "de")
    assert "<b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Kündigung&lt;/b&gt;</b>" in composed
    assert "Lohn &lt; 14 € &amp; &quot;Abfindung&quot; &gt; 0" in composed
    assert f'<a href="{html.escape(str(source.url), quote=True)}">KSchG &lt;§ 4&gt; &amp; Co</a>' in composed
    assert set(re.findall(r"</?([a-z]+)", composed)) <= {"b", "i", "a"}  # only the composer's own tags


def test_entry_for_topic_and_topic_titles(service: AnswerService) -> None:
    titles = dict(service.topic_titles("uk"))
    assert "dismissal" in titles and titles["dismissal"] != "Dismissal (notice of termination)"
    reply = service.entry_for_topic("dismissal", "uk")
    assert reply.action == "answer" and reply.topics[0].topic == "dismissal"
    assert html.unescape(titles["dismissal"]) in html.unescape(reply.html)


def test_eval_prints_one_json_object_per_question_in_order(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    rows = [
        {"id": "a", "lang": "de", "text": "hallo", "expect": {"action": "greeting"}},
        {"id": "b", "lang": "en", "text": "my boss did not pay my wages", "expect": {"topic": "wage-unpaid"}},
    ]
    questions.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(questions), "--json"])
    assert result.exit_code == 0, result.output
    outputs = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in outputs] == ["a", "b"]
    for o in outputs:
        assert o["action"] in {"answer", "handoff", "emergency", "fallback", "greeting"}
        assert len(o["topics"]) >= 3 and len(set(o["topics"])) == len(o["topics"])
        assert isinstance(o["lang"], str)


def test_eval_rejects_a_broken_line(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a", "text": "hallo"}\n{"id": "b", "text": \n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", str(questions), "--json"])
    assert result.exit_code != 0
    assert "q.jsonl:2: not JSON" in result.output


def test_dev_set_quality_does_not_regress() -> None:
    """The scorer of ../shared reads `fairbot eval --json`; top-1 must stay at or above 0.90."""
    require_shared(DEV_SET)
    require_shared(SCORER)
    result = CliRunner().invoke(main, ["eval", str(DEV_SET), "--json"])
    assert result.exit_code == 0
    out = Path(PROJECT_ROOT / "var" / "dev-eval.jsonl")
    out.parent.mkdir(exist_ok=True)
    out.write_text(result.output, encoding="utf-8")
    scored = subprocess.run(
        [sys.executable, str(SCORER), str(DEV_SET), str(out), "--json"], capture_output=True, text=True, check=True
    )
    metrics = json.loads(scored.stdout)
    assert metrics["missing_outputs"] == 0 and metrics["invalid_actions"] == 0
    assert metrics["top1"] >= 0.90, metrics["worst_confusions"]
    assert metrics["action"]["emergency"] == 1.0
    assert metrics["language"] >= 0.95
    langs = Counter(json.loads(line)["lang"] for line in result.output.splitlines())
    assert len(langs) > 8  # languages beyond the eight with content are recognised, not forced into them


def test_startup_loads_the_index_and_says_how_to_mend_a_broken_one(
    service: AnswerService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken index shows when the bot starts, with what to do, not at the first person's question."""
    data = tmp_path / "data"
    shutil.copytree(service.retriever.store.root, data / "index")
    (data / "models").symlink_to(service.retriever.store.root.parent / "models")  # beside the index, as in Settings
    settings = Settings(_env_file=None, fairbot_data_dir=data)  # type: ignore[call-arg]
    assert load_answer_service(settings) is not None

    version = (data / "index" / "CURRENT").read_text().strip()
    manifest = data / "index" / "versions" / version / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "model": "another/model"}))
    with caplog.at_level(logging.ERROR):
        assert load_answer_service(settings) is None
    assert "fairbot index build --force" in caplog.text
