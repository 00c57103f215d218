"""Signing in to the web console without a password to forget: a one-time code sent to the person's bound
chat, or a password for those without one; sessions kept in the database, so that they can be revoked.

Nothing here tells whether a key exists: asking for a code answers the same way for every key, and a
refused sign-in is one sentence whatever went wrong. Every try is recorded (WebSignInAttempt) and limited
per person and per address. The functions that refuse return None instead of raising, so that the caller
commits the recorded attempt."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, func, select

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import InvalidInputError, NotFoundError, TrackerError
from tracker.messages import render
from tracker.models import Organization, Person, WebSession, WebSignInAttempt, WebSignInCode
from tracker.outbox import enqueue, reachable_chat
from tracker.phones import phone_number

if TYPE_CHECKING:
    from argon2 import PasswordHasher

CODE_MINUTES = 10
LINK_PATH = "/dang-nhap/lien-ket/"  # + the link's token
CODE_DIGITS = 6
MAX_CODE_TRIES = 5  # wrong codes before the code is void
CODES_PER_PERSON = 3  # codes sent to one person within LIMIT_WINDOW
PERSON_FAILURES = 10  # failed sign-ins of one person within LIMIT_WINDOW before every try is refused
ADDRESS_FAILURES = 20  # failed tries from one address within LIMIT_WINDOW before it is told to wait
LIMIT_WINDOW = timedelta(minutes=15)
SESSION_IDLE = timedelta(hours=8)  # a session unused this long ends (a shared office computer)
SESSION_LIFETIME = timedelta(days=30)
MIN_PASSWORD = 10
PASSWORD_MEMORY_KIB = 19 * 1024  # argon2id's memory per hash or check (see _hasher)
ATTEMPTS_KEPT = timedelta(days=2)
REFUSED = "Khóa (hoặc số điện thoại), mã hoặc mật khẩu không đúng, hoặc mã đã hết hạn."
CODE_ASKED = ("Nếu khóa hoặc số điện thoại đúng và người đó đã liên kết Telegram hoặc Zalo, mã đăng nhập đã được "
              f"gửi vào cuộc trò chuyện với bot; mã dùng một lần, trong {CODE_MINUTES} phút.")


class TooManyAttempts(TrackerError):
    """Too many failed tries from one address: it must wait. Says nothing about any key."""


@dataclass(frozen=True)
class SignedIn:
    """A new session: `token` goes in the cookie (only its hash is stored), `csrf` in every form."""

    token: str
    csrf: str
    person: Person


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _wards(session: Session) -> list[Organization]:
    return list(session.exec(select(Organization).order_by(col(Organization.name))))


def ward_choices(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every ward, for the sign-in form of a deployment that serves several."""
    return [(org.key, org.name) for org in _wards(session)]


def _person(session: Session, ward: str | None, key: str) -> Person | None:
    wards = _wards(session)
    if ward:
        wards = [org for org in wards if org.key == ward.strip()]
    if len(wards) != 1:
        return None
    # One box takes the key or the phone number; a key that happens to read as a number wins.
    wanted, phone = key.strip().lower(), phone_number(key)
    people = list(session.exec(select(Person).where(Person.org_id == wards[0].id, Person.active)))
    by_key = next((p for p in people if p.key.lower() == wanted), None)
    return by_key or next((p for p in people if phone and p.phone == phone), None)


def _check_address(session: Session, now: datetime, address: str) -> None:
    failures = session.exec(select(func.count()).select_from(WebSignInAttempt).where(
        WebSignInAttempt.address == address, col(WebSignInAttempt.succeeded).is_(False),
        col(WebSignInAttempt.at) > now - LIMIT_WINDOW)).one()
    if failures >= ADDRESS_FAILURES:
        raise TooManyAttempts("Quá nhiều lần thử đăng nhập từ máy này; hãy thử lại sau "
                              f"{int(LIMIT_WINDOW.total_seconds() // 60)} phút.")


def _recent(session: Session, now: datetime, person_id: int, *, kind: str | None, succeeded: bool) -> int:
    query = select(func.count()).select_from(WebSignInAttempt).where(
        WebSignInAttempt.person_id == person_id, WebSignInAttempt.succeeded == succeeded,
        col(WebSignInAttempt.at) > now - LIMIT_WINDOW)
    if kind:
        query = query.where(WebSignInAttempt.kind == kind)
    return int(session.exec(query).one())


def _attempt(session: Session, now: datetime, address: str, person: Person | None, kind: str, ok: bool) -> None:
    session.add(WebSignInAttempt(address=address[:64], person_id=person.id if person else None, kind=kind,
                                 succeeded=ok, at=now))
    # Old tries count for nothing any more; dropping them here keeps the table small without a job.
    session.exec(WebSignInAttempt.__table__.delete().where(  # type: ignore[call-overload]
        WebSignInAttempt.__table__.c.at < now - ATTEMPTS_KEPT))


def ask_for_code(session: Session, *, clock: Clock, ward: str | None, key: str, address: str,
                 base_url: str = "") -> None:
    """Send a one-time sign-in code to the bound chat of the person `key` names in `ward` (the only ward
    when there is one; `key` is a person's key or phone number, in any usual writing), when there is such
    an active person with a reachable chat and fewer than CODES_PER_PERSON codes went out in the last
    LIMIT_WINDOW; otherwise do nothing, and say nothing about it (the caller shows CODE_ASKED either way).
    The person's earlier codes stop working. With the console's public `base_url`, the message also
    carries a sign-in link (LINK_PATH), as good as the code and used up with it. Raises TooManyAttempts
    when `address` failed too often."""
    now = clock.now()
    _check_address(session, now, address)
    person = _person(session, ward, key)
    chat = reachable_chat(session, person.id or 0) if person else None
    if person is None or chat is None or _recent(session, now, person.id or 0, kind="ask_code",
                                                 succeeded=True) >= CODES_PER_PERSON:
        _attempt(session, now, address, person, "ask_code", False)
        return
    _void_codes(session, person, now)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    token = secrets.token_urlsafe(32) if base_url else ""
    row = WebSignInCode(org_id=person.org_id, person_id=person.id or 0, code_hash=_digest(code),
                        link_hash=_digest(token) if token else None, created_at=now,
                        expires_at=now + timedelta(minutes=CODE_MINUTES))
    session.add(row)
    session.flush()
    link = f"{base_url.rstrip('/')}{LINK_PATH}{token}" if token else ""
    body = render("web_sign_in", name=person.name, code=code, link=link, minutes=CODE_MINUTES,
                  expires_at=row.expires_at)
    enqueue(session, clock=clock, org_id=person.org_id, person_id=person.id or 0, kind="web_sign_in",
            day=now.date(), body=body, key=f"web_sign_in:{row.id}")
    _attempt(session, now, address, person, "ask_code", True)


def _void_codes(session: Session, person: Person, now: datetime) -> None:
    for earlier in session.exec(select(WebSignInCode).where(WebSignInCode.person_id == person.id,
                                                            col(WebSignInCode.used_at).is_(None))):
        earlier.used_at = now
        session.add(earlier)


def sign_in_with_code(session: Session, *, clock: Clock, ward: str | None, key: str, code: str, address: str,
                      user_agent: str = "") -> SignedIn | None:
    """A new session for the person `key` names when `code` is their newest unused code, younger than
    CODE_MINUTES; the code is then used up. A wrong code counts against the code (void after
    MAX_CODE_TRIES), the person and the address; returns None for every refusal (say REFUSED).
    Raises TooManyAttempts when `address` failed too often."""
    now = clock.now()
    _check_address(session, now, address)
    person = _person(session, ward, key)
    row = _live_code(session, person, now) if person else None
    given = _digest("".join(code.split()))
    if person is None or row is None or _locked(session, now, person) or \
            not hmac.compare_digest(row.code_hash, given):
        if row is not None:
            row.failed_attempts += 1
            if row.failed_attempts >= MAX_CODE_TRIES:
                row.used_at = now
            session.add(row)
        _attempt(session, now, address, person, "code", False)
        return None
    row.used_at = now
    session.add(row)
    return _open_session(session, clock, person, address, user_agent, how="code")


def sign_in_with_link(session: Session, *, clock: Clock, token: str, address: str,
                      user_agent: str = "") -> SignedIn | None:
    """A new session for the person whose unused, unexpired sign-in link carries `token`; the link and the
    code sent with it are then used up. The caller signs in on a POST only: chat apps and mail scanners
    fetch a link's page to preview it. Returns None for every refusal (say REFUSED), counted against the
    person when the link was theirs and against the address. Raises TooManyAttempts when `address` failed
    too often."""
    now = clock.now()
    _check_address(session, now, address)
    # Locked until the transaction ends: two presses of one link at once (a double click, a preview racing
    # the person) then open one session, the second finding the link used.
    row = session.exec(select(WebSignInCode).where(WebSignInCode.link_hash == _digest(token))
                       .with_for_update()).first() if token else None
    person = session.get(Person, row.person_id) if row is not None else None
    live = row is not None and row.used_at is None and row.expires_at > now
    if person is None or not person.active or not live or _locked(session, now, person):
        _attempt(session, now, address, person, "link", False)
        return None
    assert row is not None
    row.used_at = now
    session.add(row)
    return _open_session(session, clock, person, address, user_agent, how="link")


def _live_code(session: Session, person: Person, now: datetime) -> WebSignInCode | None:
    # Locked as the link's row is (sign_in_with_link): one code, one session, however many tries race.
    return session.exec(select(WebSignInCode).where(
        WebSignInCode.person_id == person.id, col(WebSignInCode.used_at).is_(None),
        col(WebSignInCode.expires_at) > now).order_by(col(WebSignInCode.id).desc()).with_for_update()).first()


def _locked(session: Session, now: datetime, person: Person) -> bool:
    return _recent(session, now, person.id or 0, kind=None, succeeded=False) >= PERSON_FAILURES


def sign_in_with_password(session: Session, *, clock: Clock, ward: str | None, key: str, password: str,
                          address: str, user_agent: str = "") -> SignedIn | None:
    """A new session when `password` is the person's (argon2); None for every refusal (say REFUSED), the
    same work done whether or not the key exists. Raises TooManyAttempts when `address` failed too often."""
    from argon2.exceptions import Argon2Error

    now = clock.now()
    _check_address(session, now, address)
    person = _person(session, ward, key)
    stored = person.password_hash if person and person.password_hash else _decoy_hash()
    try:
        matches = _hasher().verify(stored, password)
    except Argon2Error:
        matches = False
    if person is None or not person.password_hash or not matches or _locked(session, now, person):
        _attempt(session, now, address, person, "password", False)
        return None
    return _open_session(session, clock, person, address, user_agent, how="password")


_DECOY: list[str] = []


def _hasher() -> PasswordHasher:
    # OWASP's argon2id parameters (19 MiB, 2 passes, 1 lane): argon2-cffi's default takes 64 MiB per check,
    # a third of the service's memory for one sign-in. Hashes made with other parameters still verify.
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=PASSWORD_MEMORY_KIB, parallelism=1)


def _decoy_hash() -> str:
    # Verified against when the key has no password, so that a missing key costs the same time.
    if not _DECOY:
        _DECOY.append(_hasher().hash(secrets.token_hex(16)))
    return _DECOY[0]


def _open_session(session: Session, clock: Clock, person: Person, address: str, user_agent: str,
                  *, how: str) -> SignedIn:
    now = clock.now()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    row = WebSession(org_id=person.org_id, person_id=person.id or 0, token_hash=_digest(token), csrf_token=csrf,
                     created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME, address=address[:64],
                     user_agent=user_agent[:200])
    session.add(row)
    session.flush()
    _attempt(session, now, address, person, how, True)
    audit.record(session, clock=clock, actor=person, org_id=person.org_id, entity="person",
                 entity_id=person.id or 0, action="web_sign_in", before=None,
                 after={"session": row.id, "by": how, "address": row.address}, channel="web")
    return SignedIn(token=token, csrf=csrf, person=person)


def signed_in(session: Session, *, clock: Clock, token: str) -> tuple[Person, WebSession] | None:
    """The active person and session of a cookie's token, the session's last use moved to now; None when
    the token is unknown, revoked, idle longer than SESSION_IDLE, past SESSION_LIFETIME, or its person is
    no longer active."""
    if not token:
        return None
    now = clock.now()
    row = session.exec(select(WebSession).where(WebSession.token_hash == _digest(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.last_seen_at + SESSION_IDLE <= now:
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not one per request
        row.last_seen_at = now
        session.add(row)
    return person, row


def sign_out(session: Session, *, clock: Clock, token: str) -> None:
    """End the session of `token` (nothing when there is none)."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _digest(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)


def sign_out_everywhere(session: Session, *, clock: Clock, actor: Person) -> int:
    """End every session of the actor (on every computer and phone); returns how many were open."""
    ended = _end_sessions(session, clock.now(), actor.id or 0)
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="person", entity_id=actor.id or 0,
                 action="web_sign_out_everywhere", before=None, after={"sessions": ended}, channel="web")
    return ended


def _end_sessions(session: Session, now: datetime, person_id: int, *, keep_token: str = "") -> int:
    # Every open session of the person but the one of `keep_token`; how many were ended.
    kept = _digest(keep_token) if keep_token else None
    rows = [row for row in session.exec(select(WebSession).where(WebSession.person_id == person_id,
                                                                 col(WebSession.revoked_at).is_(None)))
            if row.token_hash != kept]
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return len(rows)


def set_password(session: Session, *, clock: Clock, actor: Person, person_id: int, password: str,
                 channel: str = "cli", keep_token: str = "") -> Person:
    """Give a person a web console password (stored as an argon2 hash): the administrator for anyone of the
    ward, anyone for themselves. Ends the person's open sessions, but the one of `keep_token` (the console
    page where they set it themselves). Raises InvalidInputError for a password shorter than MIN_PASSWORD
    characters, NotFoundError, ForbiddenError."""
    person = session.get(Person, person_id)
    if person is None or person.org_id != actor.org_id:
        raise NotFoundError(f"Không tìm thấy người dùng số {person_id}.")
    if person.id != actor.id:
        require(actor, Action.MANAGE_PEOPLE, org_id=actor.org_id)
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.")
    person.password_hash = _hasher().hash(password)
    session.add(person)
    _end_sessions(session, clock.now(), person.id or 0, keep_token=keep_token)
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="person", entity_id=person.id or 0,
                 action="set_password", before=None, after={"password": "đã đặt"}, channel=channel)
    return person
