"""Reviewing a document read from an upload before it is stored, as the web console does it: the text is
parsed for the ward, the reviewer's rows (owner, coordinating units, deadline, title, skip) become the same
corrections the command line takes (tracker.importer.edits; the coordinating units through
tracker.usecases.coordinators), and saving goes through import_document, or, for a corrected version of a
document imported before, applies the changes the corrected rows make (as apply_reimport does, less the
rows skipped and the tasks kept). The text is parsed again at every step, so nothing the browser sends back
but the rows' values is believed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace

from sqlmodel import Session, select

from tracker.access import Action, require
from tracker.clock import Clock
from tracker.enums import STATUS_LABELS, TaskStatus
from tracker.errors import InvalidInputError
from tracker.importer.directory import UnitDirectory
from tracker.importer.edits import apply_edit
from tracker.importer.model import ALL_UNITS, ParsedDocument, ParsedTask
from tracker.importer.reading import DocumentText
from tracker.jobdays import ward_rules
from tracker.models import Organization, Person, SourceDocument, Task
from tracker.usecases.common import ward_today
from tracker.usecases.coordinators import (
    CoordinatorWords,
    coordinator_words,
    coordinators_said,
    read_coordinators,
    same_coordinators,
)
from tracker.usecases.import_preview import ImportPreview, parse_for_ward, preview_import
from tracker.usecases.imports import (
    check_dates,
    check_owners,
    import_document,
    nothing_to_store,
    unit_directory,
)
from tracker.usecases.reimports import (
    ImportChanges,
    ImportedDocument,
    apply_changes,
    earlier_import,
    list_imports,
    plan_reimport,
    same_words,
)
from tracker.usecases.units import list_units

_SETTLED = {TaskStatus.DONE.value, TaskStatus.CANCELLED.value}


@dataclass(frozen=True)
class RowCorrection:
    """One row of the review table as the reviewer left it: the owner unit's name ("" while none is
    chosen, ALL_UNITS for every unit), the deadline's and the title's words, and whether to skip it. A
    value equal to what the importer found, or empty, changes nothing. `coordinators` names the ward's
    coordinating units (name, short name or alias, separated by ";" or ","), `outside` the bodies outside
    the ward (separated by ";"); None, as when a form does not send them, leaves the coordinating units as
    found, and two empty fields mean none."""

    ref: str
    owner: str = ""
    deadline: str = ""
    title: str = ""
    skip: bool = False
    coordinators: str | None = None
    outside: str | None = None


@dataclass
class ImportReview:
    """What storing the upload would do. `preview` lists every row with the corrections applied (skipped
    rows included, so that a skip can be taken back), `skipped` their refs, `parsed` what would be stored.
    `coordinators` gives each row's two coordinating fields: what would be stored, or what the reviewer
    typed when it was refused. `earlier` is the document imported before that this one is (then
    `unchanged` says whether it says the same; for a corrected version, `changes` is what saving does,
    `removed` the tasks whose item is gone (those in `kept` are left open rather than cancelled) and
    `row_changes` what saving does to each row's tasks); `said` what each correction did; `problems` why it
    cannot be stored yet, and `row_problems` those of each row, by ref."""

    source: DocumentText
    parsed: ParsedDocument
    preview: ImportPreview
    skipped: set[str] = field(default_factory=set)
    earlier: SourceDocument | None = None
    unchanged: bool = False
    changes: ImportChanges | None = None
    removed: list[Task] = field(default_factory=list)
    kept: set[int] = field(default_factory=set)
    row_changes: dict[str, str] = field(default_factory=dict)
    coordinators: dict[str, CoordinatorWords] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    row_problems: dict[str, list[str]] = field(default_factory=dict)


def imported_documents(session: Session, *, actor: Person) -> list[ImportedDocument]:
    """The ward's imported documents with their task counts, for those who may import documents (office,
    leaders, the administrator). Raises ForbiddenError for a unit head or a member."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    return list_imports(session, actor=actor)


def upload_limit(session: Session, *, actor: Person) -> int:
    """The most bytes a document uploaded to the actor's ward may have (its policy's upload_max_mb). Raises
    ForbiddenError for someone who may not import, so that their upload is refused before it is read."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    org = session.get(Organization, actor.org_id)
    assert org is not None  # an actor belongs to an existing ward
    return ward_rules(org).policy.upload_max_mb * 1024 * 1024


def review_import(session: Session, *, clock: Clock, actor: Person, source: DocumentText,
                  rows: Sequence[RowCorrection] = (), keep: Collection[int] = ()) -> ImportReview:
    """`source` parsed for the actor's ward with the reviewer's `rows` applied, a new document's or a
    corrected version's alike. For a corrected version, a skipped row leaves the tasks of its item as they
    are (nothing added, changed or cancelled), and the tasks in `keep` (ids of tasks whose item the version
    no longer has) are kept open instead of cancelled. Writes nothing. Raises ForbiddenError for someone
    who may not import."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    parsed = parse_for_ward(session, clock=clock, actor=actor, text=source.text)
    earlier = earlier_import(session, org_id=actor.org_id, source=source, parsed=parsed)
    review = ImportReview(source=source, parsed=parsed, preview=preview_import(parsed, file_name=source.file_name,
                                                                               reading=source), earlier=earlier)
    if earlier is not None and same_words(earlier, source):
        review.unchanged = True
        return review
    typed = _correct(session, clock, actor, review, rows)
    review.preview = preview_import(parsed, file_name=source.file_name, reading=source)
    review.coordinators = {t.ref: typed.get(t.ref) or coordinator_words(t) for t in parsed.tasks}
    every_row = list(parsed.tasks)
    parsed.tasks = [t for t in parsed.tasks if t.ref not in review.skipped]
    if earlier is not None:
        _plan_correction(session, actor, review, replace(parsed, tasks=every_row), keep)
    review.problems += _problems(session, actor, parsed, file_name=source.file_name,
                                 had_tasks=bool(review.preview.tasks), correction=earlier is not None)
    return review


def save_import(session: Session, *, clock: Clock, actor: Person, source: DocumentText,
                rows: Sequence[RowCorrection] = (), keep: Collection[int] = (), channel: str = "web"
                ) -> SourceDocument:
    """Store the reviewed upload: its tasks (import_document), or the changes of a corrected version with
    the rows' corrections (review_import says which), each task change audited as the task use cases audit
    it and the document's text replaced by the version's; a document imported before that says the same
    creates nothing. Returns the document. Raises InvalidInputError with the first problem (an owner not
    chosen, a coordinating unit the ward does not have, a date that does not exist, a correction not
    understood) before anything is written, ForbiddenError as the use cases do."""
    review = review_import(session, clock=clock, actor=actor, source=source, rows=rows, keep=keep)
    if review.problems:
        raise InvalidInputError(review.problems[0])
    if review.earlier is None:
        return import_document(session, clock=clock, actor=actor, source=source, parsed=review.parsed,
                               channel=channel).document
    if not review.unchanged:
        _apply_correction(session, clock=clock, actor=actor, review=review, channel=channel)
    return review.earlier


def _correct(session: Session, clock: Clock, actor: Person, review: ImportReview,
             rows: Sequence[RowCorrection]) -> dict[str, CoordinatorWords]:
    """Apply the rows to review.parsed; returns the coordinating fields of the rows where they were refused,
    to be shown again as typed."""
    units = unit_directory(session, org_id=actor.org_id)
    on = review.parsed.issued or ward_today(session, clock, actor.org_id)
    found = {task.ref: task for task in review.parsed.tasks}
    refused: dict[str, CoordinatorWords] = {}
    for row in rows:
        task = found.get(row.ref)
        if task is None:
            review.problems.append(f"Không có nhiệm vụ mã «{row.ref}» trong văn bản; hãy tải tệp lên lại.")
            continue
        if row.skip:
            review.skipped.add(row.ref)
        for edit in _edits(task, row):
            try:
                review.said.append(apply_edit(review.parsed, edit, units=units, on=on))
            except InvalidInputError as error:
                _row_problem(review, row.ref, error.message)
        try:
            _correct_coordinators(review, task, row, units)
        except InvalidInputError as error:
            _row_problem(review, row.ref, error.message)
            refused[row.ref] = CoordinatorWords(row.coordinators or "", row.outside or "")
    return refused


def _correct_coordinators(review: ImportReview, task: ParsedTask, row: RowCorrection, units: UnitDirectory) -> None:
    shown = coordinator_words(task)
    if row.coordinators is None and row.outside is None:
        return
    typed = CoordinatorWords(shown.units if row.coordinators is None else row.coordinators,
                             shown.outside if row.outside is None else row.outside)
    if typed.same_as(shown):
        return  # untouched: what the importer found stays exactly as found
    # The owner coordinating with itself says nothing; the stored task would drop it anyway (task_draft).
    wanted = [c for c in read_coordinators(task.ref, typed, units=units) if c.unit is None or c.unit != task.owner.unit]
    if not same_coordinators(wanted, task.coordinating):
        task.coordinating = wanted
        review.said.append(coordinators_said(task.ref, wanted))


def _row_problem(review: ImportReview, ref: str, message: str) -> None:
    review.problems.append(message)
    review.row_problems.setdefault(ref, []).append(message)


def _edits(task: ParsedTask, row: RowCorrection) -> list[str]:
    """The corrections (in apply_edit's words) that make `task` what the row says."""
    edits = []
    if row.owner and row.owner != (task.owner.unit or "") and row.owner != ALL_UNITS:
        edits.append(f"{row.ref} owner={row.owner}")
    if _words(row.deadline) != _words(task.deadline.text) and _words(row.deadline):
        edits.append(f"{row.ref} deadline={_words(row.deadline)}")
    if _words(row.title) != _words(task.title) and _words(row.title):
        edits.append(f"{row.ref} title={_words(row.title)}")
    return edits


def _plan_correction(session: Session, actor: Person, review: ImportReview, every_row: ParsedDocument,
                     keep: Collection[int]) -> None:
    """What saving the corrected version does: the plan of every row (a skipped row still names its item,
    so that its tasks are not taken for removed ones), less the skipped rows and the tasks kept."""
    assert review.earlier is not None
    plan = plan_reimport(session, actor=actor, document=review.earlier, parsed=every_row)
    skipped = review.skipped
    review.removed = [t for t in plan.removed if t.item_ref not in skipped]
    review.kept = {t.id or 0 for t in review.removed if t.id in keep}
    review.changes = ImportChanges(
        added=[d for d in plan.added if d.item_ref not in skipped],
        changed=[c for c in plan.changed if c.task.item_ref not in skipped],
        removed=[t for t in review.removed if t.id not in review.kept], unit_names=plan.unit_names)
    stored = session.exec(select(Task).where(Task.source_document_id == review.earlier.id).order_by(Task.id))
    settled = [t for t in stored if t.status in _SETTLED]
    review.row_changes = {t.ref: _row_change(review.changes, t.ref, skipped, settled) for t in every_row.tasks}


def _row_change(changes: ImportChanges, ref: str, skipped: set[str], settled: list[Task]) -> str:
    """What saving does to the tasks of one row of a corrected version, in a few words."""
    if ref in skipped:
        return "Bỏ qua: các nhiệm vụ đã có của dòng này giữ nguyên, không thêm gì."
    said = []
    added = [d for d in changes.added if d.item_ref == ref]
    if added:
        said.append("Nhiệm vụ mới, sẽ thêm" + (f" {len(added)} nhiệm vụ." if len(added) > 1 else "."))
    said += [f"Sẽ sửa nhiệm vụ số {c.task.id}: {changes.details(c)}." for c in changes.changed
             if c.task.item_ref == ref]
    said += [f"Nhiệm vụ số {t.id} {STATUS_LABELS[TaskStatus(t.status)]}: giữ nguyên." for t in settled
             if t.item_ref == ref]
    return " ".join(said) or "Không thay đổi."


def _apply_correction(session: Session, *, clock: Clock, actor: Person, review: ImportReview, channel: str
                      ) -> None:
    """Apply review.changes to the earlier document's tasks and keep the version's text as the document's.
    As tracker.usecases.reimports.apply_reimport does, but with the plan the reviewer shaped (rows skipped,
    tasks kept), which apply_reimport, planning again from the parsed rows alone, cannot express."""
    document, changes = review.earlier, review.changes
    assert document is not None and changes is not None
    # What the reviewer left as it was, so that the log says why the tasks differ from the version's words.
    noted = {name: values for name, values in (("skipped", sorted(review.skipped)), ("kept", sorted(review.kept)))
             if values}
    apply_changes(session, clock=clock, actor=actor, document=document, source=review.source, parsed=review.parsed,
                  changes=changes, channel=channel, noted=noted)

def _problems(session: Session, actor: Person, parsed: ParsedDocument, *, file_name: str, had_tasks: bool,
              correction: bool) -> list[str]:
    # A corrected version may give no task at all (every item gone) or have every row skipped: its changes
    # are still worth applying; a new document without a task to store is not.
    if not had_tasks and not correction:
        return [nothing_to_store(file_name)]
    problems = []
    if not parsed.tasks and not correction:
        problems.append("Không còn nhiệm vụ nào để lưu: mọi dòng đều được đánh dấu bỏ qua.")
    for check in (lambda: check_owners(parsed.tasks, {u.name: u for u in list_units(session, org_id=actor.org_id)}),
                  lambda: check_dates(parsed.tasks)):
        try:
            check()
        except InvalidInputError as error:
            problems.append(error.message)
    return problems


def _words(text: str) -> str:
    # A textarea sends its lines back with \r\n; only the words count.
    return " ".join(text.split())
