"""Guided scenarios: lessons that set up a cluster, check the learner's work and prove
themselves solvable.

Scenarios are data (`scenarios/<NN-name>/scenario.yaml` plus Markdown; the authoring guide is
`scenarios/README.md`). This package reads them (`model`, `loader`), evaluates checks against
cluster state (`checks`), carries out setup faults, step events and solutions (`actions`),
runs a scenario on a cluster with saved progress (`runner`) and proves each one solvable
(`validate`). Shells use `ScenarioRunner`; nothing here prints.
"""

from __future__ import annotations

from playground.scenarios.checks import CheckResult
from playground.scenarios.loader import find_scenario, load_library, load_scenario
from playground.scenarios.model import Scenario, ScenarioError, Step
from playground.scenarios.runner import Notice, ScenarioRunner, StepView, restore_images

__all__ = [
    "CheckResult", "Notice", "Scenario", "ScenarioError", "ScenarioRunner", "Step", "StepView",
    "find_scenario", "load_library", "load_scenario", "restore_images",
]
