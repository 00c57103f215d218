"""The `tracker` command: wiring of the sub-commands and the one place errors become messages."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import Abort
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from app.cli import (
    deadline_command,
    doctor_command,
    import_command,
    jobs_command,
    org_command,
    outbox_command,
    report_command,
    serve_command,
    task_commands,
    ward_commands,
)
from app.cli.context import CliState, acting, state
from app.cli.render import console, errors, tasks_table
from app.cli.usage_words import ABORTED, speak_vietnamese, usage_line
from tracker.dates import format_day
from tracker.errors import TrackerError
from tracker.operator import set_operator

speak_vietnamese()


class FriendlyErrors(TyperGroup):
    """Turns every TrackerError, and every usage error typer finds (a mistyped command, a missing option, a
    value of the wrong type, the end of input at a prompt), into one Vietnamese line and exit code 1, never
    a traceback nor typer's English."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as exc:  # `tracker` or `tracker task` alone: the help, not an error
            console.print(exc.format_message(), markup=False, highlight=False, end="")
            result = 0
        except UsageError as exc:
            errors.print(f"Lỗi: {usage_line(exc)}", markup=False, highlight=False)
            result = 1
        except (Abort, EOFError):
            errors.print(f"Lỗi: {ABORTED}")
            result = 1
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            errors.print(f"Lỗi: {exc.message}")
            raise typer.Exit(1) from exc
        except Exception as exc:
            if not _database_unreachable(exc):
                raise
            errors.print(f"Lỗi: không làm việc được với cơ sở dữ liệu ({exc.orig}).")
            raise typer.Exit(1) from exc
        finally:
            if isinstance(ctx.obj, CliState):
                ctx.obj.close()


def _database_unreachable(exc: Exception) -> bool:
    # SQLAlchemy is loaded only by the commands that use the database; it cannot have raised otherwise.
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    return sqlalchemy_errors is not None and isinstance(exc, sqlalchemy_errors.OperationalError)


app = typer.Typer(
    cls=FriendlyErrors,
    help="Theo dõi nhiệm vụ của UBND phường, xã.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Cơ sở dữ liệu.", no_args_is_help=True)
app.add_typer(task_commands.app, name="task")
app.add_typer(ward_commands.units_app, name="units")
app.add_typer(ward_commands.people_app, name="people")
app.add_typer(db_app, name="db")
app.add_typer(jobs_command.jobs_app, name="jobs")
app.add_typer(outbox_command.outbox_app, name="outbox")
app.add_typer(report_command.report_app, name="report")
app.add_typer(org_command.org_app, name="org")
app.command("serve")(serve_command.serve)
app.command("overdue")(ward_commands.overdue)
app.command("stats")(ward_commands.stats)
app.command("import")(import_command.import_file)
app.command("deadline")(deadline_command.deadline)
app.command("doctor")(doctor_command.doctor)


@app.callback()
def main(
    ctx: typer.Context,
    org: Annotated[str | None, typer.Option("--org", help="Khóa phường/xã khi có nhiều phường/xã.")] = None,
    as_: Annotated[str | None, typer.Option("--as", help="Khóa người thực hiện (mặc định: quản trị).")] = None,
    now: Annotated[str | None, typer.Option("--now", help="Chạy như thể vào thời điểm này (ISO).")] = None,
) -> None:
    """Theo dõi nhiệm vụ của UBND phường, xã."""
    from bots.channels import plugins

    plugins()  # the channels' names and labels, for the commands that choose or show a channel
    set_operator(shell_user())
    st = state(ctx)
    st.org, st.acting_as, st.now = org, as_, now


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Áp dụng các thay đổi cấu trúc cơ sở dữ liệu (an toàn khi chạy lại)."""
    from tracker.migrate import current_revision, upgrade

    engine = state(ctx).engine()
    before = current_revision(engine)
    upgrade(engine)
    after = current_revision(engine)
    if before == after:
        console.print(f"Cơ sở dữ liệu đã ở phiên bản mới nhất ({after}).")
    else:
        console.print(f"Đã nâng cấp cơ sở dữ liệu từ {before or 'trống'} lên {after}.")


@db_app.command("backup")
def db_backup(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Tệp sao lưu (mặc định: thư mục TRACKER_BACKUP_DIR, "
                                                           "tên theo giờ sao lưu).")] = None,
) -> None:
    """Sao lưu toàn bộ cơ sở dữ liệu (SQLite: chép an toàn cả khi dịch vụ đang ghi; PostgreSQL: pg_dump)."""
    from tracker.usecases.backups import backup_database, default_backup_path, is_sqlite

    st = state(ctx)
    engine = st.engine()
    target = out or default_backup_path(Path(st.settings.backup_dir), st.clock().now(), sqlite=is_sqlite(engine))
    backup_database(engine, out=target)
    console.print(f"Đã sao lưu vào {target} ({target.stat().st_size / 1024 / 1024:.1f} MB).", markup=False)


@db_app.command("restore")
def db_restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Tệp sao lưu đã tạo bằng «tracker db backup».")],
    force: Annotated[bool, typer.Option("--force", help="Khôi phục cả khi cơ sở dữ liệu hiện tại có thay đổi mới "
                                                        "hơn bản sao lưu.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Không hỏi lại.")] = False,
) -> None:
    """Thay toàn bộ cơ sở dữ liệu bằng một bản sao lưu, rồi nâng cấp cấu trúc cho khớp phiên bản này."""
    from tracker.usecases.backups import format_moment, restore_database

    st = state(ctx)
    if not yes and not typer.confirm(f"Thay toàn bộ dữ liệu hiện tại bằng {file.name}?", default=False):
        console.print("Đã thôi, không thay đổi gì.")
        raise typer.Exit(1)
    outcome = restore_database(st.engine(), clock=st.clock(), source=file, force=force)
    newest = f", thay đổi cuối lúc {format_moment(outcome.newest)}" if outcome.newest else ""
    console.print(f"Đã khôi phục từ {file.name}{newest}.", markup=False)


@app.command("init")
def init(
    ctx: typer.Context,
    config: Annotated[Path, typer.Option("--config", help="Tệp cấu hình phường/xã (TOML).")],
    yes: Annotated[bool, typer.Option("--yes", help="Thay phường/xã mẫu mà không hỏi lại.")] = False,
) -> None:
    """Tạo hoặc cập nhật một phường/xã theo tệp cấu hình (chạy lại không thay đổi gì thêm). Phường/xã mẫu
    chưa ai dùng được thay bằng phường/xã của tệp."""
    from tracker.config import load_ward_file
    from tracker.db import session_scope
    from tracker.migrate import upgrade
    from tracker.usecases import apply_ward_config
    from tracker.usecases.wards import remove_ward, untouched_sample

    ward = load_ward_file(config)
    st = state(ctx)
    upgrade(st.engine())
    with session_scope(st.engine()) as session:
        sample = untouched_sample(session)
        if sample is not None and sample.key != ward.ward.key:
            if not yes and not typer.confirm(f"Thay phường/xã mẫu «{sample.name}» bằng «{ward.ward.name}»?",
                                             default=True):
                console.print("Đã thôi, không thay đổi gì.")
                raise typer.Exit(1)
            remove_ward(session, key=sample.key)
            console.print(f"Đã bỏ phường/xã mẫu {sample.name}.")
        report = apply_ward_config(session, clock=st.clock(), config=ward)
        name = report.organization.name
    if not report.changed:
        console.print(f"{name}: cơ sở dữ liệu đã khớp với {config}, không có gì thay đổi.")
        return
    console.print(f"{name}: thêm {len(report.created)}, sửa {len(report.updated)}, "
                  f"ngừng dùng {len(report.deactivated)} mục theo {config}.")


@app.command("start")
def start(ctx: typer.Context) -> None:
    """Chuẩn bị cơ sở dữ liệu (lần đầu: nạp phường/xã mẫu) rồi in tình hình nhiệm vụ."""
    from tracker.usecases.setup import prepare_database

    st = state(ctx)
    created = prepare_database(st.engine(), clock=st.clock(), config_path=st.settings.config)
    if created:
        console.print(created)
    with acting(ctx) as a:
        _print_overview(a)


def _print_overview(a: Any) -> None:
    from tracker.usecases import list_tasks, list_units

    day = a.today()
    console.print(f"{a.org.name} — ngày {format_day(day)}", style="bold")
    for unit in list_units(a.session, org_id=a.org.id):
        console.print(f"  {unit.appendix_order}. {unit.name}")
    tasks = list_tasks(a.session, actor=a.actor, statuses=("open", "reported_done"))
    if tasks:
        console.print(tasks_table(a.session, tasks, day, f"{len(tasks)} nhiệm vụ đang mở"))
    else:
        console.print("Chưa có nhiệm vụ nào đang mở.")
    console.print(
        "\nThử tiếp:\n"
        "  tracker task add \"Nội dung nhiệm vụ\" --unit \"Phòng Văn hóa - Xã hội\" --due 31/12/2026\n"
        "  tracker task list --unit vhxh\n"
        "  tracker overdue\n"
        "  tracker stats\n"
        "  tracker people invite tp-vhxh\n"
        "  tracker --help"
    )


def shell_user() -> str:
    """The account running the command, for the audit trail beside `--as`."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a bare container)
        return f"uid {os.getuid()}"


def run() -> None:
    """Console-script entry point."""
    app()
