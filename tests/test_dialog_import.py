"""A notice sent to the bot: the office sees what the importer found and saves it with Lưu or drops it with
Hủy; the file is checked before it is fetched."""

import base64
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from io import BytesIO

import docx
import pytest
from builders import make_ward
from dialog_helpers import bind, rows
from document_files import as_pdf, minimal_pdf

from bots.channels import ChannelError
from bots.dialog import Dialog, texts
from bots.messages import InboundFile
from tracker.models import SourceDocument, Task, Unit


@pytest.fixture
def org_id(session, clock):
    return make_ward(session, clock)


class Files:
    """The chat platform's side of file downloads: what each ref holds, and which refs were fetched."""

    def __init__(self) -> None:
        self.stored: dict[str, bytes] = {}
        self.fetched: list[str] = []

    def put(self, ref: str, content: bytes) -> None:
        self.stored[ref] = content

    def fetch(self, ref: str, max_bytes: int) -> bytes:
        self.fetched.append(ref)
        return self.stored[ref]


@pytest.fixture
def files():
    return Files()


@pytest.fixture
def dialog(engine, clock, files):
    return Dialog(engine, clock, files={"telegram": files.fetch})


def _as_docx(text: str) -> bytes:
    document = docx.Document()
    for line in text.splitlines():
        if line.strip():
            document.add_paragraph(line.strip())
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def notice(shared_dir, files):
    """Notice 004 of the seeds as a .docx, the form the office sends (the bot takes .docx and .pdf only)."""
    content = _as_docx((shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8"))
    files.put("f-004", content)
    return InboundFile(name="thong-bao-004.docx", mime_type="application/octet-stream", size=len(content),
                       ref="f-004")


def _send(chat, file):
    return chat.deliver(replace(chat.inbound(), file=file))


def test_a_notice_is_previewed_then_lu_stores_its_tasks(session, clock, engine, org_id, dialog, notice):
    office = bind(session, clock, dialog, org_id, "van-thu")
    preview = _send(office, notice)
    assert preview.startswith("thong-bao-004.docx: thông báo kết luận")
    assert "Theo đơn vị chủ trì:\n- Phòng Kinh tế, Hạ tầng và Đô thị: " in preview
    assert "Các nhiệm vụ đầu:\n2.1.1. Tập trung rà soát các thửa đất" in preview
    assert office.labels == ["Lưu", "Hủy"]
    assert rows(engine, SourceDocument) == []
    saved = office.press("Lưu")
    stored = rows(engine, Task)
    assert saved.startswith(f"Đã lưu {len(stored)} nhiệm vụ từ thong-bao-004.docx.") and len(stored) > 5
    [document] = rows(engine, SourceDocument)
    assert document.file_name == "thong-bao-004.docx"
    assert _send(office, notice) == ("Văn bản này đã nhập ngày 18/05/2026 (thông báo kết luận chưa có số ngày "
                                     "07/05/2026): không có gì thay đổi, không tạo gì thêm.")
    assert len(rows(engine, Task)) == len(stored)


CORRECTED = (
    "Số: 31/TB-UBND\nPhường Mẫu, ngày 08 tháng 6 năm 2026\nTHÔNG BÁO\nKết luận của Chủ tịch UBND phường\n"
    "2.1. Phòng Văn hóa - Xã hội phường\n- Rà soát danh sách hộ cận nghèo hoàn thành trước ngày {day}/6/2026.\n"
    "2.2. Công an phường\n- Tăng cường tuần tra khu vực chợ trong tháng 6/2026.\nNơi nhận:\n- Lưu: VT.\n"
)


def test_a_corrected_notice_sent_again_shows_its_changes_and_lu_applies_them(session, clock, engine, org_id,
                                                                              dialog, files):
    office = bind(session, clock, dialog, org_id, "van-thu")
    for ref, day in (("f-1", "20"), ("f-2", "25")):
        files.put(ref, _as_docx(CORRECTED.format(day=day)))
    first = InboundFile(name="tb-31.docx", mime_type="application/octet-stream", size=10, ref="f-1")
    _send(office, first)
    office.press("Lưu")
    preview = _send(office, replace(first, name="tb-31-sua.docx", ref="f-2"))
    assert preview.startswith("Văn bản này đã nhập ngày 18/05/2026 (thông báo kết luận số 31/TB-UBND ngày "
                              "08/06/2026). Thay đổi: 0 nhiệm vụ mới, 1 nhiệm vụ sửa, 0 nhiệm vụ bỏ.")
    assert ("): nội dung, thời hạn «hoàn thành trước ngày 20/6/2026» → «hoàn thành trước ngày 25/6/2026», "
            "ngày đến hạn 20/06/2026 → 25/06/2026") in preview
    assert office.labels == ["Lưu", "Hủy"]
    assert office.press("Lưu") == "Đã cập nhật theo văn bản sửa đổi: thêm 0, sửa 1, hủy 0 nhiệm vụ."
    tasks = rows(engine, Task)
    assert len(tasks) == 2 and {str(t.due_on) for t in tasks} == {"2026-06-25", "2026-06-30"}
    assert len(rows(engine, SourceDocument)) == 1


def test_the_signed_pdf_of_a_notice_saved_from_its_docx_draft_changes_nothing(session, clock, engine, org_id,
                                                                              dialog, files):
    office = bind(session, clock, dialog, org_id, "van-thu")
    lines = CORRECTED.format(day="20").splitlines()
    files.put("draft", _as_docx(CORRECTED.format(day="20")))
    files.put("signed", as_pdf(lines))
    _send(office, InboundFile(name="tb-31-du-thao.docx", mime_type="", size=10, ref="draft"))
    office.press("Lưu")
    answer = _send(office, InboundFile(name="tb-31-da-ky.pdf", mime_type="application/pdf", size=10, ref="signed"))
    assert answer.startswith("Văn bản này đã nhập ngày 18/05/2026") and "không có gì thay đổi" in answer
    assert office.labels == [] and len(rows(engine, Task)) == 2 and len(rows(engine, SourceDocument)) == 1


def test_a_corrected_notice_dropped_with_huy_leaves_the_tasks_as_they_were(session, clock, engine, org_id,
                                                                           dialog, files):
    office = bind(session, clock, dialog, org_id, "van-thu")
    for ref, day in (("f-1", "20"), ("f-2", "25")):
        files.put(ref, _as_docx(CORRECTED.format(day=day)))
    _send(office, InboundFile(name="tb-31.docx", mime_type="", size=10, ref="f-1"))
    office.press("Lưu")
    _send(office, InboundFile(name="tb-31-sua.docx", mime_type="", size=10, ref="f-2"))
    assert office.press("Hủy") == "Đã hủy, không lưu gì."
    assert {str(t.due_on) for t in rows(engine, Task)} == {"2026-06-20", "2026-06-30"}


def test_huy_stores_nothing(session, clock, engine, org_id, dialog, notice):
    office = bind(session, clock, dialog, org_id, "van-thu")
    _send(office, notice)
    assert office.press("Hủy") == "Đã hủy, không lưu gì."
    assert rows(engine, SourceDocument) == [] and rows(engine, Task) == []


@pytest.mark.parametrize("name, size, says", [
    ("anh.gif", 1000, "Bot chỉ nhập được văn bản Word"),
    ("thong-bao.txt", 1000, "Bot chỉ nhập được văn bản Word"),
    ("thong-bao.docx", 21 * 1024 * 1024, "quá lớn (21.0 MB); tối đa 20 MB"),
])
def test_a_file_of_another_type_or_too_large_is_refused_before_it_is_fetched(session, clock, org_id, dialog,
                                                                             files, name, size, says):
    office = bind(session, clock, dialog, org_id, "van-thu")
    assert says in _send(office, InboundFile(name=name, mime_type="", size=size, ref="f-x"))
    assert files.fetched == []


def _table_docx(*cells: tuple[str, ...]) -> bytes:
    document = docx.Document()
    document.add_paragraph("NHIỆM VỤ TRỌNG TÂM THÁNG 6 NĂM 2026")
    table = document.add_table(rows=len(cells), cols=len(cells[0]))
    for row, values in zip(table.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_tasks_without_an_owner_are_not_stored(session, clock, engine, org_id, dialog, files):
    content = _table_docx(("STT", "Nhiệm vụ trọng tâm", "Kết quả/ Sản phẩm", "Thời hạn"),
                          ("1", "Phòng Tư pháp phường (01 nhiệm vụ)", "", ""),
                          ("1.1", "Rà soát văn bản", "Báo cáo", "Tháng 6"))
    files.put("f-table", content)
    office = bind(session, clock, dialog, org_id, "van-thu")
    preview = _send(office, InboundFile(name="bang.docx", mime_type="", size=len(content), ref="f-table"))
    assert "- chưa rõ đơn vị (Phòng Tư pháp phường): 1" in preview
    assert office.press("Lưu").startswith("Chưa rõ đơn vị chủ trì của nhiệm vụ 1.1")
    assert rows(engine, SourceDocument) == [] and rows(engine, Task) == []


def test_a_unit_head_sending_a_file_is_refused(session, clock, engine, org_id, dialog, files, notice):
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    assert _send(head, notice) == texts.NO_FILES
    assert files.fetched == [] and rows(engine, SourceDocument) == []


def test_an_unknown_owner_is_mapped_by_typing_a_correction_before_lu(session, clock, engine, org_id, dialog, files):
    office = bind(session, clock, dialog, org_id, "van-thu")
    files.put("f-9", _as_docx("Số: 9/TB-UBND\nPhường Mẫu, ngày 08 tháng 6 năm 2026\nTHÔNG BÁO\nKết luận của Chủ tịch "
                              "UBND phường\nGiao Phòng Văn hóa và Thông tin rà soát các điểm karaoke.\n"))
    preview = _send(office, InboundFile(name="tb-9.docx", mime_type="application/octet-stream", size=10, ref="f-9"))
    assert "1 nhiệm vụ chưa rõ đơn vị chủ trì (1): gõ «<mã> owner=<đơn vị>»" in preview
    assert "Không có đơn vị «Hội Nông dân»" in office.send("1 owner=Hội Nông dân")
    assert office.send("1 owner=Phòng Văn hóa - Xã hội") == "Nhiệm vụ 1: đơn vị chủ trì là Phòng Văn hóa - Xã hội."
    assert office.press("Lưu").startswith("Đã lưu 1 nhiệm vụ từ tb-9.docx.")
    [task] = rows(engine, Task)
    vhxh = next(u for u in rows(engine, Unit) if u.key == "vhxh")
    assert task.owner_unit_id == vhxh.id and vhxh.learned_aliases == ["Phòng Văn hóa và Thông tin"]


def test_a_pdf_bomb_sent_to_the_bot_gets_one_line_and_nothing_is_stored(session, clock, engine, org_id, dialog,
                                                                          files):
    # Why: the chat upload is read like any file, and one forwarded file could take the service down.
    bomb = base64.a85encode(zlib.compress(b"\0" * (400 * 1024 * 1024), 9)) + b"~>"
    stream = b"<< /Length %d /Filter [/ASCII85Decode /FlateDecode] >>\nstream\n" % len(bomb) + bomb + b"\nendstream"
    files.put("bomb", minimal_pdf(b"BT ET", [stream]))
    office = bind(session, clock, dialog, org_id, "van-thu")

    answer = _send(office, InboundFile(name="bom.pdf", mime_type="application/pdf", size=10, ref="bomb"))

    assert answer.startswith("Tệp «bom.pdf» khi giải nén lớn bất thường") and "\n" not in answer
    assert office.labels == [] and rows(engine, SourceDocument) == []


def test_a_slow_download_holds_no_lock_and_another_chat_is_answered_meanwhile(session, clock, engine, org_id,
                                                                               files, notice):
    # Why: the whole turn was one SQLite write transaction, so another user's /viec failed with "database is
    # locked" while a file was downloading.
    downloading, go_on = threading.Event(), threading.Event()

    def slow_fetch(ref: str, max_bytes: int) -> bytes:
        downloading.set()
        assert go_on.wait(120)
        return files.fetch(ref, max_bytes)

    dialog = Dialog(engine, clock, files={"telegram": slow_fetch})
    office = bind(session, clock, dialog, org_id, "van-thu")
    head = bind(session, clock, dialog, org_id, "tp-vhxh")
    with ThreadPoolExecutor(1) as pool:
        upload = pool.submit(_send, office, notice)
        assert downloading.wait(120)
        meanwhile = head.send("/viec")
        go_on.set()
        preview = upload.result(timeout=300)

    assert meanwhile.startswith("Phòng Văn hóa - Xã hội")
    assert preview.startswith("thong-bao-004.docx: thông báo kết luận") and office.labels == ["Lưu", "Hủy"]


def test_a_download_that_fails_for_now_leaves_the_message_to_be_delivered_again(session, clock, engine, org_id,
                                                                                files, notice):
    # Why: the turn commits before downloading; a failure the platform will retry must not leave the message
    # marked as handled, or the next delivery would be dropped.
    failing = [True]

    def flaky_fetch(ref: str, max_bytes: int) -> bytes:
        if failing.pop() if failing else False:
            raise ChannelError("mạng chập chờn", retryable=True)
        return files.fetch(ref, max_bytes)

    dialog = Dialog(engine, clock, files={"telegram": flaky_fetch})
    office = bind(session, clock, dialog, org_id, "van-thu")
    inbound = replace(office.inbound(), file=notice)
    with pytest.raises(ChannelError):
        office.deliver(inbound)

    assert office.deliver(inbound).startswith("thong-bao-004.docx: thông báo kết luận")


def test_a_phone_photo_of_a_notice_is_read_by_ocr_after_saying_so_and_lu_stores_its_tasks(
        session, clock, engine, org_id, files, shared_dir):
    import shutil

    from scanned_pages import as_jpeg, draw_page, font_missing_reason, page_lines, phone_photo

    if shutil.which("tesseract") is None or font_missing_reason():
        pytest.skip("tesseract-ocr-vie or fonts-dejavu-core is not installed")
    said: list[tuple[str, str]] = []
    dialog = Dialog(engine, clock, files={"telegram": files.fetch},
                    say_now={"telegram": lambda chat_id, text: said.append((chat_id, text))})
    first_page = page_lines((shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8"))[0]
    files.put("photo-1", as_jpeg(phone_photo(draw_page(first_page))))
    office = bind(session, clock, dialog, org_id, "van-thu")

    preview = _send(office, InboundFile(name="anh-77.jpg", mime_type="image/jpeg", size=10, ref="photo-1"))

    assert [text for _, text in said] == ["Đang đọc ảnh «anh-77.jpg» (nhận dạng chữ, có thể mất đến vài phút)…"]
    assert "\nChữ được nhận dạng từ ảnh (OCR) 1 trang, độ tin cậy trung bình " in preview
    assert "2.1.1. Tập trung rà soát các thửa đất" in preview and office.labels == ["Lưu", "Hủy"]
    assert office.press("Lưu").startswith("Đã lưu ") and len(rows(engine, Task)) >= 5
