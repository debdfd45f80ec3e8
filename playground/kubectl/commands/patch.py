"""`kubectl patch`: change fields of live objects with a strategic, JSON merge or JSON patch.

    kubectl patch deployment web -p '{"spec":{"replicas":3}}'     → deployment.apps/web patched
    kubectl patch deployment web -p 'spec: {replicas: 3}'         (YAML is accepted too)
    kubectl patch deploy/web --type json -p '[{"op":"remove","path":"/spec/paused"}]'
    kubectl patch node worker-1 -p '{"spec":{"unschedulable":true}}'
    kubectl patch deployment web --subresource scale --type merge -p '{"spec":{"replicas":2}}'
                                                               → scale.autoscaling/web patched
    kubectl patch -f web.yaml --local -p ... -o yaml             (patch the file, not the server)

The patch text is read like kubectl's `yaml.ToJSON`: text that starts with `{` or `[` is sent
as it is (so malformed JSON is refused by the API server), anything else is parsed as YAML
first (refused by kubectl: `error: unable to parse "...": yaml: ...`). The API server applies
the patch (`APIServer.patch`); a patch that changes nothing prints `patched (no change)`.
`--dry-run=client` and `--local` patch a copy here instead, as kubectl does, and print the same
line: kubectl's patch printer drops the usual `(dry run)` suffix, so this one does too.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playground.engine.api import patch as patching
from playground.engine.api.resources import ResourceType
from playground.engine.errors import APIError, rejected
from playground.engine.store import USER, deep_copy
from playground.kubectl.commands.scale import SCALABLE, dry_run_mode, find_objects
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, Parsed, UsageError, parse
from playground.kubectl.manifests import ManifestError, _yaml_documents, read_sources
from playground.kubectl.output import to_json, to_yaml
from playground.kubectl.printers import name_line

Obj = dict[str, Any]

PATCH_TYPES = ("json", "merge", "strategic")

FLAGS = (
    Flag("patch", "p"),
    Flag("patch-file"),
    Flag("type", default="strategic"),
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("kustomize", "k"),
    Flag("local", takes_value=False),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("subresource"),
    Flag("field-manager"),
    Flag("record", takes_value=False),
    Flag("allow-missing-template-keys"),
    Flag("show-managed-fields", takes_value=False),
    Flag("template"),
)

STATUS_KINDS = frozenset({
    "CronJob", "DaemonSet", "Deployment", "HorizontalPodAutoscaler", "Job", "Namespace", "Node",
    "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodDisruptionBudget", "ReplicaSet",
    "ReplicationController", "ResourceQuota", "Service", "StatefulSet",
})
"""Kinds served with a `status` subresource."""

NOT_FOUND = "Error from server (NotFound): the server could not find the requested resource"
UNSUPPORTED_MEDIA = ("Error from server (UnsupportedMediaType): the body of the request was in "
                     "an unknown format - accepted media types include: "
                     "application/json-patch+json, application/merge-patch+json, "
                     "application/apply-patch+yaml")


class _Refused(Exception):
    """The API server refused the patch body (a BadRequest before any object is touched)."""


def run(ctx: Context, argv: list[str]) -> None:
    """Patch each named object."""
    opts = parse(argv, FLAGS, "patch")
    text, patch_type, mode, subresource = _validate(opts)
    body = _patch_body(text, opts)
    if opts.flag("local"):
        _patch_local(ctx, opts, body, patch_type)
        return
    targets = find_objects(ctx, opts, "patch")
    if not targets and ctx.exit_code == 0:
        raise UsageError("error: no objects passed to patch")
    for rt, live in targets:
        try:
            if subresource == "scale":
                before, after = _patch_scale(ctx, rt, live, body, patch_type, mode)
                kind_prefix = "scale.autoscaling"
            else:
                before, after = live, _patch_object(ctx, rt, live, body, patch_type, mode,
                                                    subresource)
                kind_prefix = ""
        except APIError as exc:
            ctx.error(api_error_text(exc))
            continue
        except _Refused as exc:
            ctx.error(str(exc))
            continue
        _print(ctx, opts, rt, after, before != after, kind_prefix)


# -- arguments ------------------------------------------------------------------------------

def _validate(opts: Parsed) -> tuple[str, str, str, str]:
    patch_text, patch_file = opts.text("patch"), opts.text("patch-file")
    if patch_text and patch_file:
        raise UsageError("error: cannot specify --patch and --patch-file together")
    if not patch_text and not patch_file:
        raise UsageError("error: must specify --patch or --patch-file containing the contents "
                         "of the patch")
    mode = dry_run_mode(opts)
    if opts.flag("local") and opts.args:
        raise UsageError("error: cannot specify --local and server resources")
    if opts.flag("local") and mode == "server":
        raise UsageError("error: cannot specify --local and --dry-run=server - did you mean "
                         "--dry-run=client?")
    patch_type = opts.text("type", "strategic")
    if patch_type.lower() not in PATCH_TYPES:
        raise UsageError(f"error: --type must be one of [{' '.join(PATCH_TYPES)}], not "
                         f"{go_quote(patch_type)}")
    subresource = opts.text("subresource")
    if subresource and subresource not in ("status", "scale"):
        raise UsageError(f'error: invalid subresource value: "{subresource}". Must be one of '
                         "[status scale]")
    return patch_text, patch_type.lower(), mode, subresource


def _patch_body(text: str, opts: Parsed) -> Any:
    """The patch as JSON (a `_Refused`-style server error is raised later for bad JSON)."""
    source_text = text
    if not text:
        name = opts.text("patch-file")
        try:
            source_text = Path(name).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"error: unable to read patch file: open {name}: "
                             f"{_strerror(exc)}") from None
    if source_text.lstrip().startswith(("{", "[")):
        return _RawJSON(source_text)
    try:
        documents = list(_yaml_documents(source_text, "patch"))
    except ManifestError as exc:
        detail = exc.message[exc.message.find("yaml:"):]
        # kubectl quotes -p even when the text came from --patch-file (then it is "")
        raise UsageError(f"error: unable to parse {go_quote(text)}: {detail}") from None
    value = documents[0][0] if documents else None
    return {} if value is None else value


class _RawJSON:
    """Patch text sent to the server as it is, because it looked like JSON."""

    def __init__(self, text: str) -> None:
        self.text = text

    def decode(self) -> Any:
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise _Refused(f"Error from server (BadRequest): {go_json_error(exc)}") from None


def _decoded(body: Any) -> Any:
    return body.decode() if isinstance(body, _RawJSON) else body


def _strerror(exc: OSError) -> str:
    """Go's wording of an OS error: `no such file or directory`."""
    return (exc.strerror or str(exc)).lower()


# -- patching -------------------------------------------------------------------------------

def _apply(rt: ResourceType, obj: Obj, body: Any, patch_type: str, *, local: bool) -> Obj:
    """The patched copy of `obj`, computed here (client dry run, --local, subresources)."""
    patch = _decoded(body)
    if patch_type == "strategic" and not patching.has_strategic_schema(rt.api_version, rt.kind):
        if local:
            group, version = (rt.api_version.split("/", 1) if "/" in rt.api_version
                              else ("", rt.api_version))
            raise _Refused(f"error: strategic merge patch is not supported for {group}/"
                           f"{version}, Kind={rt.kind} locally, try --type merge")
        raise _Refused(UNSUPPORTED_MEDIA)
    try:
        if patch_type == "json":
            return patching.json_patch(obj, patch)
        if not isinstance(patch, dict):
            raise _Refused("Error from server (BadRequest): json: cannot unmarshal "
                           f"{_json_kind(patch)} into Go value of type "
                           "map[string]interface {}")
        if patch_type == "merge":
            return patching.json_merge_patch(obj, patch)
        return patching.strategic_merge_patch(obj, patch, rt.api_version, rt.kind)
    except patching.PatchError as exc:
        if not local and isinstance(exc, patching.JSONPatchNotApplied):
            raise rejected() from None
        message = str(exc)
        if local and "doc is missing key: " in message:
            key = message.split("doc is missing key: ", 1)[1].split(":", 1)[0]
            raise _Refused(f"error: Object to be patched is missing field ({key})") from None
        prefix = "error: " if local else "Error from server (BadRequest): "
        raise _Refused(prefix + message) from None


def _patch_object(ctx: Context, rt: ResourceType, live: Obj, body: Any, patch_type: str,
                  mode: str, subresource: str) -> Obj:
    meta = live["metadata"]
    namespace = meta.get("namespace", "")
    if subresource == "status":
        if rt.kind not in STATUS_KINDS:
            raise _Refused(NOT_FOUND)
        patched = _apply(rt, live, body, patch_type, local=mode == "client")
        new = deep_copy(live)
        new["status"] = patched.get("status")
        if mode != "none":
            return new
        return ctx.cluster.api.update_status(new, USER, reason="patched")
    if mode == "client":
        return _apply(rt, live, body, patch_type, local=True)
    patch = _decoded(body)
    if patch_type == "strategic" and not patching.has_strategic_schema(rt.api_version, rt.kind):
        raise _Refused(UNSUPPORTED_MEDIA)
    if patch_type != "json" and not isinstance(patch, dict):
        raise _Refused("Error from server (BadRequest): json: cannot unmarshal "
                       f"{_json_kind(patch)} into Go value of type map[string]interface {{}}")
    return ctx.cluster.api.patch(rt.key, namespace, meta["name"], patch, patch_type,
                                 dry_run=mode == "server")


def scale_of(rt: ResourceType, obj: Obj) -> Obj:
    """The autoscaling/v1 Scale the `scale` subresource serves for a workload."""
    meta = obj["metadata"]
    selector = ((obj.get("spec") or {}).get("selector") or {})
    if rt.kind == "ReplicationController":
        labels = selector
    else:
        labels = selector.get("matchLabels") or {}
    scale_meta = {key: meta[key] for key in ("name", "namespace", "uid", "resourceVersion",
                                             "creationTimestamp") if key in meta}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
            "spec": {"replicas": int((obj.get("spec") or {}).get("replicas", 1))},
            "status": {"replicas": int((obj.get("status") or {}).get("replicas", 0)),
                       "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items()))}}


def _patch_scale(ctx: Context, rt: ResourceType, live: Obj, body: Any, patch_type: str,
                 mode: str) -> tuple[Obj, Obj]:
    if rt.kind not in SCALABLE:
        raise _Refused(NOT_FOUND)
    scale = scale_of(rt, live)
    scale_type = ResourceType("Scale", "autoscaling", "v1", "scale", True)
    patched = _apply(scale_type, scale, body, patch_type, local=mode == "client")
    replicas = (patched.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool):
        raise _Refused("Error from server (BadRequest): the replicas of a Scale must be an "
                       "integer")
    if replicas < 0:
        raise _Refused(f'Error from server (Invalid): Scale.autoscaling "{live["metadata"]["name"]}" '
                       f"is invalid: spec.replicas: Invalid value: {replicas}: must be greater "
                       "than or equal to 0")
    if mode == "client":
        return scale, patched
    new = deep_copy(live)
    new.setdefault("spec", {})["replicas"] = replicas
    updated = ctx.cluster.api.update(new, namespace=live["metadata"].get("namespace") or
                                     "default", dry_run=mode == "server")
    after = scale_of(rt, updated)
    if mode == "server":
        after["metadata"]["resourceVersion"] = scale["metadata"].get("resourceVersion", "")
    return scale, after


def _patch_local(ctx: Context, opts: Parsed, body: Any, patch_type: str) -> None:
    files = opts.many("filename")
    if not files:
        raise UsageError("error: must specify -f to patch local files")
    try:
        manifests = read_sources(files, opts.flag("recursive"), ctx.stdin, verb="patch")
    except ManifestError as exc:
        ctx.error(str(exc))
        return
    for manifest in manifests:
        rt = ctx.cluster.api.resource_type(manifest.object)
        try:
            patched = _apply(rt, manifest.object, body, patch_type, local=True)
        except _Refused as exc:
            ctx.error(str(exc))
            continue
        _print(ctx, opts, rt, patched, patched != manifest.object, "")


def _print(ctx: Context, opts: Parsed, rt: ResourceType, obj: Obj, changed: bool,
           kind_prefix: str) -> None:
    output = opts.text("output")
    if output in ("yaml", "json"):
        ctx.out.write(to_yaml(obj) if output == "yaml" else to_json(obj))
        return
    name = (f"{kind_prefix}/{obj['metadata']['name']}" if kind_prefix
            else name_line(obj, rt))
    if output == "name":
        ctx.print(name)
    elif output:
        raise UsageError(f'error: unable to match a printer suitable for the output format '
                         f'"{output}", allowed formats are: json,name,yaml')
    else:
        ctx.print(f"{name} {'patched' if changed else 'patched (no change)'}")


# -- Go's words -----------------------------------------------------------------------------

def go_quote(text: str) -> str:
    """Go's `%q` of a string (strconv.Quote)."""
    out = ['"']
    escapes = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t",
               "\v": r"\v", "\\": r"\\", '"': r"\""}
    for char in text:
        if char in escapes:
            out.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return "object"


_CONTEXTS = (
    ("Expecting property name", "looking for beginning of object key string"),
    ("Expecting ':' delimiter", "after object key"),
    ("Expecting ',' delimiter", None),
    ("Extra data", "after top-level value"),
    ("Expecting value", "looking for beginning of value"),
)


def go_json_error(exc: json.JSONDecodeError) -> str:
    """What Go's encoding/json says about the same malformed document."""
    rest = exc.doc[exc.pos:]
    if not rest.strip() or exc.msg.startswith("Unterminated string"):
        return "unexpected end of JSON input"
    char = rest[0]
    for start, context in _CONTEXTS:
        if exc.msg.startswith(start):
            if context is None:
                inside = _innermost(exc.doc[:exc.pos])
                context = ("after object key:value pair" if inside == "{"
                           else "after array element")
            return f"invalid character {_go_char(char)} {context}"
    return f"invalid character {_go_char(char)} looking for beginning of value"


def _innermost(text: str) -> str:
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped = not escaped and char == "\\"
            if char == '"' and not escaped:
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _go_char(char: str) -> str:
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return f"'{char}'" if char.isprintable() else re.sub(r"^\"|\"$", "'", go_quote(char))


VERBS = {"patch": (run, "Update fields of a resource", FLAGS)}
