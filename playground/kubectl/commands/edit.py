"""`kubectl edit TYPE NAME`: open the live object in the user's editor and send the edit.

Like kubectl, the object is written to a temporary file (YAML, or JSON with `-o json`) under a
comment header, `$KUBE_EDITOR`, `$EDITOR` or `vi` is run on it, comment lines are dropped and
the result is sent as an update. An empty or unchanged file prints
`Edit cancelled, no changes made.`; a successful edit `deployment.apps/web edited`.
kubectl reopens the editor when the server refuses an edit; the headless CLI cannot, so it
prints the refusal, keeps a copy of the changes (as kubectl does when you then give up) and
exits 1. This is the one verb that does file and process I/O: the shell's editor is the point.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playground.engine.api.resources import ResourceType
from playground.engine.errors import APIError
from playground.engine.store import deep_copy
from playground.kubectl.commands.scale import find_objects
from playground.kubectl.context import Context
from playground.kubectl.errors import api_error_text
from playground.kubectl.flags import Flag, UsageError, parse
from playground.kubectl.manifests import ManifestError, load_manifests
from playground.kubectl.output import to_json, to_yaml
from playground.kubectl.printers import name_line

Obj = dict[str, Any]

HEADER = ("# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
          "# and an empty file will abort the edit. If an error occurs while saving this file "
          "will be\n# reopened with the relevant failures.\n#\n")
CANCELLED = "Edit cancelled, no changes made."

FLAGS = (
    Flag("filename", "f", repeatable=True),
    Flag("recursive", "R", takes_value=False),
    Flag("output", "o"),
    Flag("selector", "l"),
    Flag("save-config", takes_value=False),
    Flag("validate"),
    Flag("windows-line-endings", takes_value=False),
    Flag("subresource"),
    Flag("field-manager"),
)


def editor_command() -> list[str]:
    """The editor kubectl would start: $KUBE_EDITOR, $EDITOR, else vi."""
    editor = os.environ.get("KUBE_EDITOR") or os.environ.get("EDITOR") or "vi"
    return shlex.split(editor)


def run(ctx: Context, argv: list[str]) -> None:
    """Edit each named object in turn."""
    opts = parse(argv, FLAGS, "edit")
    output = opts.text("output", "yaml")
    if output not in ("yaml", "json"):
        raise UsageError(f"error: the edit mode must be one of json or yaml, got {output!r}")
    if not opts.args and not opts.many("filename"):
        raise UsageError("error: you must provide one or more resources by argument or "
                         "filename")
    for rt, obj in find_objects(ctx, opts, "edit"):
        _edit(ctx, rt, obj, output)


def _edit(ctx: Context, rt: ResourceType, obj: Obj, output: str) -> None:
    shown = deep_copy(obj)
    shown.get("metadata", {}).pop("managedFields", None)
    text = HEADER + (to_json(shown) if output == "json" else to_yaml(shown))
    handle, path_text = tempfile.mkstemp(prefix="kubectl-edit-", suffix=f".{output}")
    os.close(handle)
    path = Path(path_text)
    keep = False
    try:
        path.write_text(text)
        try:
            subprocess.run([*editor_command(), str(path)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            ctx.error(f"error: there was a problem with the editor {editor_command()!r}: {exc}")
            return
        edited = "\n".join(line for line in path.read_text().splitlines()
                           if not line.lstrip().startswith("#"))
        if not edited.strip():
            ctx.print(CANCELLED)
            return
        try:
            manifests = load_manifests(edited, str(path))
        except ManifestError as exc:
            keep = True
            ctx.error(f"error: {exc.message}\nA copy of your changes has been stored to "
                      f'"{path}"\nerror: Edit cancelled, no valid changes were saved.')
            return
        if len(manifests) != 1:
            keep = True
            ctx.error("error: the edited file must contain exactly one object\n"
                      f'A copy of your changes has been stored to "{path}"')
            return
        new = manifests[0].object
        if _comparable(new) == _comparable(shown):
            ctx.print(CANCELLED)
            return
        meta = new.setdefault("metadata", {})
        if meta.get("name") != obj["metadata"]["name"] or new.get("kind") != obj.get("kind"):
            keep = True
            ctx.error("error: At least one of apiVersion, kind and name was changed\n"
                      f'A copy of your changes has been stored to "{path}"\n'
                      "error: Edit cancelled, no valid changes were saved.")
            return
        try:
            updated = ctx.cluster.api.update(new, namespace=obj["metadata"].get("namespace")
                                             or ctx.namespace)
        except APIError as exc:
            keep = True
            ctx.error(f"{api_error_text(exc)}\nA copy of your changes has been stored to "
                      f'"{path}"\nerror: Edit cancelled, no valid changes were saved.')
            return
        ctx.print(f"{name_line(updated, rt)} edited")
    finally:
        if not keep:
            path.unlink(missing_ok=True)


def _comparable(obj: Obj) -> str:
    return json.dumps(obj, sort_keys=True)


VERBS = {"edit": (run, "Edit a resource on the server", FLAGS)}
