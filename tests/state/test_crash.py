"""A process killed at any instant loses nothing it acknowledged.

The headless CLI commits each command in one transaction before it prints, so whatever printed
`created` must be there after a SIGKILL, and the state must always open. Each round applies a
few single objects (recording the acknowledged ones), then starts a large apply and kills it
after a different delay, then checks the state.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from playground.state.database import StateDB

ROUNDS = 10
BULK = 300


def cli(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "playground.cli", "--state", str(state), *args],
                          check=False, capture_output=True, text=True, timeout=60)


def write_configmap(path: Path, name: str) -> Path:
    path.write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
                    f"data:\n  who: {name}\n")
    return path


def test_sigkill_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    state = tmp_path / "state"
    init = cli(state, "cluster", "init", "--clock", "manual", "--nodes", "1")
    assert init.returncode == 0, init.stderr
    rng = random.Random(20260101)
    acknowledged: set[str] = set()
    killed_midway = 0
    for round_no in range(ROUNDS):
        for i in range(2):
            name = f"ack-{round_no}-{i}"
            result = cli(state, "kubectl", "apply", "-f",
                         str(write_configmap(tmp_path / f"{name}.yaml", name)))
            assert "Traceback" not in result.stderr
            if result.returncode == 0 and f"configmap/{name} created" in result.stdout:
                acknowledged.add(name)
        bulk = tmp_path / f"bulk-{round_no}.json"
        bulk.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": f"bulk-{round_no}-{i}"}, "data": {"i": str(i)}}
            for i in range(BULK)]}))
        proc = subprocess.Popen([sys.executable, "-m", "playground.cli", "--state", str(state),
                                 "kubectl", "apply", "-f", str(bulk)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(0.02 + rng.random() * 0.3)
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        if proc.returncode == -signal.SIGKILL:
            killed_midway += 1
        elif proc.returncode == 0:  # finished before the kill: it is acknowledged too
            acknowledged.update(line.split("/", 1)[1].split()[0] for line in out.splitlines()
                                if line.endswith(" created"))

        db = StateDB(state)
        cluster = db.load()
        db.close()
        names = {cm["metadata"]["name"] for cm in cluster.store.list("configmaps", "default")}
        assert acknowledged <= names, f"lost after round {round_no}: {acknowledged - names}"
        bulk_names = {n for n in names if n.startswith(f"bulk-{round_no}-")}
        assert len(bulk_names) in (0, BULK), "a half-applied command was committed"

        listing = cli(state, "kubectl", "get", "configmaps")
        assert listing.returncode == 0, listing.stderr
        assert "Traceback" not in listing.stderr
        for name in acknowledged:
            assert name in listing.stdout
    assert killed_midway >= 3, "the kills never landed while a command was running"
