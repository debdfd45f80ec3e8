"""The kubectl entry point shared by the headless CLI, the TUI command bar and the checker.

`run(cluster, argv)` parses a kubectl command line (with or without a leading `kubectl`/`k`),
dispatches to the verb's module and returns what kubectl would print and its exit code. It
never raises for bad input: usage errors and server refusals become kubectl's messages.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from playground.engine import KUBERNETES_VERSION
from playground.engine.cluster import Cluster
from playground.engine.errors import EngineError
from playground.kubectl import commands as command_package
from playground.kubectl.commands.config import default_namespace
from playground.kubectl.context import Context, Result
from playground.kubectl.flags import Flag, UsageError

Command = Callable[[Context, list[str]], None]


@dataclass(frozen=True)
class Verb:
    """One kubectl verb: how to run it, its one-line summary and its flags (for --help)."""

    run: Command
    summary: str
    flags: tuple[Flag, ...] = ()


def _discover() -> dict[str, Verb]:
    """Every module in `playground.kubectl.commands` declares `VERBS = {"name": Verb(...)}`;
    collecting them here means adding a verb never touches this file."""
    verbs: dict[str, Verb] = {}
    for info in sorted(pkgutil.iter_modules(command_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{command_package.__name__}.{info.name}")
        for name, spec in getattr(module, "VERBS", {}).items():
            verbs[name] = Verb(*spec) if isinstance(spec, tuple) else spec
    return verbs


def _version(ctx: Context, argv: list[str]) -> None:
    ctx.print(f"Client Version: {KUBERNETES_VERSION}\nKustomize Version: v5.7.1\n"
              f"Server Version: {KUBERNETES_VERSION}")


COMMANDS: dict[str, Verb] = {
    "version": Verb(_version, "Print the client and server version information"),
    **_discover(),
}

_GLOBAL_VALUE_FLAGS = {"-n", "--namespace", "--context", "--kubeconfig"}


KUBECTL_COMMANDS = (
    "annotate", "api-resources", "api-versions", "apply", "attach", "auth", "autoscale",
    "certificate", "cluster-info", "completion", "config", "cordon", "cp", "create", "debug",
    "delete", "describe", "diff", "drain", "edit", "events", "exec", "explain", "expose", "get",
    "kustomize", "label", "logs", "options", "patch", "plugin", "port-forward", "proxy",
    "replace", "rollout", "run", "scale", "set", "taint", "top", "uncordon", "version", "wait",
)
"""Every command real kubectl has, to tell "not in the playground yet" from a typo."""


def help_text() -> str:
    """`kubectl --help` for the commands the playground supports."""
    width = max(len(v) for v in COMMANDS)
    lines = ["kubectl controls the Kubernetes cluster manager (playground edition).", "",
             "Commands the playground supports:"]
    lines += [f"  {verb.ljust(width)}   {spec.summary}" for verb, spec in sorted(COMMANDS.items())]
    lines += ["", "Usage:", "  kubectl [flags] [options]", "",
              "Use \"kubectl <command> --help\" for more information about a given command."]
    return "\n".join(lines)


def verb_help(verb: str) -> str:
    """`kubectl <verb> --help`: the summary and the flags the playground understands."""
    entry = COMMANDS[verb]
    lines = [f"{entry.summary}.", "", "Usage:", f"  kubectl {verb} [options]", ""]
    if entry.flags:
        lines.append("Options:")
        for flag in entry.flags:
            short = f"-{flag.short}, " if flag.short else "    "
            value = "=<value>" if flag.takes_value else ""
            lines.append(f"    {short}--{flag.name}{value}")
    else:
        lines.append("Options: (none)")
    lines += ["", "Global options: -n/--namespace, --context, --kubeconfig, --request-timeout"]
    return "\n".join(lines)


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def unknown_command_text(verb: str) -> str:
    """kubectl's refusal of an unknown command, with what the playground offers instead."""
    lines = [f'error: unknown command "{verb}" for "kubectl"']
    supported = ", ".join(sorted(COMMANDS))
    if verb in KUBECTL_COMMANDS:
        lines += ["", (f'The playground does not support "kubectl {verb}" yet. It supports: '
                       f"{supported}.")]
    else:
        # cobra suggests commands within edit distance 2, or that start with what was typed
        close = [name for name in sorted(COMMANDS)
                 if _distance(verb.lower(), name) <= 2 or name.startswith(verb.lower())]
        if close:
            lines += ["", "Did you mean this?"] + [f"\t{name}" for name in close]
        lines += ["", f"The playground supports: {supported}."]
    lines.append("Run 'kubectl --help' for usage.")
    return "\n".join(lines)


def run(cluster: Cluster, argv: list[str], *, namespace: str | None = None,
        stdin: str | None = None) -> Result:
    """Run one kubectl command line against a cluster.

    Without `namespace`, commands default to the namespace of the kubeconfig context
    (`kubectl config set-context --current --namespace=...`), else `default`."""
    if namespace is None:
        namespace = default_namespace(cluster)
    ctx = Context(cluster, namespace=namespace, stdin=stdin)
    args = list(argv)
    if args and args[0] in ("kubectl", "k"):
        args = args[1:]
    verb_index = _verb_index(args)
    if verb_index is None:
        if not args or any(a in ("-h", "--help") for a in args):
            ctx.print(help_text())
        else:
            ctx.error(help_text())
        return ctx.result()
    verb = args[verb_index]
    rest = args[:verb_index] + args[verb_index + 1:]
    entry = COMMANDS.get(verb)
    if entry is None:
        ctx.error(unknown_command_text(verb))
        return ctx.result()
    before_dashes = rest[:rest.index("--")] if "--" in rest else rest
    if any(a in ("-h", "--help") for a in before_dashes):
        ctx.print(verb_help(verb))
        return ctx.result()
    try:
        entry.run(ctx, rest)
    except UsageError as exc:
        ctx.error(str(exc))
    except EngineError as exc:
        ctx.error(f"error: {exc}")
    return ctx.result()


def _verb_index(args: list[str]) -> int | None:
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _GLOBAL_VALUE_FLAGS:
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return i
    return None
