"""Reading manifests for `kubectl apply|create|delete -f`: files, directories, stdin, and their errors.

kubectl reads YAML through a YAML-to-JSON conversion built on go-yaml v2, so what a learner's
file means is what go-yaml makes of it, not what a YAML 1.2 library would: `yes`/`on`/`y` are
booleans, `0644` is the integer 420, `2024-01-01` stays a string, and integral numbers become
JSON integers. This module reproduces those rules on top of PyYAML (libyaml's parser, so syntax
errors carry libyaml's — and go-yaml's — wording), accepts block YAML, KYAML (flow style with
trailing commas and comments) and JSON (including a `List`, which kubectl expands into its items),
and turns every failure into a `ManifestError` in kubectl's words, with the line and column that
point at the problem.

Deliberate difference: real kubectl counts a YAML error's line from the start of the document
(and, for some parser errors, one line short); here lines are counted in the file, as an editor does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml is bundled with the PyYAML wheels
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MANIFEST_EXTENSIONS = (".yaml", ".yml", ".json")
STDIN_SOURCE = "STDIN"
_VALIDATE_HINT = "; if you choose to ignore these errors, turn validation off with --validate=false"


class ManifestError(Exception):
    """A manifest that cannot be read, with kubectl's wording and where the problem is.

    `str()` is the whole line kubectl prints (`error: …`); `message` is the same without the
    `error: ` prefix. `line` and `column` are 1-based positions in the file, or None.
    """

    def __init__(self, source: str, message: str, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(f"error: {message}")
        self.source = source
        self.message = message
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Manifest:
    """One object read from a source: the JSON-like dict, where it came from and where it starts."""

    object: dict[str, Any]
    source: str
    index: int
    """Position of the object among those read from `source`, from 0 (List items count singly)."""
    line: int
    """1-based line of the file on which the object's document starts."""


# --- go-yaml v2 scalar resolution -----------------------------------------------------------

_PLAIN_TAG = "tag:playground,2026:plain"
_BOOLS = {**dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE",
                           "on", "On", "ON"), True),
          **dict.fromkeys(("n", "N", "no", "No", "NO", "false", "False", "FALSE",
                           "off", "Off", "OFF"), False)}
_NULLS = {"", "~", "null", "Null", "NULL"}
_SPECIAL_FLOATS = {
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
}
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_INT = re.compile(
    r"^[-+]?(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|0[0-7]*|[1-9][0-9]*)$")
_INT64 = (-(2**63), 2**64 - 1)


def _go_int(text: str) -> int | None:
    """Go's strconv.ParseInt/ParseUint with base 0: decimal, 0x, 0b, 0o and leading-0 octal."""
    if not _GO_INT.match(text):
        return None
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    lowered = digits.lower()
    if lowered.startswith(("0x", "0b", "0o")):
        value = int(digits[2:], {"x": 16, "b": 2, "o": 8}[lowered[1]])
    elif len(digits) > 1 and digits.startswith("0"):
        value = int(digits, 8)
    else:
        value = int(digits)
    value *= sign
    return value if _INT64[0] <= value <= _INT64[1] else None


def resolve_plain_scalar(text: str) -> Any:
    """What go-yaml v2 makes of an unquoted scalar when decoding into an untyped value."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _SPECIAL_FLOATS:
        return _SPECIAL_FLOATS[text]
    if not text or text[0] not in "0123456789+-.":
        return text
    plain = text.replace("_", "") if text[0] != "." else text
    integer = _go_int(plain)
    if integer is not None:
        return integer
    if _YAML_FLOAT.match(plain):
        return _json_number(float(plain))
    return text


def _json_number(value: float) -> int | float:
    """A float as it comes back from Go's JSON round trip: integral values below 1e21 are ints."""
    if math.isfinite(value) and value == math.trunc(value) and abs(value) < 1e21:
        return int(value)
    return value


def _go_key_text(key: Any) -> str:
    """How go-yaml's `%#v` shows a duplicate key in its error message."""
    if isinstance(key, str):
        return json.dumps(key)
    if key is None:
        return "<nil>"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _json_key(key: Any) -> str:
    """sigs.k8s.io/yaml turns non-string mapping keys into their text form."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return repr(key) if not key.is_integer() else str(int(key))
    return str(key)


class _DocumentError(Exception):
    """Raised inside the loader; carries the text after `error converting YAML to JSON: `."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _GoYAMLLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """PyYAML loader with go-yaml v2 scalar rules and duplicate-key detection."""

    def resolve(self, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return "tag:yaml.org,2002:merge" if value == "<<" else _PLAIN_TAG
        return str(super().resolve(kind, value, implicit))

    def construct_plain(self, node: yaml.ScalarNode) -> Any:
        return resolve_plain_scalar(node.value)

    def construct_explicit(self, node: yaml.ScalarNode) -> Any:
        """`!!int 5`, `!!bool yes`…: the value must resolve to the tag's type, as go-yaml checks."""
        if not isinstance(node, yaml.ScalarNode):
            return self.construct_unknown(node)
        value = resolve_plain_scalar(node.value)
        short = "!!" + node.tag.rsplit(":", 1)[-1]
        wanted = {"!!int": (int,), "!!float": (int, float), "!!bool": (bool,),
                  "!!null": (type(None),)}[short]
        if not isinstance(value, wanted) or (short != "!!bool" and isinstance(value, bool)):
            raise _DocumentError(
                f"yaml: line {node.start_mark.line + 1}: cannot decode !!str `{node.value}` "
                f"as a {short}", node.start_mark)
        return value

    def construct_unknown(self, node: yaml.Node) -> Any:
        # go-yaml ignores tags it does not know: the value is decoded as if untagged.
        if isinstance(node, yaml.ScalarNode):
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return self.construct_yaml_seq_now(node)
        return self.construct_go_mapping(node)

    def construct_yaml_seq_now(self, node: yaml.SequenceNode) -> list[Any]:
        return [self.construct_object(child, deep=True) for child in node.value]

    def construct_pairs_as_seq(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.SequenceNode):
            return self.construct_yaml_seq_now(node)
        return self.construct_unknown(node)

    def construct_binary_text(self, node: yaml.ScalarNode) -> str:
        return bytes(self.construct_yaml_binary(node)).decode("utf-8", errors="replace")

    def construct_go_mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (dict, list)):
                raise _DocumentError(
                    f"Unsupported map key of type: {type(key).__name__}", key_node.start_mark)
            nan = isinstance(key, float) and math.isnan(key)
            marker = key_node if nan else (type(key), key)
            if marker in seen:
                raise _DocumentError(
                    "yaml: unmarshal errors:\n  line "
                    f"{key_node.start_mark.line + 1}: key {_go_key_text(key)} already set in map",
                    key_node.start_mark)
            seen.add(marker)
        self.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            result[_json_key(key)] = self.construct_object(value_node, deep=True)
        return result


_GoYAMLLoader.add_constructor(_PLAIN_TAG, _GoYAMLLoader.construct_plain)
for _tag in ("int", "float", "bool", "null"):
    _GoYAMLLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _GoYAMLLoader.construct_explicit)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:map", _GoYAMLLoader.construct_go_mapping)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:timestamp",
                              _GoYAMLLoader.construct_yaml_str)  # kept as text, like kubectl
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:set", _GoYAMLLoader.construct_unknown)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:omap", _GoYAMLLoader.construct_pairs_as_seq)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:pairs", _GoYAMLLoader.construct_pairs_as_seq)
_GoYAMLLoader.add_constructor("tag:yaml.org,2002:binary", _GoYAMLLoader.construct_binary_text)
_GoYAMLLoader.add_constructor(None, _GoYAMLLoader.construct_unknown)


# --- parsing ----------------------------------------------------------------------------------

def _position(mark: yaml.Mark | None) -> tuple[int | None, int | None]:
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


def _unclosed_flow(text: str) -> tuple[str, int, int] | None:
    """The innermost `{` or `[` never closed in `text` (quotes and comments skipped), 1-based."""
    openers: list[tuple[str, int, int]] = []
    quote = ""
    line, column = 1, 0
    previous = "\n"
    for char in text:
        column += 1
        if char == "\n":
            line, column = line + 1, 0
            if quote == "#":
                quote = ""
        elif quote:
            if quote != "#" and char == quote and previous != "\\":
                quote = ""
        elif char == "#" and previous in " \t\n":
            quote = "#"  # a comment runs to the end of the line
        elif char in "'\"":
            quote = char
        elif char in "{[":
            openers.append((char, line, column))
        elif char in "}]" and openers:
            openers.pop()
        previous = char
    return openers[-1] if openers else None


_ALIAS_NAME = re.compile(r"\*([^\s,\[\]{}]+)")


def _yaml_error(source: str, text: str, error: yaml.YAMLError) -> ManifestError:
    """A PyYAML error in kubectl's shape: `error parsing F: error converting YAML to JSON: yaml: line N: …`."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        if problem.startswith("found undefined alias") and mark is not None:
            alias = _ALIAS_NAME.match(text, mark.index)
            problem = f"unknown anchor '{alias.group(1) if alias else ''}' referenced"
        if problem.startswith("could not determine a constructor"):
            problem = "unsupported tag"
        if (problem == "did not find expected node content" and mark is not None
                and not text[mark.index:].strip()):
            opener = _unclosed_flow(text)
            if opener is not None:
                kind = "mapping" if opener[0] == "{" else "sequence"
                problem += (f" (the flow {kind} '{opener[0]}' opened on line {opener[1]}, "
                            f"column {opener[2]} is never closed)")
    else:  # pragma: no cover - PyYAML raises marked errors for all syntax problems
        mark, problem = None, str(error)
    line, column = _position(mark)
    where = f"line {line}, column {column}: " if line is not None else ""
    return ManifestError(
        source, f"error parsing {source}: error converting YAML to JSON: yaml: {where}{problem}",
        line, column)


def _unshare(value: Any) -> Any:
    """A copy in which no dict or list appears twice (deepcopy would keep the sharing)."""
    if isinstance(value, dict):
        return {key: _unshare(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unshare(item) for item in value]
    return value


def _yaml_documents(text: str, source: str) -> Iterator[tuple[Any, int]]:
    """Each non-empty YAML document's value and its 1-based starting line."""
    loader = _GoYAMLLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            try:
                value = loader.construct_document(node)
            except _DocumentError as error:
                line, column = _position(error.mark)
                raise ManifestError(
                    source, f"error parsing {source}: error converting YAML to JSON: "
                    f"{error.message}", line, column) from None
            if value is not None:
                # Anchors make PyYAML share one dict between places; each place gets its own.
                yield (_unshare(value) if "&" in text else value), node.start_mark.line + 1
    except ManifestError:
        raise
    except yaml.YAMLError as error:
        raise _yaml_error(source, text, error) from None
    except RecursionError:
        raise ManifestError(source, f"error parsing {source}: error converting YAML to JSON: "
                            "yaml: exceeded max depth") from None
    except (ValueError, TypeError, OverflowError) as error:
        # e.g. `!!int abc`: an explicit tag the value cannot satisfy.
        raise ManifestError(source, f"error parsing {source}: error converting YAML to JSON: "
                            f"yaml: {error}") from None
    finally:
        loader.dispose()


def _line_of_offset(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _json_documents(text: str) -> list[tuple[Any, int]] | None:
    """A stream of JSON values (`{…}{…}`), or None when the text is not JSON at all."""
    decoder = json.JSONDecoder(parse_float=lambda s: _json_number(float(s)))
    documents: list[tuple[Any, int]] = []
    offset = 0
    while True:
        while offset < len(text) and text[offset] in " \t\r\n":
            offset += 1
        if offset >= len(text):
            return documents
        try:
            value, end = decoder.raw_decode(text, offset)
        except (json.JSONDecodeError, RecursionError):
            return None
        documents.append((value, _line_of_offset(text, offset)[0]))
        offset = end


def _looks_like_json(text: str) -> bool:
    return text.lstrip(" \t\r\n\ufeff").startswith("{")


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_non_finite(item) for item in value.values())
    if isinstance(value, list):
        return any(_non_finite(item) for item in value)
    return False


def _validation_error(source: str, detail: str, line: int) -> ManifestError:
    return ManifestError(
        source, f'error validating "{source}": error validating data: {detail}{_VALIDATE_HINT}',
        line, None)


def _objects_of(value: Any, source: str, line: int) -> list[dict[str, Any]]:
    """The objects a document holds (a List's items), checked the way kubectl's validation does."""
    if not isinstance(value, dict):
        raise _validation_error(source, "invalid object to validate", line)
    missing = [f"{field} not set" for field in ("apiVersion", "kind")
               if not isinstance(value.get(field), str) or not value.get(field)]
    if missing:
        detail = missing[0] if len(missing) == 1 else f"[{', '.join(missing)}]"
        raise _validation_error(source, detail, line)
    if not value["kind"].endswith("List") or "items" not in value:
        return [value]
    items = value.get("items")
    if not isinstance(items, list):
        raise _validation_error(source, "invalid object to validate", line)
    objects: list[dict[str, Any]] = []
    for item in items:
        objects.extend(_objects_of(item, source, line))
    return objects


def load_manifests(text: str, source: str) -> list[Manifest]:
    """Every object in `text` (YAML, KYAML or JSON, one or many documents), in order.

    Empty documents are skipped; a `List` is expanded into its items. Raises ManifestError.
    """
    documents: list[tuple[Any, int]] | None = None
    if _looks_like_json(text):
        documents = _json_documents(text)
    if documents is None:
        documents = list(_yaml_documents(text, source))
    manifests: list[Manifest] = []
    for value, line in documents:
        if value is None:
            continue
        if _non_finite(value):
            raise ManifestError(source, f"error parsing {source}: error converting YAML to JSON: "
                                "json: unsupported value: NaN or ±Inf", line, None)
        for obj in _objects_of(value, source, line):
            manifests.append(Manifest(obj, source, len(manifests), line))
    return manifests


# --- files, directories, stdin ------------------------------------------------------------------

def _files_in(directory: Path, recursive: bool) -> list[Path]:
    found: list[Path] = []
    for entry in sorted(directory.iterdir(), key=lambda p: p.name):
        if entry.is_dir():
            if recursive:
                found.extend(_files_in(entry, recursive))
        elif entry.name.endswith(MANIFEST_EXTENSIONS):
            found.append(entry)
    return found


def _read_file(path: Path, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(source, f"error parsing {source}: error converting YAML to JSON: "
                            "yaml: invalid leading UTF-8 octet") from None
    except OSError as error:
        raise ManifestError(source, f"open {source}: {error.strerror or error}") from None


def read_sources(paths: list[str], recursive: bool, stdin_text: str | None, *,
                 verb: str = "apply") -> list[Manifest]:
    """The objects named by `-f` arguments: files, directories (`-R` recurses) and `-` for stdin.

    Files given by name are read whatever their extension; in directories only .yaml, .yml
    and .json files are, in name order. `verb` names the command in `no objects passed to
    <verb>`. Raises ManifestError in kubectl's words.
    """
    manifests: list[Manifest] = []
    for name in paths:
        if name == "-":
            manifests.extend(load_manifests(stdin_text or "", STDIN_SOURCE))
            continue
        path = Path(name)
        if not path.exists():
            raise ManifestError(name, f'the path "{name}" does not exist')
        if path.is_dir():
            for file in _files_in(path, recursive):
                source = str(file)
                manifests.extend(load_manifests(_read_file(file, source), source))
        else:
            manifests.extend(load_manifests(_read_file(path, name), name))
    if not manifests:
        raise ManifestError(paths[0] if paths else "", f"no objects passed to {verb}")
    return manifests
