"""The web console served for real: uvicorn on a free loopback port in a thread of its own, over the test's
database and clock, and an httpx client that keeps cookies and reads the pages' forms."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from builders import person
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from app.web.listener import HttpListener
from app.web.server import create_app
from tracker.clock import Clock
from tracker.models import Notification, Person

STOP_SECONDS = 60


@contextmanager
def running_console(engine: Engine, clock: Clock, *, base_url: str = "") -> Iterator[str]:
    """The console's address ("http://127.0.0.1:PORT") while the block runs."""
    with running_listener(create_app(engine, clock, base_url=base_url)) as listener:
        yield listener.address.rstrip("/")


@contextmanager
def running_listener(app: Any, **options: Any) -> Iterator[HttpListener]:
    """`app` served by the service's HTTP listener (`options` go to HttpListener) on a free loopback port,
    in a thread of its own, while the block runs."""
    listener = HttpListener(app, "127.0.0.1:0", **options)
    listener.bind()  # listening before the thread starts: the first request waits in the backlog, never fails
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(listener.serve(stop),), daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(STOP_SECONDS)
        loop.close()


@asynccontextmanager
async def listening(app: Any, **options: Any) -> AsyncIterator[HttpListener]:
    """`app` served by the service's HTTP listener on a free loopback port in the running event loop (as
    `tracker serve` runs it, next to the bots), while the block runs."""
    listener = HttpListener(app, "127.0.0.1:0", **options)
    listener.bind()
    stop = asyncio.Event()
    serving = asyncio.create_task(listener.serve(stop))
    try:
        yield listener
    finally:
        stop.set()
        await asyncio.wait_for(serving, STOP_SECONDS)


def client(address: str) -> httpx.Client:
    """A browser-like client: cookies kept, redirects not followed (the tests look at them)."""
    return httpx.Client(base_url=address, follow_redirects=False, timeout=120)


def visible_text(html: str) -> str:
    """A page's words as a person reads them: tags dropped, white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def form_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form"
    return found.group(1)


def sign_in_code(session: Session, person_id: int) -> str:
    """The code in the newest sign-in message queued for the person, as their chat would show it."""
    row = session.exec(select(Notification).where(Notification.person_id == person_id,
                                                  Notification.kind == "web_sign_in")
                       .order_by(col(Notification.id).desc())).first()
    if row is None:
        session.commit()
        raise AssertionError("no sign-in code was sent")
    session.commit()  # ends the read: on SQLite an open transaction would hold the console's writes back
    found = re.search(r"\b(\d{6})\b", row.body)
    assert found
    return found.group(1)


def someone(session: Session, org_id: int, key: str) -> Person:
    """The person `key` of the ward, read in a transaction that is ended at once (see sign_in_code)."""
    found = person(session, org_id, key)
    session.commit()
    return found


@contextmanager
def signed_in_client(address: str, session: Session, person_id: int, key: str, *,
                     ward: str = "") -> Iterator[httpx.Client]:
    """A client signed in as the person through the chat code, as they would do it (`ward`: the ward's key,
    which the form asks for when the database holds several)."""
    with client(address) as browser:
        yield _sign_in(browser, session, person_id, key, ward)


def _sign_in(browser: httpx.Client, session: Session, person_id: int, key: str, ward: str) -> httpx.Client:
    token = form_token(browser.get("/dang-nhap").text)
    browser.post("/dang-nhap/ma", data={"csrf": token, "khoa": key, "phuong": ward, "tiep": "/"})
    code = sign_in_code(session, person_id)
    answer = browser.post("/dang-nhap/xac-nhan", data={"csrf": token, "khoa": key, "phuong": ward, "ma": code,
                                                       "tiep": "/"})
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    return browser
