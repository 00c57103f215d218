"""The command line's own words in Vietnamese: what typer says about a mistyped command, a missing option or
a value of the wrong type becomes one line ("Lỗi: ...", exit code 1), and its help pages' headings are
Vietnamese.

Typer writes these texts in English and offers no catalogue to translate them, so the errors are read here
by their kind and their fields (the option's name, the parameter, the suggestion), never by parsing the
English sentences except for the two that carry no fields (an unknown command, extra arguments)."""

from __future__ import annotations

import re

from typer import _click, rich_utils
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoSuchOption,
    UsageError,
)

HELP_OPTION_TEXT = "Hiện hướng dẫn này rồi thoát."
ABORTED = "Đã dừng, không lưu gì."
_NO_SUCH_COMMAND = re.compile(r"No such command '(?P<name>.*?)'\.(?: Did you mean '(?P<guess>.*?)'\?)?")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<extra>.*)\)")


def usage_line(error: UsageError) -> str:
    """One Vietnamese sentence for a usage error, with where to look for the right usage."""
    # The command as typed, under the console script's name whatever the program was called.
    words = error.ctx.command_path.split()[1:] if error.ctx is not None else []
    return f"{_what(error)} Gõ «{' '.join(['tracker', *words])} --help» để xem cách dùng."


def _what(error: UsageError) -> str:
    if isinstance(error, NoSuchOption):
        guess = f"; có phải «{error.possibilities[0]}»?" if error.possibilities else "."
        return f"Không có tùy chọn «{error.option_name}»{guess}"
    if isinstance(error, MissingParameter):
        return f"Thiếu {_named(error)}."
    if isinstance(error, BadParameter):
        named = _named(error)
        whose = f"Giá trị của {named}" if named.startswith("tùy chọn") else named.capitalize()
        return f"{whose} không hợp lệ{_expected(error.message)}."
    if isinstance(error, BadOptionUsage):
        return f"Tùy chọn «{error.option_name}» cần một giá trị."
    if match := _NO_SUCH_COMMAND.fullmatch(error.message):
        guess = f"; có phải «{match['guess']}»?" if match["guess"] else "."
        return f"Không có lệnh «{match['name']}»{guess}"
    if match := _EXTRA.fullmatch(error.message):
        return f"Thừa giá trị «{match['extra']}»."
    return "Lệnh gõ chưa đúng."


def _named(error: BadParameter) -> str:
    param = error.param
    if param is None:
        return "một giá trị"
    if getattr(param, "param_type_name", "") == "option":
        return f"tùy chọn «{max(param.opts, key=len)}»"
    return f"giá trị «{param.name}»"


def _expected(message: str) -> str:
    lowered = message.lower()
    if "integer" in lowered:
        return " (phải là số nguyên)"
    if "number" in lowered or "float" in lowered:
        return " (phải là số)"
    if "is not one of" in lowered or "valid choice" in lowered:
        return " (không nằm trong các giá trị được chọn)"
    return ""


def speak_vietnamese() -> None:
    """Put Vietnamese headings and the help option's text in every help page typer draws."""
    rich_utils.ARGUMENTS_PANEL_TITLE = "Giá trị"
    rich_utils.OPTIONS_PANEL_TITLE = "Tùy chọn"
    rich_utils.COMMANDS_PANEL_TITLE = "Lệnh"
    rich_utils.ERRORS_PANEL_TITLE = "Lỗi"
    rich_utils.DEFAULT_STRING = "[mặc định: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[bắt buộc]"
    rich_utils.ENVVAR_STRING = "[biến môi trường: {}]"
    rich_utils.ABORTED_TEXT = ABORTED
    rich_utils.OptionHighlighter.highlights = [
        *[pattern for pattern in rich_utils.OptionHighlighter.highlights if "usage" not in pattern],
        r"(?P<usage>Cách dùng: )",
    ]
    write_usage = _click.formatting.HelpFormatter.write_usage
    if not getattr(write_usage, "vietnamese", False):
        def vietnamese_usage(self: _click.formatting.HelpFormatter, prog: str, args: str = "",
                             prefix: str | None = None) -> None:
            write_usage(self, prog, args, "Cách dùng: " if prefix is None else prefix)

        vietnamese_usage.vietnamese = True  # type: ignore[attr-defined]
        _click.formatting.HelpFormatter.write_usage = vietnamese_usage  # type: ignore[method-assign]
    if getattr(_click.Command.get_help_option, "vietnamese", False):
        return
    english = _click.Command.get_help_option

    def get_help_option(self: _click.Command, ctx: _click.Context) -> _click.Option | None:
        option = english(self, ctx)
        if option is not None:
            option.help = HELP_OPTION_TEXT
        return option

    get_help_option.vietnamese = True  # type: ignore[attr-defined]
    _click.Command.get_help_option = get_help_option  # type: ignore[method-assign]
