"""Finding a unit from what a person typed, and learning the names documents give it."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker import audit
from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import UnknownUnitError
from tracker.importer.directive_words import GENERIC_WORDS
from tracker.importer.directory import UnitDirectory
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
    """Remember `words` (an owner as a document wrote it, which a reviewer mapped to the unit named, keyed or
    numbered `unit_name`) as a learned name of that unit of the actor's ward, NFC and as written, so that
    the next document naming it resolves by itself. Audited (entity "unit", action "learn_alias", before
    and after the learned names, the channel). Returns True when learned; False, changing nothing, when the
    words already resolve as the importer reads them (to any unit, or to every unit), or name nobody in
    particular ("các đơn vị liên quan", "Phòng", "cơ quan chức năng"), or are too long to be a name.
    Raises ForbiddenError for someone who may not create tasks (only office, leaders and the admin teach
    names), UnknownUnitError for a unit not of the ward. Learned names live in Unit.learned_aliases,
    apart from the ward file's aliases, so that `tracker init` keeps them."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    unit = resolve_unit(session, org_id=actor.org_id, text=unit_name)
    written = nfc(words)
    if _names_nobody(written) or _directory(session, actor.org_id).resolve(written).unit is not None:
        return False
    before = {"learned_aliases": list(unit.learned_aliases)}
    unit.learned_aliases = [*unit.learned_aliases, written]
    session.add(unit)
    session.flush()
    audit.record(session, clock=clock, actor=actor, org_id=actor.org_id, entity="unit", entity_id=unit.id or 0,
                 action="learn_alias", before=before, after={"learned_aliases": list(unit.learned_aliases)},
                 channel=channel)
    return True


def _names_nobody(words: str) -> bool:
    # Learning a vague phrase would silently give every later "các đơn vị liên quan" or bare "Phòng" to one
    # unit; the importer's own vocabulary of generic words decides what is vague.
    key = fold(words)
    return (not key or len(words) > ALIAS_MAX or is_generic(words) or "lien quan" in key
            or all(word in GENERIC_WORDS for word in key.split()))


def _directory(session: Session, org_id: int) -> UnitDirectory:
    """The ward's units as the importer resolves them, learned names included."""
    return UnitDirectory.from_names((u.name, u.short_name, [*u.aliases, *u.learned_aliases])
                                    for u in list_units(session, org_id=org_id))
