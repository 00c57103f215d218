"""Old Word (.doc), OpenDocument (.odt) and RTF files made into .docx by LibreOffice, run headless.

Each conversion runs `soffice` without a shell on a copy of the file in a private temporary folder, with
a user profile of its own there (a profile shared with another soffice, or with a person's desktop,
makes the second one wait or quit), in a session of its own so that the whole process group can be
killed past the deadline; the folder is removed whatever happens."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

CONVERT_SECONDS = 120.0


class ConverterMissing(Exception):
    """LibreOffice is not installed."""


class ConversionFailed(Exception):
    """LibreOffice did not make a .docx of the file: it is damaged, or not what its name says."""


class ConversionTimedOut(Exception):
    pass


class ConvertedTooLarge(Exception):
    pass


def soffice_program() -> str:
    """The path of LibreOffice's program; ConverterMissing when it is not installed."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise ConverterMissing()
    return found


def convert_to_docx(data: bytes, *, extension: str, max_bytes: int, seconds: float = CONVERT_SECONDS) -> bytes:
    """The bytes of `data` (a file with `extension`: ".doc", ".odt" or ".rtf") saved as .docx by
    LibreOffice. Raises ConverterMissing, ConversionTimedOut past `seconds`, ConvertedTooLarge when the
    result passes `max_bytes`, and ConversionFailed."""
    program = soffice_program()
    with tempfile.TemporaryDirectory(prefix="tracker-convert-") as folder:
        work = Path(folder)
        source = work / f"van-ban{extension}"
        source.write_bytes(data)
        out = work / "out"
        command = [program, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--nodefault", "--convert-to", "docx", "--outdir", str(out), str(source)]
        # HOME and TMPDIR point into the folder, so that nothing LibreOffice writes outlives it.
        env = {**os.environ, "HOME": folder, "TMPDIR": folder}
        _run(command, env=env, seconds=seconds)
        result = out / "van-ban.docx"
        if not result.is_file():
            raise ConversionFailed()
        if result.stat().st_size > max_bytes:
            raise ConvertedTooLarge()
        return result.read_bytes()


def _run(command: list[str], *, env: dict[str, str], seconds: float) -> None:
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired as exc:
        raise ConversionTimedOut() from exc
    finally:
        # soffice leaves helper processes behind on some failures: end the whole group, always.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
