"""`kubectl cordon` and `kubectl uncordon`: mark nodes (un)schedulable.

Both patch `spec.unschedulable` (uncordon removes it, as kubectl's merge patch of `false` does)
and print `node/worker-1 cordoned`, `node/worker-1 already cordoned`, `node/worker-1
uncordoned` or `node/worker-1 already uncordoned`. The node lifecycle controller then adds or
removes the `node.kubernetes.io/unschedulable:NoSchedule` taint. `drain` reuses `set_cordon`.
"""

from __future__ import annotations

from playground.engine.errors import APIError
from playground.engine.selectors import SelectorError, parse_label_selector
from playground.engine.store import Obj
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse

FLAGS = (
    Flag("selector", "l"),
    Flag("dry-run"),
)


def dry_run_suffix(value: str) -> str:
    """What kubectl appends to a message for `--dry-run=client|server`."""
    if value in ("", "none", "false"):
        return ""
    if value in ("client", "true"):
        return " (dry run)"
    if value == "server":
        return " (server dry run)"
    raise UsageError(f'error: Invalid dry-run value ({value}). Must be "none", "server", or '
                     '"client".')


def select_nodes(ctx: Context, names: list[str], selector_text: str, verb: str) -> list[Obj]:
    """The nodes named or selected; prints kubectl's errors for missing ones."""
    api = ctx.cluster.api
    if not names and not selector_text:
        raise UsageError(f"error: USAGE: {verb} NODE [flags]\n"
                         f"See 'kubectl {verb} -h' for help and examples")
    if selector_text:
        try:
            selector = parse_label_selector(selector_text)
        except SelectorError as exc:
            raise UsageError(f"error: {exc}") from None
        nodes = api.list("nodes", None, selector)
        if not nodes:
            ctx.warn("No resources found")
        return nodes
    found: list[Obj] = []
    for name in names:
        name = name.removeprefix("node/").removeprefix("nodes/")
        try:
            found.append(api.get("nodes", "", name))
        except APIError as exc:
            ctx.error(api_error_text(exc))
    return found


def set_cordon(ctx: Context, node: Obj, desired: bool, dry_run: str = "") -> bool:
    """Cordon or uncordon one node and print what happened; False when it failed."""
    name = node["metadata"]["name"]
    word = "cordoned" if desired else "uncordoned"
    suffix = dry_run_suffix(dry_run)
    if bool((node.get("spec") or {}).get("unschedulable")) == desired:
        ctx.print(f"node/{name} already {word}")
        return True
    if not suffix:
        try:
            ctx.cluster.api.patch("nodes", "", name,
                                  {"spec": {"unschedulable": True if desired else None}},
                                  "merge")
        except APIError as exc:
            ctx.error(api_error_text(exc))
            return False
    ctx.print(f"node/{name} {word}{suffix}")
    return True


def _run(ctx: Context, argv: list[str], verb: str, desired: bool) -> None:
    opts = parse(argv, FLAGS, verb)
    if len(opts.args) > 1:
        raise UsageError(f"error: USAGE: {verb} NODE [flags]\n"
                         f"See 'kubectl {verb} -h' for help and examples")
    for node in select_nodes(ctx, opts.args, opts.text("selector"), verb):
        set_cordon(ctx, node, desired, opts.text("dry-run"))


def run_cordon(ctx: Context, argv: list[str]) -> None:
    """Mark a node unschedulable."""
    _run(ctx, argv, "cordon", True)


def run_uncordon(ctx: Context, argv: list[str]) -> None:
    """Mark a node schedulable again."""
    _run(ctx, argv, "uncordon", False)


VERBS = {"cordon": (run_cordon, "Mark node as unschedulable", FLAGS),
         "uncordon": (run_uncordon, "Mark node as schedulable", FLAGS)}
