"""Label and field selectors, as `k8s.io/apimachinery/pkg/labels` and `.../fields` define them.

Label selectors come in two spellings that mean the same thing: the string form people type
(`app=web,tier!=db,env in (prod,staging),!legacy`) and the `LabelSelector` object in manifests
(`matchLabels` + `matchExpressions`). Both parse to a `Selector`: a tuple of requirements that
all must hold. Field selectors support the fields the API server indexes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from playground.engine.errors import EngineError


class SelectorError(EngineError):
    """A selector that does not parse."""


@dataclass(frozen=True)
class Requirement:
    """One `key op values` clause."""

    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this clause."""
        op = self.operator
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        present = self.key in labels
        if op in ("=", "in"):
            return present and labels[self.key] in self.values
        if op in ("!=", "notin"):
            return not present or labels[self.key] not in self.values
        if op in ("gt", "lt"):
            if not present:
                return False
            try:
                value, bound = int(labels[self.key]), int(self.values[0])
            except ValueError:
                return False
            return value > bound if op == "gt" else value < bound
        return False

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return f"!{self.key}"
        if self.operator in ("=", "!="):
            return f"{self.key}{self.operator}{self.values[0]}"
        return f"{self.key} {self.operator} ({','.join(sorted(self.values))})"


@dataclass(frozen=True)
class Selector:
    """A conjunction of requirements; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False
    """A nil LabelSelector in some APIs selects nothing."""

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether the labels satisfy every requirement."""
        if self.nothing:
            return False
        labels = labels or {}
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        """True when the selector places no constraint."""
        return not self.requirements and not self.nothing

    def equality_pairs(self) -> dict[str, str]:
        """The `key=value` clauses, usable for an index lookup."""
        return {r.key: r.values[0] for r in self.requirements if r.operator == "="}

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


EVERYTHING = Selector()
NOTHING = Selector(nothing=True)

_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|[^\s!=(),]+)")


def parse_label_selector(text: str) -> Selector:
    """Parse the string form (`-l` / `--selector`)."""
    tokens = [t for t in _TOKEN.findall(text.strip())] if text.strip() else []
    requirements: list[Requirement] = []
    i = 0

    def expect(value: str) -> None:
        nonlocal i
        if i >= len(tokens) or tokens[i] != value:
            found = tokens[i] if i < len(tokens) else "end of string"
            raise SelectorError(f"unable to parse requirement: expected {value!r}, found "
                                f"{found!r} in selector {text!r}")
        i += 1

    while i < len(tokens):
        token = tokens[i]
        if token == "!":
            i += 1
            if i >= len(tokens):
                raise SelectorError(f"unable to parse requirement: key missing after '!' in "
                                    f"selector {text!r}")
            requirements.append(Requirement(_label_key(tokens[i], text), "!"))
            i += 1
        else:
            key = _label_key(token, text)
            i += 1
            op = tokens[i] if i < len(tokens) else ","
            if op in ("=", "=="):
                i += 1
                value = tokens[i] if i < len(tokens) and tokens[i] != "," else ""
                if value:
                    i += 1
                requirements.append(Requirement(key, "=", (_label_value(value, text),)))
            elif op == "!=":
                i += 1
                value = tokens[i] if i < len(tokens) and tokens[i] != "," else ""
                if value:
                    i += 1
                requirements.append(Requirement(key, "!=", (_label_value(value, text),)))
            elif op.lower() in ("in", "notin"):
                i += 1
                expect("(")
                values: list[str] = []
                while i < len(tokens) and tokens[i] != ")":
                    if tokens[i] != ",":
                        values.append(_label_value(tokens[i], text))
                    i += 1
                expect(")")
                requirements.append(Requirement(key, op.lower(), tuple(values)))
            elif op == ",":
                requirements.append(Requirement(key, "exists"))
            else:
                raise SelectorError(f"unable to parse requirement: found '{op}', expected: "
                                    f"'=', '!=', '==', 'in', notin' in selector {text!r}")
        if i < len(tokens):
            expect(",")
    return Selector(tuple(requirements))


_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                  r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _label_key(key: str, text: str) -> str:
    if not _KEY.match(key):
        raise SelectorError(f"unable to parse requirement: invalid label key {key!r} in "
                            f"selector {text!r}")
    return key


def _label_value(value: str, text: str) -> str:
    if not _VALUE.match(value) or len(value) > 63:
        raise SelectorError(f"unable to parse requirement: invalid label value {value!r} in "
                            f"selector {text!r}")
    return value


def from_label_selector(spec: Mapping[str, Any] | None) -> Selector:
    """Build a selector from a `LabelSelector` object; None selects nothing, `{}` everything."""
    if spec is None:
        return NOTHING
    requirements: list[Requirement] = []
    for key, value in sorted((spec.get("matchLabels") or {}).items()):
        requirements.append(Requirement(key, "=", (str(value),)))
    for expr in spec.get("matchExpressions") or []:
        operator = str(expr.get("operator", ""))
        values = tuple(str(v) for v in expr.get("values") or [])
        op = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!",
              "Gt": "gt", "Lt": "lt"}.get(operator)
        if op is None:
            raise SelectorError(f'"{operator}" is not a valid label selector operator')
        requirements.append(Requirement(str(expr.get("key", "")), op, values))
    return Selector(tuple(requirements))


def selector_string(spec: Mapping[str, Any] | None) -> str:
    """A LabelSelector printed as kubectl does (`app=web,tier in (a,b)`)."""
    if not spec:
        return ""
    return str(from_label_selector(spec))


# -- field selectors ----------------------------------------------------------------------

_FIELDS_ANY = ("metadata.name", "metadata.namespace")
_FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "Pod": ("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP",
            "status.nominatedNodeName"),
    "Event": ("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
              "involvedObject.uid", "involvedObject.apiVersion",
              "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
              "reportingComponent", "source", "type"),
    "Node": ("spec.unschedulable",),
    "Namespace": ("status.phase",),
    "Secret": ("type",),
    "ReplicaSet": ("status.replicas",),
    "Job": ("status.successful",),
}


@dataclass(frozen=True)
class FieldRequirement:
    """`field=value` or `field!=value`."""

    field: str
    value: str
    negated: bool


def parse_field_selector(text: str, kind: str) -> tuple[FieldRequirement, ...]:
    """Parse `--field-selector`; unsupported fields fail as the API server says."""
    requirements: list[FieldRequirement] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.match(r"^([^!=]+)(!=|==|=)(.*)$", part)
        if not match:
            raise SelectorError(f'invalid selector: \'{text}\'; can\'t understand \'{part}\'')
        name, op, value = match.group(1).strip(), match.group(2), match.group(3).strip()
        if name not in _FIELDS_ANY and name not in _FIELDS_BY_KIND.get(kind, ()):
            raise SelectorError(f'field label not supported: {name}')
        requirements.append(FieldRequirement(name, value, op == "!="))
    return tuple(requirements)


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string value of a dotted field in an object ('' when absent)."""
    node: Any = obj
    for step in path.split("."):
        if not isinstance(node, Mapping):
            return ""
        node = node.get(step)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, Mapping) and path == "source":
        return str(node.get("component", ""))
    return str(node)


def fields_match(obj: Mapping[str, Any], requirements: tuple[FieldRequirement, ...]) -> bool:
    """Whether an object satisfies every field requirement."""
    for req in requirements:
        equal = field_value(obj, req.field) == req.value
        if equal == req.negated:
            return False
    return True
