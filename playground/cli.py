"""`playground`: the headless command line over a persisted cluster state.

    playground [--state DIR] cluster init|advance|status|reset|snapshot save|snapshot restore
    playground [--state DIR] cluster add-node|remove-node|fail-node|recover-node|kill-pod
    playground [--state DIR] kubectl ARGS...
    playground [--state DIR] etcdctl snapshot save FILE       (etcd on the control plane)
    playground [--state DIR] etcdutl snapshot status|restore FILE [--data-dir DIR]
    playground [--state DIR] scenario list|start|status|check|hint|solve|reset|validate
    playground [--state DIR] [tui]           the interactive TUI (the default)
    playground [--state DIR] [tui] --scenario NAME   the TUI on a scenario's fresh cluster

Each invocation locks the state directory, opens the cluster (without replaying history), lets
virtual time catch up with the wall clock when the cluster runs in `realtime` mode, runs the
command, lets the cluster settle, and saves every change in one transaction. Errors are printed
for a person and give a non-zero exit code; no traceback ever reaches the terminal.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from playground import cluster_commands
from playground.engine.cluster import Cluster, ClusterConfig
from playground.engine.errors import EngineError
from playground.scenarios.model import ScenarioError
from playground.scenarios.runner import Notice, ScenarioRunner, restore_images
from playground.state.database import StateDB
from playground.state.statedir import StateError, StateLock, resolve_state_dir


class CLIError(Exception):
    """A refusal with a message for the person at the keyboard."""


def parse_duration(text: str) -> float:
    """`90s`, `5m`, `1h30m`, `2d` → seconds."""
    try:
        return cluster_commands.parse_duration(text)
    except ValueError as exc:
        raise CLIError(str(exc)) from None


class Session:
    """An open, locked state: the cluster plus its database."""

    def __init__(self, directory: Path, holder: str = "the playground CLI") -> None:
        self.directory = directory
        self.lock = StateLock(directory, holder)
        self.db = StateDB(directory)
        self.cluster: Cluster | None = None
        self.runner: ScenarioRunner | None = None
        self.notices: list[Notice] = []
        """What the running scenario has to tell (steps completed, events), shown on exit."""

    def __enter__(self) -> Session:
        self.lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()
        self.lock.release()
        for notice in self.notices:
            print(f"{'✓' if notice.kind != 'event' else '!'} {notice.text}", file=sys.stderr)

    def open(self) -> Cluster:
        """Load the cluster and let realtime clocks catch up with the wall clock."""
        if not self.db.exists():
            raise CLIError(f"error: no cluster in {self.directory}. Create one with "
                           "`playground cluster init`.")
        cluster = self.db.load()
        self.cluster = cluster
        self.runner = _attach_scenario(cluster)
        if cluster.config.clock == "realtime":
            anchor = self._wall_anchor()
            if anchor is not None:
                virtual, wall = anchor
                target = virtual + max(0.0, time.time() - wall)
                if target > cluster.now:
                    self.run_until(target)
        cluster.settle()
        return cluster

    def run_until(self, when: float) -> None:
        """Let time run; a running scenario fires its step events at their own instants."""
        assert self.cluster is not None
        if self.runner is not None:
            self.runner.run_until(when)
        else:
            self.cluster.run_until(when)

    def _wall_anchor(self) -> tuple[float, float] | None:
        row = self.db.conn.execute("SELECT value FROM meta WHERE key='wall'").fetchone()
        if row is None:
            return None
        virtual, wall = (float(x) for x in row[0].split(","))
        return virtual, wall

    def save(self, full: bool = False) -> None:
        """Settle and persist the cluster and the wall-clock anchor."""
        assert self.cluster is not None
        self.cluster.settle()
        if self.runner is not None and self.runner.cluster is self.cluster:
            self.runner.update()
            self.notices += self.runner.take_notices()
            self.cluster.settle()
        if full:
            self.db.save_all(self.cluster)
        else:
            self.db.save(self.cluster)
        self.db.conn.execute("INSERT OR REPLACE INTO meta VALUES ('wall', ?)",
                             (f"{self.cluster.now},{time.time()}",))


# -- cluster commands --------------------------------------------------------------------------

def cmd_init(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        if session.db.exists() and not args.force:
            raise CLIError(f"error: a cluster already exists in {directory}. Use --force to "
                           "replace it, or --state DIR to create another.")
        if args.nodes < 0 or args.nodes > 1023:
            raise CLIError("error: --nodes must be between 0 and 1023 (the pod network has "
                           "room for 1,024 nodes)")
        zones = [z.strip() for z in args.zones.split(",") if z.strip()]
        if not zones:
            raise CLIError("error: --zones needs at least one zone name")
        config = ClusterConfig(
            workers=args.nodes, node_cpu=args.node_cpu, node_memory=args.node_memory,
            zones=zones, seed=args.seed, clock=args.clock,
            epoch=datetime.now(UTC).replace(microsecond=0).isoformat())
        _check_quantity(args.node_cpu, "--node-cpu")
        _check_quantity(args.node_memory, "--node-memory")
        session.cluster = Cluster.create(config)
        session.save(full=True)
        cluster = session.cluster
        print(f"Cluster \"{config.name}\" created in {directory}: 1 control-plane node and "
              f"{args.nodes} worker node(s) in zones {', '.join(zones)}; Kubernetes "
              f"{cluster.version}; {config.clock} clock; seed {config.seed}.")
    return 0


def _check_quantity(value: str, flag: str) -> None:
    problem = cluster_commands.quantity_problem(value, flag)
    if problem is not None:
        raise CLIError(problem)


def cmd_reset(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        old = session.open()
        config = old.config
        config.epoch = datetime.now(UTC).replace(microsecond=0).isoformat()
        session.cluster = Cluster.create(config)
        session.save(full=True)
        print(f"Cluster \"{config.name}\" reset to a fresh state.")
    return 0


def cmd_snapshot(args: argparse.Namespace, directory: Path) -> int:
    path = Path(args.file).expanduser()
    with Session(directory) as session:
        if args.snapshot_action == "save":
            session.open()
            session.save()
            session.db.snapshot_save(path)
            print(f"Snapshot saved to {path} ({session.db.object_count()} objects).")
        else:
            session.cluster = session.db.snapshot_restore(path)
            print(f"Snapshot {path} restored ({session.cluster.store.count()} objects, virtual "
                  f"time {session.cluster.clock.datetime().strftime('%Y-%m-%d %H:%M:%S')}).")
            session.db.conn.execute("INSERT OR REPLACE INTO meta VALUES ('wall', ?)",
                                    (f"{session.cluster.now},{time.time()}",))
    return 0


# -- node and pod faults, traffic from outside ----------------------------------------------------

def _emit(result: cluster_commands.Result) -> int:
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_code


def cmd_live(args: argparse.Namespace, directory: Path) -> int:
    """A `playground cluster` verb that acts on the live cluster (see `cluster_commands`)."""
    refusal = cluster_commands.check(args)
    if refusal is not None:
        return _emit(refusal)
    with Session(directory) as session:
        cluster = session.open()
        result = cluster_commands.run(cluster, args, run_until=session.run_until,
                                      state=str(directory))
        if not result.refused:
            session.save()
        if args.action != "curl":
            return _emit(result)
    return _emit(result)  # curl answers after the state is saved and unlocked


def cmd_kubectl(argv: list[str], directory: Path) -> int:
    from playground.kubectl.main import run

    stdin_text = sys.stdin.read() if "-" in _filenames(argv) else None
    with Session(directory) as session:
        cluster = session.open()
        result = run(cluster, argv, stdin=stdin_text)
        session.save()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_code


def cmd_etcd(argv: list[str], directory: Path) -> int:
    """`etcdctl ...` / `etcdutl ...` as run on the control-plane node (argv[0] is the tool)."""
    from playground.engine import etcd

    with Session(directory) as session:
        cluster = session.open()
        result = etcd.run(cluster, argv)
        session.save()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.exit_code


def _filenames(argv: list[str]) -> list[str]:
    names = []
    for i, arg in enumerate(argv):
        if arg in ("-f", "--filename") and i + 1 < len(argv):
            names.append(argv[i + 1])
        elif arg.startswith(("-f=", "--filename=")):
            names.append(arg.split("=", 1)[1])
    return names


# -- guided scenarios ----------------------------------------------------------------------------

def _attach_scenario(cluster: Cluster) -> ScenarioRunner | None:
    """Bring back a saved scenario's images and its runner (None when none is running)."""
    restore_images(cluster)
    try:
        return ScenarioRunner.attach(cluster)
    except ScenarioError as exc:
        print(f"warning: the scenario saved in this state cannot be loaded ({exc}); "
              "its checks are not running", file=sys.stderr)
        return None


def _runner(session: Session) -> ScenarioRunner:
    session.open()
    if session.runner is None:
        raise CLIError("error: no scenario is running. List them with `playground scenario "
                       "list` and begin one with `playground scenario start NAME`.")
    return session.runner


def _print_results(runner: ScenarioRunner) -> None:
    for result in runner.results():
        print(f"  {'✓' if result.passed else '✗'} {result.text}")


def _print_step(runner: ScenarioRunner) -> None:
    print(runner.markdown().rstrip())
    if not runner.finished:
        print("\nChecks:")
        _print_results(runner)


def cmd_scenario_list(args: argparse.Namespace, directory: Path) -> int:
    from playground.kubectl.table import tabwrite
    from playground.scenarios.loader import load_library

    lines = ["#\tNAME\tTITLE\tLEVEL\tMINUTES\tSTEPS"]
    for i, sc in enumerate(load_library(), 1):
        lines.append(f"{i}\t{sc.id}\t{sc.title}\t{sc.difficulty}\t{sc.minutes}\t{len(sc.steps)}")
    sys.stdout.write(tabwrite("\n".join(lines) + "\n"))
    print("\nStart one with `playground scenario start NAME`.")
    return 0


def cmd_scenario_start(args: argparse.Namespace, directory: Path) -> int:
    from playground.scenarios.loader import find_scenario

    scenario = find_scenario(args.name)
    with Session(directory) as session:
        clock = args.clock
        if clock is None:
            clock = "realtime"
            if session.db.exists():
                clock = str(session.db.read_meta()["config"].get("clock", "realtime"))
        epoch = datetime.now(UTC).replace(microsecond=0).isoformat()
        runner = ScenarioRunner.start(scenario, clock=clock, epoch=epoch)
        session.cluster, session.runner = runner.cluster, runner
        session.save(full=True)
        print(f"Scenario \"{scenario.title}\" started on a fresh cluster in {directory} "
              f"({len(scenario.steps)} steps, about {scenario.minutes} minutes).\n")
        if scenario.intro:
            print(scenario.intro.rstrip() + "\n")
        _print_step(runner)
    return 0


def cmd_scenario_status(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        session.save()
        sc = runner.scenario
        print(f"Scenario: {sc.title} ({sc.id})")
        print(f"Progress: {min(runner.step_index, len(sc.steps))} of {len(sc.steps)} steps"
              + (" — finished" if runner.finished else ""))
        for view in runner.steps():
            mark = {"done": "✓", "current": "▶", "todo": " "}[view.state]
            solved = " (solved for you)" if view.solved else ""
            print(f"  {mark} {view.index + 1}. {view.title}{solved}")
        print()
        _print_step(runner)
    return 0


def cmd_scenario_check(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        if runner.finished:
            print(f"Scenario \"{runner.scenario.title}\" is complete.")
            return 0
        step = runner.current_step
        assert step is not None
        print(f"Step {runner.step_index + 1}: {step.title}")
        _print_results(runner)
        passed = all(r.passed for r in runner.results())
        session.save()
    return 0 if passed else 1


def cmd_scenario_hint(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        shown = runner.next_hint()
        session.save()
        if shown is None:
            if runner.finished:
                print("The scenario is complete; there is nothing left to hint at.")
            else:
                print("Every hint of this step is shown; the last one is the solution. "
                      "`playground scenario solve` runs it for you.")
            return 0
        text, layer, layers = shown
        print(f"Hint {layer} of {layers}:\n\n{text.rstrip()}")
    return 0


def cmd_scenario_solve(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        runner = _runner(session)
        if runner.finished:
            print("The scenario is already complete.")
            return 0
        through = None if args.step is None else args.step - 1
        try:
            done = runner.solve(through)
        finally:
            session.save()
        for step, outputs, waited in done:
            print(f"Step {runner.scenario.steps.index(step) + 1}: {step.title}")
            for out in outputs:
                print(f"$ {out.command}")
                for text in (out.stdout, out.stderr):
                    if text:
                        sys.stdout.write(text if text.endswith("\n") else text + "\n")
            if waited:
                print(f"(waited {waited:g}s of virtual time)")
    return 0


def cmd_scenario_reset(args: argparse.Namespace, directory: Path) -> int:
    with Session(directory) as session:
        old = _runner(session)
        runner = ScenarioRunner.start(
            old.scenario, clock=old.cluster.config.clock,
            epoch=datetime.now(UTC).replace(microsecond=0).isoformat())
        session.cluster, session.runner = runner.cluster, runner
        session.notices.clear()
        runner.take_notices()
        session.save(full=True)
        print(f"Scenario \"{old.scenario.title}\" restarted on a fresh cluster.\n")
        _print_step(runner)
    return 0


def cmd_scenario_validate(args: argparse.Namespace, directory: Path) -> int:
    from playground.scenarios.loader import scenario_folders
    from playground.scenarios.validate import validate_path

    if args.path:
        root = Path(args.path).expanduser()
        folders = [root] if (root / "scenario.yaml").is_file() or root.is_file() \
            else scenario_folders(root)
        if not folders:
            raise CLIError(f"error: no scenario.yaml in {root} or its folders")
    else:
        folders = scenario_folders()
    failed = 0
    for folder in folders:
        verdict = validate_path(folder)
        if verdict.ok:
            print(f"✓ {verdict.scenario}: {verdict.steps} steps, solvable in "
                  f"{verdict.virtual_seconds:g}s of virtual time")
        else:
            failed += 1
            print(f"✗ {verdict.scenario}:")
            for problem in verdict.problems:
                print(f"    {problem}")
    print(f"\n{len(folders) - failed} of {len(folders)} scenario(s) valid.")
    return 1 if failed else 0


# -- argument parsing ----------------------------------------------------------------------------

def build_parser(parser_class: type[argparse.ArgumentParser] = argparse.ArgumentParser
                 ) -> argparse.ArgumentParser:
    """The `playground` argument parser (kubectl arguments are passed through untouched);
    the TUI's command bar builds it of a class that captures output instead of exiting."""
    parser = parser_class(
        prog="playground",
        description="Cluster Playground: a simulated Kubernetes cluster in your terminal.")
    parser.add_argument("--state", help="state directory (default: $PLAYGROUND_STATE or the "
                                        "user data dir)")
    sub = parser.add_subparsers(dest="command",
                                metavar="{cluster,kubectl,etcdctl,etcdutl,scenario,tui}")
    cluster_commands.add_cluster_parser(sub)
    sub.add_parser("kubectl", help="run kubectl against the cluster", add_help=False)
    sub.add_parser("etcdctl", help="etcdctl on the control plane: snapshot save FILE",
                   add_help=False)
    sub.add_parser("etcdutl", help="etcdutl on the control plane: snapshot status|restore FILE",
                   add_help=False)
    scenario = sub.add_parser("scenario", help="guided scenarios: lessons that check your work")
    ssub = scenario.add_subparsers(dest="action", metavar="ACTION", required=True)
    s_list = ssub.add_parser("list", help="the scenarios you can start")
    s_start = ssub.add_parser("start", help="begin a scenario on a fresh cluster (replaces "
                                            "the cluster in the state)")
    s_start.add_argument("name", help="scenario name or number (see `scenario list`)")
    s_start.add_argument("--clock", choices=("realtime", "manual"),
                         help="clock of the new cluster (default: the current cluster's)")
    s_status = ssub.add_parser("status", help="progress, the current step and its checks")
    s_check = ssub.add_parser("check", help="evaluate the current step's checks now")
    s_hint = ssub.add_parser("hint", help="show the next hint (nudge, hint, then solution)")
    s_solve = ssub.add_parser("solve", help="run the reference solution of the current step")
    s_solve.add_argument("--step", type=int, help="solve every step up to and including N")
    s_reset = ssub.add_parser("reset", help="restart the scenario on a fresh cluster")
    s_validate = ssub.add_parser("validate", help="prove scenarios solvable (all shipped "
                                                  "ones, or those at PATH)")
    s_validate.add_argument("path", nargs="?")
    for p in (s_list, s_start, s_status, s_check, s_hint, s_solve, s_reset, s_validate):
        p.add_argument("--state", dest="state_local", help=argparse.SUPPRESS)
    sub.add_parser("tui", help="open the interactive TUI (also: no command at all; "
                               "`--scenario NAME` opens it on a scenario)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(args_list)
    except (CLIError, StateError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` or similar: stop quietly
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush
        except OSError:
            pass
        return 141
    except Exception as exc:  # the last line of defence: never a traceback
        print(f"error: the playground hit an internal problem ({type(exc).__name__}: {exc}). "
              "Your state was not changed by this command.", file=sys.stderr)
        return 1


def _scenario_option(argv: list[str]) -> tuple[str | None, list[str]]:
    """Take `--scenario NAME` (or `--scenario=NAME`) from before or after `tui`."""
    rest = list(argv)
    at = 1 if rest[:1] == ["tui"] else 0
    word = rest[at] if at < len(rest) else ""
    if word == "--scenario":
        if at + 1 >= len(rest):
            raise CLIError("error: --scenario needs a scenario name, e.g. `playground "
                           "--scenario first-pod` (`playground scenario list` shows them)")
        return rest[at + 1], rest[:at] + rest[at + 2:]
    if word.startswith("--scenario="):
        return word.split("=", 1)[1], rest[:at] + rest[at + 1:]
    return None, rest


def _main(argv: list[str]) -> int:
    state: str | None = None
    rest = list(argv)
    # --state may come before the command; kubectl's own arguments are passed through.
    while rest and rest[0].startswith("--state"):
        if rest[0] == "--state":
            if len(rest) < 2:
                raise CLIError("error: --state needs a directory")
            state, rest = rest[1], rest[2:]
        else:
            state, rest = rest[0].split("=", 1)[1], rest[1:]
    if rest and rest[0] == "kubectl":
        return cmd_kubectl(rest[1:], resolve_state_dir(state))
    if rest and rest[0] in ("etcdctl", "etcdutl"):
        return cmd_etcd(rest, resolve_state_dir(state))
    scenario_name, rest = _scenario_option(rest)
    if not rest or rest == ["tui"]:
        from playground.scenarios.loader import find_scenario
        from playground.tui.session import run_tui

        scenario = find_scenario(scenario_name) if scenario_name is not None else None
        return run_tui(resolve_state_dir(state), scenario)
    if scenario_name is not None:
        raise CLIError("error: --scenario opens the TUI on a scenario (`playground --scenario "
                       "NAME`); on the command line use `playground scenario start NAME`")
    parser = build_parser()
    args = parser.parse_args(rest)
    if state is None:
        state = getattr(args, "state_local", None) or args.state
    directory = resolve_state_dir(state)
    if args.command is None:
        parser.print_help()
        return 0
    handlers = {"init": cmd_init, "reset": cmd_reset, "snapshot": cmd_snapshot,
                **{verb: cmd_live for verb in cluster_commands.LIVE}}
    if args.command == "scenario":
        handlers = {"list": cmd_scenario_list, "start": cmd_scenario_start,
                    "status": cmd_scenario_status, "check": cmd_scenario_check,
                    "hint": cmd_scenario_hint, "solve": cmd_scenario_solve,
                    "reset": cmd_scenario_reset, "validate": cmd_scenario_validate}
    return handlers[args.action](args, directory)


if __name__ == "__main__":
    sys.exit(main())
