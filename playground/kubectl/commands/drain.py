"""`kubectl drain`: cordon a node, then evict its pods through the eviction API.

Pods are sorted into what drain may evict, what it refuses and what it skips, with kubectl's
own words: pods that declare no controller need `--force`, DaemonSet pods need
`--ignore-daemonsets` (and are then left alone), pods with emptyDir volumes need
`--delete-emptydir-data`; mirror pods are skipped; finished pods may always go. Any refusal
stops the drain before anything is evicted (the node stays cordoned), exactly as kubectl does.

Decision, because the playground runs in virtual time: drain does not wait for evicted pods to
finish terminating. It prints `pod/x evicted` and `node/x drained` once every eviction has been
accepted; the pods then terminate on their own (their grace period, in virtual time) and their
controllers replace them elsewhere. A PodDisruptionBudget that allows no disruption makes real
kubectl retry every 5 s until `--timeout`; here drain prints the same retry line once and then
fails as a timed-out drain would, leaving the node cordoned, so the learner can let the budget
recover and run drain again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground.engine.controllers.podutil import controller_ref
from playground.engine.errors import APIError
from playground.engine.store import Obj
from playground.kubectl.commands.cordon import dry_run_suffix, select_nodes, set_cordon
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse

FLAGS = (
    Flag("ignore-daemonsets", takes_value=False),
    Flag("force", takes_value=False),
    Flag("delete-emptydir-data", takes_value=False),
    Flag("delete-local-data", takes_value=False),
    Flag("grace-period"),
    Flag("timeout"),
    Flag("disable-eviction", takes_value=False),
    Flag("selector", "l"),
    Flag("pod-selector"),
    Flag("skip-wait-for-delete-timeout"),
    Flag("chunk-size"),
    Flag("dry-run"),
)

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
RETRY_DELAY = "5s"

# kubectl's filter messages, in the order the playground prints them
UNMANAGED = ("Pods that declare no controller (use --force to override)",
             "deleting Pods that declare no controller")
DAEMONSET = ("DaemonSet-managed Pods (use --ignore-daemonsets to ignore)",
             "ignoring DaemonSet-managed Pods")
LOCAL_STORAGE = ("Pods with local storage (use --delete-emptydir-data to override)",
                 "deleting Pods with local storage")
_ORDER = (UNMANAGED, DAEMONSET, LOCAL_STORAGE)


@dataclass(frozen=True)
class Verdict:
    """What drain does with one pod: evict it or not, and why (fatal or a warning)."""

    evict: bool
    fatal: tuple[str, str] | None = None
    warning: tuple[str, str] | None = None


@dataclass(frozen=True)
class Options:
    """The flags that decide what drain may evict."""

    force: bool = False
    ignore_daemonsets: bool = False
    delete_emptydir_data: bool = False


def judge(pod: Obj, options: Options) -> Verdict | None:
    """kubectl's pod filters in order; None means the pod is skipped silently."""
    meta = pod["metadata"]
    if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
        return None
    finished = (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
    ref = controller_ref(pod)
    if ref is not None and ref.get("kind") == "DaemonSet" and not finished:
        if options.ignore_daemonsets:
            return Verdict(False, warning=DAEMONSET)
        return Verdict(False, fatal=DAEMONSET)
    warning: tuple[str, str] | None = None
    if not finished and any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes")
                            or ()):
        if not options.delete_emptydir_data:
            return Verdict(False, fatal=LOCAL_STORAGE)
        warning = LOCAL_STORAGE
    if ref is None and not finished:
        if not options.force:
            return Verdict(False, fatal=UNMANAGED)
        warning = warning or UNMANAGED
    return Verdict(True, warning=warning)


def _grouped(items: list[tuple[tuple[str, str], str]]) -> list[tuple[tuple[str, str], list[str]]]:
    groups = [(kind, [pod for k, pod in items if k == kind]) for kind in _ORDER]
    return [(kind, pods) for kind, pods in groups if pods]


def run(ctx: Context, argv: list[str]) -> None:
    """Cordon the node and evict its pods."""
    opts = parse(argv, FLAGS, "drain")
    if len(opts.args) > 1:
        raise UsageError("error: USAGE: drain NODE [flags]\n"
                         "See 'kubectl drain -h' for help and examples")
    options = Options(force=opts.flag("force"), ignore_daemonsets=opts.flag("ignore-daemonsets"),
                      delete_emptydir_data=opts.flag("delete-emptydir-data")
                      or opts.flag("delete-local-data"))
    if opts.flag("delete-local-data"):
        ctx.warn("Flag --delete-local-data has been deprecated, This option is deprecated and "
                 "will be deleted. Use --delete-emptydir-data.")
    grace = _grace(opts.text("grace-period", "-1"))
    timeout_seconds = _go_duration(opts.text("timeout", "0s"))
    dry_run = opts.text("dry-run")
    suffix = dry_run_suffix(dry_run)
    pending: list[str] = []
    fatal = ""
    for node in select_nodes(ctx, opts.args, opts.text("selector"), "drain"):
        name = node["metadata"]["name"]
        if not set_cordon(ctx, node, True, dry_run):
            pending.append(name)
            continue
        timeout = _go_duration_text(timeout_seconds) if timeout_seconds else ""
        error = _drain(ctx, name, options, grace, timeout,
                       opts.flag("disable-eviction"), suffix)
        if error:
            ctx.error(f'error: unable to drain node "{name}" due to error: {_aggregate(error)}, '
                      "continuing command...")
            pending.append(name)
            fatal = "\n".join(error) if len(error) > 1 else f"error: {error[0]}"
        else:
            ctx.print(f"node/{name} drained{suffix}")
    if pending:
        ctx.error("There are pending nodes to be drained:\n" +
                  "\n".join(f" {n}" for n in pending))
        if fatal:
            ctx.error(fatal)


def _drain(ctx: Context, node: str, options: Options, grace: int | None, timeout: str,
           disable_eviction: bool, suffix: str) -> list[str]:
    """Evict the node's pods; returns the errors that stop the drain (empty: drained)."""
    api = ctx.cluster.api
    on_node: list[Obj] = ctx.cluster.store.pods_on_node(node)
    pods = sorted(on_node, key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
    evict: list[Obj] = []
    fatal: list[tuple[tuple[str, str], str]] = []
    warnings: list[tuple[tuple[str, str], str]] = []
    for pod in pods:
        verdict = judge(pod, options)
        if verdict is None:
            continue
        ident = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        if verdict.fatal:
            fatal.append((verdict.fatal, ident))
        elif verdict.warning:
            warnings.append((verdict.warning, ident))
        if verdict.evict:
            evict.append(pod)
    if fatal:
        return [f"cannot delete {kind[0]}: {', '.join(idents)}"
                for kind, idents in _grouped(fatal)]
    if warnings:
        ctx.warn("Warning: " + "; ".join(f"{kind[1]}: {', '.join(idents)}"
                                         for kind, idents in _grouped(warnings)))
    verb = "deleting" if disable_eviction else "evicting"
    for pod in evict:
        meta = pod["metadata"]
        ctx.print(f"{verb} pod {meta['namespace']}/{meta['name']}{suffix}")
    errors: list[str] = []
    for pod in evict:
        meta = pod["metadata"]
        if not suffix:
            try:
                if disable_eviction:
                    api.delete("pods", meta["namespace"], meta["name"], grace_period=grace)
                else:
                    api.evict(meta["namespace"], meta["name"], grace_period=grace)
            except APIError as exc:
                if exc.reason == "NotFound":
                    ctx.print(f"pod/{meta['name']} evicted")
                    continue
                if exc.code == 429:
                    ctx.warn(f'error when evicting pods/"{meta["name"]}" -n '
                             f'"{meta["namespace"]}" (will retry after {RETRY_DELAY}): '
                             f"{exc.message}")
                    reason = (f"global timeout reached: {timeout}" if timeout else
                              "the playground does not wait for a disruption budget; run "
                              "drain again once it allows")
                    errors.append(f'error when evicting pods/"{meta["name"]}" -n '
                                  f'"{meta["namespace"]}": {reason}')
                else:
                    errors.append(api_error_text(exc))
                continue
        ctx.print(f"pod/{meta['name']} {'deleted' if disable_eviction else 'evicted'}{suffix}")
    return errors


def _grace(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f'error: invalid argument "{text}" for "--grace-period" flag: '
                         f'strconv.ParseInt: parsing "{text}": invalid syntax') from None
    return value if value >= 0 else None


_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def _go_duration(text: str) -> float:
    """Go's time.ParseDuration (`30s`, `1m30s`, `0`), in seconds."""
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    for match in _GO_DURATION.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise UsageError(f'error: invalid argument "{text}" for "--timeout" flag: '
                         f'time: invalid duration "{text}"')
    return total


def _go_duration_text(seconds: float) -> str:
    """Go's Duration.String for whole seconds: `30s`, `1m0s`, `1h0m0s`."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def _aggregate(errors: list[str]) -> str:
    return errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"


VERBS = {"drain": (run, "Drain node in preparation for maintenance", FLAGS)}
