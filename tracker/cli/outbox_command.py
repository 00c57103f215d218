"""`tracker outbox ...`: the messages the system owes people, and sending a failed one again."""

from __future__ import annotations

import typer

outbox_app = typer.Typer(help="Hộp thư đi: các tin nhắn đã và sẽ gửi.", no_args_is_help=True)
