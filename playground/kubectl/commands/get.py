"""`kubectl get`: tables, every `-o` format, selectors, namespaces, sorting and watching.

Named objects that do not exist print `Error from server (NotFound): ...` on stderr while the
rest still print (exit 1); an empty table result prints `No resources found in <ns>
namespace.` (or `No resources found` with `-A` or for cluster-scoped kinds) on stderr and exits
0, exactly as kubectl does. `-o jsonpath=…`, `-o jsonpath-as-json=…`, `-o jsonpath-file=…`,
`-o custom-columns=…` and `-o custom-columns-file=…` print the same list kubectl builds
(`{"kind": "List", "items": [...]}`, or the object itself for one named object); Go templates
are refused with a plain "not supported in the playground" error.

`-w`/`--watch` is the one place a kubectl command moves virtual time: it prints the current
table, then lets time run and prints a row for every change of a matching object, the way
kubectl's watch does (no repeated header; columns keep the widths already printed and grow
when a wider cell arrives). A real watch never ends; this one stops after
`WATCH_SECONDS` (60) virtual seconds, or after `--request-timeout` when that is given
(`30s`, `2m`, `90`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from playground.engine.errors import APIError
from playground.engine.selectors import (
    FieldRequirement,
    Selector,
    SelectorError,
    fields_match,
    parse_field_selector,
    parse_label_selector,
)
from playground.engine.store import DELETED, WatchEvent
from playground.kubectl.context import Context
from playground.kubectl.custom_columns import (
    CustomColumn,
    CustomColumnsError,
    parse_spec,
    parse_template_file,
    render,
)
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, Parsed, UsageError, parse
from playground.kubectl.jsonpath import JSONPathError, Template, compile_template, marshal
from playground.kubectl.output import as_list, to_json, to_yaml
from playground.kubectl.printers import name_line, print_table
from playground.kubectl.sorting import SortError, sort_objects
from playground.kubectl.table import (
    TABWRITER_MIN_WIDTH,
    TABWRITER_PADDING,
    Table,
    cell_text,
    format_tables,
)
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
    Flag("watch-only", takes_value=False),
    Flag("show-kind", takes_value=False),
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("ignore-not-found", takes_value=False),
    Flag("chunk-size"),
    Flag("allow-missing-template-keys", takes_value=False, default=True),
)

REQUIRED_MESSAGE = (
    'You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
    "list of supported resources.\n\nerror: Required resource not specified.\n"
    'Use "kubectl explain <resource>" for a detailed description of that resource (e.g. '
    "kubectl explain pods).\nSee 'kubectl get -h' for help and examples")

WATCH_SECONDS = 60.0
"""How much virtual time `get -w` lets pass when no `--request-timeout` is given."""

ALLOWED_FORMATS = ("custom-columns,custom-columns-file,go-template,go-template-file,json,"
                   "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")

_TEMPLATE_FORMATS = {"jsonpath", "jsonpath-as-json", "jsonpath-file", "custom-columns",
                     "custom-columns-file", "go-template", "go-template-file", "template",
                     "templatefile"}
_GO_TEMPLATES = {"go-template", "go-template-file", "template", "templatefile"}


@dataclass
class Output:
    """The chosen `-o` printer: its format name and, for templates, what to print with."""

    format: str = ""
    template: Template | None = None
    columns: list[CustomColumn] | None = None

    @property
    def table(self) -> bool:
        """Whether kubectl's human-readable table printer is used (`-o wide` or none)."""
        return self.format in ("", "wide")


def _strip_quotes(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _read_file(name: str) -> str:
    try:
        return Path(name).read_text()
    except OSError as exc:
        raise UsageError(f"error: error reading template {name}, {exc.strerror or exc}\n") \
            from exc


def parse_output(spec: str) -> Output:
    """The printer `-o <spec>` asks for, or kubectl's refusal."""
    name, eq, argument = spec.partition("=")
    if name not in ("", "wide", "yaml", "json", "name") and name not in _TEMPLATE_FORMATS:
        raise UsageError(f'error: unable to match a printer suitable for the output format '
                         f'"{spec}", allowed formats are: {ALLOWED_FORMATS}')
    if name in ("", "wide", "yaml", "json", "name"):
        if eq:
            raise UsageError(f'error: unable to match a printer suitable for the output format '
                             f'"{spec}", allowed formats are: {ALLOWED_FORMATS}')
        return Output(name)
    if name in _GO_TEMPLATES:
        raise UsageError(f"error: -o {name} is not supported in the playground yet; use "
                         "-o jsonpath=... or -o custom-columns=... instead")
    argument = _strip_quotes(argument)
    if name.startswith("custom-columns"):
        try:
            if name == "custom-columns-file":
                if not argument:
                    raise UsageError("error: custom-columns-file format specified but no "
                                     "custom columns file given")
                return Output(name, columns=parse_template_file(_read_file(argument)))
            return Output(name, columns=parse_spec(argument))
        except CustomColumnsError as exc:
            raise UsageError(str(exc)) from exc
    if not argument:
        raise UsageError("error: template format specified but no template given")
    text = _read_file(argument) if name == "jsonpath-file" else argument
    try:
        return Output(name, template=compile_template(text))
    except JSONPathError as exc:
        raise UsageError(f"error: error parsing jsonpath {text}, {exc}") from exc


ENDPOINTS_DEPRECATED = ("Warning: v1 Endpoints is deprecated in v1.33+; use "
                        "discovery.k8s.io/v1 EndpointSlice")


def run(ctx: Context, argv: list[str]) -> None:
    """Print the requested objects."""
    opts = parse(argv, FLAGS, "get")
    output = parse_output(opts.text("output"))
    targets = parse_targets(opts.args, "get")
    if not targets:
        raise UsageError(REQUIRED_MESSAGE)
    if any(t.type.key == "endpoints" for t in targets):
        ctx.warn(ENDPOINTS_DEPRECATED)
    all_namespaces = opts.flag("all-namespaces")
    namespace = None if all_namespaces else (opts.text("namespace") or ctx.namespace)
    try:
        selector = parse_label_selector(opts.text("selector")) if opts.text("selector") else None
    except SelectorError as exc:
        ctx.error(f"error: {exc}")
        return
    if opts.flag("watch") or opts.flag("watch-only"):
        _watch(ctx, opts, output, targets, namespace, selector)
        return
    cluster = ctx.cluster
    now = cluster.clock.datetime()
    found: list[tuple[Target, list[dict[str, Any]]]] = []
    for target in targets:
        fields = _fields(ctx, opts, target)
        if fields is None:
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
    if opts.text("sort-by"):
        try:
            found = _sorted(found, opts.text("sort-by"), output.table)
        except SortError as exc:
            ctx.error(str(exc))
            return
    _print(ctx, opts, output, found, now, namespace, all_namespaces)


def _fields(ctx: Context, opts: Parsed, target: Target) -> tuple[FieldRequirement, ...] | None:
    text = opts.text("field-selector")
    try:
        return parse_field_selector(text, target.type.kind) if text else ()
    except SelectorError as exc:
        ctx.error(f"Error from server (BadRequest): Unable to find \"{target.type.group}/"
                  f"{target.type.version}, Resource={target.type.plural}\" that match "
                  f"label selector \"{opts.text('selector')}\", field selector "
                  f"\"{text}\": {exc}")
        return None


def _sorted(found: list[tuple[Target, list[dict[str, Any]]]], field: str,
            table: bool) -> list[tuple[Target, list[dict[str, Any]]]]:
    """Tables sort within each kind; other printers sort the one list they print."""
    if table:
        return [(target, sort_objects(objects, field)) for target, objects in found]
    flat = [(target, obj) for target, objects in found for obj in objects]
    ordered = sort_objects(flat, field, obj_of=lambda pair: pair[1])
    regrouped: list[tuple[Target, list[dict[str, Any]]]] = []
    for target, obj in ordered:
        if regrouped and regrouped[-1][0] is target:
            regrouped[-1][1].append(obj)
        else:
            regrouped.append((target, [obj]))
    return regrouped or found


def _payload(found: list[tuple[Target, list[dict[str, Any]]]]) -> dict[str, Any]:
    """The object kubectl hands to a generic printer: one named object, or a List."""
    everything = [obj for _, objs in found for obj in objs]
    single = len(everything) == 1 and len(found) == 1 and len(found[0][0].names) == 1
    return everything[0] if single else as_list(everything)


def _print(ctx: Context, opts: Parsed, output: Output,
           found: list[tuple[Target, list[dict[str, Any]]]], now: datetime,
           namespace: str | None, all_namespaces: bool) -> None:
    everything = [obj for _, objs in found for obj in objs]
    named = any(t.names for t, _ in found)
    if output.template is not None or output.columns is not None:
        if not everything and (named or opts.flag("ignore-not-found")):
            return
        _print_template(ctx, opts, output, found)
        return
    if not everything:
        if not named and ctx.exit_code == 0:
            if output.format in ("yaml", "json"):
                empty = as_list([])
                ctx.out.write(to_yaml(empty) if output.format == "yaml" else to_json(empty))
                return
            # kubectl's two spellings: only the namespaced one ends with a full stop
            if all_namespaces or not all(t.type.namespaced for t, _ in found):
                ctx.warn("No resources found")
            else:
                ctx.warn(f"No resources found in {namespace} namespace.")
        return
    if output.format in ("yaml", "json"):
        payload = _payload(found)
        ctx.out.write(to_yaml(payload) if output.format == "yaml" else to_json(payload))
        return
    if output.format == "name":
        for target, objects in found:
            for obj in objects:
                ctx.print(name_line(obj, target.type))
        return
    several_kinds = len(found) > 1 or opts.flag("show-kind")
    tables = [_table(opts, output, target, objects, now, all_namespaces)
              for target, objects in found if objects]
    text = format_tables(tables, wide=output.format == "wide",
                         no_headers=opts.flag("no-headers"),
                         show_kind_prefix=True if several_kinds else None)
    ctx.out.write(text)


def _table(opts: Parsed, output: Output, target: Target, objects: list[dict[str, Any]],
           now: datetime, all_namespaces: bool) -> Table:
    return print_table(objects, target.type.key, now, wide=output.format == "wide",
                       show_namespace=all_namespaces and target.type.namespaced,
                       show_labels=opts.flag("show-labels"),
                       label_columns=[c for spec in opts.many("label-columns")
                                      for c in spec.split(",") if c])


def _print_template(ctx: Context, opts: Parsed, output: Output,
                    found: list[tuple[Target, list[dict[str, Any]]]]) -> None:
    payload = _payload(found)
    if output.columns is not None:
        items = payload["items"] if payload.get("kind") == "List" else [payload]
        ctx.out.write(render(output.columns, items, no_headers=opts.flag("no-headers")))
        return
    assert output.template is not None
    try:
        ctx.out.write(output.template.execute(
            payload, allow_missing=opts.flag("allow-missing-template-keys"),
            as_json=output.format == "jsonpath-as-json"))
    except JSONPathError as exc:
        source = output.template.source
        shown = marshal(payload)
        if len(shown) > 300:
            shown = shown[:300] + "..."
        ctx.error(f'error: error executing jsonpath "{source}": Error executing template: '
                  f"{exc}. Printing more information for debugging the template:\n"
                  f"\ttemplate was:\n\t\t{source}\n"
                  f"\tobject given to jsonpath engine was:\n\t\t{shown}\n")


# -- watch -------------------------------------------------------------------------------

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")


def watch_seconds(text: str) -> float:
    """How long a watch runs: `--request-timeout` (`30s`, `1m30s`, `90`) or the default."""
    if not text or text == "0":
        return WATCH_SECONDS
    if re.fullmatch(r"\d+", text):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise UsageError(f'error: invalid argument "{text}" for "--request-timeout" flag: '
                         f'time: invalid duration "{text}"')
    scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    return sum(float(n) * scale[u] for n, u in parts)


class _RememberingTabwriter:
    """kubectl's watch tabwriter: each flush aligns its own lines, but a column never gets
    narrower than it has been before, so later rows line up under the first table."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def flush(self, lines: list[list[str]]) -> str:
        columns = max((len(cells) - 1 for cells in lines), default=0)
        for j in range(columns):
            width = max([len(cells[j]) + TABWRITER_PADDING for cells in lines
                         if j < len(cells) - 1] + [TABWRITER_MIN_WIDTH])
            if j < len(self.widths):
                self.widths[j] = max(self.widths[j], width)
            else:
                self.widths.append(width)
        out = []
        for cells in lines:
            parts = [cell.ljust(self.widths[j]) if j < len(cells) - 1 else cell
                     for j, cell in enumerate(cells)]
            out.append("".join(parts) + "\n")
        return "".join(out)


def _table_lines(table: Table, wide: bool, no_headers: bool, header: bool) -> list[list[str]]:
    visible = table.visible_columns(wide)
    lines = [[table.columns[i].header for i in visible]] if header and not no_headers else []
    for row in table.rows:
        lines.append([cell_text(row.cells[i]) if i < len(row.cells) else "" for i in visible])
    return lines


def _watch(ctx: Context, opts: Parsed, output: Output, targets: list[Target],
           namespace: str | None, selector: Selector | None) -> None:
    if len(targets) > 1:
        ctx.error("error: watch is only supported on individual resources and resource "
                  "collections - more than 1 resource was found")
        return
    target = targets[0]
    fields = _fields(ctx, opts, target)
    if fields is None:
        return
    seconds = watch_seconds(opts.text("request-timeout"))
    cluster = ctx.cluster
    ns = namespace if target.type.namespaced else None

    def wanted(obj: dict[str, Any]) -> bool:
        meta = obj.get("metadata", {})
        if ns is not None and meta.get("namespace", "") != ns:
            return False
        if target.names and meta.get("name") not in target.names:
            return False
        if selector is not None and not selector.matches(meta.get("labels")):
            return False
        return not fields or fields_match(obj, fields)

    if target.names:
        current = []
        for name in target.names:
            try:
                current.append(cluster.api.get(target.type.key, ns or "", name))
            except APIError as exc:
                ctx.error(api_error_text(exc))
                return
    else:
        current = cluster.api.list(target.type.key, ns, selector, fields)
    events: list[tuple[WatchEvent, datetime]] = []
    stop = cluster.store.watch(target.type.key, lambda event: events.append(
        (event, cluster.clock.datetime())) if wanted(event.obj) else None)
    printer = _WatchPrinter(ctx, opts, output, target, namespace is None)
    try:
        if not opts.flag("watch-only"):
            printer.show(current, cluster.clock.datetime())
        cluster.advance(seconds)
    finally:
        stop()
    for event, when in events:
        shown = event.old if event.type == DELETED and event.old is not None else event.obj
        printer.show([shown], when)


class _WatchPrinter:
    """Prints each batch of watched objects in the chosen format, header only once."""

    def __init__(self, ctx: Context, opts: Parsed, output: Output, target: Target,
                 all_namespaces: bool) -> None:
        self.ctx, self.opts, self.output, self.target = ctx, opts, output, target
        self.all_namespaces = all_namespaces
        self.writer = _RememberingTabwriter()
        self.printed_header = False
        self.printed = 0

    def show(self, objects: list[dict[str, Any]], now: datetime) -> None:
        if not objects:
            return
        output, ctx = self.output, self.ctx
        if output.table:
            table = _table(self.opts, output, self.target, objects, now, self.all_namespaces)
            lines = _table_lines(table, output.format == "wide", self.opts.flag("no-headers"),
                                 header=not self.printed_header)
            self.printed_header = True
            ctx.out.write(self.writer.flush(lines))
        elif output.format == "name":
            for obj in objects:
                ctx.print(name_line(obj, self.target.type))
        elif output.format in ("yaml", "json"):
            for obj in objects:
                if output.format == "yaml":
                    ctx.out.write(("---\n" if self.printed else "") + to_yaml(obj))
                else:
                    ctx.out.write(to_json(obj))
                self.printed += 1
        elif output.columns is not None:
            text = render(output.columns, objects,
                          no_headers=self.printed_header or self.opts.flag("no-headers"))
            self.printed_header = True
            ctx.out.write(text)
        elif output.template is not None:
            for obj in objects:
                try:
                    ctx.out.write(output.template.execute(
                        obj, as_json=output.format == "jsonpath-as-json"))
                except JSONPathError as exc:
                    ctx.error(f'error: error executing jsonpath "{output.template.source}": '
                              f"Error executing template: {exc}.")
                    return


VERBS = {"get": (run, "Display one or many resources", FLAGS)}
