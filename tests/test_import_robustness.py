"""Whatever a clerk feeds it, the importer answers with a valid result or one clear error."""

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.builders import EXAMPLE_WARD_FILE
from tracker.config import load_ward_file
from tracker.errors import InvalidInputError
from tracker.importer.directory import UnitDirectory
from tracker.importer.parse import parse_document
from tracker.importer.reading import read_document

UNITS = UnitDirectory.from_config(load_ward_file(EXAMPLE_WARD_FILE))
KINDS = {"conclusion_notice", "task_table", "other"}
# Pieces of real documents, so random text reaches the parsers' deeper paths, not only their first check.
PIECES = st.sampled_from([
    "THÔNG BÁO\n", "Kết luận của Chủ tịch\n", "Ngày 07/5/2026, UBND phường họp.\n", "2.1. Công an phường\n",
    "2.2. Các phòng, cơ quan, đơn vị\n", "- Rà soát hộ nghèo hoàn thành trước ngày 31/4/2026.\n",
    "STT\tNhiệm vụ\tĐơn vị chủ trì\tThời hạn\n", "1\tPhòng Văn hóa - Xã hội phường (2 nhiệm vụ)\t\t\n",
    "1.1\tXây dựng kế hoạch\tTrạm Y tế\tQuý V/2026\n", "\t\t\t\n", "Nơi nhận:\n", "Số: 12/TB-UBND\n",
])


def _valid(document) -> None:
    data = json.loads(json.dumps(document.to_json(), ensure_ascii=False))
    assert data["document"]["kind"] in KINDS
    for task in data["tasks"]:
        assert task["deadline"]["kind"] in {"date", "month", "quarter", "year", "recurring", "none"}
        assert task["owner"]["unit"] is None or task["owner"]["unit"] == "*" or task["owner"]["unit"] in UNITS.names


@settings(max_examples=150, deadline=None)
@given(text=st.lists(st.one_of(PIECES, st.text(max_size=80)), max_size=25).map("".join))
def test_any_text_gives_a_valid_parse(text):
    _valid(parse_document(text, units=UNITS, today=date(2026, 5, 8)))


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".docx", ".pdf", ".xlsx", ".doc"]))
def test_any_bytes_give_a_valid_parse_or_one_clear_error(data, suffix):
    try:
        source = read_document(data=data, name=f"tep{suffix}", max_bytes=1_000_000)
    except InvalidInputError as error:
        assert error.message and "\n" not in error.message
        return
    _valid(parse_document(source.text, units=UNITS, today=date(2026, 5, 8)))
