"""`kubectl logs`, and the pod and container choice it shares with `kubectl exec`.

Log lines come from the simulated kubelet (`cluster.kubelet.logs`), stdout and stderr merged as
the container runtime stores them. The refusals are the API server's and kubelet's:
a container still waiting (`is waiting to start: ContainerCreating`), no previous instance
(`previous terminated container "x" in pod "y" not found`), an unknown container name
(`container x is not valid for pod y out of: …`). `TYPE/NAME` picks one pod of a workload as
kubectl does (running and ready pods first, `Found 3 pods, using pod/…` on stderr).

`-f` cannot block in the headless CLI, so following is bounded: after printing what is there,
virtual time advances in one-second steps (the cluster really moves on) and new lines are
printed, until every followed container has stopped or `FOLLOW_SECONDS` have passed.
"""

from __future__ import annotations

import re
from typing import Any

from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, from_label_selector, parse_label_selector
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.targets import resolve_type

Obj = dict[str, Any]

FOLLOW_SECONDS = 60
"""How much virtual time `kubectl logs -f` lets pass in the headless CLI."""

DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"

USAGE = ("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
         "POD or TYPE/NAME is a required argument for the logs command\n"
         "See 'kubectl logs -h' for help and examples")

FLAGS = (
    Flag("container", "c"),
    Flag("previous", "p", takes_value=False),
    Flag("tail"),
    Flag("timestamps", takes_value=False),
    Flag("follow", "f", takes_value=False),
    Flag("selector", "l"),
    Flag("all-containers", takes_value=False),
    Flag("all-pods", takes_value=False),
    Flag("prefix", takes_value=False),
    Flag("since"),
    Flag("max-log-requests"),
    Flag("ignore-errors", takes_value=False),
    Flag("pod-running-timeout"),
)

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                 "h": 3600.0}


class PodChoiceError(Exception):
    """A pod or container that cannot be used; the message is kubectl's whole line."""


def parse_go_duration(text: str, flag: str) -> float:
    """Seconds in a Go duration (`90s`, `1m30s`, `2h`); a bare `0` is zero."""
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos != len(text) or not text:
        raise UsageError(f'error: invalid argument "{text}" for "--{flag}" flag: '
                         f'time: invalid duration "{text}"')
    return total


# -- choosing a pod and a container ---------------------------------------------------------

def all_container_names(pod: Obj) -> str:
    """`a, b (init)`: containers, then init containers, as kubectl lists them."""
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    names += [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or []]
    names += [f"{c['name']} (init)" for c in spec.get("initContainers") or []]
    return ", ".join(names)


def container_names(pod: Obj) -> set[str]:
    """Every container name of a pod (init, regular, ephemeral)."""
    spec = pod.get("spec") or {}
    return {c["name"] for key in ("initContainers", "containers", "ephemeralContainers")
            for c in spec.get(key) or []}


def choose_container(ctx: Context, pod: Obj, name: str, quiet: bool = False) -> str:
    """The named container, the default-container annotation's, or the first one (with
    kubectl's `Defaulted container` note when the pod has several)."""
    spec = pod.get("spec") or {}
    pod_name = pod["metadata"]["name"]
    if not name:
        name = ((pod["metadata"].get("annotations") or {})
                .get(DEFAULT_CONTAINER_ANNOTATION, ""))
    if name:
        if name not in container_names(pod):
            raise PodChoiceError(f"error: container {name} is not valid for pod {pod_name} "
                                 f"out of: {all_container_names(pod)}")
        return name
    containers = spec.get("containers") or []
    first = containers[0]["name"]
    several = len(containers) > 1 or spec.get("initContainers") or \
        spec.get("ephemeralContainers")
    if several and not quiet:
        ctx.warn(f'Defaulted container "{first}" out of: {all_container_names(pod)}')
    return first


def _pod_rank(pod: Obj) -> tuple[int, int, str, str]:
    status = pod.get("status") or {}
    running = status.get("phase") == "Running"
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in status.get("conditions") or [])
    return (0 if running else 1, 0 if ready else 1,
            str(pod["metadata"].get("creationTimestamp", "")), pod["metadata"]["name"])


def selector_of(obj: Obj) -> dict[str, Any] | None:
    """The pod selector of a workload or Service, as a LabelSelector."""
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind in ("Service", "ReplicationController"):
        labels = spec.get("selector") or {}
        return {"matchLabels": labels} if labels else None
    if kind == "CronJob":
        return None
    return spec.get("selector")


def resolve_pod(ctx: Context, namespace: str, arg: str) -> Obj:
    """A pod named directly or through `TYPE/NAME` (its first pod, ranked as kubectl does)."""
    api = ctx.cluster.api
    if "/" not in arg:
        return api.get("pods", namespace, arg)
    type_name, _, name = arg.partition("/")
    rt = resolve_type(type_name)
    obj = api.get(rt.key, namespace if rt.namespaced else "", name)
    if rt.kind == "Pod":
        return obj
    selector = selector_of(obj)
    if not selector:
        raise PodChoiceError(f"error: cannot get the logs from {rt.kind}: selector for "
                             f"{rt.kind} not implemented")
    pods = sorted(api.list("pods", namespace, from_label_selector(selector)), key=_pod_rank)
    if not pods:
        raise PodChoiceError("error: timed out waiting for the condition")
    if len(pods) > 1:
        ctx.warn(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}")
    return pods[0]


# -- the log request ------------------------------------------------------------------------

def _status_of(pod: Obj, container: str) -> Obj | None:
    status = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == container:
                return cs
    return None


def log_refusal(pod: Obj, container: str, previous: bool) -> str | None:
    """Why the kubelet would not serve these logs (its message), or None."""
    pod_name = pod["metadata"]["name"]
    cs = _status_of(pod, container)
    if previous:
        last = ((cs or {}).get("lastState") or {}).get("terminated")
        if not last or not last.get("containerID"):
            return f'previous terminated container "{container}" in pod "{pod_name}" not found'
        return None
    state = (cs or {}).get("state") or {"waiting": {"reason": "ContainerCreating"}}
    if "waiting" in state:
        if ((cs or {}).get("lastState") or {}).get("terminated"):
            return None  # a crash-looping container serves its last run's logs
        reason = (state.get("waiting") or {}).get("reason") or "ContainerCreating"
        if reason in ("ErrImagePull", "ImagePullBackOff"):
            reason = "trying and failing to pull image"
        return f'container "{container}" in pod "{pod_name}" is waiting to start: {reason}'
    return None


def rfc3339_nano_fixed(ctx: Context, at: float) -> str:
    """The kubelet's log timestamp: RFC 3339 with exactly nine fractional digits."""
    moment = ctx.cluster.clock.datetime(at)
    nanos = round((at - int(at)) * 1e9) if at >= 0 else 0
    nanos = min(nanos, 999_999_999)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z"


class _Stream:
    """One container's log being printed."""

    def __init__(self, pod: Obj, container: str, prefix: str) -> None:
        self.namespace = pod["metadata"]["namespace"]
        self.pod = pod["metadata"]["name"]
        self.container = container
        self.prefix = prefix
        self.printed = 0

    def lines(self, ctx: Context, previous: bool) -> list[tuple[float, str, str]]:
        return ctx.cluster.kubelet.logs(self.namespace, self.pod, self.container,
                                        previous) or []

    def running(self, ctx: Context) -> bool:
        pod = ctx.cluster.store.get("pods", self.namespace, self.pod)
        cs = _status_of(pod, self.container) if pod else None
        return bool(cs and "running" in (cs.get("state") or {}))


def run(ctx: Context, argv: list[str]) -> None:
    """Print (and with -f, follow for a bounded while) the logs of containers."""
    opts = parse(argv, FLAGS, "logs")
    namespace = opts.text("namespace") or ctx.namespace
    args = opts.args
    selector_text = opts.text("selector")
    if not args and not selector_text or len(args) > 2:
        raise UsageError(USAGE)
    if args and selector_text:
        raise UsageError("error: only a selector (-l) or a POD name is allowed\n"
                         "See 'kubectl logs -h' for help and examples")
    container = opts.text("container")
    if len(args) == 2:
        if container:
            raise UsageError("error: only one of -c or an inline [CONTAINER] arg is allowed")
        container = args[1]
    all_containers = opts.flag("all-containers")
    if all_containers and container:
        raise UsageError("error: --all-containers=true should not be specified with "
                         f"container name {container}")
    tail = _tail(opts.text("tail", "-1"))
    since = parse_go_duration(opts.text("since"), "since") if opts.get("since") else None
    previous = opts.flag("previous")
    api = ctx.cluster.api
    try:
        if selector_text:
            try:
                selector = parse_label_selector(selector_text)
            except SelectorError as exc:
                ctx.error(f"error: {exc}")
                return
            pods = api.list("pods", namespace, selector)
            if not pods:
                ctx.warn(f"No resources found in {namespace} namespace.")
                return
            if tail == -1:
                tail = 10  # kubectl's default --tail for selectors
        else:
            pods = [resolve_pod(ctx, namespace, args[0])]
    except APIError as exc:
        if exc.reason == "NotFound":
            ctx.error(f"error: error from server (NotFound): {exc.message} in namespace "
                      f'"{namespace}"')
        else:
            ctx.error(api_error_text(exc))
        return
    except PodChoiceError as exc:
        ctx.error(str(exc))
        return
    prefix = opts.flag("prefix") or opts.flag("all-pods")
    streams: list[_Stream] = []
    try:
        for pod in pods:
            spec = pod.get("spec") or {}
            if all_containers:
                names = [c["name"] for key in ("initContainers", "containers",
                                               "ephemeralContainers")
                         for c in spec.get(key) or []]
            else:
                names = [choose_container(ctx, pod, container, quiet=bool(selector_text))]
            for name in names:
                streams.append(_Stream(pod, name, f"[pod/{pod['metadata']['name']}/{name}] "
                                       if prefix else ""))
    except PodChoiceError as exc:
        ctx.error(str(exc))
        return
    timestamps = opts.flag("timestamps")
    for stream in streams:
        pod = api.get("pods", stream.namespace, stream.pod)
        refusal = log_refusal(pod, stream.container, previous)
        if refusal is not None:
            ctx.error(f"Error from server (BadRequest): {refusal}")
            return
        lines = stream.lines(ctx, previous)
        stream.printed = len(lines)
        if since is not None:
            lines = [line for line in lines if line[0] >= ctx.cluster.now - since]
        if tail >= 0:
            lines = lines[len(lines) - tail:] if tail else []
        _emit(ctx, stream, lines, timestamps)
    if opts.flag("follow") and not previous:
        _follow(ctx, streams, timestamps)


def _follow(ctx: Context, streams: list[_Stream], timestamps: bool) -> None:
    following = [s for s in streams if s.running(ctx)]
    waited = 0
    while following and waited < FOLLOW_SECONDS:
        ctx.cluster.advance(1)
        waited += 1
        for stream in list(following):
            lines = stream.lines(ctx, False)
            if len(lines) < stream.printed:  # the container restarted: its stream ended
                following.remove(stream)
                continue
            _emit(ctx, stream, lines[stream.printed:], timestamps)
            stream.printed = len(lines)
            if not stream.running(ctx):
                following.remove(stream)


def _emit(ctx: Context, stream: _Stream, lines: list[tuple[float, str, str]],
          timestamps: bool) -> None:
    for at, _stream, text in lines:
        stamp = f"{rfc3339_nano_fixed(ctx, at)} " if timestamps else ""
        ctx.print(f"{stream.prefix}{stamp}{text}")


def _tail(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f'error: invalid argument "{text}" for "--tail" flag: '
                         f'strconv.ParseInt: parsing "{text}": invalid syntax') from None
    if value < -1:
        raise UsageError("error: --tail must be greater than or equal to -1")
    return value


VERBS = {"logs": (run, "Print the logs for a container in a pod", FLAGS)}
