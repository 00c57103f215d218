"""The web console's Văn bản page over HTTP: a notice uploaded, read, previewed as an editable table,
corrected (owner, coordinating units, deadline, title, skip) and saved as tasks audited as web; a corrected
version's rows edited the same way, with the tasks it would cancel kept on request; a file of the wrong type
or over the ward's limit refused in one line with nothing stored; the page refused to a unit head and to a
form without the session's token; the same file again creating nothing; an import undone with its reason."""

from __future__ import annotations

import re
import shutil
import unicodedata
from html.parser import HTMLParser

import pytest
from browser_helpers import OVERFLOW, UNLABELLED, needs_chromium, phone_page, sign_in
from builders import unit
from outbox_helpers import ward_with_chats
from scanned_pages import as_png, draw_page, font_missing_reason, page_lines, scanned
from sqlmodel import select
from web_helpers import form_token, running_console, sign_in_code, signed_in_client, someone, visible_text

from tracker.models import AuditEvent, Organization, SourceDocument, Task, TaskStatus
from tracker.usecases import record_update
from tracker.usecases.task_details import task_details

SEED = "004_43a30539afeed7f9.txt"
BOUND = ("van-thu", "tp-vhxh", "chu-tich", "quan-tri")


@pytest.fixture
def ward(session, clock) -> int:
    return ward_with_chats(session, clock, BOUND)


@pytest.fixture
def notice(shared_dir) -> bytes:
    return (shared_dir / "seeds" / SEED).read_bytes()


class FormFields(HTMLParser):
    """The fields a browser would post from the page's form with `action`: inputs, checked boxes, selected
    options and textareas."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name") and (a.get("type") != "checkbox" or "checked" in a):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.fields[self._textarea] = ""

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._textarea:
            self.fields[self._textarea] += data


def review_form(html: str) -> dict[str, str]:
    reader = FormFields("/van-ban/luu")
    reader.feed(html)
    return reader.fields


def row_of(fields: dict[str, str], ref: str) -> str:
    return next(name[3:] for name, value in fields.items() if name.startswith("ma_") and value == ref)


def upload(browser, name: str, data: bytes, token: str | None = None):  # type: ignore[no-untyped-def]
    token = token if token is not None else form_token(browser.get("/van-ban").text)
    return browser.post("/van-ban/tai-len", data={"csrf": token}, files={"tep": (name, data, "text/plain")})


def stored(session) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    counts = len(session.exec(select(SourceDocument)).all()), len(session.exec(select(Task)).all())
    session.commit()
    return counts


def test_an_uploaded_notice_is_previewed_corrected_and_saved_as_tasks_audited_as_web(
        engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        preview = upload(b, "thong-bao-004.txt", notice)
        assert preview.status_code == 200, preview.text
        text = visible_text(preview.text)
        assert "thông báo kết luận, ngày 07/05/2026 — 38 nhiệm vụ" in text
        assert "Văn bản chưa ghi số" in text and "Hạn mặc định 31/05/2026" in text
        fields = review_form(preview.text)
        assert fields["so_dong"] == "38"
        row = row_of(fields, "2.3.4")
        assert fields[f"don_vi_{row}"] == "Văn phòng HĐND và UBND"
        fields[f"don_vi_{row}"] = "Phòng Kinh tế, Hạ tầng và Đô thị"
        fields[f"bo_{row_of(fields, '2.7.4')}"] = "1"
        looked = b.post("/van-ban/luu", data={**fields, "thao_tac": "xem-lai"})
        assert looked.status_code == 200
        assert "Nhiệm vụ 2.3.4: đơn vị chủ trì là Phòng Kinh tế, Hạ tầng và Đô thị." in visible_text(looked.text)
        saved = b.post("/van-ban/luu", data={**review_form(looked.text), "thao_tac": "luu"})
        assert saved.status_code == 303, saved.text
        document = session.exec(select(SourceDocument)).one()
        assert saved.headers["location"] == f"/nhiem-vu?van_ban={document.id}"
        tasks = session.exec(select(Task).where(Task.source_document_id == document.id)).all()
        fixed = next(t for t in tasks if t.item_ref == "2.3.4")
        assert fixed.owner_unit_id == unit(session, ward, "kthtdt").id
        assert not [t for t in tasks if t.item_ref == "2.7.4"]
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "task",
                                                       AuditEvent.action == "create")).all()
        session.commit()
        assert {e.entity_id for e in events} == {t.id for t in tasks}
        assert {(e.channel, e.actor_id) for e in events} == {("web", clerk.id)}
        listing = b.get(saved.headers["location"])
        assert listing.status_code == 200 and "Tập trung rà soát các thửa đất" in listing.text


def test_a_preview_made_by_one_service_process_is_saved_by_another(engine, session, clock, ward, notice):
    # Why: the preview's text was kept in one process's temporary folder, so behind a proxy balancing
    # several `tracker serve` processes the save reached a process that had never seen it.
    clerk_id = someone(session, ward, "van-thu").id
    documents, tasks = stored(session)
    with running_console(engine, clock) as first, running_console(engine, clock) as second, \
            signed_in_client(first, session, clerk_id, "van-thu") as b:
        fields = review_form(upload(b, "004.txt", notice).text)
        saved = b.post(f"{second}/van-ban/luu", data={**fields, "thao_tac": "luu"})
        assert saved.status_code == 303, saved.text
        again = b.post(f"{second}/van-ban/luu", data={**fields, "thao_tac": "luu"})
        assert again.status_code == 400 and "Bản xem trước đã hết hạn hoặc không còn" in visible_text(again.text)
    documents_after, tasks_after = stored(session)
    assert documents_after == documents + 1 and tasks_after >= tasks + 38  # an item for every unit makes several


def save_with(browser, notice: bytes, ref: str, field: str, value: str):  # type: ignore[no-untyped-def]
    """Upload the notice, type `value` in the `field` column of the row `ref`, and save: the answer, the
    fields sent and the row's number."""
    fields = review_form(upload(browser, "004.txt", notice).text)
    row = row_of(fields, ref)
    fields[f"{field}_{row}"] = value
    return browser.post("/van-ban/luu", data={**fields, "thao_tac": "luu"}), fields, row


def test_a_deadline_that_does_not_exist_is_refused_on_saving_and_the_table_comes_back_with_the_reason(
        engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        refused, fields, row = save_with(b, notice, "2.2.4", "han", "hoàn thành trước ngày 31/02/2026")
        assert refused.status_code == 400
        assert "Thời hạn của nhiệm vụ 2.2.4 là ngày không có thật" in visible_text(refused.text)
        again = review_form(refused.text)
        assert again[f"han_{row}"] == "hoàn thành trước ngày 31/02/2026"
        assert again["phien"] == fields["phien"]
    assert stored(session) == (0, 0)


@pytest.mark.skipif(shutil.which("tesseract") is None or font_missing_reason() is not None,
                    reason="tesseract or the DejaVu font is missing (.ci/run installs them)")
def test_a_scanned_page_is_read_by_ocr_and_the_preview_says_so_with_its_confidence(
        engine, session, clock, ward, notice):
    first_page = page_lines(notice.decode("utf-8"))[0]
    scan = as_png(scanned(draw_page(first_page)))
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        preview = upload(b, "trang-1.png", scan)
    assert preview.status_code == 200, preview.text
    text = visible_text(preview.text)
    assert re.search(r"Lưu ý: Chữ được nhận dạng từ ảnh \(OCR\) 1 trang, độ tin cậy trung bình \d", text), text[:2000]
    assert review_form(preview.text)["so_dong"] != "0"
    assert stored(session) == (0, 0)


TABLE = ("KẾ HOẠCH\nPhụ lục: Danh mục nhiệm vụ\nSTT\tNhiệm vụ\tĐơn vị chủ trì\tĐơn vị phối hợp\tThời hạn\n"
         "1\tRà soát các hộ kinh doanh trong chợ Láng\tBan Quản lý chợ\t\t30/6/2026\n"
         "2\tTổ chức hội diễn văn nghệ chào mừng Quốc khánh\tPhòng Văn hóa - Xã hội\t\tTháng 8/2026\n")


def test_an_owner_the_ward_does_not_know_is_highlighted_refused_until_chosen_and_then_learned(
        engine, session, clock, ward):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        preview = upload(b, "bang-nhiem-vu.txt", TABLE.encode())
        row_html = re.search(r'<tr class="needs-review">.*?</tr>', preview.text, re.S)
        assert row_html and 'name="ma_0" value="1"' in row_html.group(0)
        assert "Chưa rõ đơn vị chủ trì." in row_html.group(0)
        assert "Không nhận ra đơn vị chủ trì «Ban Quản lý chợ»; cần chọn đơn vị." in row_html.group(0)
        fields = review_form(preview.text)
        assert fields["don_vi_0"] == ""
        refused = b.post("/van-ban/luu", data={**fields, "thao_tac": "luu"})
        assert refused.status_code == 400 and "Chưa rõ đơn vị chủ trì của nhiệm vụ 1" in refused.text
        assert stored(session) == (0, 0)
        fields["don_vi_0"] = "Trung tâm Dịch vụ sự nghiệp công"
        assert b.post("/van-ban/luu", data={**fields, "thao_tac": "luu"}).status_code == 303
    owner = session.exec(select(Task).where(Task.item_ref == "1")).one().owner_unit_id
    centre = unit(session, ward, "ttdvsnc")
    session.commit()
    assert owner == centre.id and "Ban Quản lý chợ" in centre.learned_aliases


def test_a_document_without_tasks_says_so_and_offers_nothing_to_save(engine, session, clock, ward):
    invitation = "GIẤY MỜI\nỦy ban nhân dân phường trân trọng kính mời đồng chí dự họp lúc 8 giờ ngày 20/5/2026.\n"
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        preview = b.post("/van-ban/tai-len", data={"csrf": form_token(b.get("/van-ban").text)},
                         files={"tep": ("giay-moi.txt", invitation.encode(), "text/plain")})
    assert preview.status_code == 200
    assert "Văn bản «giay-moi.txt» không có nhiệm vụ nào nên không lưu gì." in preview.text
    assert 'action="/van-ban/luu"' not in preview.text
    assert stored(session) == (0, 0)


def test_the_same_file_uploaded_again_is_recognised_and_creates_nothing(engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        first = upload(b, "004.txt", notice)
        assert b.post("/van-ban/luu", data={**review_form(first.text), "thao_tac": "luu"}).status_code == 303
        before = stored(session)
        again = upload(b, "ban-sao-004.txt", notice)
        assert again.status_code == 200
        assert "Văn bản này đã nhập ngày 18/05/2026" in again.text
        assert "Không có gì thay đổi, không tạo gì thêm." in again.text
        assert "/van-ban/luu" not in again.text
    assert stored(session) == before


def test_a_corrected_version_shows_what_it_changes_and_applying_it_updates_the_tasks(
        engine, session, clock, ward, notice):
    corrected = notice.replace("hoạt động hoàn thành trước **ngày 15/5/2026**".encode(),
                               "hoạt động hoàn thành trước **ngày 22/5/2026**".encode())
    assert corrected != notice
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        first = upload(b, "004.txt", notice)
        assert b.post("/van-ban/luu", data={**review_form(first.text), "thao_tac": "luu"}).status_code == 303
        before = stored(session)
        again = upload(b, "004-sua.txt", corrected)
        text = visible_text(again.text)
        assert "Văn bản này đã nhập ngày 18/05/2026" in text and "0 nhiệm vụ mới, 1 nhiệm vụ sửa, 0 nhiệm vụ bỏ" in text
        assert "~ 2.2.4" in text and "22/05/2026" in text
        applied = b.post("/van-ban/luu", data={**review_form(again.text), "thao_tac": "luu"})
        assert applied.status_code == 303
    assert stored(session) == before
    task = session.exec(select(Task).where(Task.item_ref == "2.2.4")).one()
    session.commit()
    assert task.due_on.isoformat() == "2026-05-22"


def test_a_file_of_the_wrong_type_or_over_the_wards_limit_is_refused_in_one_line_and_nothing_is_stored(
        engine, session, clock, ward, notice):
    org = session.get(Organization, ward)
    org.policy = {**(org.policy or {}), "upload_max_mb": 1}
    session.add(org)
    session.commit()
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        wrong = upload(b, "thong-bao.docx", notice)
        assert wrong.status_code == 400
        assert re.search(r'class="error" role="alert">[^<]*thong-bao\.docx[^<]*</p>', wrong.text), wrong.text
        exe = upload(b, "thong-bao.exe", b"MZ\x90\x00 not a document")
        assert exe.status_code == 400 and 'class="error"' in exe.text
        big = upload(b, "thong-bao.txt", notice + b" " * (2 * 1024 * 1024))
        assert big.status_code == 413
        assert "Tệp lớn hơn mức 1 MB mà phường cho phép" in visible_text(big.text)
        token = form_token(b.get("/van-ban").text)
        streamed = b.post("/van-ban/tai-len", content=_chunked_form(token, 2 * 1024 * 1024),
                          headers={"content-type": "multipart/form-data; boundary=ranh-gioi"})
        assert streamed.status_code == 413
    assert stored(session) == (0, 0)


def _chunked_form(token: str, size: int):  # type: ignore[no-untyped-def]
    """A multipart body sent in chunks, without a Content-Length: only counting the bytes can stop it."""
    yield (f'--ranh-gioi\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n'
           '--ranh-gioi\r\nContent-Disposition: form-data; name="tep"; filename="lon.txt"\r\n'
           'Content-Type: text/plain\r\n\r\n').encode()
    for _ in range(size // 65536):
        yield b"a" * 65536
    yield b"\r\n--ranh-gioi--\r\n"


def test_a_unit_head_is_refused_the_page_and_the_upload(engine, session, clock, ward, notice):
    head = someone(session, ward, "tp-vhxh")
    with running_console(engine, clock) as address, signed_in_client(address, session, head.id, "tp-vhxh") as b:
        assert "/van-ban" not in b.get("/").text
        assert b.get("/van-ban").status_code == 403
        token = form_token(b.get("/").text)
        refused = upload(b, "004.txt", notice, token=token)
        assert refused.status_code == 403 and "không có quyền" in refused.text
        assert b.post("/van-ban/1/huy-nhap", data={"csrf": token, "ly_do": "thử"}).status_code == 403
    assert stored(session) == (0, 0)


def test_a_form_without_the_sessions_token_is_refused_and_stores_nothing(engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        forged = upload(b, "004.txt", notice, token="khong-phai-ma-nay")
        assert forged.status_code == 400 and "Biểu mẫu đã cũ" in forged.text
        fields = review_form(upload(b, "004.txt", notice).text)
        refused = b.post("/van-ban/luu", data={**fields, "csrf": "khong-phai-ma-nay", "thao_tac": "luu"})
        assert refused.status_code == 400
    assert stored(session) == (0, 0)


def test_an_uploads_preview_can_be_saved_only_from_the_session_that_uploaded_it(
        engine, session, clock, ward, notice):
    clerk, admin = someone(session, ward, "van-thu"), someone(session, ward, "quan-tri")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        fields = review_form(upload(b, "004.txt", notice).text)
        with signed_in_client(address, session, admin.id, "quan-tri") as other:
            token = form_token(other.get("/van-ban").text)
            refused = other.post("/van-ban/luu", data={**fields, "csrf": token, "thao_tac": "luu"})
        assert refused.status_code == 400 and "Bản xem trước đã hết hạn hoặc không còn" in refused.text
        assert stored(session) == (0, 0)
        assert b.post("/van-ban/luu", data={**fields, "thao_tac": "luu"}).status_code == 303


def test_an_import_is_undone_with_its_reason_from_the_list(engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        first = upload(b, "004.txt", notice)
        assert b.post("/van-ban/luu", data={**review_form(first.text), "thao_tac": "luu"}).status_code == 303
        document = session.exec(select(SourceDocument)).one()
        session.commit()
        listing = b.get("/van-ban")
        assert f'action="/van-ban/{document.id}/huy-nhap"' in listing.text
        assert "thông báo kết luận chưa có số" in visible_text(listing.text)
        undone = b.post(f"/van-ban/{document.id}/huy-nhap",
                        data={"csrf": form_token(listing.text), "ly_do": "Nhập nhầm bản dự thảo"})
        assert undone.status_code == 303
        after = b.get(undone.headers["location"]).text
        assert "Đã hủy việc nhập văn bản: hủy" in after and "đã hủy nhập" in after
    session.expire_all()
    tasks = session.exec(select(Task).where(Task.source_document_id == document.id)).all()
    assert tasks and {t.status for t in tasks} == {TaskStatus.CANCELLED}
    assert {t.status_reason for t in tasks} == {"Nhập nhầm bản dự thảo"}
    undo = session.exec(select(AuditEvent).where(AuditEvent.entity == "source_document",
                                                 AuditEvent.action == "undo")).one()
    assert (undo.channel, undo.actor_id) == ("web", clerk.id)


@needs_chromium
def test_a_clerk_on_a_phone_uploads_the_notice_picks_another_owner_and_coordinators_and_saves(
        engine, session, clock, ward, shared_dir, tmp_path):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, phone_page() as page:
        sign_in(page, address, "/van-ban", "van-thu", lambda: sign_in_code(session, clerk.id))
        assert page.evaluate(UNLABELLED) == [] and page.evaluate(OVERFLOW) <= 0
        page.get_by_label("Tệp thông báo kết luận").set_input_files(shared_dir / "seeds" / SEED)
        page.get_by_role("button", name="Đọc và xem trước").click()
        page.wait_for_url(address + "/van-ban/tai-len")
        assert "38 nhiệm vụ" in page.inner_text("main")
        # Why: the review table's hidden labels, placed at the page's edge, once made it 776 px wide.
        assert page.evaluate(UNLABELLED) == [] and page.evaluate(OVERFLOW) <= 0
        page.get_by_label("Đơn vị chủ trì của nhiệm vụ 2.3.4").select_option("Phòng Kinh tế, Hạ tầng và Đô thị")
        page.get_by_label("Đơn vị phối hợp của nhiệm vụ 2.3.4").fill("CA; TYT")
        page.get_by_role("button", name="Lưu các nhiệm vụ").click()
        page.wait_for_url(re.compile(r".*/nhiem-vu\?van_ban=\d+$"))
        # A corrected version: its rows, the changes column and the tasks it would cancel, on the same phone.
        corrected = tmp_path / "004-sua.txt"
        corrected.write_bytes(corrected_version((shared_dir / "seeds" / SEED).read_bytes()))
        page.goto(address + "/van-ban")
        page.get_by_label("Tệp thông báo kết luận").set_input_files(corrected)
        page.get_by_role("button", name="Đọc và xem trước").click()
        page.wait_for_url(address + "/van-ban/tai-len")
        assert "Nhiệm vụ không còn trong bản sửa đổi" in page.inner_text("main")
        assert page.evaluate(UNLABELLED) == [] and page.evaluate(OVERFLOW) <= 0
    session.expire_all()
    fixed = session.exec(select(Task).where(Task.item_ref == "2.3.4")).one()
    assert fixed.owner_unit_id == unit(session, ward, "kthtdt").id
    assert fixed.coordinating_unit_ids == [unit(session, ward, "ca").id, unit(session, ward, "tyt").id]


def test_undoing_an_import_whose_task_has_a_result_asks_to_keep_it_and_then_keeps_it(
        engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        first = upload(b, "004.txt", notice)
        assert b.post("/van-ban/luu", data={**review_form(first.text), "thao_tac": "luu"}).status_code == 303
        reported = session.exec(select(Task).where(Task.item_ref == "2.2.4")).one()
        record_update(session, clock=clock, actor=someone(session, ward, "tp-vhxh"), task_id=reported.id,
                      result_text="Đã thành lập Ban quản lý Quỹ khuyến học.")
        session.commit()
        document_id = reported.source_document_id
        token = form_token(b.get("/van-ban").text)
        refused = b.post(f"/van-ban/{document_id}/huy-nhap", data={"csrf": token, "ly_do": "Nhập nhầm"})
        assert refused.status_code == 400
        assert "1 nhiệm vụ của văn bản này đã có báo cáo kết quả" in refused.text
        assert "Giữ nhiệm vụ đã có kết quả" in refused.text
        kept = b.post(f"/van-ban/{document_id}/huy-nhap", data={"csrf": token, "ly_do": "Nhập nhầm", "giu": "1"})
        assert kept.status_code == 303
        assert "giữ 1 nhiệm vụ đã có kết quả hoặc đã hoàn thành" in b.get(kept.headers["location"]).text
    session.expire_all()
    assert session.get(Task, reported.id).status == TaskStatus.OPEN
    others = session.exec(select(Task).where(Task.source_document_id == document_id, Task.id != reported.id)).all()
    assert others and {t.status for t in others} == {TaskStatus.CANCELLED}


def saved_task(session, ref: str) -> Task:  # type: ignore[no-untyped-def]
    """The open task an item gave, read after the console changed it."""
    session.expire_all()
    task = session.exec(select(Task).where(Task.item_ref == ref, Task.status == TaskStatus.OPEN)).one()
    session.commit()
    return task


def coordinating(session, clerk, ref: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    """A task's coordinating units and bodies, as the task page lists them."""
    names = task_details(session, actor=clerk, task_id=saved_task(session, ref).id).coordinating
    session.commit()
    return names


def test_the_clerk_changes_a_rows_coordinators_and_the_saved_task_has_them(engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        preview = upload(b, "004.txt", notice)
        fields = review_form(preview.text)
        first, second, outside = row_of(fields, "2.1.3"), row_of(fields, "2.4.2"), row_of(fields, "2.6.5a")
        assert fields[f"phoi_hop_{first}"] == "Trung tâm Dịch vụ sự nghiệp công"
        assert (fields[f"phoi_hop_{outside}"], fields[f"ngoai_{outside}"]) == ("", "PCCC Khu vực 5")
        # Short names and aliases, separated by a comma; bodies outside the ward by a semicolon.
        fields[f"phoi_hop_{first}"] = "CA, vhxh"
        fields[f"ngoai_{first}"] = "Hội Nông dân phường; Đoàn Thanh niên phường"
        fields[f"phoi_hop_{second}"] = ""
        looked = b.post("/van-ban/luu", data={**fields, "thao_tac": "xem-lai"})
        assert looked.status_code == 200
        text = visible_text(looked.text)
        assert ("Nhiệm vụ 2.1.3: phối hợp với Công an phường; Phòng Văn hóa - Xã hội; Hội Nông dân phường; "
                "Đoàn Thanh niên phường.") in text
        assert "Nhiệm vụ 2.4.2: không có đơn vị phối hợp." in text
        again = review_form(looked.text)
        assert again[f"phoi_hop_{first}"] == "Công an phường; Phòng Văn hóa - Xã hội"
        saved = b.post("/van-ban/luu", data={**again, "thao_tac": "luu"})
        assert saved.status_code == 303, saved.text
        assert coordinating(session, clerk, "2.1.3") == (
            "Công an phường", "Phòng Văn hóa - Xã hội", "Hội Nông dân phường", "Đoàn Thanh niên phường")
        assert coordinating(session, clerk, "2.4.2") == ()
        assert coordinating(session, clerk, "2.6.5a") == ("PCCC Khu vực 5",)
        task_page = visible_text(b.get(f"/nhiem-vu/{saved_task(session, '2.1.3').id}").text)
        assert "Đơn vị phối hợp Công an phường, Phòng Văn hóa - Xã hội, Hội Nông dân phường" in task_page


def test_a_coordinating_unit_the_ward_does_not_have_is_refused_on_its_row_and_nothing_is_saved(
        engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        refused, _fields, row = save_with(b, notice, "2.1.3", "phoi_hop", "Công an; Phòng VHXX")
        assert refused.status_code == 400
        said = ("Nhiệm vụ 2.1.3: «Phòng VHXX» không phải đơn vị của phường (có phải Phòng Văn hóa - Xã hội?). "
                "Cơ quan ngoài phường ghi ở ô «Cơ quan ngoài phường».")
        row_html = re.search(r'<tr class="needs-review">\s*<td>2\.1\.3<.*?</tr>', refused.text, re.S)
        assert row_html and visible_text(row_html.group(0)).count(said) == 1
        assert unicodedata.is_normalized("NFC", row_html.group(0))
        # What the clerk typed comes back to be fixed, not what the importer found.
        assert review_form(refused.text)[f"phoi_hop_{row}"] == "Công an; Phòng VHXX"
    assert stored(session) == (0, 0)


def corrected_version(notice: bytes) -> bytes:
    """The notice with 2.2.4's deadline moved and the last items of 2.1 and 2.4 gone."""
    gone = ("- Chủ động tham mưu giải quyết dứt điểm các đơn thư", "- Đề xuất các sáng kiến, giải pháp đổi mới")
    lines = [line for line in notice.decode("utf-8").splitlines(keepends=True) if not line.startswith(gone)]
    text = "".join(lines).replace("hoạt động hoàn thành trước **ngày 15/5/2026**",
                                  "hoạt động hoàn thành trước **ngày 22/5/2026**")
    return text.encode("utf-8")


def test_a_corrected_versions_rows_are_edited_skipped_and_kept_like_a_new_imports_and_saving_applies_them(
        engine, session, clock, ward, notice):
    clerk = someone(session, ward, "van-thu")
    with running_console(engine, clock) as address, signed_in_client(address, session, clerk.id, "van-thu") as b:
        first = upload(b, "004.txt", notice)
        assert b.post("/van-ban/luu", data={**review_form(first.text), "thao_tac": "luu"}).status_code == 303
        kept, dropped = saved_task(session, "2.1.5").id, saved_task(session, "2.4.4").id
        preview = upload(b, "004-sua.txt", corrected_version(notice))
        text = visible_text(preview.text)
        assert "Thay đổi khi lưu: 0 nhiệm vụ mới, 1 nhiệm vụ sửa, 2 nhiệm vụ bỏ" in text
        assert f"Sẽ sửa nhiệm vụ số {saved_task(session, '2.2.4').id}: nội dung, thời hạn" in text
        assert "Nhiệm vụ không còn trong bản sửa đổi" in text
        fields = review_form(preview.text)
        assert fields["so_dong"] == "36"
        fields[f"phoi_hop_{row_of(fields, '2.1.3')}"] = "CA"
        fields[f"don_vi_{row_of(fields, '2.3.4')}"] = "Phòng Kinh tế, Hạ tầng và Đô thị"
        fields[f"han_{row_of(fields, '2.3.4')}"] = "hoàn thành trước ngày 30/6/2026"
        fields[f"bo_{row_of(fields, '2.2.4')}"] = "1"
        fields[f"giu_{kept}"] = "1"
        looked = b.post("/van-ban/luu", data={**fields, "thao_tac": "xem-lai"})
        assert looked.status_code == 200
        text = visible_text(looked.text)
        assert "Thay đổi khi lưu: 0 nhiệm vụ mới, 2 nhiệm vụ sửa, 1 nhiệm vụ bỏ" in text
        assert "Bỏ qua: các nhiệm vụ đã có của dòng này giữ nguyên, không thêm gì." in text
        applied = b.post("/van-ban/luu", data={**review_form(looked.text), "thao_tac": "luu"})
        assert applied.status_code == 303, applied.text
    assert coordinating(session, clerk, "2.1.3") == ("Công an phường",)
    moved = saved_task(session, "2.3.4")
    assert (moved.owner_unit_id, moved.due_on.isoformat()) == (unit(session, ward, "kthtdt").id, "2026-06-30")
    # Why: skipping a row of a corrected version once meant dropping its item, which cancelled its task.
    assert saved_task(session, "2.2.4").due_on.isoformat() == "2026-05-15"
    assert saved_task(session, "2.1.5").id == kept
    session.expire_all()
    assert session.get(Task, dropped).status == TaskStatus.CANCELLED
    reimport = session.exec(select(AuditEvent).where(AuditEvent.action == "reimport")).one()
    changed = session.exec(select(AuditEvent).where(AuditEvent.entity == "task", AuditEvent.action == "update")).all()
    session.commit()
    assert (reimport.channel, reimport.after["skipped"], reimport.after["kept"]) == ("web", ["2.2.4"], [kept])
    assert {e.channel for e in changed} == {"web"} and len(changed) == 2
