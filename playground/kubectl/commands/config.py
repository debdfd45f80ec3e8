"""`kubectl config`: the playground's one kubeconfig context, and its default namespace.

The playground has a single cluster, user and context, all named `CONTEXT` (`playground`),
pointing at the API server address `cluster-info` prints. What a learner can change is the
context's namespace (`kubectl config set-context --current --namespace=dev`): it is kept in the
cluster's state as the record `kubectl/config`, so it persists with the cluster, and
`playground.kubectl.main.run` uses it as the default namespace of every later command.
`config view` prints the kubeconfig with its credentials omitted, as kubectl does by default.
"""

from __future__ import annotations

from typing import Any

from playground.engine.cluster import Cluster
from playground.kubectl.commands.cluster_info import SERVER
from playground.kubectl.context import Context
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.output import to_json, to_yaml
from playground.kubectl.table import tabwrite

CONTEXT = "playground"
"""The name of the playground's cluster, user and context."""

RECORD_KIND, RECORD_KEY = "kubectl", "config"

FLAGS = (
    Flag("current", takes_value=False),
    Flag("output", "o"),
    Flag("minify", takes_value=False),
    Flag("raw", takes_value=False),
    Flag("flatten", takes_value=False),
    Flag("no-headers", takes_value=False),
    Flag("cluster"),
    Flag("user"),
)

SUBCOMMANDS = ("current-context", "get-clusters", "get-contexts", "get-users",
               "set-context", "use-context", "view")


def context_namespace(cluster: Cluster) -> str:
    """The namespace the context names ('' when it names none)."""
    record = cluster.store.get_record(RECORD_KIND, RECORD_KEY) or {}
    return str(record.get("namespace", ""))


def default_namespace(cluster: Cluster) -> str:
    """The namespace commands use when none is given: the context's, else `default`."""
    return context_namespace(cluster) or "default"


def kubeconfig(cluster: Cluster) -> dict[str, Any]:
    """The kubeconfig kubectl would show, credentials omitted."""
    context: dict[str, Any] = {"cluster": CONTEXT}
    namespace = context_namespace(cluster)
    if namespace:
        context["namespace"] = namespace
    context["user"] = CONTEXT
    return {
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": "DATA+OMITTED",
                                  "server": SERVER}, "name": CONTEXT}],
        "contexts": [{"context": context, "name": CONTEXT}],
        "current-context": CONTEXT,
        "kind": "Config",
        "preferences": {},
        "users": [{"name": CONTEXT, "user": {"client-certificate-data": "DATA+OMITTED",
                                             "client-key-data": "DATA+OMITTED"}}],
    }


def run(ctx: Context, argv: list[str]) -> None:
    """Dispatch `kubectl config <subcommand>`."""
    opts = parse(argv, FLAGS, "config")
    if not opts.args:
        raise UsageError("error: kubectl config needs a subcommand; the playground supports: "
                         + ", ".join(SUBCOMMANDS))
    sub, args = opts.args[0], opts.args[1:]
    cluster = ctx.cluster
    if sub == "current-context":
        ctx.print(CONTEXT)
    elif sub == "get-contexts":
        for name in args:
            if name != CONTEXT:
                ctx.error(f"error: context {name} not found")
                return
        if opts.text("output") == "name":
            ctx.print(CONTEXT)
            return
        if opts.text("output"):
            raise UsageError(f"error: output must be one of '' or 'name': "
                             f"{opts.text('output')}")
        lines = [] if opts.flag("no-headers") else \
            ["CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE"]
        lines.append(f"*\t{CONTEXT}\t{CONTEXT}\t{CONTEXT}\t{context_namespace(cluster)}")
        ctx.out.write(tabwrite("\n".join(lines) + "\n"))
    elif sub in ("get-clusters", "get-users"):
        ctx.print(f"NAME\n{CONTEXT}")
    elif sub == "use-context":
        if args != [CONTEXT]:
            name = args[0] if args else ""
            ctx.error(f'error: no context exists with the name: "{name}"')
            return
        ctx.print(f'Switched to context "{CONTEXT}".')
    elif sub == "set-context":
        _set_context(ctx, opts.flag("current"), args, opts.values)
    elif sub == "view":
        if opts.flag("raw"):
            ctx.error("error: --raw is not supported in the playground: its cluster has no "
                      "real credentials to show")
            return
        config = kubeconfig(cluster)
        output = opts.text("output") or "yaml"
        if output not in ("yaml", "json"):
            raise UsageError(f'error: unable to match a printer suitable for the output format '
                             f'"{output}", allowed formats are: json,yaml')
        ctx.out.write(to_yaml(config) if output == "yaml" else to_json(config))
    else:
        ctx.error(f'error: unknown command "{sub}" for "kubectl config"\n'
                  f"The playground supports: {', '.join(SUBCOMMANDS)}.")


def _set_context(ctx: Context, current: bool, args: list[str], values: dict[str, object]) -> None:
    if not current and not args:
        raise UsageError("error: you must specify a non-empty context name or --current")
    if current and args:
        raise UsageError("error: you cannot specify both a context name and --current")
    if args and args[0] != CONTEXT:
        ctx.error(f'error: the playground has one context, "{CONTEXT}"; it cannot create '
                  f'"{args[0]}". Use: kubectl config set-context --current --namespace=<name>')
        return
    for flag in ("cluster", "user"):
        if values.get(flag) not in (None, CONTEXT):
            ctx.error(f'error: the playground\'s context always uses {flag} "{CONTEXT}"')
            return
    record = dict(ctx.cluster.store.get_record(RECORD_KIND, RECORD_KEY) or {})
    if "namespace" in values:
        namespace = str(values["namespace"])
        if namespace:
            record["namespace"] = namespace
        else:
            record.pop("namespace", None)
        ctx.cluster.store.put_record(RECORD_KIND, RECORD_KEY, record)
    ctx.print(f'Context "{CONTEXT}" modified.')


VERBS = {"config": (run, "Modify kubeconfig files", FLAGS)}
