"""`tracker org remove KEY`: remove a ward nobody used (the sample of the first start, a ward added by
mistake)."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.context import state
from app.cli.render import console

org_app = typer.Typer(help="Các phường/xã trong cơ sở dữ liệu.", no_args_is_help=True)


@org_app.command("remove")
def org_remove(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Khóa của phường/xã cần xóa.")],
    yes: Annotated[bool, typer.Option("--yes", help="Không hỏi lại.")] = False,
) -> None:
    """Xóa hẳn một phường/xã chưa từng được dùng (chưa có liên kết chat, báo cáo, văn bản, tin nhắn...)."""
    from tracker.db import session_scope
    from tracker.usecases.wards import remove_ward

    if not yes and not typer.confirm(f"Xóa hẳn phường/xã «{key}» và mọi thứ của nó?", default=False):
        console.print("Đã thôi, không xóa gì.")
        raise typer.Exit(1)
    with session_scope(state(ctx).engine()) as session:
        removed = remove_ward(session, key=key)
    console.print(f"Đã xóa {removed.name} ({removed.key}).")
