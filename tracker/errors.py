"""Errors a person can act on. Each carries one Vietnamese sentence for the person who caused it."""

from __future__ import annotations


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
