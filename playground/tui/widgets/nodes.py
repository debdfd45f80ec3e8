"""The nodes pane: one card per node with its state, requests against allocatable, and pods.

A card shows name, role, zone and Ready/NotReady/SchedulingDisabled (and when its kubelet was
stopped on purpose), CPU and memory requested vs allocatable as bars, and one coloured mark per
pod bound to it. Only cards whose node or pods changed are redrawn, and from what the pane
keeps per node (each pod's status and requests, updated from the batches of changed pods), so a
redraw never walks the store's pods. A card whose summary did not change is not touched, and a
card is always four lines high (bars and marks fit its width), so a redraw is a repaint of that
card, never a layout of the screen.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive, var
from textual.widget import Widget

from playground.engine.api.quantity import format_bytes, format_millis
from playground.engine.cluster import Cluster
from playground.tui.messages import ChangeKey, ObjectSelected
from playground.tui.model import (
    MARKS,
    STYLE_COLOURS,
    NodeSummary,
    ObjectRef,
    PodOnNode,
    pod_on_node,
    status_style,
    summarise_node,
)

Obj = dict[str, Any]
BAR_WIDTH = 16


def bar(used: int, total: int, width: int = BAR_WIDTH) -> Text:
    """A requested-vs-allocatable bar, green → yellow → red as it fills."""
    fraction = 0.0 if total <= 0 else min(1.0, used / total)
    filled = round(fraction * width)
    colour = "green" if fraction < 0.7 else "yellow" if fraction < 0.9 else "red"
    text = Text("█" * filled, style=colour)
    text.append("░" * (width - filled), style="dim")
    text.append(f" {round(fraction * 100):>3}%")
    return text


MARK_GLYPHS = {"good": "●", "bad": "✖", "wait": "◐"}
"""One pod as a mark by how its STATUS reads (anything else: ○)."""


def render_card(summary: NodeSummary, width: int = 0) -> Group:
    """The body of a node card: four lines, each fitted to `width` cells when it is given
    (bars and the row of pod marks shrink; text that still does not fit ends in "…")."""
    head = Text(f"{summary.roles} · {summary.zone} · ")
    head.append(summary.status, style=STYLE_COLOURS[status_style(summary.status)])
    if summary.kubelet_stopped:
        head.append(" · kubelet stopped", style="bold red")
    cpu_text = f" {format_millis(summary.cpu_requested)}/{format_millis(summary.cpu_allocatable)}"
    mem_text = (f" {format_bytes(summary.memory_requested)}/"
                f"{format_bytes(summary.memory_allocatable)}")
    bar_width = BAR_WIDTH
    if width:  # "cpu " + bar + " 100%" + the amounts (room kept for larger requests, so
        # cards of like nodes keep bars of one width)
        room = max(len(format_millis(summary.cpu_allocatable)),
                   len(format_bytes(summary.memory_allocatable))) + 8
        bar_width = max(4, min(BAR_WIDTH, width - 9 - max(room, len(cpu_text), len(mem_text))))
    cpu = Text("cpu ")
    cpu.append_text(bar(summary.cpu_requested, summary.cpu_allocatable, bar_width))
    cpu.append(cpu_text, style="dim")
    mem = Text("mem ")
    mem.append_text(bar(summary.memory_requested, summary.memory_allocatable, bar_width))
    mem.append(mem_text, style="dim")
    count = summary.pod_count
    marks = Text(f"{count:>3} pods ")
    shown = MARKS
    if width:
        shown = max(0, min(shown, width - len(marks.plain)))
        if count > shown:  # room for " +N" too
            shown = max(0, min(shown, width - len(marks.plain) - len(f" +{count}")))
    run_glyph, run_style, run = "", "", 0  # consecutive like marks as one span
    for status in summary.pod_statuses[:shown]:
        style = status_style(status)
        glyph = MARK_GLYPHS.get(style, "○")
        if glyph != run_glyph or style != run_style:
            if run:
                marks.append(run_glyph * run, style=STYLE_COLOURS[run_style] or "dim")
            run_glyph, run_style, run = glyph, style, 0
        run += 1
    if run:
        marks.append(run_glyph * run, style=STYLE_COLOURS[run_style] or "dim")
    if count > shown:
        marks.append(f" +{count - shown}", style="dim")
    for line in (head, cpu, mem, marks):
        line.no_wrap = True
        line.overflow = "ellipsis"
    return Group(head, cpu, mem, marks)


class NodeCard(Widget, can_focus=True):
    """One node. Always four lines high, so a redraw repaints the card without a layout."""

    DEFAULT_CSS = """
    NodeCard { height: 6; }
    """

    highlighted: reactive[bool] = reactive(False)
    """Marked because the selected event or object concerns this node."""

    def __init__(self, name: str) -> None:
        super().__init__(id=f"node-{name}", classes="node-card")
        self.node_name = name
        self.border_title = name
        self.summary: NodeSummary | None = None
        self.redraws = 0
        """How many times the card changed (benchmarks and tests count them)."""
        self._body: Group = Group()
        self._body_width = 0

    def render(self) -> Group:
        width = self.content_size.width
        if self.summary is not None and width != self._body_width:
            self._body = render_card(self.summary, width)
            self._body_width = width
        return self._body

    def show(self, summary: NodeSummary) -> None:
        """Redraw from a summary (nothing to do when it says what the card says)."""
        if summary == self.summary:
            return
        self.summary = summary
        self.redraws += 1
        self._body_width = -1  # drawn from the summary when next rendered
        if self.border_subtitle != summary.status:
            self.border_subtitle = summary.status
        self.set_class(summary.status.startswith("NotReady") or summary.kubelet_stopped,
                       "-not-ready")
        self.set_class("SchedulingDisabled" in summary.status, "-cordoned")
        self.refresh()

    def watch_highlighted(self, value: bool) -> None:
        self.set_class(value, "-highlighted")

    def on_focus(self) -> None:
        self.post_message(ObjectSelected(ObjectRef("nodes", "", self.node_name), "nodes"))

    def on_click(self) -> None:
        self.focus()


class NodesPane(VerticalScroll):
    """Every node as a card."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("down,j", "next_card", "Next node", id="nodes.next", show=False),
        Binding("up,k", "previous_card", "Previous node", id="nodes.previous", show=False),
    ]

    highlighted: var[frozenset[str]] = var(frozenset(), init=False)
    """Node names to mark."""

    def __init__(self, cluster: Cluster, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cluster = cluster
        self.can_focus = False
        self.cards: dict[str, NodeCard] = {}
        self.pod_nodes: dict[ChangeKey, str] = {}
        self.node_pods: dict[str, dict[ChangeKey, PodOnNode]] = {}
        """Node name → its pods as its card counts them."""

    def compose(self) -> ComposeResult:
        return iter(())

    def load(self) -> None:
        """Cards for every node (on start; existing cards are reused)."""
        self.pod_nodes = {}
        self.node_pods = {}
        for pod in self.cluster.store.iter("pods"):
            node = (pod.get("spec") or {}).get("nodeName")
            if node:
                key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
                self.pod_nodes[key] = node
                self.node_pods.setdefault(node, {})[key] = pod_on_node(pod)
        names = {n["metadata"]["name"] for n in self.cluster.store.iter("nodes")}
        self.refresh_nodes(sorted(names | set(self.cards)))

    def apply_changes(self, changes: dict[str, dict[ChangeKey, Obj | None]]) -> None:
        """Redraw the cards whose node, or a pod on it, changed."""
        dirty: set[str] = set()
        for key in changes.get("nodes", {}):
            dirty.add(key[1])
        for key, pod in changes.get("pods", {}).items():
            old = self.pod_nodes.get(key)
            new = ((pod or {}).get("spec") or {}).get("nodeName")
            if old:
                dirty.add(old)
                self.node_pods.get(old, {}).pop(key, None)
            if new and pod is not None:
                dirty.add(new)
                self.pod_nodes[key] = new
                self.node_pods.setdefault(new, {})[key] = pod_on_node(pod)
            else:
                self.pod_nodes.pop(key, None)
        if dirty:
            self.refresh_nodes(sorted(dirty))

    def refresh_nodes(self, names: list[str]) -> None:
        """Redraw (or add, or remove) these nodes' cards."""
        for name in names:
            node = self.cluster.store.get("nodes", "", name)
            card = self.cards.get(name)
            if node is None:
                if card is not None:
                    card.remove()
                    del self.cards[name]
                continue
            if card is None:
                card = NodeCard(name)
                self.cards[name] = card
                before = next((self.cards[n] for n in sorted(self.cards) if n > name
                               and self.cards[n].is_attached), None)
                if before is not None:
                    self.mount(card, before=before)
                else:
                    self.mount(card)
            pods = self.node_pods.get(name, {})
            card.show(summarise_node(node, (pods[key] for key in sorted(pods)),
                                     not self.cluster.kubelet.running_on(name)))

    def watch_highlighted(self, old: frozenset[str], new: frozenset[str]) -> None:
        for name in old | new:
            if name in self.cards:
                self.cards[name].highlighted = name in new

    def focused_node(self) -> str | None:
        """The node whose card has focus."""
        focused = self.screen.focused if self.is_attached else None
        return focused.node_name if isinstance(focused, NodeCard) else None

    def focus_node(self, name: str) -> None:
        """Focus a node's card."""
        if name in self.cards:
            self.cards[name].focus()

    def _move(self, delta: int) -> None:
        names = sorted(self.cards)
        if not names:
            return
        current = self.focused_node()
        index = names.index(current) + delta if current in names else 0
        self.cards[names[max(0, min(len(names) - 1, index))]].focus()

    def action_next_card(self) -> None:
        """Focus the next node."""
        self._move(1)

    def action_previous_card(self) -> None:
        """Focus the previous node."""
        self._move(-1)
