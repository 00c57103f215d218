"""Commands about the ward itself: units, people and invite codes, overdue tasks and figures."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from app.cli.context import AsOption, JsonOption, OrgOption, acting, state
from app.cli.render import console, person_dict, print_json, task_dict, tasks_table
from tracker.channels import channel_label, chat_channels
from tracker.dates import format_day, parse_day
from tracker.errors import InvalidInputError

if TYPE_CHECKING:
    from tracker.models import Unit


units_app = typer.Typer(help="Đơn vị của phường/xã.", no_args_is_help=True)
people_app = typer.Typer(help="Người dùng và mã mời liên kết tài khoản chat.", no_args_is_help=True)
OnOption = Annotated[str | None, typer.Option("--on", help="Ngày tính, ví dụ 20/5/2026 (mặc định: hôm nay).")]


@units_app.command("list")
def units_list(ctx: typer.Context, as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None) -> None:
    """Các đơn vị theo thứ tự trong phụ lục."""
    from tracker.usecases import list_units

    with acting(ctx, org, as_) as a:
        units = list_units(a.session, org_id=a.org.id or 0)
        if as_json:
            print_json([_unit_dict(a.session, u) for u in units])
            return
        table = Table(title=f"Đơn vị của {a.org.name}", title_justify="left")
        for header in ("Thứ tự", "Khóa", "Tên đơn vị", "Viết tắt", "Lãnh đạo phụ trách"):
            table.add_column(header, overflow="fold")
        for u in units:
            d = _unit_dict(a.session, u)
            table.add_row(str(u.appendix_order), u.key, u.name, u.short_name, d["supervising_leader"] or "")
        console.print(table)


def _unit_dict(session, unit: Unit) -> dict:  # type: ignore[no-untyped-def]
    from tracker.models import Person

    leader = session.get(Person, unit.supervising_leader_id) if unit.supervising_leader_id else None
    return {"id": unit.id, "key": unit.key, "name": unit.name, "short_name": unit.short_name,
            "aliases": unit.aliases, "order": unit.appendix_order,
            "supervising_leader": leader.name if leader else None}


@people_app.command("list")
def people_list(ctx: typer.Context, as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None) -> None:
    """Người dùng của phường/xã."""
    from tracker.usecases import list_people

    with acting(ctx, org, as_) as a:
        people = [dict(person_dict(a.session, p), preferred_channel=p.preferred_channel)
                  for p in list_people(a.session, actor=a.actor)]
        if as_json:
            print_json(people)
            return
        table = Table(title=f"Người dùng của {a.org.name}", title_justify="left")
        for header in ("Khóa", "Họ tên", "Chức vụ", "Vai trò", "Đơn vị", "Điện thoại", "Kênh nhận tin"):
            table.add_column(header, overflow="fold")
        for p in people:
            table.add_row(p["key"], p["name"], p["title"], p["role_label"], p["unit"] or "", p["phone"] or "",
                          chat_channels().get(p["preferred_channel"] or "", ""))
        console.print(table)


@people_app.command("add")
def people_add(
    ctx: typer.Context,
    key: Annotated[str, typer.Option("--key", help="Khóa ngắn, không dấu, ví dụ tp-vhxh.")],
    name: Annotated[str, typer.Option("--name", help="Họ và tên.")],
    role: Annotated[str, typer.Option("--role", help="admin, leader, office, unit_head, member.")],
    title: Annotated[str, typer.Option("--title", help="Chức vụ.")] = "",
    unit: Annotated[str | None, typer.Option("--unit", help="Đơn vị.")] = None,
    phone: Annotated[str, typer.Option("--phone", help="Số điện thoại, để đăng nhập trang quản lý.")] = "",
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Thêm một người dùng."""
    from tracker.models import Role
    from tracker.usecases import add_person, resolve_unit

    try:
        role_value = Role(role)
    except ValueError as exc:
        raise InvalidInputError(f"Vai trò «{role}» không có; chọn một trong: {', '.join(Role)}.") from exc
    with acting(ctx, org, as_) as a:
        unit_id = resolve_unit(a.session, org_id=a.org.id or 0, text=unit).id if unit else None
        person = add_person(a.session, clock=a.clock, actor=a.actor, key=key, name=name, role=role_value,
                            title=title, unit_id=unit_id, phone=phone)
        console.print(f"Đã thêm {person.name} (khóa {person.key}).")


@people_app.command("update")
def people_update(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Khóa hoặc số của người dùng.")],
    channel: Annotated[str | None, typer.Option(
        "--channel", help="Kênh nhận nhắc việc và tin nhắn định kỳ: telegram, zalo, hoặc none (không chọn).")] = None,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Sửa thông tin người dùng: kênh chat ưu tiên nhận tin nhắn."""
    from tracker.usecases import person_in_ward
    from tracker.usecases.people import set_preferred_channel

    if channel is None:
        raise InvalidInputError("Chưa có gì để sửa: dùng --channel telegram, zalo hoặc none.")
    wanted = None if channel.strip().lower() == "none" else channel
    with acting(ctx, org, as_) as a:
        target = person_in_ward(a.session, org_id=a.org.id or 0, ref=person)
        updated = set_preferred_channel(a.session, clock=a.clock, actor=a.actor, person_id=target.id or 0,
                                        channel=wanted)
        label = chat_channels().get(updated.preferred_channel or "")
        console.print(f"{updated.name} nhận tin nhắn qua {label} trước tiên." if label else
                      f"{updated.name} không chọn kênh ưu tiên: tin nhắn gửi qua kênh liên kết đầu tiên.")


@people_app.command("invite")
def people_invite(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Khóa hoặc số của người được mời.")],
    hours: Annotated[int | None, typer.Option("--hours", help="Mã hết hạn sau số giờ này.")] = None,
    as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Tạo mã mời dùng một lần để người dùng liên kết tài khoản Telegram/Zalo."""
    from tracker.usecases import issue_invite, person_in_ward

    with acting(ctx, org, as_) as a:
        target = person_in_ward(a.session, org_id=a.org.id or 0, ref=person)
        invite = issue_invite(a.session, clock=a.clock, actor=a.actor, person_id=target.id or 0, hours=hours)
        if as_json:
            print_json({"code": invite.code, "person": target.key, "expires_at": invite.expires_at.isoformat()})
            return
        expires = invite.expires_at.astimezone(ZoneInfo(a.org.timezone))
        bot = invite.ward_bot or state(ctx).settings.telegram_bot_username
        link = f"\nHoặc mở liên kết Telegram: https://t.me/{bot}?start={invite.code}" if bot else ""
        console.print(f"Mã mời của {target.name}: {invite.code}\n"
                      f"Gửi cho bot Telegram hoặc Zalo: /start {invite.code} (hết hạn {expires:%H:%M %d/%m/%Y}).{link}")


@people_app.command("revoke-invite")
def people_revoke_invite(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Khóa hoặc số của người dùng.")],
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Hủy các mã mời chưa dùng của một người (mã gửi nhầm, bị lộ)."""
    from tracker.usecases import person_in_ward
    from tracker.usecases.revocation import revoke_invites

    with acting(ctx, org, as_) as a:
        target = person_in_ward(a.session, org_id=a.org.id or 0, ref=person)
        count = revoke_invites(a.session, clock=a.clock, actor=a.actor, person_id=target.id or 0)
        console.print(f"Đã hủy {count} mã mời chưa dùng của {target.name}." if count else
                      f"{target.name} không có mã mời nào đang chờ dùng.")


@people_app.command("password")
def people_password(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Khóa hoặc số của người dùng.")],
    stdin: Annotated[bool, typer.Option("--stdin", help="Đọc mật khẩu từ một dòng của đầu vào chuẩn (cho "
                                                        "kịch bản), không hỏi.")] = False,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Đặt mật khẩu đăng nhập trang quản lý cho người không dùng Telegram/Zalo; các phiên đang mở bị đăng xuất."""
    import sys

    from tracker.usecases import person_in_ward
    from tracker.usecases.web_sign_in import set_password

    with acting(ctx, org, as_) as a:
        target = person_in_ward(a.session, org_id=a.org.id or 0, ref=person)
        a.before_waiting_for_a_person()
        password = sys.stdin.readline().rstrip("\n") if stdin else typer.prompt(
            f"Mật khẩu mới của {target.name}", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
        set_password(a.session, clock=a.clock, actor=a.actor, person_id=target.id or 0, password=password)
        console.print(f"Đã đặt mật khẩu trang quản lý cho {target.name}.")


@people_app.command("unbind")
def people_unbind(
    ctx: typer.Context,
    person: Annotated[str, typer.Argument(help="Khóa hoặc số của người dùng.")],
    channel: Annotated[str | None, typer.Option("--channel", help="Chỉ gỡ liên kết trên kênh này: telegram, "
                                                                   "zalo.")] = None,
    org: OrgOption = None, as_: AsOption = None,
) -> None:
    """Gỡ liên kết tài khoản chat của một người (mất điện thoại, đổi người): bot không gửi tin tới đó nữa."""
    from tracker.usecases import person_in_ward
    from tracker.usecases.revocation import unbind_chats

    with acting(ctx, org, as_) as a:
        target = person_in_ward(a.session, org_id=a.org.id or 0, ref=person)
        wanted = channel.strip().lower() if channel else None
        count = unbind_chats(a.session, clock=a.clock, actor=a.actor, person_id=target.id or 0, chat_channel=wanted)
        where = f" trên {channel_label(wanted)}" if wanted else ""
        console.print(f"Đã gỡ {count} liên kết chat{where} của {target.name}; cần mã mời mới để liên kết lại."
                      if count else f"{target.name} không có liên kết chat nào{where}.")


def overdue(ctx: typer.Context, on: OnOption = None,
            unit: Annotated[str | None, typer.Option("--unit", help="Chỉ một đơn vị.")] = None,
            as_json: JsonOption = False, org: OrgOption = None, as_: AsOption = None) -> None:
    """Nhiệm vụ quá hạn, theo đơn vị."""
    from tracker.usecases import list_tasks, list_units, resolve_unit

    with acting(ctx, org, as_) as a:
        day = parse_day(on) if on else a.today()
        unit_id = resolve_unit(a.session, org_id=a.org.id or 0, text=unit).id if unit else None
        tasks = list_tasks(a.session, actor=a.actor, unit_id=unit_id, overdue_on=day)
        units = {u.id: u for u in list_units(a.session, org_id=a.org.id or 0, include_inactive=True)}
        groups = defaultdict(list)
        for task in tasks:
            groups[task.owner_unit_id].append(task)
        ordered = sorted(groups, key=lambda uid: (units[uid].appendix_order, uid))
        if as_json:
            print_json({"day": day.isoformat(), "units": [
                {"unit": units[uid].name, "unit_key": units[uid].key, "count": len(groups[uid]),
                 "tasks": [dict(task_dict(a.session, t, day), days_overdue=(day - t.due_on).days)
                           for t in groups[uid] if t.due_on]} for uid in ordered]})
            return
        if not tasks:
            console.print(f"Không có nhiệm vụ quá hạn ngày {format_day(day)}.")
        for uid in ordered:
            title = f"{units[uid].name}: {len(groups[uid])} nhiệm vụ quá hạn (ngày {format_day(day)})"
            console.print(tasks_table(a.session, groups[uid], day, title))


def stats(ctx: typer.Context, on: OnOption = None, as_json: JsonOption = False, org: OrgOption = None,
          as_: AsOption = None) -> None:
    """Số nhiệm vụ theo tình trạng, theo đơn vị, như trong báo cáo tháng."""
    from tracker.status import STATUS_CLASS_LABELS, StatusClass
    from tracker.usecases import ward_stats

    with acting(ctx, org, as_) as a:
        day = parse_day(on) if on else a.today()
        result = ward_stats(a.session, actor=a.actor, day=day)
        classes = list(StatusClass)
        if as_json:
            print_json({"day": day.isoformat(),
                        "total": {"count": sum(result.totals.values()), **{c.value: result.totals[c] for c in classes}},
                        "units": [{"unit": u.unit.name, "unit_key": u.unit.key, "count": u.total,
                                   **{c.value: u.counts[c] for c in classes}} for u in result.units]})
            return
        table = Table(title=f"Tình hình thực hiện nhiệm vụ ngày {format_day(day)}", title_justify="left")
        table.add_column("Đơn vị", overflow="fold")
        table.add_column("Tổng số", justify="right")
        for c in classes:
            table.add_column(STATUS_CLASS_LABELS[c], justify="right")
        for u in result.units:
            table.add_row(u.unit.name, str(u.total), *(str(u.counts[c]) for c in classes))
        table.add_row("Toàn phường/xã", str(sum(result.totals.values())), *(str(result.totals[c]) for c in classes))
        console.print(table)
