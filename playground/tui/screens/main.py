"""The main screen: header, nodes, pods, Services, events, the command bar — and the keys.

The screen is the mediator: panes report the object under their cursor (`ObjectSelected`),
the screen keeps the shared state as reactives (namespace, selection, what to highlight) and
hands it down; keys act on the selection through kubectl (`playground.kubectl.main.run`) or the
engine's own controls (kubelet stop/start, kill, add node). Below about 120×36 the four panes
become tabs; everything stays reachable by key and by mouse. While a guided scenario runs, the
tutorial panel (`widgets/tutorial.py`) sits right of the panes (`t` hides it), or is a fifth
tab when narrow; the screen tells it when the cluster changes and pastes its commands.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.events import Resize
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Input, Tab, Tabs

from playground import cluster_commands
from playground.engine import etcd
from playground.kubectl.output import to_yaml
from playground.tui.bridge import SPEEDS
from playground.tui.completion import complete
from playground.tui.messages import ClusterChanged, ObjectSelected, TimeAdvanced
from playground.tui.model import ObjectRef, endpoint_pod_names, involved_ref, owner_tree, why_lines
from playground.tui.screens.dialogs import ChoiceDialog, ConfirmDialog, PromptDialog
from playground.tui.screens.editor import EditorScreen
from playground.tui.screens.help import HelpScreen
from playground.tui.screens.logs import LogsView
from playground.tui.screens.rollout import RolloutView
from playground.tui.screens.text_view import TextView
from playground.tui.templates import TEMPLATES
from playground.tui.widgets.command_bar import CommandBar, CommandOutput
from playground.tui.widgets.events import EventsTable
from playground.tui.widgets.footer import KeyFooter
from playground.tui.widgets.header import ClusterHeader
from playground.tui.widgets.nodes import NodeCard, NodesPane
from playground.tui.widgets.pods import PodsTable
from playground.tui.widgets.resource_table import ResourceTable, row_key
from playground.tui.widgets.services import ServicesTable
from playground.tui.widgets.tutorial import TutorialPanel

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp

PANES = ("nodes", "pods", "services", "events")
TOOLS_HELP = ("The command bar runs kubectl, `playground cluster VERB …` ("
              + ", ".join(cluster_commands.LIVE) + "; `playground cluster --help`), "
              "`etcdctl snapshot save FILE` and `etcdutl snapshot status|restore FILE`.\n")


class Printed(Protocol):
    """What a command printed and its exit code (kubectl's, etcd's, `playground cluster`'s)."""

    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def exit_code(self) -> int: ...


def is_etcd_line(argv: list[str]) -> bool:
    """`etcdctl …`, `etcdutl …`, also behind `sudo` or `ETCDCTL_API=3`."""
    words = list(argv)
    while words and (words[0] == "sudo" or "=" in words[0] and not words[0].startswith("-")):
        words = words[1:]
    return bool(words) and words[0] in etcd.TOOLS


def _state_directory(saver: object) -> str | None:
    directory = getattr(saver, "directory", None)
    return None if directory is None else str(directory)
WIDE_MIN = (120, 36)
SCALABLE = {"deployments.apps", "replicasets.apps", "statefulsets.apps"}


class MainScreen(Screen[None]):
    """The cluster at a glance, and every action on it."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("colon", "command", "Command", id="main.command"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("d", "describe", "Describe", id="main.describe"),
        Binding("y", "yaml", "YAML", id="main.yaml"),
        Binding("e", "edit", "Edit", id="main.edit"),
        Binding("l", "logs", "Logs", id="main.logs"),
        Binding("x", "tree", "Owner tree", id="main.tree"),
        Binding("w", "why", "Why", id="main.why"),
        Binding("h", "rollout_history", "Rollout history", id="main.history", show=False),
        Binding("s", "scale", "Scale", id="main.scale", show=False),
        Binding("ctrl+d", "delete", "Delete", id="main.delete", show=False),
        Binding("r", "restart", "Restart rollout", id="main.restart", show=False),
        Binding("c", "cordon", "Cordon/uncordon node", id="main.cordon", show=False),
        Binding("D", "drain", "Drain node", id="main.drain", show=False),
        Binding("f", "fail_node", "Fail/recover node", id="main.fail", show=False),
        Binding("k", "kill", "Kill pod's container", id="main.kill", show=False),
        Binding("a", "add_node", "Add node", id="main.add_node", show=False),
        Binding("N", "new", "New from template", id="main.new", show=False),
        Binding("n", "namespace", "Namespace", id="main.namespace", show=False),
        Binding("space", "pause", "Pause/resume", id="main.pause"),
        Binding("plus,equals_sign", "faster", "Faster", id="main.faster", show=False),
        Binding("minus", "slower", "Slower", id="main.slower", show=False),
        Binding("full_stop", "step", "Step to next event", id="main.step", show=False),
        Binding("1", "show_pane('nodes')", "Nodes", id="main.pane_nodes", show=False),
        Binding("2", "show_pane('pods')", "Pods", id="main.pane_pods", show=False),
        Binding("3", "show_pane('services')", "Services", id="main.pane_services",
                show=False),
        Binding("4", "show_pane('events')", "Events", id="main.pane_events", show=False),
        Binding("5", "show_pane('tutorial')", "Tutorial", id="main.pane_tutorial", show=False),
        Binding("t", "tutorial", "Show/hide tutorial", id="main.tutorial", show=False),
        Binding("H", "hint", "Next hint", id="main.hint", show=False),
        Binding("question_mark", "help", "Help", id="main.help"),
        Binding("escape", "escape", "Back", id="main.escape", show=False),
    ]

    namespace: var[str] = var("default", init=False)
    """The namespace the panes show and commands default to."""
    selected: var[ObjectRef | None] = var(None, init=False)
    """The object under the cursor of the last pane used."""
    active_pane: var[str] = var("pods", init=False)
    """The pane shown when the screen is narrow (tabs)."""
    narrow: var[bool] = var(False)
    """Below about 120×36: panes become tabs."""

    def __init__(self) -> None:
        super().__init__(id="main")
        self.filter_target: ResourceTable | None = None
        self._shown_second: int | None = None
        self._tables: list[ResourceTable] = []
        self._header: ClusterHeader | None = None

    @property
    def playground(self) -> PlaygroundApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    # -- layout ---------------------------------------------------------------------------
    def pane_names(self) -> tuple[str, ...]:
        """The panes (tabs when narrow), the tutorial last while a scenario runs."""
        return PANES + ("tutorial",) if self.playground.runner is not None else PANES

    def compose(self) -> ComposeResult:
        app = self.playground
        cluster = app.cluster
        yield ClusterHeader(id="header")
        yield Tabs(*(Tab(f"{i + 1} {p.title()}", id=f"tab-{p}")
                     for i, p in enumerate(self.pane_names())), id="tabs", active="tab-pods")
        with Horizontal(id="body"):
            with Container(id="panes"):
                with Horizontal(id="row-top", classes="row"):
                    with Vertical(id="pane-nodes", classes="pane") as pane:
                        pane.border_title = "1 Nodes"
                        yield NodesPane(cluster, id="nodes")
                    with Vertical(id="pane-pods", classes="pane") as pane:
                        pane.border_title = "2 Pods"
                        yield PodsTable(id="pods")
                with Horizontal(id="row-bottom", classes="row"):
                    with Vertical(id="pane-services", classes="pane") as pane:
                        pane.border_title = "3 Services"
                        yield ServicesTable(cluster, id="services")
                    with Vertical(id="pane-events", classes="pane") as pane:
                        pane.border_title = "4 Events"
                        yield EventsTable(id="events")
            if app.runner is not None:
                yield TutorialPanel(app.runner, is_busy=lambda: app.bridge.busy,
                                    id="pane-tutorial", classes="pane")
        yield CommandOutput(id="command-output")
        yield Input(placeholder="filter: text, or -l app=web", id="filter")
        yield CommandBar(self._complete, id="command")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#command-output").display = False
        self.query_one("#filter").display = False
        self.query_one("#command").display = False
        self._tables = list(self.query(ResourceTable))
        self._header = self.query_one(ClusterHeader)
        self.load()
        self.query_one(PodsTable).focus()
        self.update_header()
        self._layout(self.app.size.width, self.app.size.height)
        if self.narrow and self.playground.runner is not None:
            self.call_after_refresh(self.action_show_pane, "tutorial")

    def load(self) -> None:
        """Fill every pane from the store (start and namespace change)."""
        cluster = self.playground.cluster
        now = cluster.clock.datetime()
        for table in self.query(ResourceTable):
            table.namespace = self.namespace
            table.load(cluster.store.iter(table.resource), now)
        self.query_one(NodesPane).load()

    def on_resize(self, event: Resize) -> None:
        self._layout(event.size.width, event.size.height)

    def _layout(self, width: int, height: int) -> None:
        self.narrow = width < WIDE_MIN[0] or height < WIDE_MIN[1]

    def watch_narrow(self, narrow: bool) -> None:
        self.set_class(narrow, "-narrow")
        self.watch_active_pane(self.active_pane)

    def watch_active_pane(self, pane: str) -> None:
        if not self.narrow:
            # the state classes below only change the layout when narrow (watch_narrow sets
            # them on the way there); toggling them here restyled both rows of panes, every
            # node card included, on each pane switch
            return
        for name in self.pane_names():
            self.query_one(f"#pane-{name}").set_class(name == pane, "-active")
        self.set_class(pane == "tutorial", "-tutorial-tab")
        top = pane in ("nodes", "pods")
        self.query_one("#row-top").set_class(top, "-active")
        self.query_one("#row-bottom").set_class(not top, "-active")
        tabs = self.query_one("#tabs", Tabs)
        if tabs.active != f"tab-{pane}":
            tabs.active = f"tab-{pane}"

    @on(Tabs.TabActivated, "#tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tab.id != event.tabs.active:
            return  # a stale activation: the tabs have moved on since it was posted
        pane = str(event.tab.id).removeprefix("tab-")
        if pane != self.active_pane:
            self.action_show_pane(pane)

    def action_show_pane(self, pane: str) -> None:
        """Bring a pane forward (a tab when narrow) and focus it."""
        if pane not in self.pane_names():
            return
        self.active_pane = pane
        if pane == "tutorial":
            self.set_class(False, "-tutorial-hidden")
            self.query_one(TutorialPanel).focus_commands()
        elif pane == "nodes":
            nodes = self.query_one(NodesPane)
            if nodes.cards:
                nodes.focus_node(nodes.focused_node() or sorted(nodes.cards)[0])
        else:
            self.query_one(f"#{pane}").focus()

    def on_descendant_focus(self, event: object) -> None:
        focused = self.focused
        if isinstance(focused, ResourceTable):
            self.selected = focused.current_ref()
        for name in self.pane_names():
            pane = self.query_one(f"#pane-{name}")
            if focused is not None and (focused is pane or pane in focused.ancestors):
                if self.active_pane != name:
                    self.active_pane = name
                return

    # -- engine → panes -------------------------------------------------------------------
    def on_cluster_changed(self, message: ClusterChanged) -> None:
        cluster = self.playground.cluster
        now = cluster.clock.datetime()
        changes = message.changes
        for table in self._tables:
            if table.resource in changes:
                table.apply_changes(changes[table.resource], now)
        if "pods" in changes or "endpointslices.discovery.k8s.io" in changes:
            self.query_one(ServicesTable).endpoints_changed(changes, now)
        self.query_one(NodesPane).apply_changes(changes)
        if "pods" in changes or "nodes" in changes:
            self.update_header()
        if self.selected is not None and self.selected.resource == "services":
            self.watch_selected(self.selected)
        self.tutorial_changed()

    def on_time_advanced(self, message: TimeAdvanced) -> None:
        # AGE cells and the header clock show whole seconds: between two of them a frame
        # has nothing to redraw
        second = int(message.now)
        if second != self._shown_second:
            self._shown_second = second
            now = self.playground.cluster.clock.datetime()
            for table in self._tables:
                table.refresh_ages(now)
            self.update_header()
        self.tutorial_changed()

    def tutorial_changed(self) -> None:
        """Let the tutorial panel re-evaluate its checks (it throttles)."""
        if self.playground.runner is not None:
            self.query_one(TutorialPanel).cluster_changed()

    def update_header(self) -> None:
        """Time, speed, namespace and counts in the header."""
        app = self.playground
        cluster = app.cluster
        header = self._header
        if header is None or not header.is_attached:
            return  # not composed yet, or being torn down while a last frame arrives
        header.cluster_name = cluster.config.name
        header.namespace = self.namespace
        header.clock_text = cluster.clock.datetime().strftime("%Y-%m-%d %H:%M:%S UTC")
        bridge = app.bridge
        header.speed_text = "paused" if bridge.paused else f"{bridge.speed:g}×" + (
            " catching up" if bridge.behind else "")
        header.counts = (f"{cluster.store.count('nodes')} nodes · "
                         f"{cluster.store.count('pods')} pods")

    # -- selection and highlighting -------------------------------------------------------
    def on_object_selected(self, message: ObjectSelected) -> None:
        focused = self.focused
        if focused is None:
            return
        if message.pane == "nodes" and isinstance(focused, NodeCard) or \
                focused.id == message.pane:
            self.selected = message.ref

    def watch_selected(self, ref: ObjectRef | None) -> None:
        cluster = self.playground.cluster
        pods: frozenset[str] = frozenset()
        nodes: frozenset[str] = frozenset()
        services: frozenset[str] = frozenset()
        if ref is not None and ref.resource == "services":
            svc = cluster.store.get("services", ref.namespace, ref.name)
            if svc is not None:
                pods = frozenset(row_key((ref.namespace, n))
                                 for n in endpoint_pod_names(cluster, svc))
        elif ref is not None and ref.resource == "events":
            event = cluster.store.get("events", ref.namespace, ref.name)
            target = involved_ref(event) if event is not None else None
            if target is not None and target.resource == "pods":
                pods = frozenset({row_key((target.namespace, target.name))})
            elif target is not None and target.resource == "nodes":
                nodes = frozenset({target.name})
            elif target is not None and target.resource == "services":
                services = frozenset({row_key((target.namespace, target.name))})
        self.query_one(PodsTable).highlighted = pods
        self.query_one(NodesPane).highlighted = nodes
        self.query_one(ServicesTable).highlighted = services

    def target(self) -> ObjectRef | None:
        """The object actions apply to: the focused row (or the last selection), or the
        object an event is about."""
        focused = self.focused
        if isinstance(focused, ResourceTable):
            ref = focused.current_ref()
        elif isinstance(focused, NodeCard):
            ref = ObjectRef("nodes", "", focused.node_name)
        else:
            ref = self.selected
        if ref is not None and ref.resource == "events":
            event = self.playground.cluster.store.get("events", ref.namespace, ref.name)
            return involved_ref(event) if event is not None else None
        return ref

    def need_target(self, *resources: str) -> ObjectRef | None:
        """The target if it is of one of these types, else a note to the person."""
        ref = self.target()
        if ref is None:
            self.notify("Select an object first (arrows, or click a row)", severity="warning")
            return None
        if resources and ref.resource not in resources:
            kinds = ", ".join(sorted({ObjectRef(r, "", "").kind for r in resources}))
            self.notify(f"This works on a {kinds}; {ref.kind}/{ref.name} is selected",
                        severity="warning")
            return None
        return ref

    # -- command bar and filter -----------------------------------------------------------
    def _complete(self, text: str) -> list[str]:
        return complete(text, self.playground.cluster, self.namespace)

    def action_command(self) -> None:
        """Open the command bar (kubectl, `playground cluster …`, etcdctl, etcdutl)."""
        bar = self.query_one(CommandBar)
        bar.display = True
        self.query_one("#command-output").display = True
        bar.focus()

    @on(CommandBar.Submitted)
    def _run_command_line(self, message: CommandBar.Submitted) -> None:
        self.run_command_line(message.line)

    def run_command_line(self, line: str) -> None:
        """Run a command line and show its output: kubectl (`:pods` means `get pods`),
        `playground cluster …`, `etcdctl …` or `etcdutl …`."""
        output = self.query_one(CommandOutput)
        output.display = True
        output.write(Text(f"$ {line}", style="bold cyan"))
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            output.write(Text(f"error: {exc}", style="red"))
            return
        if argv[:1] == ["playground"] and argv[1:2] in (["kubectl"], ["etcdctl"], ["etcdutl"]):
            argv = argv[1:]
        if argv and (argv[0] == "playground" or is_etcd_line(argv)):
            self._write_result(output, self.run_tool_line(argv))
            return
        if argv and argv[0] in ("kubectl", "k"):
            argv = argv[1:]
        if argv and argv[0] in ("ns", "namespace") and len(argv) == 2:
            self.namespace = argv[1]
            return
        from playground.kubectl.main import COMMANDS
        from playground.tui.completion import kind_names

        if len(argv) == 1 and argv[0] not in COMMANDS and argv[0] in kind_names():
            argv = ["get", argv[0]]
        self._write_result(output, self.playground.run_kubectl(argv, namespace=self.namespace))

    @staticmethod
    def _write_result(output: CommandOutput, result: Printed) -> None:
        for text in result.stdout.rstrip("\n").splitlines():
            output.write(text)
        for text in result.stderr.rstrip("\n").splitlines():
            output.write(Text(text, style="red" if result.exit_code else "yellow"))

    def run_tool_line(self, argv: list[str]) -> Printed:
        """Run a `playground …`, `etcdctl …` or `etcdutl …` line on the live cluster, then let
        the controllers and the scenario's checks react, as after kubectl."""
        app = self.playground
        if argv[0] == "playground":
            result: Printed = self._playground_line(argv[1:])
        else:
            result = etcd.run(app.cluster, argv)
        app.bridge.after_command()
        self.update_header()
        self.tutorial_changed()
        return result

    def _playground_line(self, words: list[str]) -> Printed:
        from playground.cli import build_parser

        app = self.playground
        if words[:1] in ([], ["-h"], ["--help"]):
            return cluster_commands.Result(TOOLS_HELP, "", 0)
        if words[0] == "scenario":
            return cluster_commands.Result("", "error: in the TUI the tutorial panel runs the "
                                           "scenario: t shows it, H reveals the next hint.\n", 1)
        if words[0] != "cluster":
            return cluster_commands.Result("", f"error: `playground {words[0]}` does not run in "
                                           f"the command bar. {TOOLS_HELP}", 1)
        parsed = cluster_commands.parse_cluster_line(words[1:], build_parser)
        if isinstance(parsed, cluster_commands.Result):
            return parsed
        if parsed.action in cluster_commands.STATE_LEVEL:
            return cluster_commands.Result("", self._state_level(parsed.action) + "\n", 1)
        bridge = app.bridge
        result = cluster_commands.run(app.cluster, parsed, run_until=bridge.run_until,
                                      state=_state_directory(bridge.saver))
        if parsed.action == "advance":
            bridge.set_paused(bridge.paused)  # pacing goes on from the new virtual time
        return result

    def _state_level(self, action: str) -> str:
        """Why a verb that replaces or copies the state cannot run while the TUI holds it."""
        runner = self.playground.runner
        if action == "reset" and runner is not None:
            return ("error: `playground cluster reset` replaces the state, which this TUI holds "
                    "open. To start the scenario again on a fresh cluster, open the command "
                    f"palette (ctrl+p) and choose “Start scenario: {runner.scenario.title}”.")
        if action == "snapshot":
            return ("error: `playground cluster snapshot` copies the whole state directory, "
                    "which this TUI holds open: quit (q) and run it in your shell. "
                    "`etcdctl snapshot save FILE` works here.")
        return (f"error: `playground cluster {action}` replaces the state, which this TUI holds "
                f"open: quit (q) and run it in your shell (the cluster resumes where it was).")

    @on(CommandBar.Closed)
    def _close_command(self) -> None:
        self.query_one(CommandBar).display = False
        self.query_one("#command-output").display = False
        self.query_one(PodsTable).focus()

    def action_filter(self) -> None:
        """Filter the focused table (text, or `-l selector`)."""
        focused = self.focused
        table = focused if isinstance(focused, ResourceTable) else self.query_one(PodsTable)
        self.filter_target = table
        box = self.query_one("#filter", Input)
        box.placeholder = f"filter {table.resource}: text, or -l app=web  (esc clears)"
        box.value = table.row_filter.text
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        from playground.tui.model import RowFilter

        if self.filter_target is not None:
            self.filter_target.row_filter = RowFilter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#filter").display = False
        if self.filter_target is not None:
            self.filter_target.focus()

    def action_escape(self) -> None:
        """Close the filter (clearing it) or the command output."""
        from playground.tui.model import RowFilter

        box = self.query_one("#filter", Input)
        if box.display or (self.filter_target and self.filter_target.row_filter.text):
            box.display = False
            if self.filter_target is not None:
                self.filter_target.row_filter = RowFilter()
                self.filter_target.focus()
            return
        self._close_command()

    # -- views ----------------------------------------------------------------------------
    def action_describe(self) -> None:
        """`kubectl describe` of the selection, live."""
        ref = self.need_target()
        if ref is None:
            return
        app = self.playground

        def produce() -> str:
            result = app.run_kubectl(["describe", ref.target, *ref.namespace_args()],
                                     settle=False)
            return result.stdout or result.stderr
        self.app.push_screen(TextView(f"describe {ref.target}", produce, view="describe"))

    def action_yaml(self) -> None:
        """`kubectl get -o yaml` of the selection, live."""
        ref = self.need_target()
        if ref is None:
            return
        cluster = self.playground.cluster

        def produce() -> str:
            obj = cluster.store.get(ref.resource, ref.namespace, ref.name)
            return to_yaml(obj) if obj is not None else f"{ref.target} no longer exists"
        self.app.push_screen(TextView(f"{ref.target} -o yaml", produce, language="yaml",
                                      view="yaml"))

    def action_edit(self) -> None:
        """Edit the selection's YAML."""
        ref = self.need_target()
        if ref is None:
            return
        obj = self.playground.cluster.store.get(ref.resource, ref.namespace, ref.name)
        if obj is None:
            return
        self.open_editor(to_yaml(obj), ref=ref, title=f"edit {ref.target}")

    def open_editor(self, text: str, *, ref: ObjectRef | None = None,
                    title: str = "New object") -> None:
        """Open the YAML editor."""
        app = self.playground
        self.app.push_screen(EditorScreen(
            app.cluster, lambda argv, stdin: app.run_kubectl(argv, namespace=self.namespace,
                                                              stdin=stdin),
            text=text, ref=ref, namespace=self.namespace, title=title))

    def action_new(self) -> None:
        """A new object from a template, in the editor."""
        def chosen(kind: str | None) -> None:
            if kind:
                self.open_editor(TEMPLATES[kind], title=f"New {kind}")
        self.app.push_screen(ChoiceDialog("New object from a template", list(TEMPLATES)), chosen)

    def action_logs(self) -> None:
        """Follow the selected pod's log."""
        ref = self.need_target("pods")
        if ref is not None:
            self.app.push_screen(LogsView(self.playground.cluster, ref.namespace, ref.name))

    def action_tree(self) -> None:
        """Owner tree: Deployment → ReplicaSets → Pods → Nodes; Service → slices → Pods."""
        ref = self.need_target()
        if ref is None:
            return
        cluster = self.playground.cluster
        self.app.push_screen(TextView(f"owner tree of {ref.target}",
                                      lambda: "\n".join(owner_tree(cluster, ref)), view="tree"))

    def action_why(self) -> None:
        """Why is it like this: scheduler verdicts, who changed it and why, its events."""
        ref = self.need_target()
        if ref is None:
            return
        cluster = self.playground.cluster
        self.app.push_screen(TextView(f"why {ref.target}",
                                      lambda: "\n".join(why_lines(cluster, ref)), view="why"))

    def action_rollout_history(self) -> None:
        """Rollout history of the selected Deployment, with undo."""
        ref = self.selected_workload()
        if ref is not None:
            self.app.push_screen(RolloutView(self.playground, ref))

    def selected_workload(self) -> ObjectRef | None:
        """The Deployment of the selection (a pod's or ReplicaSet's owner counts)."""
        ref = self.target()
        cluster = self.playground.cluster
        for _ in range(3):
            if ref is None or ref.resource in ("deployments.apps", "statefulsets.apps",
                                               "daemonsets.apps"):
                break
            obj = cluster.store.get(ref.resource, ref.namespace, ref.name)
            owners = ((obj or {}).get("metadata") or {}).get("ownerReferences") or []
            owner = next((o for o in owners if o.get("controller")), None)
            if owner is None:
                ref = None
                break
            resource = {"ReplicaSet": "replicasets.apps", "Deployment": "deployments.apps",
                        "StatefulSet": "statefulsets.apps",
                        "DaemonSet": "daemonsets.apps"}.get(str(owner.get("kind")))
            ref = ObjectRef(resource, ref.namespace, str(owner["name"])) if resource else None
        if ref is None:
            self.notify("Select a Deployment (or one of its pods) first", severity="warning")
        return ref

    # -- the tutorial -----------------------------------------------------------------------
    def action_tutorial(self) -> None:
        """Show or hide the tutorial panel (when narrow: its tab, or back to the pods)."""
        if self.playground.runner is None:
            self.notify("No scenario is running. Start one from the command palette "
                        "(ctrl+p, “Start scenario”).")
            return
        if self.narrow:
            self.action_show_pane("pods" if self.active_pane == "tutorial" else "tutorial")
            return
        hide = not self.has_class("-tutorial-hidden")
        panel = self.query_one(TutorialPanel)
        if hide and (self.focused is not None and panel in self.focused.ancestors):
            self.query_one(PodsTable).focus()
        self.set_class(hide, "-tutorial-hidden")

    def action_hint(self) -> None:
        """Reveal the next hint of the scenario's step."""
        if self.playground.runner is None:
            self.action_tutorial()
            return
        if self.narrow and self.active_pane != "tutorial":
            self.action_show_pane("tutorial")
        self.set_class(False, "-tutorial-hidden")
        self.query_one(TutorialPanel).next_hint()

    @on(TutorialPanel.CommandChosen)
    def _paste_command(self, message: TutorialPanel.CommandChosen) -> None:
        self.action_command()
        bar = self.query_one(CommandBar)
        bar.value = message.line
        bar.cursor_position = len(message.line)

    def action_help(self) -> None:
        """Show every key."""
        self.app.push_screen(HelpScreen(self))

    # -- actions on the selection ---------------------------------------------------------
    def kubectl(self, argv: list[str]) -> None:
        """Run a kubectl action and say what happened."""
        result = self.playground.run_kubectl(argv, namespace=self.namespace)
        text = (result.stdout + result.stderr).strip() or "done"
        self.notify(text, severity="error" if result.exit_code else "information",
                    timeout=4 if not result.exit_code else 8)

    def action_scale(self) -> None:
        """Scale the selected workload."""
        ref = self.target()
        if ref is not None and ref.resource not in SCALABLE:
            ref = self.selected_workload()
        if ref is None or ref.resource not in SCALABLE:
            if ref is not None:
                self.notify("Only Deployments, ReplicaSets and StatefulSets scale",
                            severity="warning")
            return
        obj = self.playground.cluster.store.get(ref.resource, ref.namespace, ref.name) or {}
        current = str((obj.get("spec") or {}).get("replicas", 1))

        def answered(value: str | None) -> None:
            if value is not None and value.strip():
                self.kubectl(["scale", ref.target, f"--replicas={value.strip()}",
                              *ref.namespace_args()])
        self.app.push_screen(PromptDialog(f"Scale {ref.target} to how many replicas?",
                                          current), answered)

    def action_delete(self) -> None:
        """Delete the selection (after confirming)."""
        ref = self.need_target()
        if ref is None:
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.kubectl(["delete", ref.target, "--wait=false", *ref.namespace_args()])
        self.app.push_screen(ConfirmDialog(f"Delete {ref.target}?", "Delete"), answered)

    def action_restart(self) -> None:
        """`kubectl rollout restart` of the selected workload."""
        ref = self.selected_workload()
        if ref is not None:
            self.kubectl(["rollout", "restart", ref.target, *ref.namespace_args()])

    def action_cordon(self) -> None:
        """Cordon or uncordon the selected node."""
        ref = self.need_target("nodes")
        if ref is None:
            return
        node = self.playground.cluster.store.get("nodes", "", ref.name) or {}
        verb = "uncordon" if (node.get("spec") or {}).get("unschedulable") else "cordon"
        self.kubectl([verb, ref.name])

    def action_drain(self) -> None:
        """Drain the selected node (after confirming)."""
        ref = self.need_target("nodes")
        if ref is None:
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.kubectl(["drain", ref.name, "--ignore-daemonsets",
                              "--delete-emptydir-data", "--force"])
        self.app.push_screen(ConfirmDialog(f"Drain node {ref.name}? Its pods are evicted.",
                                           "Drain"), answered)

    def action_fail_node(self) -> None:
        """Stop the selected node's kubelet (a node failure), or start it again."""
        ref = self.need_target("nodes")
        if ref is None:
            return
        app = self.playground
        kubelet = app.cluster.kubelet
        if kubelet.running_on(ref.name):
            kubelet.stop_node(ref.name)
            self.notify(f"Node {ref.name} failed: its kubelet stopped reporting. It turns "
                        "NotReady after the grace period (about 50s).", severity="warning")
        else:
            kubelet.start_node(ref.name)
            self.notify(f"Node {ref.name} recovered: its kubelet reports again.")
        app.bridge.after_command()
        self.query_one(NodesPane).refresh_nodes([ref.name])

    def action_kill(self) -> None:
        """Kill the selected pod's first running container (a crash)."""
        ref = self.need_target("pods")
        if ref is None:
            return
        app = self.playground
        try:
            container = app.cluster.kubelet.kill_container(ref.namespace, ref.name, None)
        except (KeyError, ValueError) as exc:
            self.notify(f"Cannot kill {ref.name}: {exc}", severity="error")
            return
        app.bridge.after_command()
        self.notify(f'Killed container "{container}" of pod {ref.name} (exit code 137)')

    def action_add_node(self) -> None:
        """Add a worker node like the others."""
        app = self.playground
        name = cluster_commands.next_worker(app.cluster)
        app.cluster.add_node(name)
        app.bridge.after_command()
        self.notify(f"Node {name} joined the cluster")

    def action_namespace(self) -> None:
        """Switch namespace."""
        names = [n["metadata"]["name"] for n in self.playground.cluster.store.list("namespaces")]

        def chosen(name: str | None) -> None:
            if name:
                self.namespace = name
        self.app.push_screen(ChoiceDialog("Namespace", names), chosen)

    def watch_namespace(self) -> None:
        self.selected = None
        self.load()
        self.update_header()

    # -- time -----------------------------------------------------------------------------
    def action_pause(self) -> None:
        """Pause or resume virtual time."""
        bridge = self.playground.bridge
        bridge.set_paused(not bridge.paused)
        self.update_header()

    def action_faster(self) -> None:
        """Speed up (1×, 2×, 5×, 10×, 60×)."""
        bridge = self.playground.bridge
        if bridge.paused:
            bridge.set_paused(False)
        else:
            bridge.faster()
        self.update_header()

    def action_slower(self) -> None:
        """Slow down; below 1× pauses."""
        bridge = self.playground.bridge
        if bridge.speed_index == 0:
            bridge.set_paused(True)
        else:
            bridge.slower()
        self.update_header()

    def action_step(self) -> None:
        """Pause and jump to the next thing the engine has scheduled."""
        bridge = self.playground.bridge
        if not bridge.paused:
            bridge.set_paused(True)
        when = bridge.step()
        if when is None:
            self.notify("Nothing is scheduled: the cluster is idle")
        self.update_header()


__all__ = ["MainScreen", "SPEEDS"]
