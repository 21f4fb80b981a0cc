"""`fairbot run` logs JSON lines: the bot's INFO events with their fields, uvicorn's too, never what people wrote."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.config import PROJECT_ROOT, Settings

# A word no reply, log template or entry contains: if it shows up in the log, message text leaked.
QUESTION = "Mein Arbeitgeber zahlt seit zwei Monaten keinen Lohn, was kann ich tun? Zitronenfalterwiese"
MARKER = "Zitronenfalterwiese"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _events(log: Path) -> list[dict]:
    lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    return [json.loads(line) for line in lines]


def _wait(condition: object, seconds: float, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"fairbot run exited with {process.returncode}: {log.read_text()[-3000:]}")
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out; the log so far: {log.read_text()[-3000:]}")


def test_fairbot_run_logs_the_answered_event_as_json_without_the_message(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        PYTHONPATH=str(PROJECT_ROOT),
        FAIRBOT_DATA_DIR=os.environ.get("FAIRBOT_DATA_DIR", str(PROJECT_ROOT / "var")),  # the built test index
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'fairbot.db'}",
        FAIRBOT_SECRET_KEY="logging-test-secret-not-for-production",
        FAIRBOT_LOG_LEVEL="INFO",
    )
    log = tmp_path / "stderr.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--port", str(port)],
            cwd=tmp_path,  # no .env here
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            try:
                return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait(healthy, 240, process, log)
        with httpx.Client(base_url=base, timeout=60) as client:
            page = client.get("/chat")
            token = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
            assert page.status_code == 200 and token, page.text[:500]
            sent = client.post("/chat/send", data={"text": QUESTION}, headers={"X-CSRF-Token": token.group(1)})
            assert sent.status_code == 200, sent.text
        _wait(lambda: any(e.get("event") == "answered" for e in _events(log)), 60, process, log)
    finally:
        process.terminate()
        process.wait(timeout=60)

    text = log.read_text(encoding="utf-8")
    events = _events(log)
    assert MARKER not in text, "the person's message reached the log"
    started = [e for e in events if e["event"] == "started"]
    assert started and started[0]["logger"] == "bot.app" and started[0]["level"] == "INFO"
    answered = [e for e in events if e["event"] == "answered"]
    assert len(answered) == 1, answered
    assert answered[0]["logger"].startswith("bot.") and answered[0]["level"] == "INFO"
    assert isinstance(answered[0]["conversation_id"], int)
    assert answered[0]["action"] in {"answer", "clarify", "fallback"} and answered[0]["lang"] == "de"
    # uvicorn's own lines come through the same formatter: its access line without client address
    requests = [e for e in events if e["event"] == "request" and e.get("path") == "/chat/send"]
    assert requests and requests[0]["method"] == "POST" and requests[0]["status"] == 200
    assert "client" not in requests[0] and "127.0.0.1:" not in json.dumps(requests)
    assert any(e["logger"].startswith("uvicorn") and e["event"].startswith("Uvicorn running") for e in events)
    unstructured = [line for line in text.splitlines() if line.strip() and not line.startswith("{")]
    assert unstructured == [], unstructured
