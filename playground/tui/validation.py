"""Validate-as-you-type for the YAML editor: parse like kubectl, ask the API server (dry run).

`check(cluster, text)` reads the text with `playground.kubectl.manifests.load_manifests` (so a
syntax error carries kubectl's words and its line) and sends each object through
`cluster.api.apply(obj, dry_run=True)`: the API server's own decoding, defaulting and
validation, without changing anything. A field error is placed on the line of the field it
names, found by walking the YAML node tree of the object's document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from playground.engine.apiserver import NoKindMatch
from playground.engine.cluster import Cluster
from playground.engine.errors import APIError, EngineError
from playground.engine.store import deep_copy
from playground.kubectl.errors import api_error_text
from playground.kubectl.manifests import ManifestError, load_manifests
from playground.kubectl.printers import name_line

SOURCE = "editor"
_INDEX = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class Problem:
    """One problem with the text: its 1-based line (None when unknown) and kubectl's words."""

    line: int | None
    message: str


@dataclass(frozen=True)
class CheckResult:
    """Problems found, and what applying would do to each valid object."""

    problems: tuple[Problem, ...]
    outcomes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """No problems."""
        return not self.problems


def field_line(text: str, document_line: int, path: str) -> int | None:
    """The 1-based line of `path` (`spec.containers[0].image`) in the document starting at
    `document_line`, or None when the path is not written out."""
    lines = text.splitlines()
    start = max(0, document_line - 1)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("---")),
               len(lines))
    chunk = "\n".join(lines[start:end])
    try:
        node: Any = yaml.compose(chunk, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    best = node.start_mark.line if node is not None else None
    for name, index in _INDEX.findall(path):
        if node is None:
            break
        if name and isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == name),
                         None)
            if found is None:
                break
            best = found[0].start_mark.line
            node = found[1]
        elif index and isinstance(node, yaml.SequenceNode):
            position = int(index)
            if position >= len(node.value):
                break
            node = node.value[position]
            best = node.start_mark.line
        else:
            break
    return None if best is None else start + best + 1


def check(cluster: Cluster, text: str, namespace: str = "default") -> CheckResult:
    """Parse and dry-run every object of the editor's text."""
    if not text.strip():
        return CheckResult((), ())
    try:
        manifests = load_manifests(text, SOURCE)
    except ManifestError as exc:
        return CheckResult((Problem(exc.line, str(exc)),), ())
    problems: list[Problem] = []
    outcomes: list[str] = []
    for manifest in manifests:
        obj = manifest.object
        name = str((obj.get("metadata") or {}).get("name", ""))
        try:
            outcome = cluster.api.apply(deep_copy(obj), namespace=namespace, dry_run=True)
            outcomes.append(f"{name_line(outcome.obj)} {outcome.result} (server dry run)")
        except NoKindMatch as exc:
            problems.append(Problem(manifest.line, f'error: resource mapping not found for '
                                                   f'name: "{name}": {exc}'))
        except APIError as exc:
            line = manifest.line
            if exc.causes:
                found = field_line(text, manifest.line, exc.causes[0].field)
                line = found or line
            exists = exc.reason != "AlreadyExists"
            problems.append(Problem(line, api_error_text(
                exc, source=SOURCE, action="patching" if exists else "creating")))
        except EngineError as exc:
            problems.append(Problem(manifest.line, f"error: {exc}"))
    return CheckResult(tuple(problems), tuple(outcomes))
