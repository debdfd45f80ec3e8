"""Label selectors and node selector terms, compiled once per scheduling attempt.

Two selector languages meet in scheduling: `metav1.LabelSelector` (matchLabels +
matchExpressions with In/NotIn/Exists/DoesNotExist) used by pod affinity and topology spread,
and `v1.NodeSelector` (terms ORed, requirements ANDed, plus Gt/Lt and matchFields) used by node
affinity. Both compile to small tuples of requirements so matching a node or pod is a few dict
lookups.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Requirement = tuple[str, str, frozenset[str]]
"""(key, operator, values)."""


def _requirement_matches(labels: Mapping[str, str], key: str, operator: str,
                         values: frozenset[str]) -> bool:
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt"):
        if key not in labels or len(values) != 1:
            return False
        try:
            have = int(labels[key])
            want = int(next(iter(values)))
        except ValueError:
            return False
        return have > want if operator == "Gt" else have < want
    return False


class LabelSelector:
    """A compiled `metav1.LabelSelector`; `None` selects nothing, `{}` selects everything."""

    __slots__ = ("_hash", "ident", "key", "requirements", "selects_nothing")

    def __init__(self, selector: Mapping[str, Any] | None,
                 extra: tuple[Requirement, ...] = ()) -> None:
        self.selects_nothing = selector is None
        requirements: list[Requirement] = []
        if selector is not None:
            for key, value in sorted((selector.get("matchLabels") or {}).items()):
                requirements.append((key, "In", frozenset((str(value),))))
            for expression in selector.get("matchExpressions") or ():
                requirements.append((expression.get("key", ""), expression.get("operator", ""),
                                     frozenset(str(v) for v in expression.get("values") or ())))
        requirements.extend(extra)
        self.requirements: tuple[Requirement, ...] = tuple(requirements)
        self.key = (self.selects_nothing, tuple(sorted(
            (k, op, tuple(sorted(vs))) for k, op, vs in self.requirements)))
        self.ident = repr(self.key)
        """A string naming the selector's content: cheap to hash, equal for equal selectors."""
        self._hash = hash(self.ident)

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, LabelSelector) and other.key == self.key)

    def __hash__(self) -> int:
        return self._hash

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when every requirement holds for `labels`."""
        if self.selects_nothing:
            return False
        for key, operator, values in self.requirements:
            if not _requirement_matches(labels, key, operator, values):
                return False
        return True


def with_label_keys(pod_labels: Mapping[str, str], match_keys: Any,
                    mismatch_keys: Any = None) -> tuple[Requirement, ...]:
    """Requirements added by `matchLabelKeys` / `mismatchLabelKeys` from the incoming pod."""
    extra: list[Requirement] = []
    for key in match_keys or ():
        if key in pod_labels:
            extra.append((key, "In", frozenset((pod_labels[key],))))
    for key in mismatch_keys or ():
        if key in pod_labels:
            extra.append((key, "NotIn", frozenset((pod_labels[key],))))
    return tuple(extra)


class NodeSelectorTerm:
    """One `nodeSelectorTerms` entry: label requirements and `metadata.name` field requirements."""

    __slots__ = ("empty", "expressions", "fields")

    def __init__(self, term: Mapping[str, Any]) -> None:
        self.expressions = tuple(
            (e.get("key", ""), e.get("operator", ""),
             frozenset(str(v) for v in e.get("values") or ()))
            for e in term.get("matchExpressions") or ())
        self.fields = tuple(
            (e.get("key", ""), e.get("operator", ""),
             frozenset(str(v) for v in e.get("values") or ()))
            for e in term.get("matchFields") or ())
        self.empty = not self.expressions and not self.fields

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        """An empty term matches no node, as in the API's documented semantics."""
        if self.empty:
            return False
        for key, operator, values in self.expressions:
            if not _requirement_matches(labels, key, operator, values):
                return False
        for key, operator, values in self.fields:
            if key != "metadata.name":
                return False
            if not _requirement_matches({"metadata.name": node_name}, key, operator, values):
                return False
        return True


class NodeSelector:
    """`requiredDuringSchedulingIgnoredDuringExecution`: the terms are ORed."""

    __slots__ = ("terms",)

    def __init__(self, selector: Mapping[str, Any]) -> None:
        self.terms = tuple(NodeSelectorTerm(t) for t in selector.get("nodeSelectorTerms") or ())

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        """True when any term matches."""
        return any(term.matches(labels, node_name) for term in self.terms)
