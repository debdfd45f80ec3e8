"""What a kubectl command runs against and what it gives back.

Commands are functions `(ctx, argv) -> None` that write to `ctx.out`/`ctx.err` and set
`ctx.exit_code`; the headless CLI, the TUI command bar and the scenario checker all call them
through `playground.kubectl.main.run`, so output is produced in one place.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from playground.engine.cluster import Cluster


@dataclass
class Result:
    """A finished command: what it printed and kubectl's exit code."""

    stdout: str
    stderr: str
    exit_code: int


@dataclass
class Context:
    """A command's cluster, default namespace, input and output streams."""

    cluster: Cluster
    namespace: str = "default"
    stdin: str | None = None
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)
    exit_code: int = 0

    def print(self, text: str = "") -> None:
        """A line on stdout."""
        self.out.write(text + "\n")

    def error(self, text: str, code: int = 1) -> None:
        """A line on stderr, and a failing exit code."""
        self.err.write(text.rstrip("\n") + "\n")
        self.exit_code = code

    def warn(self, text: str) -> None:
        """A line on stderr that does not fail the command."""
        self.err.write(text.rstrip("\n") + "\n")

    def result(self) -> Result:
        """Everything the command produced."""
        return Result(self.out.getvalue(), self.err.getvalue(), self.exit_code)
