"""Two parts of the advisor's handover packet worked out from the conversation as it stands: the message
that raised an emergency, and one German line per topic the person raised.

The German lines are the reviewed titles of the entries the bot answered with, grouped by
topic, never a machine translation of what the person wrote: an advisor who reads no Arabic
sees "Kündigung: Kündigung per WhatsApp, SMS oder mündlich – ist sie gültig?" and knows where
the conversation stands before opening the transcript.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage.models import Message
from knowledge.topics import load_topics

SUMMARY_LANG = "de"  # the counselling centre works in German


@dataclass(frozen=True)
class Trigger:
    """The person's message that made the bot treat the conversation as an emergency or danger."""

    text: str
    at: dt.datetime | None
    subtype: str | None


@dataclass(frozen=True)
class TopicLine:
    topic: str
    title: str  # the topic's German title
    entries: tuple[str, ...]  # the German titles of the entries the bot answered with

    def line(self) -> str:
        return f"{self.title}: {'; '.join(self.entries)}" if self.entries else self.title


def trigger_message(messages: Sequence[Message], packet: dict[str, Any]) -> Trigger | None:
    """The message named in the packet's danger record, else the person's last message the bot answered
    as an emergency (an emergency without a danger sub-type stores no message id)."""
    danger = packet.get("danger") or {}
    wanted = danger.get("message_id")
    subtype = danger.get("subtype")
    if wanted is not None:
        for message in messages:
            if message.id == wanted and message.text:
                return Trigger(message.text, message.created_at, subtype)
    emergencies = [m for m in messages if m.author == "user" and m.action == "emergency" and m.text]
    if emergencies and (danger or packet.get("reason") == "emergency"):
        return Trigger(emergencies[-1].text, emergencies[-1].created_at, subtype)
    return None


def topic_lines(
    messages: Sequence[Message],
    topic: str | None,
    *,
    topic_of: Callable[[str], str | None],
    entry_title: Callable[[str, str], str | None],
) -> list[TopicLine]:
    """One line per topic in the order the person raised them: the conversation's topic first if no
    answer named it, then each answered entry's topic with the titles of its entries."""
    by_topic: dict[str, list[str]] = {}
    if topic:
        by_topic[topic] = []
    for message in messages:
        if message.author != "bot" or not message.entry_id:
            continue
        entry_topic = topic_of(message.entry_id)
        title = entry_title(message.entry_id, SUMMARY_LANG)
        if entry_topic is None or title is None:  # no longer served: its title cannot be looked up
            continue
        titles = by_topic.setdefault(entry_topic, [])
        if title not in titles:
            titles.append(title)
    names = {item.id: item.title_in(SUMMARY_LANG) for item in load_topics()}
    return [TopicLine(t, names.get(t, t), tuple(titles)) for t, titles in by_topic.items()]
