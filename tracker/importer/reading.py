"""Reading an uploaded file into plain text: Word (.docx), PDF with a text layer, Excel (.xlsx) task
tables and plain text (.txt, including the old TCVN3 and VNI Vietnamese encodings).

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
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import InvalidInputError
from tracker.importer import legacy_encodings
from tracker.importer.text import clean_text

# The format libraries (python-docx, pdfplumber, openpyxl) are imported where a file of their kind is
# read: `tracker serve` imports this module with the command line but never reads a file, and loading
# them at start-up costs it tens of megabytes.

MEDIA = {".docx": "docx", ".txt": "txt", ".pdf": "pdf", ".xlsx": "xlsx"}
MAX_PAGES = 500
MAX_ZIP_MEMBERS = 5000
# One XML part of a .docx or .xlsx, inflated: parsed whole into a tree about ten times its size. Real
# notices are well under 5 MB; a book-length report with its tables, under 20 MB.
MAX_XML_PART = 25 * 1024 * 1024
MAX_SHEET_CELLS = 2_000_000
_SUPPORTED = "tệp Word (.docx), PDF có chữ, Excel (.xlsx) hoặc văn bản (.txt)"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportFileError(InvalidInputError):
    """An uploaded file cannot be read; `reason` is a short code for programs, `message` is for people."""

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class DocumentText:
    text: str  # clean_text'ed, NFC
    file_name: str
    file_hash: str  # sha256 of the bytes, hex
    media: str  # "docx" | "txt" | "pdf" | "xlsx"


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


def read_document(*, data: bytes, name: str, max_bytes: int) -> DocumentText:
    """The text of an uploaded file, or ImportFileError."""
    file_name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "không tên"
    if len(data) > max_bytes:
        raise _too_large(file_name, len(data), max_bytes)
    if not data:
        raise ImportFileError(f"Tệp «{file_name}» rỗng (0 byte), không có gì để nhập.", "empty")
    extension = os.path.splitext(file_name)[1].lower()
    actual = _sniff(data)
    _check_type(file_name, extension, actual)
    media = MEDIA[extension]
    # What a ZIP or a PDF's streams may expand to: 20 times the upload limit, within 10-200 MB.
    inflate_limit = min(max(20 * max_bytes, 10 * 1024 * 1024), 200 * 1024 * 1024)
    try:
        if media == "txt":
            raw_text = _decode_text(file_name, data)
        elif media == "docx":
            _check_zip(file_name, data, inflate_limit)
            from tracker.importer.docx_text import docx_text

            raw_text = docx_text(data)
        elif media == "xlsx":
            _check_zip(file_name, data, inflate_limit)
            raw_text = _xlsx_text(file_name, data)
        else:
            raw_text = _pdf_text(file_name, data, inflate_limit)
        if media != "txt":
            raw_text = _to_unicode(file_name, raw_text, None, media)
    except (ImportFileError, MemoryError):  # out of memory is not damage: tracker.importer.isolation says so
        raise
    except Exception as exc:  # the libraries raise anything on a damaged file
        raise _corrupt(file_name, media) from exc
    text = clean_text(raw_text)
    if not text.strip():
        raise ImportFileError(f"Tệp «{file_name}» không có nội dung chữ nào để nhập.", "empty")
    return DocumentText(text=text, file_name=file_name, file_hash=hashlib.sha256(data).hexdigest(), media=media)


# --- what a file really is ----------------------------------------------------------------------

_KINDS = {
    "docx": "tệp Word (.docx)",
    "xlsx": "tệp Excel (.xlsx)",
    "pptx": "tệp PowerPoint (.pptx)",
    "odf": "tệp OpenDocument (.odt/.ods)",
    "zip": "tệp nén ZIP",
    "pdf": "tệp PDF",
    "doc": "tệp Word cũ (.doc)",
    "xls": "tệp Excel cũ (.xls)",
    "ole2": "tệp Office cũ",
    "encrypted": "tệp Office có mật khẩu",
    "rtf": "tệp RTF",
    "image": "tệp ảnh",
    "txt": "văn bản thuần",
}


def _sniff(data: bytes) -> str | None:
    head = data[:8]
    if head.startswith(_OLE2):
        return _ole2_kind(data)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    pdf_header = data.find(b"%PDF-", 0, 1024)  # readers accept a little junk before the header
    if pdf_header == 0 or (pdf_header > 0 and b"%%EOF" in data[-2048:]):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")):
        return "image"
    if data.lstrip()[:5] == b"{\\rtf":
        return "rtf"
    return None


def _ole2_kind(data: bytes) -> str:
    # The directory of a compound file names its streams in UTF-16; no need to parse the whole file.
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return "ole2"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:80] if "mimetype" in names else b""
    except Exception:
        return "broken_zip"
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "ppt/presentation.xml" in names:
            return "pptx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odf"
    return "zip"


def _check_type(name: str, extension: str, actual: str | None) -> None:
    if actual == "encrypted":
        raise ImportFileError(
            f"Tệp «{name}» được đặt mật khẩu; hãy mở tệp, bỏ mật khẩu, lưu lại rồi gửi lại.", "encrypted"
        )
    if actual == "doc" or (extension == ".doc" and actual in ("ole2", "rtf", None)):
        raise ImportFileError(
            f"Tệp «{name}» là định dạng Word cũ (.doc) mà hệ thống không đọc được; hãy mở bằng Word, "
            "chọn Lưu thành (Save As) định dạng .docx rồi gửi lại.",
            "old_format",
        )
    if actual == "xls" or (extension == ".xls" and actual in ("ole2", None)):
        raise ImportFileError(
            f"Tệp «{name}» là định dạng Excel cũ (.xls); hãy mở bằng Excel, lưu lại thành .xlsx rồi gửi lại.",
            "old_format",
        )
    expected = MEDIA.get(extension)
    if expected is None and not (extension in (".doc", ".xls") and actual in MEDIA.values()):
        what = f"có đuôi «{extension}»" if extension else "không có đuôi tên tệp (như .docx, .pdf)"
        raise ImportFileError(
            f"Tệp «{name}» {what} nên không được nhận; hệ thống chỉ nhận {_SUPPORTED}.", "unsupported"
        )
    if actual == expected or (expected == "txt" and actual is None):
        return
    if actual == "broken_zip" and expected in ("docx", "xlsx"):
        raise _corrupt(name, expected)
    if actual is None or actual == "broken_zip":
        raise ImportFileError(
            f"Tệp «{name}» có đuôi {extension} nhưng nội dung không phải {_KINDS[expected or '']}; "
            "hãy kiểm tra lại tệp.",
            "wrong_type",
        )
    raise ImportFileError(
        f"Tệp «{name}» có đuôi {extension} nhưng thực ra là {_KINDS[actual]}; "
        "hãy đổi đuôi tên tệp cho đúng hoặc lưu lại đúng định dạng rồi gửi lại.",
        "wrong_type",
    )


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
        raise _corrupt(name, "zip") from exc


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


def _pdf_text(name: str, data: bytes, inflate_limit: int) -> str:
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
    if result.characters == 0:
        raise ImportFileError(
            f"Tệp «{name}» là bản scan không có lớp chữ; hãy dùng tệp Word hoặc PDF có chữ.", "scanned"
        )
    # Glyphs of an embedded font without a table back to letters come out as "(cid:123)".
    unmapped = sum(len(token) for token in _CID.findall(result.text))
    if unmapped > 0.3 * len("".join(result.text.split())):
        raise ImportFileError(
            f"Tệp «{name}» có lớp chữ nhưng phông chữ nhúng không cho lấy lại được chữ; hãy dùng tệp Word gốc.",
            "no_text",
        )
    return _CID.sub("", result.text)


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
        f"Tệp «{name}» không phải văn bản thuần (có ký tự nhị phân); hãy gửi {_SUPPORTED}.", "wrong_type"
    )


_DAMAGED: dict[str, str] = {
    "docx": "tệp Word",
    "xlsx": "tệp Excel",
    "pdf": "tệp PDF",
    "zip": "tệp nén",
    "txt": "tệp văn bản",
}


def _corrupt(name: str, media: str) -> ImportFileError:
    return ImportFileError(
        f"Tệp «{name}» bị hỏng, không đọc được như một {_DAMAGED.get(media, 'tệp')}; "
        "hãy mở thử trên máy tính, lưu lại rồi gửi lại.",
        "corrupt",
    )
