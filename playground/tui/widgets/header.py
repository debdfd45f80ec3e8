"""The header line: cluster, namespace, virtual time, speed and counts."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


class ClusterHeader(Static):
    """One line that says where you are and how fast time goes."""

    cluster_name: reactive[str] = reactive("playground")
    """The cluster's name."""
    namespace: reactive[str] = reactive("default")
    """The namespace the panes show."""
    clock_text: reactive[str] = reactive("")
    """Virtual date and time."""
    speed_text: reactive[str] = reactive("paused")
    """`paused`, `1×` … `60×`."""
    counts: reactive[str] = reactive("")
    """Nodes and pods."""

    def render(self) -> Text:
        text = Text(" ⎈ ", style="bold")
        text.append(self.cluster_name, style="bold")
        text.append("  ns ", style="dim")
        text.append(self.namespace, style="bold")
        text.append("  ")
        text.append(self.clock_text)
        text.append("  ")
        if self.speed_text == "paused":
            text.append("⏸ paused", style="bold yellow")
        else:
            text.append(f"▶ {self.speed_text}", style="bold green")
        if self.counts:
            text.append(f"  {self.counts}", style="dim")
        return text
