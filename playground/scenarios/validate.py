"""The proof that a scenario is solvable: what `playground scenario validate` and CI run.

For a scenario it loads the files (the schema check), builds the cluster from its setup, then
for every step: the step's checks must *fail* on entering it (a step that is already done
teaches nothing and would be skipped), its reference solution runs, and within the step's
timeout of virtual time its checks must *pass*. At the end the scenario must be finished.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playground.scenarios.actions import ActionError
from playground.scenarios.loader import load_scenario
from playground.scenarios.model import Scenario, ScenarioError
from playground.scenarios.runner import ScenarioRunner


@dataclass
class Validation:
    """The verdict on one scenario."""

    scenario: str
    problems: list[str] = field(default_factory=list)
    steps: int = 0
    virtual_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No problem found."""
        return not self.problems


def validate_path(path: Path) -> Validation:
    """Load (schema) and prove one scenario folder."""
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        return Validation(path.name, [str(exc)])
    return validate_scenario(scenario)


def validate_scenario(scenario: Scenario) -> Validation:
    """Prove every step of a loaded scenario solvable, and its checks meaningful."""
    verdict = Validation(scenario.id, steps=len(scenario.steps))
    try:
        runner = ScenarioRunner.start(scenario)
    except (ScenarioError, ActionError) as exc:
        verdict.problems.append(f"setup: {exc}")
        return verdict
    start = runner.cluster.now
    for index, step in enumerate(scenario.steps):
        where = f"step {index + 1} ({step.id})"
        if runner.step_index != index:
            verdict.problems.append(
                f"{where}: its checks already pass before its solution ran "
                f"({'; '.join(r.text for r in runner.results()) or 'finished early'})")
            break
        results = runner.results()
        if all(r.passed for r in results):  # pragma: no cover - update() would have moved on
            verdict.problems.append(f"{where}: its checks pass before the solution")
            break
        try:
            outputs = runner.run_solution(step)
        except ActionError as exc:
            verdict.problems.append(f"{where}: the solution failed: {exc}")
            break
        refused = [o for o in outputs if o.exit_code != 0]
        if refused:
            verdict.problems.append(f"{where}: solution command `{refused[0].command}` failed: "
                                    f"{refused[0].stderr.strip()}")
            break
        waited = runner.wait_for_step(index, step.timeout)
        if runner.step_index == index:
            failing = [r.text for r in runner.results() if not r.passed]
            verdict.problems.append(f"{where}: checks still fail {waited:g}s after the "
                                    f"solution: {'; '.join(failing)}")
            break
    if verdict.ok and not runner.finished:
        verdict.problems.append("the scenario did not finish after its last step")
    verdict.virtual_seconds = runner.cluster.now - start
    return verdict
