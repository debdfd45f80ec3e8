"""What a scenario is, and the schema its files must follow.

A scenario is data: a folder with `scenario.yaml` and Markdown pages (see `scenarios/README.md`).
This module turns the parsed YAML into frozen records and refuses anything malformed with a
message that names the file, the place and what to write instead, so an author never needs
to read Python to find a mistake. Evaluating checks and running actions live elsewhere
(`checks.py`, `actions.py`); this module only knows shapes.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIFFICULTIES = ("beginner", "intermediate", "advanced")

CHECK_TYPES = {
    "exists": "an object exists",
    "absent": "an object does not exist",
    "field": "a field of an object equals or matches a value (JSONPath)",
    "pods": "how many pods match a selector, in a phase / ready",
    "rolledOut": "a Deployment finished its rollout",
    "revisions": "how many revisions (ReplicaSets) a Deployment has",
    "condition": "a condition of an object has a status",
    "endpoints": "how many ready endpoints a Service has (EndpointSlices)",
    "request": "a request from a pod or from outside answers with some text",
    "event": "an event was recorded",
    "logs": "a container's logs contain some text",
    "cordoned": "a node is cordoned (or not)",
    "etcdSnapshot": "an etcd snapshot file was saved (holding an object) / etcd was restored "
                    "from it",
}
"""Every check type and what it asserts."""

ACTION_TYPES = {
    "kubectl": "run a kubectl command line (optionally `as:` another person, `stdin:`)",
    "apply": "apply a manifest (YAML text)",
    "advance": "let virtual time pass (90s, 5m)",
    "fail-node": "stop a node's kubelet (node failure)",
    "recover-node": "start a failed node's kubelet again",
    "add-node": "join a new worker node",
    "partition-node": "cut a node off the network",
    "heal-node": "reconnect a partitioned node",
    "kill": "make a container of a pod crash",
    "etcdctl": "run an etcdctl command line on the control plane (snapshot save)",
    "etcdutl": "run an etcdutl command line on the control plane (snapshot status, restore)",
}
"""Every action type (setup faults, step events and solutions share them)."""

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


class ScenarioError(ValueError):
    """A scenario file that cannot be used, with where and why, for its author."""


def parse_duration(value: Any, where: str) -> float:
    """`90s`, `5m`, `1m30s` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ScenarioError(f"{where}: expected a duration such as 30s or 5m, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ScenarioError(f"{where}: a duration cannot be negative")
        return float(value)
    text = str(value).strip()
    total, pos = 0.0, 0
    for match in _DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ScenarioError(f"{where}: expected a duration such as 30s, 5m or 1m30s, "
                            f"got {value!r}")
    return total


# -- records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Action:
    """One thing done to the cluster: `kind` is a key of ACTION_TYPES."""

    kind: str
    args: dict[str, Any]

    def describe(self) -> str:
        """The action as a person would type or say it."""
        a = self.args
        if self.kind == "kubectl":
            return "kubectl " + _PLACEHOLDER.sub(_placeholder_text, a["command"])
        if self.kind == "apply":
            return "kubectl apply -f - <<EOF\n" + a["manifest"].rstrip("\n") + "\nEOF"
        if self.kind == "advance":
            return f"playground cluster advance {a['text']}"
        if self.kind in ("etcdctl", "etcdutl"):
            return f"{self.kind} {a['command']}"
        if self.kind == "kill":
            target = a.get("pod") or f"the first pod with {a['selector']}"
            return f"playground cluster kill-pod {target}"
        return f"playground cluster {self.kind} {a.get('node', '')}".rstrip()


_PLACEHOLDER = re.compile(r"\{\{\s*(pod|ip|node-ip|lb)\s+([^}]+?)\s*\}\}")


def _placeholder_text(match: re.Match[str]) -> str:
    what, arg = match.group(1), match.group(2)
    return {"pod": f"<a pod with {arg}>", "ip": f"<IP of pod {arg}>",
            "node-ip": f"<IP of node {arg}>", "lb": f"<external IP of {arg}>"}[what]


@dataclass(frozen=True)
class Check:
    """One assertion about cluster state: `kind` is a key of CHECK_TYPES."""

    kind: str
    args: dict[str, Any]
    say: str = ""
    """What the check verifies, in the author's words (shown instead of the default text)."""


@dataclass(frozen=True)
class StepEvent:
    """Something that happens during a step: on entering it, or some virtual time after."""

    after: float
    actions: tuple[Action, ...]
    say: str = ""
    """What the learner is told when it happens."""


@dataclass(frozen=True)
class Step:
    """One idea: instructions, checks, layered hints, an executable solution."""

    id: str
    title: str
    text: str
    checks: tuple[Check, ...]
    hints: tuple[str, ...]
    solution: tuple[Action, ...]
    events: tuple[StepEvent, ...] = ()
    timeout: float = 600.0
    """Virtual seconds the reference solution may need before its checks pass."""

    def commands(self) -> list[str]:
        """The command lines in the step's code blocks (for the TUI to paste)."""
        return code_block_commands(self.text)

    def hint_layers(self) -> list[str]:
        """Nudge, hint, …, and last the solution itself."""
        layers = list(self.hints)
        body = "\n\n".join(f"```\n{a.describe()}\n```" for a in self.solution
                           if a.kind != "advance")
        waits = [a.args["text"] for a in self.solution if a.kind == "advance"]
        if waits:
            body += f"\n\nThen give the cluster {' + '.join(waits)} to react."
        layers.append("**Solution**\n\n" + body)
        return layers


@dataclass(frozen=True)
class ClusterShape:
    """The fresh cluster a scenario starts on."""

    nodes: int = 3
    zones: tuple[str, ...] = ("zone-a", "zone-b", "zone-c")
    cpu: str = "4"
    memory: str = "8Gi"
    seed: int = 1


@dataclass(frozen=True)
class Setup:
    """How the cluster looks before the learner starts."""

    cluster: ClusterShape = ClusterShape()
    images: tuple[dict[str, Any], ...] = ()
    manifests: tuple[str, ...] = ()
    faults: tuple[Action, ...] = ()
    advance: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """A whole lesson."""

    id: str
    title: str
    summary: str
    difficulty: str
    minutes: int
    topics: tuple[str, ...]
    prerequisites: tuple[str, ...]
    intro: str
    finish: str
    setup: Setup
    steps: tuple[Step, ...]
    path: Path | None = field(default=None, compare=False)


COMMAND_WORDS = ("kubectl", "playground", "etcdctl", "etcdutl", "ETCDCTL_API=3")
"""First words of the code-block lines a shell can run."""


def code_block_commands(markdown: str) -> list[str]:
    """Lines of fenced code blocks that are commands (kubectl, playground, etcdctl, etcdutl)."""
    commands: list[str] = []
    inside = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            inside = not inside
            continue
        if inside and stripped.split(" ", 1)[0] in COMMAND_WORDS:
            commands.append(stripped)
    return commands


# -- parsing ------------------------------------------------------------------------------

class _Reader:
    """Reads one scenario folder, resolving `file.md` references next to scenario.yaml."""

    def __init__(self, folder: Path | None, source: str) -> None:
        self.folder = folder
        self.source = source

    def fail(self, where: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: Any, where: str, allowed: set[str],
                required: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {_kind(value)}")
        unknown = set(value) - allowed
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; "
                                   f"allowed: {', '.join(sorted(allowed))}")
        missing = required - set(value)
        if missing:
            raise self.fail(where, f"missing {', '.join(sorted(missing))}")
        return value

    def text(self, value: Any, where: str, *, markdown: bool = False) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected text, got {_kind(value)}")
        if markdown and value.strip().endswith(".md") and "\n" not in value.strip():
            if self.folder is None:
                raise self.fail(where, f"{value} names a file, but this scenario has no folder")
            path = self.folder / value.strip()
            if not path.is_file():
                raise self.fail(where, f"the Markdown file {value.strip()} does not exist "
                                       f"next to scenario.yaml")
            return path.read_text(encoding="utf-8")
        return value

    def strings(self, value: Any, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(where, "expected a list of text")
        return tuple(value)


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}.get(
        type(value), type(value).__name__)


_TOP_KEYS = {"id", "title", "summary", "difficulty", "minutes", "topics", "prerequisites",
             "intro", "finish", "setup", "steps"}


def parse_scenario(data: Any, folder: Path | None = None, source: str = "scenario.yaml"
                   ) -> Scenario:
    """Check the schema of a parsed scenario.yaml and build the Scenario."""
    try:
        return _parse(data, folder, source)
    except ScenarioError as exc:
        if str(exc).startswith(f"{source}: "):
            raise
        raise ScenarioError(f"{source}: {exc}") from None


def _parse(data: Any, folder: Path | None, source: str) -> Scenario:
    r = _Reader(folder, source)
    top = r.mapping(data, "top level", _TOP_KEYS,
                    {"id", "title", "summary", "difficulty", "minutes", "steps"})
    scenario_id = r.text(top["id"], "id")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", scenario_id):
        raise r.fail("id", "use lowercase letters, digits and dashes (e.g. first-pod)")
    difficulty = top["difficulty"]
    if difficulty not in DIFFICULTIES:
        raise r.fail("difficulty", f"one of {', '.join(DIFFICULTIES)}, got {difficulty!r}")
    minutes = top["minutes"]
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        raise r.fail("minutes", f"a whole number of minutes, got {minutes!r}")
    steps_data = top["steps"]
    if not isinstance(steps_data, list) or not steps_data:
        raise r.fail("steps", "a scenario needs at least one step (a list)")
    steps = tuple(_step(r, item, f"steps[{i}]") for i, item in enumerate(steps_data))
    ids = [s.id for s in steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise r.fail("steps", f"step ids must be unique; repeated: {', '.join(duplicates)}")
    return Scenario(
        id=scenario_id,
        title=r.text(top["title"], "title"),
        summary=r.text(top["summary"], "summary").strip(),
        difficulty=difficulty,
        minutes=minutes,
        topics=r.strings(top.get("topics"), "topics"),
        prerequisites=r.strings(top.get("prerequisites"), "prerequisites"),
        intro=r.text(top["intro"], "intro", markdown=True) if "intro" in top else "",
        finish=(r.text(top["finish"], "finish", markdown=True) if "finish" in top
                else "You finished this scenario. Well done!"),
        setup=_setup(r, top.get("setup") or {}),
        steps=steps,
        path=folder,
    )


def _setup(r: _Reader, data: Any) -> Setup:
    s = r.mapping(data, "setup", {"cluster", "images", "manifests", "faults", "advance"})
    shape = ClusterShape()
    if "cluster" in s:
        c = r.mapping(s["cluster"], "setup.cluster", {"nodes", "zones", "cpu", "memory", "seed"})
        nodes = c.get("nodes", shape.nodes)
        if not isinstance(nodes, int) or isinstance(nodes, bool) or not 0 <= nodes <= 50:
            raise r.fail("setup.cluster.nodes", f"a number of worker nodes (0-50), got {nodes!r}")
        seed = c.get("seed", shape.seed)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise r.fail("setup.cluster.seed", f"a whole number, got {seed!r}")
        zones = r.strings(c.get("zones"), "setup.cluster.zones") or shape.zones
        shape = ClusterShape(nodes=nodes, zones=zones, cpu=str(c.get("cpu", shape.cpu)),
                             memory=str(c.get("memory", shape.memory)), seed=seed)
    images = s.get("images") or []
    if not isinstance(images, list) or not all(isinstance(i, dict) for i in images):
        raise r.fail("setup.images", "a list of image catalog entries (mappings with "
                                     "repository, defaults, tags)")
    from playground.engine.images.catalog import CatalogError, build_repository

    for i, entry in enumerate(images):
        try:
            build_repository(entry)
        except CatalogError as exc:
            raise r.fail(f"setup.images[{i}]", str(exc)) from None
    manifests = s.get("manifests") or []
    if not isinstance(manifests, list):
        raise r.fail("setup.manifests", "a list of manifests (YAML text) or .yaml file names")
    texts = tuple(_manifest(r, m, f"setup.manifests[{i}]") for i, m in enumerate(manifests))
    faults = _actions(r, s.get("faults") or [], "setup.faults")
    advance = parse_duration(s["advance"], "setup.advance") if "advance" in s else 0.0
    return Setup(cluster=shape, images=tuple(images), manifests=texts, faults=faults,
                 advance=advance)


def _manifest(r: _Reader, value: Any, where: str) -> str:
    if isinstance(value, dict):
        import yaml

        return yaml.safe_dump(value, sort_keys=False)
    text = r.text(value, where)
    if "\n" not in text.strip() and text.strip().endswith((".yaml", ".yml")):
        if r.folder is None or not (r.folder / text.strip()).is_file():
            raise r.fail(where, f"the manifest file {text.strip()} does not exist next to "
                                "scenario.yaml")
        return (r.folder / text.strip()).read_text(encoding="utf-8")
    return text


_STEP_KEYS = {"id", "title", "text", "checks", "hints", "solution", "events", "timeout"}


def _step(r: _Reader, data: Any, where: str) -> Step:
    s = r.mapping(data, where, _STEP_KEYS, {"id", "title", "text", "checks", "solution"})
    checks_data = s["checks"]
    if not isinstance(checks_data, list) or not checks_data:
        raise r.fail(f"{where}.checks", "a step needs at least one check (a list)")
    solution = _actions(r, s["solution"], f"{where}.solution")
    if not solution:
        raise r.fail(f"{where}.solution", "a step needs an executable solution")
    events_data = s.get("events") or []
    if not isinstance(events_data, list):
        raise r.fail(f"{where}.events", "a list of events")
    return Step(
        id=r.text(s["id"], f"{where}.id"),
        title=r.text(s["title"], f"{where}.title"),
        text=r.text(s["text"], f"{where}.text", markdown=True),
        checks=tuple(_check(r, c, f"{where}.checks[{i}]") for i, c in enumerate(checks_data)),
        hints=r.strings(s.get("hints"), f"{where}.hints"),
        solution=solution,
        events=tuple(_event(r, e, f"{where}.events[{i}]") for i, e in enumerate(events_data)),
        timeout=parse_duration(s.get("timeout", 600), f"{where}.timeout"),
    )


def _event(r: _Reader, data: Any, where: str) -> StepEvent:
    if isinstance(data, dict) and True in data:
        # YAML 1.1 reads a bare `on:` key as the boolean true
        data = {("on" if k is True else k): v for k, v in data.items()}
    e = r.mapping(data, where, {"on", "after", "say", "do"}, {"do"})
    if "on" in e and "after" in e:
        raise r.fail(where, "use either on: enter or after: DURATION, not both")
    if "on" in e and e["on"] != "enter":
        raise r.fail(f"{where}.on", f"the only trigger is enter, got {e['on']!r}")
    after = parse_duration(e["after"], f"{where}.after") if "after" in e else 0.0
    say = r.text(e["say"], f"{where}.say") if "say" in e else ""
    return StepEvent(after=after, actions=_actions(r, e["do"], f"{where}.do"), say=say)


def _actions(r: _Reader, data: Any, where: str) -> tuple[Action, ...]:
    if not isinstance(data, list):
        raise r.fail(where, "a list of actions, e.g. - kubectl: get pods")
    return tuple(_action(r, item, f"{where}[{i}]") for i, item in enumerate(data))


def _action(r: _Reader, data: Any, where: str) -> Action:
    if not isinstance(data, dict):
        raise r.fail(where, f"an action is a mapping such as kubectl: ..., got {_kind(data)}")
    kinds = [k for k in data if k in ACTION_TYPES]
    if len(kinds) != 1:
        raise r.fail(where, f"name exactly one action of: {', '.join(ACTION_TYPES)}")
    kind = kinds[0]
    value = data[kind]
    extra = set(data) - {kind, "as", "stdin", "namespace"}
    if extra:
        raise r.fail(where, f"unknown key(s) {', '.join(sorted(extra))}")
    if kind == "kubectl":
        command = r.text(value, where).strip().removeprefix("kubectl ")
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise r.fail(where, f"cannot split the command line: {exc}") from None
        args: dict[str, Any] = {"command": command, "argv": argv}
        if "as" in data:
            args["as"] = r.text(data["as"], f"{where}.as")
        if "stdin" in data:
            args["stdin"] = r.text(data["stdin"], f"{where}.stdin")
        return Action(kind, args)
    if kind in ("etcdctl", "etcdutl"):
        command = r.text(value, where).strip().removeprefix(kind + " ")
        try:
            shlex.split(command)
        except ValueError as exc:
            raise r.fail(where, f"cannot split the command line: {exc}") from None
        if set(data) - {kind}:
            raise r.fail(where, f"{kind} takes no as:/stdin:/namespace:")
        return Action(kind, {"command": command})
    if set(data) - {kind, "namespace"} and kind != "apply":
        raise r.fail(where, f"{kind} takes no as:/stdin:")
    if kind == "apply":
        args = {"manifest": _manifest(r, value, where)}
        if "as" in data:
            args["as"] = r.text(data["as"], f"{where}.as")
        return Action(kind, args)
    if kind == "advance":
        return Action(kind, {"seconds": parse_duration(value, where), "text": str(value)})
    if kind == "kill":
        k = r.mapping(value, where + ".kill", {"pod", "selector", "namespace", "container",
                                               "exit-code"})
        if ("pod" in k) == ("selector" in k):
            raise r.fail(where + ".kill", "name the pod: pod: NAME or selector: app=web")
        code = k.get("exit-code", 137)
        if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code <= 255:
            raise r.fail(where + ".kill.exit-code", "an exit code 0-255")
        return Action(kind, {"pod": k.get("pod"), "selector": k.get("selector"),
                             "namespace": k.get("namespace", "default"),
                             "container": k.get("container"), "exit-code": code})
    if kind == "add-node":
        if isinstance(value, str):
            return Action(kind, {"node": value})
        k = r.mapping(value, where + ".add-node", {"name", "cpu", "memory", "zone"}, {"name"})
        return Action(kind, {"node": str(k["name"]), "cpu": k.get("cpu"),
                             "memory": k.get("memory"), "zone": k.get("zone")})
    return Action(kind, {"node": r.text(value, where)})


_OBJECT_REF = re.compile(r"^[a-zA-Z.]+/[a-z0-9][a-z0-9.-]*$")


def _check(r: _Reader, data: Any, where: str) -> Check:
    if not isinstance(data, dict):
        raise r.fail(where, f"a check is a mapping such as exists: pod/web, got {_kind(data)}")
    kinds = [k for k in data if k in CHECK_TYPES]
    if len(kinds) != 1:
        raise r.fail(where, f"name exactly one check type of: {', '.join(CHECK_TYPES)}")
    kind = kinds[0]
    say = r.text(data["say"], f"{where}.say") if "say" in data else ""
    options = {k: v for k, v in data.items() if k not in (kind, "say")}
    spec = _CHECK_SPECS[kind]
    unknown = set(options) - spec["options"]
    if unknown:
        raise r.fail(where, f"{kind} does not take {', '.join(sorted(unknown))}; it takes "
                            f"{', '.join(sorted(spec['options'])) or 'no options'}")
    value = data[kind]
    if spec["ref"] and (not isinstance(value, str) or not _OBJECT_REF.match(value)):
        raise r.fail(f"{where}.{kind}", f"name an object as type/name (pod/web, "
                                        f"deployment/web, node/worker-1), got {value!r}")
    args = dict(options, target=value)
    if kind == "field":
        if ("equals" in options) == ("matches" in options):
            raise r.fail(where, "field needs equals: or matches: (one of them)")
        if "path" not in options:
            raise r.fail(where, "field needs path: (JSONPath such as {.spec.replicas})")
        if "matches" in options:
            try:
                re.compile(str(options["matches"]))
            except re.error as exc:
                raise r.fail(f"{where}.matches", f"not a regular expression: {exc}") from None
    if kind == "pods":
        if not isinstance(value, str):
            raise r.fail(f"{where}.pods", "a label selector such as app=web")
        if "count" in options and (not isinstance(options["count"], int)
                                   or isinstance(options["count"], bool)):
            raise r.fail(f"{where}.count", "a whole number")
    if kind == "request":
        if value != "outside" and (not isinstance(value, str) or not _OBJECT_REF.match(value)
                                   and "=" not in value):
            raise r.fail(f"{where}.request", "from where: outside, pod/NAME or a label "
                                             "selector such as app=client")
        if "url" not in options:
            raise r.fail(where, "request needs url:")
    if kind in ("event", "logs") and not isinstance(value, str | dict):
        raise r.fail(f"{where}.{kind}", "see scenarios/README.md for this check's form")
    if kind == "logs" and "contains" not in options:
        raise r.fail(where, "logs needs contains:")
    if kind == "etcdSnapshot":
        if not isinstance(value, str) or not value.strip():
            raise r.fail(f"{where}.etcdSnapshot", "the snapshot file's path, such as "
                                                  "/var/lib/etcd-backup/snap.db")
        contains = options.get("contains")
        if contains is not None and (not isinstance(contains, str)
                                     or not _OBJECT_REF.match(contains)):
            raise r.fail(f"{where}.contains", f"name an object as type/name "
                                              f"(deployment/payments), got {contains!r}")
        if "restored" in options and not isinstance(options["restored"], bool):
            raise r.fail(f"{where}.restored", "true or false")
    return Check(kind, args, say)


_CHECK_SPECS: dict[str, dict[str, Any]] = {
    "etcdSnapshot": {"ref": False, "options": {"contains", "namespace", "restored"}},
    "exists": {"ref": True, "options": {"namespace"}},
    "absent": {"ref": True, "options": {"namespace"}},
    "field": {"ref": True, "options": {"namespace", "path", "equals", "matches"}},
    "pods": {"ref": False, "options": {"namespace", "count", "status", "ready", "min",
                                        "image", "node", "distinctNodes"}},
    "rolledOut": {"ref": True, "options": {"namespace", "image"}},
    "revisions": {"ref": True, "options": {"namespace", "count", "min"}},
    "condition": {"ref": True, "options": {"namespace", "type", "status"}},
    "endpoints": {"ref": True, "options": {"namespace", "ready", "min"}},
    "request": {"ref": False, "options": {"namespace", "url", "contains", "distinct",
                                          "tries", "fails"}},
    "event": {"ref": False, "options": {"namespace", "object", "message", "type"}},
    "logs": {"ref": False, "options": {"namespace", "container", "contains", "previous"}},
    "cordoned": {"ref": True, "options": {"expected"}},
}
