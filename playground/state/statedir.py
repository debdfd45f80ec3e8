"""Where a cluster's state lives, and the lock that keeps two processes from sharing it.

`--state DIR`, else `$PLAYGROUND_STATE`, else the user data dir (`~/.local/share/playground/
default` on Linux). A running playground (the TUI, or a CLI command while it runs) holds an
exclusive `flock` on `DIR/lock`; a second process is refused with a message naming the holder,
never allowed to write underneath it.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from pathlib import Path
from types import TracebackType

import platformdirs

ENV_VAR = "PLAYGROUND_STATE"


class StateError(Exception):
    """A state directory problem, with a message for the person at the keyboard."""


class StateInUse(StateError):
    """Another process holds the state."""


def resolve_state_dir(explicit: str | None) -> Path:
    """The state directory to use, by the precedence above."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("playground", appauthor=False)) / "default"


class StateLock:
    """An exclusive, non-blocking lock on a state directory (released on exit or close)."""

    def __init__(self, directory: Path, holder: str) -> None:
        self.directory = directory
        self.holder = holder
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise StateInUse describing who holds it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / "lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise StateError(f"cannot lock {path}: {exc.strerror}") from None
            raise StateInUse(self._in_use_message(path)) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "holder": self.holder,
                                 "since": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
        self._fd = fd

    def _in_use_message(self, path: Path) -> str:
        try:
            info = json.loads(path.read_text() or "{}")
        except (OSError, ValueError):
            info = {}
        who = info.get("holder", "another playground")
        pid = info.get("pid", "?")
        return (f"error: the cluster state in {self.directory} is in use by {who} (pid {pid}). "
                "Close it first, or use another state with --state DIR.")

    def release(self) -> None:
        """Give the lock back."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StateLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
