"""`kubectl get`: tables, `-o wide|yaml|json|name`, selectors, namespaces.

Named objects that do not exist print `Error from server (NotFound): ...` on stderr while the
rest still print; an empty result prints `No resources found in <ns> namespace.` on stderr and
exits 0, exactly as kubectl does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playground.engine.errors import APIError
from playground.engine.selectors import (
    SelectorError,
    parse_field_selector,
    parse_label_selector,
)
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.output import as_list, to_json, to_yaml
from playground.kubectl.printers import name_line, print_table
from playground.kubectl.table import format_tables
from playground.kubectl.targets import Target, parse_targets

FLAGS = (
    Flag("output", "o"),
    Flag("selector", "l"),
    Flag("field-selector"),
    Flag("all-namespaces", "A", takes_value=False),
    Flag("show-labels", takes_value=False),
    Flag("label-columns", "L", repeatable=True),
    Flag("no-headers", takes_value=False),
    Flag("sort-by"),
    Flag("watch", "w", takes_value=False),
    Flag("show-kind", takes_value=False),
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("ignore-not-found", takes_value=False),
    Flag("chunk-size"),
)

REQUIRED_MESSAGE = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
    "list of supported resources.\n\nerror: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. '
    "kubectl explain pods).\nSee 'kubectl get -h' for help and examples")

_FORMATS = ("", "wide", "yaml", "json", "name")


def run(ctx: Context, argv: list[str]) -> None:
    """Print the requested objects."""
    opts = parse(argv, FLAGS, "get")
    output = opts.text("output")
    if output not in _FORMATS:
        raise UsageError(f'error: unable to match a printer suitable for the output format '
                         f'"{output}", allowed formats are: json,name,wide,yaml')
    targets = parse_targets(opts.args, "get")
    if not targets:
        raise UsageError(REQUIRED_MESSAGE)
    all_namespaces = opts.flag("all-namespaces")
    namespace = None if all_namespaces else (opts.text("namespace") or ctx.namespace)
    try:
        selector = parse_label_selector(opts.text("selector")) if opts.text("selector") else None
    except SelectorError as exc:
        ctx.error(f"error: {exc}")
        return
    cluster = ctx.cluster
    now = cluster.clock.datetime()
    found: list[tuple[Target, list[dict[str, Any]]]] = []
    for target in targets:
        try:
            fields = parse_field_selector(opts.text("field-selector"), target.type.kind) \
                if opts.text("field-selector") else ()
        except SelectorError as exc:
            ctx.error(f"Error from server (BadRequest): Unable to find \"{target.type.group}/"
                      f"{target.type.version}, Resource={target.type.plural}\" that match "
                      f"label selector \"{opts.text('selector')}\", field selector "
                      f"\"{opts.text('field-selector')}\": {exc}")
            return
        ns = namespace if target.type.namespaced else None
        objects: list[dict[str, Any]] = []
        if target.names:
            for name in target.names:
                try:
                    objects.append(cluster.api.get(target.type.key, ns or "", name))
                except APIError as exc:
                    if not opts.flag("ignore-not-found"):
                        ctx.error(api_error_text(exc))
        else:
            objects = cluster.api.list(target.type.key, ns, selector, fields)
        found.append((target, objects))
    _print(ctx, opts, output, found, now, namespace, all_namespaces)


def _print(ctx: Context, opts: Any, output: str, found: list[tuple[Target, list[dict[str, Any]]]],
           now: datetime, namespace: str | None, all_namespaces: bool) -> None:
    everything = [obj for _, objs in found for obj in objs]
    if not everything:
        named = any(t.names for t, _ in found)
        if not named and ctx.exit_code == 0:
            if output in ("yaml", "json"):
                text = to_yaml(as_list([])) if output == "yaml" else to_json(as_list([]))
                ctx.out.write(text)
                return
            # kubectl's two spellings: only the namespaced one ends with a full stop
            if all_namespaces or not all(t.type.namespaced for t, _ in found):
                ctx.warn("No resources found")
            else:
                ctx.warn(f"No resources found in {namespace} namespace.")
        return
    if output in ("yaml", "json"):
        single = len(everything) == 1 and len(found) == 1 and len(found[0][0].names) == 1
        payload = everything[0] if single else as_list(everything)
        ctx.out.write(to_yaml(payload) if output == "yaml" else to_json(payload))
        return
    if output == "name":
        for target, objects in found:
            for obj in objects:
                ctx.print(name_line(obj, target.type))
        return
    several_kinds = len(found) > 1 or opts.flag("show-kind")
    tables = []
    for target, objects in found:
        if not objects:
            continue
        tables.append(print_table(objects, target.type.key, now, wide=output == "wide",
                                  show_namespace=all_namespaces and target.type.namespaced,
                                  show_labels=opts.flag("show-labels"),
                                  label_columns=[c for spec in opts.many("label-columns")
                                                 for c in spec.split(",") if c]))
    text = format_tables(tables, wide=output == "wide", no_headers=opts.flag("no-headers"),
                         show_kind_prefix=True if several_kinds else None)
    ctx.out.write(text)


VERBS = {"get": (run, "Display one or many resources", FLAGS)}
