"""What an uploaded file really is, from its first bytes, and whether the name's extension agrees.

`media_of` gives how the file is to be read ("docx", "pdf", "doc", "image" ...) or raises
ImportFileError with one Vietnamese sentence: a password, an old Excel file, an extension the system
does not read, or content that is not what the extension says."""

from __future__ import annotations

import io
import zipfile

from tracker.errors import InvalidInputError

MEDIA = {
    ".docx": "docx", ".txt": "txt", ".pdf": "pdf", ".xlsx": "xlsx",
    ".doc": "doc", ".odt": "odt", ".rtf": "rtf",
    ".jpg": "image", ".jpeg": "image", ".png": "image", ".tif": "image", ".tiff": "image",
}
# Read through LibreOffice, as .docx.
CONVERTED = ("doc", "odt", "rtf")
SUPPORTED = ("tệp Word (.docx, .doc), OpenDocument (.odt), RTF, PDF, ảnh chụp (.jpg, .png, .tif), "
             "Excel (.xlsx) hoặc văn bản (.txt)")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class ImportFileError(InvalidInputError):
    """An uploaded file cannot be read; `reason` is a short code for programs, `message` is for people."""

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


KINDS = {
    "docx": "tệp Word (.docx)",
    "xlsx": "tệp Excel (.xlsx)",
    "pptx": "tệp PowerPoint (.pptx)",
    "odt": "tệp OpenDocument (.odt)",
    "odf": "tệp OpenDocument (.ods/.odp)",
    "zip": "tệp nén ZIP",
    "pdf": "tệp PDF",
    "doc": "tệp Word cũ (.doc)",
    "xls": "tệp Excel cũ (.xls)",
    "ole2": "tệp Office cũ",
    "encrypted": "tệp Office có mật khẩu",
    "rtf": "tệp RTF",
    "image": "tệp ảnh",
    "gif": "ảnh GIF",
    "txt": "văn bản thuần",
}


def sniff(data: bytes) -> str | None:
    """What the bytes are (a key of KINDS, or "broken_zip"); None when nothing is recognised."""
    head = data[:8]
    if head.startswith(_OLE2):
        return _ole2_kind(data)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    pdf_header = data.find(b"%PDF-", 0, 1024)  # readers accept a little junk before the header
    if pdf_header == 0 or (pdf_header > 0 and b"%%EOF" in data[-2048:]):
        return "pdf"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    if head.startswith(b"GIF8"):
        return "gif"
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
    if mimetype.strip() == b"application/vnd.oasis.opendocument.text":
        return "odt"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odf"
    return "zip"


def media_of(name: str, extension: str, data: bytes) -> str:
    """How the file called `name` is to be read: a value of MEDIA. Raises ImportFileError."""
    actual = sniff(data)
    if actual == "encrypted":
        raise ImportFileError(
            f"Tệp «{name}» được đặt mật khẩu; hãy mở tệp, bỏ mật khẩu, lưu lại rồi gửi lại.", "encrypted"
        )
    if actual == "xls" or (extension == ".xls" and actual in ("ole2", None)):
        raise ImportFileError(
            f"Tệp «{name}» là định dạng Excel cũ (.xls); hãy mở bằng Excel, lưu lại thành .xlsx rồi gửi lại.",
            "old_format",
        )
    expected = MEDIA.get(extension)
    if expected is None and not (extension == ".xls" and actual in MEDIA.values()):
        what = f"có đuôi «{extension}»" if extension else "không có đuôi tên tệp (như .docx, .pdf)"
        raise ImportFileError(
            f"Tệp «{name}» {what} nên không được nhận; hệ thống chỉ nhận {SUPPORTED}.", "unsupported"
        )
    if actual == expected or (expected == "txt" and actual is None):
        return expected
    if expected == "doc" and actual == "rtf":  # Word saves RTF under a .doc name, and opens it so
        return "rtf"
    if actual == "broken_zip" and expected in ("docx", "xlsx", "odt"):
        raise corrupt(name, expected)
    if actual is None or actual == "broken_zip" or (actual == "ole2" and expected == "doc"):
        raise ImportFileError(
            f"Tệp «{name}» có đuôi {extension} nhưng nội dung không phải {KINDS[expected or '']}; "
            "hãy kiểm tra lại tệp.",
            "wrong_type",
        )
    raise ImportFileError(
        f"Tệp «{name}» có đuôi {extension} nhưng thực ra là {KINDS[actual]}; "
        "hãy đổi đuôi tên tệp cho đúng hoặc lưu lại đúng định dạng rồi gửi lại.",
        "wrong_type",
    )


_DAMAGED: dict[str, str] = {
    "docx": "tệp Word",
    "doc": "tệp Word",
    "odt": "tệp OpenDocument",
    "rtf": "tệp RTF",
    "xlsx": "tệp Excel",
    "pdf": "tệp PDF",
    "image": "tệp ảnh",
    "zip": "tệp nén",
    "txt": "tệp văn bản",
}


def corrupt(name: str, media: str) -> ImportFileError:
    """The refusal of a damaged file of kind `media`."""
    return ImportFileError(
        f"Tệp «{name}» bị hỏng, không đọc được như một {_DAMAGED.get(media, 'tệp')}; "
        "hãy mở thử trên máy tính, lưu lại rồi gửi lại.",
        "corrupt",
    )
