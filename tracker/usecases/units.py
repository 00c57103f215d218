"""Finding a unit from what a person typed."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import UnknownUnitError
from tracker.importer.owners import is_generic
from tracker.models import Person, Unit
from tracker.names import closest, fold, nfc

ALIAS_MAX = 120  # longer words are a sentence the importer misread, not a unit's name


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
        for name in (unit.name, unit.short_name, *unit.aliases, *unit.learned_aliases):
            if name:
                by_key.setdefault(fold(name), unit)
    if wanted in by_key:
        return by_key[wanted]
    raise UnknownUnitError(text.strip(), closest(text, {k: u.name for k, u in by_key.items()}))


def learn_unit_alias(session: Session, *, clock: Clock, actor: Person, unit_name: str, words: str,
                     channel: str = "cli") -> bool:
    """Remember `words` (an owner as a document wrote it, mapped by a reviewer to `unit_name`) as a name of
    that unit of the actor's ward, so that the next document naming it resolves by itself; audited.
    Returns False and changes nothing when the words already name a unit, name every unit or nobody in
    particular ("các đơn vị liên quan"), or are too long to be a name. Raises ForbiddenError for someone who
    may not import, UnknownUnitError for a unit not of the ward."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    unit = resolve_unit(session, org_id=actor.org_id, text=unit_name)
    written = nfc(words)
    if not written or len(written) > ALIAS_MAX or is_generic(written) or "liên quan" in written.lower():
        return False
    try:
        resolve_unit(session, org_id=actor.org_id, text=written)
        return False
    except UnknownUnitError:
        pass
    before = {"learned_aliases": list(unit.learned_aliases)}
    unit.learned_aliases = [*unit.learned_aliases, written]
    session.add(unit)
    session.flush()
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="unit", entity_id=unit.id or 0,
                 action="learn_alias", before=before, after={"learned_aliases": list(unit.learned_aliases)},
                 channel=channel)
    return True
