"""The cache's window arithmetic picks the node `framework.pick_best` picks, with the same draws.

A cached attempt never spells out its window: it counts each combo's nodes in it from sorted
position lists and finds the r-th best node by binary search. Here random windows (wrapping
round the node list, with rejected nodes inside) are checked against the spelt-out lists.
"""

from __future__ import annotations

import random
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from playground.engine.scheduler.cache import _Totals
from playground.engine.scheduler.framework import pick_best
from playground.engine.scheduler.window import NodeArray, Window, counts_in_window


@st.composite
def windows(draw: st.DrawFn) -> tuple[list[int], Window, list[int]]:
    total = draw(st.integers(1, 80))
    combos = draw(st.lists(st.integers(0, 5), min_size=total, max_size=total))
    start = draw(st.integers(0, total - 1))
    examined = draw(st.integers(1, total))
    stretch = [(start + i) % total for i in range(examined)]
    skipped = [p for p in stretch if draw(st.booleans()) and draw(st.booleans())]
    if len(skipped) == examined:
        skipped = skipped[1:]
    per_combo = draw(st.lists(st.integers(0, 3), min_size=6, max_size=6))
    return combos, Window(start, examined, total, skipped), per_combo


@given(case=windows(), seed=st.integers(0, 2**32))
def test_totals_pick_as_pick_best_does(case: tuple[list[int], Window, list[int]],
                                       seed: int) -> None:
    combos, window, per_combo = case
    array = NodeArray(len(combos), -1)
    members: dict[int, list[int]] = {}
    for position, combo in enumerate(combos):
        array[position] = combo
        members.setdefault(combo, []).append(position)
    feasible = list(window)
    assert len(feasible) == len(window)
    assert [window[i] for i in range(len(window))] == feasible
    counts = counts_in_window(members, window, array)
    assert counts == dict(Counter(combos[p] for p in feasible))

    snapshot = array.snapshot()
    lazy = _Totals(snapshot, window, {k: per_combo[k] for k in counts}, counts)
    spelt = [per_combo[combos[p]] for p in feasible]
    ours, theirs = random.Random(seed), random.Random(seed)
    assert lazy.pick(ours, members) == feasible[pick_best(spelt, theirs)]
    assert ours.getstate() == theirs.getstate()
    listed = _Totals(snapshot, feasible, {k: per_combo[k] for k in counts}, counts)
    ours = random.Random(seed)
    assert listed.pick(ours, members) == feasible[pick_best(spelt, random.Random(seed))]
    assert list(lazy) == spelt
    assert len(lazy) == len(spelt)
    assert lazy[len(spelt) - 1] == spelt[-1]


@given(values=st.lists(st.integers(0, 9), min_size=1, max_size=100),
       writes=st.lists(st.tuples(st.integers(0, 99), st.integers(0, 9)), max_size=30))
def test_a_snapshot_keeps_the_values_it_was_taken_with(
        values: list[int], writes: list[tuple[int, int]]) -> None:
    array = NodeArray(len(values), 0)
    for position, value in enumerate(values):
        array[position] = value
    before = array.snapshot()
    expected = list(values)
    for position, value in writes:
        position %= len(values)
        array[position] = value
        expected[position] = value
    assert list(before) == values
    assert before.take(range(len(values))) == values
    assert [array[p] for p in range(len(values))] == expected
    assert list(array.snapshot()) == expected
