"""The etcd vocabulary of scenarios: `etcdctl`/`etcdutl` actions, the `etcdSnapshot` check, and
scenario 12's back-up and restore steps proven (checks fail before the solution, pass after)."""

from __future__ import annotations

from typing import Any

import pytest

from playground.engine.cluster import Cluster
from playground.scenarios import ScenarioRunner, find_scenario
from playground.scenarios.actions import run_action
from playground.scenarios.checks import evaluate
from playground.scenarios.model import ScenarioError, code_block_commands, parse_scenario


def scenario(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "tiny", "title": "Tiny", "summary": "s", "difficulty": "advanced",
            "minutes": 5, "steps": steps}


def one_step(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "backup", "title": "Back up",
        "text": "```bash\nETCDCTL_API=3 etcdctl snapshot save /b/snap.db\n```",
        "checks": [{"etcdSnapshot": "/b/snap.db", "contains": "deployment/payments"}],
        "solution": [{"etcdctl": "snapshot save /b/snap.db"}]}
    data.update(changes)
    return data


def test_actions_and_check_parse_and_read_as_commands() -> None:
    parsed = parse_scenario(scenario([one_step()])).steps[0]
    assert parsed.solution[0].describe() == "etcdctl snapshot save /b/snap.db"
    assert parsed.hint_layers()[-1].count("etcdctl snapshot save /b/snap.db") == 1
    assert code_block_commands(parsed.text) == ["ETCDCTL_API=3 etcdctl snapshot save /b/snap.db"]
    assert parsed.checks[0].args == {"target": "/b/snap.db", "contains": "deployment/payments"}


@pytest.mark.parametrize(("changes", "message"), [
    ({"checks": [{"etcdSnapshot": "/b/snap.db", "contains": "payments"}]},
     "contains: name an object as type/name"),
    ({"checks": [{"etcdSnapshot": "/b/snap.db", "restored": "yes"}]}, "restored: true or false"),
    ({"checks": [{"etcdSnapshot": 3}]}, "the snapshot file's path"),
    ({"solution": [{"etcdutl": "snapshot restore 'x", "as": "sam"}]},
     "cannot split the command line"),
    ({"solution": [{"etcdutl": "snapshot restore x", "as": "sam"}]}, "etcdutl takes no as:"),
])
def test_schema_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(scenario([one_step(**changes)]))


def test_check_messages_follow_the_state(cluster: Cluster) -> None:
    checks = parse_scenario(scenario([one_step(checks=[
        {"etcdSnapshot": "/b/snap.db", "contains": "deployment/payments"},
        {"etcdSnapshot": "/b/snap.db", "restored": True}])])).steps[0].checks
    assert [evaluate(cluster, c).text for c in checks] == \
        ["there is no etcd snapshot at /b/snap.db yet"] * 2
    save = parse_scenario(scenario([one_step()])).steps[0].solution[0]
    assert run_action(cluster, save).exit_code == 0
    results = [evaluate(cluster, c) for c in checks]
    assert results[0].text == "the snapshot /b/snap.db does not hold deployment/payments"
    assert (results[1].passed, results[1].text) == \
        (False, "etcd has not been restored from /b/snap.db yet")
    restore = parse_scenario(scenario([one_step(solution=[
        {"etcdutl": "snapshot restore /b/snap.db --data-dir /r"}])])).steps[0].solution[0]
    assert run_action(cluster, restore).exit_code == 0
    assert evaluate(cluster, checks[1]).passed


def test_scenario_12_backs_up_and_restores() -> None:
    control_plane = find_scenario("control-plane")
    ids = [s.id for s in control_plane.steps]
    assert ids[-2:] == ["etcd-backup", "etcd-restore"]
    runner = ScenarioRunner.start(control_plane)
    runner.solve(through=len(ids) - 3)
    assert runner.current_step.id == "etcd-backup"
    assert not all(r.passed for r in runner.results())
    runner.solve()
    assert runner.current_step.id == "etcd-restore"
    # the colleague's deletion fired on entering the step: the checks fail
    assert [r.passed for r in runner.results()] == [False, False, False]
    entered = runner.cluster.now
    runner.solve()
    assert runner.finished
    assert runner.cluster.now >= entered
    assert runner.progress.completed["etcd-backup"] <= runner.progress.completed["etcd-restore"]
