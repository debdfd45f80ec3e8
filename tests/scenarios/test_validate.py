"""Every shipped scenario is proven solvable: checks fail before each step's solution and
pass after it, within virtual time (what `playground scenario validate` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.scenarios.loader import library_dir, load_library, scenario_folders
from playground.scenarios.model import parse_scenario
from playground.scenarios.validate import validate_path, validate_scenario

FOLDERS = scenario_folders()


def test_the_library_has_at_least_twelve_scenarios_with_unique_ids() -> None:
    scenarios = load_library()
    assert len(scenarios) >= 12
    ids = [s.id for s in scenarios]
    assert len(set(ids)) == len(ids)
    known = set(ids)
    for scenario in scenarios:
        assert set(scenario.prerequisites) <= known, scenario.id


def test_the_library_is_the_top_level_scenarios_folder() -> None:
    """Editable installs see the folder through the symlink, plain installs a copy of it:
    either way the scenarios found are exactly the top-level folder's files."""
    repo = Path(__file__).resolve().parents[2] / "scenarios"
    library = library_dir()

    def files(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
                if p.is_file() and "__pycache__" not in p.parts}

    assert files(library) == files(repo)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_scenario_is_solvable(folder: Path) -> None:
    verdict = validate_path(folder)
    assert verdict.problems == []
    assert verdict.steps >= 2
    assert verdict.virtual_seconds > 0


def _scenario(checks: list[dict], solution: list[dict]) -> dict:
    return {"id": "tiny", "title": "Tiny", "summary": "s", "difficulty": "beginner",
            "minutes": 1, "setup": {"cluster": {"nodes": 1}},
            "steps": [{"id": "one", "title": "One", "text": "Do it.", "checks": checks,
                       "solution": solution}]}


def test_validate_rejects_a_step_whose_checks_already_pass() -> None:
    data = _scenario([{"exists": "namespace/default"}], [{"kubectl": "get pods"}])
    verdict = validate_scenario(parse_scenario(data))
    assert len(verdict.problems) == 1
    assert "already pass before its solution" in verdict.problems[0]


def test_validate_rejects_a_solution_that_does_not_solve() -> None:
    data = _scenario([{"exists": "pod/web"}], [{"kubectl": "create namespace shop"}])
    data["steps"][0]["timeout"] = "30s"
    verdict = validate_scenario(parse_scenario(data))
    assert verdict.problems == [("step 1 (one): checks still fail 30s after the solution: "
                                 "Pod web does not exist yet")]


def test_validate_reports_a_failing_solution_command() -> None:
    data = _scenario([{"exists": "pod/web"}], [{"kubectl": "delete pod nothing"}])
    verdict = validate_scenario(parse_scenario(data))
    assert "solution command `kubectl delete pod nothing` failed" in verdict.problems[0]
    assert 'pods "nothing" not found' in verdict.problems[0]
