"""The engine stays a pure library: no UI, no database, nothing from the layers above it.

Each module under `playground/engine` is imported in a fresh interpreter (so nothing imported
by an earlier test hides a dependency), and the interpreter's `sys.modules` is inspected.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import playground.engine

ENGINE_DIR = Path(playground.engine.__file__).parent
FORBIDDEN = ("textual", "rich", "sqlite3", "_sqlite3")

_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def engine_modules() -> list[str]:
    modules = []
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        parts = list(path.relative_to(ENGINE_DIR.parent.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules.append(".".join(parts))
    return modules


MODULES = engine_modules()


@pytest.fixture(scope="module")
def imported() -> dict[str, tuple[int, str, str]]:
    """Import every engine module, each in its own interpreter, a few at a time."""
    results: dict[str, tuple[int, str, str]] = {}
    pending = list(MODULES)
    while pending:
        batch, pending = pending[:8], pending[8:]
        procs = {name: subprocess.Popen([sys.executable, "-c", _PROBE, name],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                 for name in batch}
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=60)
            results[name] = (proc.returncode, out, err)
    return results


def test_the_walk_finds_the_engine() -> None:
    assert "playground.engine.cluster" in MODULES
    assert "playground.engine.controllers.garbage_collector" in MODULES
    assert len(MODULES) > 20


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_nothing_forbidden(module: str,
                                          imported: dict[str, tuple[int, str, str]]) -> None:
    code, out, err = imported[module]
    assert code == 0, f"{module} does not import on its own:\n{err}"
    loaded = set(json.loads(out))
    assert module in loaded
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN)
    assert not bad, f"{module} pulls in {bad}"
    above = sorted(m for m in loaded
                   if m.startswith("playground.") and not m.startswith("playground.engine"))
    assert not above, f"{module} imports from layers above the engine: {above}"
