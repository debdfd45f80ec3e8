"""The kubectl entry point shared by the headless CLI, the TUI command bar and the checker.

`run(cluster, argv)` parses a kubectl command line (with or without a leading `kubectl`/`k`),
dispatches to the verb's module and returns what kubectl would print and its exit code. It
never raises for bad input: usage errors and server refusals become kubectl's messages.
"""

from __future__ import annotations

from collections.abc import Callable

from playground.engine import KUBERNETES_VERSION
from playground.engine.cluster import Cluster
from playground.engine.errors import EngineError
from playground.kubectl.commands import apply, delete, get
from playground.kubectl.context import Context, Result
from playground.kubectl.flags import UsageError

Command = Callable[[Context, list[str]], None]


def _create(ctx: Context, argv: list[str]) -> None:
    apply.run(ctx, argv, verb="create")


def _version(ctx: Context, argv: list[str]) -> None:
    ctx.print(f"Client Version: {KUBERNETES_VERSION}\nKustomize Version: v5.7.1\n"
              f"Server Version: {KUBERNETES_VERSION}")


COMMANDS: dict[str, tuple[Command, str]] = {
    "apply": (apply.run, "Apply a configuration to a resource by file name or stdin"),
    "create": (_create, "Create a resource from a file or from stdin"),
    "get": (get.run, "Display one or many resources"),
    "delete": (delete.run, "Delete resources by file names, stdin, resources and names, or "
                           "by resources and label selector"),
    "version": (_version, "Print the client and server version information"),
}

_GLOBAL_VALUE_FLAGS = {"-n", "--namespace", "--context", "--kubeconfig"}


def help_text() -> str:
    """`kubectl --help` for the commands the playground supports."""
    width = max(len(v) for v in COMMANDS)
    lines = ["kubectl controls the Kubernetes cluster manager (playground edition).", "",
             "Commands the playground supports:"]
    lines += [f"  {verb.ljust(width)}   {summary}" for verb, (_, summary) in COMMANDS.items()]
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
        ctx.print(f"{entry[1]}.\n\nUsage:\n  kubectl {verb} [options]\n\n"
                  f"Flags: {', '.join(_flag_names(verb))}")
        return ctx.result()
    try:
        entry[0](ctx, rest)
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


def _flag_names(verb: str) -> list[str]:
    module = {"apply": apply, "create": apply, "get": get, "delete": delete}.get(verb)
    if module is None:
        return []
    return [f"--{f.name}" + (f" (-{f.short})" if f.short else "") for f in module.FLAGS]
