"""Reviewing a document read from an upload before it is stored, as the web console does it: the text is
parsed for the ward, the reviewer's rows (owner, deadline, title, skip) become the same corrections the
command line takes (tracker.importer.edits), and saving goes through import_document, or apply_reimport
for a corrected version of a document imported before. The text is parsed again at every step, so
nothing the browser sends back but the rows' values is believed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from tracker.access import Action, require
from tracker.clock import Clock
from tracker.errors import InvalidInputError
from tracker.importer.edits import apply_edit
from tracker.importer.model import ALL_UNITS, ParsedDocument, ParsedTask
from tracker.importer.reading import DocumentText
from tracker.jobdays import ward_rules
from tracker.models import Organization, Person, SourceDocument
from tracker.usecases.common import ward_today
from tracker.usecases.import_preview import ImportPreview, parse_for_ward, preview_import
from tracker.usecases.imports import check_dates, check_owners, import_document, nothing_to_store, unit_directory
from tracker.usecases.reimports import (
    ImportChanges,
    ImportedDocument,
    apply_reimport,
    earlier_import,
    list_imports,
    plan_reimport,
    same_words,
)
from tracker.usecases.units import list_units


@dataclass(frozen=True)
class RowCorrection:
    """One row of the review table as the reviewer left it: the owner unit's name ("" while none is
    chosen, ALL_UNITS for every unit), the deadline's and the title's words, and whether to skip it. A
    value equal to what the importer found, or empty, changes nothing."""

    ref: str
    owner: str = ""
    deadline: str = ""
    title: str = ""
    skip: bool = False


@dataclass
class ImportReview:
    """What storing the upload would do. `preview` lists every row with the corrections applied (skipped
    rows included, so that a skip can be taken back), `skipped` their refs, `parsed` what would be stored.
    `earlier` is the document imported before that this one is (then `unchanged` says whether it says the
    same, and `changes` what a corrected version changes); `said` what each correction did; `problems`
    why it cannot be stored yet."""

    source: DocumentText
    parsed: ParsedDocument
    preview: ImportPreview
    skipped: set[str] = field(default_factory=set)
    earlier: SourceDocument | None = None
    unchanged: bool = False
    changes: ImportChanges | None = None
    said: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


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
                  rows: Sequence[RowCorrection] = ()) -> ImportReview:
    """`source` parsed for the actor's ward with the reviewer's `rows` applied. Writes nothing. Raises
    ForbiddenError for someone who may not import."""
    require(actor, Action.CREATE, org_id=actor.org_id)
    parsed = parse_for_ward(session, clock=clock, actor=actor, text=source.text)
    earlier = earlier_import(session, org_id=actor.org_id, source=source, parsed=parsed)
    review = ImportReview(source=source, parsed=parsed, preview=preview_import(parsed, file_name=source.file_name,
                                                                               reading=source), earlier=earlier)
    if earlier is not None:
        review.unchanged = same_words(earlier, source)
        if not review.unchanged:
            review.changes = plan_reimport(session, actor=actor, document=earlier, parsed=parsed)
        return review
    _correct(session, clock, actor, review, rows)
    review.preview = preview_import(parsed, file_name=source.file_name, reading=source)
    parsed.tasks = [t for t in parsed.tasks if t.ref not in review.skipped]
    review.problems += _problems(session, actor, parsed, file_name=source.file_name,
                                 had_tasks=bool(review.preview.tasks))
    return review


def save_import(session: Session, *, clock: Clock, actor: Person, source: DocumentText,
                rows: Sequence[RowCorrection] = (), channel: str = "web") -> SourceDocument:
    """Store the reviewed upload: its tasks (import_document), or the changes of a corrected version
    (apply_reimport); a document imported before that says the same creates nothing. Returns the
    document. Raises InvalidInputError with the first problem (an owner not chosen, a date that does not
    exist, a correction not understood) before anything is written, ForbiddenError as the use cases do."""
    review = review_import(session, clock=clock, actor=actor, source=source, rows=rows)
    if review.problems:
        raise InvalidInputError(review.problems[0])
    if review.earlier is not None:
        if not review.unchanged:
            apply_reimport(session, clock=clock, actor=actor, document=review.earlier, source=source,
                           parsed=review.parsed, channel=channel)
        return review.earlier
    return import_document(session, clock=clock, actor=actor, source=source, parsed=review.parsed,
                           channel=channel).document


def _correct(session: Session, clock: Clock, actor: Person, review: ImportReview,
             rows: Sequence[RowCorrection]) -> None:
    units = unit_directory(session, org_id=actor.org_id)
    on = review.parsed.issued or ward_today(session, clock, actor.org_id)
    found = {task.ref: task for task in review.parsed.tasks}
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
                review.problems.append(error.message)


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


def _problems(session: Session, actor: Person, parsed: ParsedDocument, *, file_name: str, had_tasks: bool
              ) -> list[str]:
    if not had_tasks:
        return [nothing_to_store(file_name)]
    problems = []
    if not parsed.tasks:
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
