"""Finding a unit from what a person typed."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.errors import UnknownUnitError
from tracker.models import Unit
from tracker.names import closest, fold


def list_units(session: Session, *, org_id: int, include_inactive: bool = False) -> list[Unit]:
    """The ward's units in appendix order."""
    query = select(Unit).where(Unit.org_id == org_id)
    if not include_inactive:
        query = query.where(Unit.active)
    return list(session.exec(query.order_by(Unit.appendix_order, Unit.id)))


def resolve_unit(session: Session, *, org_id: int, text: str) -> Unit:
    """The unit named by key, id, name, short name or alias, in any spelling of diacritics and case.
    Raises UnknownUnitError with the closest names when nothing matches."""
    units = list_units(session, org_id=org_id)
    wanted = fold(text)
    for unit in units:
        if text.strip() in (unit.key, str(unit.id)):
            return unit
    by_key: dict[str, Unit] = {}
    for unit in units:
        for name in (unit.name, unit.short_name, *unit.aliases):
            if name:
                by_key.setdefault(fold(name), unit)
    if wanted in by_key:
        return by_key[wanted]
    raise UnknownUnitError(text.strip(), closest(text, {k: u.name for k, u in by_key.items()}))
