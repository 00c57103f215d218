"""Reading uploaded files into text: Word, PDF, Excel and plain text (with the old TCVN3 and VNI
encodings), and every way a file can be refused. The files are built for real in tmp_path or memory."""

from __future__ import annotations

import codecs
import hashlib
import io
import shutil
import subprocess
import unicodedata
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from document_files import minimal_pdf
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.config.ward import PolicyConfig
from tracker.errors import InvalidInputError
from tracker.importer import legacy_encodings
from tracker.importer.reading import DocumentText, ImportFileError, read_document, read_path
from tracker.importer.text import clean_text

MB = 1024 * 1024
LIMIT = PolicyConfig().upload_max_mb * MB
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

SENTENCE = (
    "- Tập trung rà soát các thửa đất của các đơn vị có văn bản tự nguyện trả lại đất cho địa phương; "
    "xây dựng Kế hoạch đấu giá quyền sử dụng đất theo quy định."
)


def read(data: bytes, name: str, max_bytes: int = LIMIT) -> DocumentText:
    return read_document(data=data, name=name, max_bytes=max_bytes)


def refused(data: bytes, name: str, max_bytes: int = LIMIT) -> ImportFileError:
    with pytest.raises(ImportFileError) as caught:
        read(data, name, max_bytes)
    error = caught.value
    assert isinstance(error, InvalidInputError)
    assert f"«{name}»" in error.message, "the sentence names the file"
    assert error.message.count(".") >= 1 and "\n" not in error.message
    return error


def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Word ---------------------------------------------------------------------------------------


def repeat_as_header(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def number_paragraph(paragraph, num_id: int, level: int) -> None:
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = level
    num_pr.get_or_add_numId().val = num_id


def add_outline_list(document, num_id: int = 90) -> int:
    """A three-level list like Word's "1. / 1.1. / a)" outline numbering."""
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2."/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%3)"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>'))
    return num_id


def test_a_word_file_reads_as_paragraphs_lists_and_tables_in_document_order() -> None:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Tiêu đề trang lặp lại"
    document.sections[0].footer.paragraphs[0].text = "Trang 1"
    document.add_paragraph("THÔNG BÁO")
    document.add_paragraph("Kết luận của Chủ tịch UBND phường tại phiên họp thường kỳ tháng 5 năm 2026")
    document.add_paragraph("Tổ chức lễ ra mắt Quỹ khuyến học", style="List Number")
    document.add_paragraph("Rà soát các cơ sở tôn giáo", style="List Number")
    document.add_paragraph("Hoàn thành trước ngày 15/5/2026", style="List Bullet")
    table = document.add_table(rows=5, cols=4)
    for cell, text in zip(table.rows[0].cells, ["STT", "Nhiệm vụ", "Thời hạn", "Ghi chú"], strict=True):
        cell.text = text
    repeat_as_header(table.rows[0])
    table.cell(1, 0).text = "1"
    table.cell(1, 1).merge(table.cell(1, 3)).text = "Phòng Văn hóa - Xã hội phường (3 nhiệm vụ)"
    for row, (ref, task) in enumerate([("1.1", "Điều tra cơ sở"), ("1.2", "Xét thăng hạng"), ("1.3", "Rà soát")], 2):
        table.cell(row, 0).text = ref
        table.cell(row, 1).text = task
    deadline = table.cell(2, 2).merge(table.cell(4, 2))
    deadline.text = "Tháng 5"
    notes = table.cell(2, 3)
    notes.text = "Dòng một"
    notes.add_paragraph("Dòng hai", style="List Bullet")
    document.add_paragraph("Thừa lệnh Chủ tịch Ủy ban nhân dân phường./.")

    result = read(docx_bytes(document), "thong-bao.docx")

    assert result.media == "docx"
    assert result.text == (
        "THÔNG BÁO\n\n"
        "Kết luận của Chủ tịch UBND phường tại phiên họp thường kỳ tháng 5 năm 2026\n\n"
        "1. Tổ chức lễ ra mắt Quỹ khuyến học\n\n"
        "2. Rà soát các cơ sở tôn giáo\n\n"
        "- Hoàn thành trước ngày 15/5/2026\n\n"
        "STT\tNhiệm vụ\tThời hạn\tGhi chú\n"
        "1\tPhòng Văn hóa - Xã hội phường (3 nhiệm vụ)\t\t\n"
        "1.1\tĐiều tra cơ sở\tTháng 5\tDòng một - Dòng hai\n"
        "1.2\tXét thăng hạng\t\t\n"
        "1.3\tRà soát\t\t\n\n"
        "Thừa lệnh Chủ tịch Ủy ban nhân dân phường./."
    )
    assert "Tiêu đề trang" not in result.text and "Trang 1" not in result.text


def test_word_outline_numbering_is_rendered_with_levels_and_restarts() -> None:
    document = docx.Document()
    outline = add_outline_list(document)
    for text, level in [
        ("Phòng Kinh tế, Hạ tầng và Đô thị phường", 0),
        ("Rà soát các thửa đất", 1),
        ("Xây dựng Kế hoạch đấu giá", 1),
        ("đất ở", 2),
        ("đất thương mại", 2),
        ("Văn phòng HĐND và UBND phường", 0),
        ("Đổi mới công tác ban hành văn bản", 1),
        ("văn bản điện tử", 2),
    ]:
        number_paragraph(document.add_paragraph(text), outline, level)
    # A second list on the same definition that Word restarts ("Restart at 1"): a new w:num with an override.
    document.part.numbering_part.element.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="91"><w:abstractNumId w:val="{outline}"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        )
    )
    number_paragraph(document.add_paragraph("Danh sách mới"), 91, 0)

    result = read(docx_bytes(document), "de-cuong.docx")

    assert result.text.split("\n\n") == [
        "1. Phòng Kinh tế, Hạ tầng và Đô thị phường",
        "1.1. Rà soát các thửa đất",
        "1.2. Xây dựng Kế hoạch đấu giá",
        "a) đất ở",
        "b) đất thương mại",
        "2. Văn phòng HĐND và UBND phường",
        "2.1. Đổi mới công tác ban hành văn bản",
        "a) văn bản điện tử",
        "1. Danh sách mới",
    ]


def test_typed_numbers_stay_as_typed_and_numbered_empty_paragraphs_still_count() -> None:
    # Word counts an empty numbered paragraph; skipping it would shift every number after it.
    document = docx.Document()
    document.add_paragraph("2.1. Phòng Kinh tế, Hạ tầng và Đô thị phường")
    document.add_paragraph("Một", style="List Number")
    document.add_paragraph("", style="List Number")
    document.add_paragraph("Ba", style="List Number")

    result = read(docx_bytes(document), "so-tay.docx")

    assert result.text.split("\n\n") == ["2.1. Phòng Kinh tế, Hạ tầng và Đô thị phường", "1. Một", "3. Ba"]


def appendix_blocks(shared_dir: Path, seed: str, title: str) -> list[list[str]]:
    """The table lines of one appendix of a seed, in blocks as the pages cut them."""
    lines = (shared_dir / "seeds" / seed).read_text(encoding="utf-8").split("\n")
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("PHỤ LỤC")), len(lines))
    blocks: list[list[str]] = [[]]
    for line in lines[start:end]:
        if "\t" in line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def add_tsv_table(document, lines: list[str], *, header_repeats: bool = False) -> None:
    """A Word table from tab-separated lines; a row with text in its first two cells only is a group row
    ("1<tab>Phòng Văn hóa - Xã hội phường (22 nhiệm vụ)") whose second cell spans the rest of the row."""
    rows = [line.split("\t") for line in lines]
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for index, cells in enumerate(rows):
        cells += [""] * (width - len(cells))
        word_row = table.rows[index]
        targets = word_row.cells
        if index > 0 and cells[1] and not any(cells[2:]) and width > 2:
            merged = targets[1].merge(targets[width - 1])
            targets[0].text = cells[0]
            merged.text = cells[1]
            continue
        for target, text in zip(targets, cells, strict=True):
            target.text = text
    if header_repeats:
        repeat_as_header(table.rows[0])


SEED_APPENDICES = [
    ("000_fd44b82cfd10d0b4.txt", "PHỤ LỤC 1"),
    ("000_fd44b82cfd10d0b4.txt", "PHỤ LỤC 5"),
    ("002_bb20c4b39322e390.txt", "PHỤ LỤC II"),
]


@pytest.mark.parametrize(("seed", "title"), SEED_APPENDICES)
def test_the_seed_appendix_tables_come_back_from_word_cell_for_cell(shared_dir: Path, seed: str, title: str) -> None:
    blocks = appendix_blocks(shared_dir, seed, title)
    assert len(blocks) >= 5
    document = docx.Document()
    document.add_paragraph(title)
    for block in blocks:  # one table per printed page, with its repeated header row, as in the seed
        add_tsv_table(document, block)
        document.add_paragraph("")

    result = read(docx_bytes(document), f"{title}.docx")

    expected = [clean_text(line) for block in blocks for line in block]
    assert [line for line in result.text.split("\n") if "\t" in line] == expected
    assert result.text.split("\n\n")[1:] == [clean_text("\n".join(block)) for block in blocks]


@pytest.mark.parametrize(("seed", "title"), SEED_APPENDICES)
def test_a_seed_appendix_as_one_table_with_a_repeating_header_row_has_the_header_once(
    shared_dir: Path, seed: str, title: str
) -> None:
    blocks = appendix_blocks(shared_dir, seed, title)
    header = blocks[0][0]
    body = [line for block in blocks for line in block if line != header]
    document = docx.Document()
    add_tsv_table(document, [header, *body], header_repeats=True)

    result = read(docx_bytes(document), "phu-luc.docx")

    assert result.text.split("\n") == [clean_text(line) for line in [header, *body]]
    assert "<i>" not in result.text


# --- plain text ------------------------------------------------------------------------------------

VIETNAMESE = "Phòng Văn hóa - Xã hội phường\r\n\r\n" + SENTENCE + "\r\n"


@pytest.mark.parametrize(
    ("label", "data"),
    [
        ("UTF-8", VIETNAMESE.encode("utf-8")),
        ("UTF-8 with BOM", codecs.BOM_UTF8 + VIETNAMESE.encode("utf-8")),
        ("UTF-16 with BOM", VIETNAMESE.encode("utf-16")),
        ("UTF-16-BE with BOM", codecs.BOM_UTF16_BE + VIETNAMESE.encode("utf-16-be")),
        ("UTF-16-LE without BOM", VIETNAMESE.encode("utf-16-le")),
        ("decomposed (NFD) UTF-8", unicodedata.normalize("NFD", VIETNAMESE).encode("utf-8")),
    ],
)
def test_unicode_text_files_read_the_same_whatever_the_encoding(label: str, data: bytes) -> None:
    result = read(data, "ghi-chu.txt")

    assert result.media == "txt"
    assert result.text == "Phòng Văn hóa - Xã hội phường\n\n" + SENTENCE, label
    assert unicodedata.is_normalized("NFC", result.text)


def encode_tcvn3(text: str) -> bytes:
    """The inverse of the TCVN3 table; capitals it lacks are stored as their small letters, as the
    all-capitals .VnTimeH font does."""
    inverse = {letter: byte for byte, letter in legacy_encodings.TCVN3_BYTES.items()}
    out = bytearray()
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ord(ch))
        elif ch in inverse:
            out.append(inverse[ch])
        elif ch.lower() in inverse:
            out.append(inverse[ch.lower()])
        else:
            out += ch.encode("cp1252")  # quotes, dashes: the same byte in every Windows font
    return bytes(out)


def encode_vni(text: str) -> bytes:
    """The inverse of the VNI tables (small-letter bytes are 0xE0 and above, capital ones below)."""
    tone_marks = {"\u0301", "\u0300", "\u0309", "\u0303", "\u0323"}

    def pick(table: dict[int, str], marks: str, small: bool) -> int:
        return next(b for b, m in table.items() if m == marks and (b >= 0xE0) == small)

    letters = {letter: byte for byte, letter in legacy_encodings.VNI_LETTER_BYTES.items()}
    out = bytearray()
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ord(ch))
            continue
        if ch in letters:
            out.append(letters[ch])
            continue
        if not ch.isalpha():
            out += ch.encode("cp1252")
            continue
        small = ch.islower()
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        tone = "".join(m for m in marks if m in tone_marks)
        if base.lower() == "i" or (base.lower() == "y" and tone == "\u0323"):
            out.append(letters[ch])
        elif "\u031b" in marks:  # horn: ơ ư
            out.append(letters[unicodedata.normalize("NFC", base + "\u031b")])
            out.append(pick(legacy_encodings.VNI_TONE_BYTES, tone, small))
        elif "\u0302" in marks:
            out += base.encode("ascii") + bytes([pick(legacy_encodings.VNI_CIRCUMFLEX_BYTES, tone, small)])
        elif "\u0306" in marks:
            out += base.encode("ascii") + bytes([pick(legacy_encodings.VNI_BREVE_BYTES, tone, small)])
        else:
            out += base.encode("ascii") + bytes([pick(legacy_encodings.VNI_TONE_BYTES, tone, small)])
    return bytes(out)


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 writes ă â ê ô ơ ư đ whole and the tones as separate marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize(
                "NFC", "".join(c for c in decomposed if c in "\u0302\u0306\u031b" or c.isalpha())
            )
            tones = "".join(c for c in decomposed if c in "\u0300\u0301\u0303\u0309\u0323")
            out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


LEGACY_PARAGRAPH = (
    "Phòng Văn hóa - Xã hội phường\n\n"
    "- Hoàn thành kế hoạch rà soát đối tượng đang hưởng trợ cấp xã hội trên địa bàn phường năm 2026.\n\n"
    + SENTENCE
    + "\n\n- Đẩy nhanh tiến độ giải phóng mặt bằng, quản lý tốt các dự án đầu tư xây dựng; "
    "người được giao chủ trì phối hợp với Ban Chỉ huy Quân sự."
)


def test_a_tcvn3_text_file_is_converted_to_unicode() -> None:
    data = encode_tcvn3(LEGACY_PARAGRAPH)
    assert b"Ph\xdfng V\xa8n h\xe3a" in data  # what a .VnTime user sees as "Phßng V¨n hãa"

    assert read(data, "tcvn3.txt").text == LEGACY_PARAGRAPH


def test_a_title_typed_in_the_tcvn3_capitals_font_comes_back_in_capitals() -> None:
    # .VnTimeH stores "Ố" as the code of "ố"; without this the title would read "THôNG BáO KếT LUậN".
    text = "THÔNG BÁO KẾT LUẬN CỦA CHỦ TỊCH\n\n" + SENTENCE
    data = encode_tcvn3(text.replace("Ô", "ô"))

    assert read(data, "tieu-de.txt").text == text


def test_tcvn3_text_saved_again_as_utf8_is_still_converted() -> None:
    # Notepad's "Save as UTF-8" keeps the strange characters, now as UTF-8.
    data = encode_tcvn3(LEGACY_PARAGRAPH).decode("cp1252").encode("utf-8")

    assert read(data, "tcvn3-utf8.txt").text == LEGACY_PARAGRAPH


def test_a_vni_text_file_is_converted_to_unicode() -> None:
    text = "ỦY BAN NHÂN DÂN PHƯỜNG BẠCH ĐẰNG\n\n" + LEGACY_PARAGRAPH + "\n\nKỹ thuật: ỵ, Ỵ, ĩ, Ĩ, ắ, Ặ."
    data = encode_vni(text)
    assert b"Pho\xf8ng Va\xean ho\xf9a" in data  # "Phoøng Vaên hoùa"

    assert read(data, "vni.txt").text == text


def test_a_windows_1258_text_file_is_converted_to_unicode() -> None:
    assert read(encode_cp1258(LEGACY_PARAGRAPH), "cp1258.txt").text == LEGACY_PARAGRAPH


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_the_conclusion_notice_typed_in_a_legacy_font_reads_like_the_unicode_seed(
    shared_dir: Path, encoding: str
) -> None:
    seed = (shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8")
    if encoding == "tcvn3":
        seed = seed.replace("Ủy", "Uỷ")  # .VnTime has no "Ủ": typists wrote "Uû"
        data = encode_tcvn3(seed)
    else:
        data = encode_vni(seed)

    assert read(data, f"thong-bao-{encoding}.txt").text == clean_text(seed)


def test_a_word_file_typed_in_vntime_is_converted_too() -> None:
    # Old templates in .VnTime are still copied around; their text reaches python-docx as "Phßng V¨n hãa".
    document = docx.Document()
    document.add_paragraph(encode_tcvn3(LEGACY_PARAGRAPH.split("\n\n")[1]).decode("cp1252"))
    document.add_paragraph(encode_tcvn3(SENTENCE).decode("cp1252"))

    assert read(docx_bytes(document), "vntime.docx").text == LEGACY_PARAGRAPH.split("\n\n")[1] + "\n\n" + SENTENCE


def test_a_unicode_word_file_with_one_pasted_tcvn3_paragraph_gets_that_paragraph_converted() -> None:
    document = docx.Document()
    document.add_paragraph("Phòng Văn hóa - Xã hội phường")
    document.add_paragraph(encode_tcvn3(SENTENCE).decode("cp1252"))
    document.add_paragraph("Cà phê sáng, bé Na")  # Unicode with only Latin-1 letters: left alone

    assert read(docx_bytes(document), "tron.docx").text.split("\n\n") == [
        "Phòng Văn hóa - Xã hội phường",
        SENTENCE,
        "Cà phê sáng, bé Na",
    ]


def test_a_text_note_that_mentions_a_pdf_header_or_starts_like_a_bitmap_is_still_text() -> None:
    # Regression guard for the type sniffing: only real signatures count, not words that look like them.
    text = "BM: ghi chú về tệp mẫu, dòng đầu của tệp PDF là %PDF-1.4 như thường lệ."
    assert read(text.encode("utf-8"), "ghi-chu.txt").text == text


def test_a_western_text_file_with_a_few_accents_is_left_as_it_is() -> None:
    # Regression guard: the legacy detector must not "convert" ordinary Latin-1 text.
    text = "Café crème, naïve façade, résumé of the année, Noël."
    assert read(text.encode("cp1252"), "fr.txt").text == text


def test_a_legacy_looking_file_that_no_table_converts_is_refused() -> None:
    data = "¸¸ µµ ¶¶ ·· ¹¹ ©© ß¿ ð× Þ½ ¼þ ¾¾ ×× ¬¬ ".encode("cp1252") * 5
    error = refused(data, "la.txt")
    assert "bảng mã" in error.message and "UTF-8" in error.message
    assert error.reason == "encoding"


# The tables' provenance: well-known strings from real documents typed in each encoding.
KNOWN_TCVN3 = {
    "Céng hoµ x· héi chñ nghÜa ViÖt Nam": "Cộng hoà xã hội chủ nghĩa Việt Nam",
    "§éc lËp - Tù do - H¹nh phóc": "Độc lập - Tự do - Hạnh phúc",
    "Uû ban nh©n d©n ph\u00adêng": "Uỷ ban nhân dân phường",
    "QuyÕt ®Þnh vÒ viÖc giao nhiÖm vô": "Quyết định về việc giao nhiệm vụ",
    "NguyÔn V¨n B×nh, Kü thuËt, h\u00adíng dÉn, ®Æc biÖt, b¾t ®Çu, chuÈn bÞ": (
        "Nguyễn Văn Bình, Kỹ thuật, hướng dẫn, đặc biệt, bắt đầu, chuẩn bị"
    ),
    "trÎ em, mïa, r© rµng, häc sinh, ý chÝ, v×, chÌ, bÐ, mÑ, sÏ, kháe": (
        "trẻ em, mùa, râ ràng, học sinh, ý chí, vì, chè, bé, mẹ, sẽ, khỏe"
    ),
}
KNOWN_VNI = {
    "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam": "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Ñoäc laäp - Töï do - Haïnh phuùc": "Độc lập - Tự do - Hạnh phúc",
    "COÄNG HOØA XAÕ HOÄI CHUÛ NGHÓA VIEÄT NAM": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "UÛY BAN NHAÂN DAÂN PHÖÔØNG": "ỦY BAN NHÂN DÂN PHƯỜNG",
    "Quyeát ñònh, chæ thò, ñòa phöông, ñöôïc, nhöõng, baèng, ñaëc bieät, daãn, chuaån": (
        "Quyết định, chỉ thị, địa phương, được, những, bằng, đặc biệt, dẫn, chuẩn"
    ),
    "Aùnh saùng, Kyõ thuaät, roõ raøng, khoûe, Nguyeãn, Thaønh phoá Hoà Chí Minh": (
        "Ánh sáng, Kỹ thuật, rõ ràng, khỏe, Nguyễn, Thành phố Hồ Chí Minh"
    ),
}


@pytest.mark.parametrize(("legacy", "unicode"), KNOWN_TCVN3.items())
def test_known_tcvn3_strings_convert_as_published(legacy: str, unicode: str) -> None:
    assert legacy_encodings.tcvn3_to_unicode(legacy) == unicode


@pytest.mark.parametrize(("legacy", "unicode"), KNOWN_VNI.items())
def test_known_vni_strings_convert_as_published(legacy: str, unicode: str) -> None:
    assert legacy_encodings.vni_to_unicode(legacy) == unicode


def test_the_tcvn3_table_agrees_with_the_tcvn_5712_converter_of_the_c_library() -> None:
    iconv = shutil.which("iconv")
    if iconv is None:
        pytest.skip("iconv is not installed")
    codes = sorted(legacy_encodings.TCVN3_BYTES)
    run = subprocess.run(
        [iconv, "-f", "TCVN5712-1", "-t", "UTF-8"], input=b"\n".join(bytes([b]) for b in codes), capture_output=True
    )
    if run.returncode != 0:
        pytest.skip("this iconv has no TCVN5712-1 converter")
    theirs = run.stdout.decode("utf-8").split("\n")
    assert dict(zip(codes, theirs, strict=True)) == legacy_encodings.TCVN3_BYTES


def all_vietnamese_letters() -> list[str]:
    bases = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    small = [unicodedata.normalize("NFC", b + t) for b in bases for t in tones] + ["đ"]
    return small + [ch.upper() for ch in small]


def test_the_legacy_tables_cover_every_vietnamese_letter_and_never_map_two_codes_to_one_letter() -> None:
    letters = all_vietnamese_letters()
    assert len(set(letters)) == 146  # 12 vowels × 6 tones, and đ; small and capital
    tcvn3 = set(legacy_encodings.TCVN3_BYTES.values())
    assert len(tcvn3) == len(legacy_encodings.TCVN3_BYTES)
    assert {ch for ch in letters if ch.islower() and not ch.isascii()} <= tcvn3
    for letter in letters:
        encoded = encode_vni(letter).decode("cp1252")
        assert legacy_encodings.vni_to_unicode(encoded) == letter, letter


# --- PDF ----------------------------------------------------------------------------------------


def fpdf_document(*, furniture: bool = True):
    """An fpdf2 document with a Vietnamese font; with `furniture`, a running header and page numbers."""
    fpdf = pytest.importorskip("fpdf")
    if not FONT.exists():
        pytest.skip(f"no font with Vietnamese letters at {FONT} (Debian package fonts-dejavu-core)")

    class Notice(fpdf.FPDF):
        def header(self) -> None:
            self.set_font("dejavu", size=9)
            self.cell(0, 6, "UBND phường Bạch Đằng - Thông báo kết luận", align="C", new_x="LMARGIN", new_y="NEXT")
            self.ln(4)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("dejavu", size=9)
            self.cell(0, 8, f"- {self.page_no()} -", align="C")

    pdf = Notice() if furniture else fpdf.FPDF()
    pdf.add_font("dejavu", "", str(FONT))
    pdf.set_font("dejavu", size=12)
    return pdf


def test_a_pdf_with_a_vietnamese_text_layer_reads_as_paragraphs_and_tables_without_page_furniture() -> None:
    from fpdf.fonts import FontFace

    pdf = fpdf_document()
    pdf.add_page()
    opening = (
        "Sau khi nghe Văn phòng HĐND và UBND phường báo cáo đánh giá tình hình thực hiện nhiệm vụ phát triển "
        "kinh tế - xã hội phường tháng 4 và triển khai một số nhiệm vụ trọng tâm tháng 5/2026, Chủ tịch "
        "Ủy ban nhân dân phường kết luận chỉ đạo như sau:"
    )
    for paragraph in (opening, SENTENCE):
        pdf.multi_cell(0, 7, paragraph, align="J", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    rows = [("STT", "Nhiệm vụ", "Thời hạn")]
    rows += [(f"1.{i}", f"Nhiệm vụ số {i} của Phòng Văn hóa - Xã hội phường", "Tháng 5") for i in range(1, 31)]
    with pdf.table(col_widths=(15, 120, 40), repeat_headings=1, headings_style=FontFace(emphasis="")) as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)
    pdf.multi_cell(0, 7, "Thừa lệnh Chủ tịch Ủy ban nhân dân phường./.", align="J", new_x="LMARGIN", new_y="NEXT")

    result = read(bytes(pdf.output()), "thong-bao.pdf")

    blocks = result.text.split("\n\n")
    assert result.media == "pdf"
    assert (
        blocks[0] == opening and blocks[1] == SENTENCE and blocks[-1] == "Thừa lệnh Chủ tịch Ủy ban nhân dân phường./."
    )
    table_lines = [line for line in result.text.split("\n") if "\t" in line]
    assert [line for line in table_lines if line != "STT\tNhiệm vụ\tThời hạn"] == ["\t".join(r) for r in rows[1:]]
    assert table_lines.count("STT\tNhiệm vụ\tThời hạn") == 2, "the header row repeats once per page, as in the seeds"
    assert "Thông báo kết luận" not in result.text and "- 2 -" not in result.text and "- 1 -" not in result.text


def test_a_pdf_that_is_only_a_blank_page_is_refused_as_having_no_text() -> None:
    error = refused(minimal_pdf(), "scan.pdf")
    assert "không có chữ nào" in error.message and error.reason == "empty"


def test_a_pdf_that_is_only_a_blank_picture_is_refused_whether_or_not_ocr_is_installed() -> None:
    from PIL import Image

    pdf = fpdf_document(furniture=False)
    pdf.add_page()
    picture = Image.new("RGB", (200, 100), "white")
    pdf.image(picture, x=10, y=10, w=150)
    error = refused(bytes(pdf.output()), "anh-chup.pdf")
    assert error.reason in ("unreadable_scan", "ocr_missing") and "anh-chup.pdf" in error.message


def test_a_pdf_whose_font_cannot_be_mapped_back_to_letters_is_refused() -> None:
    # Without this the text would be "(cid:65)(cid:66)..." and the importer would find no task, silently.
    font = [
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Xyz /Encoding /Identity-H /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Xyz /FontDescriptor 7 0 R"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
        b"<< /Type /FontDescriptor /FontName /Xyz /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0"
        b" /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ]
    data = minimal_pdf(
        b"BT /F1 24 Tf 72 700 Td <00410042004300440045> Tj ET", font, resources=b"<< /Font << /F1 5 0 R >> >>"
    )
    error = refused(data, "phong-chu.pdf")
    assert "phông chữ nhúng" in error.message and error.reason == "no_text"


def test_a_pdf_that_needs_a_password_is_refused() -> None:
    pdf = fpdf_document(furniture=False)
    pdf.set_encryption(owner_password="chu-so-huu", user_password="nguoi-doc")
    pdf.add_page()
    pdf.cell(text="Phòng Văn hóa - Xã hội phường")
    error = refused(bytes(pdf.output()), "mat-khau.pdf")
    assert "mật khẩu" in error.message and error.reason == "encrypted"


def test_a_pdf_that_only_restricts_printing_opens_without_a_password_and_is_read() -> None:
    # Signed notices often carry permissions only; they open without a password and must be read.
    pdf = fpdf_document(furniture=False)
    pdf.set_encryption(owner_password="chu-so-huu")
    pdf.add_page()
    pdf.cell(text="Phòng Văn hóa - Xã hội phường")

    assert read(bytes(pdf.output()), "han-che.pdf").text == "Phòng Văn hóa - Xã hội phường"


def test_a_pdf_whose_streams_would_expand_enormously_is_refused_before_it_is_opened() -> None:
    bomb = zlib.compress(b"\0" * (30 * MB), 9)
    data = minimal_pdf(
        b"BT ET", [b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb + b"\nendstream"]
    )
    error = refused(data, "bom.pdf", max_bytes=MB)
    assert "giải nén lớn bất thường" in error.message


# --- Excel ------------------------------------------------------------------------------------------


def test_an_excel_task_table_reads_sheet_by_sheet_with_merged_cells_once() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Phụ lục II"
    sheet.append(["STT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn", "Số lượng"])
    sheet.append(["I", "Lĩnh vực kinh tế"])
    sheet.merge_cells("B2:E2")
    sheet.append([1, "Xây dựng Kế hoạch thu gom nước thải\nsinh hoạt", "Phòng Kinh tế", date(2026, 6, 30), 3.0])
    sheet.append([2, "Thống kê đất đai năm 2025", "Phòng Kinh tế", datetime(2026, 3, 31, 0, 0), 2.5])
    sheet.append([])
    sheet.append([None, None, None, None, None])
    second = workbook.create_sheet("Ghi chú")
    second["B3"] = "Số liệu đến ngày 18/5/2026"
    hidden = workbook.create_sheet("Danh mục")
    hidden["A1"] = "Phòng Văn hóa - Xã hội phường"
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read(buffer.getvalue(), "phu-luc-ii.xlsx")

    assert result.media == "xlsx"
    assert result.text == (
        "Phụ lục II\n"
        "STT\tNhiệm vụ\tĐơn vị chủ trì\tThời hạn\tSố lượng\n"
        "I\tLĩnh vực kinh tế\t\t\t\n"
        "1\tXây dựng Kế hoạch thu gom nước thải sinh hoạt\tPhòng Kinh tế\t30/06/2026\t3\n"
        "2\tThống kê đất đai năm 2025\tPhòng Kinh tế\t31/03/2026\t2.5\n\n"
        "Ghi chú\n"
        "\tSố liệu đến ngày 18/5/2026"  # column A is empty: the columns stay where they are
    )


# --- what the caller gets -----------------------------------------------------------------------


def test_the_result_names_the_file_without_its_folder_and_hashes_the_exact_bytes(tmp_path: Path) -> None:
    data = VIETNAMESE.encode("utf-8")
    path = tmp_path / "nhiem-vu.txt"
    path.write_bytes(data)

    from_disk = read_path(path, max_bytes=LIMIT)
    uploaded = read(data, "C:\\Users\\van-thu\\nhiem-vu.txt")

    assert from_disk == uploaded
    assert from_disk.file_name == "nhiem-vu.txt"
    assert from_disk.file_hash == hashlib.sha256(data).hexdigest()


def test_a_huge_file_on_disk_is_refused_by_its_size_without_being_read(tmp_path: Path) -> None:
    # Regression: read_path must look at the size first; reading 3 GB would take the server down.
    path = tmp_path / "khong-lo.pdf"
    with open(path, "wb") as handle:
        handle.truncate(3 * 1024 * MB)  # sparse: instant to make, slow to read
    with pytest.raises(ImportFileError) as caught:
        read_path(path, max_bytes=LIMIT)
    assert "quá lớn" in caught.value.message and "«khong-lo.pdf»" in caught.value.message


def test_a_missing_file_or_a_folder_is_refused_with_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="Không tìm thấy tệp «khong-co.docx»"):
        read_path(tmp_path / "khong-co.docx", max_bytes=LIMIT)
    with pytest.raises(ImportFileError, match="không phải là một tệp"):
        read_path(tmp_path, max_bytes=LIMIT)


# --- refusals ---------------------------------------------------------------------------------------


def ole2(stream_name: str) -> bytes:
    """The start of a compound (OLE2) file as Office writes it: signature, then a directory entry."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    entry = stream_name.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64
    return header + entry + b"\0" * 1024


def encrypted_docx() -> bytes:
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml")
    document = docx.Document()
    document.add_paragraph("Tài liệu mật")
    out = io.BytesIO()
    msoffcrypto.OOXMLFile(io.BytesIO(docx_bytes(document))).encrypt("mat-khau", out)
    return out.getvalue()


def plain_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Phòng Văn hóa - Xã hội phường")
    return docx_bytes(document)


def plain_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Nhiệm vụ"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with(document_xml: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["word/document.xml"] = document_xml
    return zip_of(members)


def zip_bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w") as member:
            chunk = b"\0" * MB
            for _ in range(size // MB):
                member.write(chunk)
    return buffer.getvalue()


REFUSALS = [
    ("too large", lambda: b"x" * (MB + 1), "bien-ban.txt", "quá lớn"),
    ("empty", lambda: b"", "trong.docx", "rỗng"),
    ("only white space", lambda: b" \r\n\t \r\n", "trang.txt", "khoảng trắng"),
    ("only a UTF-8 BOM", lambda: codecs.BOM_UTF8, "bom.txt", "khoảng trắng"),
    ("a Word file with no text", lambda: docx_bytes(docx.Document()), "rong.docx", "không có nội dung chữ"),
    ("old Word named .docx", lambda: ole2("WordDocument"), "cu.docx", "thực ra là tệp Word cũ (.doc)"),
    ("an Office file that is not Word named .doc", lambda: ole2("PowerPoint Document"), "cu.doc", "không phải"),
    ("old Excel", lambda: ole2("Workbook"), "cu.xls", "Excel cũ (.xls)"),
    ("Word with a password", encrypted_docx, "mat.docx", "được đặt mật khẩu"),
    ("a PDF named .docx", lambda: minimal_pdf(), "sai.docx", "thực ra là tệp PDF"),
    ("a Word file named .pdf", plain_docx, "sai.pdf", "thực ra là tệp Word (.docx)"),
    ("an Excel file named .docx", plain_xlsx, "sai.docx", "thực ra là tệp Excel (.xlsx)"),
    ("a Word file named .xlsx", plain_docx, "sai.xlsx", "thực ra là tệp Word (.docx)"),
    ("a Word file named .txt", plain_docx, "sai.txt", "thực ra là tệp Word (.docx)"),
    ("a .docx named .doc", plain_docx, "doi-duoi.doc", "đổi đuôi tên tệp"),
    ("a picture named .pdf", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "anh.pdf", "thực ra là tệp ảnh"),
    ("a plain ZIP named .docx", lambda: zip_of({"a.txt": b"xin chao"}), "nen.docx", "tệp nén ZIP"),
    ("binary named .txt", lambda: bytes(range(256)) * 4, "nhi-phan.txt", "không phải văn bản thuần"),
    ("control characters named .txt", lambda: b"abc\x01\x02\x03\x04\x05def" * 3, "dk.txt", "văn bản thuần"),
    ("random bytes named .pdf", lambda: b"xin chao" * 10, "gia.pdf", "không phải tệp PDF"),
    ("an unknown extension", lambda: b"xin chao", "bao-cao.pages", "đuôi «.pages»"),
    ("text named .odt", lambda: b"xin chao", "bao-cao.odt", "không phải tệp OpenDocument (.odt)"),
    ("a GIF", lambda: b"GIF89a" + b"\0" * 100, "anh.png", "thực ra là ảnh GIF"),
    ("no extension", lambda: b"xin chao", "README", "không có đuôi tên tệp"),
    ("a truncated Word file", lambda: plain_docx()[:700], "cut.docx", "bị hỏng"),
    ("a ZIP header and nothing else", lambda: b"PK\x03\x04" + b"\0" * 60, "vo.xlsx", "bị hỏng"),
    ("Word with broken XML", lambda: docx_with(b"<w:document><w:body><w:p>"), "xml.docx", "bị hỏng"),
    ("a PDF header and garbage", lambda: b"%PDF-1.4\n" + b"garbage " * 50, "hong.pdf", "bị hỏng"),
    ("a ZIP bomb", lambda: zip_bomb(25 * MB), "bom.docx", "giải nén lớn bất thường"),
]


@pytest.mark.parametrize(("case", "make", "name", "fragment"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_bad_file_is_refused_with_one_vietnamese_sentence(case: str, make, name: str, fragment: str) -> None:
    error = refused(make(), name, max_bytes=MB)
    assert fragment in error.message, case


# --- clean_text ------------------------------------------------------------------------------------


def test_clean_text_joins_the_sentences_that_page_breaks_cut_in_the_conclusion_notice(shared_dir: Path) -> None:
    raw = (shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8")
    assert "đang triển khai\n\ntrên địa bàn." in raw and "kiến\n\nnghi, phản ánh" in raw

    text = clean_text(raw)

    assert "các dự án đang triển khai trên địa bàn. Tham mưu" in text
    assert "tố cáo, kiến nghi, phản ánh thuộc thẩm quyền" in text
    assert "\n\n2.2. Phòng Văn hóa - Xã hội phường\n\n- Hoàn thành" in text
    assert unicodedata.is_normalized("NFC", text)


def test_clean_text_keeps_every_table_line_of_the_seeds(shared_dir: Path) -> None:
    for seed in ("000_fd44b82cfd10d0b4.txt", "002_bb20c4b39322e390.txt"):
        raw = (shared_dir / "seeds" / seed).read_text(encoding="utf-8")
        table_lines = [line for line in raw.split("\n") if "\t" in line]

        cleaned = [line for line in clean_text(raw).split("\n") if "\t" in line]

        assert len(cleaned) == len(table_lines)
        assert [line.count("\t") for line in cleaned] == [line.count("\t") for line in table_lines]
        assert not any("<i>" in line or "</i>" in line for line in cleaned)
        if seed.startswith("000"):
            assert cleaned[2].startswith("1.1\tTham mưu chuẩn bị công tác tuyển sinh đầu cấp (Mầm non, Lớp 1, Lớp 6):")


def test_clean_text_does_not_join_headings_list_items_or_table_rows() -> None:
    # Regression from seed 001: "a) Tập trung..." after a heading was glued onto the heading.
    text = (
        "6. Công tác quản lý đất đai, bảo vệ môi trường và phòng, chống thiên tai\n\n"
        "a) Tập trung cao chỉ đạo đẩy nhanh tiến độ.\n\n"
        "PHỤ LỤC 1\n\n"
        "kèm theo báo cáo\n\n"
        "STT\tNhiệm vụ\n\n"
        "trên địa bàn\tTháng 5"
    )
    assert clean_text(text) == text


def test_clean_text_normalises_spaces_line_ends_tags_and_page_numbers() -> None:
    raw = (
        "\ufeffTHÔNG\u00a0BÁO\r\n\r\n"
        + unicodedata.normalize("NFD", "Hoàn thành trước <b>ngày 15/5/2026</b>.")
        + "\r\n\r\n- 2 -\r\n\r\nTrang 3\r\n\r\n4\r\n\r\n"
        "Tỷ lệ <5% và\u200b  > 80%; năm 2026 &amp; 2027.\r\n\r\n"
        "1.1\t  Nội dung  <i>nghiêng</i>  \t\t\r\n"
    )

    assert clean_text(raw) == (
        "THÔNG BÁO\n\n"
        "Hoàn thành trước ngày 15/5/2026.\n\n"
        "Tỷ lệ <5% và > 80%; năm 2026 & 2027.\n\n"
        "1.1\tNội dung nghiêng\t\t"
    )


# --- no other exception, whatever comes in ---------------------------------------------------------

NAMES = st.sampled_from(["a.docx", "a.txt", "a.pdf", "a.xlsx", "a.doc", "a.bin"])


def assert_text_or_refusal(data: bytes, name: str) -> None:
    try:
        result = read(data, name, max_bytes=MB)
    except ImportFileError as error:
        assert error.message and "\n" not in error.message
    else:
        assert isinstance(result, DocumentText)
        assert result.text.strip() and unicodedata.is_normalized("NFC", result.text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), name=NAMES)
def test_random_bytes_are_read_or_refused_never_anything_else(data: bytes, name: str) -> None:
    assert_text_or_refusal(data, name)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), name=NAMES)
def test_random_bytes_that_claim_to_be_a_pdf_are_read_or_refused(data: bytes, name: str) -> None:
    assert_text_or_refusal(b"%PDF-1.4\n" + data, name)


MEMBER_NAMES = st.sampled_from(
    [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
        "word/numbering.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "mimetype",
        "docProps/core.xml",
    ]
)
XMLISH = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            b'wordprocessingml.document.main+xml"/></Types>',
            b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
            b"<w:r><w:t>xin ch\xc3\xa0o</w:t></w:r></w:p></w:body></w:document>",
            b"<workbook/>",
            b"<Relationships/>",
        ]
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    members=st.dictionaries(MEMBER_NAMES, XMLISH, max_size=8),
    name=st.sampled_from(["a.docx", "a.xlsx", "a.txt", "a.doc"]),
    base=st.booleans(),
)
def test_random_zips_are_read_or_refused_never_anything_else(members: dict[str, bytes], name: str, base: bool) -> None:
    if base:  # start from a real Word file and damage some of its parts
        with zipfile.ZipFile(io.BytesIO(plain_docx())) as archive:
            members = {**{n: archive.read(n) for n in archive.namelist()}, **members}
    assert_text_or_refusal(zip_of(members), name)
