"""Tab completion for the command bar: verbs, resource kinds, object names and flags.

Pure: given the text before the cursor and the cluster, it returns the candidates for the last
word. The command bar cycles through them.
"""

from __future__ import annotations

import shlex

from playground.engine.api.resources import RESOURCE_TYPES
from playground.engine.cluster import Cluster
from playground.kubectl.main import COMMANDS
from playground.kubectl.flags import UsageError
from playground.kubectl.targets import resolve_type

COMMON_FLAGS = ("--namespace", "--all-namespaces", "--output", "--selector", "--filename",
                "--replicas", "--show-labels", "--watch", "--help")


def kind_names() -> list[str]:
    """Every name a kind may be given by: plurals, singulars and short names."""
    names: set[str] = set()
    for rt in RESOURCE_TYPES:
        names.update({rt.plural, rt.kind.lower(), *rt.short_names})
    return sorted(names)


def complete(line: str, cluster: Cluster, namespace: str = "default") -> list[str]:
    """Candidates for the last word of `line` (with or without `kubectl`/`k`)."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    if line.endswith(" ") or not words:
        words.append("")
    if words and words[0] in ("kubectl", "k") and len(words) > 1:
        words = words[1:]
    current = words[-1]
    before = words[:-1]
    if current.startswith("-"):
        flags: set[str] = set(COMMON_FLAGS)
        verb = COMMANDS.get(before[0]) if before else None
        if verb is not None:
            flags.update(f"--{f.name}" for f in verb.flags)
        return sorted(f for f in flags if f.startswith(current))
    positional = [w for w in before if not w.startswith("-")]
    if not positional:
        return sorted(v for v in COMMANDS if v.startswith(current))
    if len(positional) == 1:
        if "/" in current:
            kind, _, partial = current.partition("/")
            return [f"{kind}/{n}" for n in _names(cluster, kind, namespace, partial)]
        return [k for k in kind_names() if k.startswith(current)]
    return _names(cluster, positional[1], namespace, current)


def _names(cluster: Cluster, kind: str, namespace: str, partial: str) -> list[str]:
    try:
        rt = resolve_type(kind)
    except UsageError:
        return []
    objects = cluster.store.iter(rt.key, namespace if rt.namespaced else None)
    return sorted(o["metadata"]["name"] for o in objects
                  if o["metadata"]["name"].startswith(partial))[:200]
