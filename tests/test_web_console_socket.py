"""The web console's listening socket: the connections it accepts send each response at once."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx

from app.web.server import WebConsole, create_app


def test_the_consoles_connections_send_responses_without_waiting_for_the_browsers_ack(engine, clock):
    # Why: the console bound its socket without naming TCP, so asyncio left Nagle's algorithm on for the
    # connections it accepted, and every page (a style sheet too) reached the browser ~40 ms late, waiting for
    # a delayed ACK; benchmarks/web.py showed 44 ms for a 1-ms static file.
    console = WebConsole(create_app(engine, clock), "127.0.0.1:0")
    console.bind()
    loop, stop = asyncio.new_event_loop(), asyncio.Event()
    thread = threading.Thread(target=loop.run_until_complete, args=(console.serve(stop),), daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=console.address, timeout=60) as browser:
            assert browser.get("/static/style.css").status_code == 200
            connections = list(console._server.server_state.connections)  # the connection the client keeps open
            assert connections
            for connection in connections:
                served = connection.transport.get_extra_info("socket")
                assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(60)
        loop.close()
