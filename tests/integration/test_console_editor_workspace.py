"""The editor over HTTP (the real app on SQLite): "Publish" saves the edit it is sent with first and never
drops it, a refused edit publishes nothing, the workspace's text search and its "live / valid from" column."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.editorial.workspace import form_changes, form_values
from bot.storage.db import Database
from bot.storage.models import EntryRevision
from tests.integration.test_console_http import _audit, _editor, app  # noqa: F401  (the fixture)

ENTRY = "dismissal-written-form"
URL = f"/console/editor/entries/{ENTRY}"
# a publish rebuilds the index: over 300 s measured on the shared 2-core machine under load
pytestmark = [pytest.mark.timeout(900)]
# the rest of the form as the browser posts it with every button
REST = {
    "questions": "whatsapp kündigung\nkündigung per sms",
    "sources": "BGB § 623 | https://www.gesetze-im-internet.de/bgb/__623.html",
}


async def _revisions(db: Database) -> list[EntryRevision]:
    async with db.session() as session:
        return list((await session.scalars(select(EntryRevision).order_by(EntryRevision.id))).all())


async def test_publish_saves_the_posted_edit_first(app: Any) -> None:  # noqa: F811
    db: Database = app.state.runtime.db
    editor = await _editor(app)
    await editor.get(URL)
    form = {"title": "Kündigung per WhatsApp?", "answer": "Eine WhatsApp ist keine Kündigung. Neu und ungespeichert."}
    published = await editor.post(f"{URL}/publish", {**REST, **form, "lang": "de"})
    assert published.status_code == 303, re.findall(r"<li>(.*?)</li>", published.text)
    assert published.headers["location"] == f"{URL}?lang=de&notice=published"
    revisions = await _revisions(db)
    assert [r.state for r in revisions] == ["published"]
    assert revisions[0].data["texts"]["de"]["answer"] == form["answer"]
    assert [e.target_id for e in await _audit(db, "entry.draft")] == [ENTRY]

    # the same form again is no change (so publishing it adds no empty revision); one changed field is
    stored = form_values(revisions[0].data, "de")
    posted = {**stored, "topic": "", "reviewed": ""}
    assert form_changes(stored, posted) == []
    assert form_changes(stored, {**posted, "answer": stored["answer"] + " Neu."}) == ["answer"]

    # a refused edit publishes nothing and keeps what the editor typed, with the reason
    refused = await editor.post(f"{URL}/publish", {"title": "Neu", "answer": "<b>fett</b>", "lang": "de"})
    assert refused.status_code == 422 and "plain text" in refused.text and "&lt;b&gt;fett" in refused.text
    assert 'data-testid="notice"' not in refused.text and len(await _revisions(db)) == 1
    await editor.client.aclose()


async def test_entry_form_guards_unsaved_changes_and_publish_sends_the_form(app: Any) -> None:  # noqa: F811
    editor = await _editor(app)
    page = (await editor.get(URL)).text
    form = page[page.index('id="entry-form"') :]
    form = form[: form.index("</form>")]
    assert "data-unsaved-guard" in page
    assert re.search(rf'formaction="{URL}/publish"[^>]*data-testid="publish"', form), "Publish must submit the form"
