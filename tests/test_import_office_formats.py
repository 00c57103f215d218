"""Old Word (.doc), OpenDocument (.odt) and RTF files, read through LibreOffice as .docx. The .doc and .odt
are made in the test by LibreOffice itself from a .docx built with python-docx. Tests that need
LibreOffice skip without it (CI installs it: .ci/run)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from document_files import as_docx

from tracker.importer.reading import DocumentText, ImportFileError, read_document

MB = 1024 * 1024
PARAGRAPHS = [
    "THÔNG BÁO",
    "Kết luận của Chủ tịch UBND phường tại Phiên họp thường kỳ tháng 5 năm 2026",
    "2.1. Phòng Kinh tế, Hạ tầng và Đô thị phường",
    "- Tập trung rà soát các thửa đất; hoàn thành trước ngày 15/5/2026.",
]
needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is not installed (Debian package libreoffice-writer-nogui)"
)


def read(data: bytes, name: str) -> DocumentText:
    return read_document(data=data, name=name, max_bytes=10 * MB)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The same notice as .docx, .doc, .odt and .rtf, the last three written by LibreOffice."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (Debian package libreoffice-writer-nogui)")
    folder = tmp_path_factory.mktemp("office")
    (folder / "notice.docx").write_bytes(as_docx(PARAGRAPHS))
    files = {".docx": (folder / "notice.docx").read_bytes()}
    for extension in (".doc", ".odt", ".rtf"):
        target = {".doc": "doc:MS Word 97", ".odt": "odt", ".rtf": "rtf"}[extension]
        subprocess.run(["soffice", f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--convert-to", target, "--outdir", str(folder), str(folder / "notice.docx")],
                       check=True, capture_output=True, timeout=300)
        files[extension] = (folder / f"notice{extension}").read_bytes()
    return files


@needs_soffice
@pytest.mark.parametrize("extension", [".doc", ".odt", ".rtf"])
def test_an_old_office_file_reads_as_the_docx_it_was_made_from(converted: dict[str, bytes], extension: str) -> None:
    result = read(converted[extension], f"thong-bao{extension}")

    assert result.text == read(converted[".docx"], "thong-bao.docx").text
    assert result.media == extension[1:] and result.ocr_confidence is None and not result.notes


@needs_soffice
def test_an_rtf_file_named_doc_is_read_as_word_would_open_it(converted: dict[str, bytes]) -> None:
    assert "hoàn thành trước ngày 15/5/2026" in read(converted[".rtf"], "cu.doc").text


@needs_soffice
def test_a_damaged_old_word_file_is_refused_as_damaged_and_leaves_no_folder_behind() -> None:
    before = set(Path(tempfile.gettempdir()).glob("tracker-convert-*"))
    damaged = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\x07" * 4000

    with pytest.raises(ImportFileError) as caught:
        read(damaged, "hong.doc")

    assert caught.value.reason == "corrupt" and "«hong.doc» bị hỏng" in caught.value.message
    assert set(Path(tempfile.gettempdir()).glob("tracker-convert-*")) == before


def test_without_libreoffice_an_old_word_file_is_refused_naming_the_package_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where LibreOffice is not installed
    old_word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "WordDocument".encode("utf-16-le") + b"\0" * 600

    with pytest.raises(ImportFileError) as caught:
        read(old_word, "cu.doc")

    message = caught.value.message
    assert caught.value.reason == "converter_missing" and "\n" not in message
    assert "gói libreoffice-writer-nogui" in message and "«cu.doc»" in message


@needs_soffice
def test_an_old_word_file_is_converted_in_the_bounded_child_process_the_chat_and_command_line_use(
    converted: dict[str, bytes],
) -> None:
    from tracker.importer.isolation import read_document_isolated

    result = read_document_isolated(data=converted[".doc"], name="cu.doc", max_bytes=10 * MB, seconds=600)

    assert result.text == read(converted[".docx"], "thong-bao.docx").text and result.media == "doc"
