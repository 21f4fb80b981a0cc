"""The advisor queue's triage: which marks a conversation gets, and the order they give it."""

from __future__ import annotations

import datetime as dt

from bot.services.triage import DEADLINE, EMERGENCY, EXPLOITATION, Facts, Mark, marks, order

TODAY = dt.date(2026, 12, 3)


def _dismissal(deadline: dt.date) -> dict[str, str]:
    return {"calculator": "dismissal", "claim_deadline": deadline.isoformat()}


def test_an_emergency_with_its_subtype_and_the_trafficking_sign() -> None:
    found = marks(Facts(urgency=2, reason="emergency", subtype="trafficking"), TODAY)
    assert found == [Mark(EMERGENCY, "trafficking"), Mark(EXPLOITATION, "trafficking")]
    assert order(found) == (0, 0)
    assert marks(Facts(urgency=1, reason="danger", subtype="violence"), TODAY) == [Mark(EMERGENCY, "violence")]


def test_the_nearest_running_deadline_counts_and_a_passed_one_does_not() -> None:
    facts = Facts(calculations=[_dismissal(TODAY + dt.timedelta(days=9)), _dismissal(TODAY + dt.timedelta(days=2))])
    assert marks(facts, TODAY) == [Mark(DEADLINE, "dismissal_claim", 2, TODAY + dt.timedelta(days=2))]
    assert marks(Facts(calculations=[_dismissal(TODAY - dt.timedelta(days=1))]), TODAY) == []
    assert marks(Facts(calculations=[{"calculator": "sick_pay", "pay_until": "2026-12-20"}]), TODAY) == []


def test_exploitation_topics_become_signs() -> None:
    facts = Facts(topics={"documents-withheld", "recruitment-fees", "vacation"})
    assert marks(facts, TODAY) == [Mark(EXPLOITATION, "debts"), Mark(EXPLOITATION, "documents")]


def test_order_emergency_close_deadline_exploitation_later_deadline_rest() -> None:
    close = marks(Facts(calculations=[_dismissal(TODAY + dt.timedelta(days=3))]), TODAY)
    later = marks(Facts(calculations=[_dismissal(TODAY + dt.timedelta(days=12))]), TODAY)
    signs = marks(Facts(topics={"labour-exploitation"}), TODAY)
    both = marks(Facts(topics={"labour-exploitation"}, calculations=[_dismissal(TODAY + dt.timedelta(days=1))]), TODAY)
    emergency = marks(Facts(urgency=2, reason="emergency"), TODAY)
    keys = [order(m) for m in (emergency, both, close, signs, later, [])]
    assert keys == sorted(keys) and len(set(keys)) == 6
    assert both[0].kind == DEADLINE and both[1].kind == EXPLOITATION
    later_with_signs = marks(
        Facts(topics={"labour-exploitation"}, calculations=[_dismissal(TODAY + dt.timedelta(days=12))]), TODAY
    )
    assert [m.kind for m in later_with_signs] == [EXPLOITATION, DEADLINE]


def test_a_bescheid_deadline_is_a_running_deadline_too() -> None:
    objection = {"calculator": "objection", "deadline": "2026-12-07", "remedy": "klage"}
    assert marks(Facts(calculations=[objection]), TODAY) == [Mark(DEADLINE, "objection_klage", 4, dt.date(2026, 12, 7))]
