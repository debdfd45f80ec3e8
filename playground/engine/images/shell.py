"""The POSIX shell (busybox ash subset) that simulated containers run, on virtual time.

`run(argv, ctx)` is a generator: it runs a container's command (`["sh", "-c", "…"]`,
`["sleep", "3600"]`…), yields `Sleep(seconds)` whenever virtual time must pass and returns the
exit code. The kubelet drives it on the engine clock; nothing here reads real time.

Design choices:
- A script runs one complete command at a time, so (as in ash) commands before a syntax error
  run and the error then ends the shell with status 2.
- Pipelines run their stages one after another, each reading the previous stage's buffered
  output. A stage that never ends (`while true; do …; done | grep x`) therefore holds up the
  rest of the pipeline; scripts in manifests rarely do this.
- `cmd &` starts a job that runs interleaved with the shell: a small scheduler in `Process`
  resumes whichever job's sleep ends first. `wait` blocks the shell until its jobs end; when
  the main shell exits, its remaining jobs die with it (as in a container whose PID 1 exits).
- A busy loop without sleeps yields `Sleep(busy_quantum)` every `steps_per_quantum` commands so
  virtual time advances, and output beyond `output_limit` characters is dropped, so no script
  can hang or flood the caller.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from playground.engine.images.builtins import SPECIAL_BUILTINS, lookup, shell_builtin
from playground.engine.images.filesystem import FileSystemError
from playground.engine.images.shell_api import (
    BUSYBOX_APPLETS,
    BufferSink,
    DnsAnswer,
    HttpResult,
    Invocation,
    Network,
    NullStream,
    Program,
    ShellContext,
    Sleep,
    Stream,
    TcpResult,
    TextSource,
)
from playground.engine.images.shell_syntax import (
    AndOr,
    Case,
    CommandList,
    For,
    FunctionDef,
    Group,
    If,
    Loop,
    Node,
    Parser,
    Pipeline,
    Redirect,
    ShellSyntaxError,
    SimpleCommand,
)

__all__ = [
    "BUSYBOX_APPLETS", "DnsAnswer", "HttpResult", "Network", "Shell", "ShellContext", "Sleep",
    "TcpResult", "find_executable", "run",
]

Gen = Generator[Any, None, Any]


# -- control flow --------------------------------------------------------------------------


class ExitShell(Exception):
    """`exit N`, or an error that ends a non-interactive shell."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class BreakLoop(Exception):
    def __init__(self, levels: int) -> None:
        super().__init__(levels)
        self.levels = levels


class ContinueLoop(BreakLoop):
    pass


class ReturnFromFunction(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class StepLimitReached(Exception):
    """The process used up `ShellContext.step_limit`."""


@dataclass
class Block:
    """Yielded inside the process when a shell waits (`wait`) until `ready()` is true."""

    ready: Callable[[], bool]


# -- process: output, steps, background jobs ------------------------------------------------


class OutputBudget:
    """What one process tree may still write to its container's log (shared by its stdout
    and stderr, so neither needs to point back at the process: no reference cycle)."""

    __slots__ = ("limit", "written")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.written = 0


class LineSink(Stream):
    """Hands complete lines to a callback; counts against the process output limit."""

    def __init__(self, budget: OutputBudget, callback: Callable[[str], None]) -> None:
        self.budget = budget
        self.callback = callback
        self.pending = ""

    def write(self, text: str) -> None:
        budget = self.budget
        room = budget.limit - budget.written
        if room <= 0 or not text:
            return
        text = text[:room]
        budget.written += len(text)
        data = self.pending + text
        cut = data.rfind("\n") + 1
        if cut:
            self.callback(data[:cut])
        self.pending = data[cut:]

    def flush(self) -> None:
        if self.pending:
            self.callback(self.pending)
            self.pending = ""


@dataclass
class Job:
    """A background job (`cmd &`)."""

    pid: int
    gen: Gen
    wake: float = 0.0
    block: Block | None = None
    done: bool = False
    status: int = 0


class Process:
    """One process tree in a container: shared step counter, output limit and job scheduler."""

    def __init__(self, ctx: ShellContext) -> None:
        self.ctx = ctx
        self.steps = 0
        self.output = OutputBudget(ctx.output_limit)
        self.stdout = LineSink(self.output, ctx.stdout)
        self.stderr = LineSink(self.output, ctx.stderr)
        self.jobs: dict[int, Job] = {}
        self.next_pid = ctx.pid + 6

    def tick(self) -> Iterator[Sleep]:
        """Count one step; every `steps_per_quantum` steps let virtual time advance."""
        self.steps += 1
        limit = self.ctx.step_limit
        if limit is not None and self.steps > limit:
            raise StepLimitReached()
        if self.steps % max(1, self.ctx.steps_per_quantum) == 0:
            yield Sleep(self.ctx.busy_quantum)

    def spawn(self, gen: Gen) -> Job:
        """Start a background job now."""
        pid = self.next_pid
        self.next_pid += 1
        job = Job(pid, gen)
        self.jobs[pid] = job
        return job

    def kill(self, pid: int, status: int) -> bool:
        """End a running job as if by a signal; False if there is no such job."""
        job = self.jobs.get(pid)
        if job is None or job.done:
            return False
        job.gen.close()
        job.done, job.status = True, status
        return True

    def drive(self, main: Gen) -> Generator[Sleep, None, int]:
        """Run `main` and the jobs it starts until `main` ends; yield the sleeps between."""
        t = 0.0
        main_job = Job(0, main)
        try:
            while True:
                progressed = True
                while progressed:
                    progressed = False
                    for job in [main_job, *self.jobs.values()]:
                        if job.done or job.wake > t:
                            continue
                        if job.block is not None:
                            if not job.block.ready():
                                continue
                            job.block = None
                        progressed = True
                        self._step(job, t)
                        if main_job.done:
                            return main_job.status
                sleeping = [j.wake for j in [main_job, *self.jobs.values()]
                            if not j.done and j.wake > t and j.block is None]
                if not sleeping:
                    # Only blocked jobs remain: what they wait for can never happen.
                    main_job.block = None
                    for job in self.jobs.values():
                        if not job.done:
                            self.kill(job.pid, 0)
                    continue
                nxt = min(sleeping)
                yield Sleep(round(nxt - t, 9) if math.isfinite(nxt) else math.inf)
                t = nxt
        finally:
            for job in self.jobs.values():
                if not job.done:
                    job.gen.close()
                    job.done = True
            self.stdout.flush()
            self.stderr.flush()

    def _step(self, job: Job, t: float) -> None:
        try:
            item = next(job.gen)
        except StopIteration as stop:
            job.done, job.status = True, int(stop.value or 0)
            return
        if isinstance(item, Sleep):
            job.wake = t + max(item.seconds, 0.0)
        elif isinstance(item, Block):
            job.block = item


def find_executable(name: str, ctx: ShellContext) -> bool:
    """Whether the container runtime can start `name` in this image (else StartError, 128)."""
    shell = Shell(ctx, Process(ctx), name="sh", positional=[], env=dict(ctx.env), cwd=ctx.cwd)
    base = name.rsplit("/", 1)[-1]
    if base in ("sh", "ash", "bash", "dash") and shell._is_command(name):
        return base in ctx.applets or base in ctx.programs
    return shell._resolve(name) is not None


def run(argv: list[str], ctx: ShellContext) -> Generator[Sleep, None, int]:
    """Run a container process (`argv` = command + args) and return its exit code."""
    return start(argv, ctx)[1]


def start(argv: list[str], ctx: ShellContext) -> tuple[Process, Generator[Sleep, None, int]]:
    """`run`, also giving the `Process` (its jobs and unfinished output lines)."""
    process = Process(ctx)
    return process, process.drive(_main(argv, ctx, process))


def _main(argv: list[str], ctx: ShellContext, process: Process) -> Gen:
    shell = Shell(ctx, process, name="sh", positional=[], env=dict(ctx.env), cwd=ctx.cwd)
    fds: dict[int, Stream] = {
        0: TextSource(ctx.stdin), 1: process.stdout, 2: process.stderr,
    }
    try:
        if not argv:
            return 0
        status = yield from shell.exec_argv(list(argv), fds, {}, top=True)
        return status
    except StepLimitReached:
        return 137


# -- the interpreter ---------------------------------------------------------------------------


class Shell:
    """The state of one shell: variables, functions, options, working directory, jobs."""

    def __init__(
        self, ctx: ShellContext, process: Process, name: str, positional: list[str],
        env: dict[str, str], cwd: str,
    ) -> None:
        self.ctx = ctx
        self.process = process
        self.name = name
        self.arg0 = name
        self.positional = positional
        self.vars: dict[str, str] = dict(env)
        self.exported: set[str] = set(env)
        self.functions: dict[str, Node] = {}
        self.cwd = cwd
        self.status = 0
        self.errexit = False
        self.nounset = False
        self.xtrace = False
        self.last_bg = ""
        self.jobs: list[int] = []
        self.loop_depth = 0
        self.func_depth = 0
        self.pid = ctx.pid
        self.traps: dict[str, str] = {}
        self.sub_status: int | None = None

    # -- copies for subshells -----------------------------------------------------------------

    def fork(self) -> Shell:
        """A subshell: a copy of this shell's state."""
        child = Shell(self.ctx, self.process, self.name, list(self.positional), {}, self.cwd)
        child.vars = dict(self.vars)
        child.exported = set(self.exported)
        child.functions = dict(self.functions)
        child.arg0 = self.arg0
        child.status = self.status
        child.errexit, child.nounset, child.xtrace = self.errexit, self.nounset, self.xtrace
        child.last_bg = self.last_bg
        child.pid = self.pid
        return child

    def environ(self) -> dict[str, str]:
        """The exported variables, in the order they were first set."""
        return {k: v for k, v in self.vars.items() if k in self.exported}

    def error(self, fds: dict[int, Stream], message: str) -> None:
        """Print `sh: message` the way ash reports its own errors."""
        fds.get(2, NullStream()).write(f"{self.arg0}: {message}\n")

    # -- entry points -----------------------------------------------------------------------

    def exec_argv(
        self, argv: list[str], fds: dict[int, Stream], env: dict[str, str], top: bool = False,
    ) -> Gen:
        """Run a command given as words (no shell parsing), as exec would."""
        name = argv[0]
        base = name.rsplit("/", 1)[-1]
        if base in ("sh", "ash", "bash", "dash") and self._is_command(name) and (
                base not in self.ctx.programs):
            if base not in self.ctx.applets:
                return (yield from self._not_found(name, fds, top))
            status = yield from self.run_sh(argv, fds, env, top)
            return status
        program = self._resolve(name)
        if program is None:
            return (yield from self._not_found(name, fds, top))
        if isinstance(program, str):
            if not self.ctx.fs.stat(program, self.cwd).mode & 0o111:
                self.error(fds, f"{name}: Permission denied")
                return 126
            # A script file in the container: run it with sh.
            status = yield from self.run_sh(["sh", program, *argv[1:]], fds, env)
            return status
        merged = self.environ()
        merged.update(env)
        status = yield from _call(program, Invocation(list(argv), self, fds, merged))
        return status

    def _is_command(self, name: str) -> bool:
        if "/" not in name:
            return True
        return name.rsplit("/", 1)[0] in ("/bin", "/usr/bin", "/sbin", "/usr/sbin",
                                           "/usr/local/bin")

    def _not_found(self, name: str, fds: dict[int, Stream], top: bool) -> Gen:
        if False:
            yield
        if top:
            # The runtime cannot start a binary the image lacks (StartError, exit 128); the
            # kubelet reports that in the container status, not in the logs.
            return 128
        self.error(fds, f"{name}: not found")
        return 127

    def _resolve(self, name: str) -> Program | str | None:
        fs = self.ctx.fs
        if "/" in name:
            path = name
            if name in self.ctx.programs:  # image programs registered by path (/agnhost)
                return self.ctx.programs[name]
            if fs.is_file(path, self.cwd):
                return path
            base = name.rsplit("/", 1)[-1]
            if self._is_command(name) and base in self.ctx.applets:
                return lookup(base) or self.ctx.programs.get(base)
            if self._is_command(name) and base in self.ctx.programs:
                return self.ctx.programs[base]
            return None
        if name in self.ctx.programs:
            return self.ctx.programs[name]
        if name in self.ctx.applets:
            return lookup(name)
        for d in self.vars.get("PATH", "/bin:/usr/bin").split(":"):
            if d and fs.is_file(f"{d}/{name}"):
                return f"{d}/{name}"
        return None

    def run_sh(
        self, argv: list[str], fds: dict[int, Stream], env: dict[str, str], top: bool = False,
    ) -> Gen:
        """`sh [-c script [arg0 args…]] | sh file args | sh` as a new shell process."""
        child_env = self.environ()
        child_env.update(env)
        shell = Shell(self.ctx, self.process, argv[0], [], child_env, self.cwd)
        if not top:
            shell.pid = self.process.next_pid
            self.process.next_pid += 1
            shell.vars["SHLVL"] = str(int(child_env.get("SHLVL", "0") or 0) + 1)
        else:
            shell.vars.setdefault("SHLVL", "1")
        shell.vars.setdefault("PWD", self.cwd)
        shell.exported.update(("SHLVL", "PWD"))
        args = argv[1:]
        script: str | None = None
        while args and args[0].startswith("-") and len(args[0]) > 1:
            opt = args.pop(0)
            if opt == "--":
                break
            if "c" in opt:
                if not args:
                    shell.error(fds, "-c requires an argument")
                    return 2
                script = args.pop(0)
            if "e" in opt:
                shell.errexit = True
            if "x" in opt:
                shell.xtrace = True
            if "u" in opt:
                shell.nounset = True
        if script is not None:
            if args:
                shell.arg0 = args[0]
                shell.positional = args[1:]
        elif args:
            path = args[0]
            try:
                script = self.ctx.fs.read(path, self.cwd)
            except FileSystemError as e:
                err = "No such file or directory" if e.errno == "ENOENT" else e.strerror
                shell.error(fds, f"can't open '{path}': {err}")
                return 2
            shell.arg0 = path
            shell.positional = args[1:]
        else:
            script = fds.get(0, NullStream()).read()
        status = yield from shell.run_script(script, fds)
        return status

    def run_script(self, script: str, fds: dict[int, Stream]) -> Gen:
        """Parse and run a script one complete command at a time; returns the exit status."""
        try:
            try:
                status = yield from self.run_inline(script, fds)
            except ExitShell as e:
                status = e.status
            except (BreakLoop, ReturnFromFunction):
                status = self.status
            self.status = status
            trap = self.traps.pop("EXIT", None)
            if trap:
                try:
                    yield from self.run_inline(trap, fds)
                except ExitShell as e:
                    status = e.status
                except (BreakLoop, ReturnFromFunction):
                    pass
            return status
        except RecursionError:
            self.error(fds, "nesting too deep")
            return 2

    def run_inline(self, script: str, fds: dict[int, Stream]) -> Gen:
        """Run script text in this shell (eval, `.`); `exit` propagates as ExitShell."""
        parser = Parser(script)
        while True:
            try:
                command = parser.next_command()
            except ShellSyntaxError as e:
                self.error(fds, str(e))
                raise ExitShell(2) from None
            if command is None:
                return self.status
            yield from self.run_list(command, fds)

    # -- lists, pipelines, commands -----------------------------------------------------------

    def run_list(self, node: CommandList, fds: dict[int, Stream]) -> Gen:
        for and_or, background in node.items:
            if background:
                self._background(and_or, fds)
                self.status = 0
            else:
                yield from self.run_and_or(and_or, fds)
        return self.status

    def _background(self, node: AndOr, fds: dict[int, Stream]) -> None:
        child = self.fork()
        bg_fds = dict(fds)
        bg_fds[0] = NullStream()

        def job() -> Gen:
            try:
                status = yield from child.run_and_or(node, bg_fds, condition=False)
                return status
            except ExitShell as e:
                return e.status
            except (BreakLoop, ReturnFromFunction):
                return child.status

        spawned = self.process.spawn(job())
        self.jobs.append(spawned.pid)
        self.last_bg = str(spawned.pid)

    def run_and_or(self, node: AndOr, fds: dict[int, Stream], condition: bool = False) -> Gen:
        parts = [("", node.first), *node.rest]
        status = 0
        for index, (op, pipeline) in enumerate(parts):
            if op == "&&" and status != 0:
                continue
            if op == "||" and status == 0:
                continue
            last = index == len(parts) - 1
            status = yield from self.run_pipeline(pipeline, fds, condition or not last)
        return status

    def run_pipeline(self, node: Pipeline, fds: dict[int, Stream], condition: bool) -> Gen:
        if len(node.commands) == 1:
            status = yield from self.run_command(node.commands[0], fds)
        else:
            stdin: Stream = fds.get(0, NullStream())
            status = 0
            for index, command in enumerate(node.commands):
                last = index == len(node.commands) - 1
                stage_fds = dict(fds)
                stage_fds[0] = stdin
                sink = BufferSink(self.ctx.output_limit)
                if not last:
                    stage_fds[1] = sink
                sub = self.fork()
                try:
                    status = yield from sub.run_command(command, stage_fds)
                except ExitShell as e:
                    status = e.status
                except (BreakLoop, ReturnFromFunction):
                    status = sub.status
                stdin = TextSource(sink.value())
        if node.negated:
            status = 0 if status else 1
        self.status = status
        if status and self.errexit and not condition and not node.negated:
            raise ExitShell(status)
        return status

    def run_command(self, node: Node, fds: dict[int, Stream]) -> Gen:
        yield from self.process.tick()
        if isinstance(node, SimpleCommand):
            status = yield from self.run_simple(node, fds)
            return status
        if isinstance(node, FunctionDef):
            self.functions[node.name] = node.body
            self.status = 0
            return 0
        redirected = yield from self.apply_redirects(node.redirects, fds)
        if redirected is None:
            self.status = 1
            return 1
        if isinstance(node, Group):
            if node.subshell:
                sub = self.fork()
                try:
                    status = yield from sub.run_list(node.body, redirected)
                except ExitShell as e:
                    status = e.status
                except (BreakLoop, ReturnFromFunction):
                    status = sub.status
                self.status = status
                return status
            status = yield from self.run_list(node.body, redirected)
            return status
        if isinstance(node, If):
            return (yield from self._run_if(node, redirected))
        if isinstance(node, Loop):
            return (yield from self._run_loop(node, redirected))
        if isinstance(node, For):
            return (yield from self._run_for(node, redirected))
        if isinstance(node, Case):
            return (yield from self._run_case(node, redirected))
        raise TypeError(node)  # pragma: no cover

    def _condition(self, node: CommandList, fds: dict[int, Stream]) -> Gen:
        errexit, self.errexit = self.errexit, False
        try:
            status = yield from self.run_list(node, fds)
        finally:
            self.errexit = errexit
        return status

    def _run_if(self, node: If, fds: dict[int, Stream]) -> Gen:
        for cond, body in node.branches:
            status = yield from self._condition(cond, fds)
            if status == 0:
                return (yield from self.run_list(body, fds))
        if node.otherwise is not None:
            return (yield from self.run_list(node.otherwise, fds))
        self.status = 0
        return 0

    def _loop_body(self, body: CommandList, fds: dict[int, Stream]) -> Gen:
        """Run a loop body; returns "break", "continue" or None."""
        try:
            yield from self.run_list(body, fds)
        except ContinueLoop as e:
            if e.levels > 1:
                raise ContinueLoop(e.levels - 1) from None
            return "continue"
        except BreakLoop as e:
            if e.levels > 1:
                raise BreakLoop(e.levels - 1) from None
            return "break"
        return None

    def _run_loop(self, node: Loop, fds: dict[int, Stream]) -> Gen:
        status = 0
        self.loop_depth += 1
        try:
            while True:
                yield from self.process.tick()
                cond = yield from self._condition(node.condition, fds)
                if (cond == 0) == node.until:
                    break
                outcome = yield from self._loop_body(node.body, fds)
                status = self.status
                if outcome == "break":
                    break
        finally:
            self.loop_depth -= 1
        self.status = status
        return status

    def _run_for(self, node: For, fds: dict[int, Stream]) -> Gen:
        from playground.engine.images.shell_words import expand_words

        if node.words is None:
            items = list(self.positional)
        else:
            items = yield from expand_words(self, node.words, fds)
        status = 0
        self.loop_depth += 1
        try:
            for item in items:
                yield from self.process.tick()
                self.vars[node.name] = item
                outcome = yield from self._loop_body(node.body, fds)
                status = self.status
                if outcome == "break":
                    break
        finally:
            self.loop_depth -= 1
        self.status = status
        return status

    def _run_case(self, node: Case, fds: dict[int, Stream]) -> Gen:
        from playground.engine.images.shell_words import expand_pattern, expand_string

        word = yield from expand_string(self, node.word, fds)
        for patterns, body in node.items:
            for pattern in patterns:
                pat = yield from expand_pattern(self, pattern, fds)
                if fnmatch.fnmatchcase(word, pat):
                    return (yield from self.run_list(body, fds))
        self.status = 0
        return 0

    # -- simple commands ----------------------------------------------------------------------

    def run_simple(self, node: SimpleCommand, fds: dict[int, Stream]) -> Gen:
        from playground.engine.images.shell_words import expand_string, expand_words

        self.sub_status = None
        argv = yield from expand_words(self, node.words, fds)
        assigns: dict[str, str] = {}
        for name, raw in node.assigns:
            assigns[name] = yield from expand_string(self, raw, fds, assignment=True)
        if self.xtrace and (argv or assigns):
            trace = " ".join([f"{k}={v}" for k, v in assigns.items()] + argv)
            fds.get(2, NullStream()).write(f"+ {trace}\n")
        redirected = yield from self.apply_redirects(node.redirects, fds)
        if redirected is None:
            self.status = 1
            if self.errexit:
                raise ExitShell(1)
            return 1
        if not argv:
            for name, value in assigns.items():
                self.vars[name] = value
            self.status = self.sub_status if self.sub_status is not None else 0
            return self.status
        name = argv[0]
        skip_functions = False
        while name == "command" and len(argv) > 1 and not argv[1].startswith("-"):
            argv = argv[1:]
            name = argv[0]
            skip_functions = True
        builtin = shell_builtin(name)
        if builtin is not None and name in SPECIAL_BUILTINS:
            for key, value in assigns.items():
                self.vars[key] = value
            status = yield from _call(builtin, Invocation(argv, self, redirected, self.environ()))
        elif name in self.functions and not skip_functions:
            status = yield from self._call_function(name, argv, assigns, redirected)
        elif builtin is not None:
            env = self.environ()
            env.update(assigns)
            status = yield from _call(builtin, Invocation(argv, self, redirected, env))
        else:
            status = yield from self.exec_argv(argv, redirected, assigns)
        self.status = status
        return status

    def _call_function(
        self, name: str, argv: list[str], assigns: dict[str, str], fds: dict[int, Stream]
    ) -> Gen:
        if self.func_depth > 100:
            self.error(fds, f"{name}: function nesting too deep")
            raise ExitShell(2)
        saved_positional = self.positional
        saved_vars = {k: self.vars.get(k) for k in assigns}
        self.vars.update(assigns)
        self.positional = argv[1:]
        self.func_depth += 1
        try:
            status = yield from self.run_command(self.functions[name], fds)
        except ReturnFromFunction as r:
            status = r.status
        finally:
            self.func_depth -= 1
            self.positional = saved_positional
            for k, v in saved_vars.items():
                if v is None:
                    self.vars.pop(k, None)
                else:
                    self.vars[k] = v
        self.status = status
        return status

    # -- redirections -------------------------------------------------------------------------

    def apply_redirects(
        self, redirects: list[Redirect], fds: dict[int, Stream]
    ) -> Generator[Any, None, dict[int, Stream] | None]:
        from playground.engine.images.shell_words import expand_heredoc, expand_string

        if not redirects:
            return fds
        out = dict(fds)
        fs = self.ctx.fs
        for r in redirects:
            if r.heredoc is not None:
                body = r.heredoc.body
                if r.heredoc.expand:
                    body = yield from expand_heredoc(self, body, fds)
                out[r.fd] = TextSource(body)
                continue
            target = yield from expand_string(self, r.target, fds)
            if r.op in (">&", "<&"):
                if target == "-":
                    out.pop(r.fd, None)
                elif target.isdigit():
                    if int(target) not in out:
                        self.error(fds, f"{target}: bad file descriptor")
                        return None
                    out[r.fd] = out[int(target)]
                else:
                    self.error(fds, f"{target}: bad file descriptor" if r.op == "<&"
                               else "syntax error: bad fd number")
                    return None
                continue
            if target in ("/dev/null", "/dev/zero"):
                out[r.fd] = NullStream() if r.op != "<" else TextSource("")
                continue
            if target in ("/dev/stdout", "/proc/self/fd/1", "/dev/stderr", "/proc/self/fd/2"):
                src = 1 if target.endswith(("1", "stdout")) else 2
                out[r.fd] = fds.get(src, NullStream())
                continue
            try:
                if r.op == "<":
                    out[r.fd] = TextSource(fs.read(target, self.cwd))
                elif r.op == "<>":
                    if not fs.exists(target, self.cwd):
                        fs.write(target, "", self.cwd, mtime=self.ctx.now())
                    out[r.fd] = TextSource(fs.read(target, self.cwd))
                else:
                    if r.op in (">", ">|") or not fs.is_file(target, self.cwd):
                        fs.write(target, "", self.cwd, mtime=self.ctx.now())
                    out[r.fd] = FileSink(self, target)
            except FileSystemError as e:
                self.error(fds, _redirect_error(r.op, target, e))
                return None
        return out


class FileSink(Stream):
    """Output appended to a file in the container."""

    def __init__(self, shell: Shell, path: str) -> None:
        self.shell = shell
        self.path = path
        self.cwd = shell.cwd

    def write(self, text: str) -> None:
        if not text:
            return
        ctx = self.shell.ctx
        try:
            if ctx.fs.is_file(self.path, self.cwd) and len(ctx.fs.read(self.path, self.cwd)) > \
                    ctx.output_limit:
                return
            ctx.fs.append(self.path, text, self.cwd, mtime=ctx.now())
        except FileSystemError:
            pass


def _redirect_error(op: str, target: str, e: FileSystemError) -> str:
    if op == "<":
        return f"can't open '{target}': " + (
            "No such file or directory" if e.errno == "ENOENT" else e.strerror)
    reason = {"ENOENT": "nonexistent directory", "EISDIR": "Is a directory"}.get(
        e.errno, e.strerror)
    return f"can't create {target}: {reason}"


def _call(fn: Program, inv: Invocation) -> Gen:
    result = fn(inv)
    if isinstance(result, int):
        return result
    status = yield from result
    return int(status or 0)
