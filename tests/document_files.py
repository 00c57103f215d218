"""The files an office sends, built from paragraphs in the test: a Word document (python-docx) and a PDF
(fpdf2 with a font that has Vietnamese letters); and a PDF written by hand, object by object."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def as_docx(paragraphs: list[str]) -> bytes:
    """A .docx with one paragraph per item."""
    document = Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def as_pdf(paragraphs: list[str]) -> bytes:
    """A PDF with one paragraph per item; skips the test where fpdf2 or the font is missing."""
    fpdf = pytest.importorskip("fpdf")
    if not FONT.exists():
        pytest.skip(f"no font with Vietnamese letters at {FONT} (Debian package fonts-dejavu-core)")
    pdf = fpdf.FPDF()
    pdf.add_font("dejavu", "", str(FONT))
    pdf.set_font("dejavu", size=12)
    pdf.add_page()
    for paragraph in paragraphs:
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    return bytes(pdf.output())


def minimal_pdf(content: bytes = b"", extra_objects: list[bytes] | None = None, resources: bytes = b"<< >>") -> bytes:
    """A valid PDF with one A4 page whose content stream is `content` (empty: a blank page); extra
    objects are numbered from 5."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources %s >>" % resources,
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *(extra_objects or []),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
