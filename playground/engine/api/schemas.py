"""The OpenAPI schemas of the pinned Kubernetes version, read from published data.

The `kubernetes-validate` package ships the JSON schemas that Kubernetes publishes, one set per
release. We read the 1.37 *strict* set (unknown fields forbidden) once, lazily, and expose it as
plain dicts: validation walks it to find unknown fields and wrong types, strategic merge reads
its `x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` extensions, and `kubectl
explain` prints its descriptions. Nothing here is hand-written schema.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_VERSION = "v1.37.0"
_SCHEMA_DIR = f"kubernetes-json-schema/{SCHEMA_VERSION}-local-strict"

Schema = dict[str, Any]


@cache
def definitions() -> dict[str, Schema]:
    """Every named definition (`io.k8s.api.apps.v1.DeploymentSpec` → schema)."""
    root = resources.files("kubernetes_validate").joinpath(_SCHEMA_DIR, "_definitions.json")
    data = json.loads(root.read_text(encoding="utf-8"))
    return data["$defs"]


def _file_stem(api_version: str, kind: str) -> str:
    # kubernetes-validate names files `<kind>-<group first label>-<version>.json`
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group_version}"


@cache
def object_schema(api_version: str, kind: str) -> Schema | None:
    """The top-level schema of one kind, or None when the version has no such kind."""
    path = resources.files("kubernetes_validate").joinpath(
        _SCHEMA_DIR, f"{_file_stem(api_version, kind)}.json")
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return None
    schema = json.loads(text)
    enum = schema.get("properties", {}).get("kind", {}).get("enum")
    if enum and kind not in enum:
        return None
    return schema


def resolve(node: Schema) -> Schema:
    """Follow `$ref` links (both `#/$defs/X` and `/api/_definitions.json#/$defs/X`)."""
    seen = 0
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        merged = dict(definitions()[name])
        # sibling keys (description, patch extensions) travel with the reference
        for key, value in node.items():
            if key != "$ref" and key not in merged:
                merged[key] = value
        node = merged
        seen += 1
        if seen > 50:
            raise RecursionError(f"schema reference loop at {name}")
    return node


def types_of(node: Schema) -> set[str]:
    """JSON types a node accepts (`null` removed; empty means any)."""
    node = resolve(node)
    if "oneOf" in node:
        kinds: set[str] = set()
        for option in node["oneOf"]:
            kinds |= types_of(option)
        return kinds
    declared = node.get("type")
    if declared is None:
        return set()
    if isinstance(declared, str):
        declared = [declared]
    return {t for t in declared if t != "null"}


def child(node: Schema, key: str) -> Schema | None:
    """The schema of property `key` of an object node, or None when it is unknown."""
    node = resolve(node)
    props = node.get("properties")
    if props is not None and key in props:
        return props[key]
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    if props is None and extra is None:
        return {}  # free-form object: anything goes
    return None


def items(node: Schema) -> Schema:
    """The schema of the elements of an array node."""
    node = resolve(node)
    return node.get("items", {})


def at_path(api_version: str, kind: str, path: list[str]) -> Schema | None:
    """The schema at a field path such as ['spec', 'template', 'spec', 'containers'] (array
    nodes are stepped through transparently), or None when a step is unknown."""
    node: Schema | None = object_schema(api_version, kind)
    for step in path:
        if node is None:
            return None
        resolved = resolve(node)
        if "array" in types_of(resolved) and "object" not in types_of(resolved):
            node = items(resolved)
            resolved = resolve(node)
        node = child(resolved, step)
    return node


def patch_merge_key(node: Schema) -> str | None:
    """For a list field, the key its elements are merged by (`name` for containers)."""
    return resolve(node).get("x-kubernetes-patch-merge-key")


def patch_strategy(node: Schema) -> str:
    """`merge`, `replace`, `retainKeys`, `merge,retainKeys` or '' for a field."""
    return resolve(node).get("x-kubernetes-patch-strategy", "")
