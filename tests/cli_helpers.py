"""Running `tracker` in-process for the CLI tests: a fixed clock, a fixed terminal width, the example ward
file, and TRACKER_ORG/TRACKER_AS from the developer's shell kept out."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from app.cli.main import app

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "ward.example.toml"


def invoke(url: str, *args: str, now: str, input: str | None = None, **extra: str) -> Result:
    """The command's result; `extra` adds or overrides environment variables (e.g. COLUMNS="200")."""
    env: dict[str, str | None] = {"TRACKER_DATABASE_URL": url, "TRACKER_NOW": now, "TRACKER_CONFIG": str(EXAMPLE),
                                  "TRACKER_ORG": None, "TRACKER_AS": None, "TELEGRAM_BOT_USERNAME": None,
                                  "COLUMNS": "80", **extra}
    return CliRunner().invoke(app, list(args), env=env, input=input)


def succeed(url: str, *args: str, now: str, input: str | None = None, **extra: str) -> str:
    """The standard output of a command that must exit 0."""
    result = invoke(url, *args, now=now, input=input, **extra)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout
