"""Creating or updating a ward from its configuration file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from tracker import audit
from tracker.clock import Clock
from tracker.config import load_ward_file
from tracker.config.ward import WardConfig
from tracker.db import session_scope
from tracker.migrate import current_revision, head_revision, upgrade
from tracker.models import Organization, Person, Unit
from tracker.names import nfc
from tracker.phones import phone_number
from tracker.usecases.common import person_in_ward
from tracker.usecases.revocation import cancel_open_invites, drop_bindings
from tracker.usecases.tasks import TaskDraft, create_task
from tracker.usecases.wards import mark_as_sample


@dataclass
class ApplyReport:
    """What `apply_ward_config` changed; all zero when the database already matched the file."""

    organization: Organization
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)


def apply_ward_config(session: Session, *, clock: Clock, config: WardConfig, channel: str = "cli") -> ApplyReport:
    """Make the ward in the database match the file, matching rows by their keys: running it twice
    changes nothing, renaming a unit keeps its tasks, and units or people gone from the file are
    deactivated, never deleted. Every change is audited (actor: the system).

    The file owns each unit's `aliases` and rewrites them. Names office staff taught the importer by mapping
    an unknown owner (tracker.usecases.units.learn_unit_alias) are stored apart, in `learned_aliases`,
    which this never reads nor writes: a learned name survives every re-run, and `aliases` stays exactly
    what the file says."""
    org = _apply_org(session, clock, config, channel)
    report = ApplyReport(organization=org)
    units = _apply_units(session, clock, org, config, report, channel)
    people = _apply_people(session, clock, org, config, units, report, channel)
    for unit_cfg in config.units:
        leader = people[unit_cfg.leader].id if unit_cfg.leader else None
        _sync(session, clock, org, units[unit_cfg.key], {"supervising_leader_id": leader}, report, channel)
    return report


def _apply_org(session: Session, clock: Clock, config: WardConfig, channel: str) -> Organization:
    org = session.exec(select(Organization).where(Organization.key == config.ward.key)).first()
    values = {
        "name": nfc(config.ward.name),
        "timezone": config.ward.timezone,
        "policy": config.policy.model_dump(mode="json"),
        "admin_key": config.ward.admin,
    }
    if org is None:
        org = Organization(key=config.ward.key, created_at=clock.now(), **values)
        session.add(org)
        session.flush()
        return org
    if any(getattr(org, k) != v for k, v in values.items()):
        before = audit.snapshot(org)
        for k, v in values.items():
            setattr(org, k, v)
        session.add(org)
        audit.record(session, clock=clock, actor=None, org_id=org.id or 0, entity="organization",
                     entity_id=org.id or 0, action="update", before=before, after=audit.snapshot(org),
                     channel=channel)
    return org


def _apply_units(
    session: Session, clock: Clock, org: Organization, config: WardConfig, report: ApplyReport, channel: str
) -> dict[str, Unit]:
    existing = {u.key: u for u in session.exec(select(Unit).where(Unit.org_id == org.id))}
    units: dict[str, Unit] = {}
    for cfg in config.units:
        values = {
            "name": nfc(cfg.name), "short_name": nfc(cfg.short_name), "aliases": [nfc(a) for a in cfg.aliases],
            "appendix_order": cfg.order, "active": True,
        }
        units[cfg.key] = _upsert(session, clock, org, existing.get(cfg.key), Unit, cfg.key, values, report, channel)
    for key, unit in existing.items():
        if key not in units:
            _sync(session, clock, org, unit, {"active": False}, report, channel, deactivating=True)
    return units


def _apply_people(
    session: Session, clock: Clock, org: Organization, config: WardConfig, units: dict[str, Unit],
    report: ApplyReport, channel: str,
) -> dict[str, Person]:
    existing = {p.key: p for p in session.exec(select(Person).where(Person.org_id == org.id))}
    _free_phones_given_to_others(session, clock, org, config, existing, report, channel)
    people: dict[str, Person] = {}
    for cfg in config.people:
        values = {
            "name": nfc(cfg.name), "title": nfc(cfg.title), "role": cfg.role,
            "unit_id": units[cfg.unit].id if cfg.unit else None, "active": True,
            "phone": phone_number(cfg.phone) if cfg.phone else None,
        }
        people[cfg.key] = _upsert(session, clock, org, existing.get(cfg.key), Person, cfg.key, values, report,
                                  channel)
    for key, person in existing.items():
        if key not in people:
            # Their phone number goes too: it may be given to whoever takes their place.
            _sync(session, clock, org, person, {"active": False, "phone": None}, report, channel, deactivating=True)
            # Someone who left the ward keeps no way in: their chats and unused codes go with them.
            drop_bindings(session, clock=clock, actor=None, person=person, channel=channel)
            cancel_open_invites(session, clock=clock, actor=None, person=person, channel=channel)
    return people


def _free_phones_given_to_others(
    session: Session, clock: Clock, org: Organization, config: WardConfig, existing: dict[str, Person],
    report: ApplyReport, channel: str,
) -> None:
    # A number the file gives to someone else is taken from its holder first: a phone is unique in the ward,
    # so two people swapping numbers, or a newcomer taking the number of someone who left, would otherwise
    # break the rule half-way through the file.
    owner_in_file = {phone_number(cfg.phone): cfg.key for cfg in config.people if cfg.phone}
    for key, person in existing.items():
        if person.phone is not None and owner_in_file.get(person.phone, key) != key:
            _sync(session, clock, org, person, {"phone": None}, report, channel)


def _upsert(
    session: Session, clock: Clock, org: Organization, row: Any, model: type[SQLModel], key: str,
    values: dict[str, Any], report: ApplyReport, channel: str,
) -> Any:
    if row is not None:
        _sync(session, clock, org, row, values, report, channel)
        return row
    row = model(org_id=org.id, key=key, **values)
    session.add(row)
    session.flush()
    report.created.append(f"{model.__tablename__}:{key}")
    audit.record(session, clock=clock, actor=None, org_id=org.id or 0, entity=str(model.__tablename__),
                 entity_id=row.id, action="create", before=None, after=audit.snapshot(row), channel=channel)
    return row


def _sync(
    session: Session, clock: Clock, org: Organization, row: Any, values: dict[str, Any], report: ApplyReport,
    channel: str, deactivating: bool = False,
) -> None:
    if all(getattr(row, k) == v for k, v in values.items()):
        return
    before = audit.snapshot(row)
    for k, v in values.items():
        setattr(row, k, v)
    session.add(row)
    session.flush()
    name = f"{row.__tablename__}:{row.key}"
    (report.deactivated if deactivating else report.updated).append(name)
    audit.record(session, clock=clock, actor=None, org_id=org.id or 0, entity=str(row.__tablename__),
                 entity_id=row.id, action="deactivate" if deactivating else "update", before=before,
                 after=audit.snapshot(row), channel=channel)


def load_sample_tasks(session: Session, *, clock: Clock, config: WardConfig, actor: Person) -> int:
    """Create the file's example tasks as `actor`; meant for a brand-new example database only.
    Returns how many were created."""
    units = {u.key: u for u in session.exec(select(Unit).where(Unit.org_id == actor.org_id))}
    for sample in config.sample_tasks:
        draft = TaskDraft(
            title=sample.title, owner_unit_id=units[sample.unit].id or 0, expected_output=sample.expected_output,
            deadline_text=sample.deadline_text, deadline_kind=sample.kind, due_on=sample.due,
        )
        create_task(session, clock=clock, actor=actor, draft=draft)
    return len(config.sample_tasks)


def prepare_database(engine: Engine, *, clock: Clock, config_path: Path) -> str | None:
    """Bring the schema to the latest version; on a database with no ward, load the ward file at
    `config_path` with its sample tasks. Returns the line announcing a newly created ward, or None when
    the database already had one. Safe to run on every start."""
    if current_revision(engine) != head_revision(engine):
        upgrade(engine)
    with session_scope(engine) as session:
        if session.exec(select(Organization)).first() is not None:
            return None
        ward = load_ward_file(config_path)
        report = apply_ward_config(session, clock=clock, config=ward)
        admin = person_in_ward(session, org_id=report.organization.id or 0, ref=ward.ward.admin)
        count = load_sample_tasks(session, clock=clock, config=ward, actor=admin)
        mark_as_sample(session, report.organization)
        return (f"Đã tạo cơ sở dữ liệu mới với {report.organization.name} (phường/xã mẫu, để thử) và {count} "
                "nhiệm vụ mẫu. Khi có tệp cấu hình của phường/xã mình, «tracker init --config <tệp>» sẽ thay "
                "phường/xã mẫu.")
