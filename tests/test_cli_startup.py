"""The command line loads a library only for the commands that use it: office staff and scripts run `tracker`
many times a day, and SQLAlchemy alone takes most of a second to import. Each command runs in a fresh
interpreter (the only way to see what an import really loads) and reports the modules it ended with."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import EXAMPLE, succeed

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-05-12T08:00:00+07:00"

# The libraries no command needs unless it works with that kind of thing.
DATABASE = ("sqlalchemy", "sqlmodel", "alembic", "psycopg")
CHAT = ("telegram", "httpx", "h11", "apscheduler")
DOCUMENTS = ("docx", "openpyxl", "pdfplumber", "pypdfium2", "pytesseract", "PIL")
LANGUAGE = ("dateparser", "jinja2")
SETTINGS = ("pydantic_settings",)

_PROBE = """
import json, sys
sys.argv = ["tracker", *json.loads(sys.argv[1])]
from app.cli.main import run
try:
    run()
except SystemExit:
    pass
print("\\n" + json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def loaded_by(*args: str, database_url: str | None = None) -> set[str]:
    """The top-level packages imported by `tracker ARGS` run in a new interpreter."""
    env = {**os.environ, "TRACKER_NOW": NOW, "TRACKER_CONFIG": str(EXAMPLE), "PYTHONPATH": str(ROOT)}
    if database_url:
        env["TRACKER_DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(list(args))], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300, check=False)
    last_line = done.stderr.strip().splitlines()[-1]
    return set(json.loads(last_line))


def test_the_help_loads_no_database_chat_document_or_settings_library() -> None:
    loaded = loaded_by("--help")
    assert "typer" in loaded  # the probe really ran the command line
    assert loaded.isdisjoint(DATABASE + CHAT + DOCUMENTS + LANGUAGE + SETTINGS), loaded


def test_reading_a_deadline_phrase_loads_no_database_chat_or_document_library() -> None:
    loaded = loaded_by("deadline", "hoàn thành trước ngày 15/5/2026", "--on", "4/5/2026")
    assert loaded.isdisjoint(DATABASE + CHAT + DOCUMENTS + SETTINGS), loaded


def test_listing_tasks_loads_the_database_but_no_chat_document_or_migration_library(database_url: str) -> None:
    succeed(database_url, "start", now=NOW)
    loaded = loaded_by("task", "list", database_url=database_url)
    assert "sqlmodel" in loaded
    assert loaded.isdisjoint(CHAT + DOCUMENTS + LANGUAGE + ("alembic",)), loaded
