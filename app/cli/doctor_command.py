"""`tracker doctor`: is this deployment healthy? Configuration, database, chat bots, jobs, outbox, backups,
disk and clocks, each as đạt or cần sửa with what to do; exit code 1 when anything needs fixing."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from app.cli.context import JsonOption, state
from app.cli.render import console, print_json
from tracker.clock import SystemClock
from tracker.errors import TrackerError, one_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.usecases.health import Check


def doctor(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Kiểm tra hệ thống: cấu hình, cơ sở dữ liệu, bot chat, việc theo lịch, hộp thư đi, sao lưu, đĩa, đồng hồ."""
    from app.service import LOG_DIR
    from tracker.usecases.health import Check, backup_check, database_checks, disk_check

    st = state(ctx)
    clock = st.clock()
    checks = [_config_check(Path(st.settings.config))]
    try:
        checks += database_checks(st.engine(), clock=clock, wall=SystemClock())
    except Exception as exc:  # the database itself may be what is wrong
        checks.append(Check("cơ sở dữ liệu", False, one_line(exc),
                            "kiểm tra TRACKER_DATABASE_URL và máy cơ sở dữ liệu"))
    checks += _channel_checks(st.engine())
    checks.append(backup_check(Path(st.settings.backup_dir), clock=SystemClock()))
    checks.append(disk_check(LOG_DIR))
    if as_json:
        print_json([{"name": c.name, "ok": c.ok, "found": c.found, "fix": "" if c.ok else c.fix} for c in checks])
    else:
        for check in checks:
            line = f"{'đạt' if check.ok else 'cần sửa'} — {check.name}: {check.found}"
            console.print(line + ("" if check.ok else f" → {check.fix}"), markup=False, highlight=False)
    if not all(check.ok for check in checks):
        raise typer.Exit(1)


def _config_check(path: Path) -> Check:
    from tracker.config import load_ward_file
    from tracker.usecases.health import Check

    try:
        ward = load_ward_file(path)
    except TrackerError as exc:
        return Check("cấu hình", False, exc.message, f"sửa tệp {path}")
    return Check("cấu hình", True, f"{path}: {ward.ward.name}")


def _channel_checks(engine: Engine) -> list[Check]:
    # The chat libraries load for this command only.
    from bots.channels import ChannelError, bots_settings, plugin_of
    from bots.poll_lease import bot_key
    from bots.ward_bots import bot_label
    from tracker.usecases.health import Check

    wards, pollers = _wards_and_pollers(engine)
    try:
        switched_on = bots_settings(wards)
    except TrackerError as exc:
        return [Check("kênh chat", False, exc.message, "sửa biến môi trường của kênh")]
    if not switched_on:
        return [Check("kênh chat", True, "chưa đặt token: tin nhắn ghi ra tệp nhật ký")]
    checks = []
    for name, settings in switched_on.items():
        plugin = plugin_of(name)
        if plugin is None or plugin.check is None:
            continue
        label = f"bot {bot_label(name)}"
        try:
            bot, problems = asyncio.run(plugin.check(settings))
        except ChannelError as exc:
            checks.append(Check(label, False, str(exc), "kiểm tra token và mạng tới máy chủ chat"))
            continue
        said = [bot, *problems]
        token = getattr(settings, "bot_token", None)
        if settings.webhook_url is None and token is not None:
            holder = pollers.get(bot_key(name, token.get_secret_value()))
            said.append(f"tiến trình «{holder}» đang nhận tin" if holder
                        else "chưa có tiến trình nào nhận tin (tracker serve đang chạy chưa?)")
        checks.append(Check(label, not problems, "; ".join(said), "xem các điều ghi bên cạnh"))
    return checks


def _wards_and_pollers(engine: Engine) -> tuple[list[str], dict[str, str]]:
    # The wards name their own bots; the poll leases tell who polls each. A database that cannot be read
    # is the database check's to report: the bots are still checked.
    from tracker.catchup import ward_times
    from tracker.db import session_scope
    from tracker.leases import holders

    try:
        with session_scope(engine) as session:
            wards = [ward.key for ward in ward_times(session)]
        return wards, {held.name: held.holder for held in holders(engine, SystemClock()) if held.role == "poll"}
    except Exception:
        return [], {}
