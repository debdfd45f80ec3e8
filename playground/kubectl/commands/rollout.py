"""`kubectl rollout status|history|undo|pause|resume|restart`.

Deployments keep their history in ReplicaSets (revision annotation), DaemonSets and
StatefulSets in ControllerRevisions; `undo` is client-side as in kubectl: the target revision's
pod template (minus `pod-template-hash`) is written back into the workload. Pause and resume
are Deployment-only.

`rollout status` waits like kubectl's watch: the headless CLI lets virtual time pass in
one-second steps (the cluster really advances) and prints each new status line, until the
rollout is done, the progress deadline is exceeded, or `--timeout` passes. Without `--timeout`
the wait is bounded by the Deployment's `progressDeadlineSeconds` plus `STATUS_GRACE_SECONDS`
(`DEFAULT_STATUS_SECONDS` for other kinds), where real kubectl would wait for ever.
`-w=false` prints the current line once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.engine.api.resources import ResourceType
from playground.engine.controllers.deployment_util import (
    POD_TEMPLATE_HASH,
    ROLLBACK_TO,
    RolloutStatusError,
    equal_ignore_hash,
    revision_of,
    rollout_status_message,
)
from playground.engine.controllers.statefulset import owned_revisions, revision_template
from playground.engine.errors import APIError
from playground.engine.store import deep_copy
from playground.kubectl.commands.logs import parse_go_duration
from playground.kubectl.commands.scale import (
    dry_run_mode,
    find_objects,
    finish_change,
    update_object,
)
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, Parsed, UsageError, parse
from playground.kubectl.printers import name_line
from playground.kubectl.table import tabwrite

Obj = dict[str, Any]

STATUS_GRACE_SECONDS = 60
DEFAULT_STATUS_SECONDS = 600
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
_SKIPPED_ANNOTATIONS = frozenset({
    "kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas", ROLLBACK_TO})

_COMMON = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("selector", "l"),
    Flag("output", "o"),
)
FLAGS = _COMMON + (
    Flag("watch", "w", takes_value=False, default=True),
    Flag("timeout"),
    Flag("revision"),
    Flag("to-revision"),
    Flag("dry-run"),
)

_SUBCOMMANDS = ("history", "pause", "restart", "resume", "status", "undo")


def run(ctx: Context, argv: list[str]) -> None:
    """Dispatch `kubectl rollout <subcommand>`."""
    opts = parse(argv, FLAGS, "rollout")
    if not opts.args or opts.args[0] not in _SUBCOMMANDS:
        given = opts.args[0] if opts.args else ""
        if given:
            raise UsageError(f'error: unknown command "{given}" for "kubectl rollout"\n'
                             "Run 'kubectl rollout --help' for usage.")
        raise UsageError("error: Manage the rollout of one or many resources.\n\n"
                         f"Available Commands: {', '.join(_SUBCOMMANDS)}\n"
                         "See 'kubectl rollout -h' for help and examples")
    sub = opts.args[0]
    targets = opts.args[1:]
    if not targets and not opts.many("filename") and not opts.text("selector"):
        raise UsageError("error: required resource not specified")
    objects = find_objects(ctx, opts, f"rollout {sub}", targets)
    handler: Callable[[Context, ResourceType, Obj, Parsed], None] = {
        "status": _status, "history": _history, "undo": _undo, "pause": _pause,
        "resume": _resume, "restart": _restart}[sub]
    for rt, obj in objects:
        handler(ctx, rt, obj, opts)


# -- status ---------------------------------------------------------------------------------

def status_line(obj: Obj) -> tuple[str, bool]:
    """kubectl's status line for a workload and whether its rollout is done; raises
    RolloutStatusError when it never will be."""
    kind = obj.get("kind")
    if kind == "Deployment":
        return rollout_status_message(obj)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    meta = obj["metadata"]
    strategy = (spec.get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy != "RollingUpdate":
        raise RolloutStatusError("rollout status is only available for RollingUpdate "
                                 "strategy type")
    generation = int(meta.get("generation") or 0)
    observed = int(status.get("observedGeneration") or 0)
    if kind == "DaemonSet":
        if generation > observed:
            return "Waiting for daemon set spec update to be observed...", False
        desired = int(status.get("desiredNumberScheduled") or 0)
        updated = int(status.get("updatedNumberScheduled") or 0)
        available = int(status.get("numberAvailable") or 0)
        prefix = f'Waiting for daemon set "{meta["name"]}" rollout to finish: '
        if updated < desired:
            return f"{prefix}{updated} out of {desired} new pods have been updated...", False
        if available < desired:
            return f"{prefix}{available} of {desired} updated pods are available...", False
        return f'daemon set "{meta["name"]}" successfully rolled out', True
    if observed == 0 or generation > observed:
        return "Waiting for statefulset spec update to be observed...", False
    replicas = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas") or 0)
    if ready < replicas:
        return f"Waiting for {replicas - ready} pods to be ready...", False
    rolling = (spec.get("updateStrategy") or {}).get("rollingUpdate")
    updated = int(status.get("updatedReplicas") or 0)
    if rolling is not None:
        partition = rolling.get("partition")
        if partition is not None and updated < replicas - int(partition):
            return ("Waiting for partitioned roll out to finish: "
                    f"{updated} out of {replicas - int(partition)} new pods have been "
                    "updated..."), False
        return f"partitioned roll out complete: {updated} new pods have been updated...", True
    if status.get("updateRevision") != status.get("currentRevision"):
        return ("waiting for statefulset rolling update to complete "
                f"{updated} pods at revision {status.get('updateRevision')}..."), False
    return ("statefulset rolling update complete "
            f"{int(status.get('currentReplicas') or 0)} pods at revision "
            f"{status.get('currentRevision')}..."), True


def _status(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed) -> None:
    if rt.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        ctx.error(f'error: no status viewer has been implemented for {rt.kind}')
        return
    if opts.get("timeout") is not None:
        bound = parse_go_duration(opts.text("timeout"), "timeout")
        explicit = bound > 0
    else:
        explicit = False
        bound = 0
    if not explicit:
        deadline = int((obj.get("spec") or {}).get("progressDeadlineSeconds") or 600)
        bound = deadline + STATUS_GRACE_SECONDS if rt.kind == "Deployment" \
            else DEFAULT_STATUS_SECONDS
    meta = obj["metadata"]
    last = ""
    waited = 0.0
    ctx.cluster.settle()  # controllers react to the latest change before the first look
    while True:
        live = ctx.cluster.store.get(rt.key, meta["namespace"], meta["name"])
        if live is None:
            ctx.error("error: object has been deleted")
            return
        try:
            line, done = status_line(live)
        except RolloutStatusError as exc:
            ctx.error(f"error: {exc}")
            return
        if line != last:
            ctx.print(line)
            last = line
        if done or not opts.flag("watch"):
            return
        if waited >= bound:
            ctx.error("error: timed out waiting for the condition")
            return
        ctx.cluster.advance(1)
        waited += 1


# -- history --------------------------------------------------------------------------------

def revisions_of(ctx: Context, rt: ResourceType, obj: Obj) -> dict[int, tuple[Obj, Obj]]:
    """revision → (the object holding it, its pod template)."""
    store = ctx.cluster.store
    found: dict[int, tuple[Obj, Obj]] = {}
    if rt.kind == "Deployment":
        uid = obj["metadata"]["uid"]
        for resource, rs in store.dependents(uid):
            owners = rs["metadata"].get("ownerReferences") or []
            if resource == "replicasets.apps" and any(o.get("uid") == uid and
                                                      o.get("controller") for o in owners):
                revision = revision_of(rs)
                if revision > 0:
                    found[revision] = (rs, (rs.get("spec") or {}).get("template") or {})
    else:
        for controller_revision in owned_revisions(store, obj):
            found[int(controller_revision.get("revision") or 0)] = (
                controller_revision, revision_template(controller_revision))
    return found


def _history(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed) -> None:
    if rt.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        ctx.error(f"error: no history viewer has been implemented for {rt.kind}")
        return
    wanted = _revision_flag(opts, "revision")
    history = revisions_of(ctx, rt, obj)
    header = name_line(obj, rt)
    if not history:
        ctx.print(f"{header} \nNo rollout history found.")
        return
    if wanted > 0:
        if wanted not in history:
            ctx.error("error: unable to find the specified revision")
            return
        holder, template = history[wanted]
        template = deep_copy(template)
        cause = ((holder["metadata"].get("annotations") or {}).get(CHANGE_CAUSE))
        if cause:
            template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
        ctx.print(f"{header} with revision #{wanted}\n{describe_pod_template(template)}")
        return
    rows = ["REVISION\tCHANGE-CAUSE"]
    for revision in sorted(history):
        holder, _ = history[revision]
        cause = (holder["metadata"].get("annotations") or {}).get(CHANGE_CAUSE) or "<none>"
        rows.append(f"{revision}\t{cause}")
    table = tabwrite("\n".join(rows) + "\n", min_width=0, padding=2)
    ctx.print(f"{header} \n{table}")


def _revision_flag(opts: Parsed, flag: str) -> int:
    text = opts.text(flag, "0")
    try:
        return int(text)
    except ValueError:
        raise UsageError(f'error: invalid argument "{text}" for "--{flag}" flag: '
                         f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def describe_pod_template(template: Obj) -> str:
    """`Pod Template:` as kubectl's describe writes it (raw tabs, no alignment, as
    `rollout history --revision` prints it)."""
    meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    out: list[str] = ["Pod Template:"]
    out += _multiline("  Labels", [f"{k}={v}" for k, v in sorted((meta.get("labels")
                                                                    or {}).items())])
    annotations = meta.get("annotations") or {}
    if annotations:
        out += _multiline("  Annotations", [f"{k}: {v}" for k, v in sorted(annotations.items())])
    if spec.get("serviceAccountName"):
        out.append(f"  Service Account:\t{spec['serviceAccountName']}")
    if spec.get("initContainers"):
        out += _containers("Init Containers", spec["initContainers"])
    out += _containers("Containers", spec.get("containers") or [])
    volumes = spec.get("volumes") or []
    if not volumes:
        out.append("  Volumes:\t<none>")
    else:
        out.append("  Volumes:")
        for volume in volumes:
            kind = next((k for k in volume if k != "name"), "")
            out.append(f"   {volume['name']}:")
            out.append(f"    Type:\t{kind}")
    if spec.get("priorityClassName"):
        out.append(f"  Priority Class Name:\t{spec['priorityClassName']}")
    out += _multiline("  Node-Selectors", [f"{k}={v}" for k, v in
                                           sorted((spec.get("nodeSelector") or {}).items())])
    tolerations = []
    for tol in spec.get("tolerations") or []:
        text = tol.get("key", "")
        if tol.get("value"):
            text += f"={tol['value']}"
        if tol.get("effect"):
            text += f":{tol['effect']}"
        if tol.get("operator") == "Exists" and not tol.get("key"):
            text = "op=Exists" + (f":{tol['effect']}" if tol.get("effect") else "")
        elif tol.get("operator") == "Exists":
            text += " op=Exists"
        if tol.get("tolerationSeconds") is not None:
            text += f" for {tol['tolerationSeconds']}s"
        tolerations.append(text)
    out += _multiline("  Tolerations", tolerations)
    return "\n".join(out) + "\n"


def _multiline(title: str, items: list[str]) -> list[str]:
    if not items:
        return [f"{title}:\t<none>"]
    return [f"{title}:\t{items[0]}"] + [f"\t{item}" for item in items[1:]]


def _containers(label: str, containers: list[Obj]) -> list[str]:
    out = [f"  {label}:" + ("" if containers else " <none>")]
    for c in containers:
        out.append(f"   {c['name']}:")
        out.append(f"    Image:\t{c.get('image', '')}")
        ports = [f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}"
                 + (f" ({p['name']})" if p.get("name") else "") for p in c.get("ports") or []]
        host = [f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}"
                + (f" ({p['name']})" if p.get("name") else "") for p in c.get("ports") or []]
        port_text, host_text = ", ".join(ports), ", ".join(host)
        out.append(f"    {'Ports' if ',' in port_text else 'Port'}:\t{port_text or '<none>'}")
        out.append(f"    {'Host Ports' if ',' in host_text else 'Host Port'}:\t"
                   f"{host_text or '<none>'}")
        for key, title in (("command", "Command"), ("args", "Args")):
            if c.get(key):
                out.append(f"    {title}:")
                out += [f"      {line}" for item in c[key] for line in str(item).split("\n")]
        resources = c.get("resources") or {}
        for key, title in (("limits", "Limits"), ("requests", "Requests")):
            if resources.get(key):
                out.append(f"    {title}:")
                out += [f"      {k}:\t{v}" for k, v in sorted(resources[key].items())]
        env = c.get("env") or []
        out.append("    Environment:" + ("" if env else "\t<none>"))
        for var in env:
            if "valueFrom" in var:
                source = var["valueFrom"]
                if "configMapKeyRef" in source or "secretKeyRef" in source:
                    ref = source.get("configMapKeyRef") or source.get("secretKeyRef")
                    what = "config map" if "configMapKeyRef" in source else "secret"
                    out.append(f"      {var['name']}:\t<set to the key '{ref.get('key')}' "
                               f"of {what} '{ref.get('name')}'>\tOptional: "
                               f"{str(bool(ref.get('optional'))).lower()}")
                elif "fieldRef" in source:
                    ref = source["fieldRef"]
                    out.append(f"      {var['name']}:\t ({ref.get('apiVersion', 'v1')}:"
                               f"{ref.get('fieldPath')})")
                continue
            lines = str(var.get("value", "")).split("\n")
            out.append(f"      {var['name']}:\t{lines[0]}")
            out += [f"\t{line}" for line in lines[1:]]
        mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        out.append("    Mounts:" + ("" if mounts else "\t<none>"))
        for mount in mounts:
            flags = ["ro" if mount.get("readOnly") else "rw"]
            if mount.get("subPath"):
                flags.append(f'path="{mount["subPath"]}"')
            out.append(f"      {mount['mountPath']} from {mount['name']} ({','.join(flags)})")
    return out


# -- undo -----------------------------------------------------------------------------------

def _undo(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed) -> None:
    if rt.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        ctx.error(f'error: no rollbacker has been implemented for "{rt.group}/{rt.kind}"'
                  if rt.group else f'error: no rollbacker has been implemented for '
                  f'"/{rt.kind}"')
        return
    mode = dry_run_mode(opts)
    to_revision = _revision_flag(opts, "to-revision")
    if to_revision < 0:
        ctx.error(f"error: unable to find specified revision {to_revision} in history")
        return
    history = revisions_of(ctx, rt, obj)
    if to_revision > 0:
        if to_revision not in history:
            ctx.error(f"error: unable to find specified revision {to_revision} in history")
            return
        target = to_revision
    else:
        ordered = sorted(history)
        if len(ordered) < 2:
            if rt.kind == "Deployment":
                ctx.error("error: no rollout history found for deployment "
                          f'"{obj["metadata"]["name"]}"')
            else:
                ctx.error("error: no last revision to roll back to")
            return
        target = ordered[-2]
    holder, template = history[target]
    spec = obj.get("spec") or {}
    if mode == "client":
        ctx.print(f"{name_line(obj, rt)} {describe_pod_template(template)}")
        return
    if rt.kind == "Deployment" and spec.get("paused"):
        ctx.error("error: you cannot rollback a paused deployment; resume it first with "
                  "'kubectl rollout resume' and try again")
        return
    if equal_ignore_hash(template, spec.get("template") or {}):
        ctx.print(f"{name_line(obj, rt)} skipped rollback (current template already matches "
                  f"revision {to_revision})")
        return
    new = deep_copy(obj)
    restored = deep_copy(template)
    labels = (restored.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(POD_TEMPLATE_HASH, None)
    new["spec"]["template"] = restored
    if rt.kind == "Deployment":
        current = obj["metadata"].get("annotations") or {}
        annotations = {k: v for k, v in current.items() if k in _SKIPPED_ANNOTATIONS}
        annotations.update({k: v for k, v in (holder["metadata"].get("annotations") or {})
                            .items() if k not in _SKIPPED_ANNOTATIONS})
        new["metadata"]["annotations"] = annotations
    try:
        update_object(ctx, new, mode)
    except APIError as exc:
        ctx.error(f"error: failed restoring revision {target}: {exc.message}")
        return
    finish_change(ctx, new, rt, "rolled back", opts, mode)


# -- pause, resume, restart -----------------------------------------------------------------

def _set_paused(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed, paused: bool) -> None:
    name = obj["metadata"]["name"]
    if rt.kind != "Deployment":
        verb = "pausing" if paused else "resuming"
        ctx.error(f'error: {rt.key} "{name}" {verb} is not supported')
        return
    if bool((obj.get("spec") or {}).get("paused")) == paused:
        ctx.error(f'error: {rt.key} "{name}" '
                  f'{"is already paused" if paused else "is not paused"}')
        return
    new = deep_copy(obj)
    if paused:
        new["spec"]["paused"] = True
    else:
        new["spec"].pop("paused", None)
    mode = dry_run_mode(opts)
    try:
        updated = update_object(ctx, new, mode)
    except APIError as exc:
        ctx.error(api_error_text(exc))
        return
    finish_change(ctx, updated, rt, "paused" if paused else "resumed", opts, mode)


def _pause(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed) -> None:
    _set_paused(ctx, rt, obj, opts, True)


def _resume(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed) -> None:
    _set_paused(ctx, rt, obj, opts, False)


def _restart(ctx: Context, rt: ResourceType, obj: Obj, opts: Parsed) -> None:
    name = obj["metadata"]["name"]
    if rt.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        ctx.error(f'error: {rt.key} "{name}" restarting is not supported')
        return
    spec = obj.get("spec") or {}
    if rt.kind == "Deployment" and spec.get("paused"):
        ctx.error(f'error: {rt.key} "{name}" can\'t restart paused deployment (run rollout '
                  "resume first)")
        return
    stamp = ctx.cluster.clock.timestamp()
    annotations = (((spec.get("template") or {}).get("metadata") or {})
                   .get("annotations") or {})
    if annotations.get(RESTARTED_AT) == stamp:
        ctx.error(f"error: failed to create patch for {name}: if restart has already been "
                  "triggered within the past second, please wait before attempting to "
                  "trigger another")
        return
    new = deep_copy(obj)
    template_meta = new["spec"].setdefault("template", {}).setdefault("metadata", {})
    template_meta.setdefault("annotations", {})[RESTARTED_AT] = stamp
    mode = dry_run_mode(opts)
    try:
        updated = update_object(ctx, new, mode)
    except APIError as exc:
        ctx.error(f"error: failed to patch: {exc.message}")
        return
    finish_change(ctx, updated, rt, "restarted", opts, mode)


VERBS = {"rollout": (run, "Manage the rollout of a resource", FLAGS)}
