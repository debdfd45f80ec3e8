"""The cluster database: SQLite in WAL mode, one transaction per command.

Three tables: `objects` (every stored Kubernetes object as JSON, keyed by resource, namespace,
name), `changes` (the attribution log: who changed what and why, trimmed to the most recent
entries) and `meta` (virtual time, pending timers, random streams, the cluster's config).

`save()` writes everything the engine journalled since the last save plus the meta, inside one
transaction, so a process killed at any instant leaves either the old or the new state, never a
mix. Opening reads the objects and meta only — history is never replayed — so a 100,000-object
state opens in the time it takes to decode the objects.

Snapshots are whole-database copies made with SQLite's online backup API: one file that
`snapshot restore` checks and copies back.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from pathlib import Path
from typing import Any

from playground.engine.cluster import Cluster
from playground.engine.store import CHANGES_JOURNALLED
from playground.state.statedir import StateError

FORMAT = 1
DB_NAME = "cluster.db"
CHANGES_KEPT = CHANGES_JOURNALLED

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (resource, namespace, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
    rv INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    type TEXT NOT NULL,
    resource TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _row_body(resource: str, name: str, obj: Any) -> Any:
    """Records (resource `~kind`) are wrapped the way `Store.all_objects` yields them."""
    if resource.startswith("~"):
        return {"metadata": {"name": name}, "data": obj}
    return obj


class StateDB:
    """One state directory's database connection."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / DB_NAME
        self._conn: sqlite3.Connection | None = None

    # -- connection -----------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection (opened on first use)."""
        if self._conn is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(self.path, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: a committed transaction survives the process being killed
                # (it is in the OS's hands); only an OS crash could lose the last commit.
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise StateError(f"error: the state database {self.path} cannot be opened: "
                                 f"{exc}. Reset it with `playground cluster init --force`."
                                 ) from None
            self._conn = conn
        return self._conn

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def exists(self) -> bool:
        """True when the state holds a cluster."""
        if not self.path.exists():
            return False
        row = self.conn.execute("SELECT value FROM meta WHERE key='cluster'").fetchone()
        return row is not None

    # -- writing --------------------------------------------------------------------------
    def save(self, cluster: Cluster) -> int:
        """Write what changed since the last save, and the meta, in one transaction.
        Returns the number of objects written or deleted."""
        journal, changes = cluster.store.drain_journal()
        meta = json.dumps(cluster.export_meta(), separators=(",", ":"))
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            upserts = [(r, ns, n, json.dumps(_row_body(r, n, obj), separators=(",", ":")))
                       for (r, ns, n), obj in journal.items() if obj is not None]
            deletes = [(r, ns, n) for (r, ns, n), obj in journal.items() if obj is None]
            if deletes:
                conn.executemany(
                    "DELETE FROM objects WHERE resource=? AND namespace=? AND name=?", deletes)
            if upserts:
                conn.executemany(
                    "INSERT OR REPLACE INTO objects (resource, namespace, name, body) "
                    "VALUES (?, ?, ?, ?)", upserts)
            if changes:
                conn.executemany(
                    "INSERT OR REPLACE INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(c.resource_version, c.time, c.type, c.resource, c.namespace, c.name,
                      c.actor.kind, c.actor.name, c.reason) for c in changes])
                conn.execute("DELETE FROM changes WHERE rv <= ?",
                             (changes[-1].resource_version - CHANGES_KEPT,))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('cluster', ?)", (meta,))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(FORMAT),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            cluster.store.requeue_journal(journal, changes)
            raise
        return len(journal)

    def save_all(self, cluster: Cluster) -> None:
        """Replace the whole stored state with this cluster (init, reset, restore)."""
        cluster.store.drain_journal()
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM objects")
            conn.execute("DELETE FROM changes")
            conn.execute("DELETE FROM meta")
            conn.executemany(
                "INSERT INTO objects (resource, namespace, name, body) VALUES (?, ?, ?, ?)",
                [(r, o["metadata"].get("namespace", ""), o["metadata"]["name"],
                  json.dumps(o, separators=(",", ":"))) for r, o in cluster.store.all_objects()])
            conn.executemany(
                "INSERT OR REPLACE INTO changes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(c.resource_version, c.time, c.type, c.resource, c.namespace, c.name,
                  c.actor.kind, c.actor.name, c.reason) for c in cluster.store.history])
            conn.execute("INSERT INTO meta VALUES ('cluster', ?)",
                         (json.dumps(cluster.export_meta(), separators=(",", ":")),))
            conn.execute("INSERT INTO meta VALUES ('format', ?)", (str(FORMAT),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- reading --------------------------------------------------------------------------
    def read_meta(self) -> dict[str, Any]:
        """The saved meta, or StateError when the state holds no cluster."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='cluster'").fetchone()
        if row is None:
            raise StateError(f"error: no cluster in {self.directory}. Create one with "
                             "`playground cluster init`.")
        fmt = self.conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        if fmt is not None and int(fmt[0]) > FORMAT:
            raise StateError(f"error: the state in {self.directory} was written by a newer "
                             "playground; upgrade to open it.")
        return json.loads(row[0])

    def load(self) -> Cluster:
        """Rebuild the cluster from the saved objects and meta."""
        meta = self.read_meta()
        loads = json.loads
        rows = self.conn.execute("SELECT resource, body FROM objects")
        # Decoding makes millions of long-lived dicts and lists, and every full pass of the
        # cyclic garbage collector re-walks all of them: with it running, a 100,000-object
        # state took 7.4 s to open instead of 3.1 s. Decoded JSON holds no reference cycles,
        # so pausing the collector for the bulk load frees nothing later than it would.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            cluster = Cluster.restore(meta, ((resource, loads(body)) for resource, body in rows))
        finally:
            if was_enabled:
                gc.enable()
        return cluster

    def object_count(self) -> int:
        """Objects stored."""
        return int(self.conn.execute("SELECT COUNT(*) FROM objects").fetchone()[0])

    # -- snapshots ------------------------------------------------------------------------
    def snapshot_save(self, target: Path) -> None:
        """Write the whole state to one file (a consistent online copy)."""
        if target.exists() and target.is_dir():
            raise StateError(f"error: {target} is a directory; give a file name")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.unlink(missing_ok=True)
        dest = sqlite3.connect(tmp)
        try:
            self.conn.backup(dest)
        finally:
            dest.close()
        tmp.replace(target)

    def snapshot_restore(self, source: Path) -> Cluster:
        """Replace the state with a snapshot file after checking it; returns the cluster."""
        if not source.is_file():
            raise StateError(f"error: the snapshot {source} does not exist")
        try:
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                row = src.execute("SELECT value FROM meta WHERE key='cluster'").fetchone()
                if row is None:
                    raise sqlite3.DatabaseError("no cluster in it")
                json.loads(row[0])
                src.execute("SELECT COUNT(*) FROM objects").fetchone()
                src.backup(self.conn)
            finally:
                src.close()
        except sqlite3.DatabaseError as exc:
            raise StateError(f"error: {source} is not a playground snapshot ({exc})") from None
        return self.load()
