"""`kubectl diff -f FILE`: what `apply` would change, as a unified diff.

For each object the live state is compared with the result of a dry-run apply (the three-way
merge the API server would store, generation bump included). The text is what kubectl's
`diff -u -N` between its LIVE and MERGED directories prints, with the random temporary
directories replaced by the stable `/tmp/LIVE` and `/tmp/MERGED` and file times set to the
cluster's virtual clock. Secret values are masked as kubectl masks them. Exit code 1 when
something differs, 0 when nothing does, above 1 on errors.
"""

from __future__ import annotations

import difflib
from typing import Any

from playground.engine.apiserver import NoKindMatch
from playground.engine.errors import APIError
from playground.engine.store import deep_copy
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.manifests import ManifestError, read_sources
from playground.kubectl.output import to_yaml

Obj = dict[str, Any]

LIVE_DIR = "/tmp/LIVE"
MERGED_DIR = "/tmp/MERGED"
ERROR_EXIT = 2

FLAGS = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("server-side", takes_value=False),
    Flag("force-conflicts", takes_value=False),
    Flag("field-manager"),
    Flag("prune", takes_value=False),
    Flag("selector", "l"),
    Flag("show-managed-fields", takes_value=False),
    Flag("concurrency"),
)


def file_name(obj: Obj, rt: Any, namespace: str) -> str:
    """kubectl's file name for an object: `apps.v1.Deployment.default.web`."""
    group = f"{rt.group}." if rt.group else ""
    return f"{group}{rt.version}.{rt.kind}.{namespace}.{obj['metadata']['name']}"


def run(ctx: Context, argv: list[str]) -> None:
    """Print the differences `kubectl apply -f` would make."""
    opts = parse(argv, FLAGS, "diff")
    files = opts.many("filename")
    if not files:
        raise UsageError("error: must specify one of -f and -k")
    namespace = opts.text("namespace") or ctx.namespace
    try:
        manifests = read_sources(files, opts.flag("recursive"), ctx.stdin)
    except ManifestError as exc:
        ctx.error(str(exc), code=ERROR_EXIT)
        return
    api = ctx.cluster.api
    stamp = ctx.cluster.clock.datetime().strftime("%Y-%m-%d %H:%M:%S.000000000 +0000")
    differs = False
    for manifest in manifests:
        obj = manifest.object
        try:
            rt = api.resource_type(obj)
            meta = obj.get("metadata") or {}
            ns = (meta.get("namespace") or namespace) if rt.namespaced else ""
            live = api.store.get(rt.key, ns, str(meta.get("name") or ""))
            merged = api.apply(obj, namespace=namespace, dry_run=True).obj
        except NoKindMatch as exc:
            ctx.error(f"error: {exc}", code=ERROR_EXIT)
            return
        except APIError as exc:
            ctx.error(api_error_text(exc), code=ERROR_EXIT)
            return
        before, after = _clean(live), _clean(merged)
        if rt.kind == "Secret":
            before, after = _mask_secrets(before, after)
        live_text = to_yaml(before) if before is not None else ""
        merged_text = to_yaml(after) if after is not None else ""
        if live_text == merged_text:
            continue
        differs = True
        name = file_name(merged, rt, ns)
        left, right = f"{LIVE_DIR}/{name}", f"{MERGED_DIR}/{name}"
        ctx.print(f"diff -u -N {left} {right}")
        ctx.print(f"--- {left}\t{stamp}")
        ctx.print(f"+++ {right}\t{stamp}")
        hunks = difflib.unified_diff(live_text.splitlines(), merged_text.splitlines(),
                                     n=3, lineterm="")
        for line in list(hunks)[2:]:
            ctx.print(line)
    if differs and not ctx.exit_code:
        ctx.exit_code = 1


def _clean(obj: Obj | None) -> Obj | None:
    if obj is None:
        return None
    copy = deep_copy(obj)
    copy.get("metadata", {}).pop("managedFields", None)
    return copy


def _mask_secrets(before: Obj | None, after: Obj | None) -> tuple[Obj | None, Obj | None]:
    """Replace Secret values by `***`, or `*** (before)`/`*** (after)` where they differ."""
    old = dict((before or {}).get("data") or {})
    new = dict((after or {}).get("data") or {})
    for key in set(old) | set(new):
        if key in old and key in new:
            same = old[key] == new[key]
            old[key] = "***" if same else "*** (before)"
            new[key] = "***" if same else "*** (after)"
        elif key in old:
            old[key] = "***"
        else:
            new[key] = "***"
    if before is not None and "data" in before:
        before["data"] = old
    if after is not None and "data" in after:
        after["data"] = new
    return before, after


VERBS = {"diff": (run, "Diff the live version against a would-be applied version", FLAGS)}
