"""`python -m tests.emulator --port 8081`: a standalone emulator for demos and benchmarks."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .emulator import DEFAULT_TOKEN, Emulator


async def _serve(args: argparse.Namespace) -> None:
    emulator = Emulator(args.token)
    base = await emulator.start(args.host, args.port)
    print(f"Bot API emulator at {base}", flush=True)
    print(f"  TELEGRAM_API_URL={base}", flush=True)
    print(f"  TELEGRAM_BOT_TOKEN={emulator.token}", flush=True)
    print(
        f"  control: {base}/_emulator (POST /users, /users/<id>/messages, /users/<id>/press; "
        f"GET /users/<id>/chat, /users/<id>/wait; POST|DELETE /faults; GET /calls)",
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args()
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the emulator binds loopback addresses only")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
