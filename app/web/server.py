"""The web console's ASGI application (app/web/listener.py serves it inside `tracker serve`'s loop)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from app.web import (
    account_pages,
    admin_pages,
    document_pages,
    pages,
    people_pages,
    report_pages,
    sign_in_pages,
    task_actions,
)
from app.web.visit import WebContext
from tracker.clock import Clock

STATIC = Path(__file__).resolve().parent / "static"
# Each page module lists its routes in ROUTES; a new page is a module and a line here.
PAGE_MODULES = (pages, task_actions, sign_in_pages, account_pages, people_pages, document_pages, report_pages,
                admin_pages)


def create_app(engine: Engine, clock: Clock, *, base_url: str = "") -> Starlette:
    """The console's routes over `engine`, with times from `clock`; cookies are Secure when `base_url` is
    https (the console behind a TLS reverse proxy)."""
    routes = [route for module in PAGE_MODULES for route in module.ROUTES]
    app = Starlette(routes=[*routes, Mount("/static", StaticFiles(directory=STATIC), name="static")])
    app.state.web = WebContext(engine=engine, clock=clock, secure_cookies=base_url.startswith("https://"),
                               base_url=base_url)
    return app
