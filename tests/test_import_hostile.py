"""Files made to eat the machine: each is read in a fresh process, and is either read or refused with one
line, while that process's peak memory, as the operating system reports it, stays small. A regression
fails the test instead of taking the machine down: the process may not grow past 2 GiB. The peak is the
kernel's high-water mark of the process's resident memory (VmHWM)."""

from __future__ import annotations

import base64
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from document_files import minimal_pdf

from tracker.importer.isolation import read_document_isolated
from tracker.importer.reading import ImportFileError, read_document

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
# What reading a small real document costs (the interpreter and the format libraries), with room to spare;
# every hostile file below would take gigabytes without its check.
PEAK_MIB = 400
CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024 ** 3, 2 * 1024 ** 3))
from tracker.importer.reading import ImportFileError, read_document
data = sys.stdin.buffer.read()
try:
    read_document(data=data, name=sys.argv[1], max_bytes=int(sys.argv[2]))
    outcome = "read"
except ImportFileError as error:
    outcome = error.reason
except MemoryError:
    outcome = "memory"
# VmHWM, not ru_maxrss: Linux carries the parent's peak over into ru_maxrss across fork and exec.
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "peak_mib": peak_kib // 1024}))
"""


def read_in_child(data: bytes, name: str, max_bytes: int = 20 * MB) -> tuple[str, int]:
    """How a fresh process fared with the file ("read" or the refusal's reason), and its peak memory."""
    done = subprocess.run([sys.executable, "-c", CHILD, name, str(max_bytes)], input=data, capture_output=True,
                          cwd=ROOT, timeout=600, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    result = json.loads(done.stdout)
    return result["outcome"], result["peak_mib"]


def plain_docx_members() -> dict[str, bytes]:
    document = docx.Document()
    document.add_paragraph("Phòng Văn hóa - Xã hội phường")
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def body(xml: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{xml}</w:body></w:document>"
    ).encode()


def test_a_table_cell_spanning_a_billion_columns_is_read_in_little_memory():
    # Why: each spanned column became an empty string in a list, 15.7 GB for a 36 KB file.
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="1000000000"/></w:tcPr><w:p><w:r><w:t>Nhiệm vụ</w:t></w:r></w:p></w:tc>'
    members = {**plain_docx_members(), "word/document.xml": body(f"<w:tbl><w:tr>{cell * 20}</w:tr></w:tbl>")}

    outcome, peak = read_in_child(zipped(members), "gop-cot.docx")

    assert outcome == "read" and peak < PEAK_MIB


def test_a_docx_whose_headers_understate_its_size_is_refused_in_little_memory():
    # Why: the sizes the archive declares were added up instead of the bytes really inflated.
    members = {**plain_docx_members(), "word/document.xml": b"\0" * (300 * MB)}
    data = zipped(members)
    lying = data.replace(struct.pack("<I", 300 * MB), struct.pack("<I", 1000))
    assert lying != data

    outcome, peak = read_in_child(lying, "noi-doi.docx")

    assert outcome in ("corrupt", "too_large") and peak < PEAK_MIB


def test_a_docx_whose_text_part_inflates_past_what_a_notice_needs_is_refused():
    # 60 MB of empty paragraphs, 200 KB zipped: a tree of it would take well over a gigabyte.
    members = {**plain_docx_members(), "word/document.xml": body("<w:p/>" * (10 * MB))}

    outcome, peak = read_in_child(zipped(members), "doan-rong.docx")

    assert outcome == "too_large" and peak < PEAK_MIB


def test_a_docx_with_an_enormous_picture_is_refused_before_the_picture_is_inflated():
    members = {**plain_docx_members(), "word/media/image1.png": b"\x89PNG\r\n\x1a\n" + b"\0" * (100 * MB)}

    outcome, peak = read_in_child(zipped(members), "anh-lon.docx", max_bytes=MB)

    assert outcome == "too_large" and peak < PEAK_MIB


def test_xml_entities_that_expand_a_billion_times_are_not_expanded():
    laughs = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "ha">{laughs}]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        "<w:p><w:r><w:t>Phòng Văn hóa &l9;</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    members = {**plain_docx_members(), "word/document.xml": xml}

    outcome, peak = read_in_child(zipped(members), "the-thuc.docx")

    assert outcome in ("read", "corrupt") and peak < PEAK_MIB


def pdf_with_stream(filters: bytes, encoded: bytes) -> bytes:
    stream = b"<< /Length %d /Filter %s >>\nstream\n" % (len(encoded), filters) + encoded + b"\nendstream"
    return minimal_pdf(b"BT ET", [stream])


def test_a_pdf_bomb_behind_an_ascii85_filter_is_refused_not_called_a_scan():
    # Why: only raw Flate streams were inflated before the PDF was opened; 3.9 MB became 6.4 GB.
    encoded = base64.a85encode(zlib.compress(b"\0" * (400 * MB), 9)) + b"~>"

    outcome, peak = read_in_child(pdf_with_stream(b"[/ASCII85Decode /FlateDecode]", encoded), "a85.pdf")

    assert outcome == "too_large" and peak < PEAK_MIB


def test_a_pdf_bomb_behind_an_ascii_hex_filter_is_refused():
    encoded = zlib.compress(b"\0" * (400 * MB), 9).hex().encode() + b">"

    outcome, peak = read_in_child(pdf_with_stream(b"[/AHx /Fl]", encoded), "hex.pdf")

    assert outcome == "too_large" and peak < PEAK_MIB


def test_a_run_length_pdf_bomb_is_refused():
    encoded = b"\x81\x00" * (2 * MB) + b"\x80"  # each pair repeats a byte 128 times: 256 MB

    outcome, peak = read_in_child(pdf_with_stream(b"/RunLengthDecode", encoded), "rl.pdf")

    assert outcome == "too_large" and peak < PEAK_MIB


def test_an_ordinary_pdf_with_filtered_streams_is_still_read():
    text = b"BT /F1 12 Tf 72 720 Td (Phong Van hoa) Tj ET"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    encoded = base64.a85encode(zlib.compress(text)) + b"~>"
    data = minimal_pdf(b"", [font, b"<< /Length %d /Filter [/A85 /Fl] >>\nstream\n" % len(encoded) + encoded
                             + b"\nendstream"], resources=b"<< /Font << /F1 5 0 R >> >>")
    data = data.replace(b"/Contents 4 0 R", b"/Contents 6 0 R")

    outcome, peak = read_in_child(data, "thuong.pdf")

    assert outcome == "read" and peak < PEAK_MIB


# --- the child process the service reads uploads in ---------------------------------------------------


def test_an_upload_read_in_a_child_process_gives_the_same_text_as_in_process():
    data = zipped(plain_docx_members())

    isolated = read_document_isolated(data=data, name="thuong.docx", max_bytes=20 * MB)

    assert isolated == read_document(data=data, name="thuong.docx", max_bytes=20 * MB)


def test_a_refusal_in_the_child_process_comes_back_as_the_same_line():
    with pytest.raises(ImportFileError) as caught:
        read_document_isolated(data=b"", name="rong.docx", max_bytes=MB)
    assert caught.value.reason == "empty" and "«rong.docx»" in caught.value.message


def test_a_file_that_passes_every_check_but_needs_too_much_memory_stops_the_child_not_the_service():
    # 20 MB of empty paragraphs: under the size a text part may have, but its tree needs far more than the
    # 200 MB this child may use.
    members = {**plain_docx_members(), "word/document.xml": body("<w:p/>" * (3 * MB))}

    with pytest.raises(ImportFileError) as caught:
        read_document_isolated(data=zipped(members), name="nang.docx", max_bytes=20 * MB, memory_mb=200)

    assert caught.value.reason == "too_complex"
    assert caught.value.message.startswith("Tệp «nang.docx» cần quá nhiều bộ nhớ để đọc")


def test_a_child_that_does_not_finish_in_time_is_stopped():
    with pytest.raises(ImportFileError) as caught:
        read_document_isolated(data=zipped(plain_docx_members()), name="cham.docx", max_bytes=MB, seconds=0.001)
    assert caught.value.reason == "too_complex" and "quá lâu" in caught.value.message
