"""Patches as the API server and kubectl compute and apply them.

Three patch formats reach a Kubernetes API server: JSON merge patch (RFC 7386), JSON patch
(RFC 6902) and Kubernetes' own *strategic merge patch*, which merges named lists element by
element (containers by `name`, ports by `containerPort`) as the OpenAPI extensions
`x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy` say, and understands the
directives `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
`$setElementOrder/<field>`. This module owns all three: applying them, and computing the
two-way and three-way strategic patches that `kubectl apply` and `kubectl edit` send.

The strategic-merge code follows the behaviour of `k8s.io/apimachinery/pkg/util/strategicpatch`
step by step (including its ordering rules and error texts), because learners compare the
resulting objects with a real cluster. Every function is pure: inputs are never mutated.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonpatch  # type: ignore[import-untyped]
import jsonpointer  # type: ignore[import-untyped]

from playground.engine.api import schemas
from playground.engine.errors import EngineError

JSON = Any
JSONMap = dict[str, Any]

DIRECTIVE_MARKER = "$patch"
RETAIN_KEYS_DIRECTIVE = "$retainKeys"
DELETE_FROM_PRIMITIVE_LIST_PREFIX = "$deleteFromPrimitiveList"
SET_ELEMENT_ORDER_PREFIX = "$setElementOrder"


class PatchError(EngineError):
    """A patch that cannot be computed or applied; the message says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- Go value helpers
# Strategic merge compares and sorts values the way Go does: types are distinct (true is not 1),
# and lists are ordered by the `%v` text of their elements.


def _tag(value: JSON) -> str:
    """The Go dynamic type a decoded JSON value would have."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "int64" if value.is_integer() and abs(value) < 2**63 else "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, list):
        return "slice"
    raise PatchError(f"unknown type: {type(value).__name__}")


_GO_TYPE_NAMES = {"map": "map[string]interface {}", "slice": "[]interface {}",
                  "nil": "%!s(<nil>)"}


def _go_type_name(value: JSON) -> str:
    tag = _tag(value)
    return _GO_TYPE_NAMES.get(tag, tag)


def _equal(left: JSON, right: JSON) -> bool:
    """Go's reflect.DeepEqual on decoded JSON."""
    if _tag(left) != _tag(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_equal(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(_equal(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _scalar_key(value: JSON) -> tuple[str, Any]:
    """A hashable identity for a scalar, distinguishing Go types."""
    tag = _tag(value)
    if tag == "int64":
        return tag, int(value)
    if tag in ("map", "slice"):
        return tag, id(value)
    return tag, value


def go_float(value: float, style: str) -> str:
    """Shortest float64 text: style 'g' as fmt `%v`, 'json' as encoding/json."""
    if math.isnan(value) or math.isinf(value):
        raise PatchError(f"json: unsupported value: {_python_float_text(value)}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 and style == "g" else "0"
    sign_bit, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)  # position of the decimal point within `digits`
    sign = "-" if sign_bit else ""
    exp = point - 1
    if style == "g":
        use_e = exp < -4 or exp >= 6
    else:
        use_e = abs(value) < 1e-6 or abs(value) >= 1e21
    if use_e:
        body = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        width = 2 if style == "g" or exp >= 0 else 1
        return f"{sign}{body}e{'-' if exp < 0 else '+'}{abs(exp):0{width}d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def _python_float_text(value: float) -> str:
    return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")


def go_text(value: JSON) -> str:
    """Go's `fmt.Sprintf("%v", value)` for decoded JSON (used for ordering and messages)."""
    tag = _tag(value)
    if tag == "nil":
        return "<nil>"
    if tag == "bool":
        return "true" if value else "false"
    if tag == "int64":
        return str(int(value))
    if tag == "float64":
        return go_float(value, "g")
    if tag == "map":
        return "map[" + " ".join(f"{k}:{go_text(v)}" for k, v in sorted(value.items())) + "]"
    if tag == "slice":
        return "[" + " ".join(go_text(v) for v in value) + "]"
    return str(value)


def _sort_scalars(values: list[JSON]) -> list[JSON]:
    return sorted(values, key=go_text)


def _deduplicate_scalars(values: list[JSON]) -> list[JSON]:
    # Go's algorithm moves the last element into a duplicate's slot; the order it leaves is
    # observable, so it is kept.
    s = list(values)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _scalar_key(s[i]) == _scalar_key(s[j]):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _stable_sort(values: list[JSON], less: Callable[[JSON, JSON], bool]) -> list[JSON]:
    """Insertion sort, as Go's sort.SliceStable does for short slices; `less` may be odd."""
    s = list(values)
    for i in range(1, len(s)):
        j = i
        while j > 0 and less(s[j], s[j - 1]):
            s[j], s[j - 1] = s[j - 1], s[j]
            j -= 1
    return s


def _no_merge_key(item: JSON, merge_key: str) -> PatchError:
    return PatchError(f"map: {go_text(item)} does not contain declared merge key: {merge_key}")


def _bad_arg_type(expected: str, actual: JSON) -> PatchError:
    return PatchError(f"expected a {_GO_TYPE_NAMES.get(expected, expected)}, "
                      f"but received a {_go_type_name(actual)}")


# --------------------------------------------------------------------------- RFC 7386


def json_merge_patch(target: JSON, patch: JSON) -> JSON:
    """Apply a JSON merge patch (RFC 7386): objects merge, `null` deletes, all else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result: JSONMap = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = json_merge_patch(result.get(key), value)
    return result


def create_merge_patch(original: JSONMap, modified: JSONMap) -> JSONMap:
    """The JSON merge patch that turns `original` into `modified` (lists are replaced whole)."""
    patch: JSONMap = {}
    for key, new in modified.items():
        if key not in original:
            patch[key] = copy.deepcopy(new)
            continue
        old = original[key]
        if isinstance(old, dict) and isinstance(new, dict):
            sub = create_merge_patch(old, new)
            if sub:
                patch[key] = sub
        elif not _equal(old, new):
            patch[key] = copy.deepcopy(new)
    for key in original:
        if key not in modified:
            patch[key] = None
    return patch


def _keep_or_delete_nulls(patch: JSONMap, keep_null: bool) -> JSONMap:
    filtered: JSONMap = {}
    for key, value in patch.items():
        if value is None:
            if keep_null:
                filtered[key] = None
        elif isinstance(value, dict):
            if not value:
                if not keep_null:
                    filtered[key] = value
                continue
            sub = _keep_or_delete_nulls(value, keep_null)
            if sub:
                filtered[key] = sub
        elif not keep_null:
            filtered[key] = value
    return filtered


def _deep_merge(base: JSONMap, extra: JSONMap) -> JSONMap:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def create_three_way_json_merge_patch(original: JSONMap | None, modified: JSONMap,
                                      current: JSONMap) -> JSONMap:
    """kubectl's three-way JSON merge patch, used for kinds without a strategic schema:
    changes from `current` to `modified`, plus deletions from `original` to `modified`."""
    add_and_change = _keep_or_delete_nulls(create_merge_patch(current, modified), False)
    deletions = _keep_or_delete_nulls(create_merge_patch(original or {}, modified), True)
    patch = _deep_merge(deletions, add_and_change)
    for key in ("apiVersion", "kind"):
        if key in patch:
            raise PatchError("At least one of apiVersion, kind and name was changed")
    if isinstance(patch.get("metadata"), dict) and "name" in patch["metadata"]:
        raise PatchError("At least one of apiVersion, kind and name was changed")
    return copy.deepcopy(patch)


# --------------------------------------------------------------------------- RFC 6902

_OP_FIELDS = {"add": ("path", "value"), "remove": ("path",), "replace": ("path", "value"),
              "move": ("from", "path"), "copy": ("from", "path"), "test": ("path", "value")}


def _resolves(doc: JSON, pointer: JSON) -> bool:
    try:
        jsonpointer.resolve_pointer(doc, pointer)
    except (jsonpointer.JsonPointerException, TypeError, KeyError, IndexError):
        return False
    return True


def _json_patch_failure(op: JSONMap, doc: JSON, error: Exception) -> str:
    """The message the API server gives when one operation does not apply."""
    name = op.get("op")
    path = op.get("path")
    source = op.get("from")
    if isinstance(error, jsonpatch.JsonPatchTestFailed):
        return f"testing value {path} failed: test failed"
    if name in ("move", "copy"):
        if not _resolves(doc, source):
            return f"{name} operation does not apply: doc is missing from path: {source}: " \
                   "missing value"
        return f"{name} operation does not apply: doc is missing destination path: {path}: " \
               "missing value"
    if name == "test":
        return f"test operation does not apply: is missing path: {path}: missing value"
    if name in ("add", "remove"):
        return f'{name} operation does not apply: doc is missing path: "{path}": missing value'
    return f"replace operation does not apply: doc is missing key: {path}: missing value"


class JSONPatchNotApplied(PatchError):
    """A JSON patch that decoded but whose operations could not be applied (an unknown op, a
    missing field, a missing path, a failed test). The API server answers these with a bare
    422 (`the server rejected our request due to an error in our request`); `kubectl patch
    --local` shows this message itself."""


def json_patch(target: JSON, operations: list[JSONMap]) -> JSON:
    """Apply a JSON patch (RFC 6902: add, remove, replace, move, copy, test)."""
    if not isinstance(operations, list):
        raise PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict):
            raise PatchError(f"invalid JSON patch operation: {go_text(op)}")
        name = op.get("op")
        if name not in _OP_FIELDS:
            raise JSONPatchNotApplied(
                f"Unexpected kind: {name if name is not None else 'unknown'}")
        for required in _OP_FIELDS[name]:
            if required not in op:
                what = {"path": "path field", "from": "from field", "value": "value field"}
                raise JSONPatchNotApplied(
                    f"{name} operation, missing {what[required]}: missing value")
        try:
            doc = jsonpatch.apply_patch(doc, [op], in_place=False)
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError,
                ValueError, KeyError, IndexError) as error:
            raise JSONPatchNotApplied(_json_patch_failure(op, doc, error)) from None
    return doc


# --------------------------------------------------------------------------- patch metadata


@dataclass(frozen=True)
class PatchMeta:
    """Where we are in a kind's schema while walking an object (None: no schema known)."""

    node: schemas.Schema | None = field(default=None, hash=False, compare=False)

    def _lookup(self, key: str) -> tuple[schemas.Schema | None, list[str], str]:
        if self.node is None:
            return None, [], ""
        sub = schemas.child(self.node, key)
        if sub is None:
            return None, [], ""
        strategy = schemas.patch_strategy(sub)
        strategies = strategy.split(",") if strategy else []
        return sub, strategies, schemas.patch_merge_key(sub) or ""

    def for_struct(self, key: str) -> tuple[PatchMeta, list[str], str]:
        """Schema, patch strategies and merge key of the object field `key`."""
        sub, strategies, merge_key = self._lookup(key)
        return PatchMeta(sub), strategies, merge_key

    def for_slice(self, key: str) -> tuple[PatchMeta, list[str], str]:
        """Element schema, patch strategies and merge key of the list field `key`."""
        sub, strategies, merge_key = self._lookup(key)
        if sub is not None and "items" in schemas.resolve(sub):
            sub = schemas.items(sub)
        return PatchMeta(sub), strategies, merge_key

    def name(self) -> str:
        """How Kubernetes names this schema in errors."""
        if self.node is None:
            return "Struct"
        kinds = schemas.types_of(self.node)
        return "".join(sorted(kinds)) or "Struct"


def patch_meta_for(api_version: str, kind: str) -> PatchMeta:
    """The strategic-merge metadata of a kind (empty for kinds without a published schema)."""
    return PatchMeta(schemas.object_schema(api_version, kind))


def has_strategic_schema(api_version: str, kind: str) -> bool:
    """Whether the kind is built in, so kubectl and the server use strategic merge for it."""
    return schemas.object_schema(api_version, kind) is not None


def _retain_keys_and_strategy(strategies: list[str]) -> tuple[bool, str]:
    if not strategies:
        return False, ""
    if len(strategies) == 1:
        return (True, "") if strategies[0] == "retainKeys" else (False, strategies[0])
    if len(strategies) == 2:
        if strategies[0] == "retainKeys":
            return True, strategies[1]
        if strategies[1] == "retainKeys":
            return True, strategies[0]
    raise PatchError(f"unexpected patch strategy: [{' '.join(strategies)}]")


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class _DiffOptions:
    set_element_order: bool = False
    ignore_changes_and_additions: bool = False
    ignore_deletions: bool = False
    build_retain_keys_directive: bool = False


def _diff_maps(original: JSONMap, modified: JSONMap, meta: PatchMeta,
               options: _DiffOptions) -> JSONMap:
    patch: JSONMap = {}
    retain_keys: list[str] = []
    for key, new in modified.items():
        if options.build_retain_keys_directive and new is not None:
            retain_keys.append(key)
        if key not in original:
            if not options.ignore_changes_and_additions:
                patch[key] = new
            continue
        old = original[key]
        if key == DIRECTIVE_MARKER:
            if not isinstance(old, str) or not isinstance(new, str):
                raise PatchError(f"invalid value for special key: {DIRECTIVE_MARKER}")
            if old != new:
                patch[key] = new
            continue
        if _tag(old) != _tag(new):
            if not options.ignore_changes_and_additions:
                patch[key] = new
            continue
        if isinstance(old, dict):
            _diff_map_field(key, old, new, patch, meta, options)
        elif isinstance(old, list):
            _diff_slice_field(key, old, new, patch, meta, options)
        elif not options.ignore_changes_and_additions and not _equal(old, new):
            patch[key] = new
    if not options.ignore_deletions:
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain_keys and (patch or any(v is not None and k not in modified
                                     for k, v in original.items())):
        patch[RETAIN_KEYS_DIRECTIVE] = _sort_scalars(retain_keys)
    return patch


def _diff_map_field(key: str, old: JSONMap, new: JSONMap, patch: JSONMap, meta: PatchMeta,
                    options: _DiffOptions) -> None:
    sub, strategies, _ = meta.for_struct(key)
    retain, strategy = _retain_keys_and_strategy(strategies)
    options = _DiffOptions(options.set_element_order, options.ignore_changes_and_additions,
                           options.ignore_deletions, retain)
    if strategy == "replace":
        if not options.ignore_changes_and_additions:
            patch[key] = new
        return
    value = _diff_maps(old, new, sub, options)
    if value:
        patch[key] = value


def _diff_slice_field(key: str, old: list[JSON], new: list[JSON], patch: JSONMap,
                      meta: PatchMeta, options: _DiffOptions) -> None:
    sub, strategies, merge_key = meta.for_slice(key)
    retain, strategy = _retain_keys_and_strategy(strategies)
    if strategy != "merge":
        if not options.ignore_changes_and_additions and not _equal(old, new):
            patch[key] = new
        return
    options = _DiffOptions(options.set_element_order, options.ignore_changes_and_additions,
                           options.ignore_deletions, retain)
    additions, deletions, order = _diff_lists(old, new, sub, merge_key, options)
    if additions:
        patch[key] = additions
    if deletions:
        patch[f"{DELETE_FROM_PRIMITIVE_LIST_PREFIX}/{key}"] = deletions
    if order:
        patch[f"{SET_ELEMENT_ORDER_PREFIX}/{key}"] = order


def _element_tag(*lists: list[JSON]) -> str:
    found: str | None = None
    for values in lists:
        for value in values:
            tag = _tag(value)
            if found is None:
                found = tag
                if tag == "slice":
                    raise PatchError("lists of lists are not supported")
            elif found != tag:
                raise PatchError("list element types are not identical: "
                                 + go_text(list(lists)))
    if found is None:
        raise PatchError("no elements in any of the given slices")
    return found


def _merge_key_value(item: JSON, merge_key: str) -> JSON:
    if not isinstance(item, dict):
        raise _bad_arg_type("map", item)
    if merge_key not in item:
        raise _no_merge_key(item, merge_key)
    return item[merge_key]


def _index(values: list[JSON], wanted: JSON, merge_key: str, is_map: bool) -> int:
    def identity(item: JSON) -> tuple[str, Any]:
        if is_map:
            return _scalar_key(item.get(merge_key) if isinstance(item, dict) else None)
        return _scalar_key(item)

    target = identity(wanted)
    for i, value in enumerate(values):
        if identity(value) == target:
            return i
    return -1


def _normalize_slice_order(to_sort: list[JSON], order: list[JSON], merge_key: str,
                           is_map: bool) -> list[JSON]:
    deletes: list[JSON] = []
    if is_map:
        for values in (to_sort, order):
            for item in values:
                _merge_key_value(item, merge_key)
        kept = [v for v in to_sort if v.get(DIRECTIVE_MARKER) != "delete"]
        deletes = [v for v in to_sort if v.get(DIRECTIVE_MARKER) == "delete"]
        to_sort = kept

    def less(a: JSON, b: JSON) -> bool:
        ia = _index(order, a, merge_key, is_map)
        if ia >= 0:
            ib = _index(order, b, merge_key, is_map)
            if ib >= 0:
                return ia < ib
        return True

    return _stable_sort(to_sort, less) + deletes


def _diff_lists(original: list[JSON], modified: list[JSON], meta: PatchMeta, merge_key: str,
                options: _DiffOptions) -> tuple[list[JSON], list[JSON], list[JSON]]:
    if not original:
        if not modified or options.ignore_changes_and_additions:
            return [], [], []
        return modified, [], []
    tag = _element_tag(original, modified)
    order: list[JSON] = []
    if tag == "map":
        additions, deletions = _diff_lists_of_maps(original, modified, meta, merge_key, options)
        additions = _normalize_slice_order(additions, modified, merge_key, True)
        order_same = len(original) == len(modified) and all(
            _scalar_key(_merge_key_value(a, merge_key))
            == _scalar_key(_merge_key_value(b, merge_key))
            for a, b in zip(original, modified, strict=True))
        additions = additions + deletions
        if options.set_element_order and (
                (not options.ignore_changes_and_additions and (additions or not order_same))
                or (not options.ignore_deletions and additions)):
            order = [{merge_key: item[merge_key]} for item in modified]
        return additions, [], order
    additions, deletions = _diff_lists_of_scalars(original, modified, options)
    additions = _normalize_slice_order(additions, modified, merge_key, False)
    if options.set_element_order and (
            (not options.ignore_deletions and deletions)
            or (not options.ignore_changes_and_additions and not _equal(original, modified))):
        order = modified
    return additions, deletions, order


def _diff_lists_of_scalars(original: list[JSON], modified: list[JSON],
                           options: _DiffOptions) -> tuple[list[JSON], list[JSON]]:
    old = _sort_scalars(original)
    new = _sort_scalars(modified)
    i = j = 0
    additions: list[JSON] = []
    deletions: list[JSON] = []
    while i < len(old) or j < len(new):
        if i < len(old) and j < len(new) and go_text(old[i]) == go_text(new[j]):
            i += 1
            j += 1
        elif i >= len(old) or (j < len(new) and go_text(old[i]) > go_text(new[j])):
            if not options.ignore_changes_and_additions:
                additions.append(new[j])
            j += 1
        else:
            if not options.ignore_deletions:
                deletions.append(old[i])
            i += 1
    return additions, _deduplicate_scalars(deletions)


def _sort_by_merge_key(values: list[JSON], merge_key: str) -> list[JSON]:
    for item in values:
        if not isinstance(item, dict):
            raise _bad_arg_type("map", item)
    return sorted(values, key=lambda item: go_text(item.get(merge_key)))


def _diff_lists_of_maps(original: list[JSON], modified: list[JSON], meta: PatchMeta,
                        merge_key: str,
                        options: _DiffOptions) -> tuple[list[JSON], list[JSON]]:
    patch: list[JSON] = []
    deletions: list[JSON] = []
    old = _sort_by_merge_key(original, merge_key)
    new = _sort_by_merge_key(modified, merge_key)
    i = j = 0
    while i < len(old) or j < len(new):
        old_key = new_key = ""
        if i < len(old):
            old_value = _merge_key_value(old[i], merge_key)
            old_key = go_text(old_value)
        if j < len(new):
            new_value = _merge_key_value(new[j], merge_key)
            new_key = go_text(new_value)
        both = i < len(old) and j < len(new)
        if both and old_key == new_key:
            value = _diff_maps(old[i], new[j], meta, options)
            if value:
                value[merge_key] = new_value
                patch.append(value)
            i += 1
            j += 1
        elif i >= len(old) or (both and old_key > new_key):
            if not options.ignore_changes_and_additions:
                patch.append(new[j])
            j += 1
        else:
            if not options.ignore_deletions:
                deletions.append({merge_key: old_value, DIRECTIVE_MARKER: "delete"})
            i += 1
    return patch, deletions


# --------------------------------------------------------------------------- merge


@dataclass(frozen=True)
class _MergeOptions:
    merge_parallel_list: bool = False
    ignore_unmatched_nulls: bool = False


def _remove_directives(value: JSON) -> tuple[JSON, bool]:
    if isinstance(value, dict):
        if DIRECTIVE_MARKER in value:
            return None, False
        out: JSONMap = {}
        for key, item in value.items():
            cleaned, keep = _remove_directives(item)
            if keep:
                out[key] = cleaned
        return out, True
    if isinstance(value, list):
        return [c for c, keep in map(_remove_directives, value) if keep], True
    return value, True


def _discard_nulls(value: JSON) -> JSON:
    if isinstance(value, dict):
        return {k: _discard_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_discard_nulls(v) for v in value]
    return value


def _extract_key(key: str, prefix: str) -> str:
    head, sep, tail = key.partition("/")
    if not sep or head != prefix:
        if prefix == DELETE_FROM_PRIMITIVE_LIST_PREFIX:
            raise PatchError("invalid patch format of primitive list")
        raise PatchError("invalid patch format of setElementOrder list")
    return tail


def _apply_retain_keys(original: JSONMap, patch: JSONMap, options: _MergeOptions) -> None:
    if RETAIN_KEYS_DIRECTIVE not in patch:
        return
    retain = patch.pop(RETAIN_KEYS_DIRECTIVE)
    if not options.merge_parallel_list:
        if RETAIN_KEYS_DIRECTIVE in original:
            if not _equal(original[RETAIN_KEYS_DIRECTIVE], retain):
                raise PatchError(
                    f"{go_text(original[RETAIN_KEYS_DIRECTIVE])} and {go_text(retain)} are not "
                    "deep equal: this may happen when calculating the 3-way diff patch")
        else:
            original[RETAIN_KEYS_DIRECTIVE] = retain
        return
    if not isinstance(retain, list):
        raise PatchError("invalid patch format of retainKeys")
    kept = {_scalar_key(v) for v in retain}
    for key, value in patch.items():
        if value is None or key.startswith((DELETE_FROM_PRIMITIVE_LIST_PREFIX,
                                            SET_ELEMENT_ORDER_PREFIX)):
            continue
        if _scalar_key(key) not in kept:
            raise PatchError("invalid patch format of retainKeys")
    for key in list(original):
        if _scalar_key(key) not in kept:
            del original[key]


def _validate_set_order(patch_list: JSON, order: JSON, merge_key: str) -> None:
    if not isinstance(order, list) or not isinstance(patch_list, list):
        raise PatchError("invalid patch format of setElementOrder list")
    if not order or not patch_list:
        return
    non_delete = patch_list
    if merge_key:
        for item in patch_list:
            if not isinstance(item, dict):
                raise _bad_arg_type("map", item)
        non_delete = [v for v in patch_list if v.get(DIRECTIVE_MARKER) != "delete"]
    p = s = 0
    while p < len(non_delete) and s < len(order):
        if isinstance(non_delete[p], dict) and DIRECTIVE_MARKER in non_delete[p]:
            p += 1
            continue
        if merge_key:
            same = (_scalar_key(_merge_key_value(non_delete[p], merge_key))
                    == _scalar_key(_merge_key_value(order[s], merge_key)))
        else:
            same = _scalar_key(non_delete[p]) == _scalar_key(order[s])
        if same:
            p += 1
        s += 1
    if p < len(non_delete) and s >= len(order):
        raise PatchError(f"The order in patch list:\n{go_text(patch_list)}\n doesn't match "
                         f"{SET_ELEMENT_ORDER_PREFIX} list:\n{go_text(order)}\n")


def _partition(merged: list[JSON], by: list[JSON], merge_key: str) -> tuple[list[JSON],
                                                                           list[JSON]]:
    if not merge_key:
        present = {_scalar_key(v) for v in by}
        return ([v for v in merged if _scalar_key(v) in present],
                [v for v in merged if _scalar_key(v) not in present])
    present_keys = set()
    for v in by:
        if not isinstance(v, dict):
            raise PatchError("value for key 0 is not a map")
        if merge_key in v:
            present_keys.add(_scalar_key(v[merge_key]))
    inside: list[JSON] = []
    outside: list[JSON] = []
    for v in merged:
        key = _scalar_key(_merge_key_value(v, merge_key))
        (inside if key in present_keys else outside).append(v)
    return inside, outside


def _merge_sorted(left: list[JSON], right: list[JSON], server_order: list[JSON],
                  merge_key: str, is_map: bool) -> list[JSON]:
    out: list[JSON] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, is_map)
            ri = _index(server_order, right[j], merge_key, is_map)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _normalize_element_order(patch_items: list[JSON], server_only: list[JSON],
                             patch_order: list[JSON], server_order: list[JSON], merge_key: str,
                             is_map: bool) -> list[JSON]:
    patch_items = _normalize_slice_order(patch_items, patch_order, merge_key, is_map)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, is_map)
    return _merge_sorted(server_only, patch_items, server_order, merge_key, is_map)


def _merge_set_element_order(original: JSONMap, patch: JSONMap, meta: PatchMeta,
                             options: _MergeOptions) -> None:
    for key in [k for k in patch if k.startswith(SET_ELEMENT_ORDER_PREFIX)]:
        order = patch.pop(key)
        if not options.merge_parallel_list:
            if key in original:
                if not _equal(original[key], order):
                    raise PatchError("invalid patch format of setElementOrder list")
            else:
                original[key] = order
        if not isinstance(order, list):
            raise _bad_arg_type("slice", order)
        field_name = _extract_key(key, SET_ELEMENT_ORDER_PREFIX)
        found_original = field_name in original
        found_patch = field_name in patch
        old = original.get(field_name)
        new = patch.get(field_name)
        if found_original and not isinstance(old, list):
            raise _bad_arg_type("slice", old)
        if found_patch and not isinstance(new, list):
            raise _bad_arg_type("slice", new)
        sub, strategies, merge_key = meta.for_slice(field_name)
        _, strategy = _retain_keys_and_strategy(strategies)
        _validate_set_order(new if found_patch else [], order, merge_key)
        if found_original and not found_patch:
            merged = old
        elif found_patch and not found_original:
            cleaned, keep = _remove_directives(new)
            if not keep:
                continue
            merged = cleaned
        elif found_original and found_patch:
            merged = _merge_slice_field(old, new, sub, strategy, merge_key, False, options)
        else:
            continue
        inside, outside = _partition(merged, order, merge_key)
        is_map = _element_tag(old or [], new or []) == "map"
        original[field_name] = _normalize_element_order(inside, outside, order, old or [],
                                                        merge_key, is_map)
        patch.pop(field_name, None)


def _merge_map(original: JSONMap | None, patch: JSONMap, meta: PatchMeta,
               options: _MergeOptions) -> JSONMap:
    """Merge `patch` into `original`; both are private copies and may be changed."""
    if DIRECTIVE_MARKER in patch:
        directive = patch[DIRECTIVE_MARKER]
        if directive == "replace":
            del patch[DIRECTIVE_MARKER]
            return patch
        if directive == "delete":
            return {}
        raise PatchError(f"unknown patch type: {go_text(directive)} in map: {go_text(patch)}")
    if original is None:
        original = {}
    _apply_retain_keys(original, patch, options)
    _merge_set_element_order(original, patch, meta, options)
    for key, value in list(patch.items()):
        is_delete_list = False
        if key.startswith(DELETE_FROM_PRIMITIVE_LIST_PREFIX):
            if not options.merge_parallel_list:
                original[key] = value
                continue
            key = _extract_key(key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            is_delete_list = True
        if value is None:
            original.pop(key, None)
            if options.ignore_unmatched_nulls:
                continue
        if key not in original or _tag(original[key]) != _tag(value):
            if not is_delete_list:
                if options.ignore_unmatched_nulls:
                    value = _discard_nulls(value)
                cleaned, keep = _remove_directives(value)
                if keep:
                    original[key] = cleaned
                else:
                    original.pop(key, None)
            continue
        current = original[key]
        if isinstance(current, dict):
            sub, strategies, _ = meta.for_struct(key)
            _, strategy = _retain_keys_and_strategy(strategies)
            original[key] = value if strategy == "replace" else _merge_map(current, value, sub,
                                                                           options)
        elif isinstance(current, list):
            sub, strategies, merge_key = meta.for_slice(key)
            _, strategy = _retain_keys_and_strategy(strategies)
            original[key] = _merge_slice_field(current, value, sub, strategy, merge_key,
                                               is_delete_list, options)
        else:
            cleaned, keep = _remove_directives(value)
            if keep:
                original[key] = cleaned
            else:
                original.pop(key, None)
    return original


def _merge_slice_field(original: JSON, patch: JSON, meta: PatchMeta, strategy: str,
                       merge_key: str, is_delete_list: bool,
                       options: _MergeOptions) -> list[JSON]:
    if not isinstance(original, list):
        raise _bad_arg_type("slice", original)
    if not isinstance(patch, list):
        raise _bad_arg_type("slice", patch)
    if strategy == "merge" or is_delete_list:
        return _merge_slice(original, patch, meta, merge_key, options, is_delete_list)
    return patch


def _merge_slice(original: list[JSON], patch: list[JSON], meta: PatchMeta, merge_key: str,
                 options: _MergeOptions, is_delete_list: bool) -> list[JSON]:
    if not original and not patch:
        return original
    is_map = _element_tag(original, patch) == "map"
    if not is_map:
        if options.merge_parallel_list and is_delete_list:
            doomed = {_scalar_key(v) for v in patch}
            return [v for v in original if _scalar_key(v) not in doomed]
        merged = _deduplicate_scalars(original + patch)
    else:
        if not merge_key:
            raise PatchError(f"cannot merge lists without merge key for {meta.name()}")
        original, patch = _merge_special_elements(original, patch, merge_key)
        merged = _merge_elements(original, patch, merge_key, meta, options)
    inside, outside = _partition(merged, patch, merge_key)
    return _normalize_element_order(inside, outside, patch, original, merge_key, is_map)


def _merge_special_elements(original: list[JSON], patch: list[JSON],
                            merge_key: str) -> tuple[list[JSON], list[JSON]]:
    plain: list[JSON] = []
    replace = False
    for item in patch:
        if DIRECTIVE_MARKER not in item:
            plain.append(item)
            continue
        directive = item[DIRECTIVE_MARKER]
        if directive == "delete":
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            wanted = _scalar_key(item[merge_key])
            original = [v for v in original
                        if not (isinstance(v, dict) and merge_key in v
                                and _scalar_key(v[merge_key]) == wanted)]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"unknown patch type: {go_text(directive)} in map: "
                             f"{go_text(item)}")
    if replace:
        return plain, []
    return original, plain


def _merge_elements(original: list[JSON], patch: list[JSON], merge_key: str, meta: PatchMeta,
                    options: _MergeOptions) -> list[JSON]:
    merged = list(original)
    for item in patch:
        wanted = _scalar_key(_merge_key_value(item, merge_key))
        for i, existing in enumerate(merged):
            if not isinstance(existing, dict):
                raise PatchError(f"value for key {i} is not a map")
            if merge_key in existing and _scalar_key(existing[merge_key]) == wanted:
                merged[i] = _merge_map(existing, item, meta, options)
                break
        else:
            merged.append(item)
    return merged


# --------------------------------------------------------------------------- public API


def strategic_merge_patch(target: JSONMap, patch: JSONMap, api_version: str,
                          kind: str) -> JSONMap:
    """Apply a strategic merge patch to an object, as the API server does for PATCH requests
    with `application/strategic-merge-patch+json`."""
    if not isinstance(patch, dict):
        raise PatchError("invalid JSON document")
    options = _MergeOptions(merge_parallel_list=True, ignore_unmatched_nulls=True)
    return _merge_map(copy.deepcopy(target), copy.deepcopy(patch),
                      patch_meta_for(api_version, kind), options)


def create_two_way_merge_patch(original: JSONMap, modified: JSONMap, api_version: str,
                               kind: str) -> JSONMap:
    """The strategic merge patch from `original` to `modified` (what `kubectl edit` sends)."""
    patch = _diff_maps(copy.deepcopy(original), copy.deepcopy(modified),
                       patch_meta_for(api_version, kind), _DiffOptions(set_element_order=True))
    return copy.deepcopy(patch)


def create_three_way_merge_patch(original: JSONMap | None, modified: JSONMap,
                                 current: JSONMap, api_version: str, kind: str) -> JSONMap:
    """kubectl apply's strategic patch: additions and changes from `current` to `modified`,
    plus deletions of what `original` (the last applied configuration) had and `modified`
    dropped. Fields nobody asked to remove — defaults, status, other actors' work — stay."""
    meta = patch_meta_for(api_version, kind)
    original = copy.deepcopy(original or {})
    modified = copy.deepcopy(modified)
    current = copy.deepcopy(current)
    delta = _diff_maps(current, modified, meta,
                       _DiffOptions(set_element_order=True, ignore_deletions=True))
    deletions = _diff_maps(original, modified, meta,
                           _DiffOptions(set_element_order=True, ignore_changes_and_additions=True))
    patch = _merge_map(copy.deepcopy(deletions), copy.deepcopy(delta), meta, _MergeOptions())
    return copy.deepcopy(patch)
