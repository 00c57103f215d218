"""Reading an uploaded file in a child process that may use only so much memory and time.

The checks in tracker.importer.reading refuse every hostile file we know of before it is opened, but a
file that slips past them must still not take the service down with it: the service reads what people
send it in a child process (`python -m tracker.importer.isolation`) whose address space is limited
(RLIMIT_AS, set by the child itself, so nothing runs between fork and exec in a threaded parent) and
which is killed after a deadline. The file goes in on stdin; the text, or the refusal, comes back as
JSON on stdout; while pictures are read by OCR, "done total" lines come back on a pipe of their own.
Nothing else is shared, so whatever the libraries do to the child stays there. The programs the child
runs (tesseract, soffice) inherit its limits, and write their temporary files in a folder of the
child's own that is removed when it ends."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from tracker.importer.reading import DocumentText, ImportFileError, Progress, file_bytes, read_document

MEMORY_ENV = "TRACKER_IMPORT_MEMORY_MB"
SECONDS_ENV = "TRACKER_IMPORT_SECONDS"
DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 180.0
OUT_OF_MEMORY = 3  # the child's exit code when it ran out of memory


def read_document_isolated(*, data: bytes, name: str, max_bytes: int, memory_mb: int | None = None,
                           seconds: float | None = None, progress: Progress | None = None) -> DocumentText:
    """What read_document gives for the file, computed in a child process limited to `memory_mb` of address
    space (default TRACKER_IMPORT_MEMORY_MB, else 1024) and `seconds` (default TRACKER_IMPORT_SECONDS,
    else 180). Raises ImportFileError: the child's own refusal, or "too_complex" when the child ran out
    of memory, was killed or did not finish in time. Blocks the calling thread while the child works;
    `progress(done, total)` is called from another thread as the child reads pages by OCR."""
    memory = memory_mb if memory_mb is not None else int(os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_MB))
    deadline = seconds if seconds is not None else float(os.environ.get(SECONDS_ENV, DEFAULT_SECONDS))
    reader, writer = os.pipe()
    listener = threading.Thread(target=_relay_progress, args=(reader, progress), daemon=True)
    listener.start()
    # The folder is the parent's, so that it goes even when the child is killed.
    with tempfile.TemporaryDirectory(prefix="tracker-read-") as private:
        command = [sys.executable, "-m", "tracker.importer.isolation", name, str(max_bytes), str(memory),
                   str(writer), private]
        try:
            returncode, stdout = _run_child(command, data, deadline, writer)
        except subprocess.TimeoutExpired as exc:
            raise _too_complex(name, "quá lâu") from exc
        finally:
            os.close(writer)  # the child's copy closed when it ended: the listener now sees the end
            listener.join()
    try:
        answer = json.loads(stdout)
    except ValueError:
        answer = None
    if returncode != 0 or not isinstance(answer, dict):
        raise _too_complex(name, "quá nhiều bộ nhớ")
    if "error" in answer:
        raise ImportFileError(answer["error"], answer.get("reason", "unreadable"))
    return DocumentText(**answer["document"])


def read_path_isolated(path: Path, *, max_bytes: int, progress: Progress | None = None) -> DocumentText:
    """read_path, the reading done by read_document_isolated: what the command line imports is bounded in
    memory and time as what the chat receives."""
    return read_document_isolated(data=file_bytes(path, max_bytes=max_bytes), name=Path(path).name,
                                  max_bytes=max_bytes, progress=progress)


def _run_child(command: list[str], data: bytes, deadline: float, writer: int) -> tuple[int, bytes]:
    """The child's exit code and output. Past `deadline` its whole process group is killed (a tesseract it
    started with it) and TimeoutExpired raised."""
    # The child learns its deadline, so that LibreOffice (in a session of its own, out of reach of the
    # kill below) is stopped by the child before the child itself is.
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             pass_fds=(writer,), start_new_session=True,
                             env={**os.environ, SECONDS_ENV: str(deadline)})
    try:
        stdout, _ = child.communicate(data, timeout=deadline)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        raise
    return child.returncode, stdout


def _relay_progress(reader: int, progress: Progress | None) -> None:
    """Pass the child's "done total" lines to `progress` until the pipe closes; a bad line is skipped."""
    with open(reader, "rb") as lines:
        for line in lines:
            parts = line.split()
            if progress is not None and len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
                progress(int(parts[0]), int(parts[1]))


def _too_complex(name: str, what: str) -> ImportFileError:
    file_name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "không tên"
    return ImportFileError(
        f"Tệp «{file_name}» cần {what} để đọc nên bị dừng để bảo vệ hệ thống; hãy lưu lại thành tệp Word "
        "gọn hơn hoặc chỉ gửi phần có các nhiệm vụ.",
        "too_complex",
    )


def _child(name: str, max_bytes: int, memory_mb: int, progress_fd: int, private: str) -> int:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read(max_bytes + 1)
    # pytesseract's copies of the pages and LibreOffice's folder go in the parent's private folder.
    tempfile.tempdir = private
    os.environ["TMPDIR"] = private
    with open(progress_fd, "w", buffering=1, encoding="ascii") as pages:
        return _answer(name, data, max_bytes, limit, lambda done, total: print(done, total, file=pages))


def _answer(name: str, data: bytes, max_bytes: int, limit: int, progress: Progress) -> int:
    try:
        document = read_document(data=data, name=name, max_bytes=max_bytes, progress=progress)
        answer: dict[str, object] = {"document": asdict(document)}
    except ImportFileError as error:
        # A library that cannot allocate often says "damaged" (lxml: "unknown error"); a process that came
        # close to its limit ran out of memory, whatever the message.
        if error.reason == "corrupt" and _peak_address_space() > limit * 0.8:
            return OUT_OF_MEMORY
        answer = {"error": error.message, "reason": error.reason}
    except MemoryError:
        return OUT_OF_MEMORY
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))
    return 0


def _peak_address_space() -> int:
    """The most address space this process has held (VmPeak), in bytes; 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak:")), 0)
    except OSError:
        return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]))
