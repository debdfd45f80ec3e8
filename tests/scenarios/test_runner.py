"""The scenario runner: progress that survives restarts, scenario images kept with the state,
hints in layers, step events at their virtual instant, colleagues' commands, check messages."""

from __future__ import annotations

from pathlib import Path

from playground.engine.cluster import Cluster
from playground.kubectl.main import run
from playground.scenarios import ScenarioRunner, find_scenario, restore_images
from playground.scenarios.model import parse_scenario
from playground.state.database import StateDB


def reopen(cluster: Cluster, directory: Path) -> Cluster:
    db = StateDB(directory)
    db.save_all(cluster)
    db.close()
    db = StateDB(directory)
    loaded = db.load()
    db.close()
    restore_images(loaded)
    return loaded


def test_progress_and_scenario_images_survive_a_restart(tmp_path: Path) -> None:
    runner = ScenarioRunner.start(find_scenario("debugging"))
    runner.solve()
    assert runner.step_index == 1
    assert runner.next_hint() is not None
    cluster = reopen(runner.cluster, tmp_path)
    again = ScenarioRunner.attach(cluster)
    assert again is not None
    assert again.scenario.id == "debugging"
    assert again.step_index == 1
    assert again.progress.solved == ["image-pull"]
    assert len(again.hints_shown()) == 1
    # acme/payments:2.2 exists only because the scenario added it; it must still pull
    assert run(cluster, ["set", "image", "deployment/payments",
                         "payments=acme/payments:2.2"]).exit_code == 0
    notices = again.advance(30)
    assert [n.kind for n in notices] == ["step-complete", "finished"]
    assert again.finished
    assert "Well done" in again.markdown()


def test_a_cluster_without_a_scenario_has_no_runner(cluster: Cluster) -> None:
    assert ScenarioRunner.attach(cluster) is None


def test_checks_say_what_is_missing_and_steps_complete_in_order() -> None:
    runner = ScenarioRunner.start(find_scenario("deployments"))
    assert [r.text for r in runner.results()] == [
        "Deployment storefront does not exist yet",
        "Deployment storefront does not exist yet",
        "0 of 2 pods with app=storefront are Running",
    ]
    # doing step 2's work first does not complete step 2 before step 1
    run(runner.cluster, ["create", "deployment", "storefront", "--image=nginx:1.27",
                         "--replicas=5"])
    assert runner.update() == []
    assert runner.results()[2].text == "0 of 2 pods with app=storefront are Running"
    runner.cluster.advance(15)
    assert "5 pods with app=storefront are Running; 2 wanted" in runner.results()[2].text
    run(runner.cluster, ["scale", "deployment", "storefront", "--replicas=2"])
    runner.cluster.advance(40)
    notices = runner.update()
    assert [n.text for n in notices] == ["Step 1 complete: Create a Deployment"]
    assert [v.state for v in runner.steps()] == ["done", "current", "todo"]


def test_hints_come_in_layers_ending_with_the_solution() -> None:
    runner = ScenarioRunner.start(find_scenario("first-pod"))
    first = runner.next_hint()
    second = runner.next_hint()
    third = runner.next_hint()
    assert first is not None and first[1:] == (1, 3)
    assert second is not None and "`kubectl run NAME --image=IMAGE`" in second[0]
    assert third is not None and "kubectl run hello --image=nginx:1.27" in third[0]
    assert runner.next_hint() is None
    assert len(runner.hints_shown()) == 3


def test_a_timed_event_fires_at_its_instant_and_a_colleague_is_named() -> None:
    scenario = parse_scenario({
        "id": "timed", "title": "Timed", "summary": "s", "difficulty": "beginner", "minutes": 1,
        "setup": {"cluster": {"nodes": 1}},
        "steps": [{"id": "wait", "title": "Wait", "text": "Wait.",
                   "events": [{"after": "2m", "say": "Sam deployed web.", "do": [
                       {"kubectl": "create deployment web --image=nginx:1.27", "as": "sam"}]}],
                   "checks": [{"exists": "deployment/web"}],
                   "solution": [{"advance": "3m"}]}]})
    runner = ScenarioRunner.start(scenario)
    start = runner.cluster.now
    assert runner.next_event_at() == start + 120
    assert runner.advance(119) == []
    assert runner.cluster.store.get("deployments.apps", "default", "web") is None
    notices = runner.advance(60)
    assert [n.text for n in notices] == ["Sam deployed web.", "Step 1 complete: Wait",
                                         "Scenario complete: Timed"]
    created = [c for c in runner.cluster.store.history
               if c.resource == "deployments.apps" and c.type == "ADDED" and c.name == "web"]
    assert created[0].actor.name == "sam"
    assert created[0].time == start + 120


def test_solve_through_a_later_step_runs_every_solution_in_order() -> None:
    runner = ScenarioRunner.start(find_scenario("replicasets"))
    done = runner.solve(through=2)
    assert [step.id for step, _, _ in done] == ["create", "delete", "relabel"]
    assert runner.step_index == 3
    assert runner.progress.solved == ["create", "delete", "relabel"]
