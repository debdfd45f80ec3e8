"""The TUI's hold on a state directory: lock it for the app's lifetime, open or create the
cluster, save through the engine's persistence.

The lock is the CLI's `StateLock` with holder "the playground TUI", so `playground kubectl …`
in another terminal is refused with a message naming the TUI instead of writing underneath it.
The first run creates a fresh 3-worker cluster, as `playground cluster init` would; with a
scenario (`playground --scenario NAME`) the state gets that scenario's fresh cluster instead, as
`playground scenario start` does. The app attaches its own scenario runner (the tutorial panel
drives it), so the session keeps none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from playground.cli import Session
from playground.engine.cluster import Cluster, ClusterConfig
from playground.scenarios import Scenario

HOLDER = "the playground TUI"


class TuiSession(Session):
    """A locked state directory for the TUI."""

    def __init__(self, directory: Path, scenario: Scenario | None = None) -> None:
        super().__init__(directory, holder=HOLDER)
        self.created = False
        self.scenario = scenario
        """A scenario to start on a fresh cluster when the state opens."""

    def open_or_create(self) -> tuple[Cluster, TuiSession]:
        """The cluster of this state, creating a fresh one the first time. Runs in a worker
        thread; SQLite connections belong to their thread, so this one is closed again and the
        app's thread opens its own on the first save."""
        try:
            if self.scenario is not None:
                from playground.tui.widgets.tutorial_runner import start_runner

                clock = "realtime"
                if self.db.exists():
                    clock = str(self.db.read_meta()["config"].get("clock", clock))
                self.cluster = start_runner(self.scenario, clock).cluster
                Session.save(self, full=True)
                self.created = True
                return self.cluster, self
            if not self.db.exists():
                config = ClusterConfig(
                    epoch=datetime.now(UTC).replace(microsecond=0).isoformat())
                self.cluster = Cluster.create(config)
                Session.save(self, full=True)
                self.created = True
                return self.cluster, self
            cluster = self.open()
            self.runner = None  # the app attaches its own; two would overwrite each other
            return cluster, self
        finally:
            self.db.close()

    def replace_cluster(self, cluster: Cluster) -> None:
        """Make `cluster` the state's (a scenario started from the palette): save it whole."""
        self.cluster = cluster
        self.runner = None
        Session.save(self, full=True)

    def save(self, full: bool = False) -> None:
        """Persist what changed (settling first, as the CLI does)."""
        if self.cluster is not None:
            super().save(full=full)


def run_tui(directory: Path, scenario: Scenario | None = None) -> int:
    """Open the state (or start `scenario` in it), run the app until it quits, save."""
    from playground.tui.app import PlaygroundApp

    with TuiSession(directory, scenario) as session:
        app = PlaygroundApp(session.open_or_create)
        app.run()
        session.save()
    return 0
