"""One-line builders for tests: wards from the example file, people and tasks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from tracker.clock import Clock
from tracker.config import WardConfig, load_ward_file
from tracker.models import Person, Task, Unit
from tracker.usecases import TaskDraft, apply_ward_config, create_task

EXAMPLE_WARD_FILE = Path(__file__).resolve().parent.parent / "config" / "ward.example.toml"


def example_config(key: str = "phuong-mau", name: str = "Phường Mẫu") -> WardConfig:
    """The shipped example ward, renamed so that several can live in one database."""
    config = load_ward_file(EXAMPLE_WARD_FILE)
    return config.model_copy(update={"ward": config.ward.model_copy(update={"key": key, "name": name})})


def make_ward(session: Session, clock: Clock, key: str = "phuong-mau") -> int:
    """Create the example ward under `key`; returns its organization id."""
    report = apply_ward_config(session, clock=clock, config=example_config(key, f"Phường {key}"))
    session.commit()
    return report.organization.id or 0


def person(session: Session, org_id: int, key: str) -> Person:
    found = session.exec(select(Person).where(Person.org_id == org_id, Person.key == key)).one()
    return found


def unit(session: Session, org_id: int, key: str) -> Unit:
    return session.exec(select(Unit).where(Unit.org_id == org_id, Unit.key == key)).one()


def make_task(
    session: Session,
    clock: Clock,
    org_id: int,
    unit_key: str = "vhxh",
    *,
    due: date | None = None,
    title: str = "Rà soát đối tượng bảo trợ xã hội",
    assigned_on: date | None = None,
    kind: str | None = None,
) -> Task:
    """An open task of `unit_key`, created by the ward's office clerk and committed."""
    draft = TaskDraft(
        title=title, owner_unit_id=unit(session, org_id, unit_key).id or 0, due_on=due,
        assigned_on=assigned_on, deadline_kind=kind,  # type: ignore[arg-type]
    )
    task = create_task(session, clock=clock, actor=person(session, org_id, "van-thu"), draft=draft)
    session.commit()
    return task
