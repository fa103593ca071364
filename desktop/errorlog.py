"""The local log of unforeseen errors: a bug's traceback, where someone can read it later,
instead of a console no officer sees.

What goes in: the time, the program's version, the exception's type (with the errno of an
OSError) and, for each frame, the file, line, function and that line of our source code.
What never goes in: the exception's message or arguments, local variables — they may hold a
citizen's name, a CCCD or a search typed by the officer. The file is rotated (a few hundred
kilobytes, three old copies) and readable by this user only. The window's error dialog
(desktop/ui/shell/crash.py) shows the same text and points to the file; ``antq`` writes there too.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from desktop import __version__, platform_os
from desktop.i18n import _
from desktop.storage.paths import log_dir

LOGGER = "antq"
LOG_FILE = "antq.log"
MAX_BYTES = 512 * 1024
BACKUP_COUNT = 3

_ROOTS = sorted({str(Path(p).resolve()) for p in sys.path if p}, key=len, reverse=True)
_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


def log_path() -> Path:
    return log_dir() / LOG_FILE


def _private_handler(path: str) -> logging.Handler:
    """A rotating file handler whose files (the current one and each rotated copy) are
    readable by this user only, whatever the process's umask. ``logging.handlers`` (socket,
    pickle) is imported here, when something is first logged, not at every start."""
    from logging.handlers import RotatingFileHandler

    class _PrivateRotatingFileHandler(RotatingFileHandler):
        def _open(self):  # noqa: ANN202 - the base class's signature
            fd = platform_os.open_private(self.baseFilename, os.O_WRONLY | os.O_APPEND)
            return open(fd, "a", encoding=self.encoding, errors=self.errors)  # noqa: SIM115

    return _PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                       encoding="utf-8", delay=True)


def logger() -> logging.Logger:
    """The program's logger, writing to :func:`log_path` (set up on first use, and again
    when the data folder changed, as between tests)."""
    log = logging.getLogger(LOGGER)
    path = str(log_path())
    if not any(getattr(h, "baseFilename", None) == path for h in log.handlers):
        for old in list(log.handlers):
            log.removeHandler(old)
            old.close()
        platform_os.private_dir(Path(path).parent)
        handler = _private_handler(path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # never to a console handler someone else configured
    return log


def _where(filename: str) -> str:
    """A frame's file without the folders above the program or the library it belongs to
    (they name the user: /home/<name>/…)."""
    full = str(Path(filename).resolve()) if filename and not filename.startswith("<") \
        else filename
    for root in (_PACKAGE_PARENT, *_ROOTS):
        if full.startswith(root + os.sep):
            return full[len(root) + 1:].replace(os.sep, "/")
    return Path(filename).name


def _type_name(exc_type: type[BaseException], exc: BaseException | None) -> str:
    name = exc_type.__qualname__
    if exc_type.__module__ not in ("builtins", "__main__"):
        name = f"{exc_type.__module__}.{name}"
    if isinstance(exc, OSError) and exc.errno is not None:
        name += f" [{errno.errorcode.get(exc.errno, exc.errno)}]"
    return name


def describe(exc_type: type[BaseException], exc: BaseException | None,
             tb: TracebackType | None) -> str:
    """The exception as the log and the error dialog show it: its type and where it went,
    the causes before it; no message, no value."""
    chain: list[tuple[type[BaseException], BaseException | None, TracebackType | None]] = []
    seen: set[int] = set()
    etype, value, trace = exc_type, exc, tb
    while True:
        chain.append((etype, value, trace))
        seen.add(id(value))
        if value is None:
            break
        cause = value.__cause__ or (None if value.__suppress_context__ else value.__context__)
        if cause is None or id(cause) in seen:
            break
        etype, value, trace = type(cause), cause, cause.__traceback__
    lines: list[str] = []
    for n, (etype, value, trace) in enumerate(reversed(chain)):  # the first cause first
        if n:
            lines.append(_("… dẫn tới:"))
        lines.append(_type_name(etype, value))
        for frame in traceback.extract_tb(trace):
            lines.append(f"  {_where(frame.filename)}:{frame.lineno} in {frame.name}")
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Incident:
    code: str  # said in the dialog and in the log, to find one in the other
    detail: str
    log_file: Path | None  # None when the log could not be written


def record(exc_type: type[BaseException], exc: BaseException | None,
           tb: TracebackType | None, *, where: str = "") -> Incident:
    """Write an unforeseen error to the log; what to show the officer."""
    import platform  # here, not at every start: secrets loads OpenSSL's hashes (15-20 ms)
    import secrets

    code = secrets.token_hex(3).upper()
    detail = describe(exc_type, exc, tb)
    head = (f"#{code} ANTQ Desk {__version__}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}" + (f", {where}" if where else ""))
    try:
        log = logger()
        log.error("%s\n%s", head, detail)
        for handler in log.handlers:
            handler.flush()
        path: Path | None = log_path()
    except OSError:  # a full or read-only disk: the dialog still shows the detail
        path = None
    return Incident(code, f"#{code}\n{detail}", path)
