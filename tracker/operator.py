"""Who runs this process's commands at the server, for the audit trail beside `--as`.

Kept apart from tracker.audit, which loads the models: the command line sets it before it knows whether
the command touches the database at all."""

from __future__ import annotations

from contextvars import ContextVar

# The shell account; set by the command line, empty elsewhere.
_OPERATOR: ContextVar[str] = ContextVar("tracker_operator", default="")


def set_operator(name: str) -> None:
    """Record `name` (the shell account) as the operator of every audit event this process adds."""
    _OPERATOR.set(name[:64])


def current_operator() -> str:
    """The operator set by set_operator, or an empty string."""
    return _OPERATOR.get()
