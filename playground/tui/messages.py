"""App-level messages: how the bridge and the panes talk upwards to the screen.

Widget-specific messages live inside their widgets; these are the ones several parts share.
`ClusterChanged` is the bridge's per-frame batch and coalesces (`can_replace`) so a slow frame
never queues stale batches behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from playground.tui.model import ObjectRef

Obj = dict[str, Any]
ChangeKey = tuple[str, str]  # (namespace, name)


@dataclass
class ClusterChanged(Message):
    """Objects changed since the last frame: resource → {(namespace, name): object or None}."""

    changes: dict[str, dict[ChangeKey, Obj | None]] = field(default_factory=dict)

    def can_replace(self, message: Message) -> bool:
        # Textual drops *this* message and dispatches `message` (the newer one queued behind
        # it), so this batch's changes move into that one; its own (newer) objects win.
        if isinstance(message, ClusterChanged):
            for resource, objects in self.changes.items():
                merged = dict(objects)
                merged.update(message.changes.get(resource, {}))
                message.changes[resource] = merged
            return True
        return False


@dataclass
class TimeAdvanced(Message):
    """Virtual time moved (the header and AGE cells follow it)."""

    now: float


@dataclass
class ObjectSelected(Message):
    """A pane's cursor is on an object (or on nothing)."""

    ref: ObjectRef | None
    pane: str = ""


@dataclass
class CommandFinished(Message):
    """A kubectl command line ran: what it printed, for the output panel."""

    command: str
    stdout: str
    stderr: str
    exit_code: int
