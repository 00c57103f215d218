"""The files an office sends, built from paragraphs in the test: a Word document (python-docx) and a PDF
(fpdf2 with a font that has Vietnamese letters)."""

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
