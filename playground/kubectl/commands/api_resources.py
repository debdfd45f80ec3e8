"""`kubectl api-resources` and `kubectl api-versions`: what the playground's API serves.

Both read the one discovery table (`playground.engine.api.resources.RESOURCE_TYPES`), so a kind
added there shows up here. api-resources sorts as kubectl does (by API group, the core group
first, then by name) and prints NAME SHORTNAMES APIVERSION NAMESPACED KIND, plus VERBS and
CATEGORIES with `-o wide`; `-o name` prints `deployments.apps`-style names.
"""

from __future__ import annotations

from playground.engine.api.resources import RESOURCE_TYPES, ResourceType
from playground.kubectl.context import Context
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.table import tabwrite

FLAGS = (
    Flag("output", "o"),
    Flag("namespaced", takes_value=False),
    Flag("api-group"),
    Flag("no-headers", takes_value=False),
    Flag("sort-by"),
    Flag("verbs", repeatable=True),
    Flag("categories", repeatable=True),
    Flag("cached", takes_value=False),
)


def _ordered(sort_by: str) -> list[ResourceType]:
    if sort_by == "kind":
        return sorted(RESOURCE_TYPES, key=lambda rt: (rt.kind, rt.plural))
    if sort_by == "name":
        return sorted(RESOURCE_TYPES, key=lambda rt: (rt.plural, rt.group))
    return sorted(RESOURCE_TYPES, key=lambda rt: (rt.group, rt.plural))


def run_api_resources(ctx: Context, argv: list[str]) -> None:
    """The served resource types as a table."""
    opts = parse(argv, FLAGS, "api-resources")
    if opts.args:
        raise UsageError(f"error: unexpected arguments: {opts.args}\n"
                         "See 'kubectl api-resources -h' for help and examples")
    output = opts.text("output")
    if output not in ("", "wide", "name"):
        raise UsageError(f"error: --output {output} is not available")
    sort_by = opts.text("sort-by")
    if sort_by not in ("", "name", "kind"):
        raise UsageError("error: --sort-by accepts only name or kind")
    types = _ordered(sort_by)
    if "namespaced" in opts.values:
        types = [rt for rt in types if rt.namespaced == opts.flag("namespaced")]
    if "api-group" in opts.values:
        types = [rt for rt in types if rt.group == opts.text("api-group")]
    verbs = [v for spec in opts.many("verbs") for v in spec.split(",") if v]
    if verbs:
        types = [rt for rt in types if set(verbs) <= set(rt.verbs)]
    categories = [c for spec in opts.many("categories") for c in spec.split(",") if c]
    if categories:
        types = [rt for rt in types if set(categories) <= set(rt.categories)]
    if output == "name":
        for rt in types:
            ctx.print(rt.key)
        return
    header = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    if output == "wide":
        header += ["VERBS", "CATEGORIES"]
    lines = [] if opts.flag("no-headers") else [header]
    for rt in types:
        row = [rt.plural, ",".join(rt.short_names), rt.api_version,
               "true" if rt.namespaced else "false", rt.kind]
        if output == "wide":
            row += ["[" + " ".join(sorted(rt.verbs)) + "]", ",".join(rt.categories)]
        lines.append(row)
    if lines:
        ctx.out.write(tabwrite("\n".join("\t".join(row) for row in lines) + "\n"))


def run_api_versions(ctx: Context, argv: list[str]) -> None:
    """Every group/version the playground serves, one per line, sorted."""
    opts = parse(argv, (), "api-versions")
    if opts.args:
        raise UsageError(f"error: unexpected arguments: {opts.args}")
    for version in sorted({rt.api_version for rt in RESOURCE_TYPES}):
        ctx.print(version)


VERBS = {
    "api-resources": (run_api_resources, "Print the supported API resources on the server",
                      FLAGS),
    "api-versions": (run_api_versions, ("Print the supported API versions on the server, in "
                                         'the form of "group/version"'), ()),
}
