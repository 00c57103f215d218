"""The ward file: the example loads, and a wrong file stops with the key and the line, in Vietnamese."""

from pathlib import Path

import pytest

from tests.builders import EXAMPLE_WARD_FILE
from tracker.config import load_ward_file
from tracker.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ward.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _broken_example(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE_WARD_FILE.read_text(encoding="utf-8")
    assert old in text
    return _write(tmp_path, text.replace(old, new, 1))


def _line_of(path: Path, fragment: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


def test_the_example_ward_has_the_nine_standard_units_with_a_head_each_and_three_leaders():
    config = load_ward_file(EXAMPLE_WARD_FILE)
    assert [u.order for u in config.units] == list(range(1, 10))
    heads = {p.unit for p in config.people if p.role == "unit_head"}
    assert heads == {u.key for u in config.units}
    assert sum(p.role == "leader" for p in config.people) == 3
    assert all(u.leader for u in config.units)


def test_a_misspelt_key_is_reported_with_its_line(tmp_path):
    path = _broken_example(tmp_path, 'short_name = "VHXH"', 'shortname = "VHXH"')
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    line = _line_of(path, 'shortname = "VHXH"')
    assert f"dòng {line}, khóa units[1].shortname: khóa không được hỗ trợ" in caught.value.message


def test_a_wrong_value_type_is_reported_with_its_line_and_key(tmp_path):
    path = _broken_example(tmp_path, "order = 3", 'order = "ba"')
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    line = _line_of(path, 'order = "ba"')
    assert f"dòng {line}, khóa units[3].order: phải là một số nguyên" in caught.value.message


def test_a_person_in_an_unknown_unit_is_reported(tmp_path):
    path = _broken_example(tmp_path, 'unit = "tyt"', 'unit = "tram-y-te"')
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    assert "không có đơn vị nào có khóa «tram-y-te»" in caught.value.message
    line = _line_of(path, 'unit = "tram-y-te"')
    assert f"dòng {line}," in caught.value.message


def test_a_unit_supervised_by_someone_who_is_not_a_leader_is_reported(tmp_path):
    path = _broken_example(tmp_path, 'leader = "pct-vx"', 'leader = "van-thu"')
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    assert "«van-thu» phải là khóa của một lãnh đạo" in caught.value.message


def test_two_units_with_the_same_key_are_reported(tmp_path):
    path = _broken_example(tmp_path, 'key = "tyt"', 'key = "ca"')
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    assert "khóa «ca» bị trùng" in caught.value.message


def test_a_toml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, '[ward]\nkey = "a"\nname = "Phường A\n')
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    assert "sai cú pháp TOML ở dòng 3" in caught.value.message


def test_a_missing_file_is_reported_in_vietnamese(tmp_path):
    with pytest.raises(ConfigError, match="Không tìm thấy tệp cấu hình"):
        load_ward_file(tmp_path / "khong-co.toml")


def test_an_impossible_date_in_the_policy_is_refused(tmp_path):
    path = _broken_example(tmp_path, "extra_days_off = []", "extra_days_off = [2026-02-30]")
    with pytest.raises(ConfigError):
        load_ward_file(path)


def test_a_wrong_phone_number_and_a_phone_number_given_twice_are_reported_with_their_lines(tmp_path):
    text = EXAMPLE_WARD_FILE.read_text(encoding="utf-8")
    text = text.replace('unit = "vhxh"\n', 'unit = "vhxh"\nphone = "0900 000 01"\n', 1)
    text = text.replace('key = "tp-kthtdt"\n', 'key = "tp-kthtdt"\nphone = "+84 900 000 002"\n', 1)
    text = text.replace('key = "cvp"\n', 'key = "cvp"\nphone = "0900.000.002"\n', 1)
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_ward_file(path)
    message = caught.value.message
    assert f"dòng {_line_of(path, '0900 000 01')}," in message and "cần 10 hoặc 11 chữ số" in message
    assert f"dòng {_line_of(path, '0900.000.002')}," in message
    assert "số điện thoại trùng với của «tp-kthtdt»" in message
