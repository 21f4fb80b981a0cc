"""The decision layer through the live code path: the frozen held-out set, sub-type replies, the middle band."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.services.conversations import ConversationService
from bot.storage.db import Database
from bot.storage.models import Conversation, Handoff
from tests.e2e.harness import answer_service, web_conversations

HELDOUT_2 = PROJECT_ROOT / "tests" / "data" / "heldout-2.jsonl"
HELDOUT_3 = PROJECT_ROOT / "tests" / "data" / "heldout-3.jsonl"
HELDOUT_4 = PROJECT_ROOT / "tests" / "data" / "heldout-4.jsonl"
HELDOUT_5 = PROJECT_ROOT / "tests" / "data" / "heldout-5.jsonl"
HELDOUT_6 = PROJECT_ROOT / "tests" / "data" / "heldout-6.jsonl"
HELDOUT_7 = PROJECT_ROOT / "tests" / "data" / "heldout-7.jsonl"
HELDOUT_8 = PROJECT_ROOT / "tests" / "data" / "heldout-8.jsonl"
HELDOUT_9 = PROJECT_ROOT / "tests" / "data" / "heldout-9.jsonl"
HELDOUT_10 = PROJECT_ROOT / "tests" / "data" / "heldout-10.jsonl"
HELDOUT_11 = PROJECT_ROOT / "tests" / "data" / "heldout-11.jsonl"
HELDOUT_12 = PROJECT_ROOT / "tests" / "data" / "heldout-12.jsonl"
SHA256 = {
    # Written by independent writers who saw neither the entries, the intents corpus, the dev set nor the
    # older held-out sets; frozen 2026-12-02, scored once that day, development data since.
    HELDOUT_2: "40a53ae8d8b0b8572922172fd146027a6ddec0d0c314a7e9df65dbd823fd51da",
    # 840 lines written 2026-12-03 by four independent writers (de/ar, en/fa, ru/uk, tr/fr, plus 17 languages
    # without content) who saw only topics.yaml; frozen before that day's tuning, scored once at its end.
    HELDOUT_3: "cffde92929477466bcc02b35507aad6f2a9f3206277e760cb0174418fcfd340e",
    # 840 more lines by four other independent writers (de/fa, en/ru, ar/tr, uk/fr, other sectors and
    # registers), frozen 2026-12-03, scored once at the end of that day's tuning; development data since.
    HELDOUT_4: "bb17b4820879c7b2927583bf8d4e3b5bf6cd3f09abcc0893902998b8fcfb072f",
    # 840 lines written 2026-12-03 (evening) by four more independent writers who saw only topics.yaml and a
    # brief (8 core languages x 24, plus vi/ka/ti, ro/sq/tl, es/sr/hi, ur/ps/uz; indirect and transliterated
    # emergencies, hard negatives), frozen before that evening's tuning and scored once at its end
    # (emergency 142/152, handoff 83/84); development data since.
    HELDOUT_5: "a07a3e301381fbc75c31fca7e6a42842fc3e35e98e3b5cac1bd84d35434866b4",
    # 840 lines written 2026-12-03 (night) by four more independent writers who saw only topics.yaml and a
    # brief (8 core languages x 24, plus ro/sq/es, vi/hi/bs, uz/ka/ps, tl/id/sr; voice transcripts, stories
    # told for a relative, dialect and transliteration, fragments): frozen before that night's tuning and
    # scored once on 2026-12-04 (emergency 149/152, handoff 102/108); development data since.
    HELDOUT_6: "885e38b7d79331cc2d373ea72749cf0689e6f5c9abefc13a061fc21b7dfffa47",
    # 840 lines written 2026-12-04 by four more independent writers who saw only topics.yaml and a brief (de/uk,
    # en/ar, fa/fr, ru/tr, each with three languages without content: ku/am/ti, pl/bg/hy, ur/bn/so, pt/it/sw; other
    # sectors than before): frozen before the next round's tuning and scored once at its end (2026-12-04,
    # emergency 137/152, handoff 102/108); development data since.
    HELDOUT_7: "5b56f60e31ddd5dee2ee1de1d80d7785e76121897cf580ed41385a8b9be9bc87",
    # 840 lines written 2026-12-04 by four more independent writers who saw only topics.yaml and a brief (de/ar,
    # en/fa, fr/ru, tr/uk, each with three languages without content: ne/mk/ky, ta/az/mn, es/tg/si, vi/ha/be; care,
    # cleaning, hospitality, delivery, greenhouses, fish and poultry, scaffolding, parcels, trucking, nail salons):
    # frozen before that afternoon's tuning and scored once at its end (emergency 137/140, handoff 105/108);
    # development data since.
    HELDOUT_8: "b14ecfe9f9f81cfc3a1de822e082001519f9ed3d0337bf3211a689c01510c6d8",
    # 840 lines written 2026-12-04 (evening) by four more independent writers who saw only topics.yaml and a brief
    # (de/ru, en/uk, ar/fr, fa/tr, each with three languages without content: ro/sr/hi, tl/id/pa, wo/ln/ps,
    # kk/hy/ti; meat plants, harvests, drivers, guards, households, construction, live-in care, hospitals, Blue
    # Card office work, restaurants, cleaning, ports, recycling, barbers, fulfilment, temp work in car plants,
    # farms): frozen before the next round's tuning and scored once at its end (2026-12-04, night: emergency
    # 138/140, handoff 106/108); development data since.
    HELDOUT_9: "2eea031dc58564c08be164a21591ef0ee6188112d9e0d97ea00b6e90087b7c82",
    # 840 lines written 2026-12-04 (night) by four more independent writers who saw only topics.yaml and a brief
    # (de/fa, en/ar, fr/uk, ru/tr, each with three languages without content: sq/uz/ka, es/pt/pl, ur/bn/ne,
    # so/am/sw; meat plants, harvests, car washes, waste sorting, bakeries, warehouses, shipyards, live-in care,
    # facade cleaning, security, drywall, hotel kitchens, fairgrounds, removals, solar roofs, slaughterhouse
    # cleaning, wind farms, taxis, night shelf stocking, stables): frozen before the next round's tuning and scored
    # once at its end (2026-12-05: emergency 112/140, handoff 102/108); development data since.
    HELDOUT_10: "fa907d3c00ed258c8e609039c815f24c336eabb85bab43917e19d205f3bcf2b1",
    # 840 lines written 2026-12-05 by four more independent writers who saw only topics.yaml and a brief (de/uk,
    # en/ru, ar/tr, fa/fr, each with three languages without content: vi/az/mk, it/bg/hu, ta/si/ha, ky/mn/tg;
    # bakeries, laundries, sawmills, roofing, funfairs, care homes, airport ground handling, removals, car washes,
    # solar, call centres, au pairs, vineyards, mushroom farms, kebab chains, waste collection, bus depots,
    # plastering, printing plants, gig work, hospital nursing aides, Christmas-tree and strawberry farms, catering,
    # beverage wholesale): frozen for the round after heldout-10's and scored once at its end (2026-12-05, evening:
    # emergency 134/140, handoff 96/108); development data since.
    HELDOUT_11: "e0bd88a802bb2277d697d0fd911d0ef3575a986c30c6960381ee8030a7633c17",
    # 840 lines written 2026-12-05 by four more independent writers who saw only topics.yaml and a brief (the eight
    # core languages x 96, each writer with three languages without content: ro/ps/tl, vi/hi/ku, bs/ti/id,
    # az/hy/ckb): frozen for the round after heldout-11's, to be scored once at its end (bench.FROZEN_HELDOUT_NAME).
    # Only its hash is checked here until then.
    HELDOUT_12: "e7ca4527aeb0d37fd205c5b763d19e0c90233e0b5bbcbb5a1b924ec0ed5ec163",
}
# Floors through `AnswerService.respond`: emergency (the action itself), protected (an emergency, or the
# middle band: the answer with the emergency numbers first and an urgent handover), handoff. Issue 11 asks
# 0.98 emergency and 0.93 handoff. Each floor guards the figure measured once; where it is below the
# goal, it is not the goal.
#   heldout-2 (2026-12-03, after tuning on it): emergency 0.992, protected 1.0, handoff 0.944.
#   heldout-3 (scored once, 2026-12-03): emergency 0.974 (148/152; the 4 others were all in the middle
#   band), protected 1.0, handoff 0.964 (81/84).
#   Both sets as development data (2026-12-03, later: patterns, decision order, corpus): heldout-2 emergency
#   1.0, handoff 1.0; heldout-3 emergency 0.993 (151/152, the other in the middle band), handoff 0.988 (83/84).
#   heldout-5 after its scoring (2026-12-03, with the emergency patterns written then): emergency 151/152,
#   protected 152/152, handoff 83/84 (0.988). heldout-2/3/4 are training data since that day.
#   heldout-6 scored once (2026-12-04): emergency 149/152 (0.980; a heart attack, a collapsed colleague and a
#   fall from a scaffold, one of them in the middle band), protected 151/152, handoff 102/108 (0.944); with the
#   medical and handoff patterns written after that scoring: emergency 152/152, handoff 106/108 (0.981).
#   heldout-7 scored once (2026-12-04): emergency 137/152 (0.901; emergencies written as questions about pay or
#   money: settling affairs before suicide, a threat on its way, locked in at night), protected 143/152,
#   handoff 102/108 (0.944); with the patterns written after it and its lines in the corpus: emergency 151/152,
#   protected 152/152, handoff 108/108.
#   heldout-8 scored once (2026-12-04, later): emergency 137/140 (0.979; chest pain alone at work, locked in a
#   truck cab twice), protected 139/140, handoff 105/108 (0.972); with the patterns written after it and its lines
#   in the corpus: emergency 140/140, handoff 107/108.
#   heldout-9 scored once (2026-12-04, night, with the character topic model): emergency 138/140 (0.986; someone
#   else breathing badly with blue lips in Ukrainian, a debt-bonded hotel worker who does not know where she is in
#   Persian), protected 140/140, handoff 106/108 (0.981; Low German, Sudanese Arabic); with the patterns written
#   after it and its lines in the corpus: emergency 140/140, handoff 108/108.
#   heldout-10 scored once (2026-12-05): emergency 112/140 (0.800; 28 emergencies wrapped in ordinary questions, 16
#   of them without the middle band either), protected 124/140, handoff 102/108 (0.944); with the patterns written
#   after it and its lines in the corpus: emergency 140/140, protected 140/140, handoff 107/108.
#   heldout-11 scored once (2026-12-05, evening): emergency 134/140 (0.957; a child beaten at a funfair, a threat in
#   Sudanese Arabizi, a suicide plan in Darija, a hand in a machine in Finglish, Azerbaijani and Hausa), protected
#   139/140, handoff 96/108 (0.889; appointments with an advisor, live support, someone to look at the papers); with
#   the patterns written after it and its lines in the corpus: emergency 140/140, protected 140/140, handoff 108/108.
FLOORS = {
    HELDOUT_2: {"emergency": 0.99, "protected": 0.99, "handoff": 0.98},
    HELDOUT_3: {"emergency": 0.99, "protected": 0.99, "handoff": 0.98},
    HELDOUT_5: {"emergency": 0.99, "protected": 0.99, "handoff": 0.98},
    HELDOUT_6: {"emergency": 0.99, "protected": 0.99, "handoff": 0.97},
    HELDOUT_7: {"emergency": 0.99, "protected": 0.99, "handoff": 0.99},
    HELDOUT_8: {"emergency": 0.99, "protected": 0.99, "handoff": 0.98},
    HELDOUT_9: {"emergency": 0.99, "protected": 0.99, "handoff": 0.99},
    HELDOUT_10: {"emergency": 0.99, "protected": 0.99, "handoff": 0.98},
    HELDOUT_11: {"emergency": 0.99, "protected": 0.99, "handoff": 0.99},
}


@pytest.fixture(scope="module")
def service() -> Any:
    return answer_service()


@pytest.mark.parametrize("path", list(SHA256), ids=lambda p: p.name)
def test_the_held_out_sets_are_unchanged(path: Path) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[path]


@pytest.mark.parametrize("path", list(FLOORS), ids=lambda p: p.name)
def test_recall_on_the_held_out_sets(service: Any, path: Path) -> None:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    replies = {r["id"]: service.respond(r["text"]) for r in rows if r["expect"].get("action") in FLOORS[path]}
    emergencies = [r["id"] for r in rows if r["expect"].get("action") == "emergency"]
    handoffs = [r["id"] for r in rows if r["expect"].get("action") == "handoff"]
    recall = {
        "emergency": sum(replies[i].action == "emergency" for i in emergencies) / len(emergencies),
        "protected": sum(replies[i].action == "emergency" or bool(replies[i].danger) for i in emergencies)
        / len(emergencies),
        "handoff": sum(replies[i].action == "handoff" for i in handoffs) / len(handoffs),
    }
    for measure, floor in FLOORS[path].items():
        assert recall[measure] >= floor, (measure, recall)


@pytest.mark.parametrize(
    ("text", "subtype", "first_number"),
    [
        ("ich will nicht mehr leben, es hat alles keinen sinn mehr", "suicide", "0800 111 0 111"),
        ("my coworker fell from the scaffold and is not breathing", "medical", "112"),
        ("нас заперли на складе и не выпускают", "trafficking", "110"),
    ],
)
def test_the_emergency_reply_puts_the_line_of_the_subtype_first(
    service: Any, text: str, subtype: str, first_number: str
) -> None:
    reply = service.respond(text)
    assert (reply.action, reply.danger) == ("emergency", subtype)
    numbers = [n for n in ("0800 111 0 111", "112", "110", "116 016") if n in reply.html]
    assert numbers and min(numbers, key=reply.html.index) == first_number


async def test_the_middle_band_answers_and_asks_for_an_urgent_handover(
    db: Database, service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question with a possible danger: answered, numbers first, consent asked with the danger in the packet."""
    text = "mein chef sagt ich schulde ihm geld für die wohnung und ich darf nicht kündigen bis es bezahlt ist"
    th = service.thresholds
    monkeypatch.setattr(service, "thresholds", type(th)(**{**th.__dict__, "danger_min": 0.0, "emergency_min": 1.01}))
    reply = service.respond(text)
    assert reply.action == "answer" and reply.danger
    assert reply.html.index("110") < reply.html.index("<b>", reply.html.index("110"))
    conversations: ConversationService = web_conversations(db, service)
    incoming = await conversations.handle_incoming("web", "danger-1", text, "de")
    async with db.session() as session:
        handoff = await session.scalar(select(Handoff).where(Handoff.conversation_id == incoming.conversation_id))
        assert handoff is not None
        assert (handoff.reason, handoff.urgency, handoff.status) == ("danger", 2, "consent")
        assert handoff.packet["danger"]["subtype"] == reply.danger
    await conversations.handle_action("web", "danger-1", f"consent:{handoff.id}:y", "de")
    async with db.session() as session:
        conversation = await session.get(Conversation, incoming.conversation_id)
        handoff = await session.get(Handoff, handoff.id)
        assert conversation is not None and handoff is not None
        assert conversation.urgency == 2 and conversation.state == "waiting"
        assert handoff.packet["danger"]["subtype"] == reply.danger
        assert handoff.packet["danger"]["message_id"] and handoff.packet["reason"] == "danger"


def test_an_index_built_without_a_corpus_still_decides_by_patterns(tmp_path: Path) -> None:
    from bot.services.answers import AnswerService
    from knowledge.decision import Thresholds
    from knowledge.index import IndexStore
    from knowledge.intents import load_rules
    from knowledge.retriever import Retriever

    served = answer_service()
    entries = list(served.retriever.index.entries.values())[:3]
    store = IndexStore(tmp_path)
    store.build(entries, served.retriever.encoder)
    assert store.load().intent_model is None
    bare = AnswerService(Retriever(store, served.retriever.encoder), load_rules(), Thresholds.load())
    assert bare.respond("hilfe er hat ein messer und bedroht mich").action == "emergency"
