"""The in-memory filesystem a simulated container sees.

Each container gets its own `FileSystem`: a dict of files and a set of directories, no disk
I/O. Volumes are other `FileSystem` objects mounted at a path (an emptyDir shared by two
containers of a pod is one object mounted in both; a configMap volume is a read-only one), so
a file written by a sidecar is what nginx serves. `busybox_root()` builds the small tree a
busybox/alpine-like image starts with, including the files the kubelet writes into every pod
(`/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname`).

`FileSystem.overlay(template)` gives a copy-on-write view of a template that is never changed
again (an image's root, shared by every container of that image, as an overlayfs lower layer
is): reads fall through to the template, writes and deletions stay in the container's own
layer, so a container that changes one file holds one file.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, MutableSet
from dataclasses import dataclass, field
from typing import TypeVar

V = TypeVar("V")

STRERROR = {
    "ENOENT": "No such file or directory",
    "EEXIST": "File exists",
    "EISDIR": "Is a directory",
    "ENOTDIR": "Not a directory",
    "ENOTEMPTY": "Directory not empty",
    "EROFS": "Read-only file system",
    "EACCES": "Permission denied",
}


class FileSystemError(Exception):
    """An operation the filesystem refused, named by its errno (`ENOENT`, `EISDIR`…)."""

    def __init__(self, errno: str, path: str) -> None:
        super().__init__(f"{path}: {STRERROR[errno]}")
        self.errno = errno
        self.path = path

    @property
    def strerror(self) -> str:
        """The C library's text for the errno, as tools print it."""
        return STRERROR[self.errno]


_NORMALIZED: dict[tuple[str, str], str] = {}
_NORMALIZED_LIMIT = 4096


def normalize(path: str, cwd: str = "/") -> str:
    """An absolute path with `.`, `..` and repeated slashes resolved."""
    known = _NORMALIZED.get((path, cwd))
    if known is not None:
        return known
    if len(_NORMALIZED) >= _NORMALIZED_LIMIT:
        _NORMALIZED.clear()
    result = _NORMALIZED[(path, cwd)] = _normalize(path, cwd)
    return result


def _normalize(path: str, cwd: str) -> str:
    if not path.startswith("/"):
        path = cwd.rstrip("/") + "/" + path
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


_TEXTS: dict[str, str] = {}
_TEXTS_LIMIT = 4096
_SHARED_TEXT_SIZE = 4096


def _shared_text(content: str) -> str:
    """One object for equal small file contents written by many containers (nginx's
    edited default.conf in each of a Deployment's pods)."""
    if len(content) > _SHARED_TEXT_SIZE:
        return content
    known = _TEXTS.get(content)
    if known is not None:
        return known
    if len(_TEXTS) >= _TEXTS_LIMIT:
        _TEXTS.clear()
    _TEXTS[content] = content
    return content


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


@dataclass
class Node:
    """What `stat` would tell: kind, permission bits and modification time."""

    is_dir: bool
    mode: int
    mtime: float
    size: int


_NO_ENTRIES: dict[str, object] = {}
"""The own layer of every overlay nothing was written to yet (never changed itself)."""


class _LayeredDict(MutableMapping[str, V]):
    """A dict over a `base` it never changes: own entries win, deletions hide base entries.

    Iteration order is the order a `dict(base)` changed the same way would have (a key
    deleted and added again moves to the end)."""

    __slots__ = ("base", "hidden", "own")

    def __init__(self, base: Mapping[str, V]) -> None:
        self.base = base
        self.own: dict[str, V] = _NO_ENTRIES  # type: ignore[assignment]
        self.hidden: set[str] | None = None

    def __contains__(self, key: object) -> bool:
        if key in self.own:
            return True
        return key in self.base and not (self.hidden is not None and key in self.hidden)

    def __getitem__(self, key: str) -> V:
        own = self.own
        if key in own:
            return own[key]
        if self.hidden is not None and key in self.hidden:
            raise KeyError(key)
        return self.base[key]

    def get(self, key: str, default: V | None = None) -> V | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: V) -> None:
        if self.own is _NO_ENTRIES:
            self.own = {}
        self.own[key] = value

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.own.pop(key, None)
        if key in self.base:
            if self.hidden is None:
                self.hidden = set()
            self.hidden.add(key)

    def __iter__(self) -> Iterator[str]:
        hidden = self.hidden or ()
        base = self.base
        for key in base:
            if key not in hidden:
                yield key
        for key in self.own:
            if key not in base or key in hidden:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _LayeredSet(MutableSet[str]):
    """A set over a `base` it never changes (see `_LayeredDict`)."""

    __slots__ = ("base", "hidden", "own")

    def __init__(self, base: set[str] | MutableSet[str]) -> None:
        self.base = base
        self.own: set[str] | None = None
        self.hidden: set[str] | None = None

    def __contains__(self, key: object) -> bool:
        if self.own is not None and key in self.own:
            return True
        return key in self.base and not (self.hidden is not None and key in self.hidden)

    def add(self, key: str) -> None:
        if key in self:
            return
        if self.hidden is not None and key in self.hidden:
            self.hidden.discard(key)
            return
        if self.own is None:
            self.own = set()
        self.own.add(key)

    def discard(self, key: str) -> None:
        if self.own is not None and key in self.own:
            self.own.discard(key)
        elif key in self.base:
            if self.hidden is None:
                self.hidden = set()
            self.hidden.add(key)

    def __iter__(self) -> Iterator[str]:
        hidden = self.hidden or ()
        for key in self.base:
            if key not in hidden:
                yield key
        yield from self.own or ()

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class FileSystem:
    """Files and directories held in memory; paths are absolute (relative ones use `cwd`)."""

    files: MutableMapping[str, str] = field(default_factory=dict)
    dirs: MutableSet[str] = field(default_factory=lambda: {"/"})
    modes: MutableMapping[str, int] = field(default_factory=dict)
    mtimes: MutableMapping[str, float] = field(default_factory=dict)
    mounts: dict[str, FileSystem] = field(default_factory=dict)
    read_only: bool = False

    @classmethod
    def overlay(cls, template: FileSystem) -> FileSystem:
        """A copy-on-write copy of `template`, which must never change afterwards."""
        return cls(files=_LayeredDict(template.files), dirs=_LayeredSet(template.dirs),
                   modes=_LayeredDict(template.modes), mtimes=_LayeredDict(template.mtimes),
                   mounts=dict(template.mounts), read_only=template.read_only)

    # -- mounts -----------------------------------------------------------------------------

    def mount(self, path: str, volume: FileSystem) -> None:
        """Mount another filesystem (a volume) at `path`, creating the mount point."""
        path = normalize(path)
        self.mkdir(path, parents=True, force=True)
        self.mounts[path] = volume

    def _locate(self, path: str, cwd: str = "/") -> tuple[FileSystem, str]:
        path = normalize(path, cwd)
        for point in sorted(self.mounts, key=len, reverse=True):
            if path == point or path.startswith(point + "/"):
                inner = path[len(point):] or "/"
                return self.mounts[point]._locate(inner)
        return self, path

    # -- queries ----------------------------------------------------------------------------

    def exists(self, path: str, cwd: str = "/") -> bool:
        """Whether a file or directory is at `path`."""
        fs, p = self._locate(path, cwd)
        return p in fs.files or p in fs.dirs

    def is_dir(self, path: str, cwd: str = "/") -> bool:
        """Whether `path` is a directory."""
        fs, p = self._locate(path, cwd)
        return p in fs.dirs

    def is_file(self, path: str, cwd: str = "/") -> bool:
        """Whether `path` is a regular file."""
        fs, p = self._locate(path, cwd)
        return p in fs.files

    def stat(self, path: str, cwd: str = "/") -> Node:
        """Kind, mode, mtime and size of `path`."""
        fs, p = self._locate(path, cwd)
        if p in fs.dirs:
            return Node(True, fs.modes.get(p, 0o755), fs.mtimes.get(p, 0.0), 4096)
        if p in fs.files:
            size = len(fs.files[p].encode())
            return Node(False, fs.modes.get(p, 0o644), fs.mtimes.get(p, 0.0), size)
        raise FileSystemError("ENOENT", normalize(path, cwd))

    def read(self, path: str, cwd: str = "/") -> str:
        """The text of a file."""
        fs, p = self._locate(path, cwd)
        if p in fs.dirs:
            raise FileSystemError("EISDIR", normalize(path, cwd))
        if p not in fs.files:
            raise FileSystemError("ENOENT", normalize(path, cwd))
        return fs.files[p]

    def listdir(self, path: str, cwd: str = "/") -> list[str]:
        """Sorted names in a directory, mount points included."""
        full = normalize(path, cwd)
        fs, p = self._locate(full)
        if p in fs.files:
            raise FileSystemError("ENOTDIR", full)
        if p not in fs.dirs:
            raise FileSystemError("ENOENT", full)
        prefix = p.rstrip("/") + "/"
        names = {
            q[len(prefix):] for q in (*fs.files, *fs.dirs)
            if q.startswith(prefix) and q != p and "/" not in q[len(prefix):]
        }
        if fs is self:
            names |= {m[len(prefix):] for m in self.mounts if _parent(m) == p}
        return sorted(names)

    # -- changes ----------------------------------------------------------------------------

    def _writable(self, fs: FileSystem, path: str) -> None:
        if fs.read_only:
            raise FileSystemError("EROFS", path)

    def write(
        self, path: str, content: str, cwd: str = "/", mtime: float = 0.0, mode: int | None = None
    ) -> None:
        """Create or replace a file; its directory must exist."""
        full = normalize(path, cwd)
        fs, p = self._locate(full)
        if p in fs.dirs:
            raise FileSystemError("EISDIR", full)
        parent = _parent(p)
        if parent not in fs.dirs:
            raise FileSystemError("ENOTDIR" if parent in fs.files else "ENOENT", full)
        self._writable(fs, full)
        fs.files[p] = _shared_text(content)
        fs.mtimes[p] = mtime
        if mode is not None:
            fs.modes[p] = mode

    def append(self, path: str, content: str, cwd: str = "/", mtime: float = 0.0) -> None:
        """Add text to the end of a file, creating it if needed."""
        old = self.read(path, cwd) if self.is_file(path, cwd) else ""
        self.write(path, old + content, cwd, mtime)

    def touch(self, path: str, cwd: str = "/", mtime: float = 0.0) -> None:
        """Create an empty file, or update the mtime of an existing one."""
        full = normalize(path, cwd)
        fs, p = self._locate(full)
        if p in fs.files or p in fs.dirs:
            self._writable(fs, full)
            fs.mtimes[p] = mtime
            return
        self.write(full, "", mtime=mtime)

    def chmod(self, path: str, mode: int, cwd: str = "/") -> None:
        """Set the permission bits of a file or directory."""
        full = normalize(path, cwd)
        fs, p = self._locate(full)
        if p not in fs.files and p not in fs.dirs:
            raise FileSystemError("ENOENT", full)
        self._writable(fs, full)
        fs.modes[p] = mode

    def mkdir(
        self, path: str, cwd: str = "/", parents: bool = False, mtime: float = 0.0,
        force: bool = False,
    ) -> None:
        """Create a directory (`parents`: and its missing ancestors, like `mkdir -p`)."""
        full = normalize(path, cwd)
        fs, p = self._locate(full)
        if p in fs.dirs:
            if parents:
                return
            raise FileSystemError("EEXIST", full)
        if p in fs.files:
            raise FileSystemError("EEXIST", full)
        parent = _parent(p)
        if parent not in fs.dirs:
            if not parents:
                raise FileSystemError("ENOENT", full)
            self.mkdir(_parent(full), parents=True, mtime=mtime, force=force)
            fs, p = self._locate(full)
        if not force:
            self._writable(fs, full)
        fs.dirs.add(p)
        fs.mtimes[p] = mtime

    def remove(self, path: str, cwd: str = "/") -> None:
        """Delete a file (not a directory)."""
        full = normalize(path, cwd)
        fs, p = self._locate(full)
        if p in fs.dirs:
            raise FileSystemError("EISDIR", full)
        if p not in fs.files:
            raise FileSystemError("ENOENT", full)
        self._writable(fs, full)
        del fs.files[p]
        fs.modes.pop(p, None)
        fs.mtimes.pop(p, None)

    def rmdir(self, path: str, cwd: str = "/") -> None:
        """Delete an empty directory."""
        full = normalize(path, cwd)
        if self.listdir(full):
            raise FileSystemError("ENOTEMPTY", full)
        fs, p = self._locate(full)
        if p == "/" or full in self.mounts:
            raise FileSystemError("EACCES", full)
        self._writable(fs, full)
        fs.dirs.discard(p)

    def remove_tree(self, path: str, cwd: str = "/") -> None:
        """Delete a file, or a directory and everything under it (`rm -r`)."""
        full = normalize(path, cwd)
        if not self.is_dir(full):
            self.remove(full)
            return
        for name in self.listdir(full):
            child = full.rstrip("/") + "/" + name
            if child in self.mounts:
                continue
            self.remove_tree(child)
        if full != "/" and full not in self.mounts:
            self.rmdir(full)


def pod_hosts_file(hostname: str, pod_ip: str, fqdn: str | None = None) -> str:
    """The `/etc/hosts` the kubelet writes into a pod."""
    last = f"{pod_ip}\t{fqdn}\t{hostname}" if fqdn else f"{pod_ip}\t{hostname}"
    return (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        f"{last}\n"
    )


def pod_resolv_conf(namespace: str = "default", nameserver: str = "10.96.0.10") -> str:
    """The `/etc/resolv.conf` of a pod with dnsPolicy ClusterFirst."""
    return (
        f"search {namespace}.svc.cluster.local svc.cluster.local cluster.local\n"
        f"nameserver {nameserver}\n"
        "options ndots:5\n"
    )


def busybox_root(
    hostname: str = "busybox",
    pod_ip: str = "10.244.0.5",
    namespace: str = "default",
    nameserver: str = "10.96.0.10",
    mtime: float = 0.0,
) -> FileSystem:
    """The starting tree of a busybox-like image running in a pod (files dated `mtime`)."""
    fs = FileSystem()
    for d in (
        "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr",
        "/usr/bin", "/usr/sbin", "/var", "/var/run", "/var/spool", "/var/www",
    ):
        fs.mkdir(d, parents=True, mtime=mtime)
    fs.modes["/tmp"] = 0o1777
    fs.modes["/root"] = 0o700
    fs.write("/etc/hostname", hostname + "\n")
    fs.write("/etc/hosts", pod_hosts_file(hostname, pod_ip))
    fs.write("/etc/resolv.conf", pod_resolv_conf(namespace, nameserver))
    for path in list(fs.files):
        fs.mtimes[path] = mtime
    fs.write(
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\n"
        "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
        "bin:x:2:2:bin:/bin:/bin/false\n"
        "sys:x:3:3:sys:/dev:/bin/false\n"
        "sync:x:4:100:sync:/bin:/bin/sync\n"
        "mail:x:8:8:mail:/var/spool/mail:/bin/false\n"
        "www-data:x:33:33:www-data:/var/www:/bin/false\n"
        "operator:x:37:37:Operator:/var:/bin/false\n"
        "nobody:x:65534:65534:nobody:/home:/bin/false\n",
    )
    fs.write(
        "/etc/group",
        "root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\ndisk:x:6:\n"
        "lp:x:7:\nmail:x:8:\nkmem:x:9:\nwheel:x:10:root\ncdrom:x:11:\ndialout:x:18:\n"
        "floppy:x:19:\nvideo:x:28:\naudio:x:29:\ntape:x:32:\nwww-data:x:33:\n"
        "operator:x:37:\nutmp:x:43:\nplugdev:x:46:\nstaff:x:50:\nlock:x:54:\n"
        "netdev:x:82:\nusers:x:100:\nnogroup:x:65534:\n",
    )
    for path in ("/etc/passwd", "/etc/group"):
        fs.mtimes[path] = mtime
    return fs
