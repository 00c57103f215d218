"""The ward file: units, aliases, people, leaders and the reminder policy, validated at start-up."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import date, time
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracker.config.locate import line_of
from tracker.enums import DeadlineKind, Role
from tracker.errors import ConfigError
from tracker.phones import phone_number

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WardInfo(_Strict):
    key: Key
    name: str = Field(min_length=1)
    timezone: str = "Asia/Ho_Chi_Minh"
    admin: Key


class PolicyConfig(_Strict):
    """How and when the ward nags; the defaults are the design's."""

    remind_before_working_days: list[Annotated[int, Field(ge=1, le=30)]] = [3, 1]
    remind_on_due_day: bool = True
    remind_overdue_every_working_day: bool = True
    escalate_after_overdue_working_days: int = Field(default=3, ge=1)
    office_hours_start: time = time(7, 30)
    office_hours_end: time = time(17, 0)
    reminder_time: time = time(7, 30)
    digest_time: time = time(7, 45)
    weekly_summary_weekday: int = Field(default=0, ge=0, le=6)
    default_due: str = Field(default="end_of_meeting_month", pattern="^(end_of_meeting_month|none)$")
    report_period_end_day: int = Field(default=18, ge=1, le=31)
    results_request_working_days_before: int = Field(default=2, ge=0, le=15)
    extra_days_off: list[date] = []
    extra_working_days: list[date] = []
    upload_max_mb: int = Field(default=20, ge=1, le=200)
    invite_code_hours: int = Field(default=72, ge=1, le=24 * 30)
    # The @name of the ward's own Telegram bot (its token is a secret kept out of this file: bots/ward_bots.py),
    # for the t.me links of its invites; empty: the deployment's bot, TELEGRAM_BOT_USERNAME.
    telegram_bot_username: str = Field(default="", pattern=r"^([A-Za-z][A-Za-z0-9_]{4,31})?$")


class UnitConfig(_Strict):
    key: Key
    name: str = Field(min_length=1)
    short_name: str = ""
    aliases: list[str] = []
    order: int = Field(ge=1)
    leader: Key | None = None


class PersonConfig(_Strict):
    key: Key
    name: str = Field(min_length=1)
    title: str = ""
    role: Role
    unit: Key | None = None
    # To sign in to the web console by phone as well as by key; any usual writing ("0912 345 678", "+84 ...").
    phone: str = ""


class SampleTaskConfig(_Strict):
    """A task loaded with a brand-new example database so that a newcomer sees something."""

    title: str = Field(min_length=1)
    unit: Key
    due: date | None = None
    deadline_text: str = ""
    kind: DeadlineKind | None = None
    expected_output: str = ""


class WardConfig(_Strict):
    ward: WardInfo
    policy: PolicyConfig = PolicyConfig()
    units: list[UnitConfig] = Field(min_length=1)
    people: list[PersonConfig] = []
    sample_tasks: list[SampleTaskConfig] = []


Problem = tuple[Sequence[str | int], str]

_MESSAGES = {
    "missing": "thiếu khóa bắt buộc",
    "extra_forbidden": "khóa không được hỗ trợ (viết sai tên khóa?)",
    "string_type": "phải là một chuỗi ký tự trong ngoặc kép",
    "int_type": "phải là một số nguyên",
    "int_parsing": "phải là một số nguyên",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
    "list_type": "phải là một danh sách [...]",
    "date_type": "phải là một ngày dạng 2026-05-31",
    "date_from_datetime_parsing": "phải là một ngày dạng 2026-05-31",
    "time_type": "phải là một giờ dạng 07:30:00",
    "time_parsing": "phải là một giờ dạng 07:30:00",
    "string_pattern_mismatch": "giá trị không đúng dạng cho phép",
    "string_too_short": "không được để trống",
    "too_short": "không được để trống",
    "enum": "phải là một trong: admin, leader, office, unit_head, member",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than_equal": "giá trị quá lớn",
}


def load_ward_file(path: str | Path) -> WardConfig:
    """Read and check a ward file. Raises ConfigError listing every problem with its key and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {path}.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {path} phải được lưu bằng mã UTF-8.") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {path} sai cú pháp TOML {_toml_position(exc)}.") from exc
    try:
        config = WardConfig.model_validate(raw)
    except ValidationError as exc:
        problems: list[Problem] = [(e["loc"], _MESSAGES.get(e["type"], e["msg"])) for e in exc.errors()]
        raise ConfigError(_describe(path, text, problems)) from exc
    problems = cross_check(config)
    if problems:
        raise ConfigError(_describe(path, text, problems))
    return config


def cross_check(config: WardConfig) -> list[Problem]:
    """The rules that tie one part of the file to another (keys, references, roles)."""
    problems: list[Problem] = []
    problems += _duplicates("units", [u.key for u in config.units])
    problems += _duplicates("people", [p.key for p in config.people])
    unit_keys = {u.key for u in config.units}
    people = {p.key: p for p in config.people}
    admin = people.get(config.ward.admin)
    if admin is None or admin.role != Role.ADMIN:
        problems.append((("ward", "admin"), f"«{config.ward.admin}» phải là khóa của một người có role = \"admin\""))
    for index, person in enumerate(config.people):
        if person.unit is not None and person.unit not in unit_keys:
            problems.append((("people", index, "unit"), f"không có đơn vị nào có khóa «{person.unit}»"))
        if person.role in (Role.UNIT_HEAD, Role.MEMBER) and person.unit is None:
            problems.append((("people", index, "unit"), "trưởng đơn vị và cán bộ phải thuộc một đơn vị"))
    problems += _phone_problems(config.people)
    for index, unit in enumerate(config.units):
        leader = people.get(unit.leader) if unit.leader else None
        if unit.leader and (leader is None or leader.role != Role.LEADER):
            problems.append((("units", index, "leader"), f"«{unit.leader}» phải là khóa của một lãnh đạo"))
    for index, task in enumerate(config.sample_tasks):
        if task.unit not in unit_keys:
            problems.append((("sample_tasks", index, "unit"), f"không có đơn vị nào có khóa «{task.unit}»"))
    return problems


def _phone_problems(people: list[PersonConfig]) -> list[Problem]:
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for index, person in enumerate(people):
        if not person.phone:
            continue
        phone = phone_number(person.phone)
        if phone is None:
            problems.append((("people", index, "phone"),
                             "số điện thoại cần 10 hoặc 11 chữ số, bắt đầu bằng 0 hoặc +84"))
        elif phone in owners:
            problems.append((("people", index, "phone"), f"số điện thoại trùng với của «{owners[phone]}»"))
        else:
            owners[phone] = person.key
    return problems


def _duplicates(section: str, keys: list[str]) -> list[Problem]:
    seen: set[str] = set()
    problems: list[Problem] = []
    for index, key in enumerate(keys):
        if key in seen:
            problems.append(((section, index, "key"), f"khóa «{key}» bị trùng"))
        seen.add(key)
    return problems


def _describe(path: Path, text: str, problems: list[Problem]) -> str:
    lines = [f"Tệp cấu hình {path} có lỗi:"]
    for location, message in problems:
        line = line_of(text, location)
        where = f"dòng {line}, " if line else ""
        lines.append(f"- {where}khóa {_dotted(location)}: {message}")
    return "\n".join(lines)


def _dotted(location: Sequence[str | int]) -> str:
    out = ""
    for part in location:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _toml_position(exc: tomllib.TOMLDecodeError) -> str:
    match = re.search(r"line (\d+), column (\d+)", str(exc))
    return f"ở dòng {match.group(1)}, cột {match.group(2)}" if match else ""
