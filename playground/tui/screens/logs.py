"""`l`: a pod's container log, following as the container writes (from `cluster.kubelet.logs`).

Each refresh appends only the lines not shown yet; `c` switches container and `p` shows the
previous instance's log, as `kubectl logs --previous` does.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from playground.engine.cluster import Cluster
from playground.tui.messages import ClusterChanged, TimeAdvanced
from playground.tui.model import pod_containers


class LogsView(Screen[None]):
    """Follows one container's log."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,q", "close", "Back", id="logs.close"),
        Binding("c", "next_container", "Container", id="logs.container"),
        Binding("p", "toggle_previous", "Previous instance", id="logs.previous"),
        Binding("f", "toggle_follow", "Follow", id="logs.follow"),
    ]

    def __init__(self, cluster: Cluster, namespace: str, pod: str) -> None:
        super().__init__(classes="text-view view-logs")
        self.cluster = cluster
        self.namespace = namespace
        self.pod = pod
        obj = cluster.store.get("pods", namespace, pod) or {}
        self.containers = pod_containers(obj) or [""]
        self.container = self.containers[0]
        self.previous = False
        self.following = True
        self.shown = 0

    def compose(self) -> ComposeResult:
        yield Static(id="logs-title", classes="view--title")
        yield RichLog(id="logs", wrap=False, markup=False, highlight=False, max_lines=20000)
        yield Footer()

    def on_mount(self) -> None:
        self.restart()
        self.query_one("#logs").focus()

    def restart(self) -> None:
        """Show the chosen container's log from the start."""
        self.shown = 0
        self.query_one("#logs", RichLog).clear()
        title = Text(f" logs {self.namespace}/{self.pod}", style="bold")
        title.append(f"  container {self.container}")
        if self.previous:
            title.append("  (previous instance)", style="yellow")
        if self.following:
            title.append("  following", style="green")
        self.query_one("#logs-title", Static).update(title)
        self.pull()

    def lines(self) -> list[str] | None:
        """The container's log lines, or None when there is none."""
        found = self.cluster.kubelet.logs(self.namespace, self.pod, self.container,
                                          previous=self.previous)
        return None if found is None else [text for _t, _stream, text in found]

    def pull(self) -> None:
        """Append lines written since the last pull."""
        log = self.query_one("#logs", RichLog)
        lines = self.lines()
        if lines is None:
            if self.shown == 0:
                log.write(Text(f'(no log yet: container "{self.container}" has not started)',
                               style="dim"))
                self.shown = -1
            return
        if self.shown < 0:
            log.clear()
            self.shown = 0
        for line in lines[self.shown:]:
            log.write(line)
        self.shown = len(lines)

    def on_cluster_changed(self, message: ClusterChanged) -> None:
        if self.following:
            self.pull()

    def on_time_advanced(self, message: TimeAdvanced) -> None:
        if self.following:
            self.pull()

    def action_next_container(self) -> None:
        """Show the next container of the pod."""
        index = self.containers.index(self.container)
        self.container = self.containers[(index + 1) % len(self.containers)]
        self.restart()

    def action_toggle_previous(self) -> None:
        """Current ↔ previous instance."""
        self.previous = not self.previous
        self.restart()

    def action_toggle_follow(self) -> None:
        """Stop or resume following."""
        self.following = not self.following
        self.restart()

    def action_close(self) -> None:
        """Back to the cluster."""
        self.dismiss(None)
