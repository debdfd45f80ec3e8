"""`kubectl describe`: one or many objects in kubectl's describe layout.

Shapes: `describe pods`, `describe pod web`, `describe pod/web`, `-l app=web`, `-A`,
`--show-events=false`. As in kubectl, a single `TYPE NAME` that does not exist falls back to
every object of that type whose name starts with NAME; describing several objects leaves out
their events unless `--show-events` is given explicitly; objects are separated by two blank
lines.
"""

from __future__ import annotations

from typing import Any

from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, parse_label_selector
from playground.kubectl.context import Context
from playground.kubectl.describe import describe
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.targets import Target, parse_targets

FLAGS = (
    Flag("selector", "l"),
    Flag("all-namespaces", "A", takes_value=False),
    Flag("show-events", takes_value=False),
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("chunk-size"),
)

REQUIRED_MESSAGE = (
    'You must specify the type of resource to describe. Use "kubectl api-resources" for a '
    "complete list of supported resources.\n\nerror: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. '
    "kubectl explain pods).\nSee 'kubectl describe -h' for help and examples")


def run(ctx: Context, argv: list[str]) -> None:
    """Describe the requested objects."""
    opts = parse(argv, FLAGS, "describe")
    targets = parse_targets(opts.args, "describe")
    if not targets:
        raise UsageError(REQUIRED_MESSAGE)
    all_namespaces = opts.flag("all-namespaces")
    namespace = opts.text("namespace") or ctx.namespace
    try:
        selector = parse_label_selector(opts.text("selector")) if opts.text("selector") else None
    except SelectorError as exc:
        ctx.error(f"error: {exc}")
        return
    cluster = ctx.cluster
    found: list[tuple[Target, dict[str, Any]]] = []
    errors: list[str] = []
    missing: APIError | None = None
    for target in targets:
        ns = None if (all_namespaces and not target.names) else namespace
        ns = ns if target.type.namespaced else None
        if target.names:
            for name in target.names:
                try:
                    found.append((target, cluster.api.get(target.type.key, ns or "", name)))
                except APIError as exc:
                    missing = exc
                    errors.append(api_error_text(exc))
        else:
            for obj in cluster.api.list(target.type.key, ns, selector):
                found.append((target, obj))
    explicit = "show-events" in opts.values
    show_events = opts.flag("show-events") if explicit else not (errors or len(found) > 1)
    now = cluster.clock.datetime()
    single_name = len(opts.args) == 2 and "/" not in "".join(opts.args)
    if missing is not None and single_name and missing.reason == "NotFound":
        _describe_prefix(ctx, targets[0], namespace, show_events, missing)
        return
    texts = [describe(cluster, obj, target.type.key, show_events=show_events, now=now)
             for target, obj in found]
    ctx.out.write("\n\n".join(texts))
    for error in errors:
        ctx.error(error)
    if not found and not errors:
        if all_namespaces:
            ctx.warn("No resources found")
        else:
            ctx.warn(f"No resources found in {namespace} namespace.")


def _describe_prefix(ctx: Context, target: Target, namespace: str, show_events: bool,
                     original: APIError) -> None:
    """kubectl's fallback for `describe TYPE NAME`: every object whose name starts with NAME."""
    prefix = target.names[0]
    ns = namespace if target.type.namespaced else None
    matches = [obj for obj in ctx.cluster.api.list(target.type.key, ns)
               if str(obj["metadata"]["name"]).startswith(prefix)]
    if not matches:
        ctx.error(api_error_text(original))
        return
    now = ctx.cluster.clock.datetime()
    for obj in matches:
        ctx.out.write(describe(ctx.cluster, obj, target.type.key, show_events=show_events,
                               now=now) + "\n")


VERBS = {"describe": (run, "Show details of a specific resource or group of resources", FLAGS)}
