"""`kubectl run NAME --image=IMAGE`: one Pod, labelled `run=NAME`, as kubectl's generator
builds it (container named after the pod, `resources: {}`, `dnsPolicy: ClusterFirst`,
`restartPolicy` from `--restart`).

Arguments after `--` become the container's `args`, or its `command` with `--command`.
With `-i`/`--attach` the headless CLI cannot attach a terminal, so it lets virtual time pass
(one-second steps, at most `ATTACH_SECONDS`) until the pod finishes and prints the container's
output; with `--rm` the pod is then deleted, as kubectl does after the session ends.
"""

from __future__ import annotations

from typing import Any

from playground.engine.errors import APIError
from playground.kubectl.commands.create_resources import emit_object
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse

Obj = dict[str, Any]

ATTACH_SECONDS = 300
"""Virtual seconds `run -i` waits for the pod to finish in the headless CLI."""

FLAGS = (
    Flag("image"),
    Flag("port"),
    Flag("env", repeatable=True),
    Flag("labels", "l"),
    Flag("annotations", repeatable=True),
    Flag("restart"),
    Flag("command", takes_value=False),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("image-pull-policy"),
    Flag("stdin", "i", takes_value=False),
    Flag("tty", "t", takes_value=False),
    Flag("attach", takes_value=False),
    Flag("rm", takes_value=False),
    Flag("quiet", "q", takes_value=False),
    Flag("expose", takes_value=False),
    Flag("privileged", takes_value=False),
    Flag("overrides"),
    Flag("save-config", takes_value=False),
    Flag("pod-running-timeout"),
)

_RESTART = ("Always", "OnFailure", "Never")


def build_pod(name: str, image: str, *, labels: dict[str, str], restart: str,
              port: int | None = None, env: list[tuple[str, str]] | None = None,
              args: list[str] | None = None, command: bool = False,
              pull_policy: str = "", annotations: dict[str, str] | None = None,
              stdin: bool = False, tty: bool = False, namespace: str = "") -> Obj:
    """The Pod `kubectl run` sends."""
    container: Obj = {"image": image, "name": name, "resources": {}}
    if args:
        container["command" if command else "args"] = list(args)
    if port is not None:
        container["ports"] = [{"containerPort": port}]
    if env:
        container["env"] = [{"name": k, "value": v} for k, v in env]
    if pull_policy:
        container["imagePullPolicy"] = pull_policy
    if stdin:
        container["stdin"] = True
        container["stdinOnce"] = True
    if tty:
        container["tty"] = True
    meta: Obj = {"labels": labels, "name": name}
    if annotations:
        meta["annotations"] = annotations
    if namespace:
        meta["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta,
            "spec": {"containers": [container], "dnsPolicy": "ClusterFirst",
                     "restartPolicy": restart},
            "status": {}}


def run(ctx: Context, argv: list[str]) -> None:
    """Create (or show) a pod running one image."""
    opts = parse(argv, FLAGS, "run")
    if not opts.args:
        raise UsageError("error: NAME is required for run\n"
                         "See 'kubectl run -h' for help and examples")
    name = opts.args[0]
    extra = opts.args[1:]
    image = opts.text("image")
    if not image:
        raise UsageError('error: required flag(s) "image" not set')
    restart = opts.text("restart", "Always")
    if restart not in _RESTART:
        raise UsageError(f"error: invalid restart policy: {restart}")
    attach = opts.flag("stdin") or opts.flag("attach")
    if opts.flag("rm") and not attach:
        raise UsageError("error: --rm should only be used for attached containers")
    labels = _pairs(opts.text("labels"), "labels") if opts.text("labels") else {"run": name}
    annotations = {k: v for item in opts.many("annotations")
                   for k, v in _pairs(item, "annotations").items()}
    env: list[tuple[str, str]] = []
    for pair in opts.many("env"):
        key, eq, value = pair.partition("=")
        if not eq:
            raise UsageError(f"error: invalid env: {pair}")
        env.append((key, value))
    port = None
    if opts.text("port"):
        try:
            port = int(opts.text("port"))
        except ValueError:
            raise UsageError(f'error: invalid argument "{opts.text("port")}" for "--port" '
                             "flag") from None
    args = extra + (opts.after_dashes or [])
    if opts.flag("command") and not args:
        raise UsageError("error: --command requires a command after --")
    pod = build_pod(name, image, labels=labels, restart=restart, port=port, env=env,
                    args=args, command=opts.flag("command"),
                    pull_policy=opts.text("image-pull-policy"), annotations=annotations,
                    stdin=opts.flag("stdin"), tty=opts.flag("tty"),
                    namespace=opts.text("namespace"))
    if not attach:
        emit_object(ctx, pod, opts, api_error_text)
        return
    try:
        ctx.cluster.api.create(pod, namespace=opts.text("namespace") or ctx.namespace)
    except APIError as exc:
        ctx.error(api_error_text(exc))
        return
    _attach(ctx, opts.text("namespace") or ctx.namespace, name, opts.flag("rm"))


def _attach(ctx: Context, namespace: str, name: str, remove: bool) -> None:
    cluster = ctx.cluster
    waited = 0
    while waited < ATTACH_SECONDS:
        pod = cluster.store.get("pods", namespace, name)
        if pod is None or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            break
        cluster.advance(1)
        waited += 1
    for _at, _stream, text in cluster.kubelet.logs(namespace, name, name) or []:
        ctx.print(text)
    pod = cluster.store.get("pods", namespace, name)
    phase = ((pod or {}).get("status") or {}).get("phase")
    if remove:
        try:
            cluster.api.delete("pods", namespace, name)
            ctx.print(f'pod "{name}" deleted from {namespace} namespace')
        except APIError as exc:
            ctx.error(api_error_text(exc))
    if phase == "Failed":
        ctx.error(f"pod {namespace}/{name} terminated (Error)")


def _pairs(text: str, flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in text.split(","):
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise UsageError(f"error: invalid {flag}: {item}")
        pairs[key] = value
    return pairs


VERBS = {"run": (run, "Run a particular image on the cluster", FLAGS)}
