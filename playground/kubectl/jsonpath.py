"""kubectl's JSONPath templates (`-o jsonpath=...`, custom columns, `--sort-by`).

kubectl does not use standard JSONPath: client-go has its own template dialect in which
JSONPath expressions sit inside `{}` among literal text, `{range <expr>}…{end}` loops,
`{"\\n"}` quoted text, `{..name}` recursive descent, `[?(@.type=="Ready")]` filters, slices
with Go's bounds errors, and results of one expression printed space-separated (maps and
lists as compact JSON). General-purpose JSONPath libraries (jsonpath-ng and friends) differ
from it in exactly the places learners notice: escaped dots in keys
(`{.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}`), what `..`
yields, how a missing key or an index out of range is reported, and the template layer itself.
So this module owns a small parser and evaluator of that dialect, written from its documented
behaviour.

`parse(text)` gives a `Template`; `Template.execute(data)` gives the printed text;
`relaxed(expr)` turns the short spellings custom columns and `--sort-by` accept (`.a.b`,
`a.b`, `{a.b}`) into a template; `find(template, data)` gives the raw values of a one-expression
template; `go_text(value)` and `go_value(value)` print values as Go's fmt does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


class JSONPathError(Exception):
    """A template that cannot be parsed or evaluated; the text is client-go's reason."""


# -- values as Go prints them ------------------------------------------------------------

def _go_float(number: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64): shortest digits, exponent when < 1e-4 or >= 1e21."""
    if math.isnan(number):
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "+Inf" if number > 0 else "-Inf"
    if number == int(number) and abs(number) < 1e21:
        return str(int(number))
    text = repr(number)
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        sign = "-" if exponent.startswith("-") else "+"
        return f"{mantissa}e{sign}{exponent.lstrip('+-').rjust(2, '0')}"
    return text


def go_text(value: Any) -> str:
    """A scalar as `fmt.Fprint` prints it; maps and lists as Go's json.Marshal does."""
    if isinstance(value, (dict, list)):
        return marshal(value)
    return go_value(value)


def go_value(value: Any) -> str:
    """Any value as `fmt.Sprintf("%v")` prints it: `map[a:1 b:2]`, `[x y]`, `<nil>`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    return str(value)


def _html_escape(text: str) -> str:
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def marshal(value: Any, indent: int | None = None) -> str:
    """Go's json.Marshal (compact) or MarshalIndent (`indent` spaces): sorted keys, HTML-safe."""
    if indent is None:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        text = json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False)
    return _html_escape(text)


def go_type(value: Any) -> str:
    """The Go type an unstructured value has, as client-go names it in errors."""
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "string"


# -- syntax tree -------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """`.name` (or `['name']`): a map key."""

    name: str


@dataclass(frozen=True)
class Wildcard:
    """`[*]` or `.*`: every element or value."""


@dataclass(frozen=True)
class Recursive:
    """`..`: the value and every container below it."""


@dataclass(frozen=True)
class Slice:
    """`[i]`, `[i:j]`, `[i:j:k]`; `None` where a bound was not given."""

    start: int | None
    end: int | None
    step: int | None
    derived_end: bool = False


@dataclass(frozen=True)
class Filter:
    """`[?(@.a == "x")]`; no operator means the left side must exist."""

    left: Path
    operator: str
    right: Path | None


@dataclass(frozen=True)
class Union:
    """`[a,b]`: the results of each branch, one branch after the other."""

    branches: tuple[Path, ...]


@dataclass(frozen=True)
class Literal:
    """A quoted string, number or boolean: yields itself once per input value."""

    value: Any


@dataclass(frozen=True)
class Identifier:
    """A bare word other than `range`/`end`; evaluating it is an error, as in client-go."""

    name: str


Step = Field | Wildcard | Recursive | Slice | Filter | Union | Literal | Identifier


@dataclass(frozen=True)
class Path:
    """A chain of steps applied left to right."""

    steps: tuple[Step, ...]


@dataclass
class Text:
    """Literal template text between actions."""

    text: str


@dataclass
class Range:
    """`{range expr}` … `{end}`: the body once per result of `expr`."""

    path: Path
    body: list[Node] = field(default_factory=list)


@dataclass
class End:
    """An `{end}` with no open range: an error when reached, as in client-go."""


Node = Text | Path | Range | End

_OPERATOR = re.compile(r"^(.*?)\s*(==|!=|>=|<=|=~|>|<)\s*(.*)$", re.DOTALL)
_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
_TERMINATORS = set(" \t\n.,[]$@{}()=!<>")


# -- parsing -----------------------------------------------------------------------------

def _actions(text: str) -> Iterator[tuple[bool, str]]:
    """(is_action, content) pieces: literal text, and the insides of `{…}`."""
    i = 0
    while i < len(text):
        start = text.find("{", i)
        if start < 0:
            yield False, text[i:]
            return
        if start > i:
            yield False, text[i:start]
        j, quote = start + 1, ""
        while j < len(text):
            ch = text[j]
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = ""
            elif ch in "\"'":
                quote = ch
            elif ch == "\\":
                j += 1
            elif ch == "}":
                break
            j += 1
        if j >= len(text):
            raise JSONPathError("unclosed action")
        yield True, text[start + 1:j]
        i = j + 1


def parse(text: str) -> list[Node]:
    """A template's nodes, with `range` bodies nested."""
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    for is_action, content in _actions(text):
        if not is_action:
            stack[-1].append(Text(content))
            continue
        inside = content.strip()
        if inside == "end":
            if len(stack) > 1:
                stack.pop()
            else:
                stack[-1].append(End())
            continue
        if inside.startswith("range ") or inside == "range":
            loop = Range(parse_path(inside[len("range"):].strip() or "@"))
            stack[-1].append(loop)
            stack.append(loop.body)
            continue
        stack[-1].append(parse_path(inside))
    return root


def _unquote(text: str) -> str:
    if text.startswith('"'):
        try:
            value = json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            raise JSONPathError(f"invalid quoted string {text}") from exc
        return str(value)
    return text[1:-1]


def _closing(text: str, i: int) -> int:
    """Index of the `]` that closes the `[` at i, skipping quotes and parentheses."""
    depth, quote = 0, ""
    j = i + 1
    while j < len(text):
        ch = text[j]
        if quote:
            if ch == "\\":
                j += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "]" and depth <= 0:
            return j
        j += 1
    raise JSONPathError("unclosed array expect ]")


def parse_path(text: str) -> Path:
    """One expression inside `{}`: a path, a quoted string, a number or a boolean."""
    text = text.strip()
    if not text:
        return Path(())
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return Path((Literal(_unquote(text)),))
    if _NUMBER.match(text):
        return Path((Literal(float(text) if "." in text or "e" in text.lower()
                             else int(text)),))
    if text in ("true", "false"):
        return Path((Literal(text == "true"),))
    steps: list[Step] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "$@":
            i += 1
        elif text.startswith("..", i):
            steps.append(Recursive())
            i += 2
            if i < len(text) and text[i] not in ".[":
                name, i = _name(text, i)
                steps.append(Field(name))
        elif ch == ".":
            i += 1
            if i < len(text) and text[i] == "*":
                steps.append(Wildcard())
                i += 1
            elif i < len(text) and text[i] not in _TERMINATORS:
                name, i = _name(text, i)
                steps.append(Field(name))
        elif ch == "[":
            end = _closing(text, i)
            steps.append(_bracket(text[i + 1:end].strip()))
            i = end + 1
        elif ch in " \t\n":
            raise JSONPathError(f"unrecognized character in action: {text[i:].strip()!r}")
        elif ch.isalnum() or ch in "_-":
            name, i = _name(text, i)
            steps.append(Identifier(name))
        else:
            raise JSONPathError(f"unrecognized character in action: U+{ord(ch):04X} {ch!r}")
    return Path(tuple(steps))


def _name(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    while i < len(text) and text[i] not in _TERMINATORS:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i


def _bracket(inside: str) -> Step:
    if inside == "*":
        return Wildcard()
    if inside.startswith("?"):
        body = inside[1:].strip()
        if not (body.startswith("(") and body.endswith(")")):
            raise JSONPathError("unclosed filter expect )")
        return _filter(body[1:-1].strip())
    if len(inside) >= 2 and inside[0] == inside[-1] and inside[0] in "'\"" and \
            inside.count(inside[0]) == 2:
        return Field(_unquote(inside))
    parts = _split_union(inside)
    if len(parts) > 1:
        return Union(tuple(_union_branch(p.strip()) for p in parts))
    match = _SLICE.match(inside.replace(" ", ""))
    if not match or not inside:
        raise JSONPathError(f"invalid array index {inside}")
    start_text, end_text, step_text = match.groups()
    start = int(start_text) if start_text not in ("", "-") else None
    if end_text is None:
        if start is None:
            raise JSONPathError(f"invalid array index {inside}")
        return Slice(start, start + 1, None, derived_end=True)
    end = int(end_text[1:]) if end_text[1:] not in ("", "-") else None
    step = int(step_text[1:]) if step_text and step_text[1:] not in ("", "-") else None
    return Slice(start, end, step)


def _split_union(inside: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    for ch in inside:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _union_branch(part: str) -> Path:
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
        return Path((Field(_unquote(part)),))
    if re.fullmatch(r"-?\d+", part):
        return Path((Slice(int(part), int(part) + 1, None, derived_end=True),))
    return parse_path(part if part.startswith((".", "[", "@", "$")) else "." + part)


def _filter(body: str) -> Filter:
    match = _OPERATOR.match(body)
    if match is None:
        return Filter(parse_path(body), "exists", None)
    left, operator, right = match.groups()
    return Filter(parse_path(left), operator, parse_path(right))


# -- evaluation --------------------------------------------------------------------------

_MISSING = object()


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def evaluate(path: Path, values: list[Any], allow_missing: bool = True) -> list[Any]:
    """Apply a path to every input value; the results in order."""
    current: list[Any] = values
    for step in path.steps:
        current = _step(step, current, allow_missing)
    return current


def _step(step: Step, values: list[Any], allow_missing: bool) -> list[Any]:
    out: list[Any] = []
    if isinstance(step, Field):
        for value in values:
            if isinstance(value, dict) and step.name in value:
                out.append(value[step.name])
        if not out and values and not allow_missing:
            raise JSONPathError(f"{step.name} is not found")
        return out
    if isinstance(step, Wildcard):
        for value in values:
            out.extend(_children(value))
        return out
    if isinstance(step, Recursive):
        def walk(value: Any) -> None:
            kids = _children(value)
            if kids:
                out.append(value)
                for kid in kids:
                    walk(kid)
        for value in values:
            walk(value)
        return out
    if isinstance(step, Slice):
        for value in values:
            if value is None:
                continue
            if not isinstance(value, list):
                raise JSONPathError(f"{go_type(value)} is not array or slice")
            out.extend(_slice(step, value))
        return out
    if isinstance(step, Filter):
        for value in values:
            if not isinstance(value, list):
                raise JSONPathError(f"{go_value(value)} is not array or slice and cannot be "
                                    "filtered")
            out.extend(item for item in value if _passes(step, item, allow_missing))
        return out
    if isinstance(step, Union):
        for branch in step.branches:
            out.extend(evaluate(branch, values, allow_missing))
        return out
    if isinstance(step, Literal):
        return [step.value for _ in values]
    raise JSONPathError(f"unrecognized identifier {step.name}")


def _slice(step: Slice, value: list[Any]) -> list[Any]:
    length = len(value)
    start = 0 if step.start is None else step.start
    if start < 0:
        start += length
    end = length if step.end is None else step.end
    if end < 0 or (end == 0 and step.derived_end):
        end += length
    if end == start:
        return []
    if start >= length or start < 0:
        raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
    if end > length or end < 0:
        raise JSONPathError(f"array index out of bounds: index {end - 1}, length {length}")
    if start > end:
        raise JSONPathError(f"starting index {start} is greater than ending index {end}")
    if step.step is not None and step.step <= 0:
        raise JSONPathError("step must be > 0")
    return value[start:end:step.step or 1]


def _passes(step: Filter, item: Any, allow_missing: bool) -> bool:
    lefts = evaluate(step.left, [item], allow_missing=True)
    if step.operator == "exists":
        return bool(lefts)
    if not lefts:
        return False
    assert step.right is not None
    rights = evaluate(step.right, [item], allow_missing)
    if not rights:
        return False
    if len(lefts) > 1 or len(rights) > 1:
        raise JSONPathError("can only compare one element at a time")
    return _compare(lefts[0], step.operator, rights[0])


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "other"


def _compare(left: Any, operator: str, right: Any) -> bool:
    if operator == "=~":
        if not isinstance(left, str) or not isinstance(right, str):
            raise JSONPathError("regexp search only support string now")
        try:
            return re.search(right, left) is not None
        except re.error as exc:
            raise JSONPathError(f"error parsing regexp: {exc}") from exc
    if _kind(left) != _kind(right) or _kind(left) == "other":
        if operator in ("==", "!=") and (left is None or right is None):
            return (left == right) == (operator == "==")
        raise JSONPathError("incompatible types for comparison")
    if operator == "==":
        return bool(left == right)
    if operator == "!=":
        return bool(left != right)
    if _kind(left) == "bool":
        raise JSONPathError("invalid type for comparison")
    return {"<": left < right, ">": left > right, "<=": left <= right,
            ">=": left >= right}[operator]


@dataclass
class Template:
    """A parsed `-o jsonpath` template."""

    source: str
    nodes: list[Node]

    def results(self, data: Any, allow_missing: bool = True) -> list[list[Any]]:
        """One list of values per printed action, ranges unrolled."""
        out: list[list[Any]] = []
        self._run(self.nodes, data, allow_missing, out)
        return out

    def _run(self, nodes: list[Node], data: Any, allow_missing: bool,
             out: list[list[Any]]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append([node.text])
            elif isinstance(node, Path):
                out.append(evaluate(node, [data], allow_missing))
            elif isinstance(node, Range):
                for item in evaluate(node.path, [data], allow_missing):
                    self._run(node.body, item, allow_missing, out)
            else:
                raise JSONPathError("not in range, nothing to end")

    def execute(self, data: Any, *, allow_missing: bool = True, as_json: bool = False) -> str:
        """The text kubectl prints for `data` (`-o jsonpath`, or `-o jsonpath-as-json`)."""
        pieces: list[str] = []
        for values in self.results(data, allow_missing):
            if as_json:
                pieces.append(marshal(values, indent=4) + "\n")
            else:
                pieces.append(" ".join(go_text(v) for v in values))
        return "".join(pieces)


def compile_template(text: str) -> Template:
    """Parse a template; JSONPathError says why it cannot be."""
    return Template(text, parse(text))


_RELAXED = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")


def relaxed(expression: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` and `{.a.b}` → `{.a.b}`."""
    if not expression:
        return expression
    match = _RELAXED.match(expression)
    if match is None:
        raise JSONPathError("unexpected path string, expected a 'name1.name2' or "
                            "'.name1.name2' or '{name1.name2}' or '{.name1.name2}'")
    spec = match.group(1) or match.group(2)
    return "{." + spec + "}"


def find(template: Template, data: Any) -> list[Any]:
    """Every value a template's expressions yield for `data` (text nodes included)."""
    return [value for values in template.results(data) for value in values]
