"""The `tracker` command for the ward itself: init, start, db upgrade, people, and a broken ward file.
Everything goes through the command line (typer's CliRunner, and once the installed script)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import Result

from tests.cli_helpers import EXAMPLE, invoke, succeed

NOW = "2026-05-18T08:00:00+07:00"
SAMPLE_TITLES = [
    "Rà soát, cập nhật danh sách hộ nghèo, hộ cận nghèo cuối năm 2026",
    "Xây dựng Kế hoạch chỉnh trang đô thị dịp Tết Nguyên đán 2027",
    "Tổng hợp báo cáo kết quả thực hiện nhiệm vụ năm 2026 của các phòng, đơn vị",
    "Tổ chức tuyên truyền, vận động thanh niên tham gia nghĩa vụ quân sự năm 2027",
]


def run(url: str, *args: str, **env: str) -> Result:
    return invoke(url, *args, now=NOW, **env)


def ok(url: str, *args: str, **env: str) -> str:
    return succeed(url, *args, now=NOW, **env)


def data(url: str, *args: str) -> list | dict:
    return json.loads(ok(url, *args, "--json"))


def make_ward(url: str, config: Path = EXAMPLE) -> str:
    return ok(url, "init", "--config", str(config))


def ward_rows(url: str) -> tuple[list, list]:
    return data(url, "units", "list"), data(url, "people", "list")


def error_lines(result: Result) -> list[str]:
    """stderr of a refused command: exit 1, a handled error (not a crash), nothing on stdout."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("Lỗi: "), result.stderr
    return lines


def new_database(database_url: str, tmp_path: Path) -> str:
    # On SQLite a file that does not exist yet, as a newcomer has; on PostgreSQL the fixture's emptied database.
    return f"sqlite:///{tmp_path / 'moi.db'}" if database_url.startswith("sqlite") else database_url


def test_init_creates_the_ward_and_a_second_run_changes_nothing(database_url):
    first = make_ward(database_url)
    assert "Phường Mẫu: thêm" in first
    units, people = ward_rows(database_url)
    assert [u["key"] for u in units] == ["vhxh", "kthtdt", "vp", "ttpvhcc", "ttdvsnc", "bchqs", "ca", "tyt", "bqlda"]
    assert units[0]["name"] == "Phòng Văn hóa - Xã hội"
    assert units[0]["supervising_leader"] == "Khúc Đình Phong"
    assert len(people) == 14

    # Running the same file again must be safe: operators re-run init after every edit of the file.
    assert "không có gì thay đổi" in make_ward(database_url)
    assert ward_rows(database_url) == (units, people)


def test_renaming_a_unit_in_the_ward_file_keeps_its_tasks(database_url, tmp_path):
    # Units are matched by key, so a renamed department must not lose its tasks or become a new unit.
    make_ward(database_url)
    task = data(database_url, "task", "add", "Rà soát đối tượng bảo trợ xã hội", "--unit", "vhxh")
    renamed = tmp_path / "ward.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert text.count('name = "Phòng Văn hóa - Xã hội"') == 1
    renamed.write_text(text.replace('name = "Phòng Văn hóa - Xã hội"', 'name = "Phòng Văn hóa và Thông tin"'),
                       encoding="utf-8")

    assert "sửa 1" in make_ward(database_url, renamed)

    units = data(database_url, "units", "list")
    assert len(units) == 9
    assert units[0]["key"] == "vhxh" and units[0]["name"] == "Phòng Văn hóa và Thông tin"
    tasks = data(database_url, "task", "list", "--unit", "vhxh")
    assert [(t["id"], t["owner_unit"]) for t in tasks] == [(task["id"], "Phòng Văn hóa và Thông tin")]


def test_db_upgrade_on_a_migrated_database_says_it_is_up_to_date(database_url):
    assert "đã ở phiên bản mới nhất" in ok(database_url, "db", "upgrade")


def test_start_on_a_new_database_loads_the_example_ward_and_shows_what_to_try(database_url, tmp_path):
    url = new_database(database_url, tmp_path)
    # Wide enough that the task table does not fold the sample titles.
    result = invoke(url, "start", now=NOW, input="", COLUMNS="200")
    assert result.exit_code == 0, (result.output, result.exception)
    out = result.stdout
    assert "Đã tạo cơ sở dữ liệu mới với Phường Mẫu (phường/xã mẫu, để thử) và 4 nhiệm vụ mẫu." in out
    assert "Phường Mẫu — ngày 18/05/2026" in out
    for line in ("  1. Phòng Văn hóa - Xã hội", "  9. Ban Quản lý dự án đầu tư xây dựng"):
        assert line in out
    assert "4 nhiệm vụ đang mở" in out
    for title in SAMPLE_TITLES:
        assert title in out
    assert "Thử tiếp:" in out and "tracker task list --unit vhxh" in out and "tracker people invite tp-vhxh" in out

    # A newcomer runs start again and again; the example must not be loaded twice.
    again = invoke(url, "start", now=NOW, input="", COLUMNS="200")
    assert again.exit_code == 0, (again.output, again.exception)
    assert "Đã tạo" not in again.stdout and "4 nhiệm vụ đang mở" in again.stdout
    tasks = data(url, "task", "list", "--status", "all")
    assert sorted(t["title"] for t in tasks) == sorted(SAMPLE_TITLES)
    assert len(data(url, "units", "list")) == 9


def own_ward_file(tmp_path: Path) -> Path:
    """A ward office's own file: the example with another key and name."""
    path = tmp_path / "phuong-hoa-binh.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    path.write_text(text.replace('key = "phuong-mau"', 'key = "phuong-hoa-binh"', 1)
                    .replace('name = "Phường Mẫu"', 'name = "Phường Hòa Bình"', 1), encoding="utf-8")
    return path


def test_init_with_the_wards_own_file_replaces_the_untouched_sample(database_url, tmp_path):
    # Why: following the README after the first start made a second ward, and every command then asked
    # for --org; the sample could not be removed.
    url = new_database(database_url, tmp_path)
    assert invoke(url, "start", now=NOW, input="").exit_code == 0

    out = ok(url, "init", "--config", str(own_ward_file(tmp_path)), "--yes")

    assert "Đã bỏ phường/xã mẫu Phường Mẫu." in out
    assert ok(url, "task", "list").strip().startswith("Không có nhiệm vụ")  # no --org needed: one ward
    assert [u["name"] for u in data(url, "units", "list")][:1] == ["Phòng Văn hóa - Xã hội"]


def test_a_sample_someone_used_is_kept_and_cannot_be_removed(database_url, tmp_path):
    url = new_database(database_url, tmp_path)
    assert invoke(url, "start", now=NOW, input="").exit_code == 0
    ok(url, "task", "report", "1", "--result", "Đã rà soát", "--as", "tp-vhxh")

    ok(url, "init", "--config", str(own_ward_file(tmp_path)))
    refused = run(url, "org", "remove", "phuong-mau", "--yes")

    assert error_lines(refused)[0].startswith("Lỗi: Không xóa Phường Mẫu: phường/xã này đã có dữ liệu thật (báo cáo")
    assert "--org" in run(url, "task", "list").stderr  # both wards are there


def test_a_ward_nobody_used_is_removed_with_everything_under_it(database_url, tmp_path):
    url = new_database(database_url, tmp_path)
    assert invoke(url, "start", now=NOW, input="").exit_code == 0

    assert ok(url, "org", "remove", "phuong-mau", "--yes").strip() == "Đã xóa Phường Mẫu (phuong-mau)."

    assert "chưa có phường/xã nào" in run(url, "task", "list").stderr


def test_a_person_added_from_the_command_line_can_be_given_an_invite_code(database_url):
    make_ward(database_url)
    out = ok(database_url, "people", "add", "--key", "cv-vhxh", "--name", "Nguyễn Thị Hoa",
             "--role", "member", "--title", "Chuyên viên", "--unit", "Văn hoá - Xã hội")
    assert "Đã thêm Nguyễn Thị Hoa (khóa cv-vhxh)." in out
    people = {p["key"]: p for p in data(database_url, "people", "list")}
    assert people["cv-vhxh"]["unit_key"] == "vhxh" and people["cv-vhxh"]["role"] == "member"

    invite = data(database_url, "people", "invite", "tp-vhxh")
    assert invite["person"] == "tp-vhxh"
    assert len(invite["code"]) == 8 and invite["code"].isalnum() and invite["code"].isupper()
    # 72 hours after the fixed clock, as the example ward's policy says.
    assert datetime.fromisoformat(invite["expires_at"]) == datetime(2026, 5, 21, 1, 0, tzinfo=UTC)


def test_an_invite_is_printed_in_the_wards_time_with_the_telegram_link_when_the_bot_is_named(database_url):
    make_ward(database_url)
    printed = ok(database_url, "people", "invite", "tp-vhxh", TELEGRAM_BOT_USERNAME="PhuongMauBot")
    code = printed.split(": ", 1)[1].split()[0]
    assert f"Gửi cho bot Telegram hoặc Zalo: /start {code} (hết hạn 08:00 21/05/2026)." in printed
    assert f"Hoặc mở liên kết Telegram: https://t.me/PhuongMauBot?start={code}" in printed
    assert "t.me" not in ok(database_url, "people", "invite", "tp-vhxh")


def test_an_invite_of_a_ward_with_its_own_telegram_bot_links_to_that_bot(database_url, tmp_path):
    config = tmp_path / "ward.toml"
    own_bot = 'invite_code_hours = 72\ntelegram_bot_username = "PhuongMauRiengBot"'
    config.write_text(EXAMPLE.read_text(encoding="utf-8").replace("invite_code_hours = 72", own_bot), encoding="utf-8")
    make_ward(database_url, config)
    printed = ok(database_url, "people", "invite", "tp-vhxh", TELEGRAM_BOT_USERNAME="BotChungBot")
    code = printed.split(": ", 1)[1].split()[0]
    assert f"Hoặc mở liên kết Telegram: https://t.me/PhuongMauRiengBot?start={code}" in printed


def test_the_administrator_revokes_a_persons_codes_and_unbinds_their_chats_from_the_command_line(database_url):
    make_ward(database_url)
    data(database_url, "people", "invite", "tp-vhxh")
    assert ok(database_url, "people", "revoke-invite", "tp-vhxh").strip() == (
        "Đã hủy 1 mã mời chưa dùng của Ông Văn Lạc.")
    assert ok(database_url, "people", "revoke-invite", "tp-vhxh").strip() == (
        "Ông Văn Lạc không có mã mời nào đang chờ dùng.")
    assert ok(database_url, "people", "unbind", "tp-vhxh", "--channel", "zalo").strip() == (
        "Ông Văn Lạc không có liên kết chat nào trên Zalo.")
    refused = run(database_url, "people", "unbind", "tp-vhxh", "--as", "tp-vhxh")
    assert error_lines(refused) == ["Lỗi: Ông Văn Lạc không có quyền quản lý người dùng và mã mời."]


def test_a_person_added_with_a_phone_number_has_it_in_the_national_form_and_a_second_owner_is_refused(
        database_url):
    make_ward(database_url)
    ok(database_url, "people", "add", "--key", "cv-vhxh", "--name", "Nguyễn Thị Hoa", "--role", "member",
       "--unit", "vhxh", "--phone", "+84 900 000 001")
    people = {p["key"]: p for p in data(database_url, "people", "list")}
    assert people["cv-vhxh"]["phone"] == "0900000001" and people["cvp"]["phone"] is None
    before = ward_rows(database_url)
    taken = run(database_url, "people", "add", "--key", "cv-2", "--name", "Trần Văn Bình", "--role", "member",
                "--unit", "vhxh", "--phone", "0900.000.001")
    wrong = run(database_url, "people", "add", "--key", "cv-3", "--name", "Lê Thị Cúc", "--role", "member",
                "--unit", "vhxh", "--phone", "12345")
    assert error_lines(taken) == ["Lỗi: Số điện thoại 0900000001 đã là của Nguyễn Thị Hoa."]
    assert error_lines(wrong) == ["Lỗi: Số điện thoại «12345» không đúng: cần 10 chữ số (di động) hoặc 11 chữ số "
                                  "(cố định), bắt đầu bằng 0 hoặc +84."]
    assert taken.exit_code == wrong.exit_code == 1
    assert ward_rows(database_url) == before


def test_people_cannot_be_added_by_a_unit_head_and_nothing_is_stored(database_url):
    make_ward(database_url)
    before = ward_rows(database_url)
    result = run(database_url, "people", "add", "--key", "x", "--name", "Lê Văn X", "--role", "leader",
                 "--as", "tp-vhxh")
    assert error_lines(result) == ["Lỗi: Ông Văn Lạc không có quyền quản lý người dùng và mã mời."]
    assert ward_rows(database_url) == before


def test_a_persons_preferred_channel_is_set_from_the_command_line_and_shown_in_the_list(database_url):
    make_ward(database_url)
    assert "Ông Văn Lạc nhận tin nhắn qua Zalo trước tiên." in ok(
        database_url, "people", "update", "tp-vhxh", "--channel", "zalo")
    people = {p["key"]: p for p in data(database_url, "people", "list")}
    assert people["tp-vhxh"]["preferred_channel"] == "zalo" and people["cvp"]["preferred_channel"] is None
    assert "Kênh nhận tin" in ok(database_url, "people", "list", COLUMNS="200")
    assert "Zalo" in next(line for line in ok(database_url, "people", "list", COLUMNS="200").splitlines()
                          if "tp-vhxh" in line)

    assert "không chọn kênh ưu tiên" in ok(database_url, "people", "update", "tp-vhxh", "--channel", "none")
    people = {p["key"]: p for p in data(database_url, "people", "list")}
    assert people["tp-vhxh"]["preferred_channel"] is None


def test_an_unknown_preferred_channel_is_refused_in_one_line_and_nothing_changes(database_url):
    make_ward(database_url)
    ok(database_url, "people", "update", "tp-vhxh", "--channel", "telegram")
    before = ward_rows(database_url)
    result = run(database_url, "people", "update", "tp-vhxh", "--channel", "fax")
    assert error_lines(result) == ["Lỗi: Kênh «fax» không được hỗ trợ; chọn Telegram hoặc Zalo."]
    assert ward_rows(database_url) == before


def test_a_unit_head_cannot_choose_another_persons_channel(database_url):
    make_ward(database_url)
    result = run(database_url, "people", "update", "tp-kthtdt", "--channel", "zalo", "--as", "tp-vhxh")
    assert error_lines(result) == ["Lỗi: Ông Văn Lạc không có quyền quản lý người dùng và mã mời."]


def test_a_ward_file_with_a_misspelt_key_is_refused_with_its_line_number(database_url, tmp_path):
    make_ward(database_url)
    before = ward_rows(database_url)
    bad = tmp_path / "ward.toml"
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    number = lines.index('short_name = "VHXH"') + 1
    lines[number - 1] = 'shortname = "VHXH"'
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")

    first, *details = error_lines(run(database_url, "init", "--config", str(bad)))
    assert first == f"Lỗi: Tệp cấu hình {bad} có lỗi:"
    # One line per problem after the heading; here there is exactly one.
    assert details == [f"- dòng {number}, khóa units[1].shortname: khóa không được hỗ trợ (viết sai tên khóa?)"]
    assert ward_rows(database_url) == before


def test_a_ward_file_with_a_toml_syntax_error_is_refused_with_its_line_number(database_url, tmp_path):
    make_ward(database_url)
    before = ward_rows(database_url)
    bad = tmp_path / "ward.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    number = text.splitlines().index('name = "Phường Mẫu"') + 1
    bad.write_text(text.replace('name = "Phường Mẫu"', 'name = "Phường Mẫu'), encoding="utf-8")

    lines = error_lines(run(database_url, "init", "--config", str(bad)))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"Lỗi: Tệp cấu hình {bad} sai cú pháp TOML ở dòng {number}, cột ")
    assert ward_rows(database_url) == before


def test_the_installed_tracker_script_works_end_to_end(database_url):
    # The console script (pyproject [project.scripts]) is what operators type; CliRunner does not exercise it.
    script = shutil.which("tracker", path=str(Path(sys.executable).parent))
    assert script, f"no tracker script next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if k not in ("TRACKER_ORG", "TRACKER_AS")}
    env.update(TRACKER_DATABASE_URL=database_url, TRACKER_NOW=NOW, COLUMNS="80")

    def tracker(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([script, *args], env=env, capture_output=True, text=True, encoding="utf-8",
                              stdin=subprocess.DEVNULL, timeout=60, check=False)

    make_ward(database_url)  # in-process: each start of the script costs seconds of imports
    added = tracker("task", "add", "Tổ chức Tết Thiếu nhi 1/6", "--unit", "VH-XH", "--due", "31/5/2026", "--json")
    assert added.returncode == 0, added.stderr
    task = json.loads(added.stdout)
    assert (task["owner_unit"], task["due_on"], task["assigned_on"]) == ("Phòng Văn hóa - Xã hội", "2026-05-31",
                                                                         "2026-05-18")
    missing = tracker("task", "show", "999")
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.splitlines() == ["Lỗi: Không tìm thấy nhiệm vụ số 999."]
