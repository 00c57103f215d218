"""The chat webhooks' HTTP endpoint under abuse: a client that trickles its request, and more connections
than it serves at once. Raw sockets over loopback, the server's real code."""

from __future__ import annotations

import asyncio

from bots.webhook_server import WebhookServer

SECRET = "ma-bi-mat-cua-phuong"


async def handled(body: bytes) -> int:
    return 200


async def closed_by_server(reader: asyncio.StreamReader, deadline: float = 60.0) -> bool:
    """Whether the server closes the connection (EOF) within a generous deadline."""
    try:
        async with asyncio.timeout(deadline):
            while await reader.read(65_536):
                pass
        return True
    except TimeoutError:
        return False


def test_a_request_trickled_a_byte_at_a_time_is_cut_off_at_the_whole_request_deadline():
    # Why: the wait was per read, so a byte every few seconds kept a connection open for ever.
    async def scenario() -> bool:
        async with WebhookServer("https://phuong.example.vn/hook", SECRET, handled, timeout=1.0) as server:
            await server.start("127.0.0.1", 0)
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            request = b"POST /hook HTTP/1.1\r\nhost: x\r\n" + b"x-padding: " + b"a" * 10_000

            async def trickle() -> None:
                for byte in request:
                    writer.write(bytes([byte]))
                    await writer.drain()
                    await asyncio.sleep(0.2)

            trickling = asyncio.create_task(trickle())
            try:
                return await closed_by_server(reader)
            finally:
                trickling.cancel()
                writer.close()

    assert asyncio.run(scenario())


def test_connections_beyond_the_cap_get_503_and_the_ones_within_are_served():
    async def scenario() -> tuple[bytes, bytes]:
        async with WebhookServer("https://phuong.example.vn/hook", SECRET, handled, max_connections=2) as server:
            await server.start("127.0.0.1", 0)
            idle = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(2)]
            while server.open_connections < 2:  # the server has taken both before the third arrives
                await asyncio.sleep(0.01)
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            refused = await reader.read()
            writer.close()
            for _, idle_writer in idle:
                idle_writer.close()
            while server.open_connections:
                await asyncio.sleep(0.01)
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n"
                         b"x-telegram-bot-api-secret-token: " + SECRET.encode() + b"\r\n\r\n{}")
            served = await reader.readuntil(b"\r\n")
            writer.close()
            return refused, served

    refused, served = asyncio.run(scenario())
    assert refused.startswith(b"HTTP/1.1 503")
    assert served.startswith(b"HTTP/1.1 200")
