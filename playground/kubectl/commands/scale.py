"""`kubectl scale`, and the object lookup the imperative verbs share.

`scale` sets `spec.replicas` of Deployments, ReplicaSets, ReplicationControllers and
StatefulSets (`deployment.apps/web scaled`), optionally only when `--current-replicas` still
holds. `find_objects` resolves `TYPE NAME…`, `TYPE/NAME…`, `-f FILE`, `-l SELECTOR` and `--all`
to live objects the way kubectl's resource builder does, so `scale`, `set`, `rollout`,
`expose` and `edit` read their arguments alike; `finish_change` prints the one line (or the
`-o` rendering) kubectl prints after such a change.
"""

from __future__ import annotations

from typing import Any

from playground.engine.api.resources import ResourceType
from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, parse_label_selector
from playground.engine.store import deep_copy
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, Parsed, UsageError, parse
from playground.kubectl.manifests import ManifestError, read_sources
from playground.kubectl.output import to_json, to_yaml
from playground.kubectl.printers import name_line
from playground.kubectl.targets import parse_targets

Obj = dict[str, Any]

SCALABLE = frozenset({"Deployment", "ReplicaSet", "ReplicationController", "StatefulSet"})

FLAGS = (
    Flag("replicas"),
    Flag("current-replicas"),
    Flag("resource-version"),
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("selector", "l"),
    Flag("all", takes_value=False),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("timeout"),
)


# -- shared by the imperative verbs ---------------------------------------------------------

def dry_run_mode(opts: Parsed) -> str:
    """`none`, `client` or `server` from `--dry-run` (a bare `--dry-run` means client)."""
    value = opts.text("dry-run", "none")
    if value in ("", "true"):
        return "client"
    if value == "false":
        return "none"
    if value not in ("none", "client", "server"):
        raise UsageError(f'error: Invalid dry-run value ({value}). Must be "none", "server", '
                         'or "client".')
    return value


def dry_run_suffix(mode: str) -> str:
    """What kubectl appends to its success line in a dry run."""
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode, "")


def namespace_of(ctx: Context, opts: Parsed) -> str:
    """The namespace a command works in (`-n` or the context's)."""
    return opts.text("namespace") or ctx.namespace


def find_objects(ctx: Context, opts: Parsed, verb: str, args: list[str] | None = None
                 ) -> list[tuple[ResourceType, Obj]]:
    """Live objects named by arguments, `-f`, `-l` or `--all`; missing ones print kubectl's
    NotFound error and are skipped."""
    api = ctx.cluster.api
    namespace = namespace_of(ctx, opts)
    args = opts.args if args is None else args
    found: list[tuple[ResourceType, Obj]] = []
    wanted: list[tuple[ResourceType, str, str]] = []
    files = opts.many("filename")
    if files:
        try:
            manifests = read_sources(files, opts.flag("recursive"), ctx.stdin)
        except ManifestError as exc:
            ctx.error(str(exc))
            return []
        for manifest in manifests:
            rt = api.resource_type(manifest.object)
            meta = manifest.object.get("metadata") or {}
            ns = (meta.get("namespace") or namespace) if rt.namespaced else ""
            wanted.append((rt, ns, str(meta.get("name") or "")))
    else:
        targets = parse_targets(args, verb)
        if not targets:
            raise UsageError("error: You must provide one or more resources by argument or "
                             "filename.\nExample resource specifications include:\n"
                             "   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                             "   '<resource> <name>'\n   '<resource>'")
        selector_text = opts.text("selector")
        for target in targets:
            rt = target.type
            ns = namespace if rt.namespaced else ""
            if target.names:
                wanted.extend((rt, ns, name) for name in target.names)
            elif selector_text or opts.flag("all"):
                try:
                    selector = parse_label_selector(selector_text) if selector_text else None
                except SelectorError as exc:
                    ctx.error(f"error: {exc}")
                    return []
                found.extend((rt, obj) for obj in api.list(rt.key, ns or None, selector))
            else:
                raise UsageError("error: resource(s) were provided, but no name was specified")
        if not wanted and not found:
            ctx.warn(f"No resources found in {namespace} namespace.")
    for rt, ns, name in wanted:
        try:
            found.append((rt, api.get(rt.key, ns, name)))
        except APIError as exc:
            ctx.error(api_error_text(exc))
    return found


def update_object(ctx: Context, new: Obj, mode: str) -> Obj:
    """Send a changed copy of a live object (client dry run: send nothing)."""
    if mode == "client":
        return new
    return ctx.cluster.api.update(new, namespace=new["metadata"].get("namespace") or "default",
                                  dry_run=mode == "server")


def finish_change(ctx: Context, obj: Obj, rt: ResourceType, operation: str, opts: Parsed,
                  mode: str) -> None:
    """Print what kubectl prints after changing an object: `-o yaml|json|name` or
    `deployment.apps/web <operation>`."""
    output = opts.text("output")
    if output in ("yaml", "json"):
        ctx.out.write(to_yaml(obj) if output == "yaml" else to_json(obj))
    elif output == "name":
        ctx.print(name_line(obj, rt))
    else:
        ctx.print(f"{name_line(obj, rt)} {operation}{dry_run_suffix(mode)}")


# -- kubectl scale --------------------------------------------------------------------------

def run(ctx: Context, argv: list[str]) -> None:
    """Set the replica count of the named workloads."""
    opts = parse(argv, FLAGS, "scale")
    if opts.get("replicas") is None:
        raise UsageError('error: required flag(s) "replicas" not set')
    replicas = _count(opts.text("replicas"), "replicas")
    if replicas < 0:
        raise UsageError("error: The --replicas=COUNT flag is required, and COUNT must be "
                         "greater than or equal to 0")
    current = opts.get("current-replicas")
    expected = _count(str(current), "current-replicas") if current is not None else None
    mode = dry_run_mode(opts)
    for rt, obj in find_objects(ctx, opts, "scale"):
        if rt.kind not in SCALABLE:
            ctx.error("Error from server (NotFound): the server could not find the requested "
                      "resource")
            continue
        spec = obj.get("spec") or {}
        actual = int(spec.get("replicas", 1))
        if expected is not None and expected != actual:
            ctx.error(f"error: Expected replicas to be {expected}, was {actual}")
            continue
        new = deep_copy(obj)
        new.setdefault("spec", {})["replicas"] = replicas
        try:
            updated = update_object(ctx, new, mode)
        except APIError as exc:
            ctx.error(api_error_text(exc))
            continue
        finish_change(ctx, updated, rt, "scaled", opts, mode)


def _count(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f'error: invalid argument "{text}" for "--{flag}" flag: '
                         f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


VERBS = {"scale": (run, ("Set a new size for a deployment, replica set, or replication "
                         "controller"), FLAGS)}
