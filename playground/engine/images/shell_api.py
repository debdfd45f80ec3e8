"""The contract between the shell interpreter and whoever runs it.

The simulated kubelet (or `kubectl exec`) builds a `ShellContext` for a container — its env,
filesystem, hostname, output callbacks, virtual clock and network — and drives the generator
returned by `shell.run`. The networking layer implements the `Network` protocol; the image
catalog adds image-specific programs (`nginx`, `perl`…) through `ShellContext.programs`.
Everything here is plain data so the engine stays deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from playground.engine.images.filesystem import FileSystem

if TYPE_CHECKING:
    from playground.engine.images.shell import Shell


@dataclass(frozen=True)
class Sleep:
    """Yielded by a running process when `seconds` of virtual time must pass.

    `math.inf` means the process waits for ever (`sleep infinity`, `tail -f /dev/null`): it
    only ends when it is stopped, so the driver need not wake it again.
    """

    seconds: float


@dataclass(frozen=True)
class HttpResult:
    """What an HTTP GET from inside a container got back.

    `error` is None for any HTTP answer (even a 404), else one of `"bad address"` (the name
    did not resolve), `"connection refused"` or `"timed out"`. `address` is `ip:port` the client
    connected to (busybox wget prints it); `elapsed` is how long the exchange took.
    """

    status: int = 200
    reason: str = "OK"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    address: str = ""
    elapsed: float = 0.0


@dataclass(frozen=True)
class DnsAnswer:
    """The reply of the cluster DNS to one query (`rcode` NOERROR, NXDOMAIN, SERVFAIL…).

    `rcode` `"TIMEOUT"` means no reply came. For a PTR query `addresses` holds host names.
    """

    name: str
    rcode: str = "NOERROR"
    addresses: tuple[str, ...] = ()
    authoritative: bool = True
    elapsed: float = 0.0
    cname: str = ""
    """The canonical name the queried name is an alias of (an ExternalName Service)."""


@dataclass(frozen=True)
class TcpResult:
    """The outcome of opening a TCP connection (`nc -z`)."""

    connected: bool
    error: str | None = None
    address: str = ""
    elapsed: float = 0.0


class Network(Protocol):
    """How a container reaches the simulated cluster network (implemented by the network layer)."""

    def http_get(self, url: str, source: str) -> HttpResult:
        """GET `url` (`http://web/hostname`, `web:80`, `10.96.0.12`) on behalf of pod IP `source`."""
        ...

    def resolve(self, name: str, qtype: str = "A") -> DnsAnswer:
        """Ask the cluster DNS for `name` (a full name; qtype A, AAAA or PTR)."""
        ...

    def tcp_connect(self, host: str, port: int) -> TcpResult:
        """Open a TCP connection to `host:port` (name or IP)."""
        ...


class Stream:
    """Where a file descriptor writes to (a sink) or reads from (a source)."""

    def write(self, text: str) -> None:
        """Send text to the stream."""

    def read(self) -> str:
        """All remaining input of the stream."""
        return ""

    def readline(self) -> str:
        """The next line of input including its newline; "" at the end."""
        return ""


class TextSource(Stream):
    """Input from text: a pipe's buffered output, a here-document, a file."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> str:
        text, self.text = self.text, ""
        return text

    def readline(self) -> str:
        cut = self.text.find("\n") + 1 or len(self.text)
        line, self.text = self.text[:cut], self.text[cut:]
        return line


class CallbackSink(Stream):
    """Output handed to a callable."""

    def __init__(self, callback: Callable[[str], None]) -> None:
        self.callback = callback

    def write(self, text: str) -> None:
        if text:
            self.callback(text)


class BufferSink(Stream):
    """Output collected in memory (command substitution, pipes), at most `limit` characters."""

    def __init__(self, limit: int = 1 << 20) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    def write(self, text: str) -> None:
        room = self.limit - self.size
        if room > 0 and text:
            text = text[:room]
            self.parts.append(text)
            self.size += len(text)

    @property
    def full(self) -> bool:
        """Whether the buffer holds as much as it ever will (a reader would have quit)."""
        return self.size >= self.limit

    def value(self) -> str:
        """Everything written so far."""
        return "".join(self.parts)


class NullStream(Stream):
    """`/dev/null`."""


Program = Callable[["Invocation"], Generator[Any, None, int] | int]
"""An executable: gets its invocation, yields `Sleep`s, returns its exit code."""


@dataclass
class Invocation:
    """One run of a command: its argv, open files, environment and the shell that ran it."""

    argv: list[str]
    shell: Shell
    fds: dict[int, Stream]
    env: dict[str, str]

    @property
    def ctx(self) -> ShellContext:
        """The container's context."""
        return self.shell.ctx

    @property
    def fs(self) -> FileSystem:
        """The container's filesystem."""
        return self.shell.ctx.fs

    @property
    def cwd(self) -> str:
        """The working directory."""
        return self.shell.cwd

    def out(self, text: str) -> None:
        """Write to standard output."""
        self.fds.get(1, NullStream()).write(text)

    def err(self, text: str) -> None:
        """Write to standard error."""
        self.fds.get(2, NullStream()).write(text)

    def read_stdin(self) -> str:
        """All of standard input."""
        return self.fds.get(0, NullStream()).read()


BUSYBOX_APPLETS = frozenset({
    "[", "[[", "ash", "basename", "cat", "cd", "chmod", "cp", "cut", "date", "dirname", "echo",
    "env", "expr", "false", "grep", "head", "hostname", "id", "kill", "ls", "mkdir", "mv", "nc",
    "nslookup", "printenv", "printf", "ps", "pwd", "rm", "rmdir", "sed", "seq", "sh", "sleep",
    "sort", "stat", "tail", "tee", "test", "touch", "tr", "true", "uname", "uniq", "wc", "wget",
    "which", "whoami", "xargs", "yes", "awk", "vi", "top", "ping", "ifconfig", "ip", "netstat",
    "traceroute", "telnet", "df", "du", "free", "mount", "uptime", "watch", "timeout", "nohup",
    "less", "more", "find", "tar", "gzip", "gunzip", "diff", "md5sum", "sha256sum", "base64",
    "realpath", "readlink", "ln", "usleep", "dd", "od", "hexdump", "rev", "nproc", "arch",
    "busybox", "clear", "reset", "logger", "dmesg", "hwclock", "getopt", "mktemp", "sync",
})
"""Commands a busybox image has (some are answered with a playground notice)."""

DEBIAN_COMMANDS = (BUSYBOX_APPLETS - {"nslookup", "wget", "nc", "vi", "ping", "ifconfig", "ip",
                                      "netstat", "traceroute", "telnet", "busybox", "less",
                                      "ps", "top", "ash"}) | {"bash", "dash"}
"""Commands of a slim Debian image such as `nginx` (no ps, ping, nslookup, vi; has bash)."""


@dataclass
class ShellContext:
    """Everything a process in a container can see: env, files, identity, clock and network."""

    env: dict[str, str]
    fs: FileSystem
    hostname: str = "localhost"
    stdout: Callable[[str], None] = lambda text: None
    stderr: Callable[[str], None] = lambda text: None
    now: Callable[[], float] = lambda: 0.0
    network: Network | None = None
    applets: frozenset[str] | set[str] = BUSYBOX_APPLETS
    programs: dict[str, Program] = field(default_factory=dict)
    """Image-specific executables by name (`nginx`, `perl`…), looked up after the applets."""
    pod_ip: str = ""
    """The pod's IP: the source of its requests, printed by `hostname -i`."""
    cwd: str = "/"
    """The container's workingDir."""
    stdin: str = ""
    """Everything the process will read on standard input (`kubectl exec -i`)."""
    pid: int = 1
    """`$$`: 1 for a container's own command, another number for `kubectl exec`."""
    uid: int = 0
    gid: int = 0
    groups: tuple[int, ...] = ()
    busybox_version: tuple[int, int] = (1, 36)
    """Selects version-specific output, e.g. `nslookup` of busybox 1.28 (the docs' image)."""
    output_limit: int = 1 << 20
    """Characters of stdout+stderr one process may write; the rest is dropped (`yes`, runaway loops)."""
    steps_per_quantum: int = 10_000
    """Commands a busy process runs before virtual time advances by `busy_quantum`."""
    busy_quantum: float = 0.01
    step_limit: int | None = None
    """Stop the process (exit 137) after this many steps; None runs forever."""
