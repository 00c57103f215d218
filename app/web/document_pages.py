"""Văn bản: the imported documents with their task counts and an undo with a reason; a file uploaded, read in
a bounded child process, shown as the command line shows it (an editable row per task: owner, coordinating
units, deadline, title, skip; what needs a look marked with the reason), and saved as tasks; a corrected
version of a document imported before shows the same rows, what saving changes, and the tasks it would
cancel, each of which may be kept. The reading and every rule are the use cases'
(tracker.usecases.import_review); this module only carries the form."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from app.web.views import page
from app.web.visit import Upload, UploadTooLarge, Visit, as_signed_in, as_signed_in_upload
from tracker.errors import InvalidInputError
from tracker.importer.isolation import read_document_isolated
from tracker.importer.model import ALL_UNITS, DOCUMENT_KIND_WORDS
from tracker.importer.reading import DocumentText, ImportFileError
from tracker.usecases.coordinators import OUTSIDE_FIELD
from tracker.usecases.import_preview import ALL_UNITS_WORDS
from tracker.usecases.import_review import (
    ImportReview,
    RowCorrection,
    imported_documents,
    review_import,
    save_import,
    upload_limit,
)
from tracker.usecases.pending_uploads import drop_upload, keep_upload, load_upload
from tracker.usecases.reimports import imported_words, undo_import
from tracker.usecases.units import list_units

CHANNEL = "web"
ACCEPT = ".docx,.doc,.odt,.rtf,.pdf,.txt,.xlsx,.jpg,.jpeg,.png,.tif,.tiff"
MAX_ROWS = 2000  # the review form carries seven fields a row, and a box for each task a correction cancels
REVIEW_FORM_BYTES = 8 * 1024 * 1024


def _common(visit: Visit) -> dict[str, object]:
    return {"person": visit.actor, "org": visit.org, "csrf": visit.csrf, "active": "documents"}


def _limit(visit: Visit) -> int:
    return upload_limit(visit.session, actor=visit.actor)


async def documents(request: Request) -> Response:
    """GET /van-ban: the imported documents and the upload form, for those who may import (403 otherwise)."""
    return await as_signed_in(request, lambda visit: HTMLResponse(documents_html(visit, message=_done(visit))))


def documents_html(visit: Visit, *, message: str = "", failed: bool = False) -> str:
    """The documents page with a line saying what just happened (or, `failed`, what went wrong)."""
    rows = imported_documents(visit.session, actor=visit.actor)
    return page("documents.html.j2", **_common(visit), rows=rows, message=message, failed=failed, accept=ACCEPT,
                kind_words=DOCUMENT_KIND_WORDS, max_mb=upload_limit(visit.session, actor=visit.actor) // (1024 * 1024))


def _done(visit: Visit) -> str:
    if visit.query.get("xong") != "huy-nhap":
        return ""
    cancelled, kept = visit.query.get("huy", "0"), visit.query.get("giu", "0")
    kept_words = f", giữ {kept} nhiệm vụ đã có kết quả hoặc đã hoàn thành" if kept not in ("", "0") else ""
    return f"Đã hủy việc nhập văn bản: hủy {cancelled} nhiệm vụ{kept_words}."


async def upload(request: Request) -> Response:
    """POST /van-ban/tai-len (multipart, field "tep"): the file's preview, or the documents page saying in one
    line why it was refused (400; 413 for a file over the ward's upload_max_mb, refused before it is read)."""

    def refused(visit: Visit, error: UploadTooLarge) -> Response:
        return HTMLResponse(documents_html(visit, message=error.message, failed=True), status_code=413)

    return await as_signed_in_upload(request, limit=_limit, prepare=_read, work=_preview_upload, refused=refused)


def _read(upload: Upload) -> DocumentText | ImportFileError:
    """The file's text, read in the bounded child process (outside any transaction), or why not."""
    if not upload.file_name:
        return ImportFileError("Hãy chọn tệp văn bản cần nhập.", "no_file")
    try:
        return read_document_isolated(data=upload.data, name=upload.file_name, max_bytes=len(upload.data) or 1)
    except ImportFileError as error:
        return error


def _preview_upload(visit: Visit, read: DocumentText | ImportFileError) -> Response:
    if isinstance(read, ImportFileError):
        return HTMLResponse(documents_html(visit, message=read.message, failed=True), status_code=400)
    review = review_import(visit.session, clock=visit.clock, actor=visit.actor, source=read)
    # Kept only when there is something to save: new tasks, or the changes of a corrected version.
    worth_saving = not review.unchanged if review.earlier is not None else bool(review.preview.tasks)
    token = (keep_upload(visit.session, clock=visit.clock, actor=visit.actor, csrf=visit.csrf, source=read)
             if worth_saving else "")
    return HTMLResponse(preview_html(visit, review, token))


def preview_html(visit: Visit, review: ImportReview, token: str, *, error: str = "") -> str:
    """The preview of an upload: the rows to check and correct, or what a document imported before would
    change, with `error` saying why saving was refused."""
    ward_units = list_units(visit.session, org_id=visit.org.id or 0)
    earlier = review.earlier
    return page("document_preview.html.j2", **_common(visit), review=review, p=review.preview, token=token,
                units=[u.name for u in ward_units], short_names=[(u.short_name, u.name) for u in ward_units],
                all_units=ALL_UNITS, all_units_words=ALL_UNITS_WORDS, error=error, outside_field=OUTSIDE_FIELD,
                imported=imported_words(earlier) if earlier is not None else "",
                change_lines=review.changes.lines() if review.changes is not None else [])


async def save(request: Request) -> Response:
    """POST /van-ban/luu: "luu" stores the previewed upload with the rows' corrections and goes to its tasks
    (303 to /nhiem-vu?van_ban=ID); "xem-lai" shows the preview again with them; "huy" forgets the upload. A
    refusal shows the preview again with the reason (400)."""

    def work(visit: Visit) -> Response:
        token, step = visit.form.get("phien", ""), visit.form.get("thao_tac", "")
        if step == "huy":
            drop_upload(visit.session, token=token)
            return RedirectResponse("/van-ban", status_code=303)
        source = load_upload(visit.session, clock=visit.clock, actor=visit.actor, csrf=visit.csrf,
                             token=token)
        rows, keep = _rows(visit), _kept(visit)
        if step == "luu":
            try:
                document = save_import(visit.session, clock=visit.clock, actor=visit.actor, source=source, rows=rows,
                                       keep=keep, channel=CHANNEL)
            except InvalidInputError as error:
                visit.session.rollback()  # nothing of a refused save is kept
                review = review_import(visit.session, clock=visit.clock, actor=visit.actor, source=source, rows=rows,
                                       keep=keep)
                return HTMLResponse(preview_html(visit, review, token, error=error.message), status_code=400)
            drop_upload(visit.session, token=token)
            return RedirectResponse(f"/nhiem-vu?{urlencode({'van_ban': document.id})}", status_code=303)
        review = review_import(visit.session, clock=visit.clock, actor=visit.actor, source=source, rows=rows,
                               keep=keep)
        return HTMLResponse(preview_html(visit, review, token))

    return await as_signed_in(request, work, max_bytes=REVIEW_FORM_BYTES, max_fields=10 + 8 * MAX_ROWS)


def _rows(visit: Visit) -> list[RowCorrection]:
    """The review table's rows as posted: ma_N (the task's ref), don_vi_N, phoi_hop_N and ngoai_N (the
    coordinating units of the ward and outside it; absent, they leave the row's as found), han_N,
    noi_dung_N, bo_N."""
    form = visit.form
    count = form.get("so_dong", "0")
    if not count.isdigit() or int(count) > MAX_ROWS:
        raise InvalidInputError("Bảng nhiệm vụ gửi lên không đọc được; hãy tải tệp lên lại.")
    return [RowCorrection(ref=form.get(f"ma_{n}", ""), owner=form.get(f"don_vi_{n}", ""),
                          deadline=form.get(f"han_{n}", ""), title=form.get(f"noi_dung_{n}", ""),
                          skip=form.get(f"bo_{n}") == "1", coordinators=form.get(f"phoi_hop_{n}"),
                          outside=form.get(f"ngoai_{n}"))
            for n in range(int(count)) if form.get(f"ma_{n}")]


def _kept(visit: Visit) -> set[int]:
    """The tasks a corrected version no longer has that the reviewer keeps: giu_<task id>=1."""
    return {int(name[4:]) for name, value in visit.form.items()
            if name.startswith("giu_") and name[4:].isdigit() and value == "1"}


async def undo(request: Request) -> Response:
    """POST /van-ban/{id}/huy-nhap: cancel the document's tasks with the reason given ("giu": keep those with
    reported results and cancel the rest); back to the list saying how many (303)."""
    document_id = int(request.path_params["document_id"])

    def work(visit: Visit) -> Response:
        try:
            cancelled, kept = undo_import(visit.session, clock=visit.clock, actor=visit.actor, document_id=document_id,
                                          reason=visit.form.get("ly_do", ""), force=visit.form.get("giu") == "1",
                                          channel=CHANNEL)
        except InvalidInputError as error:
            hint = " Trên trang này: đánh dấu «Giữ nhiệm vụ đã có kết quả» rồi hủy lại."
            return HTMLResponse(documents_html(visit, message=error.message + hint, failed=True), status_code=400)
        query = urlencode({"xong": "huy-nhap", "huy": len(cancelled), "giu": len(kept)})
        return RedirectResponse(f"/van-ban?{query}", status_code=303)

    return await as_signed_in(request, work)


ROUTES = [
    Route("/van-ban", documents),
    Route("/van-ban/tai-len", upload, methods=["POST"]),
    Route("/van-ban/luu", save, methods=["POST"]),
    Route("/van-ban/{document_id:int}/huy-nhap", undo, methods=["POST"]),
]
