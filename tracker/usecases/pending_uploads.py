"""The text of a document uploaded to the web console, between its preview and its saving.

Why kept on the server: the reading (in a child process, perhaps minutes of OCR) must happen once, and its
text must not make a round trip through the browser, which could send back anything; a hidden field of
several hundred kilobytes would also exceed the forms' size limit. Why in the database: the service may run
as several processes behind one proxy, and the save may reach another process than the preview. The row is
found by the hash of a random token the preview form carries and is bound to the person, the ward and the
web session (a digest of its CSRF token) that uploaded it; it is removed when saved, dropped or stale.
Saving parses the kept text again: nothing parsed is ever believed from the form."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import asdict
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from tracker.clock import Clock
from tracker.errors import InvalidInputError
from tracker.importer.reading import DocumentText
from tracker.models import Person
from tracker.models.uploads import PendingUpload

LIFETIME = timedelta(hours=6)  # a preview left for longer is read again from the file
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
GONE = "Bản xem trước đã hết hạn hoặc không còn; hãy tải tệp lên lại."


def keep_upload(session: Session, *, clock: Clock, actor: Person, csrf: str, source: DocumentText) -> str:
    """Keep `source` for `actor`'s web session (whose CSRF token is `csrf`); returns the token that names
    it. Removes the previews nobody saved in time. Does not commit."""
    now = clock.now()
    session.execute(sa.delete(PendingUpload).where(col(PendingUpload.created_at) < now - LIFETIME))
    token = secrets.token_urlsafe(24)
    session.add(PendingUpload(token_hash=_digest(token), org_id=actor.org_id, person_id=actor.id or 0,
                              session_digest=_digest(csrf), document=asdict(source), created_at=now))
    session.flush()
    return token


def load_upload(session: Session, *, clock: Clock, actor: Person, csrf: str, token: str) -> DocumentText:
    """The text kept under `token` for this person's session. Raises InvalidInputError when there is none,
    it is stale, or it belongs to someone else or another session."""
    row = _row(session, token)
    mine = row is not None and (row.person_id, row.org_id, row.session_digest) == (actor.id, actor.org_id,
                                                                                   _digest(csrf))
    if row is None or not mine or row.created_at < clock.now() - LIFETIME:
        raise InvalidInputError(GONE)
    return DocumentText(**row.document)


def drop_upload(session: Session, *, token: str) -> None:
    """Forget the text kept under `token` (nothing when there is none). Does not commit."""
    if _TOKEN.match(token):
        session.execute(sa.delete(PendingUpload).where(PendingUpload.token_hash == _digest(token)))


def _row(session: Session, token: str) -> PendingUpload | None:
    if not _TOKEN.match(token):
        return None
    return session.exec(select(PendingUpload).where(PendingUpload.token_hash == _digest(token))).first()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
