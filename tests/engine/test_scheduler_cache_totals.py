"""The cache's per-combo totals pick the node `framework.pick_best` picks, with the same draws."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from playground.engine.scheduler.cache import _Totals
from playground.engine.scheduler.framework import pick_best


@given(combos=st.lists(st.integers(0, 5), min_size=1, max_size=200),
       per_combo=st.lists(st.integers(0, 3), min_size=6, max_size=6),
       seed=st.integers(0, 2**32))
def test_totals_pick_as_pick_best_does(combos: list[int], per_combo: list[int],
                                       seed: int) -> None:
    present = {k: per_combo[k] for k in set(combos)}
    lazy = _Totals(combos, present)
    spelt = [per_combo[k] for k in combos]
    ours, theirs = random.Random(seed), random.Random(seed)
    assert lazy.pick(ours) == pick_best(spelt, theirs)
    assert ours.getstate() == theirs.getstate()
    assert list(lazy) == spelt
    assert len(lazy) == len(spelt)
    assert lazy[len(spelt) - 1] == spelt[-1]
