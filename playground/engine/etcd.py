"""etcd snapshots and restores, as `etcdctl` and `etcdutl` (etcd 3.6) do them on a kubeadm
control plane.

What it models:
- `etcdctl snapshot save FILE` copies every API object the store holds (etcd's whole keyspace as
  far as Kubernetes is concerned) at the current revision into a snapshot *record* keyed by
  FILE's path: the engine does no file I/O, so the snapshot lives in the cluster state, as a
  file on the control-plane node would.
- `etcdutl snapshot status FILE` reports its hash, revision, keys, size and storage version.
- `etcdutl snapshot restore FILE --data-dir DIR` restores into a new data directory (refused if
  DIR already holds data, as etcdutl does) and etcd then serves it: every API object not in the
  snapshot is removed, every object whose stored form differs from the snapshot's is written
  back, through the store, so watches fire and controllers, the scheduler and kubelets
  reconcile (Pods deleted after the snapshot return, objects created after it disappear).

What it simplifies:
- On a real node you would also point the etcd static Pod's `etcd-data` volume at DIR
  (`/etc/kubernetes/manifests/etcd.yaml`) and wait for etcd and the API server to restart;
  here etcd serves DIR as soon as the restore finishes.
- The revision never goes back: restored objects get new resourceVersions, as a restore with
  `--bump-revision ... --mark-compacted` (what Kubernetes' docs recommend) guarantees, so no
  watcher sees time run backwards. The virtual clock does not go back either.
- Only API objects are in a snapshot. Private records (a kubelet's container runtime, the
  guided scenario's progress, other snapshots) are state outside etcd and are left alone.
- Paths are not checked against a file system: any path names a snapshot file or data dir.

`run(cluster, argv)` is the two tools' command line: argv as a shell splits it (a leading
`ETCDCTL_API=3` or `sudo` is accepted), stdout, stderr and exit code as they would print.
"""

from __future__ import annotations

import json
import posixpath
import zlib
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from playground.engine.errors import EngineError
from playground.engine.store import Actor, Obj, deep_copy

if TYPE_CHECKING:
    from playground.engine.cluster import Cluster

SNAPSHOT_RECORD = "etcd-snapshot"
"""Record kind of saved snapshots; the key is the snapshot file's path."""
DATA_DIR_RECORD = "etcd-data-dir"
"""Record kind of data directories restored into; the key is the directory."""
MEMBER_RECORD = ("etcd", "member")
"""The etcd member's own record: which data directory it serves."""

LIVE_DATA_DIR = "/var/lib/etcd"
STORAGE_VERSION = "3.6.0"
ENDPOINT = "127.0.0.1:2379"
MEMBER_NAME = "default"
ETCD = Actor("system", "etcd")

# owners before what they own, so nothing restored looks orphaned for a moment
_RESTORE_ORDER = {"namespaces": 0, "nodes": 1, "deployments.apps": 2, "statefulsets.apps": 2,
                  "daemonsets.apps": 2, "cronjobs.batch": 2, "replicasets.apps": 3,
                  "jobs.batch": 3, "pods": 5}


class EtcdError(EngineError):
    """A refusal in etcdctl's or etcdutl's own words (printed after `Error: `)."""


@dataclass(frozen=True)
class SnapshotStatus:
    """What `etcdutl snapshot status` reports."""

    hash: int
    revision: int
    total_keys: int
    total_size: int
    version: str


# -- the model ------------------------------------------------------------------------------

def snapshot_path(path: str) -> str:
    """The key a snapshot file is stored under (the path, normalised)."""
    return posixpath.normpath(path)


def save_snapshot(cluster: Cluster, path: str) -> SnapshotStatus:
    """`etcdctl snapshot save`: every API object at the current revision, kept as a record."""
    store = cluster.store
    objects = [[resource, deep_copy(obj)] for resource in sorted(store.resources())
               for obj in store.list(resource)]
    record = {"revision": store.resource_version, "taken": cluster.now,
              "version": STORAGE_VERSION, "objects": objects}
    store.put_record(SNAPSHOT_RECORD, snapshot_path(path), record)
    return _status(record)


def snapshot_status(cluster: Cluster, path: str) -> SnapshotStatus:
    """`etcdutl snapshot status`; EtcdError when there is no such file."""
    record = cluster.store.get_record(SNAPSHOT_RECORD, snapshot_path(path))
    if record is None:
        raise EtcdError(f"stat {path}: no such file or directory")
    return _status(record)


def _status(record: dict[str, Any]) -> SnapshotStatus:
    body = json.dumps(record["objects"], sort_keys=True, separators=(",", ":")).encode()
    # bbolt pages are 4 KiB and etcd keeps a revision per key: round up like a real db file
    size = (len(body) * 2 // 4096 + 6) * 4096
    return SnapshotStatus(zlib.crc32(body), int(record["revision"]), len(record["objects"]),
                          size, str(record.get("version") or STORAGE_VERSION))


def live_data_dir(cluster: Cluster) -> str:
    """The data directory etcd serves now."""
    record = cluster.store.get_record(*MEMBER_RECORD) or {}
    return str(record.get("dataDir") or LIVE_DATA_DIR)


def restore_snapshot(cluster: Cluster, path: str, data_dir: str | None = None) -> str:
    """`etcdutl snapshot restore FILE --data-dir DIR`, then etcd serving DIR: the API objects
    become the snapshot's (see the module docstring). Returns the data directory. Raises
    EtcdError, changing nothing, for an unknown snapshot or a data directory in use."""
    store = cluster.store
    record = store.get_record(SNAPSHOT_RECORD, snapshot_path(path))
    if record is None:
        raise EtcdError(f"open {path}: no such file or directory")
    target = posixpath.normpath(data_dir) if data_dir else f"{MEMBER_NAME}.etcd"
    if target == posixpath.normpath(live_data_dir(cluster)) or \
            store.get_record(DATA_DIR_RECORD, target) is not None:
        raise EtcdError(f'data-dir "{data_dir or target}" not empty or could not be read')
    store.put_record(DATA_DIR_RECORD, target, {"snapshot": snapshot_path(path),
                                               "revision": record["revision"]})
    _serve(cluster, record["objects"])
    store.put_record(*MEMBER_RECORD, {"dataDir": target})
    return target


def _serve(cluster: Cluster, objects: list[list[Any]]) -> None:
    store = cluster.store
    wanted: dict[tuple[str, str, str], Obj] = {}
    for resource, obj in objects:
        meta = obj["metadata"]
        wanted[(resource, meta.get("namespace", ""), meta["name"])] = obj
    gone = [(resource, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
            for resource in store.resources() for obj in store.list(resource)]
    gone = [key for key in gone if key not in wanted]
    for resource, namespace, name in sorted(gone, key=_removal_order):
        store.remove(resource, namespace, name, ETCD, "etcd snapshot restore")
    for key in sorted(wanted, key=_restore_order):
        resource, namespace, name = key
        obj = wanted[key]
        current = store.get(resource, namespace, name)
        if current is not None and _same(current, obj):
            continue
        if current is not None and current["metadata"].get("uid") != obj["metadata"].get("uid"):
            # another object by the same name: the old one goes, the snapshot's comes back
            store.remove(resource, namespace, name, ETCD, "etcd snapshot restore")
        store.put(resource, deep_copy(obj), ETCD, "etcd snapshot restore")
    # the API server's repair loop recomputes which ClusterIPs and NodePorts are in use
    cluster.api.allocator.rebuild(store.iter("services"))


def _restore_order(key: tuple[str, str, str]) -> tuple[int, str, str, str]:
    return (_RESTORE_ORDER.get(key[0], 4), *key)


def _removal_order(key: tuple[str, str, str]) -> tuple[int, str, str, str]:
    return (-_RESTORE_ORDER.get(key[0], 4), *key)


def _same(a: Obj, b: Obj) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        if key == "metadata":
            strip = "resourceVersion"
            if {k: v for k, v in a[key].items() if k != strip} != \
                    {k: v for k, v in b[key].items() if k != strip}:
                return False
        elif a[key] != b[key]:
            return False
    return True


# -- the command line -----------------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """What an etcdctl or etcdutl command printed, and its exit code."""

    stdout: str
    stderr: str
    exit_code: int


_VALUE_FLAGS = {"--endpoints", "--cacert", "--cert", "--key", "--write-out", "-w",
                "--command-timeout", "--dial-timeout", "--keepalive-time", "--keepalive-timeout",
                "--user", "--password", "--data-dir", "--wal-dir", "--name",
                "--initial-cluster", "--initial-cluster-token", "--initial-advertise-peer-urls",
                "--bump-revision", "--initial-memory-map-size"}
_BOOL_FLAGS = {"--mark-compacted", "--skip-hash-check", "--insecure-skip-tls-verify",
               "--insecure-transport", "--debug", "--hex"}
TOOLS = ("etcdctl", "etcdutl")


def run(cluster: Cluster, argv: list[str]) -> Result:
    """Run one `etcdctl ...` or `etcdutl ...` command line against the cluster's etcd."""
    words = list(argv)
    while words and ("=" in words[0] and not words[0].startswith("-") or words[0] == "sudo"):
        words = words[1:]
    if not words or words[0] not in TOOLS:
        return Result("", "Error: expected an etcdctl or etcdutl command line\n", 1)
    tool = words[0]
    args, flags, problem = _parse(words[1:])
    if problem:
        return Result("", f"Error: {problem}\n", 1)
    try:
        return _dispatch(cluster, tool, args, flags)
    except EtcdError as exc:
        return Result("", f"Error: {exc}\n", 1)


def _parse(words: list[str]) -> tuple[list[str], dict[str, str], str]:
    args: list[str] = []
    flags: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            if name in _BOOL_FLAGS:
                flags[name] = value or "true"
            elif name in _VALUE_FLAGS:
                if not eq:
                    if i + 1 >= len(words):
                        return args, flags, f"flag needs an argument: {name}"
                    i += 1
                    value = words[i]
                flags["--write-out" if name == "-w" else name] = value
            else:
                return args, flags, f"unknown flag: {name}"
        else:
            args.append(word)
        i += 1
    return args, flags, ""


def _dispatch(cluster: Cluster, tool: str, args: list[str], flags: dict[str, str]) -> Result:
    if args[:1] != ["snapshot"] or len(args) < 2:
        known = "snapshot save" if tool == "etcdctl" else "snapshot restore|status"
        return Result("", f"Error: the playground's {tool} knows `{tool} {known}` only\n", 1)
    sub, rest = args[1], args[2:]
    if tool == "etcdctl":
        if sub == "save":
            if len(rest) != 1:
                return Result("", "Error: snapshot save expects one argument <filename>\n", 128)
            return _save(cluster, rest[0], flags)
        if sub in ("restore", "status"):
            return Result("", f'Error: unknown command "{sub}" for "etcdctl snapshot"\n'
                          f"etcd 3.6 moved `snapshot {sub}` to etcdutl: `etcdutl snapshot "
                          f"{sub} FILE{' --data-dir DIR' if sub == 'restore' else ''}`\n", 1)
    else:
        if sub == "status":
            if len(rest) != 1:
                return Result("", "Error: snapshot status requires exactly one argument\n", 128)
            return _print_status(snapshot_status(cluster, rest[0]),
                                 flags.get("--write-out", "simple"))
        if sub == "restore":
            if len(rest) != 1:
                return Result("", "Error: snapshot restore requires exactly one argument\n", 128)
            return _restore(cluster, rest[0], flags)
        if sub == "save":
            return Result("", 'Error: unknown command "save" for "etcdutl snapshot"\n'
                          "etcdutl works on files; save a snapshot of a running etcd with "
                          "`etcdctl snapshot save FILE`\n", 1)
    return Result("", f'Error: unknown command "{sub}" for "{tool} snapshot"\n', 1)


def _log(cluster: Cluster, caller: str, msg: str, **fields: Any) -> str:
    when = cluster.clock.datetime()
    ts = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.microsecond // 1000:03d}Z"
    entry = {"level": "info", "ts": ts, "caller": caller, "msg": msg, **fields}
    return json.dumps(entry, separators=(",", ":")) + "\n"


def _save(cluster: Cluster, path: str, flags: dict[str, str]) -> Result:
    endpoint = flags.get("--endpoints", ENDPOINT).split(",")[0]
    if "," in flags.get("--endpoints", ""):
        raise EtcdError(f"snapshot must be requested to one selected node, not multiple "
                        f"[{' '.join(flags['--endpoints'].split(','))}]")
    endpoint = endpoint.split("://", 1)[-1]
    status = save_snapshot(cluster, path)
    logs = (_log(cluster, "snapshot/v3_snapshot.go:83", "created temporary db file",
                 path=f"{path}.part")
            + _log(cluster, "snapshot/v3_snapshot.go:96", "fetching snapshot",
                   endpoint=endpoint)
            + _log(cluster, "snapshot/v3_snapshot.go:111", "fetched snapshot",
                   endpoint=endpoint, size=humanize_bytes(status.total_size),
                   took=f"{round(status.total_size / 20_000, 3):g}ms",
                   **{"etcd-version": status.version})
            + _log(cluster, "snapshot/v3_snapshot.go:121", "saved", path=path))
    return Result(f"Snapshot saved at {path}\nServer version {status.version}\n", logs, 0)


def _print_status(status: SnapshotStatus, write_out: str) -> Result:
    row = [f"{status.hash:x}", str(status.revision), str(status.total_keys),
           humanize_bytes(status.total_size), status.version]
    if write_out == "json":
        return Result(json.dumps({"hash": status.hash, "revision": status.revision,
                                  "totalKey": status.total_keys,
                                  "totalSize": status.total_size,
                                  "version": status.version}, separators=(",", ":")) + "\n",
                      "", 0)
    if write_out == "table":
        header = ["HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE", "VERSION"]
        widths = [max(len(h), len(c)) + 2 for h, c in zip(header, row, strict=True)]
        rule = "+" + "+".join("-" * w for w in widths) + "+\n"
        head = "|" + "|".join(h.center(w) for h, w in zip(header, widths, strict=True)) + "|\n"
        body = "|" + "|".join(f" {c.rjust(w - 2)} " for c, w in zip(row, widths, strict=True))
        return Result(rule + head + rule + body + "|\n" + rule, "", 0)
    if write_out == "fields":
        return Result(f'"Hash" : {status.hash}\n"Revision" : {status.revision}\n'
                      f'"Keys" : {status.total_keys}\n"Size" : {status.total_size}\n'
                      f'"Version" : {status.version}\n', "", 0)
    if write_out != "simple":
        raise EtcdError(f'unknown output format "{write_out}"')
    return Result(", ".join(row) + "\n", "", 0)


def _restore(cluster: Cluster, path: str, flags: dict[str, str]) -> Result:
    bump = flags.get("--bump-revision", "0")
    if not bump.isdigit():
        raise EtcdError(f'invalid argument "{bump}" for "--bump-revision" flag: '
                        f'strconv.ParseUint: parsing "{bump}": invalid syntax')
    if int(bump) > 0 and "--mark-compacted" not in flags:
        return Result("", "Error: --mark-compacted required if --revision-bump > 0\n", 128)
    name = flags.get("--name", MEMBER_NAME)
    data_dir = flags.get("--data-dir") or f"{name}.etcd"
    revision = int((cluster.store.get_record(SNAPSHOT_RECORD, snapshot_path(path)) or
                    {}).get("revision", 0))
    restore_snapshot(cluster, path, data_dir)
    where = {"path": path, "wal-dir": posixpath.join(data_dir, "member", "wal"),
             "data-dir": data_dir, "snap-dir": posixpath.join(data_dir, "member", "snap"),
             "initial-memory-map-size": 10737418240}
    logs = _log(cluster, "snapshot/v3_snapshot.go:304", "restoring snapshot", **where)
    if int(bump) > 0:
        logs += _log(cluster, "snapshot/v3_snapshot.go:395", "bumping latest revision",
                     **{"latest-revision": revision, "bump-amount": int(bump),
                        "new-latest-revision": revision + int(bump)})
        logs += _log(cluster, "snapshot/v3_snapshot.go:412", "marking revision compacted",
                     revision=revision + int(bump))
    logs += _log(cluster, "membership/store.go:141", "Trimming membership information from the "
                 "backend...")
    logs += _log(cluster, "membership/cluster.go:421", "added member",
                 **{"cluster-id": "cdf818194e3a8c32", "local-member-id": "0",
                    "added-peer-id": "8e9e05c52164694d",
                    "added-peer-peer-urls": ["http://localhost:2380"]})
    logs += _log(cluster, "snapshot/v3_snapshot.go:332", "restored snapshot", **where)
    return Result("", logs, 0)


def humanize_bytes(size: int) -> str:
    """go-humanize's Bytes: SI units, `25 kB`, `5.2 MB`."""
    if size < 10:
        return f"{size} B"
    units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
    value = float(size)
    exponent = 0
    while value >= 1000 and exponent < len(units) - 1:
        value /= 1000
        exponent += 1
    text = f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    return f"{text} {units[exponent]}"
