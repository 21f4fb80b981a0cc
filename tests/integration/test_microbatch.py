"""Micro-batched answering: messages that arrive together share one encoder call and one index pass, and each
gets exactly the reply it gets alone."""

from __future__ import annotations

import asyncio
import json

import numpy as np
import pytest

from bot.config import PROJECT_ROOT
from bot.services.answers import AnswerService, Question, Reply
from tests.e2e.harness import answer_service

# Real questions in all eight languages (emergencies, hand-overs and off-topic among them), plus a greeting,
# an empty message and one far over the model's window.
HELDOUT = PROJECT_ROOT / "tests" / "data" / "heldout.jsonl"
QUESTIONS = [
    Question(item["text"], lang_hint=item["lang"])
    for item in (json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines()[::9])
] + [Question("hallo"), Question("   "), Question("Mein Chef zahlt nicht. " * 300, chosen_lang="de")]


@pytest.fixture(scope="module")
def service() -> AnswerService:
    return answer_service()


def _same(batched: Reply, alone: Reply) -> None:
    assert (batched.action, batched.danger, batched.lang, batched.answer_lang, batched.entry_id) == (
        alone.action,
        alone.danger,
        alone.lang,
        alone.answer_lang,
        alone.entry_id,
    )
    assert batched.html == alone.html
    assert [t.topic for t in batched.topics] == [t.topic for t in alone.topics]
    assert [t.score for t in batched.topics] == pytest.approx([t.score for t in alone.topics], abs=1e-4)


def test_vectors_of_a_batch_are_the_vectors_of_each_message_alone(service: AnswerService) -> None:
    texts = [q.text for q in QUESTIONS if q.text.strip()]
    encoder = service.retriever.encoder
    together = encoder.encode_queries(texts)
    alone = np.stack([encoder.encode_queries([text])[0] for text in texts])
    assert together.shape == alone.shape == (len(texts), encoder.dim)
    assert np.abs(together - alone).max() < 1e-5


def test_a_batch_gets_the_replies_each_message_gets_alone(service: AnswerService) -> None:
    assert len(QUESTIONS) > 40
    alone = [service.respond(q.text, lang_hint=q.lang_hint, chosen_lang=q.chosen_lang) for q in QUESTIONS]
    for size in (16, 5):  # the bot's cap, and batches that cut the list elsewhere
        batched = [
            r for start in range(0, len(QUESTIONS), size) for r in service.respond_many(QUESTIONS[start : start + size])
        ]
        assert len(batched) == len(alone)
        for b, a in zip(batched, alone, strict=True):
            _same(b, a)
    actions = {r.action for r in alone}
    assert {"answer", "fallback", "greeting"} <= actions and actions & {"emergency", "handoff"}


async def test_messages_arriving_together_are_answered_in_batches_off_the_event_loop(service: AnswerService) -> None:
    questions = [q for q in QUESTIONS if q.text.strip()][:24]
    before = service.batch_stats()
    ticks = 0

    async def tick() -> None:  # the event loop stays free while the batches run
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    replies = await asyncio.gather(
        *(service.respond_async(q.text, lang_hint=q.lang_hint, chosen_lang=q.chosen_lang) for q in questions)
    )
    ticker.cancel()
    after = service.batch_stats()
    batches = int(after["batches"]) - int(before["batches"])  # type: ignore[call-overload]
    assert int(after["jobs"]) - int(before["jobs"]) == len(questions)  # type: ignore[call-overload]
    assert 2 <= batches <= 3  # 24 messages at once: batches of at most 16
    assert ticks >= 5
    for reply, q in zip(replies, questions, strict=True):
        _same(reply, service.respond(q.text, lang_hint=q.lang_hint, chosen_lang=q.chosen_lang))


def test_a_run_of_the_encoder_pads_little_and_keeps_every_window_once(service: AnswerService) -> None:
    encoder = service.retriever.encoder
    lengths = [3, 4, 4, 5, 12, 13, 40, 41, 42, 300]
    windows = [(i, [7] * n) for i, n in enumerate(lengths)]
    runs = list(encoder._batches(windows))  # type: ignore[attr-defined]
    assert [w for run in runs for w in run] == windows
    for run in runs:
        real = sum(len(w[1]) + 2 for w in run)
        assert len(run) * (len(run[-1][1]) + 2) <= max(1.3 * real, len(run[-1][1]) + 2)
    assert [len(run) for run in runs] == [4, 2, 3, 1]
