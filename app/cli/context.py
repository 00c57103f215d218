"""What every command needs: settings, the engine, the clock, the ward and the acting person."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.clock import WARD_TZ, Clock, FixedClock, SystemClock
from tracker.errors import InvalidInputError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from tracker.config import Settings
    from tracker.models import Organization, Person

OrgOption = Annotated[str | None, typer.Option("--org", help="Khóa phường/xã khi có nhiều phường/xã.")]
AsOption = Annotated[str | None, typer.Option("--as", help="Khóa người thực hiện (mặc định: quản trị).")]
JsonOption = Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")]


@dataclass
class CliState:
    org: str | None = None
    acting_as: str | None = None
    now: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """The environment's settings, read when a command first needs them (pydantic-settings is slow to
        load, and `tracker deadline --on …` needs none)."""
        if self._settings is None:
            from tracker.config.settings import load_settings

            self._settings = load_settings()
        return self._settings

    def engine(self) -> Engine:
        from tracker.db import make_engine

        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def clock(self) -> Clock:
        text = self.now or self.settings.now
        if not text:
            return SystemClock()
        try:
            instant = datetime.fromisoformat(text)
        except ValueError as exc:
            raise InvalidInputError(f"Thời điểm «{text}» không đúng dạng ISO, ví dụ 2026-05-20T08:00+07:00.") from exc
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=WARD_TZ)
        return FixedClock(instant)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@dataclass
class Acting:
    """An open transaction with the ward and the person a command acts as."""

    session: Session
    clock: Clock
    org: Organization
    actor: Person

    def today(self) -> date:
        from tracker.usecases import ward_today

        return ward_today(self.session, self.clock, self.org.id or 0)

    def before_waiting_for_a_person(self) -> None:
        """End the transaction before a prompt: on SQLite it holds the write lock, and every other command
        and chat would wait for the person to answer. The session goes on in a new transaction after."""
        self.session.commit()


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = CliState()
    return root.obj


@contextmanager
def acting(ctx: typer.Context, org: str | None = None, as_: str | None = None) -> Iterator[Acting]:
    """A committed-on-success transaction acting as `--as` (default: the ward's admin) in `--org`."""
    from tracker.db import session_scope
    from tracker.usecases import organization, person_in_ward

    st = state(ctx)
    with session_scope(st.engine()) as session:
        ward = organization(session, org or st.org or st.settings.org)
        who = as_ or st.acting_as or st.settings.acting_as or ward.admin_key
        if not who:
            raise InvalidInputError("Chưa rõ người thực hiện: hãy dùng --as <khóa người dùng>.")
        actor = person_in_ward(session, org_id=ward.id or 0, ref=who)
        yield Acting(session=session, clock=st.clock(), org=ward, actor=actor)
