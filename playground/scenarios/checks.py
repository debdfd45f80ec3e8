"""Scenario checks: assertions about the *state* of the cluster, never about keystrokes.

Each check type of `model.CHECK_TYPES` is one function here that reads the store (and, for
requests and logs, the network and the kubelet) and returns a `CheckResult` whose message says,
in plain words, what is true or what is still missing ("2 of 3 pods are Running"). Checks only
read; the one exception is `request`, which sends a real simulated request (the answering
container logs it, exactly as when a person runs curl).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.engine.api import resources
from playground.engine.cluster import Cluster
from playground.engine.selectors import SelectorError, from_label_selector, parse_label_selector
from playground.engine.store import Obj
from playground.scenarios.model import Check


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check, with the sentence the learner reads."""

    passed: bool
    message: str
    say: str = ""
    """The author's description of the check, when given."""

    @property
    def text(self) -> str:
        """What to show: the author's words, then the state when the check fails."""
        if not self.say:
            return self.message
        return self.say if self.passed else f"{self.say} — {self.message}"


@dataclass(frozen=True)
class CheckContext:
    """What a check may consult besides the cluster: when the current step began."""

    since: float = 0.0


def evaluate(cluster: Cluster, check: Check, context: CheckContext = CheckContext()
             ) -> CheckResult:
    """Run one check against the cluster's current state."""
    try:
        passed, message = _CHECKS[check.kind](cluster, check.args, context)
    except _Problem as exc:
        passed, message = False, str(exc)
    return CheckResult(passed, message, check.say)


class _Problem(Exception):
    """A check that cannot even look (a bad selector, an unknown type): it fails with this."""


# -- helpers ------------------------------------------------------------------------------

def _ref(text: str) -> tuple[resources.ResourceType, str]:
    type_name, _, name = text.partition("/")
    matches = resources.lookup(type_name)
    if not matches:
        raise _Problem(f'there is no resource type "{type_name}"')
    return matches[0], name


def _namespace(rt: resources.ResourceType, args: dict[str, Any]) -> str:
    return str(args.get("namespace") or "default") if rt.namespaced else ""


def _label(rt: resources.ResourceType, name: str) -> str:
    return f"{rt.kind} {name}"


def _get(cluster: Cluster, args: dict[str, Any]) -> tuple[resources.ResourceType, str, Obj | None]:
    rt, name = _ref(str(args["target"]))
    return rt, name, cluster.store.get(rt.key, _namespace(rt, args), name)


def _live(obj: Obj | None) -> bool:
    return obj is not None and not obj["metadata"].get("deletionTimestamp")


def _selected_pods(cluster: Cluster, args: dict[str, Any], selector_text: str) -> list[Obj]:
    try:
        selector = parse_label_selector(selector_text)
    except SelectorError as exc:
        raise _Problem(f'the selector "{selector_text}" is not valid: {exc}') from None
    namespace = str(args.get("namespace") or "default")
    return [p for p in cluster.store.list("pods", namespace, selector)
            if not p["metadata"].get("deletionTimestamp")]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _is_ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


# -- the checks ---------------------------------------------------------------------------

Outcome = tuple[bool, str]


def _exists(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    rt, name, obj = _get(cluster, args)
    if _live(obj):
        return True, f"{_label(rt, name)} exists"
    if obj is not None:
        return False, f"{_label(rt, name)} is being deleted"
    return False, f"{_label(rt, name)} does not exist yet"


def _absent(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    rt, name, obj = _get(cluster, args)
    if obj is None:
        return True, f"{_label(rt, name)} is gone"
    if obj["metadata"].get("deletionTimestamp"):
        return False, f"{_label(rt, name)} is still terminating"
    return False, f"{_label(rt, name)} still exists"


def _field(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    from playground.kubectl.jsonpath import JSONPathError, compile_template, relaxed

    rt, name, obj = _get(cluster, args)
    if obj is None:
        return False, f"{_label(rt, name)} does not exist yet"
    path = str(args["path"])
    try:
        template = compile_template(path if "{" in path else relaxed(path))
        value = template.execute(obj)
    except JSONPathError as exc:
        raise _Problem(f"the path {path} is not valid JSONPath: {exc}") from None
    if "equals" in args:
        expected = _text(args["equals"])
        if value == expected:
            return True, f"{path} of {_label(rt, name)} is {expected}"
        return False, f"{path} of {_label(rt, name)} is {value or '(empty)'}, not {expected}"
    pattern = str(args["matches"])
    if re.search(pattern, value):
        return True, f"{path} of {_label(rt, name)} matches {pattern}"
    return False, f"{path} of {_label(rt, name)} is {value or '(empty)'}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pods(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    from playground.kubectl.printers.pods import pod_status_text

    selector = str(args["target"])
    pods = _selected_pods(cluster, args, selector)
    matching = pods
    wanted: list[str] = []
    if "status" in args:
        matching = [p for p in matching if pod_status_text(p) == args["status"]]
        wanted.append(str(args["status"]))
    if args.get("ready"):
        matching = [p for p in matching if _is_ready(p)]
        wanted.append("ready")
    if "image" in args:
        matching = [p for p in matching
                    if any(c.get("image") == args["image"]
                           for c in (p.get("spec") or {}).get("containers") or [])]
        wanted.append(f"running {args['image']}")
    if "node" in args:
        matching = [p for p in matching if (p.get("spec") or {}).get("nodeName") == args["node"]]
        wanted.append(f"on {args['node']}")
    what = " and ".join(wanted) if wanted else "there"
    verb = "is" if len(matching) == 1 else "are"
    desc = f"pods with {selector}"
    if "distinctNodes" in args:
        nodes = {(p.get("spec") or {}).get("nodeName") for p in matching} - {None}
        need = int(args["distinctNodes"])
        if len(nodes) < need:
            return False, (f"the {desc} run on {_plural(len(nodes), 'node')}; "
                           f"{need} different nodes are needed")
    if "count" in args:
        need = int(args["count"])
        have = len(matching)
        if have == need:
            return True, f"{have} {desc} {verb} {what}"
        if have < need:
            return False, f"{have} of {need} {desc} {verb} {what}"
        return False, f"{have} {desc} {verb} {what}; {need} wanted"
    need = int(args.get("min", 1))
    if len(matching) >= need:
        return True, f"{len(matching)} {desc} {verb} {what}"
    if not pods:
        return False, f"no pod with {selector} exists yet"
    return False, f"{len(matching)} of {len(pods)} {desc} {verb} {what} (at least {need} wanted)"


def _rolled_out(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    from playground.engine.controllers.deployment_util import rollout_status_message
    from playground.engine.errors import EngineError

    rt, name, obj = _get(cluster, args)
    if obj is None:
        return False, f"{_label(rt, name)} does not exist yet"
    if rt.kind != "Deployment":
        raise _Problem("rolledOut checks Deployments")
    if "image" in args:
        images = [c.get("image") for c in
                  obj["spec"]["template"]["spec"].get("containers") or []]
        if args["image"] not in images:
            return False, (f"Deployment {name} runs {', '.join(map(str, images))}, "
                           f"not {args['image']}")
    try:
        message, done = rollout_status_message(obj)
    except EngineError as exc:
        return False, str(exc)
    return done, message


def _revisions(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    from playground.engine.controllers.deployment_util import revision_of

    rt, name, obj = _get(cluster, args)
    if obj is None:
        return False, f"{_label(rt, name)} does not exist yet"
    uid = obj["metadata"]["uid"]
    dependents: list[tuple[str, Obj]] = cluster.store.dependents(uid)  # type: ignore[assignment]
    owned = [rs for _, rs in dependents if rs.get("kind") == "ReplicaSet"]
    revisions = sorted({revision_of(rs) for rs in owned})
    count = len(revisions)
    latest = revisions[-1] if revisions else 0
    if "count" in args:
        need = int(args["count"])
        ok = count == need
    else:
        need = int(args.get("min", 1))
        ok = count >= need
    return ok, (f"Deployment {name} has {_plural(count, 'revision')} in its history "
                f"(latest {latest}); {need} {'wanted' if not ok else 'expected'}")


def _condition(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    rt, name, obj = _get(cluster, args)
    if obj is None:
        return False, f"{_label(rt, name)} does not exist yet"
    type_ = str(args.get("type", "Ready"))
    want = _text(args.get("status", "True"))
    want = want[:1].upper() + want[1:]
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == type_:
            got = str(cond.get("status"))
            if got == want:
                return True, f"{_label(rt, name)} is {type_}={got}"
            why = f" ({cond['reason']})" if cond.get("reason") else ""
            return False, f"{_label(rt, name)} is {type_}={got}{why}, not {want}"
    return False, f"{_label(rt, name)} has no {type_} condition yet"


def _endpoints(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    rt, name, obj = _get(cluster, args)
    if obj is None:
        return False, f"{_label(rt, name)} does not exist yet"
    namespace = _namespace(rt, args)
    slices = cluster.store.list("endpointslices.discovery.k8s.io", namespace,
                                from_label_selector({"matchLabels": {
                                    "kubernetes.io/service-name": name}}))
    ready: set[str] = set()
    total: set[str] = set()
    for eps in slices:
        for endpoint in eps.get("endpoints") or []:
            addresses = tuple(endpoint.get("addresses") or ())
            total.update(addresses)
            if (endpoint.get("conditions") or {}).get("ready", True):
                ready.update(addresses)
    have = len(ready)
    if "ready" in args:
        need = int(args["ready"])
        ok = have == need
    else:
        need = int(args.get("min", 1))
        ok = have >= need
    if ok:
        return True, f"Service {name} has {_plural(have, 'ready endpoint')}"
    if not obj.get("spec", {}).get("selector") and not total:
        return False, f"Service {name} has no selector and no endpoints"
    return False, (f"Service {name} has {_plural(have, 'ready endpoint')} "
                   f"({len(total)} in all); {need} wanted")


def _request(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    network = cluster.network
    source = str(args["target"])
    from playground.scenarios.actions import ActionError, expand

    try:
        url = expand(cluster, str(args["url"]))
    except ActionError as exc:
        return False, str(exc)
    if source == "outside":
        client = network.outside()
        who = "from outside the cluster"
    else:
        if "=" in source:
            pods = [p for p in _selected_pods(cluster, args, source)
                    if (p.get("status") or {}).get("phase") == "Running"]
            if not pods:
                return False, f"no running pod with {source} to send the request from"
            pod = pods[0]
        else:
            rt, name, found = _get(cluster, {**args, "target": source})
            if found is None or rt.kind != "Pod":
                return False, f"pod {name} does not exist, so it cannot send the request"
            if (found.get("status") or {}).get("phase") != "Running":
                return False, f"pod {name} is not running, so it cannot send the request"
            pod = found
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        client = network.client_for_pod(key)
        who = f"from pod {pod['metadata']['name']}"
    tries = int(args.get("tries", 1))
    bodies: list[str] = []
    for _attempt in range(tries):
        result = network.http_get(client, url, cluster.now)
        if result.error is not None:
            if args.get("fails"):
                return True, f"GET {url} {who} fails ({result.error}), as it should"
            return False, f"GET {url} {who} fails: {result.error}"
        bodies.append(result.body)
    if args.get("fails"):
        return False, f"GET {url} {who} still answers (HTTP {result.status})"
    if "contains" in args:
        needle = str(args["contains"])
        if not all(needle in body for body in bodies):
            first = bodies[0].strip().splitlines()[0] if bodies[0].strip() else "(empty)"
            return False, f"GET {url} {who} answers \"{first[:60]}\", without \"{needle}\""
    if "distinct" in args:
        need = int(args["distinct"])
        got = len(set(bodies))
        if got < need:
            return False, (f"{tries} requests to {url} {who} got {_plural(got, 'different answer')}; {need} wanted (is the load spread across pods?)")
        return True, f"{tries} requests to {url} {who} reached {got} different pods"
    return True, f"GET {url} {who} answers HTTP {result.status}"


def _event(cluster: Cluster, args: dict[str, Any], context: CheckContext) -> Outcome:
    reason = str(args["target"])
    namespace = args.get("namespace")
    since = math.floor(context.since)
    wanted_object = str(args.get("object") or "")
    for event in cluster.store.iter("events", namespace):
        if event.get("reason") != reason:
            continue
        if "type" in args and event.get("type") != args["type"]:
            continue
        if "message" in args and str(args["message"]) not in str(event.get("message", "")):
            continue
        involved = event.get("involvedObject") or {}
        if wanted_object:
            kind, _, name = wanted_object.partition("/")
            if involved.get("name") != name or not _kind_matches(kind, involved.get("kind")):
                continue
        stamp = event.get("lastTimestamp") or event.get("eventTime") or \
            event["metadata"].get("creationTimestamp")
        if stamp and cluster.clock.seconds_at(str(stamp)) < since:
            continue
        return True, (f"event {reason} on {involved.get('kind')} {involved.get('name')}: "
                      f"{event.get('message', '')}")
    where = f" for {wanted_object}" if wanted_object else ""
    return False, f"no {reason} event{where} has been recorded yet"


def _kind_matches(name: str, kind: Any) -> bool:
    return any(rt.kind == kind for rt in resources.lookup(name))


def _logs(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    source = str(args["target"])
    needle = str(args["contains"])
    if "=" in source:
        pods = _selected_pods(cluster, args, source)
    else:
        _rt, name, pod = _get(cluster, args)
        pods = [pod] if pod is not None else []
        source = f"pod {name}"
    if not pods:
        return False, f"{source} does not exist yet" if "=" not in source else \
            f"no pod with {source} exists yet"
    for pod in pods:
        containers = [c["name"] for c in pod["spec"].get("containers") or []]
        name = str(args.get("container") or containers[0])
        lines = cluster.kubelet.logs(pod["metadata"]["namespace"], pod["metadata"]["name"],
                                     name, bool(args.get("previous"))) or []
        if any(needle in line for _, _, line in lines):
            return True, f"the logs of pod {pod['metadata']['name']} contain \"{needle}\""
    return False, f"the logs of {source} do not contain \"{needle}\" yet"


def _cordoned(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    _rt, name, obj = _get(cluster, args)
    if obj is None:
        return False, f"node {name} does not exist"
    expected = args.get("expected", True) is not False
    cordoned = bool((obj.get("spec") or {}).get("unschedulable"))
    if cordoned == expected:
        return True, f"node {name} is {'cordoned' if cordoned else 'schedulable'}"
    return False, f"node {name} is {'still cordoned' if cordoned else 'not cordoned yet'}"


def _etcd_snapshot(cluster: Cluster, args: dict[str, Any], _: CheckContext) -> Outcome:
    from playground.engine import etcd

    path = str(args["target"])
    record = cluster.store.get_record(etcd.SNAPSHOT_RECORD, etcd.snapshot_path(path))
    if record is None:
        return False, f"there is no etcd snapshot at {path} yet"
    contains = args.get("contains")
    if contains:
        rt, name = _ref(str(contains))
        namespace = str(args.get("namespace") or "default") if rt.namespaced else ""
        found = any(resource == rt.key and obj["metadata"]["name"] == name
                    and obj["metadata"].get("namespace", "") == namespace
                    for resource, obj in record["objects"])
        if not found:
            return False, f"the snapshot {path} does not hold {contains}"
    if args.get("restored"):
        data_dir = etcd.live_data_dir(cluster)
        served = cluster.store.get_record(etcd.DATA_DIR_RECORD, data_dir) or {}
        if served.get("snapshot") != etcd.snapshot_path(path):
            return False, f"etcd has not been restored from {path} yet"
        return True, f"etcd serves {data_dir}, restored from {path}"
    return True, f"an etcd snapshot is saved at {path}" + (
        f" and holds {contains}" if contains else "")


_CHECKS: dict[str, Callable[[Cluster, dict[str, Any], CheckContext], Outcome]] = {
    "exists": _exists, "absent": _absent, "field": _field, "pods": _pods,
    "rolledOut": _rolled_out, "revisions": _revisions, "condition": _condition,
    "endpoints": _endpoints, "request": _request, "event": _event, "logs": _logs,
    "cordoned": _cordoned, "etcdSnapshot": _etcd_snapshot,
}
