"""Running a scenario on a cluster: setup, step progression, events, hints and solutions.

The runner is the API every shell uses (the headless CLI now, the TUI's tutorial panel next):
it builds the scenario's cluster, evaluates the current step's checks whenever asked (a shell
calls `update()` after every change; nothing needs a "check" button), completes steps in
order, fires step events at their virtual instant, reveals hints one layer at a time and runs
reference solutions. All of its state is kept in the cluster's store as records, so progress
and the scenario's extra images are saved with the cluster and survive restarts:

    record ("scenario", "progress")  which scenario, current step, when it began, fired events,
                                     hints shown, completed steps
    record ("scenario", "images")    image catalog entries the scenario added

After loading a saved cluster, call `restore_images(cluster)` before letting time run (the
kubelet may pull those images), then `ScenarioRunner.attach(cluster)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.engine.cluster import Cluster, ClusterConfig
from playground.scenarios.actions import ActionError, ActionOutput, run_action
from playground.scenarios.checks import CheckContext, CheckResult, evaluate
from playground.scenarios.model import Action, Scenario, ScenarioError, Step

RECORD_KIND = "scenario"
PROGRESS_KEY = "progress"
IMAGES_KEY = "images"
SETUP_ACTOR = "scenario-setup"


# -- images -------------------------------------------------------------------------------

def install_images(cluster: Cluster, entries: list[dict[str, Any]]) -> None:
    """Add image catalog entries to this cluster's kubelet and remember them in the state."""
    if not entries:
        return
    saved = list((cluster.store.get_record(RECORD_KIND, IMAGES_KEY) or {}).get("entries") or [])
    names = {e["repository"] for e in entries}
    saved = [e for e in saved if e.get("repository") not in names] + [dict(e) for e in entries]
    cluster.store.put_record(RECORD_KIND, IMAGES_KEY, {"entries": saved})
    _add_to_catalog(cluster, saved)


def restore_images(cluster: Cluster) -> None:
    """Re-add the images a scenario brought, after the cluster was loaded from a state."""
    record = cluster.store.get_record(RECORD_KIND, IMAGES_KEY)
    if record and record.get("entries"):
        _add_to_catalog(cluster, list(record["entries"]))


def _add_to_catalog(cluster: Cluster, entries: list[dict[str, Any]]) -> None:
    from playground.engine.images.catalog import Catalog, default_catalog

    if cluster.kubelet.catalog is default_catalog():
        # the shipped catalog is shared by every cluster in the process; never add to it
        cluster.kubelet.catalog = Catalog.builtin()
    for entry in entries:
        cluster.kubelet.catalog.add(entry)


# -- what a shell shows -------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """Something the learner should be told: a step done, an event, the scenario finished."""

    kind: str  # "step-complete", "event", "finished"
    text: str
    step: int


@dataclass(frozen=True)
class StepView:
    """One step as a progress list shows it."""

    index: int
    id: str
    title: str
    state: str  # "done", "current", "todo"
    solved: bool = False
    """Completed by running the reference solution."""


@dataclass
class Progress:
    """The saved progress of the scenario running on a cluster."""

    scenario: str
    step: int = 0
    entered: float = 0.0
    started: float = 0.0
    fired: list[int] = field(default_factory=list)
    hints: dict[str, int] = field(default_factory=dict)
    completed: dict[str, float] = field(default_factory=dict)
    solved: list[str] = field(default_factory=list)
    finished: float | None = None
    path: str = ""

    def to_record(self) -> dict[str, Any]:
        """The record stored with the cluster."""
        return {"scenario": self.scenario, "step": self.step, "entered": self.entered,
                "started": self.started, "fired": list(self.fired),
                "hints": dict(self.hints), "completed": dict(self.completed),
                "solved": list(self.solved), "finished": self.finished, "path": self.path}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> Progress:
        """Inverse of to_record."""
        return cls(scenario=str(data["scenario"]), step=int(data.get("step", 0)),
                   entered=float(data.get("entered", 0.0)),
                   started=float(data.get("started", 0.0)),
                   fired=[int(i) for i in data.get("fired") or []],
                   hints={str(k): int(v) for k, v in (data.get("hints") or {}).items()},
                   completed={str(k): float(v) for k, v in (data.get("completed") or {}).items()},
                   solved=[str(s) for s in data.get("solved") or []],
                   finished=None if data.get("finished") is None else float(data["finished"]),
                   path=str(data.get("path") or ""))


# -- the runner ---------------------------------------------------------------------------

def build_cluster(scenario: Scenario, *, clock: str = "manual",
                  epoch: str | None = None) -> Cluster:
    """A fresh cluster in the scenario's shape, its setup applied (no progress yet)."""
    shape = scenario.setup.cluster
    config = ClusterConfig(workers=shape.nodes, node_cpu=shape.cpu, node_memory=shape.memory,
                           zones=list(shape.zones), seed=shape.seed, clock=clock)
    if epoch is not None:
        config.epoch = epoch
    cluster = Cluster.create(config)
    install_images(cluster, list(scenario.setup.images))
    for i, manifest in enumerate(scenario.setup.manifests):
        out = run_action(cluster, Action("apply", {"manifest": manifest, "as": SETUP_ACTOR}))
        if out.exit_code != 0:
            raise ScenarioError(f"{scenario.id}: setup.manifests[{i}] was refused: "
                                f"{out.stderr.strip()}")
    if scenario.setup.advance:
        cluster.advance(scenario.setup.advance)
    for i, fault in enumerate(scenario.setup.faults):
        try:
            out = run_action(cluster, fault)
        except ActionError as exc:
            raise ScenarioError(f"{scenario.id}: setup.faults[{i}]: {exc}") from None
        if out.exit_code != 0:
            raise ScenarioError(f"{scenario.id}: setup.faults[{i}] failed: {out.stderr.strip()}")
    return cluster


class ScenarioRunner:
    """One scenario in progress on one cluster."""

    def __init__(self, cluster: Cluster, scenario: Scenario, progress: Progress) -> None:
        self.cluster = cluster
        self.scenario = scenario
        self.progress = progress
        self._cache: tuple[tuple[int, int, int, float], list[CheckResult]] | None = None
        self._unread: list[Notice] = []

    # -- life cycle -----------------------------------------------------------------------
    @classmethod
    def start(cls, scenario: Scenario, *, clock: str = "manual",
              epoch: str | None = None) -> ScenarioRunner:
        """Build the scenario's cluster and enter its first step."""
        cluster = build_cluster(scenario, clock=clock, epoch=epoch)
        now = cluster.now
        progress = Progress(scenario=scenario.id, entered=now, started=now,
                            path=str(scenario.path or ""))
        runner = cls(cluster, scenario, progress)
        runner._save()
        runner.update()
        return runner

    @classmethod
    def attach(cls, cluster: Cluster, scenario: Scenario | None = None
               ) -> ScenarioRunner | None:
        """The runner of the scenario saved in this cluster's state, or None."""
        record = cluster.store.get_record(RECORD_KIND, PROGRESS_KEY)
        if record is None:
            return None
        progress = Progress.from_record(record)
        if scenario is None:
            scenario = _find(progress)
        return cls(cluster, scenario, progress)

    def _save(self) -> None:
        self.cluster.store.put_record(RECORD_KIND, PROGRESS_KEY, self.progress.to_record())

    # -- where we are ---------------------------------------------------------------------
    @property
    def finished(self) -> bool:
        """Every step is complete."""
        return self.progress.finished is not None

    @property
    def step_index(self) -> int:
        """0-based index of the current step (== number of steps once finished)."""
        return self.progress.step

    @property
    def current_step(self) -> Step | None:
        """The step being worked on, or None once finished."""
        steps = self.scenario.steps
        return steps[self.progress.step] if self.progress.step < len(steps) else None

    def steps(self) -> list[StepView]:
        """Every step with its state, for a progress list."""
        views = []
        for i, step in enumerate(self.scenario.steps):
            state = "done" if i < self.progress.step else (
                "current" if i == self.progress.step else "todo")
            views.append(StepView(i, step.id, step.title, state, step.id in self.progress.solved))
        return views

    def markdown(self) -> str:
        """What the tutorial panel shows now: the current step's text, or the finish page."""
        step = self.current_step
        if step is None:
            return self.scenario.finish
        return f"## Step {self.progress.step + 1} of {len(self.scenario.steps)}: " \
               f"{step.title}\n\n{step.text}"

    def commands(self) -> list[str]:
        """Command lines of the current step's code blocks (for pasting into a command bar)."""
        step = self.current_step
        return step.commands() if step else []

    # -- checks ---------------------------------------------------------------------------
    def results(self) -> list[CheckResult]:
        """The current step's checks against the cluster as it is now."""
        step = self.current_step
        if step is None:
            return []
        store = self.cluster.store
        # records (an etcd snapshot, say) move no resourceVersion, hence record_writes
        key = (self.progress.step, store.resource_version, store.record_writes, self.cluster.now)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        context = CheckContext(since=self.progress.entered)
        results = [evaluate(self.cluster, check, context) for check in step.checks]
        self._cache = (key, results)
        return results

    def update(self) -> list[Notice]:
        """Fire due step events, evaluate checks and complete steps (in order) as they pass.
        Call it whenever the cluster may have changed; it is cheap when nothing did."""
        notices: list[Notice] = []
        changed = False
        while not self.finished:
            fired = self._fire_due_events()
            notices.extend(fired)
            changed = changed or bool(fired)
            if not all(r.passed for r in self.results()):
                break
            step = self.current_step
            assert step is not None
            now = self.cluster.now
            self.progress.completed[step.id] = now
            notices.append(Notice("step-complete", f"Step {self.progress.step + 1} complete: "
                                                   f"{step.title}", self.progress.step))
            self.progress.step += 1
            self.progress.entered = now
            self.progress.fired = []
            changed = True
            if self.progress.step >= len(self.scenario.steps):
                self.progress.finished = now
                notices.append(Notice("finished", f"Scenario complete: {self.scenario.title}",
                                      self.progress.step))
        if changed:
            self._save()
        self._unread += notices
        return notices

    def take_notices(self) -> list[Notice]:
        """Every notice produced since the last call (also those of solve and run_until),
        for a shell that shows them in one place."""
        unread, self._unread = self._unread, []
        return unread

    def check(self) -> tuple[list[CheckResult], list[Notice]]:
        """Evaluate now: the current step's results (before any progression) and notices."""
        results = self.results()
        return results, self.update()

    # -- events ---------------------------------------------------------------------------
    def next_event_at(self) -> float | None:
        """The virtual instant of the current step's next timed event, if any."""
        step = self.current_step
        if step is None:
            return None
        due = [self.progress.entered + e.after for i, e in enumerate(step.events)
               if i not in self.progress.fired]
        return min(due) if due else None

    def _fire_due_events(self) -> list[Notice]:
        step = self.current_step
        if step is None:
            return []
        notices = []
        for i, event in enumerate(step.events):
            if i in self.progress.fired or self.progress.entered + event.after > self.cluster.now:
                continue
            self.progress.fired.append(i)
            self._save()
            for action in event.actions:
                try:
                    run_action(self.cluster, action)
                except ActionError as exc:
                    notices.append(Notice("event", f"(a scenario event could not run: {exc})",
                                          self.progress.step))
            if event.say:
                notices.append(Notice("event", event.say, self.progress.step))
        return notices

    def run_until(self, when: float) -> list[Notice]:
        """Let virtual time run to `when`, firing step events at their own instants."""
        notices = self.update()
        while (due := self.next_event_at()) is not None and due <= when:
            self.cluster.run_until(max(due, self.cluster.now))
            notices += self.update()
        self.cluster.run_until(max(when, self.cluster.now))
        return notices + self.update()

    def advance(self, seconds: float) -> list[Notice]:
        """Let `seconds` of virtual time pass (see run_until)."""
        return self.run_until(self.cluster.now + max(0.0, seconds))

    # -- hints and solutions --------------------------------------------------------------
    def hints_shown(self) -> list[str]:
        """The hint layers of the current step revealed so far."""
        step = self.current_step
        if step is None:
            return []
        return step.hint_layers()[:self.progress.hints.get(step.id, 0)]

    def next_hint(self) -> tuple[str, int, int] | None:
        """Reveal the next layer (nudge → hint → solution): (text, layer number, layers),
        or None when every layer is already shown or the scenario is finished."""
        step = self.current_step
        if step is None:
            return None
        layers = step.hint_layers()
        shown = self.progress.hints.get(step.id, 0)
        if shown >= len(layers):
            return None
        self.progress.hints[step.id] = shown + 1
        self._save()
        return layers[shown], shown + 1, len(layers)

    def run_solution(self, step: Step) -> list[ActionOutput]:
        """Run one step's reference solution now (no waiting afterwards)."""
        outputs = []
        for action in step.solution:
            outputs.append(run_action(self.cluster, action))
        return outputs

    def wait_for_step(self, index: int, timeout: float) -> float:
        """Let time pass until step `index` is complete or `timeout` virtual seconds went by;
        returns the seconds waited."""
        start = self.cluster.now
        deadline = start + timeout
        self.update()
        while self.progress.step <= index and not self.finished and self.cluster.now < deadline:
            candidates = [deadline, self.cluster.now + 5.0]
            if (timer := self.cluster.clock.peek()) is not None and timer > self.cluster.now:
                candidates.append(timer)
            if (due := self.next_event_at()) is not None and due > self.cluster.now:
                candidates.append(due)
            self.run_until(min(candidates))
        return self.cluster.now - start

    def solve(self, through: int | None = None) -> list[tuple[Step, list[ActionOutput], float]]:
        """Run the reference solution of the current step (or of every step up to index
        `through`) and let time pass until each completes. Returns what ran and the seconds
        waited, per step."""
        if self.finished:
            return []
        last = self.progress.step if through is None else through
        if last < self.progress.step:
            raise ScenarioError(f"step {last + 1} is already complete")
        if last >= len(self.scenario.steps):
            raise ScenarioError(f"this scenario has {len(self.scenario.steps)} steps")
        done = []
        while not self.finished and self.progress.step <= last:
            index = self.progress.step
            step = self.scenario.steps[index]
            outputs = self.run_solution(step)
            waited = self.wait_for_step(index, step.timeout)
            if self.progress.step == index:
                failing = [r.text for r in self.results() if not r.passed]
                raise ScenarioError(f"the solution of step {index + 1} ran, but its checks "
                                    f"still fail after {waited:g}s: {'; '.join(failing)}")
            if step.id not in self.progress.solved:
                self.progress.solved.append(step.id)
                self._save()
            done.append((step, outputs, waited))
        return done


def _find(progress: Progress) -> Scenario:
    from playground.scenarios.loader import find_scenario, load_scenario

    if progress.path and Path(progress.path).is_dir():
        scenario = load_scenario(Path(progress.path))
        if scenario.id == progress.scenario:
            return scenario
    return find_scenario(progress.scenario)
