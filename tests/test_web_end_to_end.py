"""A ward's day on the web console as `tracker serve` runs it, with the Telegram bot on a fake Bot API and
Debian's Chromium: people bind their chats with invite codes, sign in with the code the bot sends them, the
clerk uploads notice 004 and saves it, the unit head (on a phone) sees only the unit's tasks and reports one
done, the clerk confirms it and downloads the month's appendix, which python-docx reads back. A screenshot
of every page is kept in the test's folder."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from browser_helpers import WAIT_MS, chromium, needs_chromium, new_page, sign_in
from docx import Document
from fake_channel import TOKEN
from fake_telegram import FakeTelegramServer
from test_serve import READY_LINE, SCRIPT, environment, running_service, wait_for

SEED = "004_43a30539afeed7f9.txt"
CHATS = {"van-thu": 810001, "tp-vhxh": 810002}
RESULT = "Đã ban hành Kế hoạch tổ chức Tháng hành động vì an toàn thực phẩm."

pytestmark = needs_chromium


@pytest.fixture
def url(database_url: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'tracker.db'}" if database_url.startswith("sqlite") else database_url


def tracker(env: dict[str, str], folder: Path, *args: str) -> str:
    done = subprocess.run([str(SCRIPT), *args], cwd=folder, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def code_from_the_bot(server: FakeTelegramServer, key: str) -> Callable[[], str]:
    """What gives the sign-in code the bot will send to `key`'s chat next (through the outbox), as the person
    reads it there; call it before asking for the code."""
    chat = str(CHATS[key])
    before = len(server.texts_to(chat))

    def code() -> str:
        deadline = time.monotonic() + WAIT_MS / 1000
        while True:
            sent = [t for t in server.texts_to(chat)[before:] if "Mã đăng nhập" in t]
            if sent:
                return re.search(r"\b(\d{6})\b", sent[-1]).group(1)
            assert time.monotonic() < deadline, "the bot did not send the sign-in code"
            time.sleep(0.2)

    return code


def test_a_ward_works_through_the_console_that_tracker_serve_runs(url, tmp_path, shared_dir):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    log = tmp_path / "logs" / "tracker.log"
    with FakeTelegramServer() as server:
        env = {k: v for k, v in environment(url).items() if not k.startswith("TELEGRAM_")}
        env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=server.url)
        tracker(env, tmp_path, "start")
        codes = {key: json.loads(tracker(env, tmp_path, "people", "invite", key, "--json"))["code"] for key in CHATS}
        out = tmp_path / "out.txt"
        with running_service(tmp_path, env, out) as service:
            wait_for(lambda: log.exists() and READY_LINE in log.read_text(encoding="utf-8"), service, 120)
            address = re.search(r"Trang quản lý: (http://127\.0\.0\.1:\d+)/", out.read_text(encoding="utf-8")).group(1)
            for key, chat in CHATS.items():
                server.push_message(chat, f"/start {codes[key]}")
                try:
                    wait_for(lambda chat=chat: bool(server.texts_to(str(chat))), service, 120)
                except AssertionError:
                    raise AssertionError(server.methods_called()) from None
            with chromium() as browser:
                appendix = _the_day(browser, address, server, shared_dir, shots)
    document = Document(BytesIO(appendix))
    cells = " ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert RESULT in cells and "Hoàn thành" in cells
    assert {p.name for p in shots.iterdir()} >= {"tong-quan.png", "xem-truoc.png", "nhiem-vu-don-vi.png",
                                                 "bao-cao.png"}


def _the_day(browser, address: str, server: FakeTelegramServer, shared_dir: Path, shots: Path) -> bytes:  # type: ignore[no-untyped-def]
    clerk = new_page(browser, viewport={"width": 1280, "height": 900}, downloads=True)
    sign_in(clerk, address, "/van-ban", "van-thu", code_from_the_bot(server, "van-thu"))
    clerk.screenshot(path=shots / "van-ban.png", full_page=True)
    clerk.get_by_label("Tệp thông báo kết luận").set_input_files(shared_dir / "seeds" / SEED)
    clerk.get_by_role("button", name="Đọc và xem trước").click()
    clerk.wait_for_url(address + "/van-ban/tai-len")
    assert "38 nhiệm vụ" in clerk.inner_text("main")
    clerk.screenshot(path=shots / "xem-truoc.png", full_page=True)
    clerk.get_by_role("button", name="Lưu các nhiệm vụ").click()
    clerk.wait_for_url(re.compile(r".*/nhiem-vu\?van_ban=\d+$"))
    clerk.goto(address + "/")
    clerk.screenshot(path=shots / "tong-quan.png", full_page=True)

    head = new_page(browser)
    sign_in(head, address, "/nhiem-vu", "tp-vhxh", code_from_the_bot(server, "tp-vhxh"))
    owners = head.locator("#ket-qua tbody tr td:nth-child(3)").all_inner_texts()
    assert owners and set(owners) == {"Phòng Văn hóa - Xã hội"}
    head.screenshot(path=shots / "nhiem-vu-don-vi.png", full_page=True)
    head.get_by_label("Tìm (không cần dấu)").fill("an toan thuc pham")
    head.locator("#ket-qua tbody tr a").first.click()
    head.wait_for_url(re.compile(r".*/nhiem-vu/\d+$"))
    task_address = head.url
    head.get_by_label("Kết quả thực hiện").fill(RESULT)
    head.get_by_label("Nhiệm vụ đã hoàn thành").check()
    head.get_by_role("button", name="Lưu báo cáo").click()
    head.get_by_text("Đã lưu báo cáo kết quả.").wait_for()
    head.screenshot(path=shots / "nhiem-vu.png", full_page=True)

    clerk.goto(task_address)
    clerk.get_by_role("button", name="Xác nhận hoàn thành").click()
    clerk.get_by_text("Đã xác nhận hoàn thành.").wait_for()
    clerk.goto(address + "/bao-cao")
    clerk.screenshot(path=shots / "bao-cao.png", full_page=True)
    with clerk.expect_download() as download:
        clerk.get_by_role("link", name="Word").first.click()
    return Path(download.value.path()).read_bytes()
