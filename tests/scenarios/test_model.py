"""The scenario schema: what an author may write, and the messages for what they may not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from playground.scenarios.model import ScenarioError, code_block_commands, parse_scenario


def minimal(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "tiny", "title": "Tiny", "summary": "s", "difficulty": "beginner", "minutes": 5,
        "steps": [{"id": "one", "title": "One", "text": "Run `kubectl run web`.",
                   "checks": [{"exists": "pod/web"}],
                   "solution": [{"kubectl": "run web --image=nginx:1.27"}]}]}
    data.update(changes)
    return data


def step(**changes: Any) -> dict[str, Any]:
    data = minimal()["steps"][0]
    data.update(changes)
    return data


def test_a_minimal_scenario_parses_with_defaults() -> None:
    scenario = parse_scenario(minimal())
    assert scenario.setup.cluster.nodes == 3
    assert scenario.steps[0].checks[0].kind == "exists"
    assert scenario.steps[0].solution[0].args["argv"] == ["run", "web", "--image=nginx:1.27"]
    assert scenario.finish.startswith("You finished")


@pytest.mark.parametrize(("data", "message"), [
    (minimal(difficulty="easy"), "difficulty: one of beginner, intermediate, advanced"),
    (minimal(minutes=0), "minutes: a whole number of minutes"),
    (minimal(id="First Pod"), "id: use lowercase letters"),
    (minimal(steps=[]), "steps: a scenario needs at least one step"),
    (minimal(colour="red"), "top level: unknown key(s) colour"),
    (minimal(steps=[step(checks=[{"exist": "pod/web"}])]),
     "steps[0].checks[0]: name exactly one check type of: exists, absent"),
    (minimal(steps=[step(checks=[{"exists": "web"}])]),
     "steps[0].checks[0].exists: name an object as type/name"),
    (minimal(steps=[step(checks=[{"field": "pod/web", "path": "{.a}"}])]),
     "field needs equals: or matches:"),
    (minimal(steps=[step(checks=[{"pods": "app=web", "colour": 1}])]),
     "pods does not take colour"),
    (minimal(steps=[step(solution=[])]), "a step needs an executable solution"),
    (minimal(steps=[step(solution=[{"advance": "soon"}])]),
     "expected a duration such as 30s, 5m or 1m30s, got 'soon'"),
    (minimal(steps=[step(events=[{"after": "1m", "on": "enter", "do": []}])]),
     "use either on: enter or after: DURATION"),
    (minimal(steps=[step(), step()]), "step ids must be unique; repeated: one"),
    (minimal(setup={"images": [{"repository": "nginx", "tags": ["1"]}]}),
     "setup.images[0]: image catalog entry 'nginx': repository must be fully qualified"),
    (minimal(steps=[step(text="missing.md")]),
     "the Markdown file missing.md does not exist next to scenario.yaml"),
])
def test_schema_errors_say_where_and_what(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data, Path("/nonexistent"), "tiny/scenario.yaml")
    assert str(caught.value).startswith("tiny/scenario.yaml: ")
    assert message in str(caught.value)


def test_a_bare_on_key_that_yaml_reads_as_true_means_on() -> None:
    data = minimal(steps=[step(events=[{True: "enter", "do": [{"fail-node": "worker-1"}]}])])
    event = parse_scenario(data).steps[0].events[0]
    assert event.after == 0
    assert event.actions[0].kind == "fail-node"


def test_hint_layers_end_with_the_solution_and_placeholders_read_as_words() -> None:
    data = minimal(steps=[step(hints=["A nudge.", "A hint."], solution=[
        {"kubectl": "delete pod {{pod app=web}}"}, {"advance": "30s"}])])
    layers = parse_scenario(data).steps[0].hint_layers()
    assert layers[:2] == ["A nudge.", "A hint."]
    assert layers[2] == ("**Solution**\n\n```\nkubectl delete pod <a pod with app=web>\n```"
                         "\n\nThen give the cluster 30s to react.")


def test_code_block_commands_are_what_a_command_bar_can_paste() -> None:
    text = "Run:\n\n```bash\nkubectl get pods\n# a comment\nplayground cluster advance 1m\n```" \
           "\n\n```yaml\nkind: Pod\n```\n"
    assert code_block_commands(text) == ["kubectl get pods", "playground cluster advance 1m"]
