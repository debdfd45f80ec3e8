"""What a kubelet knows about the pods on its node that is not in the API: the container runtime.

For every pod the kubelet keeps a `PodRuntime` (sandbox, IP, per-container state, restart
back-off, probe counters, logs). It is plain data (`to_record`/`from_record`) so the engine can
persist it with the objects and a restarted playground resumes where it left off; the running
processes themselves are rebuilt on load by replaying them to their current age (see
`kubelet.processes`).

Log lines are kept as `(virtual time, stream, text)` tuples shared between containers: the
start-up lines of a thousand pods of one Deployment are the same few tuples (see `log_entry`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

LOG_LINES_KEPT = 2000
"""Lines of log kept per container instance (the kubelet rotates logs too)."""

LogEntry = tuple[float, str, str]

_SHARED_ENTRIES: dict[LogEntry, LogEntry] = {}
_SHARED_LIMIT = 1 << 14


def log_entry(at: float, stream: str, text: str) -> LogEntry:
    """The log entry `(at, stream, text)`, one object for equal entries of any container while
    the (bounded) table of recent entries holds it."""
    entry = (float(at), stream, text)  # float: an int 3 would be found as 3.0's entry
    shared = _SHARED_ENTRIES.get(entry)
    if shared is not None:
        return shared
    if len(_SHARED_ENTRIES) >= _SHARED_LIMIT:
        _SHARED_ENTRIES.clear()
    _SHARED_ENTRIES[entry] = entry
    return entry


@dataclass(slots=True)
class ProbeState:
    """Counters of one probe of one container."""

    next_at: float | None = None
    successes: int = 0
    failures: int = 0
    elided: bool = False
    """Passing and unable to change until the pod's listeners change (see kubelet probes)."""


@dataclass(slots=True)
class ContainerRuntime:
    """One container of a pod as the runtime sees it."""

    name: str
    init: bool = False
    sidecar: bool = False
    # image
    pulled: bool = False
    pull_done_at: float | None = None
    pull_started_at: float | None = None
    pull_failures: int = 0
    image_id: str = ""
    # lifecycle: "waiting" | "running" | "terminated"
    state: str = "waiting"
    reason: str = "ContainerCreating"
    message: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    signal_reason: str = ""
    container_id: str = ""
    restart_count: int = 0
    last_terminated: dict[str, Any] | None = None
    backoff_until: float | None = None
    backoff_seconds: float = 0.0
    backoff_kind: str = ""  # "crash" or "pull"
    ready: bool = False
    started: bool = False
    probes: dict[str, ProbeState] = field(default_factory=dict)
    # process bookkeeping (the generator itself lives in memory only)
    argv: list[str] = field(default_factory=list)
    wake_at: float | None = None
    sleeps_consumed: int = 0
    stop_requested_at: float | None = None
    kill_at: float | None = None
    term_at: float | None = None
    """When SIGTERM is due after a preStop hook that takes time."""
    transcript: list[Any] = field(default_factory=list)
    # logs of the current and previous instance: (virtual time, stream, line)
    logs: list[LogEntry] = field(default_factory=list)
    previous_logs: list[LogEntry] = field(default_factory=list)
    partial: dict[str, str] = field(default_factory=dict)
    memory_bytes: int = 0
    cpu_millis: int = 0

    def log(self, at: float, stream: str, text: str) -> None:
        """Append output, split into lines (a trailing partial line waits for its end)."""
        partial = self.partial
        buffered = partial.get(stream, "") + text
        lines = buffered.split("\n")
        rest = lines.pop()
        if rest:
            partial[stream] = rest
        elif stream in partial:
            del partial[stream]
        logs = self.logs
        for line in lines:
            logs.append(log_entry(at, stream, line))
        if len(logs) > LOG_LINES_KEPT:
            del logs[: len(logs) - LOG_LINES_KEPT]

    def flush_partial(self, at: float) -> None:
        """A process ended: its unterminated last line is logged as it is."""
        for stream, rest in list(self.partial.items()):
            if rest:
                self.logs.append(log_entry(at, stream, rest))
        self.partial.clear()


@dataclass(slots=True)
class PodRuntime:
    """A pod's sandbox and containers on one node."""

    uid: str
    node: str
    pod_ip: str = ""
    sandbox_ready: bool = False
    start_time: float | None = None
    containers: dict[str, ContainerRuntime] = field(default_factory=dict)
    init_done: bool = False
    terminating_since: float | None = None
    finished: bool = False
    container_serial: int = 0
    mount_failures: int = 0
    mount_retry_at: float | None = None

    def to_record(self) -> dict[str, Any]:
        """Plain data for persistence (log entries as lists, as JSON gives them back)."""
        data = asdict(self)
        for raw in data["containers"].values():
            raw["logs"] = [list(e) for e in raw["logs"]]
            raw["previous_logs"] = [list(e) for e in raw["previous_logs"]]
        return data

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> PodRuntime:
        """Inverse of `to_record`."""
        containers = {}
        for name, raw in (data.get("containers") or {}).items():
            raw = dict(raw)
            raw["probes"] = {k: ProbeState(**v) for k, v in (raw.get("probes") or {}).items()}
            for field_name in ("logs", "previous_logs"):
                raw[field_name] = [log_entry(float(t), str(s), str(text))
                                   for t, s, text in raw.get(field_name) or ()]
            containers[name] = ContainerRuntime(**raw)
        fields = {k: v for k, v in data.items() if k != "containers"}
        return cls(containers=containers, **fields)
