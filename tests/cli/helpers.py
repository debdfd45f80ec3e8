"""The in-process runner the CLI tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.cli import main
from playground.state.database import StateDB


class CLI:
    """Runs `playground --state DIR ...` in-process and keeps what it printed."""

    def __init__(self, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.state = state
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--state", str(self.state), *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err and "Traceback" not in out
        assert "internal problem" not in err
        return code, out, err

    def objects(self) -> int:
        """Objects in the saved state."""
        db = StateDB(self.state)
        try:
            return db.object_count()
        finally:
            db.close()


def initialised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> CLI:
    """A runner over a new state: a manually clocked cluster with 2 worker nodes."""
    run = CLI(tmp_path / "state", capsys)
    code, out, _ = run("cluster", "init", "--nodes", "2", "--clock", "manual")
    assert code == 0, out
    return run
