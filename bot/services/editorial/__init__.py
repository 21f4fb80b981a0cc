"""The editors' side of the knowledge base: drafts, revisions, publishing, the unanswered report, export.

The YAML files in `knowledge/entries/` are the reviewed baseline (`baseline`, cached until a file
changes); the console stores every edit as an `EntryRevision` (`revisions`). What the bot serves is
the baseline overridden by the newest *published* revision of each entry (`publishing`, which also
rebuilds the index incrementally and broadcasts the new version). `workspace` holds the status rows
editors work from, `unanswered` the report of questions the bot could not answer, `canned` the
advisors' prepared replies, `export` the way back to YAML. `Editorial` (in `service`) ties them to
one deployment; `EditorDesk` (in `desk`) is what the console's routes call.
"""

from bot.services.editorial.canned import (
    add_canned_reply,
    canned_for_conversation,
    canned_replies,
    delete_canned_reply,
)
from bot.services.editorial.desk import EditorDesk, EntryForm
from bot.services.editorial.publishing import Published, ReindexFailed
from bot.services.editorial.revisions import EntryInvalid, RevisionView, entry_dict, revision_diff, validate_entry
from bot.services.editorial.service import Editorial
from bot.services.editorial.unanswered import UnansweredItem, group_unanswered
from bot.services.editorial.workspace import EntryStatus, LangStatus, WorkspacePage

__all__ = [
    "EditorDesk",
    "Editorial",
    "EntryForm",
    "EntryInvalid",
    "EntryStatus",
    "LangStatus",
    "Published",
    "ReindexFailed",
    "RevisionView",
    "UnansweredItem",
    "WorkspacePage",
    "add_canned_reply",
    "canned_for_conversation",
    "canned_replies",
    "delete_canned_reply",
    "entry_dict",
    "group_unanswered",
    "revision_diff",
    "validate_entry",
]
