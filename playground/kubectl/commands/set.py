"""`kubectl set image|env|resources`: change containers of pod templates in place.

Works on everything with a pod template (Pods, Deployments, ReplicaSets,
ReplicationControllers, StatefulSets, DaemonSets, Jobs, CronJobs). As in kubectl, an object
whose template does not change prints nothing; otherwise the change is sent and
`deployment.apps/web image updated` (`env updated`, `resource requirements updated`) printed.
Containers are chosen by name (`set image`) or by a glob (`-c` of `set env|resources`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from playground.engine.api.resources import ResourceType
from playground.engine.errors import APIError
from playground.engine.store import deep_copy
from playground.kubectl.commands.scale import (
    dry_run_mode,
    find_objects,
    finish_change,
    namespace_of,
    update_object,
)
from playground.kubectl.context import Context
from playground.kubectl.flags import Flag, Parsed, UsageError, parse
from playground.kubectl.targets import resolve_type

Obj = dict[str, Any]

FLAGS = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("selector", "l"),
    Flag("all", takes_value=False),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("local", takes_value=False),
    Flag("record", takes_value=False),
    Flag("container", "c"),
    Flag("containers"),
    Flag("env", "e", repeatable=True),
    Flag("list", takes_value=False),
    Flag("overwrite", takes_value=False, default=True),
    Flag("from"),
    Flag("keys", repeatable=True),
    Flag("prefix"),
    Flag("limits"),
    Flag("requests"),
    Flag("resolve", takes_value=False),
)

_ENV_NAME_INVALID = re.compile(r"[^A-Za-z0-9_]")


def pod_spec_of(obj: Obj) -> Obj | None:
    """The pod spec inside an object (a Pod's own, a workload's template), or None."""
    kind = obj.get("kind")
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
    template = spec.get("template")
    if kind in ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet",
                "DaemonSet", "Job", "CronJob") and isinstance(template, dict):
        return template.setdefault("spec", {})
    return None


def run(ctx: Context, argv: list[str]) -> None:
    """Dispatch `kubectl set <subcommand>`."""
    opts = parse(argv, FLAGS, "set")
    sub = opts.args[0] if opts.args else ""
    handlers: dict[str, Callable[[Context, Parsed, list[str]], None]] = {
        "image": _image, "env": _env, "resources": _resources}
    if sub not in handlers:
        if sub:
            raise UsageError(f'error: unknown command "{sub}" for "kubectl set"\n'
                             "Run 'kubectl set --help' for usage.")
        raise UsageError("error: Configure application resources.\n\nAvailable Commands: "
                         "env, image, resources\nSee 'kubectl set -h' for help and examples")
    handlers[sub](ctx, opts, opts.args[1:])


def _split_resources(args: list[str]) -> tuple[list[str], list[str]]:
    """kubectl reads resources first, then `KEY=VALUE` (and for env `KEY-`) changes."""
    for i, arg in enumerate(args):
        if "=" in arg or (arg.endswith("-") and i > 0 and not _is_type(arg)):
            return args[:i], args[i:]
    return args, []


def _is_type(arg: str) -> bool:
    try:
        resolve_type(arg.split("/")[0])
    except UsageError:
        return False
    return "/" in arg


def _apply_change(ctx: Context, opts: Parsed, resources: list[str], verb: str,
                  operation: str, change: Callable[[Obj, Obj, list[str]], None],
                  failure: str) -> None:
    if not resources and not opts.many("filename") and not opts.text("selector") \
            and not opts.flag("all"):
        raise UsageError("error: one or more resources must be specified as <resource> <name> "
                         "or <resource>/<name>")
    mode = dry_run_mode(opts)
    for rt, obj in find_objects(ctx, opts, verb, resources):
        new = deep_copy(obj)
        spec = pod_spec_of(new)
        if spec is None:
            ctx.error(f'error: {_object_name(obj, rt)} the object is not a pod or does not have '
                      "a pod template: " f"*v1.{rt.kind}")
            continue
        errors: list[str] = []
        change(new, spec, errors)
        for error in errors:
            ctx.error(error)
        if new == obj:
            continue
        try:
            updated = update_object(ctx, new, mode)
        except APIError as exc:
            ctx.error(f"error: failed to patch {failure} update to pod template: {exc.message}")
            continue
        finish_change(ctx, updated, rt, operation, opts, mode)


def _object_name(obj: Obj, rt: ResourceType) -> str:
    return f"{rt.plural}/{obj['metadata']['name']}"


# -- set image ------------------------------------------------------------------------------

def _image(ctx: Context, opts: Parsed, args: list[str]) -> None:
    resources, pairs = _split_resources(args)
    images: dict[str, str] = {}
    for pair in pairs:
        name, eq, image = pair.partition("=")
        if not eq or not name or not image:
            raise UsageError(f"error: invalid image update {pair!r}, expected "
                             "container_name=container_image")
        images[name] = image
    if not images:
        raise UsageError("error: at least one image update is required")
    if "*" in images and len(images) > 1:
        raise UsageError("error: all containers are already specified by *, but saw more than "
                         "one container_name=container_image pairs")

    def change(obj: Obj, spec: Obj, errors: list[str]) -> None:
        for name, image in images.items():
            found = False
            for key in ("initContainers", "containers"):
                for container in spec.get(key) or []:
                    if name in ("*", container["name"]):
                        container["image"] = image
                        found = True
            if not found:
                errors.append(f'error: unable to find container named "{name}"')

    _apply_change(ctx, opts, resources, "set image", "image updated", change, "image")


# -- set env --------------------------------------------------------------------------------

def _env(ctx: Context, opts: Parsed, args: list[str]) -> None:
    resources, pairs = _split_resources(args)
    pairs = pairs + opts.many("env")
    updates: list[tuple[str, str]] = []
    removals: list[str] = []
    for pair in pairs:
        if pair.endswith("-") and "=" not in pair:
            removals.append(pair[:-1])
            continue
        name, eq, value = pair.partition("=")
        if not eq or not name:
            raise UsageError(f"error: environment variables must be of the form key=value: "
                             f"{pair}")
        updates.append((name, value))
    selector = opts.text("container") or opts.text("containers") or "*"
    listing = opts.flag("list")
    if listing and opts.text("output"):
        raise UsageError("error: --list and --output may not be specified together")
    source = opts.text("from")
    from_vars: list[Obj] = []
    if source:
        from_vars = _env_from_source(ctx, opts, source)
    if not updates and not removals and not listing and not from_vars:
        raise UsageError("error: at least one environment variable must be provided")

    def change(obj: Obj, spec: Obj, errors: list[str]) -> None:
        containers = [c for key in ("initContainers", "containers")
                      for c in spec.get(key) or [] if fnmatch.fnmatchcase(c["name"], selector)]
        if not containers:
            ctx.warn(f"warning: {obj['kind'].lower()}/{obj['metadata']['name']} does not have "
                     f'any containers matching "{selector}"')
        for container in containers:
            env: list[Obj] = list(container.get("env") or [])
            if not opts.flag("overwrite"):
                for name, _value in updates:
                    current = next((e for e in env if e.get("name") == name), None)
                    if current is not None:
                        errors.append(f"error: '{name}' already has a value "
                                      f"({current.get('value', '')}), and --overwrite is false")
                        return
            for var in [{"name": n, "value": v} for n, v in updates] + from_vars:
                index = next((i for i, e in enumerate(env) if e.get("name") == var["name"]), -1)
                if index >= 0:
                    env[index] = var
                else:
                    env.append(var)
            env = [e for e in env if e.get("name") not in removals]
            if env:
                container["env"] = env
            else:
                container.pop("env", None)
            if listing:
                _list_env(ctx, obj, container)

    if listing:
        for _rt, obj in find_objects(ctx, opts, "set env", resources):
            copy = deep_copy(obj)
            spec = pod_spec_of(copy)
            if spec is not None:
                change(copy, spec, [])
        return
    _apply_change(ctx, opts, resources, "set env", "env updated", change, "env")


def _list_env(ctx: Context, obj: Obj, container: Obj) -> None:
    ctx.print(f"# {obj['kind']} {obj['metadata']['name']}, container {container['name']}")
    for var in container.get("env") or []:
        source = var.get("valueFrom")
        if source is None:
            ctx.print(f"{var['name']}={var.get('value', '')}")
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            ref = source.get("configMapKeyRef") or source.get("secretKeyRef")
            what = "configmap" if "configMapKeyRef" in source else "secret"
            ctx.print(f"# {var['name']} from {what} {ref.get('name')}, key {ref.get('key')}")
        elif "fieldRef" in source:
            ctx.print(f"# {var['name']} from field path {source['fieldRef'].get('fieldPath')}")
        else:
            ctx.print(f"# {var['name']} from a resource")


def _env_from_source(ctx: Context, opts: Parsed, source: str) -> list[Obj]:
    """`--from=configmap/NAME|secret/NAME`: one variable per key, referring to it."""
    type_name, _, name = source.partition("/")
    rt = resolve_type(type_name)
    if rt.kind not in ("ConfigMap", "Secret") or not name:
        raise UsageError("error: unsupported resource specified in --from")
    obj = ctx.cluster.api.get(rt.key, namespace_of(ctx, opts), name)
    keys = sorted(set(obj.get("data") or {}) | set(obj.get("binaryData") or {}))
    wanted = opts.many("keys")
    if wanted:
        keys = [k for k in keys if k in wanted]
    prefix = opts.text("prefix")
    ref_kind = "configMapKeyRef" if rt.kind == "ConfigMap" else "secretKeyRef"
    return [{"name": prefix + _ENV_NAME_INVALID.sub("_", key).upper(),
             "valueFrom": {ref_kind: {"key": key, "name": name}}} for key in keys]


# -- set resources --------------------------------------------------------------------------

def _resources(ctx: Context, opts: Parsed, args: list[str]) -> None:
    limits = _resource_list(opts.text("limits"))
    requests = _resource_list(opts.text("requests"))
    if not limits and not requests:
        raise UsageError("error: you must specify an update to requests or limits (in the form "
                         "of --requests/--limits)")
    selector = opts.text("container") or opts.text("containers") or "*"

    def change(obj: Obj, spec: Obj, errors: list[str]) -> None:
        matched = False
        for key in ("initContainers", "containers"):
            for container in spec.get(key) or []:
                if not fnmatch.fnmatchcase(container["name"], selector):
                    continue
                matched = True
                resources = container.setdefault("resources", {})
                for field, values in (("limits", limits), ("requests", requests)):
                    if values:
                        resources.setdefault(field, {}).update(values)
        if not matched:
            errors.append(f"error: unable to find container named {selector}")

    _apply_change(ctx, opts, args, "set resources", "resource requirements updated", change,
                  "resources")


def _resource_list(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    if not text:
        return values
    for statement in text.split(","):
        name, eq, value = statement.partition("=")
        if not eq or not name or not value:
            raise UsageError(f"error: invalid argument syntax {statement}, expected "
                             "<resource>=<value>")
        values[name] = value
    return values


VERBS = {"set": (run, "Set specific features on objects", FLAGS)}
