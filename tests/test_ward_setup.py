"""apply_ward_config (behind `tracker init`): idempotent, keeps tasks across renames, never deletes;
and the example ward recognises every unit the seed documents name."""

import json
import re

from sqlmodel import select

from tests.builders import example_config, make_task, make_ward, person, unit
from tracker.models import AuditEvent, Person, Unit
from tracker.usecases import apply_ward_config, resolve_unit


def _rows(session, model, org_id):
    return [r.model_dump() for r in session.exec(select(model).where(model.org_id == org_id).order_by(model.id))]


def test_applying_the_same_file_twice_changes_nothing(session, clock):
    org_id = make_ward(session, clock)
    units, people = _rows(session, Unit, org_id), _rows(session, Person, org_id)
    events = len(session.exec(select(AuditEvent)).all())
    report = apply_ward_config(session, clock=clock, config=example_config("phuong-mau", "Phường phuong-mau"))
    session.commit()
    assert not report.changed
    assert _rows(session, Unit, org_id) == units
    assert _rows(session, Person, org_id) == people
    assert len(session.exec(select(AuditEvent)).all()) == events


def test_renaming_a_unit_in_the_file_keeps_its_tasks_and_is_audited(session, clock):
    org_id = make_ward(session, clock)
    task = make_task(session, clock, org_id, "tyt")
    config = example_config("phuong-mau", "Phường phuong-mau")
    renamed = [u.model_copy(update={"name": "Trạm Y tế phường Mẫu"}) if u.key == "tyt" else u for u in config.units]
    report = apply_ward_config(session, clock=clock, config=config.model_copy(update={"units": renamed}))
    session.commit()
    assert report.updated == ["unit:tyt"]
    tyt = unit(session, org_id, "tyt")
    assert tyt.name == "Trạm Y tế phường Mẫu" and tyt.id == task.owner_unit_id
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity == "unit", AuditEvent.entity_id == tyt.id)
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.before["name"] == "Trạm Y tế" and event.after["name"] == "Trạm Y tế phường Mẫu"


def test_a_unit_removed_from_the_file_is_deactivated_not_deleted(session, clock):
    org_id = make_ward(session, clock)
    make_task(session, clock, org_id, "bqlda")
    config = example_config("phuong-mau", "Phường phuong-mau")
    config = config.model_copy(update={
        "units": [u for u in config.units if u.key != "bqlda"],
        "people": [p for p in config.people if p.unit != "bqlda"],
    })
    report = apply_ward_config(session, clock=clock, config=config)
    session.commit()
    assert "unit:bqlda" in report.deactivated and "person:gd-bqlda" in report.deactivated
    assert unit(session, org_id, "bqlda").active is False


def test_a_phone_number_in_the_file_is_kept_in_the_national_form_and_freed_when_its_owner_leaves(session, clock):
    org_id = make_ward(session, clock)
    config = example_config("phuong-mau", "Phường phuong-mau")
    people = [p.model_copy(update={"phone": "+84 900 000 001"}) if p.key == "gd-bqlda" else p for p in config.people]
    apply_ward_config(session, clock=clock, config=config.model_copy(update={"people": people}))
    session.commit()
    assert person(session, org_id, "gd-bqlda").phone == "0900000001"

    # The one who leaves gives the number up, so that whoever takes their place may have it.
    people = [p.model_copy(update={"phone": "0900000001"}) if p.key == "tp-vhxh" else p
              for p in config.people if p.key != "gd-bqlda"]
    apply_ward_config(session, clock=clock, config=config.model_copy(update={"people": people}))
    session.commit()
    assert person(session, org_id, "gd-bqlda").phone is None
    assert person(session, org_id, "tp-vhxh").phone == "0900000001"


def test_each_unit_knows_its_supervising_leader(session, clock):
    org_id = make_ward(session, clock)
    leader = session.get(Person, unit(session, org_id, "ca").supervising_leader_id)
    assert leader.key == "chu-tich"


def test_every_owner_of_the_gold_tasks_of_notice_004_is_a_unit_of_the_example_ward(session, clock, shared_dir):
    org_id = make_ward(session, clock)
    gold = json.loads((shared_dir / "gold" / "004_43a30539afeed7f9.json").read_text(encoding="utf-8"))
    names = {t["owner_normalized"] for t in gold["tasks"] if t["owner_normalized"] != "*"}
    names |= {c for t in gold["tasks"] for c in t["coordinating"] if "PCCC" not in c}
    for name in names:
        assert resolve_unit(session, org_id=org_id, text=name).name == name


def test_every_unit_row_of_the_may_2026_appendices_is_a_unit_of_the_example_ward(session, clock, shared_dir):
    # The appendix rows write units their own way ("Trung tâm Phục vụ Hành chính công phường (04 nhiệm vụ)").
    org_id = make_ward(session, clock)
    text = (shared_dir / "seeds" / "000_fd44b82cfd10d0b4.txt").read_text(encoding="utf-8")
    rows = re.findall(r"^\d+\t(.+?) \(\d+ nhiệm vụ\)", text, flags=re.MULTILINE)
    assert len(rows) == 18  # nine units in Phụ lục 1 and nine in Phụ lục 5
    found = [resolve_unit(session, org_id=org_id, text=row) for row in rows[:9]]
    assert [u.appendix_order for u in found] == list(range(1, 10))


def test_the_unit_headings_of_notice_004_resolve_to_units(session, clock, shared_dir):
    org_id = make_ward(session, clock)
    text = (shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8")
    headings = re.findall(r"^2\.[1-6]\. (.+)$", text, flags=re.MULTILINE)
    owners = [part.strip() for heading in headings for part in heading.split(",")
              if not part.strip().startswith(("Hạ tầng", "Kinh tế"))]
    keys = [resolve_unit(session, org_id=org_id, text=o).key for o in owners if not o.startswith("Phòng Kinh tế")]
    assert keys == ["vhxh", "vp", "ttpvhcc", "ttdvsnc", "ca", "bchqs"]
    assert resolve_unit(session, org_id=org_id, text=headings[0]).key == "kthtdt"
