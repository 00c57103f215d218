"""Which outbox senders are alive, so that the rows a killed process held go back to the outbox within
seconds instead of when their claim's lease runs out (minutes; never, for a service run "as of" a frozen
instant, whose claims are dated on that instant).

Each running sender keeps a short lease of its own (role "send", named after the sender) on the wall
clock. Another sender that finds such a lease run out forgets it and gives that sender's claimed rows back
in the same transaction, so that two survivors never both hand them out. A sender only stalled (the
database gone for longer than the lease) may then see its message in flight sent again by another: the one
duplicate the outbox allows after a crash. Senders without a lease (`tracker serve --once`, tests) are never
judged gone: their claims wait for their own lease as before."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from tracker import outbox
from tracker.clock import Clock
from tracker.leases import claim, release
from tracker.models.leases import Lease

ROLE = "send"
TTL = timedelta(seconds=30)


def keep_alive(engine: Engine, clock: Clock, *, sender: str, ttl: timedelta = TTL) -> None:
    """Say that `sender` is alive for `ttl` from now (taking its lease back if another sender had found it
    run out). Commits; raises when the database cannot be reached."""
    claim(engine, clock, name=sender, role=ROLE, holder=sender, ttl=ttl)


def give_up(engine: Engine, clock: Clock, *, sender: str) -> None:
    """`sender` stops (having given back its rows): its lease runs out now. Commits."""
    release(engine, clock, name=sender, role=ROLE, holder=sender)


def release_gone(engine: Engine, clock: Clock) -> list[str]:
    """Forget every sender whose lease has run out and give back the outbox rows it held, in one
    transaction. Returns the senders forgotten; raises when the database cannot be reached."""
    with Session(engine) as session:
        gone = list(session.execute(
            sa.delete(Lease).where(Lease.role == ROLE, col(Lease.expires_at) <= clock.now()).returning(Lease.holder)
        ).scalars())
        outbox.release_claims_of(session, gone)
        session.commit()
        return gone
