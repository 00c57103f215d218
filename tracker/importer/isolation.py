"""Reading an uploaded file in a child process that may use only so much memory and time.

The checks in tracker.importer.reading refuse every hostile file we know of before it is opened, but a
file that slips past them must still not take the service down with it: the service reads what people
send it in a child process (`python -m tracker.importer.isolation`) whose address space is limited
(RLIMIT_AS, set by the child itself, so nothing runs between fork and exec in a threaded parent) and
which is killed after a deadline. The file goes in on stdin; the text, or the refusal, comes back as
JSON on stdout. Nothing else is shared, so whatever the libraries do to the child stays there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from tracker.importer.reading import DocumentText, ImportFileError, file_bytes, read_document

MEMORY_ENV = "TRACKER_IMPORT_MEMORY_MB"
SECONDS_ENV = "TRACKER_IMPORT_SECONDS"
DEFAULT_MEMORY_MB = 1024
DEFAULT_SECONDS = 180.0
OUT_OF_MEMORY = 3  # the child's exit code when it ran out of memory


def read_document_isolated(*, data: bytes, name: str, max_bytes: int, memory_mb: int | None = None,
                           seconds: float | None = None) -> DocumentText:
    """What read_document gives for the file, computed in a child process limited to `memory_mb` of address
    space (default TRACKER_IMPORT_MEMORY_MB, else 1024) and `seconds` (default TRACKER_IMPORT_SECONDS,
    else 180). Raises ImportFileError: the child's own refusal, or "too_complex" when the child ran out
    of memory, was killed or did not finish in time. Blocks the calling thread while the child works."""
    memory = memory_mb if memory_mb is not None else int(os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_MB))
    deadline = seconds if seconds is not None else float(os.environ.get(SECONDS_ENV, DEFAULT_SECONDS))
    command = [sys.executable, "-m", "tracker.importer.isolation", name, str(max_bytes), str(memory)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=deadline, check=False)
    except subprocess.TimeoutExpired as exc:
        raise _too_complex(name, "quá lâu") from exc
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        answer = None
    if done.returncode != 0 or not isinstance(answer, dict):
        raise _too_complex(name, "quá nhiều bộ nhớ")
    if "error" in answer:
        raise ImportFileError(answer["error"], answer.get("reason", "unreadable"))
    return DocumentText(**answer["document"])


def read_path_isolated(path: Path, *, max_bytes: int) -> DocumentText:
    """read_path, the reading done by read_document_isolated: what the command line imports is bounded in
    memory and time as what the chat receives."""
    return read_document_isolated(data=file_bytes(path, max_bytes=max_bytes), name=Path(path).name,
                                  max_bytes=max_bytes)


def _too_complex(name: str, what: str) -> ImportFileError:
    file_name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "không tên"
    return ImportFileError(
        f"Tệp «{file_name}» cần {what} để đọc nên bị dừng để bảo vệ hệ thống; hãy lưu lại thành tệp Word "
        "gọn hơn hoặc chỉ gửi phần có các nhiệm vụ.",
        "too_complex",
    )


def _child(name: str, max_bytes: int, memory_mb: int) -> int:
    import resource

    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    data = sys.stdin.buffer.read(max_bytes + 1)
    try:
        document = read_document(data=data, name=name, max_bytes=max_bytes)
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
    sys.exit(_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
