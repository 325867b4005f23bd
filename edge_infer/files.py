"""Safe file writes: atomic replacement (a reader sees the old file or the complete new one) and append-only
files of whole lines."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once: mkstemp creates 0600 files, but a written file should get the usual mode


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it replaces ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    """Atomically write ``data`` to ``target``."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    """Atomically write ``text`` (UTF-8) to ``target``."""
    write_bytes(target, text.encode("utf-8"))


def complete_lines(target: str | os.PathLike) -> list[str]:
    """The whole lines of ``target`` (none if it does not exist); a last line without its newline, which a killed
    writer can leave, is not one."""
    try:
        data = Path(target).read_bytes()
    except FileNotFoundError:
        return []
    return data[:data.rfind(b"\n") + 1].decode("utf-8").split("\n")[:-1]


@contextlib.contextmanager
def appending(target: str | os.PathLike) -> Iterator[Callable[[str], None]]:
    """Yield ``write(line)``, which appends one line to ``target`` in a single write and flushes it to the OS.

    A partial last line that a killed writer left is cut off first, so the file always holds whole lines:
    a run that is killed loses at most the line it was writing, never one that was written.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)  # O_APPEND: always at the end, even if cut
    try:
        data = target.read_bytes()
        keep = data.rfind(b"\n") + 1
        if keep != len(data):
            os.ftruncate(fd, keep)

        def write(line: str) -> None:
            data = (line.rstrip("\n") + "\n").encode("utf-8")
            written = os.write(fd, data)
            if written != len(data):  # a short write (disk full): finish it or fail loudly, never leave half
                os.write(fd, data[written:])

        yield write
    finally:
        os.close(fd)
