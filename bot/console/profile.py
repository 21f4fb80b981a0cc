"""The service-profile page of the console: admins edit who runs the service and how people reach it.

Why a page of its own: these are deployment settings shown in the about and
privacy answers (bot/services/service_profile.py), not content that editors
review. Only admins may change them; every save is audit-logged. Fields set by
an environment variable are shown but cannot be edited here, and the retention
period is shown read-only because it is the purge's setting (RETENTION_DAYS).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdmin, DatabaseDep, SettingsDep
from bot.console.web import render
from bot.services import accounts
from bot.services.service_profile import ProfileError, ServiceProfile, ServiceProfileStore

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])

FIELDS = tuple(ServiceProfile.model_fields)
# Fields a production deployment must fill in: without privacy_controller the privacy answer cannot say
# who is responsible for people's data (GDPR Art. 13(1)(a)); `fairbot doctor` warns about it too.
REQUIRED_FOR_PRODUCTION = frozenset({"privacy_controller"})


def _form_values(profile: ServiceProfile) -> dict[str, str]:
    values = profile.model_dump()
    return {name: ", ".join(values[name]) if name == "languages" else values[name] or "" for name in FIELDS}


def _page(
    request: Request, store: ServiceProfileStore, values: dict[str, str], *, error: str = "", notice: str = ""
) -> Response:
    try:
        locked = store.environment()
    except ProfileError as exc:
        locked, error = {}, error or str(exc)
    from_env = _form_values(ServiceProfile.model_validate(locked))
    shown = {name: from_env[name] if name in locked else values.get(name, "") for name in FIELDS}
    context = {
        "fields": FIELDS,
        "values": shown,
        "locked": set(locked),
        "required": REQUIRED_FOR_PRODUCTION,
        "retention_days": store.retention_days,
        "path": str(store.path),
        "error": error,
        "notice": notice,
    }
    return render(request, "profile.html", context, status_code=400 if error else 200)


@router.get("/profile")
async def profile_page(request: Request, account: CurrentAdmin, settings: SettingsDep, notice: str = "") -> Response:
    store = ServiceProfileStore(settings)
    stored = ServiceProfile.model_validate(store.stored())
    return _page(request, store, _form_values(stored), notice=notice)


@router.post("/profile")
async def profile_save(
    request: Request,
    account: CurrentAdmin,
    settings: SettingsDep,
    db: DatabaseDep,
    operator: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    messenger: Annotated[str, Form()] = "",
    languages: Annotated[str, Form()] = "",
    opening_hours: Annotated[str, Form()] = "",
    privacy_controller: Annotated[str, Form()] = "",
    oncall_telegram_chat_id: Annotated[str, Form()] = "",
    oncall_email: Annotated[str, Form()] = "",
) -> Response:
    store = ServiceProfileStore(settings)
    submitted = {
        "operator": operator,
        "address": address,
        "phone": phone,
        "email": email,
        "messenger": messenger,
        "languages": languages,
        "opening_hours": opening_hours,
        "privacy_controller": privacy_controller,
        "oncall_telegram_chat_id": oncall_telegram_chat_id,
        "oncall_email": oncall_email,
    }
    try:
        profile = store.parse(submitted)
        store.save(profile)
    except ProfileError as exc:
        return _page(request, store, submitted, error=str(exc))
    filled = sorted(name for name, value in profile.model_dump().items() if value)
    async with db.transaction() as session:  # which fields are set, not their values (no personal data in logs)
        await accounts.audit(session, account.id, "service_profile.save", "service_profile", "", fields=filled)
    return RedirectResponse("/console/profile?notice=saved", status_code=303)
