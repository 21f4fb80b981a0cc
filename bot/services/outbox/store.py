"""The outbox table: staging a reply's rows in its own transaction, recording delivery results in batches,
and taking over due rows whose lease expired.

Rows are written with plain SQL, not the ORM: every reply passes here, and a flush costs far more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.channels import Outgoing
from bot.services.outbox.split import split_html
from bot.storage.db import Database
from bot.storage.models import Message, OutboxItem, utcnow

_OUTBOX = cast(Table, OutboxItem.__table__)
_INSERT_OUTBOX = insert(_OUTBOX).returning(_OUTBOX.c.id, sort_by_parameter_order=True)
_RESULT_COLUMNS = ("status", "attempts", "last_error", "sent_at", "lease_until", "next_attempt_at")
_RECORD_RESULT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("item_id"))
    .values(**{column: bindparam(column) for column in _RESULT_COLUMNS})
)
_RECORD_PAYLOAD = update(_OUTBOX).where(_OUTBOX.c.id == bindparam("item_id")).values(payload=bindparam("payload"))
_MESSAGES = cast(Table, Message.__table__)
_RECORD_DELIVERY = (
    update(_MESSAGES)
    .where(_MESSAGES.c.id == bindparam("message_id"))
    .values(delivery_status=bindparam("delivery_status"), channel_message_id=bindparam("channel_message_id"))
)


@dataclass
class Item:
    """One Bot API call of the outbox, as the delivery loop holds it in memory."""

    id: int
    chat_id: str
    method: str
    payload: dict[str, Any]
    message_id: int | None
    conversation_id: int | None
    attempts: int = 0
    rewritten: bool = False  # the payload differs from the stored one (sent as plain text instead)


def _result_params(result: dict[str, Any]) -> dict[str, Any]:
    return {"item_id": result["id"], **{column: result[column] for column in _RESULT_COLUMNS}}


def _payloads(outgoing: Outgoing) -> list[dict[str, Any]]:
    """The sendMessage payloads of one reply: split at Telegram's length limit, buttons under the last part."""
    parts = split_html(outgoing.html)
    keyboard = outgoing.keyboard_json()
    payloads = []
    for index, part in enumerate(parts):
        payload: dict[str, Any] = {
            "chat_id": outgoing.external_id,
            "text": part,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        if keyboard and index == len(parts) - 1:
            payload["reply_markup"] = keyboard
        payloads.append(payload)
    return payloads


async def stage_call(session: AsyncSession, channel: str, chat_id: str, method: str, payload: dict[str, Any]) -> None:
    """One call that delivers no stored message (an alert to the on-call advisors), in the caller's transaction.

    Not leased: the sweeper of whichever process holds the channel takes it after the commit, exactly once.
    """
    now = utcnow()
    row = {
        "channel": channel,
        "chat_id": chat_id,
        "method": method,
        "payload": payload,
        "message_id": None,
        "person_id": None,
        "lease_until": None,
        "next_attempt_at": now,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
    }
    await session.execute(_INSERT_OUTBOX, row)


async def stage(session: AsyncSession, outgoings: Sequence[Outgoing], lease: dt.timedelta) -> list[list[Item]]:
    """Insert the rows of `outgoings` in the caller's transaction, leased to this process; one item list each."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    owners: list[Outgoing] = []
    for outgoing in outgoings:
        for payload in _payloads(outgoing):
            rows.append(
                {
                    "channel": "telegram",
                    "chat_id": outgoing.external_id,
                    "method": "sendMessage",
                    "payload": payload,
                    "message_id": outgoing.message_id,
                    "person_id": outgoing.person_id or None,
                    "lease_until": now + lease,
                    "next_attempt_at": now,
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                }
            )
            owners.append(outgoing)
    if not rows:
        return []
    ids = (await session.execute(_INSERT_OUTBOX, rows[0] if len(rows) == 1 else rows)).scalars().all()
    tokens: dict[int, list[Item]] = {id(outgoing): [] for outgoing in outgoings}
    for id_, row, outgoing in zip(ids, rows, owners, strict=True):
        tokens[id(outgoing)].append(
            Item(
                id=id_,
                chat_id=row["chat_id"],
                method=row["method"],
                payload=row["payload"],
                message_id=row["message_id"],
                conversation_id=outgoing.conversation_id,
            )
        )
    return list(tokens.values())


def result(
    item: Item,
    status: str,
    error: str | None,
    *,
    channel_message_id: str | None = None,
    release: bool = False,
    delay: float = 0.0,
) -> dict[str, Any]:
    """One delivery outcome as `write_results` stores it (released rows wait `delay` seconds for the sweeper)."""
    now = utcnow()
    return {
        "id": item.id,
        "status": status,
        "attempts": item.attempts,
        "last_error": (error or None) and error[:200],
        "sent_at": now if status == "sent" else None,
        "lease_until": None,
        "next_attempt_at": now + dt.timedelta(seconds=delay) if release else now,
        "_payload": item.payload if item.rewritten else None,
        "_message_id": item.message_id,
        "_conversation_id": item.conversation_id,
        "_channel_message_id": channel_message_id,
    }


async def write_results(db: Database, batch: Sequence[dict[str, Any]]) -> None:
    """Store a batch of outcomes in one transaction: the rows, rewritten payloads, and each message's status."""
    async with db.transaction() as session:
        # Core executemany, not the ORM's bulk update: a row erased by /delete meanwhile is simply
        # not matched instead of failing the whole batch with StaleDataError.
        await session.execute(_RECORD_RESULT, [_result_params(r) for r in batch])
        rewritten = [{"item_id": r["id"], "payload": r["_payload"]} for r in batch if r["_payload"] is not None]
        if rewritten:
            await session.execute(_RECORD_PAYLOAD, rewritten)
        messages: dict[int, dict[str, Any]] = {}
        for r in batch:
            if r["_message_id"] is None or r["status"] == "pending":
                continue
            current = messages.get(r["_message_id"])
            # A split message is "sent" only when every part is; any failure marks it failed.
            if current is None or current["delivery_status"] == "sent":
                messages[r["_message_id"]] = {
                    "message_id": r["_message_id"],
                    "delivery_status": r["status"],
                    "channel_message_id": r["_channel_message_id"] or (current or {}).get("channel_message_id"),
                }
        if messages:
            await session.execute(_RECORD_DELIVERY, list(messages.values()))


async def take_due(
    db: Database, lease: dt.timedelta, skip: set[int], limit: int = 500, channel: str = "telegram"
) -> list[Item]:
    """Lease due rows of `channel` whose lease expired (restart, another replica died, handed-back retries)."""
    now = utcnow()
    due = and_(
        OutboxItem.status == "pending",
        OutboxItem.channel == channel,
        OutboxItem.next_attempt_at <= now,
        or_(OutboxItem.lease_until.is_(None), OutboxItem.lease_until < now),
    )
    async with db.session() as session:
        rows = (
            (await session.execute(select(OutboxItem).where(due).order_by(OutboxItem.id).limit(limit))).scalars().all()
        )
    if not rows:
        return []
    taken: list[Item] = []
    async with db.transaction() as session:
        for row in rows:
            if row.id in skip:
                continue
            claimed = await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == row.id, due)
                .values(lease_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                conversation_id = None
                if row.message_id is not None:
                    conversation_id = await session.scalar(
                        select(Message.conversation_id).where(Message.id == row.message_id)
                    )
                taken.append(
                    Item(
                        id=row.id,
                        chat_id=row.chat_id,
                        method=row.method,
                        payload=dict(row.payload),
                        message_id=row.message_id,
                        conversation_id=conversation_id,
                        attempts=row.attempts,
                    )
                )
    return taken  # enqueued by the caller only now, after the commit
