"""Every command of the command line that reads or changes a ward, run `--as` every role: a role the
action is not for is refused in one line naming the action, and a role it is for gets its work done. The
same rules as the chat's (tests/test_dialog_access.py), since both are faces of the same use cases."""

from __future__ import annotations

import re

import pytest
from typer.testing import Result

from tests.cli_helpers import EXAMPLE, invoke, succeed

NOW = "2026-05-18T08:00:00+07:00"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b")
ADMIN, LEADER, OFFICE, HEAD, MEMBER = "quan-tri", "pct-vx", "van-thu", "tp-vhxh", "cb-vhxh"
EVERYONE = {ADMIN, LEADER, OFFICE, HEAD, MEMBER}
WARD_STAFF = {ADMIN, LEADER, OFFICE}

# The command, and who may run it. In order: a command may need what an earlier one left (the task
# reported done before it is confirmed, confirmed before it is reopened).
WALK: list[tuple[tuple[str, ...], set[str]]] = [
    (("task", "list"), EVERYONE),
    (("task", "show", "1"), EVERYONE),
    (("task", "requests"), EVERYONE),
    (("task", "add", "Việc giao thêm", "--unit", "vhxh"), WARD_STAFF),
    (("task", "update", "1", "--title", "Việc đã sửa"), WARD_STAFF),
    (("task", "report", "1", "--result", "Đã triển khai"), EVERYONE),
    (("task", "extend", "1", "--to", "30/6/2026", "--reason", "Chờ ý kiến"), WARD_STAFF | {HEAD}),
    (("task", "decide", "1", "--approve"), {LEADER}),
    (("task", "done", "2"), WARD_STAFF | {HEAD}),
    (("task", "confirm", "2"), WARD_STAFF),
    (("task", "reopen", "2", "--reason", "Chưa xong"), WARD_STAFF),
    (("task", "cancel", "3", "--reason", "Trùng"), WARD_STAFF),
    (("people", "invite", "tp-kthtdt"), {ADMIN}),
    (("people", "revoke-invite", "tp-kthtdt"), {ADMIN}),
    (("people", "unbind", "tp-kthtdt"), {ADMIN}),
    (("outbox", "list"), WARD_STAFF),
    (("jobs", "run", "daily"), {ADMIN}),
]


def run(url: str, *args: str) -> Result:
    return invoke(url, *args, now=NOW, COLUMNS="200")


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_every_command_refuses_the_roles_it_is_not_for_and_serves_the_others(database_url, who):
    succeed(database_url, "init", "--config", str(EXAMPLE), now=NOW)
    succeed(database_url, "people", "add", "--key", MEMBER, "--name", "Cán bộ Văn hóa", "--role", "member",
            "--unit", "vhxh", now=NOW)
    for title in ("Rà soát hộ nghèo", "Tổ chức Tết Thiếu nhi", "Kiểm tra an toàn thực phẩm"):
        succeed(database_url, "task", "add", title, "--unit", "vhxh", "--due", "31/5/2026", now=NOW)
    succeed(database_url, "task", "extend", "1", "--to", "15/6/2026", "--reason", "Chờ số liệu", "--as", HEAD, now=NOW)

    for args, allowed in WALK:
        result = run(database_url, *args, "--as", who)
        if who in allowed:
            assert result.exit_code == 0, (args, who, result.stderr)
            assert not ISO_DATE.search(result.stdout), (args, result.stdout)  # dates as people write them
        else:
            assert result.exit_code == 1 and "không có quyền" in result.stderr, (args, who, result.stderr)
