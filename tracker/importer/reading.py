"""Reading an uploaded file into plain text: Word (.docx), PDF, Excel (.xlsx) task tables and plain text
(.txt, including the old TCVN3 and VNI Vietnamese encodings); old Word (.doc), OpenDocument (.odt) and
RTF through LibreOffice; photos, scanned pictures and PDF pages without a text layer through OCR
(tracker.importer.scan_reading).

The type and size are checked before any library opens the file (the magic bytes must agree with the
name's extension, a ZIP may not expand past a limit). Every failure is an ImportFileError carrying one
Vietnamese sentence that names the file and says what to do; nothing else happens.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tracker.importer import legacy_encodings
from tracker.importer.file_types import CONVERTED, MEDIA, SUPPORTED, ImportFileError, corrupt, media_of
from tracker.importer.scan_reading import PictureText, Progress, converted_docx, picture_text, scanned_pdf_text
from tracker.importer.text import clean_text

# The format libraries (python-docx, pdfplumber, openpyxl) are imported where a file of their kind is
# read: `tracker serve` imports this module with the command line but never reads a file, and loading
# them at start-up costs it tens of megabytes. So are Pillow, pypdfium2 and pytesseract, for OCR.

__all__ = ["MEDIA", "DocumentText", "ImportFileError", "Progress", "file_bytes", "read_document", "read_path"]
MAX_PAGES = 500
MAX_ZIP_MEMBERS = 5000
# One XML part of a .docx or .xlsx, inflated: parsed whole into a tree about ten times its size. Real
# notices are well under 5 MB; a book-length report with its tables, under 20 MB.
MAX_XML_PART = 25 * 1024 * 1024
MAX_SHEET_CELLS = 2_000_000


@dataclass
class DocumentText:
    """A file's text. When some of it was read from pictures, `ocr_confidence` is the mean word confidence
    (%) and `doubtful_words` the words read with little confidence; `notes` are what the preview must tell
    the person about the reading (OCR, pages left unread)."""

    text: str  # clean_text'ed, NFC
    file_name: str
    file_hash: str  # sha256 of the bytes, hex
    media: str  # a value of MEDIA: "docx" | "txt" | "pdf" | "xlsx" | "doc" | "odt" | "rtf" | "image"
    ocr_confidence: float | None = None
    doubtful_words: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_path(path: Path, *, max_bytes: int) -> DocumentText:
    """Read a file from disk; its size is checked before it is read."""
    return read_document(data=file_bytes(path, max_bytes=max_bytes), name=Path(path).name, max_bytes=max_bytes)


def file_bytes(path: Path, *, max_bytes: int) -> bytes:
    """The bytes of a file on disk, its size checked before it is read. Raises ImportFileError."""
    path = Path(path)
    name = path.name
    try:
        size = os.stat(path).st_size
        if not path.is_file():
            raise ImportFileError(f"«{name}» không phải là một tệp.", "not_a_file")
        if size > max_bytes:
            raise _too_large(name, size, max_bytes)
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise ImportFileError(f"Không tìm thấy tệp «{name}».", "not_found") from exc
    except OSError as exc:
        raise ImportFileError(f"Không mở được tệp «{name}» ({exc.strerror or 'lỗi đọc tệp'}).", "unreadable") from exc
    return data


def read_document(*, data: bytes, name: str, max_bytes: int, progress: Progress | None = None) -> DocumentText:
    """The text of an uploaded file, or ImportFileError. Photos and scanned pages are read by OCR, with
    `progress(pages done, pages in all)` after each page; .doc, .odt and .rtf go through LibreOffice."""
    file_name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "không tên"
    if len(data) > max_bytes:
        raise _too_large(file_name, len(data), max_bytes)
    if not data:
        raise ImportFileError(f"Tệp «{file_name}» rỗng (0 byte), không có gì để nhập.", "empty")
    media = media_of(file_name, os.path.splitext(file_name)[1].lower(), data)
    # What a ZIP or a PDF's streams may expand to: 20 times the upload limit, within 10-200 MB.
    inflate_limit = min(max(20 * max_bytes, 10 * 1024 * 1024), 200 * 1024 * 1024)
    pictures: PictureText | None = None
    try:
        if media == "txt":
            raw_text = _decode_text(file_name, data)
        elif media == "image":
            pictures = picture_text(file_name, data, progress)
            raw_text = pictures.text
        elif media == "pdf":
            raw_text, pictures = _pdf_text(file_name, data, inflate_limit, progress)
        else:
            raw_text = _to_unicode(file_name, _office_text(file_name, data, media, inflate_limit), None, media)
    except (ImportFileError, MemoryError):  # out of memory is not damage: tracker.importer.isolation says so
        raise
    except Exception as exc:  # the libraries raise anything on a damaged file
        raise corrupt(file_name, media) from exc
    text = clean_text(raw_text)
    if not text.strip():
        raise ImportFileError(f"Tệp «{file_name}» không có nội dung chữ nào để nhập.", "empty")
    document = DocumentText(text=text, file_name=file_name, file_hash=hashlib.sha256(data).hexdigest(), media=media)
    if pictures is not None:
        document.notes = pictures.notes
        if pictures.confidence:
            document.ocr_confidence = round(pictures.confidence, 1)
            document.doubtful_words = [unicodedata.normalize("NFC", word) for word in pictures.doubtful]
    return document


def _office_text(name: str, data: bytes, media: str, inflate_limit: int) -> str:
    """The text of a Word or Excel file; an old Word, OpenDocument or RTF file is made a .docx first."""
    if media in CONVERTED:
        data = converted_docx(name, data, media, inflate_limit)
        media = "docx"
    _check_zip(name, data, inflate_limit)
    if media == "xlsx":
        return _xlsx_text(name, data)
    from tracker.importer.docx_text import docx_text

    return docx_text(data)


# --- archives -----------------------------------------------------------------------------------


def _check_zip(name: str, data: bytes, limit: int) -> None:
    """Refuse an archive that inflates beyond `limit` in all, or whose XML parts (parsed whole in memory by
    the format libraries) inflate beyond MAX_XML_PART, counting the bytes really inflated, member by member
    and chunk by chunk: the sizes its headers declare may lie, and several entries may share one
    compressed stream. A member that does not inflate to its declared size and checksum is damage."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or sum(member.file_size for member in members) > limit:
                raise _inflates_too_much(name, limit)
            total = 0
            for member in members:
                xml = member.filename.lower().endswith((".xml", ".rels"))
                part_limit = min(MAX_XML_PART if xml else limit, limit - total)
                size = _inflated_member_size(archive, member, part_limit)
                if size > part_limit:
                    raise _inflates_too_much(name, MAX_XML_PART if xml else limit)
                total += size
    except ImportFileError:
        raise
    except Exception as exc:  # zipfile raises BadZipFile, a CRC error, EOFError, zlib.error ...
        raise corrupt(name, "zip") from exc


def _inflated_member_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> int:
    """What `member` inflates to, read chunk by chunk; just past `limit` when it is larger."""
    size = 0
    with archive.open(member) as stream:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                return size
    return size


def _inflates_too_much(name: str, limit: int) -> ImportFileError:
    return ImportFileError(
        f"Tệp «{name}» khi giải nén lớn bất thường (hơn {_size(limit)}) nên bị từ chối để bảo vệ hệ thống; "
        "hãy kiểm tra lại tệp.",
        "too_large",
    )


# --- plain text ---------------------------------------------------------------------------------


def _decode_text(name: str, data: bytes) -> str:
    single_bytes: bytes | None = None
    try:
        if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) and len(data) % 4 == 0:
            text = data.decode("utf-32")
        elif data.startswith(codecs.BOM_UTF8):
            text = data[3:].decode("utf-8")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        elif (order := _utf16_without_bom(data)) is not None:
            text = data.decode(order)
        elif b"\x00" in data:
            raise _not_text(name)
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = _windows_1252(data)
                single_bytes = data
    except UnicodeDecodeError as exc:
        raise _not_text(name) from exc
    controls = len(_BINARY_CONTROLS.findall(text))
    if controls > 0.01 * len(text) + 1 or "\x00" in text:
        raise _not_text(name)
    if not text.strip():
        raise ImportFileError(f"Tệp «{name}» chỉ có khoảng trắng, không có gì để nhập.", "empty")
    return _to_unicode(name, text, single_bytes, "txt")


# Control characters that plain text does not contain (tab, line ends, form feed and DOS's end-of-file
# mark excepted).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2 or len(data) % 2:
        return None
    even = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd >= 0.4 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.4 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


# cp1252 leaves five bytes undefined; they are read as Latin-1 so that nothing is lost.
_WINDOWS_1252 = "".join(
    chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in range(256)
)


def _windows_1252(data: bytes) -> str:
    return codecs.charmap_decode(data, "strict", _WINDOWS_1252)[0]


def _to_unicode(name: str, text: str, single_bytes: bytes | None, media: str) -> str:
    try:
        converted, _ = legacy_encodings.to_unicode(text, single_bytes=single_bytes)
    except legacy_encodings.UnknownLegacyEncoding as exc:
        how = "lưu lại dạng Unicode (UTF-8)" if media == "txt" else "chuyển sang phông Unicode (ví dụ bằng Unikey)"
        raise ImportFileError(
            f"Tệp «{name}» dùng một bảng mã tiếng Việt cũ mà hệ thống không nhận ra được; hãy {how} rồi gửi lại.",
            "encoding",
        ) from exc
    return converted


def _xlsx_text(name: str, data: bytes) -> str:
    from tracker.importer.xlsx_text import TooManyCells, xlsx_text

    try:
        return xlsx_text(data, max_cells=MAX_SHEET_CELLS)
    except TooManyCells as exc:
        raise ImportFileError(
            f"Tệp «{name}» có quá nhiều ô (hơn {MAX_SHEET_CELLS:,} ô); hãy chỉ gửi bảng nhiệm vụ.".replace(",", "."),
            "too_large",
        ) from exc


# --- PDF -------------------------------------------------------------------------------------------


def _pdf_text(name: str, data: bytes, inflate_limit: int, progress: Progress | None) -> tuple[str, PictureText | None]:
    """The text layer of a PDF, with its scanned pages (pictures without a text layer) read by OCR."""
    from tracker.importer.pdf_text import EncryptedPdf, InflatesTooMuch, TooManyPages, pdf_text

    try:
        result = pdf_text(data, max_pages=MAX_PAGES, max_inflated=inflate_limit)
    except EncryptedPdf as exc:
        raise ImportFileError(
            f"Tệp «{name}» là PDF có mật khẩu; hãy gửi bản PDF không đặt mật khẩu hoặc tệp Word.", "encrypted"
        ) from exc
    except TooManyPages as exc:
        raise ImportFileError(
            f"Tệp «{name}» có {exc.pages} trang, nhiều hơn {MAX_PAGES} trang hệ thống đọc được; "
            "hãy chỉ gửi phần có các nhiệm vụ.",
            "too_large",
        ) from exc
    except InflatesTooMuch as exc:
        raise ImportFileError(
            f"Tệp «{name}» khi giải nén lớn bất thường nên bị từ chối để bảo vệ hệ thống; hãy kiểm tra lại tệp.",
            "too_large",
        ) from exc
    if result.characters == 0 and not result.scanned_pages:
        raise ImportFileError(
            f"Tệp «{name}» không có chữ nào: không có lớp chữ, cũng không có ảnh trang để nhận dạng; "
            "hãy kiểm tra lại tệp.",
            "empty",
        )
    # Glyphs of an embedded font without a table back to letters come out as "(cid:123)".
    unmapped = sum(len(token) for token in _CID.findall(result.text))
    if unmapped > 0.3 * len("".join(result.text.split())):
        raise ImportFileError(
            f"Tệp «{name}» có lớp chữ nhưng phông chữ nhúng không cho lấy lại được chữ; hãy dùng tệp Word gốc.",
            "no_text",
        )
    if not result.scanned_pages:
        return _CID.sub("", result.text), None
    scanned = set(result.scanned_pages)
    whole = not any(blocks for index, blocks in enumerate(result.page_blocks) if index not in scanned)
    texts, pictures = scanned_pdf_text(name, data, result.scanned_pages, len(result.page_blocks), whole=whole,
                                       progress=progress)
    pages = [texts[index] if index in texts else "\n\n".join(blocks) for index, blocks in enumerate(result.page_blocks)]
    return _CID.sub("", "\n\n".join(page for page in pages if page.strip())), pictures


_CID = re.compile(r"\(cid:\d+\)")


# --- messages -------------------------------------------------------------------------------------


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} byte"


def _too_large(name: str, size: int, limit: int) -> ImportFileError:
    shown = _size(size)
    if shown == _size(limit):  # just over the limit: "1,0 MB; ... đến 1,0 MB" would read as nonsense
        shown = f"{size:,} byte".replace(",", ".")
    return ImportFileError(f"Tệp «{name}» quá lớn ({shown}); hệ thống chỉ nhận tệp đến {_size(limit)}.", "too_large")


def _not_text(name: str) -> ImportFileError:
    return ImportFileError(
        f"Tệp «{name}» không phải văn bản thuần (có ký tự nhị phân); hãy gửi {SUPPORTED}.", "wrong_type"
    )
