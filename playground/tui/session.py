"""The TUI's hold on a state directory: lock it for the app's lifetime, open or create the
cluster, save through the engine's persistence.

The lock is the CLI's `StateLock` with holder "the playground TUI", so `playground kubectl …`
in another terminal is refused with a message naming the TUI instead of writing underneath it.
The first run creates a fresh 3-worker cluster, as `playground cluster init` would.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playground.cli import Session
from playground.engine.cluster import Cluster, ClusterConfig

HOLDER = "the playground TUI"


class TuiSession(Session):
    """A locked state directory for the TUI."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory, holder=HOLDER)
        self.created = False

    def open_or_create(self) -> tuple[Cluster, TuiSession]:
        """The cluster of this state, creating a fresh one the first time. Runs in a worker
        thread; SQLite connections belong to their thread, so this one is closed again and the
        app's thread opens its own on the first save."""
        try:
            if not self.db.exists():
                config = ClusterConfig(
                    epoch=datetime.now(UTC).replace(microsecond=0).isoformat())
                self.cluster = Cluster.create(config)
                Session.save(self, full=True)
                self.created = True
                return self.cluster, self
            return self.open(), self
        finally:
            self.db.close()

    def save(self, full: bool = False) -> None:
        """Persist what changed (settling first, as the CLI does)."""
        if self.cluster is not None:
            super().save(full=full)


def run_tui(directory: Path) -> int:
    """Open the state, run the app until it quits, save."""
    from playground.tui.app import PlaygroundApp

    with TuiSession(directory) as session:
        app = PlaygroundApp(session.open_or_create)
        app.run()
        session.save()
    return 0
