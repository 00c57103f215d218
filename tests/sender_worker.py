"""One sender process for tests/test_sender_processes.py: a Sender with the fake chat API as its Telegram
channel, on the real clock. Prints "ready" once built and, with --wait-for-go, waits for a line on stdin
before sending (so that two processes start together). Sends until the outbox holds nothing pending or in
flight (exit 0), or until --timeout seconds (exit 2)."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from fake_channel import FakeApiChannel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bots.channels import LogChannel
from bots.shared_pace import SharedRateLimiter
from jobs.sender import RateLimits, Sender
from tracker.clock import SystemClock
from tracker.db import make_engine
from tracker.models import Notification, NotificationStatus
from tracker.send_pace import Pace


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--lease", type=float, default=120.0, help="seconds")
    parser.add_argument("--per-channel", type=float, default=1000.0)
    parser.add_argument("--per-chat", type=float, default=1000.0)
    parser.add_argument("--concurrency", type=int, default=1)
    # Generous: on a loaded machine the interpreter alone may take seconds to start.
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--wait-for-go", action="store_true")
    parser.add_argument("--shared-pace", type=int, default=0,
                        help="messages per second for all processes together (bots.shared_pace); 0: off")
    return parser.parse_args()


def _unfinished(engine: Engine) -> int:
    waiting = (NotificationStatus.PENDING, NotificationStatus.SENDING)
    with Session(engine) as session:
        query = select(sa.func.count()).select_from(Notification).where(col(Notification.status).in_(waiting))
        return int(session.exec(query).one())


async def _stop_when_done(engine: Engine, stop: asyncio.Event, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(_unfinished, engine) == 0:
            stop.set()
            return True
        await asyncio.sleep(0.1)
    stop.set()
    return False


async def main(args: argparse.Namespace) -> int:
    engine = make_engine(args.database_url)
    api = FakeApiChannel(args.api_url, timeout=60.0)
    channels = {"telegram": api, "log": LogChannel(args.log, stream=io.StringIO())}
    shared = (SharedRateLimiter(engine, SystemClock(), pace=Pace(per_second=args.shared_pace, chat_interval=0.0))
              if args.shared_pace else None)
    sender = Sender(engine, SystemClock(), channels, name=args.name, lease=timedelta(seconds=args.lease),
                    limits=RateLimits(per_channel=args.per_channel, per_chat=args.per_chat),
                    concurrency=args.concurrency, limiter=shared)
    print("ready", flush=True)
    if args.wait_for_go:
        await asyncio.to_thread(sys.stdin.readline)
    stop = asyncio.Event()
    watcher = asyncio.create_task(_stop_when_done(engine, stop, args.timeout))
    await sender.run(stop, idle_wait=0.05)
    done = await watcher
    await api.aclose()
    engine.dispose()
    return 0 if done else 2


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(asyncio.run(main(_arguments())))
