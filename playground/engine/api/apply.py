"""Client-side `kubectl apply`: the last-applied annotation and the three-way patch.

`kubectl apply` (without `--server-side`) remembers what the user applied in the annotation
`kubectl.kubernetes.io/last-applied-configuration`. On the next apply it compares three
versions of the object — the previous last-applied configuration (*original*), the new file
plus its new annotation (*modified*) and the live object (*current*) — and sends a patch that
adds or changes what the file says and deletes only what the file used to say and no longer
does. Defaults, status and other actors' changes survive. This module owns that computation
and the exact annotation text kubectl writes; the API server applies the resulting object.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Literal

from playground.engine.api.patch import (
    JSONMap,
    PatchError,
    create_three_way_json_merge_patch,
    create_three_way_merge_patch,
    go_float,
    has_strategic_schema,
    json_merge_patch,
    strategic_merge_patch,
)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

SERVER_OWNED_METADATA = ("resourceVersion", "uid", "generation", "creationTimestamp",
                         "managedFields")
"""Metadata the API server keeps for itself: an apply never deletes or rewrites it."""

_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoding/json writes a decoded object: keys sorted, no spaces,
    `<`, `>` and `&` escaped, floats in Go's shortest form."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**63:
            return str(int(value))
        return go_float(value, "json")
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for char, escape in _HTML_ESCAPES.items():
            text = text.replace(char, escape)
        return text
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(v)}"
                              for k, v in sorted(value.items())) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    raise PatchError(f"json: unsupported type: {type(value).__name__}")


def _with_namespace(manifest: JSONMap, namespace: str | None) -> JSONMap:
    obj = copy.deepcopy(manifest)
    if namespace:
        metadata = obj.setdefault("metadata", {})
        if isinstance(metadata, dict) and not metadata.get("namespace"):
            metadata["namespace"] = namespace
    return obj


def _set_annotations(obj: JSONMap, annotations: dict[str, Any]) -> None:
    metadata = obj.setdefault("metadata", {})
    if not isinstance(metadata, dict):
        raise PatchError(f".metadata accessor error: {metadata} is of the type "
                         f"{type(metadata).__name__}, expected map[string]interface{{}}")
    metadata["annotations"] = annotations


def _user_annotations(obj: JSONMap) -> dict[str, Any]:
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return {k: v for k, v in annotations.items() if k != LAST_APPLIED}


def last_applied_json(manifest: JSONMap, namespace: str | None = None) -> str:
    """The annotation value kubectl writes: the manifest without the annotation itself
    (kubectl leaves `"annotations":{}` when that empties the map), Go-encoded, plus a newline.

    `namespace` is the namespace kubectl resolved for a namespaced kind; it is filled in when
    the manifest names none, as kubectl's resource builder does before it serialises."""
    obj = _with_namespace(manifest, namespace)
    _set_annotations(obj, _user_annotations(obj))
    return go_json(obj) + "\n"


def with_last_applied(manifest: JSONMap, namespace: str | None = None) -> JSONMap:
    """The object kubectl sends: the manifest carrying its last-applied annotation (what
    `kubectl apply` creates, and the *modified* side of its three-way patch)."""
    obj = _with_namespace(manifest, namespace)
    annotations = _user_annotations(obj)
    annotations[LAST_APPLIED] = last_applied_json(obj)
    _set_annotations(obj, annotations)
    return obj


@dataclass(frozen=True)
class ApplyResult:
    """What one client-side apply of an existing object did."""

    obj: JSONMap
    """The live object after the patch (before the server's defaulting and validation)."""
    outcome: Literal["configured", "unchanged"]
    """kubectl prints `unchanged` exactly when the patch it computed is `{}`."""
    missing_annotation: bool
    """The live object had no last-applied annotation: kubectl warns before patching."""
    patch: JSONMap
    """The patch kubectl sent (empty when unchanged)."""
    patch_type: Literal["strategic", "merge"]
    """Strategic merge for built-in kinds; JSON merge patch for kinds without a schema."""


def three_way_apply(live: JSONMap, manifest: JSONMap, api_version: str, kind: str, *,
                    namespace: str | None = None) -> ApplyResult:
    """Apply `manifest` to the existing object `live` as `kubectl apply` and the API server
    do together; inputs are not changed."""
    modified = with_last_applied(manifest, namespace)
    live_annotations = (live.get("metadata") or {}).get("annotations") or {}
    missing = LAST_APPLIED not in live_annotations
    original: JSONMap | None = None
    text = live_annotations.get(LAST_APPLIED)
    if text:
        try:
            original = json.loads(text)
        except ValueError:
            raise PatchError("invalid JSON document") from None
        if not isinstance(original, dict):
            raise PatchError("invalid JSON document")
    patch_type: Literal["strategic", "merge"]
    if has_strategic_schema(api_version, kind):
        patch_type = "strategic"
        patch = create_three_way_merge_patch(original, modified, live, api_version, kind)
    else:
        patch_type = "merge"
        patch = create_three_way_json_merge_patch(original, modified, live)
    if not patch:
        return ApplyResult(copy.deepcopy(live), "unchanged", missing, {}, patch_type)
    if patch_type == "strategic":
        result = strategic_merge_patch(live, patch, api_version, kind)
    else:
        result = json_merge_patch(live, patch)
    _keep_server_owned(result, live)
    return ApplyResult(result, "configured", missing, patch, patch_type)


def _keep_server_owned(result: JSONMap, live: JSONMap) -> None:
    live_metadata = live.get("metadata") or {}
    metadata = result.setdefault("metadata", {})
    for key in SERVER_OWNED_METADATA:
        if key in live_metadata:
            metadata[key] = copy.deepcopy(live_metadata[key])
        else:
            metadata.pop(key, None)
