"""The command line typed wrong: every mistake is one Vietnamese line and exit code 1, and the help pages
speak Vietnamese, through typer's CliRunner."""

from __future__ import annotations

import pytest
from typer.testing import Result

from app.cli.main import app
from tests.cli_helpers import EXAMPLE, invoke, succeed

NOW = "2026-05-18T08:00:00+07:00"


def run(url: str, *args: str, input: str | None = None) -> Result:
    return invoke(url, *args, now=NOW, input=input, COLUMNS="200")


def one_error_line(result: Result) -> str:
    assert result.exit_code == 1, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Lỗi: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(("args", "says"), [
    (("task", "show", "abc"), "Lỗi: Giá trị «task_id» không hợp lệ (phải là số nguyên). Gõ «tracker task show --help»"),
    (("tsk", "list"), "Lỗi: Không có lệnh «tsk»; có phải «task»?"),
    (("task", "show"), "Lỗi: Thiếu giá trị «task_id»."),
    (("task", "list", "--bogus"), "Lỗi: Không có tùy chọn «--bogus»"),
    (("jobs", "run", "daily", "--at"), "Lỗi: Tùy chọn «--at» cần một giá trị."),
    (("task", "show", "1", "2"), "Lỗi: Thừa giá trị"),
    (("task", "add", "Việc mới"), "Lỗi: Thiếu tùy chọn «--unit»."),
])
def test_a_command_typed_wrong_is_one_vietnamese_line_and_exit_code_1(database_url, args, says):
    # Why: typer printed English in a box and exited 2, where the README promises one Vietnamese line and 1.
    succeed(database_url, "init", "--config", str(EXAMPLE), now=NOW)

    assert one_error_line(run(database_url, *args)).startswith(says)


def test_input_ending_at_a_prompt_stops_with_one_line_and_stores_nothing(database_url, shared_dir, tmp_path):
    succeed(database_url, "init", "--config", str(EXAMPLE), now=NOW)
    notice = tmp_path / "thong-bao.txt"
    notice.write_text((shared_dir / "seeds" / "004_43a30539afeed7f9.txt").read_text(encoding="utf-8"),
                      encoding="utf-8")

    result = run(database_url, "import", str(notice), input="")

    assert result.exit_code == 1 and result.stderr.strip() == "Lỗi: Đã dừng, không lưu gì."
    assert succeed(database_url, "import", "--list", "--json", now=NOW).strip() == "[]"


def command_paths(group=None, prefix=()):  # type: ignore[no-untyped-def]
    """Every command of the command line, as the words that name it."""
    import typer.main

    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from command_paths(command, (*prefix, name))


def test_every_help_page_is_in_vietnamese(database_url):
    pages = [("--help",), *((*path, "--help") for path in command_paths())]
    assert len(pages) > 20
    for page in pages:
        result = run(database_url, *page)
        assert result.exit_code == 0, page
        for english in ("Show this message", "Usage:", "Options", "Arguments", "Commands", "[required]"):
            assert english not in result.stdout, (page, english)
        assert "Cách dùng:" in result.stdout and "Hiện hướng dẫn này rồi thoát." in result.stdout, page


@pytest.mark.parametrize(("variable", "value"), [("TRACKER_WEB_LISTEN", "mọi nơi"), ("TRACKER_BACKUP_KEEP", "0"),
                                                 ("TELEGRAM_BOT_USERNAME", "x")])
def test_a_wrong_environment_variable_is_named_in_one_vietnamese_line(database_url, variable, value):
    # Why: pydantic's own report is several English lines and a traceback reached the terminal.
    result = invoke(database_url, "stats", now="2026-05-12T08:00:00+07:00", **{variable: value})
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Lỗi: Biến môi trường {variable} không hợp lệ (giá trị «{value}»); hãy sửa theo bảng biến môi trường "
        "trong README."]
