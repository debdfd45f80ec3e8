"""Turning `get`/`delete` arguments into resource types and names, as kubectl's builder does.

Accepted shapes: `pods`, `pods web-1 web-2`, `deploy/web svc/web`, `deploy,svc`, `all`,
`deployments.apps`, `deploy.v1.apps`. Unknown types fail with
`error: the server doesn't have a resource type "pdos"`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.engine.api import resources
from playground.engine.api.resources import ResourceType
from playground.kubectl.flags import UsageError


@dataclass
class Target:
    """One resource type and the names asked for (empty: all of that type)."""

    type: ResourceType
    names: list[str] = field(default_factory=list)


def resolve_type(name: str) -> ResourceType:
    """The single type a name means, or kubectl's refusal."""
    matches = resources.lookup(name)
    if not matches:
        raise UsageError(f'error: the server doesn\'t have a resource type "{name}"')
    return matches[0]


def expand(name: str) -> list[ResourceType]:
    """A type name, a comma list of them, or a category such as `all`."""
    types: list[ResourceType] = []
    for part in name.split(","):
        if not part:
            continue
        category = resources.in_category(part.lower())
        if category and not resources.lookup(part):
            types.extend(category)
        else:
            types.append(resolve_type(part))
    return types


def parse_targets(args: list[str], verb: str) -> list[Target]:
    """Resource types and names from positional arguments."""
    if not args:
        return []
    if any("/" in a for a in args):
        targets: list[Target] = []
        for arg in args:
            if "/" not in arg:
                raise UsageError("error: there is no need to specify a resource type as a "
                                 "separate argument when passing arguments in resource/name "
                                 f"form (e.g. 'kubectl {verb} resource/<resource_name>' instead"
                                 f" of 'kubectl {verb} resource resource/<resource_name>'")
            type_name, _, obj_name = arg.partition("/")
            rt = resolve_type(type_name)
            if not obj_name:
                raise UsageError(f"error: arguments in resource/name form must have a single "
                                 f"resource and name")
            existing = next((t for t in targets if t.type == rt), None)
            if existing is None:
                targets.append(Target(rt, [obj_name]))
            else:
                existing.names.append(obj_name)
        return targets
    types = expand(args[0])
    names = args[1:]
    if names and len(types) > 1:
        raise UsageError("error: you must specify only one resource type when passing names "
                         "(use resource/name form to name several types)")
    return [Target(rt, list(names)) for rt in types]
