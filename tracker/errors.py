"""Errors a person can act on. Each carries one Vietnamese sentence for the person who caused it."""

from __future__ import annotations

from collections.abc import Callable


class TrackerError(Exception):
    """Base of every error shown to a person; `message` is Vietnamese and complete."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(TrackerError):
    """The thing does not exist in the actor's ward (another ward's rows look absent too)."""


class ForbiddenError(TrackerError):
    """The actor exists but may not do this."""


class InvalidInputError(TrackerError):
    """A value the person typed cannot be used: an impossible date, an empty reason..."""


class UnknownUnitError(InvalidInputError):
    """A unit name matched nothing; `suggestions` holds the closest configured names."""

    def __init__(self, given: str, suggestions: list[str]) -> None:
        hint = f" Có phải là: {'; '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Không tìm thấy đơn vị «{given}».{hint}")
        self.given = given
        self.suggestions = suggestions


class ConflictError(TrackerError):
    """Someone else changed the row meanwhile, or the action does not fit its current state."""


class ConfigError(TrackerError):
    """The ward's configuration file is wrong; raised at start-up, never midway through a job."""


def one_line(exc: BaseException, limit: int = 300, clean: Callable[[str], str] = str) -> str:
    """An unexpected error as one line for a log or an operator: its type and first line, taken from the
    driver's own error when SQLAlchemy wraps one, since SQLAlchemy's text carries the statement and its
    parameters, which may hold what people wrote. `clean` (masking secrets) sees the text before it is cut."""
    inner = getattr(exc, "orig", None) or exc
    lines = clean(str(inner)).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0] if lines else ''}"[:limit]
