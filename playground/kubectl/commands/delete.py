"""`kubectl delete`: by name, `-f`, `-l`, `--all`, with grace period and cascade options.

Prints `pod "web-x" deleted from default namespace` (kubectl ≥ 1.34; cluster-scoped objects
omit the namespace part) for each object. The playground does not block while a pod
terminates; `kubectl get` shows it Terminating until its kubelet finishes.
"""

from __future__ import annotations

from typing import Any

from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, parse_label_selector
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.manifests import ManifestError, read_sources
from playground.kubectl.targets import parse_targets

FLAGS = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("selector", "l"),
    Flag("all", takes_value=False),
    Flag("all-namespaces", "A", takes_value=False),
    Flag("grace-period"),
    Flag("now", takes_value=False),
    Flag("force", takes_value=False),
    Flag("cascade"),
    Flag("wait"),
    Flag("ignore-not-found", takes_value=False),
    Flag("dry-run"),
    Flag("output", "o"),
)

_CASCADE = {"background": "Background", "true": "Background", "foreground": "Foreground",
            "orphan": "Orphan", "false": "Orphan"}


def run(ctx: Context, argv: list[str]) -> None:
    """Delete the named, selected or listed objects."""
    opts = parse(argv, FLAGS, "delete")
    cascade = opts.text("cascade", "background").lower()
    if cascade not in _CASCADE:
        raise UsageError(f'error: invalid cascade value ({cascade}). Must be "background", '
                         '"foreground", or "orphan".')
    grace: int | None = None
    if opts.get("grace-period") is not None:
        try:
            grace = int(opts.text("grace-period"))
        except ValueError:
            raise UsageError(f'error: invalid argument "{opts.text("grace-period")}" for '
                             '"--grace-period" flag: strconv.ParseInt: parsing '
                             f'"{opts.text("grace-period")}": invalid syntax') from None
    if opts.flag("now"):
        grace = 1
    if opts.flag("force"):
        if grace is None or grace != 0:
            grace = 0 if grace is None else grace
        ctx.warn("Warning: Immediate deletion does not wait for confirmation that the running "
                 "resource has been terminated. The resource may continue to run on the "
                 "cluster indefinitely.")
    elif grace == 0:
        grace = 1  # kubectl turns --grace-period=0 without --force into 1
    namespace = opts.text("namespace") or ctx.namespace
    items: list[tuple[str, str, str, Any]] = []  # (resource, ns, name, type)
    api = ctx.cluster.api
    if opts.many("filename"):
        try:
            manifests = read_sources(opts.many("filename"), opts.flag("recursive"), ctx.stdin)
        except ManifestError as exc:
            ctx.error(str(exc))
            return
        for manifest in manifests:
            try:
                rt = api.resource_type(manifest.object)
            except Exception as exc:  # NoKindMatch
                ctx.error(f"error: {exc}")
                continue
            meta = manifest.object.get("metadata") or {}
            items.append((rt.key, (meta.get("namespace") or namespace) if rt.namespaced
                          else "", str(meta.get("name", "")), rt))
    else:
        targets = parse_targets(opts.args, "delete")
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
                items.extend((rt.key, ns, name, rt) for name in target.names)
            elif opts.flag("all") or selector_text:
                try:
                    selector = parse_label_selector(selector_text) if selector_text else None
                except SelectorError as exc:
                    ctx.error(f"error: {exc}")
                    return
                scope = None if opts.flag("all-namespaces") or not rt.namespaced else ns
                for obj in api.list(rt.key, scope, selector):
                    items.append((rt.key, obj["metadata"].get("namespace", ""),
                                  obj["metadata"]["name"], rt))
            else:
                raise UsageError("error: resource(s) were provided, but no name was specified")
    if not items:
        if not ctx.exit_code:
            where = "" if opts.flag("all-namespaces") else f" in {namespace} namespace"
            ctx.warn(f"No resources found{where}")
        return
    dry_run = opts.text("dry-run", "none") != "none"
    for resource, ns, name, rt in items:
        try:
            api.delete(resource, ns, name, grace_period=grace,
                       propagation=_CASCADE[cascade], dry_run=dry_run)
        except APIError as exc:
            if exc.reason == "NotFound" and opts.flag("ignore-not-found"):
                continue
            ctx.error(api_error_text(exc))
            continue
        where = f" from {ns} namespace" if rt.namespaced else ""
        suffix = " (dry run)" if dry_run else ""
        prefix = f"{rt.name}.{rt.group}" if rt.group else rt.name
        ctx.print(f'{prefix} "{name}" deleted{where}{suffix}')


VERBS = {"delete": (run, "Delete resources by file names, stdin, resources and names, or by "
                          "resources and label selector", FLAGS)}
