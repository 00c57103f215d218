"""The service's HTTP listener (app/web/listener.py), which serves the web console and the chat webhooks:
its sockets, and its limits under abuse (a client that trickles its request, more connections than it
serves at once). Raw sockets over loopback against the listener's real code."""

from __future__ import annotations

import asyncio
import socket

import httpx
from web_helpers import listening, running_listener

from app.web.server import create_app
from bots.webhook_endpoint import Receive, Scope, Send, WebhookEndpoint, WebhookRoutes, read_body, respond

GENEROUS = 60.0  # seconds a test waits for what must happen much sooner
SECRET = "ma-bi-mat-cua-phuong"


seen: list[str] = []  # the requests body_reader was given


async def body_reader(scope: Scope, receive: Receive, send: Send) -> None:
    """An application that reads the whole body, then answers 200 (or nothing when the client is gone)."""
    seen.append("request")
    if await read_body(receive, 10_000_000) is not None:
        await respond(send, 200)


async def handled(body: bytes) -> int:
    return 200


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """Whether the server closes the connection (EOF) within a generous deadline."""
    try:
        async with asyncio.timeout(GENEROUS):
            while await reader.read(65_536):
                pass
        return True
    except TimeoutError:
        return False


async def trickle(writer: asyncio.StreamWriter, data: bytes) -> None:
    for byte in data:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.2)


def test_the_listeners_connections_send_responses_without_waiting_for_the_browsers_ack(engine, clock):
    # Why: the console bound its socket without naming TCP, so asyncio left Nagle's algorithm on for the
    # connections it accepted, and every page (a style sheet too) reached the browser ~40 ms late, waiting for
    # a delayed ACK; benchmarks/web.py showed 44 ms for a 1-ms static file.
    with running_listener(create_app(engine, clock)) as listener, \
            httpx.Client(base_url=listener.address, timeout=60) as browser:
        assert browser.get("/static/style.css").status_code == 200
        connections = list(listener._server.server_state.connections)  # the connection the client keeps open
        assert connections
        for connection in connections:
            served = connection.transport.get_extra_info("socket")
            assert served.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_a_request_head_trickled_a_byte_at_a_time_is_cut_off_at_the_head_deadline():
    # Why: uvicorn cancels its only timer on every byte received, so a byte every few seconds kept a
    # connection (and a place under the connection cap) for ever.
    async def scenario() -> bool:
        async with listening(body_reader, head_timeout=1.0) as listener:
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
            head = b"POST /hook HTTP/1.1\r\nhost: x\r\nx-padding: " + b"a" * 10_000
            trickling = asyncio.create_task(trickle(writer, head))
            try:
                return await closed_by_server(reader)
            finally:
                trickling.cancel()
                writer.close()

    assert asyncio.run(scenario())


def test_a_request_body_trickled_a_byte_at_a_time_is_cut_off_at_the_body_deadline_and_the_app_sees_it_gone():
    async def scenario() -> bool:
        async with listening(body_reader, body_timeout=1.0) as listener:
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
            writer.write(b"POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 10000\r\n\r\n")
            trickling = asyncio.create_task(trickle(writer, b"a" * 10_000))
            try:
                return await closed_by_server(reader)
            finally:
                trickling.cancel()
                writer.close()

    seen.clear()
    assert asyncio.run(scenario())
    assert seen == ["request"]


def test_a_kept_alive_connection_serves_the_next_request_and_closes_when_idle_past_the_head_deadline():
    async def scenario() -> tuple[bytes, bytes, bool]:
        async with listening(body_reader, head_timeout=1.0) as listener:
            reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
            answers = []
            for _ in range(2):
                writer.write(b"POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
                answers.append(await reader.readuntil(b"\r\n\r\n"))
            closed = await closed_by_server(reader)
            writer.close()
            return answers[0], answers[1], closed

    first, second, closed = asyncio.run(scenario())
    assert first.startswith(b"HTTP/1.1 200") and second.startswith(b"HTTP/1.1 200")
    assert closed


def test_requests_beyond_the_connection_cap_get_503_and_the_ones_within_are_served():
    routes = WebhookRoutes()

    async def scenario() -> tuple[bytes, bytes]:
        async with listening(routes, max_connections=2) as listener:
            with routes.serving("https://phuong.example.vn/hook", WebhookEndpoint(SECRET, handled)):
                idle = [await asyncio.open_connection("127.0.0.1", listener.port) for _ in range(2)]
                server_state = listener._server.server_state
                async with asyncio.timeout(GENEROUS):
                    while len(server_state.connections) < 2:  # the server has taken both before the third
                        await asyncio.sleep(0.01)
                post = (b"POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n"
                        b"x-telegram-bot-api-secret-token: " + SECRET.encode() + b"\r\n\r\n{}")
                reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
                writer.write(post)
                refused = await reader.readuntil(b"\r\n")
                writer.close()
                for _, idle_writer in idle:
                    idle_writer.close()
                async with asyncio.timeout(GENEROUS):
                    while server_state.connections:
                        await asyncio.sleep(0.01)
                reader, writer = await asyncio.open_connection("127.0.0.1", listener.port)
                writer.write(post)
                served = await reader.readuntil(b"\r\n")
                writer.close()
                return refused, served

    refused, served = asyncio.run(scenario())
    assert refused.startswith(b"HTTP/1.1 503")
    assert served.startswith(b"HTTP/1.1 200")


def test_the_webhooks_in_front_of_the_console_take_only_their_own_paths(engine, clock):
    routes = WebhookRoutes()
    with running_listener(routes.in_front_of(create_app(engine, clock))) as listener, \
            routes.serving("https://phuong.example.vn/telegram/hook", WebhookEndpoint(SECRET, handled)), \
            httpx.Client(base_url=listener.address, timeout=60) as browser:
        hook = browser.post("/telegram/hook", content=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        page = browser.get("/dang-nhap")
        stranger = browser.post("/zalo/hook", content=b"{}")
    assert hook.status_code == 200
    assert page.status_code == 200 and "Đăng nhập" in page.text
    assert stranger.status_code == 404  # not served: the console has no such page
