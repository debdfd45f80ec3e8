"""`kubectl explain`: field documentation from the pinned OpenAPI schemas.

Renders kubectl 1.37's plaintext template: a GROUP/KIND/VERSION header, `FIELD: name <type>`
for a field path, the description word-wrapped at 76 columns (field description first, then
its type's), and the field list (`name\\t<type> -required-` with its description, or nested
names only with `--recursive`). Types read as kubectl guesses them: `<string>`, `<Object>`,
`<[]Container>`, `<map[string]string>`, `<Quantity>`.
"""

from __future__ import annotations

from typing import Any

from playground.engine.api import schemas
from playground.kubectl.context import Context
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.targets import resolve_type

FLAGS = (
    Flag("recursive", takes_value=False),
    Flag("api-version"),
    Flag("output", "o"),
)

Schema = dict[str, Any]

REQUIRED_MESSAGE = (
    'You must specify the type of resource to explain. Use "kubectl api-resources" for a '
    "complete list of supported resources.\n\nerror: Required resource not specified.\n"
    "See 'kubectl explain -h' for help and examples")


def word_wrap(text: str, limit: int) -> str:
    """mitchellh/go-wordwrap's WrapString: break at spaces before `limit` columns; words
    longer than the limit stay whole; existing line breaks are kept."""
    out: list[str] = []
    current = 0
    word: list[str] = []
    space: list[str] = []
    for ch in text:
        if ch == "\n":
            if not word:
                if current + len(space) <= limit:
                    out.extend(space)
            else:
                out.extend(space)
                out.extend(word)
            space, word = [], []
            out.append("\n")
            current = 0
        elif ch.isspace() and ch != "\u00a0":
            if not space or word:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space, word = [], []
            space.append(ch)
        else:
            word.append(ch)
            if current + len(space) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                space = []
    if not word:
        if current + len(space) <= limit:
            out.extend(space)
    else:
        out.extend(space)
        out.extend(word)
    return "".join(out)


def _indent(amount: int, text: str) -> str:
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def _ref_name(node: Schema) -> str | None:
    ref = node.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def _target(node: Schema) -> Schema:
    """The referenced definition of a node (the node itself when it has no `$ref`)."""
    name = _ref_name(node)
    return dict(schemas.definitions()[name]) if name else node


def _types(node: Schema) -> list[str]:
    declared = node.get("type")
    if declared is None:
        return []
    listed = [declared] if isinstance(declared, str) else list(declared)
    return [t for t in listed if t != "null"]


def type_guess(node: Schema) -> str:
    """kubectl's type hint for a schema node."""
    if node.get("items") is not None:
        return "[]" + type_guess(node["items"])
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        return "map[string]" + type_guess(extra)
    name = _ref_name(node)
    if name:
        target = schemas.definitions().get(name, {})
        kinds = _types(target)
        if not kinds or kinds == ["object"]:
            return name.split(".")[-1] or "Object"
        return kinds[0]
    kinds = _types(node)
    if not kinds or kinds[0] == "object":
        return "Object"
    return kinds[0]


def _descriptions(node: Schema) -> str:
    """The node's description and then its referenced type's, each ending in a newline."""
    text = ""
    if node.get("description"):
        text += str(node["description"]) + "\n"
    name = _ref_name(node)
    if name:
        target = schemas.definitions().get(name, {})
        if target.get("description"):
            text += str(target["description"]) + "\n"
        node = target
    if node.get("items") is not None:
        text += _descriptions(node["items"])
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        text += _descriptions(extra)
    return text


def _field_list(node: Schema, level: int, recursive: bool, history: frozenset[str]) -> str:
    name = _ref_name(node)
    if name and name in history:
        return ""
    history = history | {name} if name else history
    resolved = _target(node)
    out = ""
    props = resolved.get("properties") or {}
    required = resolved.get("required") or []
    for key in sorted(props):
        field = props[key]
        indent = level * 2
        out += _indent(indent, key) + f"\t<{type_guess(field)}>"
        if key in required:
            out += " -required-"
        out += "\n"
        if not recursive:
            description = str(field.get("description") or "<no description>")
            out += _indent(indent + 2, word_wrap(description, 78 - indent)) + "\n\n"
        else:
            out += _field_list(field, level + 1, recursive, history)
    if resolved.get("items") is not None:
        out += _field_list(resolved["items"], level, recursive, history)
    extra = resolved.get("additionalProperties")
    if isinstance(extra, dict):
        out += _field_list(extra, level, recursive, history)
    return out


def explain_text(api_version: str, kind: str, path: list[str], recursive: bool) -> str:
    """The whole `kubectl explain` output, or raises UsageError for an unknown field."""
    root = schemas.object_schema(api_version, kind)
    if root is None:
        raise UsageError(f"error: GVK {api_version}, Kind={kind} not found in OpenAPI schema")
    group, _, version = api_version.rpartition("/")
    head = (f"GROUP:      {group}\n" if group else "") + \
        f"KIND:       {kind}\nVERSION:    {version}\n\n"
    node: Schema = root
    field_line = ""
    for i, step in enumerate(path):
        resolved = _target(node)
        while resolved.get("properties") is None and (
                resolved.get("items") is not None
                or isinstance(resolved.get("additionalProperties"), dict)):
            inner = resolved.get("items")
            node = inner if inner is not None else resolved["additionalProperties"]
            resolved = _target(node)
        props = resolved.get("properties") or {}
        if step not in props:
            raise UsageError(f'error: field "{path[-1]}" does not exist')
        node = props[step]
        if i == len(path) - 1:
            field_line = f"FIELD: {step} <{type_guess(node)}>\n\n\n"
    description = _descriptions(node) or "<empty>"
    text = head + field_line + "DESCRIPTION:\n" + _indent(4, word_wrap(description, 76)) + "\n"
    fields = _field_list(node, 1, recursive, frozenset())
    if fields:
        text += "FIELDS:\n" + fields
    return text + "\n"


def run(ctx: Context, argv: list[str]) -> None:
    """Print the documentation of a resource or one of its fields."""
    opts = parse(argv, FLAGS, "explain")
    if not opts.args:
        raise UsageError(REQUIRED_MESSAGE)
    if len(opts.args) > 1:
        raise UsageError("error: We accept only this format: explain RESOURCE\n"
                         "See 'kubectl explain -h' for help and examples")
    output = opts.text("output", "plaintext")
    if output not in ("plaintext", "plaintext-openapiv2"):
        raise UsageError(f"error: unsupported output format: {output}")
    resource, *path = opts.args[0].split(".")
    rt = resolve_type(resource)
    api_version = f"{rt.group}/{rt.version}" if rt.group else rt.version
    if opts.text("api-version"):
        api_version = opts.text("api-version")
    ctx.out.write(explain_text(api_version, rt.kind, path, opts.flag("recursive")))


VERBS = {"explain": (run, "Get documentation for a resource", FLAGS)}
