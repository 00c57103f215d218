"""`tracker jobs ...`: run a scheduled job for any instant, and see what ran."""

from __future__ import annotations

import typer

jobs_app = typer.Typer(help="Việc chạy theo lịch: nhắc việc, tổng hợp, báo cáo tuần, thu thập kết quả.",
                       no_args_is_help=True)
