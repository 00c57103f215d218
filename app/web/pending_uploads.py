"""The text of an uploaded document between its preview and its saving.

Why a temporary file: the reading (in a child process, perhaps minutes of OCR) must happen once, and
its text must not make a round trip through the browser, which could send back anything; the database
has no place for a document not yet imported, and a hidden field of several hundred kilobytes would
exceed the forms' size limit. So the text is kept on the server in a private folder, under a random
token that the preview form carries, bound to the person, the ward and the web session (through a
digest of the session's CSRF token) that uploaded it, and removed when saved, dropped or stale. Saving
parses the kept text again: nothing parsed is ever believed from the form."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import stat
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from tracker.errors import InvalidInputError
from tracker.importer.reading import DocumentText
from tracker.models import Person

LIFETIME_SECONDS = 6 * 3600  # a preview left for longer is read again from the file
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
GONE = "Bản xem trước đã hết hạn hoặc không còn; hãy tải tệp lên lại."


def keep(source: DocumentText, *, actor: Person, csrf: str) -> str:
    """Keep `source` for `actor`'s web session; returns the token that names it."""
    folder = _folder()
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    record = {"person": actor.id, "org": actor.org_id, "session": _digest(csrf), "document": asdict(source)}
    path = folder / f"{token}.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(record, handle, ensure_ascii=False)
    return token


def load(token: str, *, actor: Person, csrf: str) -> DocumentText:
    """The text kept under `token` for this person's session. Raises InvalidInputError when there is none,
    it is stale, or it belongs to someone else or another session."""
    path = _path(token)
    try:
        if time.time() - path.stat().st_mtime > LIFETIME_SECONDS:
            raise InvalidInputError(GONE)
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(GONE) from exc
    mine = (record.get("person"), record.get("org"), record.get("session")) == (actor.id, actor.org_id, _digest(csrf))
    if not mine:
        raise InvalidInputError(GONE)
    return DocumentText(**record["document"])


def drop(token: str) -> None:
    """Forget the text kept under `token` (nothing when there is none)."""
    with contextlib.suppress(InvalidInputError, OSError):
        _path(token).unlink()


def _path(token: str) -> Path:
    if not _TOKEN.match(token):
        raise InvalidInputError(GONE)
    return _folder() / f"{token}.json"


def _folder() -> Path:
    """A folder of this user's alone: one someone else made in the shared temporary folder is refused."""
    folder = Path(tempfile.gettempdir()) / f"tracker-uploads-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise InvalidInputError("Thư mục tạm của máy chủ không an toàn; hãy báo quản trị viên.")
    return folder


def _sweep(folder: Path) -> None:
    """Remove the previews nobody saved in time."""
    now = time.time()
    for path in folder.glob("*.json"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > LIFETIME_SECONDS:
                path.unlink()


def _digest(csrf: str) -> str:
    return hashlib.sha256(csrf.encode()).hexdigest()
