"""The service profile: who runs this deployment and how people reach them, as settings rather than entry text.

Why: the operator, address, phone, e-mail, messenger contact, languages, opening
hours and privacy controller differ per deployment and change without a legal
review. Entries name them with the fields of knowledge/service_fields.py, filled
in at reply time; an empty field leaves its line out. The values live in
`<data dir>/service-profile.yaml` (example: docs/service-profile.example.yaml),
which admins edit in the console (bot/console/profile.py); an environment
variable FAIRBOT_SERVICE_<FIELD> overrides a single field. The retention period
is not stored here: it is the purge's own setting (RETENTION_DAYS), so the
privacy answer can never promise another period than the one the code applies.

The opening hours are the single source for both what people read and the
handover queue's clock ("somebody answers from Monday 09:00"), so they must be
in the form the clock reads ("Mo-Fr 09:00-17:00; Sa 10:00-12:00"). The older
FAIRBOT_OPENING_HOURS is a deprecated fallback, used (with a warning) only while
the profile has no opening hours.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.config import Settings
from bot.services.handoff import OpeningHours

log = logging.getLogger(__name__)

PROFILE_FILE = "service-profile.yaml"
DEFAULT_HOURS = "Mo-Fr 09:00-17:00"  # the clock when nothing is configured (logged at start)
ENV_PREFIX = "FAIRBOT_SERVICE_"
MAX_CHARS = 300
PLACEHOLDER = re.compile(r"\[|\]|\bTODO\b|\bTBD\b|\bXXX\b|\{|\}", re.IGNORECASE)
PHONE = re.compile(r"^\+?[0-9][0-9 ()/.\-]{4,28}[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TELEGRAM_CHAT = re.compile(r"^(-?[0-9]{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")
# Who is alerted when an emergency waits outside opening hours (bot/services/oncall.py): settings of the
# deployment, never shown to people, so they are not fields of the answers either.
ONCALL_FIELDS = ("oncall_telegram_chat_id", "oncall_email")

Text = Annotated[str | None, Field(default=None, max_length=MAX_CHARS)]


class ServiceProfile(BaseModel):
    """The editable fields. Empty means "not configured": the answer leaves that line out."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    operator: Text = None  # the organisation running the counselling centre (Träger)
    address: Text = None
    phone: Text = None
    email: Text = None
    messenger: Text = None  # e.g. "WhatsApp and Signal: +49 511 1234567"
    languages: Annotated[list[str], NoDecode] = Field(default_factory=list, max_length=30)
    opening_hours: Text = None  # shown to people and read by the waiting queue's clock (bot/services/handoff.py)
    privacy_controller: Text = None  # name and address of the controller under GDPR Art. 4(7)
    # The on-call alert: the Telegram group of the on-call advisors (its chat id, e.g. -1001234567890; the
    # bot must be a member) and/or an e-mail address (sent through SMTP_HOST). Either, both or none.
    oncall_telegram_chat_id: Text = None
    oncall_email: Text = None

    @field_validator(
        "operator",
        "address",
        "phone",
        "email",
        "messenger",
        "opening_hours",
        "privacy_controller",
        *ONCALL_FIELDS,
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = " ".join(value.split())  # one line: answers are filled in line by line
            return value or None
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _split_languages(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):  # "Deutsch, Englisch" from a form field or an environment variable
            value = value.split(",")
        if not isinstance(value, list):
            raise ValueError("a list of languages, or one text with the languages separated by commas")
        return [" ".join(str(v).split()) for v in value if str(v).strip()]

    @field_validator("languages")
    @classmethod
    def _language_names(cls, value: list[str]) -> list[str]:
        if any(len(name) > 60 for name in value):
            raise ValueError("a language name is at most 60 characters; separate languages with commas")
        return value

    @field_validator("*")
    @classmethod
    def _no_placeholder(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and PLACEHOLDER.search(text):
                raise ValueError("looks like a placeholder (brackets, braces or TODO): leave the field empty instead")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value):
            raise ValueError("a phone number of digits, spaces, +, (), / or - (e.g. +49 511 1234567)")
        return value

    @field_validator("opening_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None:
            hours = OpeningHours.parse(value)  # ValueError names the part it cannot read
            if not hours.slots:
                raise ValueError("opening hours like 'Mo-Fr 09:00-17:00; Sa 10:00-12:00' (Berlin time)")
        return value

    @field_validator("oncall_telegram_chat_id")
    @classmethod
    def _telegram_chat(cls, value: str | None) -> str | None:
        if value is not None and not TELEGRAM_CHAT.match(value):
            raise ValueError("a Telegram chat id such as -1001234567890 (or @channelname)")
        return value

    @field_validator("email", "oncall_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError("an e-mail address like beratung@example.org")
        return value

    def has_contact(self) -> bool:
        return any((self.phone, self.email, self.messenger, self.address))


class _FromEnvironment(ServiceProfile, BaseSettings):
    """The same fields read from FAIRBOT_SERVICE_<FIELD>; only those actually set override the file."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", env_ignore_empty=True, extra="ignore"
    )


class ProfileError(ValueError):
    """The profile file or a form did not validate; the message names each field and what is expected."""


def _explain(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'profile'}: {e['msg']}" for e in error.errors())


class ServiceProfileStore:
    """Reads the profile file (re-read when it changes, so a console edit shows in the next reply) and writes it."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.fairbot_service_profile or settings.fairbot_data_dir / PROFILE_FILE
        self.retention_days = settings.retention_days
        self._legacy_hours = settings.fairbot_opening_hours  # deprecated FAIRBOT_OPENING_HOURS
        self._hours: tuple[str, OpeningHours] | None = None
        self._hours_source: str | None = None
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._file: dict[str, Any] = {}
        self._env: dict[str, Any] | ProfileError | None = None  # read once: the environment is fixed at start
        self._values: tuple[tuple[int, int] | None, dict[str, str]] | None = None

    def environment(self) -> dict[str, Any]:
        """The fields set by environment variables (they win over the file and cannot be edited in the console)."""
        if self._env is None:
            try:
                env = _FromEnvironment()
                self._env = {name: getattr(env, name) for name in env.model_fields_set}
            except ValidationError as exc:
                self._env = ProfileError(f"{ENV_PREFIX}* environment: {_explain(exc)}")
                log.warning("service_profile_invalid", extra={"error": str(self._env)[:300]})
        if isinstance(self._env, ProfileError):
            raise self._env
        return dict(self._env)

    def stored(self) -> dict[str, Any]:
        """What the file says (validated), re-read only when its modification time or size changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            with self._lock:
                self._stamp, self._file = None, {}
            return {}
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                self._file = self._read()
                self._stamp = stamp
            return dict(self._file)

    def _read(self) -> dict[str, Any]:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            if not isinstance(data, dict):
                raise ProfileError("the file must be a mapping of field: value")
            return ServiceProfile.model_validate(data).model_dump(exclude_defaults=True)
        except (OSError, yaml.YAMLError, ValidationError, ProfileError) as exc:
            # A broken file must not break replies: the fields are left out until it is fixed.
            detail = _explain(exc) if isinstance(exc, ValidationError) else f"{type(exc).__name__}: {exc}"
            log.warning("service_profile_invalid", extra={"path": str(self.path), "error": detail[:300]})
            return {}

    def profile(self) -> ServiceProfile:
        """The profile in force: the file, with environment variables on top."""
        try:
            return ServiceProfile.model_validate({**self.stored(), **self.environment()})
        except ProfileError:  # invalid environment overrides: logged once, the file's values stand
            return ServiceProfile.model_validate(self.stored())
        except ValidationError as exc:
            log.warning("service_profile_invalid", extra={"error": _explain(exc)[:300]})
            return ServiceProfile.model_validate(self.stored())

    def values(self) -> dict[str, str]:
        """Field name -> text for knowledge.service_fields.render; unset fields are absent.

        Called for every answer shown: recomputed only when the file changed (one stat call otherwise).
        """
        self.stored()  # refreshes the stamp when the file changed
        cached = self._values
        if cached is not None and cached[0] == self._stamp:
            return dict(cached[1])
        profile = self.profile()
        values = {
            name: value
            for name, value in profile.model_dump().items()
            if isinstance(value, str) and value and name not in ONCALL_FIELDS
        }
        if profile.languages:
            values["languages"] = ", ".join(profile.languages)
        values["retention_days"] = str(self.retention_days)
        self._values = (self._stamp, values)
        return dict(values)

    def opening_hours(self) -> OpeningHours:
        """The hours the handover queue runs on, read at each handover so a console edit applies at once.

        The profile's field (file or FAIRBOT_SERVICE_OPENING_HOURS) first; else the deprecated
        FAIRBOT_OPENING_HOURS; else the built-in default. A change of source is logged once.
        """
        spec = self.values().get("opening_hours")
        source = "service_profile"
        if spec is None and self._legacy_hours:
            spec, source = self._legacy_hours, "FAIRBOT_OPENING_HOURS"
        elif spec is None:
            spec, source = DEFAULT_HOURS, "default"
        if source != self._hours_source:
            self._hours_source = source
            if source == "FAIRBOT_OPENING_HOURS":
                log.warning(
                    "opening_hours_deprecated_setting",
                    extra={"hint": "FAIRBOT_OPENING_HOURS is deprecated: set opening_hours in the service profile"},
                )
            elif source == "default":
                log.warning("opening_hours_unset", extra={"default": DEFAULT_HOURS})
            elif self._legacy_hours:
                log.warning(
                    "opening_hours_setting_ignored",
                    extra={"hint": "FAIRBOT_OPENING_HOURS is ignored: the service profile's opening_hours apply"},
                )
        cached = self._hours
        if cached is None or cached[0] != spec:
            cached = (spec, OpeningHours.parse(spec))
            self._hours = cached
        return cached[1]

    def save(self, profile: ServiceProfile) -> None:
        """Write the file atomically (a reader never sees half of it); environment-set fields are not written."""
        locked = set(self.environment())
        data = {k: v for k, v in profile.model_dump(exclude_defaults=True).items() if k not in locked}
        header = (
            "# Service profile of this fairbot deployment, edited in the console (Admin -> Service profile).\n"
            "# Empty fields are left out of the answers. FAIRBOT_SERVICE_<FIELD> variables override a field.\n"
        )
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False) if data else ""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".service-profile.", suffix=".yaml")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(header + body)
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @staticmethod
    def parse(data: dict[str, Any]) -> ServiceProfile:
        """A form's values as a profile, or ProfileError naming each wrong field."""
        try:
            return ServiceProfile.model_validate(data)
        except ValidationError as exc:
            raise ProfileError(_explain(exc)) from exc
