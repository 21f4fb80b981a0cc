"""The calculators inside conversations (web channel, SQLite and PostgreSQL): started from an answer or /deadline,
answered in words and buttons, left for a real question or danger, continued by another replica, and
the result kept for the advisor's handover packet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.calculators.working_days import today_in_berlin
from bot.services.channels import Outgoing, WebChatSender
from bot.services.conversations import ConversationService
from bot.storage.db import Database
from bot.storage.models import Conversation, Handoff, Message, Person
from tests.e2e.harness import answer_service, web_conversations


class KeepingSender(WebChatSender):
    """The web sender, keeping what it sent so the test can read the buttons."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.sent: list[Outgoing] = []

    async def flush(self, staged: Sequence[Any]) -> None:
        self.sent.extend(staged)
        await super().flush(staged)


@pytest.fixture(scope="module")
def answers() -> Any:
    return answer_service()


def make(db: Database, answers: Any) -> ConversationService:
    return web_conversations(db, answers, sender=KeepingSender)


def last(svc: ConversationService) -> Outgoing:
    sender = svc.speaker.senders["web"]
    assert isinstance(sender, KeepingSender) and sender.sent
    return sender.sent[-1]


def data_of(out: Outgoing, label_part: str) -> str:
    return next(b.data for row in out.buttons for b in row if label_part in b.text)


async def conversation_of(svc: ConversationService, person: str) -> Conversation:
    async with svc.db.session() as session:
        found = await session.scalar(select(Conversation).join(Person).where(Person.external_id == person))
    assert found is not None
    return found


def german(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


async def test_from_an_answer_to_a_result_the_advisor_sees(db: Database, answers: Any) -> None:
    svc = make(db, answers)
    first = await svc.handle_incoming("web", "p1", "Ich habe eine Kündigung bekommen. Was muss ich jetzt tun?", "de")
    assert first.action == "answer"
    answer = last(svc)
    start = data_of(answer, "Kündigung: meine Fristen")
    assert start == "calc:k-dismissal"

    await svc.handle_action("web", "p1", start, "de")
    assert "Kündigungsschreiben" in last(svc).html
    received = today_in_berlin() - dt.timedelta(days=2)
    incoming = await svc.handle_incoming("web", "p1", german(received), "de")
    assert incoming.action == "calculator"
    await svc.handle_incoming("web", "p1", "1.3.2020", "de")  # an old job: no probation question
    await svc.handle_action("web", "p1", data_of(last(svc), "Kein Datum"), "de")

    result = last(svc)
    assert "erste Einschätzung" in result.html and "gesetze-im-internet.de/kschg/__4.html" in result.html
    assert any("calc" not in b.data for row in result.buttons for b in row)  # the advisor button
    conversation = await conversation_of(svc, "p1")
    assert conversation.dialog is None
    async with svc.db.session() as session:
        stored = await session.scalar(
            select(Message).where(Message.conversation_id == conversation.id, Message.kind == "calculation")
        )
        tapped = (
            await session.scalars(
                select(Message.text)
                .where(Message.conversation_id == conversation.id, Message.kind == "button")
                .order_by(Message.id)
            )
        ).all()
    assert stored is not None and stored.attachment is not None
    assert tapped == ["📅 Kündigung: meine Fristen", "Kein Datum im Brief"]  # the advisor reads the taps too
    calculation = stored.attachment["calculation"]
    deadline = received + dt.timedelta(days=21)
    assert calculation["calculator"] == "dismissal" and calculation["received"] == received.isoformat()
    assert dt.date.fromisoformat(calculation["claim_deadline"]) >= deadline
    assert "Ihre Fristen nach der Kündigung" in calculation["summary"]["de"]

    await svc.handle_action("web", "p1", "adv:request", "de")
    async with svc.db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == conversation.id))
    assert handoff is not None
    await svc.handle_action("web", "p1", f"consent:{handoff.id}:y", "de")
    packet = await svc.handoff_packet(conversation.id)
    assert packet is not None and [c["calculator"] for c in packet["calculations"]] == ["dismissal"]


async def test_deadline_menu_and_cancel(db: Database, answers: Any) -> None:
    svc = make(db, answers)
    await svc.calculator("web", "p2", "ru")  # /deadline
    menu = last(svc)
    assert "Что вы хотите рассчитать?" in menu.html
    await svc.handle_action("web", "p2", data_of(menu, "Минимальная зарплата"), "ru")
    await svc.handle_action("web", "p2", data_of(last(svc), "Отменить"), "ru")
    assert "Расчёт отменён" in last(svc).html
    assert (await conversation_of(svc, "p2")).dialog is None
    toast = await svc.handle_action("web", "p2", "calc:yesterday", "ru")  # a button of the cancelled dialog
    assert toast  # polite, nothing else happens
    assert "Расчёт отменён" in last(svc).html


async def test_a_real_question_or_danger_leaves_the_dialog(db: Database, answers: Any) -> None:
    svc = make(db, answers)
    await svc.handle_action("web", "p3", "calc:k-vacation", "de")
    await svc.handle_incoming("web", "p3", "Wie viel Urlaub steht mir als Minijobber zu?", "de")
    assert "erste Einschätzung" not in last(svc).html and "/deadline" not in last(svc).html
    assert (await conversation_of(svc, "p3")).dialog is None  # answered like any question

    await svc.handle_action("web", "p4", "calc:k-sick_pay", "de")
    reply = await svc.handle_incoming("web", "p4", "Mein Chef hat mich geschlagen und ich habe Angst", "de")
    assert reply.action != "calculator"
    assert (await conversation_of(svc, "p4")).dialog is None


async def test_another_replica_continues_the_dialog(db: Database, answers: Any) -> None:
    one, other = make(db, answers), make(db, answers)
    await other.handle_incoming("web", "p5", "Hallo", "de")  # `other` now remembers p5 without a dialog
    await one.handle_action("web", "p5", "calc:k-minimum_wage", "de")
    await other.handle_action("web", "p5", "calc:last_month", "de")
    routed = await other.handle_incoming("web", "p5", "160", "de")
    assert routed.action == "calculator"
    await one.handle_incoming("web", "p5", "1.800 €", "de")
    assert "erste Einschätzung" in last(one).html and (await conversation_of(one, "p5")).dialog is None
