"""`kubectl exec POD [-c C] [-i] [-t] -- COMMAND [args...]`.

The command runs in the container's own context (its environment, filesystem, network and
commands, from the kubelet's running workload) through the image shell, synchronously: the
container's filesystem sees what the command writes, but sleeps inside an exec take no cluster
time (the cluster's clock does not move while `exec` runs), and a command that would run for
more than `EXEC_SECONDS` of its own virtual time, or for ever, is stopped as if interrupted.
`-i` feeds the command the stdin given to kubectl; `-t` is accepted (there is no terminal to
attach in the headless CLI) and, as with a TTY, sets `TERM=xterm` and merges stderr into stdout.

Exit status is the command's: a non-zero one prints `command terminated with exit code N` on
stderr and kubectl exits with N. A binary missing from the image fails with the container
runtime's OCI error, a pod that is not running with kubectl's or the kubelet's refusal.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from typing import Any

from playground.engine.errors import APIError
from playground.engine.images.shell import find_executable
from playground.engine.images.shell import run as run_shell
from playground.engine.images.shell_api import Sleep
from playground.kubectl.commands.logs import PodChoiceError, choose_container, resolve_pod
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse

EXEC_SECONDS = 300
"""Virtual seconds of sleeping an exec'd command may do before it is stopped."""

EXEC_STEP_LIMIT = 2_000_000
"""Shell steps an exec'd command may take (a runaway loop ends with 137)."""

INTERRUPTED = 130

FLAGS = (
    Flag("container", "c"),
    Flag("stdin", "i", takes_value=False),
    Flag("tty", "t", takes_value=False),
    Flag("quiet", "q", takes_value=False),
    Flag("filename", "f", repeatable=True),
    Flag("pod-running-timeout"),
)


def run(ctx: Context, argv: list[str]) -> None:
    """Run a command in a running container."""
    opts = parse(argv, FLAGS, "exec")
    namespace = opts.text("namespace") or ctx.namespace
    command = opts.after_dashes or []
    if len(opts.args) > 1 and opts.after_dashes is None:
        raise UsageError("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] "
                         "-- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples")
    if not opts.args:
        raise UsageError("error: pod, type/name or --filename must be specified")
    if not command:
        raise UsageError("error: you must specify at least one command for the container")
    try:
        pod = resolve_pod(ctx, namespace, opts.args[0])
        phase = (pod.get("status") or {}).get("phase")
        if phase in ("Succeeded", "Failed"):
            ctx.error("error: cannot exec into a container in a completed pod; current phase "
                      f"is {phase}")
            return
        container = choose_container(ctx, pod, opts.text("container"), opts.flag("quiet"))
    except APIError as exc:
        ctx.error(api_error_text(exc))
        return
    except PodChoiceError as exc:
        ctx.error(str(exc))
        return
    pod_name = pod["metadata"]["name"]
    work = ctx.cluster.kubelet.workload(namespace, pod_name, container)
    if work is None or work.shell_ctx is None or work.exit_code is not None:
        ctx.error(f'error: unable to upgrade connection: container not found ("{container}")')
        return
    code = _exec(ctx, work, pod, container, command, opts.flag("stdin"), opts.flag("tty"))
    if code:
        ctx.error(f"command terminated with exit code {code}", code=code)


def _exec(ctx: Context, work: Any, pod: dict[str, Any], container: str, command: list[str],
          stdin: bool, tty: bool) -> int:
    out: list[str] = []
    err: list[str] = out if tty else []
    env = dict(work.shell_ctx.env)
    if tty:
        env["TERM"] = "xterm"
    env.setdefault("HOME", "/root")
    shell_ctx = dataclasses.replace(
        work.shell_ctx, env=env, stdout=out.append, stderr=err.append,
        stdin=(ctx.stdin or "") if stdin else "", pid=_exec_pid(pod, container),
        step_limit=EXEC_STEP_LIMIT)
    if not find_executable(command[0], shell_ctx):
        ctx.error("error: Internal error occurred: error executing command in container: failed "
                  f'to exec in container: failed to start exec "{_exec_id(ctx, pod, container)}"'
                  ": OCI runtime exec failed: exec failed: unable to start container process: "
                  f'exec: "{command[0]}": executable file not found in $PATH: unknown')
        return 0
    process = run_shell(list(command), shell_ctx)
    slept = 0.0
    code = 0
    try:
        item = next(process)
        while True:
            if isinstance(item, Sleep):
                if math.isinf(item.seconds) or slept + item.seconds > EXEC_SECONDS:
                    process.close()
                    code = INTERRUPTED
                    break
                slept += item.seconds
            item = process.send(None)
    except StopIteration as stop:
        code = int(stop.value or 0)
    ctx.out.write("".join(out))
    if not tty:
        ctx.err.write("".join(err))
    return code


def _exec_pid(pod: dict[str, Any], container: str) -> int:
    """A process id for the exec'd command, stable for one container and never 1."""
    digest = hashlib.sha256(f"{pod['metadata'].get('uid')}/{container}".encode()).digest()
    return 7 + digest[0] % 50


def _exec_id(ctx: Context, pod: dict[str, Any], container: str) -> str:
    """containerd's exec id: 64 hex digits, here derived from the pod, container and time."""
    seed = f"{pod['metadata'].get('uid')}/{container}/{ctx.cluster.now}"
    return hashlib.sha256(seed.encode()).hexdigest()


VERBS = {"exec": (run, "Execute a command in a container", FLAGS)}
