"""Named fields in entry answers (`{service.phone}`): the allow-list, its check, and how a reply fills them in.

Why: the operator, contact details, privacy controller and retention period are
deployment settings (bot/services/service_profile.py), not content, so an entry
names them instead of spelling them out. Only these names are allowed; any other
brace in an entry is an error (a typo would otherwise reach people as text).
Filling in is line by line: a line with a field that has no value is left out,
so nobody ever sees a placeholder or a label without a value. A line that must
still say something while a field is unset (who the privacy controller is: GDPR
Art. 13(1)(a) needs an answer even before the operator configures it) carries a
marker field, `{service.if_no_privacy_controller}`, present only while the field
is unset. The caller passes the values; knowledge/ knows nothing of where they
come from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

FIELDS: tuple[str, ...] = (
    "operator",
    "address",
    "phone",
    "email",
    "messenger",
    "languages",
    "opening_hours",
    "privacy_controller",
    "retention_days",
    "if_contact",  # no value of its own: present (empty) once a contact below is configured
    "if_no_contact",  # no value of its own: present (empty) only while no contact below is configured
    "if_no_privacy_controller",  # no value of its own: present (empty) only while privacy_controller is unset
)
# Ways to reach a person outside the chat: they decide which of the two markers above is present.
CONTACT_FIELDS: tuple[str, ...] = ("phone", "email", "messenger", "address")
# A marker line and the field it stands in for: never shown together (see `render`), so `shown_length`
# measures each alternative, not both at once.
ALTERNATIVES: dict[str, str] = {"if_no_privacy_controller": "privacy_controller"}
FIELD = re.compile(r"\{service\.([a-z_]+)\}")
BRACE = re.compile(r"[{}]")


def field_problems(text: str) -> list[str]:
    """Why `text` (an answer) is not acceptable: unknown field names and braces that are not a field."""
    problems = [f"unknown field {{service.{name}}}" for name in FIELD.findall(text) if name not in FIELDS]
    if BRACE.search(FIELD.sub("", text)):
        problems.append("a brace outside a field; fields look like {service.phone}")
    if problems:
        problems.append(f"allowed fields: {', '.join('{service.' + f + '}' for f in FIELDS)}")
    return problems


def shown_length(text: str) -> int:
    """Characters of the longest form of `text` a person can be shown, for the answer length limit.

    Why: the privacy answer carries the controller line and its fallback line, of which people see
    exactly one; counting both would cut content nobody reads twice. Every other line counts as written.
    """
    lines = text.split("\n")
    variants = [lines]
    for marker, field in ALTERNATIVES.items():
        tags = (f"{{service.{marker}}}", f"{{service.{field}}}")
        if any(tags[0] in line for line in lines):
            variants = [[line for line in v if tag not in line] for v in variants for tag in tags]
    return max(len("\n".join(v)) for v in variants)


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with its fields filled in from `values`; a line whose field has no (non-blank) value is left out.

    Paragraphs (blank-line separated) that lose all their lines disappear with them.
    """
    filled = {name: value.strip() for name, value in values.items() if value and value.strip()}
    filled.pop("if_contact", None)
    filled.pop("if_no_contact", None)
    filled.pop("if_no_privacy_controller", None)
    filled["if_contact" if any(name in filled for name in CONTACT_FIELDS) else "if_no_contact"] = ""
    if "privacy_controller" not in filled:
        filled["if_no_privacy_controller"] = ""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        lines = []
        for line in paragraph.split("\n"):
            names = FIELD.findall(line)
            if any(name not in filled for name in names):
                continue
            line = FIELD.sub(lambda m: filled[m.group(1)], line)
            lines.append(re.sub(r"[ \t]{2,}", " ", line).rstrip())
        if any(line.strip() for line in lines):
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
