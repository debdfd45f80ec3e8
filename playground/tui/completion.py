"""Tab completion for the command bar: verbs, resource kinds, object names and flags — of
kubectl, and of the `playground cluster` verbs the bar also runs.

Pure: given the text before the cursor and the cluster, it returns the candidates for the last
word. The command bar cycles through them.
"""

from __future__ import annotations

import argparse
import shlex
from functools import lru_cache

from playground import cluster_commands
from playground.engine.api.resources import RESOURCE_TYPES
from playground.engine.cluster import Cluster
from playground.kubectl.flags import UsageError
from playground.kubectl.main import COMMANDS
from playground.kubectl.targets import resolve_type

TOOLS = ("playground", "etcdctl", "etcdutl")
"""First words the bar runs besides kubectl's verbs."""
NODE_VERBS = ("remove-node", "fail-node", "recover-node", "partition-node", "heal-node")
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
    if words[:2] == ["playground", "kubectl"] and len(words) > 2:
        words = words[1:]
    elif words[0] == "playground" and len(words) > 1:
        return _playground(words[1:], cluster, namespace)
    if words and words[0] in ("kubectl", "k") and len(words) > 1:
        words = words[1:]
    elif len(words) == 1:
        return sorted({*(v for v in COMMANDS if v.startswith(words[0])),
                       *(t for t in TOOLS if t.startswith(words[0]))})
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


def _playground(words: list[str], cluster: Cluster, namespace: str) -> list[str]:
    """Candidates after `playground`: `cluster` (or `kubectl`), its live verbs, their flags,
    node names and pod names."""
    current = words[-1]
    if len(words) == 1:
        return [w for w in ("cluster", "kubectl") if w.startswith(current)]
    if words[0] != "cluster":
        return []
    if len(words) == 2:
        return [v for v in cluster_commands.LIVE if v.startswith(current)]
    verb = words[1]
    if current.startswith("-"):
        return sorted(f for f in _cluster_flags().get(verb, ()) if f.startswith(current))
    if verb in NODE_VERBS:
        return _names(cluster, "nodes", namespace, current)
    if verb == "kill-pod":
        return _names(cluster, "pods", namespace, current)
    return []


@lru_cache(maxsize=1)
def _cluster_flags() -> dict[str, tuple[str, ...]]:
    """Each `playground cluster` verb's long flags, from the CLI's own grammar."""
    parser = argparse.ArgumentParser(prog="playground")
    cluster_commands.add_cluster_parser(parser.add_subparsers(dest="command"))
    flags: dict[str, tuple[str, ...]] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for csub in action.choices["cluster"]._actions:
                if isinstance(csub, argparse._SubParsersAction):
                    for verb, sub in csub.choices.items():
                        flags[verb] = tuple(
                            o for a in sub._actions if a.help != argparse.SUPPRESS
                            for o in a.option_strings if o.startswith("--"))
    return flags
