"""Leases: a role that only one process of the service may hold at a time (polling a bot, taking the
nightly backup), held in the database so that every process on one database agrees, renewed by its holder
and free for another once it runs out.

A lease row, not a PostgreSQL advisory lock, and on both databases: an advisory lock belongs to a
connection, so the holder would keep one connection out of the pool for hours, and a holder cut off from
the database by the network keeps its lock until TCP gives up on the connection, while a row runs out after
its time to live whatever happened to its holder. The row also says who holds it, for `tracker jobs
status`. Expiry is judged on the clock of the process that claims, so the hosts of one deployment keep
their clocks in step (NTP), as every server does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.clock import Clock
from tracker.models.leases import Lease


@dataclass(frozen=True)
class LeaseHolder:
    """Who holds which lease, since when and until when (unless renewed)."""

    name: str
    role: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


def claim(engine: Engine, clock: Clock, *, name: str, role: str, holder: str, ttl: timedelta) -> bool:
    """Take `role` for `name` for `holder` until `ttl` from now, or renew it when `holder` holds it already:
    True when `holder` holds it now; False when another holder's lease has not run out. Commits; raises
    when the database cannot be reached (the caller then cannot know whether it still holds the lease)."""
    now = clock.now()
    with Session(engine) as session:
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        added = session.execute(
            insert(Lease).values(name=name, role=role, holder=holder, acquired_at=now, renewed_at=now,
                                 expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name", "role"]).returning(Lease.name)
        ).first()
        if added is not None:
            session.commit()
            return True
        mine = Lease.holder == holder
        taken = session.execute(
            sa.update(Lease).where(Lease.name == name, Lease.role == role,
                                   sa.or_(mine, col(Lease.expires_at) <= now))
            .values(holder=holder, renewed_at=now, expires_at=now + ttl,
                    acquired_at=sa.case((mine, Lease.acquired_at), else_=now))
        )
        session.commit()
        return taken.rowcount == 1


def release(engine: Engine, clock: Clock, *, name: str, role: str, holder: str) -> None:
    """Give back `holder`'s lease of `role` for `name` at once, so that another may take it without waiting
    for it to run out; nothing when `holder` does not hold it. Commits."""
    with Session(engine) as session:
        session.execute(sa.update(Lease).where(Lease.name == name, Lease.role == role, Lease.holder == holder)
                        .values(expires_at=clock.now()))
        session.commit()


def holders(engine: Engine, clock: Clock) -> list[LeaseHolder]:
    """The leases held now (not run out), by role and name."""
    with Session(engine) as session:
        rows = session.exec(select(Lease).where(col(Lease.expires_at) > clock.now())
                            .order_by(Lease.role, Lease.name))
        return [LeaseHolder(row.name, row.role, row.holder, row.acquired_at, row.expires_at) for row in rows]
