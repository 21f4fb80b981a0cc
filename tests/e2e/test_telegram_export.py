"""/export in Telegram: the person gets a file with everything stored about them (issue 13, finding 11)."""

from __future__ import annotations

import json

from tests.e2e.conftest import Bot
from tests.e2e.test_telegram_conversations import WAIT


async def test_export_sends_the_person_their_data_as_a_file(fairbot: Bot) -> None:
    emu = fairbot.emulator
    user = emu.add_user("Export", "de")
    await user.send_command("export")
    assert "noch nichts" in (await emu.wait_for_reply(user, WAIT)).text  # nothing stored yet
    await user.send("Mein Chef zahlt meinen Lohn nicht")
    await emu.wait_for_reply(user, WAIT)
    await user.send_command("export")
    reply = await emu.wait_for_reply(user, WAIT)
    assert reply.kind == "document" and "/delete" in reply.text
    stored = emu.files.get(reply.raw["document"]["file_id"])
    assert stored is not None
    data = json.loads(stored.data)
    assert data["you"]["id_in_channel"] == str(user.id)
    texts = [m["text"] for c in data["conversations"] for m in c["messages"]]
    assert "Mein Chef zahlt meinen Lohn nicht" in texts
    assert "/export" not in texts  # a command, not a question
