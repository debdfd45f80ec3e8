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


def help_text() -> str:
    """`kubectl --help` for the commands the playground supports."""
    width = max(len(v) for v in COMMANDS)
    lines = ["kubectl controls the Kubernetes cluster manager (playground edition).", "",
             "Commands the playground supports:"]
    lines += [f"  {verb.ljust(width)}   {spec.summary}" for verb, spec in sorted(COMMANDS.items())]
    lines += ["", "Usage:", "  kubectl [flags] [options]", "",
              "Use \"kubectl <command> --help\" for more information about a given command."]
    return "\n".join(lines)


def run(cluster: Cluster, argv: list[str], *, namespace: str = "default",
        stdin: str | None = None) -> Result:
    """Run one kubectl command line against a cluster."""
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
        ctx.error(f'error: unknown command "{verb}" for "kubectl"\n\n'
                  f"The playground supports: {', '.join(sorted(COMMANDS))}.\n"
                  "Run 'kubectl --help' for usage.")
        return ctx.result()
    if any(a in ("-h", "--help") for a in rest):
        flags = ", ".join(f"--{f.name}" + (f" (-{f.short})" if f.short else "")
                          for f in entry.flags)
        ctx.print(f"{entry.summary}.\n\nUsage:\n  kubectl {verb} [options]\n\n"
                  f"Flags: {flags or '(none)'}")
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
