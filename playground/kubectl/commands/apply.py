"""`kubectl apply -f FILE|DIR|-` and `kubectl create -f`.

Every object in the sources is sent in order; each prints its own line
(`deployment.apps/web created|configured|unchanged`, with ` (dry run)` / ` (server dry run)`),
and failures print kubectl's error text without stopping the others. The exit code is 1 when
any object failed.
"""

from __future__ import annotations

from playground.engine.apiserver import NoKindMatch
from playground.engine.errors import APIError
from playground.kubectl.commands import create_resources
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.manifests import ManifestError, read_sources
from playground.kubectl.printers import name_line

FLAGS = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("dry-run"),
    Flag("output", "o"),
    Flag("validate"),
    Flag("force", takes_value=False),
    Flag("server-side", takes_value=False),
    Flag("prune", takes_value=False),
    Flag("selector", "l"),
    Flag("record", takes_value=False),
    Flag("save-config", takes_value=False),
)

MISSING_ANNOTATION_WARNING = (
    "Warning: resource {resource} is missing the "
    "kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl "
    "apply. kubectl apply should only be used on resources created declaratively by either "
    "kubectl create --save-config or kubectl apply. The missing annotation will be patched "
    "automatically.")


def run(ctx: Context, argv: list[str], verb: str = "apply") -> None:
    """Apply (or create) every object in the given sources."""
    opts = parse(argv, FLAGS, verb)
    files = opts.many("filename")
    if not files:
        raise UsageError("error: must specify one of -f and -k\n\n"
                         if verb == "apply" else
                         "error: must specify one of -f and -k\n\n")
    if opts.args:
        raise UsageError(f"error: Unexpected args: {opts.args}\n"
                         f"See 'kubectl {verb} -h' for help and examples")
    dry_run = opts.text("dry-run", "none")
    if dry_run not in ("none", "client", "server"):
        raise UsageError(f'error: Invalid dry-run value ({dry_run}). Must be "none", '
                         '"server", or "client".')
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry_run, "")
    namespace = opts.text("namespace") or ctx.namespace
    try:
        manifests = read_sources(files, opts.flag("recursive"), ctx.stdin)
    except ManifestError as exc:
        ctx.error(str(exc))
        return
    if not manifests:
        ctx.error(f"error: no objects passed to {verb}")
        return
    api = ctx.cluster.api
    for manifest in manifests:
        obj = manifest.object
        source = manifest.source
        meta = obj.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        try:
            rt = api.resource_type(obj)
            if rt.namespaced and meta.get("namespace") and opts.text("namespace") and \
                    meta["namespace"] != opts.text("namespace"):
                ctx.error(f"error: the namespace from the provided object \"{meta['namespace']}\""
                          f" does not match the namespace \"{opts.text('namespace')}\". You must "
                          "pass '--namespace=" + meta["namespace"] + "' to perform this "
                          "operation.")
                continue
            if verb == "create":
                created = api.create(obj, namespace=namespace, dry_run=dry_run != "none")
                ctx.print(f"{name_line(created, rt)} created{suffix}")
                continue
            outcome = api.apply(obj, namespace=namespace, dry_run=dry_run != "none")
            if outcome.missing_annotation:
                ctx.warn(MISSING_ANNOTATION_WARNING.format(resource=f"{rt.plural}/{name}"))
            ctx.print(f"{name_line(outcome.obj, rt)} {outcome.result}{suffix}")
        except NoKindMatch as exc:
            ctx.error(f'error: resource mapping not found for name: "{name}" namespace: '
                      f'"{meta.get("namespace", "")}" from "{source}": {exc}\n'
                      "ensure CRDs are installed first")
        except APIError as exc:
            exists = exc.reason == "AlreadyExists" or api.store.get(
                rt.key, (meta.get("namespace") or namespace) if rt.namespaced else "",
                str(meta.get("name", ""))) is not None
            action = "patching" if exists and verb == "apply" else "creating"
            ctx.error(api_error_text(exc, source=source, action=action))


def create(ctx: Context, argv: list[str]) -> None:
    """`kubectl create -f`, or a generator subcommand (`create deployment …`)."""
    if create_resources.subcommand_of(argv) is not None:
        create_resources.run(ctx, argv)
    else:
        run(ctx, argv, verb="create")


VERBS = {
    "apply": (run, "Apply a configuration to a resource by file name or stdin", FLAGS),
    "create": (create, "Create a resource from a file or from stdin", FLAGS),
}
