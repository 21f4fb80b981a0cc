"""Operations endpoints for the proxy, the orchestrator and Prometheus: /healthz, /readyz and /metrics.

- `/healthz`: the process is alive and its event loop answers (for restart decisions).
- `/readyz`: this replica can serve: the database answers, Redis answers when configured,
  the search index is loaded, and the Telegram outbox is not stuck. 503 with the reasons
  otherwise, so a proxy sends traffic elsewhere while it starts or while a backend is down.
- `/metrics`: Prometheus text format, served only when `FAIRBOT_METRICS_TOKEN` is set and
  only to a request carrying `Authorization: Bearer <token>`; 404 otherwise, so an unset
  token never exposes it. (The Caddyfile also refuses /metrics from outside: Prometheus
  scrapes each replica on the internal network.)
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from bot import metrics
from bot.storage.models import STATE_WAITING, Conversation, OutboxItem, utcnow

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds per dependency, under the 5 s of the compose healthcheck: a hung backend makes the replica unready, not /readyz hang


class NotReady(Exception):
    """One check failed; its message is the reason shown in /readyz (no secrets, no personal data)."""


async def check_database(runtime: Any) -> str:
    async with runtime.db.session() as session:
        await session.execute(text("SELECT 1"))
    return "ok"


async def check_redis(runtime: Any) -> str:
    url = runtime.settings.redis_url
    if not url:
        return "not configured"
    import redis.asyncio as redis

    client = redis.from_url(url)
    try:
        await client.ping()
    finally:
        await client.aclose()
    return "ok"


async def check_index(runtime: Any) -> str:
    if runtime.answers is None:
        raise NotReady("no search index loaded (run `fairbot index build`, then restart)")
    version = getattr(getattr(getattr(runtime.answers, "retriever", None), "index", None), "version", None)
    return f"ok {version}" if version else "ok"


async def check_outbox(runtime: Any) -> str:
    """Stuck: a Telegram call has been due for longer than FAIRBOT_OUTBOX_STUCK_SECONDS and is still pending."""
    oldest = await _oldest_due_outbox(runtime)
    age = metrics.seconds_since(oldest)
    limit = runtime.settings.fairbot_outbox_stuck_seconds
    if age > limit:
        raise NotReady(f"outbox stuck: a Telegram call has waited {age:.0f} s (limit {limit:.0f} s)")
    return "ok"


CHECKS = {"database": check_database, "redis": check_redis, "index": check_index, "outbox": check_outbox}


async def _oldest_due_outbox(runtime: Any) -> dt.datetime | None:
    now = utcnow()
    async with runtime.db.session() as session:
        return await session.scalar(
            select(func.min(OutboxItem.next_attempt_at)).where(
                OutboxItem.status == "pending", OutboxItem.channel == "telegram", OutboxItem.next_attempt_at <= now
            )
        )


async def _run_check(name: str, runtime: Any) -> tuple[str, str, bool]:
    try:
        return name, await asyncio.wait_for(CHECKS[name](runtime), CHECK_TIMEOUT), True
    except NotReady as exc:
        return name, str(exc), False
    except TimeoutError:
        return name, f"{name} did not answer within {CHECK_TIMEOUT:.0f} s", False
    except Exception as exc:  # the reason names the error type only: messages can carry URLs with passwords
        return name, f"{name} unavailable ({type(exc).__name__})", False


async def readiness(runtime: Any | None) -> tuple[bool, dict[str, str]]:
    """(ready, {check: "ok ..." or the reason}); all checks run at once."""
    if runtime is None:
        return False, {"app": "starting"}
    results = await asyncio.gather(*(_run_check(name, runtime) for name in CHECKS))
    return all(ok for _, _, ok in results), {name: detail for name, detail, _ in results}


async def refresh_shared_gauges(runtime: Any) -> None:
    """The gauges whose truth is the shared database, set right before a scrape."""
    async with runtime.db.session() as session:
        waiting = (
            await session.execute(
                select(Conversation.region, func.count(), func.min(Conversation.waiting_since))
                .where(Conversation.state == STATE_WAITING)
                .group_by(Conversation.region)
            )
        ).all()
        pending = await session.scalar(
            select(func.count()).where(OutboxItem.status == "pending", OutboxItem.channel == "telegram")
        )
    metrics.QUEUE_LENGTH.clear()
    metrics.QUEUE_LENGTH.labels(region=runtime.settings.fairbot_region).set(0)
    for region, count, _ in waiting:
        metrics.QUEUE_LENGTH.labels(region=region).set(count)
    metrics.QUEUE_OLDEST_SECONDS.set(max((metrics.seconds_since(oldest) for *_, oldest in waiting), default=0.0))
    metrics.OUTBOX_PENDING.set(pending or 0)
    metrics.OUTBOX_OLDEST_DUE_SECONDS.set(metrics.seconds_since(await _oldest_due_outbox(runtime)))
    check = await check_index(runtime) if runtime.answers is not None else "none"
    metrics.set_index_version(check.removeprefix("ok").strip() or None)


def _authorised(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    scheme, _, credentials = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), token.encode())


def operations_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        ready, checks = await readiness(getattr(request.app.state, "runtime", None))
        if not ready:
            log.warning("not_ready", extra={"checks": checks})
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)

    @router.get("/metrics")
    async def prometheus_metrics(request: Request) -> Response:
        configured = request.app.state.settings.fairbot_metrics_token
        token = configured.get_secret_value() if configured is not None else ""
        if not token:
            return Response(status_code=404)
        if not _authorised(request, token):
            return Response(status_code=401, headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is not None:
            try:
                await asyncio.wait_for(refresh_shared_gauges(runtime), CHECK_TIMEOUT)
            except Exception as exc:  # the counters are still worth scraping when the database is slow
                log.warning("metrics_refresh_failed", extra={"error": type(exc).__name__})
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return router
