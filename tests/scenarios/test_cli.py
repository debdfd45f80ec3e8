"""`playground scenario …`: list, start, status, check, hint, solve, reset, validate, and the
scenario following along with ordinary commands (kubectl, cluster advance) across processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from playground.cli import main


@pytest.fixture
def state(tmp_path: Path) -> list[str]:
    return ["--state", str(tmp_path / "state")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_every_scenario(capsys: pytest.CaptureFixture[str], state: list[str]) -> None:
    code, out, _ = run(capsys, *state, "scenario", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["#", "NAME", "TITLE", "LEVEL", "MINUTES", "STEPS"]
    assert lines[1].split()[:3] == ["1", "first-pod", "Your"]
    assert sum(1 for line in lines if line[:1].isdigit()) >= 12


def test_a_scenario_from_start_to_finish(capsys: pytest.CaptureFixture[str],
                                         state: list[str]) -> None:
    code, out, _ = run(capsys, *state, "scenario", "start", "1", "--clock", "manual")
    assert code == 0
    assert 'Scenario "Your first Pod" started on a fresh cluster' in out
    assert "## Step 1 of 3: Run a Pod" in out
    assert "  ✗ Pod hello does not exist yet" in out

    code, out, _ = run(capsys, *state, "scenario", "check")
    assert code == 1
    assert out.startswith("Step 1: Run a Pod\n  ✗ Pod hello does not exist yet\n")

    code, _, err = run(capsys, *state, "kubectl", "run", "hello", "--image=nginx:1.27")
    assert code == 0 and err == ""
    code, out, err = run(capsys, *state, "cluster", "advance", "10s")
    assert err == "✓ Step 1 complete: Run a Pod\n"

    code, out, _ = run(capsys, *state, "scenario", "hint")
    assert out.startswith("Hint 1 of 3:\n\nBoth containers go in one Pod manifest")

    code, out, _ = run(capsys, *state, "scenario", "status")
    assert "Progress: 1 of 3 steps" in out
    assert "  ✓ 1. Run a Pod\n  ▶ 2. Two containers, one Pod\n    3. Clean up" in out

    code, out, err = run(capsys, *state, "scenario", "solve", "--step", "3")
    assert code == 0
    assert "$ kubectl delete pod hello shop" in out
    assert "✓ Scenario complete: Your first Pod" in err

    code, out, _ = run(capsys, *state, "scenario", "status")
    assert "Progress: 3 of 3 steps — finished" in out
    assert "  ✓ 2. Two containers, one Pod (solved for you)" in out
    assert "# Well done" in out

    code, out, _ = run(capsys, *state, "scenario", "reset")
    assert code == 0
    assert 'Scenario "Your first Pod" restarted on a fresh cluster.' in out
    code, out, _ = run(capsys, *state, "scenario", "status")
    assert "Progress: 0 of 3 steps" in out


def test_commands_need_a_running_scenario(capsys: pytest.CaptureFixture[str],
                                          state: list[str]) -> None:
    assert run(capsys, *state, "cluster", "init", "--clock", "manual")[0] == 0
    code, _, err = run(capsys, *state, "scenario", "hint")
    assert code == 1
    assert err.startswith("error: no scenario is running.")


def test_start_an_unknown_scenario(capsys: pytest.CaptureFixture[str], state: list[str]) -> None:
    code, _, err = run(capsys, *state, "scenario", "start", "kubernetes-the-hard-way")
    assert code == 1
    assert err.startswith('error: there is no scenario "kubernetes-the-hard-way". Scenarios: '
                          "first-pod, pod-network")


def test_validate_one_folder_and_a_broken_one(capsys: pytest.CaptureFixture[str],
                                              state: list[str], tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    code, out, _ = run(capsys, *state, "scenario", "validate",
                       str(repo / "scenarios" / "04-deployments"))
    assert code == 0
    assert out.startswith("✓ deployments: 3 steps, solvable in ")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "scenario.yaml").write_text("id: broken\ntitle: B\n")
    code, out, _ = run(capsys, *state, "scenario", "validate", str(broken))
    assert code == 1
    assert "✗ broken:\n    broken/scenario.yaml: top level: missing difficulty, minutes, " \
           "steps, summary" in out
    assert out.endswith("0 of 1 scenario(s) valid.\n")
