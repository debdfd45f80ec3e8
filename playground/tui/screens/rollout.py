"""`h`: a workload's rollout history (`kubectl rollout history`), with undo (`u`) to the
previous revision and restart (`r`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding

from playground.tui.model import ObjectRef
from playground.tui.screens.text_view import TextView

if TYPE_CHECKING:
    from playground.tui.app import PlaygroundApp


class RolloutView(TextView):
    """Rollout history and status of one Deployment (or StatefulSet, DaemonSet)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("u", "undo", "Undo rollout", id="rollout.undo"),
        Binding("r", "restart", "Restart rollout", id="rollout.restart"),
    ]

    def __init__(self, app: PlaygroundApp, ref: ObjectRef) -> None:
        self.playground_app = app
        self.ref = ref
        super().__init__(f"rollout history {ref.target}", self.produce, view="rollout")

    def produce(self) -> str:
        """History, then the current status line."""
        args = [self.ref.target, *self.ref.namespace_args()]
        history = self.playground_app.run_kubectl(["rollout", "history", *args], settle=False)
        text = history.stdout or history.stderr
        obj = self.playground_app.cluster.store.get(self.ref.resource, self.ref.namespace,
                                                    self.ref.name)
        if obj is not None and self.ref.resource == "deployments.apps":
            status = obj.get("status") or {}
            text += (f"\nreplicas {status.get('replicas', 0)} · updated "
                     f"{status.get('updatedReplicas', 0)} · ready "
                     f"{status.get('readyReplicas', 0)} · available "
                     f"{status.get('availableReplicas', 0)}\n")
        return text

    def _act(self, *verb: str) -> None:
        result = self.playground_app.run_kubectl(
            ["rollout", *verb, self.ref.target, *self.ref.namespace_args()])
        self.notify((result.stdout + result.stderr).strip(),
                    severity="error" if result.exit_code else "information")
        self.render_text(force=True)

    def action_undo(self) -> None:
        """`kubectl rollout undo`."""
        self._act("undo")

    def action_restart(self) -> None:
        """`kubectl rollout restart`."""
        self._act("restart")
