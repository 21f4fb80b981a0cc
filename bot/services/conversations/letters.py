"""A letter in a chat: read it, tell the person what it is, and keep it for the advisor only if they agree.

Nothing from the letter is stored without the person's tap on 📎: the conversation records that a
letter was read (a placeholder, no content) and the bot's reply goes out through the channel as
every message does, while the reading and a small JPEG of the page wait in memory (this process's, or
Redis shared by the replicas: bot/services/letters/pending.py) for at most 30 minutes. With the tap they become one message of kind "letter" (the text the
reader found, its figures and the image), which the advisor sees in the handover packet, and which
goes with the conversation when the person erases their data or the purge deletes it. The 📅 button
carries the letter's figures itself, so the calculator opens on any replica.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
from collections import OrderedDict
from typing import Any

from PIL import Image

from bot.locales import t
from bot.services.calculators.working_days import today_in_berlin
from bot.services.channels import Button, Keyboard
from bot.services.conversations import buttons
from bot.services.conversations.calculators import CalculatorDialogs
from bot.services.conversations.incoming import MAX_STORED_TEXT, Incoming, incoming_row
from bot.services.conversations.outgoing import Batch, Speaker, log_event
from bot.services.conversations.people import People, ui_lang
from bot.services.letters import LetterFileError, LetterReading, read_letter
from bot.services.letters.pending import MemoryPendingLetters, PendingLetters
from bot.services.letters.render import render_reading
from bot.storage import repositories as repo
from bot.storage.db import Database
from bot.storage.models import STATE_HUMAN, STATE_WAITING, Message

LETTER_KIND = "letter"  # the stored kind of a kept letter (and of the placeholder of one that was read)
PLACEHOLDER_IN = "[letter sent; not kept unless the person agrees]"
PLACEHOLDER_OUT = "[reading of the letter; not kept]"
IMAGE_WIDTH = 1400  # enough to read a letter on the advisor's screen, a few hundred kB as JPEG
CALCULATORS = {"dismissal": "d", "objection": "o", "minimum_wage": "m"}
AUTHORITIES = {"jobcenter": "jc", "employment_agency": "aa", "family_benefits": "fk", "immigration_office": "ab"}
REMEDIES = {"widerspruch": "w", "einspruch": "e", "klage": "k"}


def page_image(data: bytes) -> bytes:
    """The letter's first page as a modest JPEG (a PDF page rendered), for the advisor."""
    if data.startswith(b"%PDF-"):
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        try:
            image = document[0].render(scale=150 / 72).to_pil()
        finally:
            document.close()
    else:
        image = Image.open(io.BytesIO(data))
    image = image.convert("RGB")
    if image.width > IMAGE_WIDTH:
        image = image.resize((IMAGE_WIDTH, int(image.height * IMAGE_WIDTH / image.width)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def _read(data: bytes, region: str) -> tuple[LetterReading, bytes]:
    reading = read_letter(data, today_in_berlin(), region=region)
    try:
        return reading, page_image(data)
    except Exception:  # the reader could read it, so the picture is only lost for the advisor, not the reading
        return reading, b""


def calculator_button(reading: LetterReading, lang: str) -> Button | None:
    """📅 with the letter's figures packed in (see `buttons.Letter`)."""
    if reading.calculator not in CALCULATORS:
        return None
    facts = reading.facts
    data = buttons.Letter(
        action="calc",
        calc=CALCULATORS[reading.calculator],  # type: ignore[arg-type]
        day=f"{facts.letter_date:%Y%m%d}" if facts.letter_date else "",
        end=f"{facts.end_date:%Y%m%d}" if facts.end_date and reading.calculator == "dismissal" else "",
        auth=AUTHORITIES.get(reading.kind, ""),  # type: ignore[arg-type]
        remedy=REMEDIES.get(facts.remedy or "", ""),  # type: ignore[arg-type]
        missing=reading.calculator == "objection" and not facts.has_remedy_instructions,
    )
    return Button(t("letter_btn_received", lang), data.pack())


def _keyboard(reading: LetterReading, lang: str, title_of: Any) -> Keyboard:
    rows: Keyboard = []
    calc = calculator_button(reading, lang)
    if calc is not None:
        rows.append([calc])
    if reading.topic:
        rows.append([buttons.topic(title_of(reading.topic, lang), reading.topic)])
    if reading.legible:
        rows.append([Button(t("letter_btn_keep", lang), buttons.Letter(action="keep").pack())])
    rows.append([buttons.advisor(lang)])
    return rows


def answers_of(pressed: buttons.Letter) -> tuple[str | None, dict[str, Any]]:
    """The calculator and its pre-filled answers from a 📅 button's data."""
    kind = {v: k for k, v in CALCULATORS.items()}.get(pressed.calc)
    answers: dict[str, Any] = {}
    if pressed.day:
        answers["suggested"] = dt.datetime.strptime(pressed.day, "%Y%m%d").date().isoformat()
    if kind == "dismissal" and pressed.end:
        answers["letter_end"] = dt.datetime.strptime(pressed.end, "%Y%m%d").date().isoformat()
    if kind == "objection":
        answers["authority"] = {v: k for k, v in AUTHORITIES.items()}.get(pressed.auth) or None
        answers["remedy"] = {v: k for k, v in REMEDIES.items()}.get(pressed.remedy)
        answers["instructions_missing"] = pressed.missing
        if answers["authority"] is None:
            del answers["authority"]  # the dialog asks for it
    return kind, answers


class SentReadings:
    """The HTML of the letter readings this process sent to a channel that shows the record (the web chat), by
    message id, for its re-renders: the stored message holds only `PLACEHOLDER_OUT`.

    Not stored, on purpose: a reading repeats the person's letter (names, amounts, case numbers), and nothing
    of a letter goes into the database without the person's tap on 📎. So it lives in this process's memory,
    the most recent few thousand only, and a re-render on another replica (or after a restart) shows the
    placeholder's wording instead of the reading; the buttons under it are stored and survive.
    """

    def __init__(self, size: int = 2_000) -> None:
        self._html: OrderedDict[int, str] = OrderedDict()
        self.size = size

    def put(self, message_id: int, html: str) -> None:
        self._html[message_id] = html
        while len(self._html) > self.size:
            self._html.popitem(last=False)

    def text(self, message: Message) -> str:
        """What to show for a stored message: the reading where the record holds its placeholder."""
        return self._html.get(message.id, message.text) if message.text == PLACEHOLDER_OUT else message.text


class LetterDesk:
    def __init__(
        self,
        db: Database,
        people: People,
        speaker: Speaker,
        calculators: CalculatorDialogs,
        title_of: Any,
        pending: PendingLetters | None = None,
    ) -> None:
        self.db = db
        self.people = people
        self.speaker = speaker
        self.calculators = calculators
        self.title_of = title_of  # (topic, lang) -> the topic's title, for the entry button
        self.pending = pending or MemoryPendingLetters()
        self.readings = SentReadings()

    async def talking_to_bot(self, channel: str, external_id: str) -> bool:
        """A letter is read only while the bot has the chat; with an advisor it is relayed like any file."""
        return (await self.people.look_up(channel, external_id)).state not in (STATE_WAITING, STATE_HUMAN)

    async def read(self, channel: str, external_id: str, data: bytes | None, lang_hint: str | None) -> Incoming:
        """Read the letter (in a worker thread, seconds) and answer; nothing of it is written to the database.

        `data` None: the channel saw the file was larger than the reader takes and did not fetch it."""
        reading, image = None, b""
        problem: str | None = "letter_err_too_big"
        if data is not None:
            try:
                reading, image = await asyncio.to_thread(_read, data, self.people.region)
                problem = None
            except LetterFileError as error:
                problem = error.reason
        batch = Batch()
        async with self.people.lock(channel, external_id), self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            lang = ui_lang(person, lang_hint)
            message_id = await repo.add_message(
                session, **incoming_row(conversation, PLACEHOLDER_IN, "letter", kind=LETTER_KIND)
            )
            if reading is None:
                text, keyboard = t(problem or "letter_err_type", lang), [[buttons.advisor(lang)]]
            else:
                text = render_reading(reading, lang, html=True)
                keyboard = _keyboard(reading, lang, self.title_of)
            reply_id = await self.speaker.say(
                session, batch, person, conversation, text, keyboard, action="letter", plain_text=PLACEHOLDER_OUT
            )
        if reply_id is not None and self.speaker.sender(channel).shows_record:  # before the re-render's nudge
            self.readings.put(reply_id, text)
        if reading is not None:  # before the reply with its 📎 goes out: a quick tap finds it
            await self.pending.put(channel, external_id, kept_fields(reading, image))
        await self.speaker.finish(batch)
        log_event(
            "letter_read", conversation_id=conversation.id, kind=reading.kind if reading else None, problem=problem
        )
        return Incoming(conversation.id, message_id, conversation.state, "letter", 1)

    async def press(self, channel: str, external_id: str, pressed: buttons.Letter, lang_hint: str | None) -> str | None:
        """📎 keeps the waiting letter for the advisor; 📅 opens its calculator."""
        if pressed.action == "calc":
            kind, answers = answers_of(pressed)
            await self.calculators.open(channel, external_id, lang_hint, kind, answers)
            return None
        waiting = await self.pending.take(channel, external_id)
        batch = Batch()
        async with self.db.transaction() as session:
            person, conversation = await self.people.load(session, channel, external_id, None, lang_hint)
            lang = ui_lang(person, lang_hint)
            if waiting is None:
                await self.speaker.say(session, batch, person, conversation, t("letter_expired", lang))
            else:
                session.add(kept_letter(conversation.id, waiting))
                await self.speaker.say(session, batch, person, conversation, t("letter_kept", lang), action="letter")
        await self.speaker.finish(batch)
        if waiting is not None:
            log_event("letter_kept", conversation_id=conversation.id, kind=waiting["attachment"]["letter"]["kind"])
        return None

    async def forget(self, channel: str, external_id: str) -> None:
        """The person erased their data: a letter waiting for consent goes too (on every replica)."""
        await self.pending.drop(channel, external_id)


def kept_fields(reading: LetterReading, image: bytes) -> dict[str, Any]:
    """The letter as the advisor gets it: the text found, the figures, and the page as a JPEG (JSON)."""
    return {
        "text": reading.text[:MAX_STORED_TEXT],
        "attachment": {
            "letter": reading.to_dict(),
            "image": base64.b64encode(image).decode("ascii"),
            "media_type": "image/jpeg",
        },
    }


def kept_letter(conversation_id: int, fields: dict[str, Any]) -> Message:
    """The kept letter as a message of the conversation (what `kept_fields` prepared)."""
    return Message(
        conversation_id=conversation_id,
        direction="in",
        author="user",
        kind=LETTER_KIND,
        action="letter_kept",
        text=fields["text"],
        attachment=fields["attachment"],
    )
