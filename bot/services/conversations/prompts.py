"""The bot's replies to commands and menu buttons: language choice, topics, privacy notice, delete question.

Each is one bot message in the person's UI language (`Prompts.say`); a topic
button answers with the best entry of that topic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.errors import InvalidState
from bot.locales import t
from bot.services.answers import Reply
from bot.services.channels import Keyboard
from bot.services.conversations import buttons
from bot.services.conversations.outgoing import Batch, Speaker
from bot.services.conversations.people import People, ui_lang
from bot.services.conversations.replies import Replies
from bot.storage.db import Database
from bot.storage.models import STATE_HUMAN, STATE_WAITING, Message, utcnow

Render = Callable[[str], tuple[str, Keyboard | None]]


class Prompts:
    def __init__(
        self, db: Database, people: People, speaker: Speaker, replies: Replies, retention_days: int = 180
    ) -> None:
        self.db = db
        self.retention_days = retention_days  # the purge's own setting: the notice promises what the purge does
        self.people = people
        self.speaker = speaker
        self.replies = replies

    async def start(self, channel: str, external_id: str, lang_hint: str | None) -> None:
        """/start: language choice first, because everything after it is said in that language."""
        await self._language(channel, external_id, lang_hint, "start_choose_language", "start")

    async def language_menu(self, channel: str, external_id: str, lang_hint: str | None) -> None:
        await self._language(channel, external_id, lang_hint, "language_menu", "language")

    async def topics(self, channel: str, external_id: str, lang_hint: str | None) -> None:
        def render(lang: str) -> tuple[str, Keyboard | None]:
            titles = self.replies.topic_titles(lang)
            if not titles:
                return t("topics_empty", lang), None
            return t("topics_header", lang), [[buttons.topic(title[:60], topic)] for topic, title in titles]

        await self.say(channel, external_id, lang_hint, render, "topics")

    async def privacy(self, channel: str, external_id: str, lang_hint: str | None) -> None:
        await self.say(
            channel,
            external_id,
            lang_hint,
            lambda lang: (t("privacy_notice", lang, days=self.retention_days), None),
            "privacy",
        )

    async def ask_delete(self, channel: str, external_id: str, lang_hint: str | None) -> None:
        def render(lang: str) -> tuple[str, Keyboard | None]:
            return t("delete_confirm", lang), buttons.delete_keyboard(lang)

        await self.say(channel, external_id, lang_hint, render, "privacy")

    async def _language(
        self, channel: str, external_id: str, lang_hint: str | None, text_key: str, action: str
    ) -> None:
        keyboard = buttons.language_keyboard()
        await self.say(channel, external_id, lang_hint, lambda lang: (t(text_key, lang), keyboard), action)

    async def say(self, channel: str, external_id: str, lang_hint: str | None, render: Render, action: str) -> None:
        """One bot message in the person's UI language: the shape of every command reply."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            text, rows = render(ui_lang(person, lang_hint))
            await self.speaker.say(session, batch, person, conversation, text, rows, action=action)
        await self.speaker.finish(batch)

    async def set_language(self, channel: str, external_id: str, lang: str) -> str | None:
        """A language button: the chosen language wins over detection from now on."""
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id)
            first_choice = person.chosen_lang is None
            person.chosen_lang = lang
            conversation.language = lang
            self.people.remember(person, conversation.state)
            key = "start_intro" if first_choice else "language_set"
            text = t(key, lang, language=buttons.LANGUAGE_NAMES[lang])
            await self.speaker.say(
                session, batch, person, conversation, text, buttons.topics_row(lang), action="language"
            )
        await self.speaker.finish(batch)
        return buttons.LANGUAGE_NAMES[lang]

    async def topic_answer(self, channel: str, external_id: str, topic: str, lang_hint: str | None) -> str | None:
        """A topic button: the best entry of the topic, unless a human has the chat."""
        return await self._tapped_answer(
            channel, external_id, lang_hint, lambda lang: self.replies.entry_for_topic(topic, lang)
        )

    async def alternative_answer(
        self, channel: str, external_id: str, entry_id: str, lang_hint: str | None
    ) -> str | None:
        """ "Or is your question about …?" under a near-tie: that entry, unless a human has the chat."""
        return await self._tapped_answer(
            channel, external_id, lang_hint, lambda lang: self.replies.entry_reply(entry_id, lang)
        )

    async def _tapped_answer(
        self, channel: str, external_id: str, lang_hint: str | None, fetch: Callable[[str], Awaitable[Reply]]
    ) -> str | None:
        """The answer a button asked for, stored with the button's title as the person's message."""
        if self.replies.answers is None:
            raise InvalidState("the answer service is not loaded")
        lang = await self.people.lang_of(channel, external_id, lang_hint)
        try:
            reply = await fetch(lang)
        except (KeyError, LookupError, ValueError):
            return t("unknown_button", lang)
        topic = reply.topics[0].topic
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id)
            if conversation.state in (STATE_WAITING, STATE_HUMAN):
                return t("handoff_already", lang)
            conversation.topic = topic
            session.add(
                Message(
                    conversation_id=conversation.id,
                    direction="in",
                    author="user",
                    text=self.replies.topic_title(topic, lang),
                    kind="button",
                    action="topic",
                    created_at=utcnow(),
                )
            )
            keyboard = buttons.answer_keyboard(lang, topic) if reply.action == "answer" else None
            await self.speaker.say(session, batch, person, conversation, reply.html, keyboard, reply=reply)
        await self.speaker.finish(batch)
        return None
