"""Running a container's main process on virtual time, and rebuilding it after a restart.

A process is a generator from the shell or an image program that yields `Sleep`s. The kubelet
owns one `ProcessHandle` per running container: `run_until(t)` resumes the generator each time
its sleep ends, up to virtual second `t`, and reports the exit code when it returns.

A process in a steady state (a server waiting for a signal) may be *parked*: its generator is
dropped (`gen` is None) and rebuilt by replay when it is next needed (see
`kubelet.workload.Workload.park`); the handle keeps its counters and times meanwhile.

Generators cannot be saved, so a restarted playground rebuilds each running process by
*replaying* it: a fresh generator is run silently, on a scratch filesystem, through the same
number of sleeps it had consumed, which restores its internal state (loop counters, variables);
then the persisted filesystem is swapped in. Network answers are replayed from the transcript
recorded during the live run, so the replay takes the same branches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from playground.engine.images.shell_api import Sleep

ProcessGen = Generator[Any, None, int]

MAX_STEPS_PER_ADVANCE = 100_000
"""Yields one advance may process before it pauses (protects against pathological loops)."""


class ProcessHandle:
    """One running generator and when it next needs the CPU."""

    def __init__(self, gen: ProcessGen, started_at: float) -> None:
        self.gen: ProcessGen | None = gen
        self.wake_at: float | None = started_at
        self.exit_code: int | None = None
        self.exited_at: float | None = None
        self.sleeps = 0
        self.clock_now: float = started_at
        """Virtual time as the process sees it (what `date` prints), advanced as it runs."""

    def step(self, at: float) -> None:
        """Resume the process at virtual time `at` (its sleep ended, or it was woken)."""
        self.clock_now = at
        assert self.gen is not None, "a parked process must be revived before it runs"
        try:
            result = next(self.gen)
        except StopIteration as stop:
            self.exit_code = int(stop.value or 0)
            self.exited_at = at
            self.wake_at = None
            return
        self.sleeps += 1
        seconds = result.seconds if isinstance(result, Sleep) else 0.0
        if seconds is None or math.isinf(seconds) or seconds > 1e12:
            self.wake_at = None  # sleeps for ever: only a signal or a wake() resumes it
        else:
            self.wake_at = at + max(0.0, float(seconds))

    def run_until(self, when: float, on_step: Callable[[float], None] | None = None) -> None:
        """Resume the process every time its sleep ends, up to `when`."""
        steps = 0
        while self.exit_code is None and self.wake_at is not None and self.wake_at <= when:
            at = self.wake_at
            if on_step is not None:
                on_step(at)
            self.step(at)
            steps += 1
            if steps >= MAX_STEPS_PER_ADVANCE:
                break

    def kill(self, at: float, code: int = 137) -> None:
        """SIGKILL: the process is gone at once."""
        if self.exit_code is None:
            if self.gen is not None:
                self.gen.close()
            self.exit_code = code
            self.exited_at = at
            self.wake_at = None

    def replay(self, sleeps: int, started_at: float, durations: list[float] | None = None
               ) -> float:
        """Silently run through the first `sleeps` yields; returns the virtual time reached."""
        at = started_at
        self.wake_at = started_at
        while self.sleeps < sleeps and self.exit_code is None:
            self.step(self.wake_at if self.wake_at is not None else at)
            if self.wake_at is None:
                break
            at = self.wake_at
        return at
