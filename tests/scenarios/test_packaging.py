"""The scenarios ship inside the wheel: a plain `pip install .` from a clean checkout carries
every file of the top-level `scenarios/` folder as `playground/scenarios/library/…`."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _build_wheel(source: Path, out: Path) -> Path:
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q",
               "-w", str(out)]
    # Offline-friendly when the environment can build by itself; else pip fetches the
    # build requirements of pyproject.toml into an isolated environment.
    try:
        import setuptools

        modern = tuple(int(p) for p in setuptools.__version__.split(".")[:2]) >= (70, 1)
    except ImportError:
        modern = False
    if modern:  # setuptools >= 70.1 builds wheels without the `wheel` package
        command.append("--no-build-isolation")
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{result.stdout}\n{result.stderr}")
    return next(out.glob("playground-*.whl"))


def test_the_wheel_contains_every_scenario_file(tmp_path: Path) -> None:
    # a copy of the committed layout (no build/ or egg-info leftovers), symlinks kept
    source = tmp_path / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".hypothesis", ".mypy_cache", ".ruff_cache", "benchmarks", "tests"))
    wheel = _build_wheel(source, tmp_path / "dist")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"playground/scenarios/library/" + str(p.relative_to(REPO / "scenarios"))
                for p in (REPO / "scenarios").rglob("*") if p.is_file()
                and p.suffix in (".yaml", ".md")}
    assert "playground/scenarios/library/01-first-pod/scenario.yaml" in expected
    assert "playground/scenarios/library/README.md" in expected
    missing = sorted(expected - names)
    assert missing == []
    assert "playground/scenarios/runner.py" in names
    assert not any(n.startswith("scenarios/") for n in names), "no top-level scenarios package"
