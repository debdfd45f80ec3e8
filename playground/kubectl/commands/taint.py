"""`kubectl taint`: add, replace and remove node taints.

    kubectl taint nodes worker-1 dedicated=gpu:NoSchedule      → node/worker-1 tainted
    kubectl taint nodes worker-1 dedicated:NoSchedule-         → node/worker-1 untainted
    kubectl taint nodes worker-1 dedicated-                    (every effect of that key)
    kubectl taint nodes worker-1 dedicated=cpu:NoSchedule --overwrite → node/worker-1 modified

New taints go first, then the node's other taints, as kubectl orders them. Adding a taint whose
key and effect already exist needs `--overwrite`; removing one that is not there fails with
`taint "dedicated:NoSchedule" not found` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from playground.engine.api.validation_fields import label_value, qualified_name
from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, parse_label_selector
from playground.engine.store import Obj
from playground.kubectl.commands.cordon import dry_run_suffix
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse

FLAGS = (
    Flag("overwrite", takes_value=False),
    Flag("all", takes_value=False),
    Flag("selector", "l"),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("validate"),
)

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
Taint = dict[str, Any]


def _effect(effect: str) -> None:
    if effect not in EFFECTS:
        raise UsageError(f"error: invalid taint effect: {effect}, unsupported taint effect")


def parse_taint(spec: str) -> Taint:
    """`key=value:Effect` or `key:Effect` → a taint (kubectl's parseTaint)."""
    parts = spec.split(":")
    if len(parts) != 2:
        raise UsageError(f"error: invalid taint spec: {spec}")
    key_value, effect = parts
    _effect(effect)
    kv = key_value.split("=")
    if len(kv) > 2:
        raise UsageError(f"error: invalid taint spec: {spec}")
    key = kv[0]
    errors = qualified_name(key)
    if len(kv) == 2:
        errors += label_value(kv[1])
    if errors:
        raise UsageError(f"error: invalid taint spec: {spec}, {'; '.join(errors)}")
    taint: Taint = {"key": key}
    if len(kv) == 2 and kv[1]:
        taint["value"] = kv[1]
    taint["effect"] = effect
    return taint


def parse_taints(specs: list[str]) -> tuple[list[Taint], list[Taint]]:
    """Taints to add and to remove (`key[:Effect]-`)."""
    add: list[Taint] = []
    remove: list[Taint] = []
    for spec in specs:
        if spec.endswith("-"):
            key, _, effect = spec[:-1].partition(":")
            if effect:
                _effect(effect)
            remove.append({"key": key, "effect": effect})
            continue
        taint = parse_taint(spec)
        if any(t["key"] == taint["key"] and t["effect"] == taint["effect"] for t in add):
            raise UsageError("error: duplicated taints with the same key and effect: "
                             f"{_text(taint)}")
        add.append(taint)
    for taint in remove:
        if any(t["key"] == taint["key"] and (not taint["effect"] or
                                             t["effect"] == taint["effect"]) for t in add):
            raise UsageError("error: can not both modify and remove the following taint(s) in "
                             f"the same command: {taint['key']}")
    return add, remove


def _text(taint: Taint) -> str:
    """Taint.ToString: `key=value:Effect`, `key:Effect`, `key`."""
    text = taint["key"]
    if taint.get("value"):
        text += "=" + str(taint["value"])
    if taint.get("effect"):
        text += ":" + str(taint["effect"])
    return text


def reorganize(current: list[Taint], add: list[Taint], remove: list[Taint],
               overwrite: bool) -> tuple[str, list[Taint]]:
    """The node's new taints and kubectl's verb for the change (tainted/untainted/modified)."""
    taints = [dict(t) for t in add]
    for old in current:
        if not any(t["key"] == old.get("key") and t["effect"] == old.get("effect")
                   for t in taints):
            taints.append(old)
    added = len(current) != len(taints)
    deleted = False
    for gone in remove:
        keep = [t for t in taints if not (t.get("key") == gone["key"] and (
            not gone["effect"] or t.get("effect") == gone["effect"]))]
        if len(keep) == len(taints):
            raise UsageError(f'error: taint "{_text(gone)}" not found')
        deleted = True
        taints = keep
    if (added and deleted) or overwrite:
        return "modified", taints
    return ("tainted" if added else "untainted"), taints


def run(ctx: Context, argv: list[str]) -> None:
    """Update the taints on one or more nodes."""
    opts = parse(argv, FLAGS, "taint")
    specs = [a for a in opts.args if "=" in a or ":" in a or a.endswith("-")]
    resources = [a for a in opts.args if a not in specs]
    if not specs:
        raise UsageError("error: at least one taint update is required")
    add, remove = parse_taints(specs)
    nodes = _nodes(ctx, resources, opts.flag("all"), opts.text("selector"))
    suffix = dry_run_suffix(opts.text("dry-run"))
    for node in nodes:
        name = node["metadata"]["name"]
        current = list((node.get("spec") or {}).get("taints") or ())
        if not opts.flag("overwrite"):
            clashes = [t["key"] for t in add if any(
                c.get("key") == t["key"] and c.get("effect") == t["effect"] for c in current)]
            if clashes:
                ctx.error(f"error: node {name} already has {','.join(clashes)} taint(s) with "
                          "same effect(s) and --overwrite is false")
                continue
        verb, taints = reorganize(current, add, remove, opts.flag("overwrite"))
        if not suffix:
            try:
                ctx.cluster.api.patch("nodes", "", name, {"spec": {"taints": taints or None}},
                                      "merge")
            except APIError as exc:
                ctx.error(api_error_text(exc))
                continue
        ctx.print(f"node/{name} {verb}{suffix}")


def _nodes(ctx: Context, resources: list[str], all_nodes: bool, selector_text: str) -> list[Obj]:
    api = ctx.cluster.api
    names: list[str] = []
    rest = list(resources)
    if rest and "/" not in rest[0]:
        if rest[0] not in ("node", "nodes", "no"):
            raise UsageError(f'error: the server doesn\'t have a resource type "{rest[0]}"'
                             if rest[0] not in ("pod", "pods", "po") else
                             "error: resource must be a node")
        rest = rest[1:]
    for arg in rest:
        kind, slash, name = arg.partition("/")
        if slash and kind not in ("node", "nodes", "no"):
            raise UsageError("error: resource must be a node")
        names.append(name if slash else kind)
    if all_nodes or selector_text:
        try:
            selector = parse_label_selector(selector_text) if selector_text else None
        except SelectorError as exc:
            raise UsageError(f"error: {exc}") from None
        return api.list("nodes", None, selector)
    if not names:
        raise UsageError("error: at least one resource name must be specified since 'all' "
                         "parameter is not set")
    found: list[Obj] = []
    for name in names:
        try:
            found.append(api.get("nodes", "", name))
        except APIError as exc:
            ctx.error(api_error_text(exc))
    return found


VERBS = {"taint": (run, "Update the taints on one or more nodes", FLAGS)}
