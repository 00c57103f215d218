"""`tracker serve`: the running service (app.service) started from the command line, after the database
is prepared as `tracker start` prepares it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Annotated

import typer

from app.cli.context import state
from app.cli.render import console


def serve(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Chỉ bù các việc đã đến giờ, gửi tin đang chờ rồi thoát "
                                                      "(dùng với cron hoặc để thử).")] = False,
) -> None:
    """Chạy dịch vụ: nhắc việc theo lịch của từng phường/xã và gửi tin nhắn."""
    # The scheduler, the sender and the chat libraries are loaded by this command only: every other
    # command starts without them.
    from app.service import LOG_DIR, channel_lines, configure_logging, run_service, secret_values, ward_line
    from bots.channels import bots_settings
    from jobs.sender import build_channels
    from tracker.catchup import ward_times
    from tracker.db import session_scope
    from tracker.usecases.setup import prepare_database

    configure_logging(LOG_DIR, secrets=secret_values(os.environ))
    st = state(ctx)
    created = prepare_database(st.engine(), clock=st.clock(), config_path=st.settings.config)
    if created:
        console.print(created)
    engine, clock = st.engine(), st.clock()
    with session_scope(engine) as session:
        wards = ward_times(session)
    # Read once: the channels the sender uses and the inbound sides that answer chats share the settings.
    settings = bots_settings([ward.key for ward in wards])
    channels = build_channels(LOG_DIR / "outbox.log", settings)
    for line in [*(ward_line(ward) for ward in wards), *channel_lines(channels)]:
        console.print(line)
    from app.listeners import Listeners, http_listeners
    from bots.webhook_endpoint import WebhookRoutes
    from jobs.scheduler import BackupPlan

    webhooks = WebhookRoutes()
    listeners = Listeners() if once else http_listeners(engine, clock, st.settings, settings, webhooks)
    for line in listeners.lines:
        console.print(line)
    backups = BackupPlan(folder=Path(st.settings.backup_dir), keep=st.settings.backup_keep)
    asyncio.run(run_service(engine, clock, channels, once=once, settings=settings, backups=backups,
                            listeners=listeners.servers, webhooks=webhooks))
