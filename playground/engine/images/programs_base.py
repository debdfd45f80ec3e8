"""Shared machinery of image programs: the registry, signals, log clocks and HTTP helpers.

An image program is a shell `Program` (a generator taking an `Invocation`) built for one
container by a factory that receives the image and the container's `ContainerHost`. Factories
register under a *kind* (`nginx`, `redis`…) that the catalog names in an image's `programs`;
each kind provides one or more command names (`nginx` provides `nginx` and
`docker-entrypoint.sh`).

Signals: the kubelet calls `ProgramTable.terminate(signal)`. It returns True when the
container's main program handles that signal; the kubelet must then resume the container's
generator at once (one `next()`, without waiting for the pending `Sleep` to end), and the
program shuts down in its own virtual time and returns its exit code. False means the process
ignores the signal (a PID 1 without a handler): the kubelet waits out the grace period and
kills it (exit 137). A program that wants to end on its own while idle (agnhost `/exit`)
asks for the same early resumption through `ContainerHost.wake()`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from playground.engine.images.host import ContainerHost, HttpRequest, HttpResponse
from playground.engine.images.shell_api import Invocation, Program, Sleep

if TYPE_CHECKING:
    from playground.engine.images.catalog import Image

Gen = Generator[Any, None, int]
FOREVER = 365 * 24 * 3600.0
"""The longest single sleep an idle server yields (it sleeps again afterwards)."""

REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
    304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Not Allowed", 408: "Request Timeout", 418: "I'm a teapot",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}


_HANDLED_SETS: dict[frozenset[str], frozenset[str]] = {}
"""One copy of each set of handled signals (every nginx container handles the same ones)."""


@dataclass
class Signals:
    """The signal state of one container's main process."""

    handled: frozenset[str] = frozenset()
    pending: list[str] = field(default_factory=list)
    owner: object | None = None

    def claim(self, owner: object, handled: Iterable[str]) -> bool:
        """Make `owner` the process that receives signals (only the first program does)."""
        if self.owner is not None and self.owner is not owner:
            return False
        self.owner = owner
        handled = frozenset(handled)
        self.handled = _HANDLED_SETS.setdefault(handled, handled)
        return True

    def release(self, owner: object) -> None:
        """The owner exited."""
        if self.owner is owner:
            self.owner = None
            self.handled = frozenset()

    def take(self) -> str | None:
        """The oldest signal not yet acted upon."""
        return self.pending.pop(0) if self.pending else None


class ProgramTable(dict[str, Program]):
    """The executables an image adds to a container, by command name, plus its signal inbox."""

    def __init__(self, programs: dict[str, Program], signals: Signals) -> None:
        super().__init__(programs)
        self.signals = signals

    def terminate(self, signal: str) -> bool:
        """Deliver `signal` (e.g. `SIGTERM`, `SIGQUIT`) to the main process; True when handled
        (resume the container's generator now), False when the process ignores it."""
        if self.signals.owner is None or signal not in self.signals.handled:
            return False
        self.signals.pending.append(signal)
        return True


@dataclass
class Context:
    """What a factory gets: the image, the container host and the shared signal state."""

    image: Image
    host: ContainerHost
    signals: Signals


Factory = Callable[[Context], dict[str, Program]]


@dataclass(frozen=True)
class Kind:
    """A registered program kind: the command names it provides and how to build them."""

    commands: tuple[str, ...]
    factory: Factory
    stateless: bool = False
    """Its programs keep nothing between runs outside their own process (no request counters,
    no stored data in the factory's closure): a container's table of them may be dropped and
    built again from the image, the host and the signals, and behave the same."""


PROGRAMS: dict[str, Kind] = {}
"""Every program kind by name (what a catalog entry lists under `programs`)."""


def program(name: str, *commands: str, stateless: bool = False
            ) -> Callable[[Factory], Factory]:
    """Register a factory as program kind `name` providing `commands` (default: `name`);
    `stateless` as `Kind.stateless` says."""

    def register(factory: Factory) -> Factory:
        PROGRAMS[name] = Kind(commands or (name,), factory, stateless)
        return factory

    return register


# -- time and logs -------------------------------------------------------------------------


def moment(inv: Invocation) -> datetime:
    """The container's virtual now as a UTC datetime."""
    return datetime.fromtimestamp(inv.ctx.now(), tz=UTC)


_GO_LOG_TIME: list[tuple[float, str]] = [(-1.0, "")]


def go_log_time(inv: Invocation) -> str:
    """Go's `log` prefix `2006/01/02 15:04:05` (the last one is remembered: a Deployment's
    pods start at the same instants)."""
    now = inv.ctx.now()
    last = _GO_LOG_TIME[0]
    if last[0] == now:
        return last[1]
    text = datetime.fromtimestamp(now, tz=UTC).strftime("%Y/%m/%d %H:%M:%S")
    _GO_LOG_TIME[0] = (now, text)
    return text


def klog(inv: Invocation, text: str, source: str = "log.go:195", level: str = "I") -> str:
    """One klog line (`I0911 09:19:26.677397       1 log.go:195] text`)."""
    t = moment(inv)
    return f"{level}{t:%m%d %H:%M:%S}.{t.microsecond:06d}       1 {source}] {text}\n"


def clf_time(inv: Invocation) -> str:
    """Common-log-format time `[28/Jan/2026:20:30:37 +0000]`."""
    return moment(inv).strftime("[%d/%b/%Y:%H:%M:%S +0000]")


def http_date(inv: Invocation) -> str:
    """RFC 7231 date for a `Date:` header."""
    return moment(inv).strftime("%a, %d %b %Y %H:%M:%S GMT")


def wait(signals: Signals, seconds: float = FOREVER) -> Generator[Sleep, None, str | None]:
    """Sleep up to `seconds` (forever by default); return early with a pending signal."""
    remaining = seconds
    while remaining > 0:
        step = min(remaining, FOREVER)
        yield Sleep(step)
        got = signals.take()
        if got is not None:
            return got
        remaining -= step
    return signals.take()


def listen(ctx: Context, port: int, protocol: str = "TCP",
           handler: Callable[[HttpRequest], HttpResponse] | None = None) -> str | None:
    """Bind a port through the host."""
    return ctx.host.listen(port, protocol, handler)


def response(status: int, body: str = "", content_type: str = "text/plain; charset=utf-8",
             headers: dict[str, str] | None = None, elapsed: float = 0.0) -> HttpResponse:
    """An HTTP response with Content-Type and Content-Length set."""
    all_headers = {"Content-Type": content_type, "Content-Length": str(len(body.encode()))}
    all_headers.update(headers or {})
    return HttpResponse(status, REASONS.get(status, ""), all_headers, body, elapsed)


def flag_value(args: list[str], *names: str) -> str | None:
    """The value of `--name=v`, `--name v`, `-name=v` or `-name v` in args (last one wins)."""
    found: str | None = None
    for i, arg in enumerate(args):
        for name in names:
            if arg.startswith(name + "="):
                found = arg[len(name) + 1:]
            elif arg == name and i + 1 < len(args):
                found = args[i + 1]
    return found


def version_tuple(text: str) -> tuple[int, ...]:
    """`1.27.3` → (1, 27, 3); non-numeric parts end the tuple."""
    parts: list[int] = []
    for piece in str(text).split("."):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)
