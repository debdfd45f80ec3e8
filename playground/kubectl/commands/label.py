"""`kubectl label` and `kubectl annotate`: add, overwrite and remove labels or annotations.

    kubectl label pods nginx tier=frontend           → pod/nginx labeled
    kubectl label pods nginx tier=backend            → error: 'tier' already has a value
                                                        (frontend), and --overwrite is false
    kubectl label pods nginx tier-                   → pod/nginx unlabeled
    kubectl label nodes --all disk=ssd / -l app=web
    kubectl annotate deploy/web owner=team-a         → deployment.apps/web annotated

Arguments with `=` or a trailing `-` are changes; everything before them names resources
(`TYPE NAME...`, `TYPE/NAME...`, or a type with `--all` / `-l`). Changes are sent as a merge
patch, as kubectl does, so the API server validates the keys and values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from playground.engine.api.resources import ResourceType
from playground.engine.api.validation_fields import label_value
from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, parse_label_selector
from playground.engine.store import Obj
from playground.kubectl.commands.cordon import dry_run_suffix
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.targets import parse_targets

FLAGS = (
    Flag("overwrite", takes_value=False),
    Flag("all", takes_value=False),
    Flag("all-namespaces", "A", takes_value=False),
    Flag("selector", "l"),
    Flag("field-selector"),
    Flag("resource-version"),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("list", takes_value=False),
    Flag("local", takes_value=False),
)

CHANGE_CAUSE = "kubernetes.io/change-cause"


@dataclass(frozen=True)
class Field:
    """What differs between `label` and `annotate`: the metadata field and the words."""

    verb: str
    key: str
    noun: str


LABELS = Field("label", "labels", "label")
ANNOTATIONS = Field("annotate", "annotations", "annotation")


def parse_changes(specs: list[str], field: Field) -> tuple[dict[str, str], list[str]]:
    """`k=v` to set and `k-` to remove, with kubectl's refusals."""
    values: dict[str, str] = {}
    remove: list[str] = []
    for spec in specs:
        if "=" in spec:
            if field is LABELS:
                parts = spec.split("=")
                if len(parts) != 2:
                    raise UsageError(f"error: invalid label spec: {spec}")
                errors = label_value(parts[1])
                if errors:
                    raise UsageError(f'error: invalid label value: "{spec}": '
                                     + ";".join(errors))
            else:
                parts = spec.split("=", 1)
                if not parts[0]:
                    raise UsageError(f"error: invalid annotation spec: {spec}")
            values[parts[0]] = parts[1]
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise UsageError(f"error: unknown {field.noun} spec: {spec}")
    if any(key in values for key in remove):
        what = "a label" if field is LABELS else "an annotation"
        raise UsageError(f"error: can not both modify and remove {what} in the same command")
    return values, remove


def _run(ctx: Context, argv: list[str], field: Field) -> None:
    opts = parse(argv, FLAGS, field.verb)
    changes_at = next((i for i, a in enumerate(opts.args) if "=" in a or a.endswith("-")),
                      len(opts.args))
    resources, specs = opts.args[:changes_at], opts.args[changes_at:]
    stray = [s for s in specs if "=" not in s and not s.endswith("-")]
    if stray:
        raise UsageError(f"error: all resources must be specified before {field.noun} "
                         f"changes: {' '.join(stray)}")
    if not resources:
        raise UsageError("error: one or more resources must be specified as <resource> <name> "
                         "or <resource>/<name>")
    if not specs:
        raise UsageError(f"error: at least one {field.noun} update is required")
    values, remove = parse_changes(specs, field)
    suffix = dry_run_suffix(opts.text("dry-run"))
    for obj, rt in _objects(ctx, opts, resources):
        _change(ctx, obj, rt, field, values, remove, opts.flag("overwrite"), suffix)


def _objects(ctx: Context, opts: Any, resources: list[str]) -> list[tuple[Obj, ResourceType]]:
    api = ctx.cluster.api
    namespace = opts.text("namespace") or ctx.namespace
    selector_text = opts.text("selector")
    found: list[tuple[Obj, ResourceType]] = []
    for target in parse_targets(resources, "label"):
        rt = target.type
        ns = namespace if rt.namespaced else ""
        if target.names:
            for name in target.names:
                try:
                    found.append((api.get(rt.key, ns, name), rt))
                except APIError as exc:
                    ctx.error(api_error_text(exc))
            continue
        if not opts.flag("all") and not selector_text:
            raise UsageError("error: resource(s) were provided, but no name was specified")
        try:
            selector = parse_label_selector(selector_text) if selector_text else None
        except SelectorError as exc:
            raise UsageError(f"error: {exc}") from None
        scope = None if opts.flag("all-namespaces") or not rt.namespaced else ns
        objs = api.list(rt.key, scope, selector)
        if not objs:
            ctx.warn("No resources found" + (f" in {ns} namespace." if scope else ""))
        found.extend((obj, rt) for obj in objs)
    return found


def _change(ctx: Context, obj: Obj, rt: ResourceType, field: Field, values: dict[str, str],
            remove: list[str], overwrite: bool, suffix: str) -> None:
    meta = obj["metadata"]
    current: dict[str, str] = dict(meta.get(field.key) or {})
    if not overwrite:
        clashes = [(k, current[k]) for k in sorted(values)
                   if k in current and current[k] != values[k]
                   and not (field is ANNOTATIONS and k == CHANGE_CAUSE)]
        if clashes and field is LABELS:
            lines = [f"'{k}' already has a value ({v}), and --overwrite is false"
                     for k, v in clashes]
            # one error prints as `error: ...`; several as kubectl prints an aggregate
            ctx.error(f"error: {lines[0]}" if len(lines) == 1 else "\n".join(lines))
            return
        if clashes:
            ctx.error("error: --overwrite is false but found the following declared "
                      "annotation(s): " + "; ".join(f"'{k}' already has a value ({v})"
                                                     for k, v in clashes))
            return
    patch: dict[str, Any] = dict(values)
    for key in remove:
        if key not in current and field is LABELS:
            ctx.print(f'label "{key}" not found.')
        patch[key] = None
    updated = {k: v for k, v in {**current, **values}.items() if k not in remove}
    prefix = f"{rt.name}.{rt.group}" if rt.group else rt.name
    if field is ANNOTATIONS:
        message = "annotated"
    elif updated == current:
        message = "not labeled"
    elif not overwrite and len(json.dumps(updated)) < len(json.dumps(current)):
        message = "unlabeled"  # kubectl's own rule: the object got shorter
    else:
        message = "labeled"
    if updated != current and not suffix:
        try:
            ctx.cluster.api.patch(rt.key, meta.get("namespace", ""), meta["name"],
                                  {"metadata": {field.key: patch}}, "merge")
        except APIError as exc:
            ctx.error(api_error_text(exc))
            return
    ctx.print(f"{prefix}/{meta['name']} {message}{suffix}")


def run_label(ctx: Context, argv: list[str]) -> None:
    """Update the labels on resources."""
    _run(ctx, argv, LABELS)


def run_annotate(ctx: Context, argv: list[str]) -> None:
    """Update the annotations on resources."""
    _run(ctx, argv, ANNOTATIONS)


VERBS = {"label": (run_label, "Update the labels on a resource", FLAGS),
         "annotate": (run_annotate, "Update the annotations on a resource", FLAGS)}
