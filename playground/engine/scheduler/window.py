"""The search window of a cached scheduling attempt, handled without walking it.

On 1,000 nodes kube-scheduler's percentageOfNodesToScore makes an attempt look at 420 of them,
yet between two pods of a replicated workload only the node the previous one went to has
changed. Walking the window (building the list of feasible nodes, copying per-node values for
the explanation, counting ties) made the per-pod cost grow with the cluster; this module lets
`SchedulingCache` do an attempt in what changed plus a few binary searches:

- `NodeArray` keeps per-node values in copy-on-write chunks, so an attempt's explanation can
  keep a `snapshot()` of them (a tuple of chunk references) instead of a copy of the window;
- `Window` is the feasible positions of a search (a stretch of the round robin less the few
  rejected nodes in it), indexed and iterated without being spelt out;
- `counts_in_window` and `nth_in_window` count and find the nodes of a given combo (a group
  of nodes with one total) inside a window from sorted per-combo position lists, which is what
  the tie-break needs: how many best nodes there are, and the r-th of them in search order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

_BITS = 5
_CHUNK = 1 << _BITS
_MASK = _CHUNK - 1


class NodeSnapshot(Sequence[int]):
    """A `NodeArray` as it was when the snapshot was taken."""

    __slots__ = ("_chunks", "_length")

    def __init__(self, chunks: tuple[list[int], ...], length: int) -> None:
        self._chunks = chunks
        self._length = length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            if index < 0:
                index += self._length
            if not 0 <= index < self._length:
                raise IndexError(index)
            return self._chunks[index >> _BITS][index & _MASK]
        return [value for chunk in self._chunks for value in chunk][index]

    def __len__(self) -> int:
        return self._length

    def take(self, positions: Iterable[int]) -> list[int]:
        """The values at `positions`, in their order."""
        chunks = self._chunks
        return [chunks[p >> _BITS][p & _MASK] for p in positions]


class NodeArray:
    """One int per node position whose snapshots cost a reference per 32 nodes.

    A chunk is copied the first time it is written after a snapshot shared it, so a snapshot
    never sees later writes."""

    __slots__ = ("_chunks", "_generation", "_length", "_snapshot", "_written_at")

    def __init__(self, length: int, fill: int) -> None:
        self._length = length
        self._chunks = [[fill] * min(_CHUNK, length - i) for i in range(0, length, _CHUNK)]
        self._generation = 0
        """Snapshots taken so far; a chunk written at an older generation may be shared."""
        self._written_at = [0] * len(self._chunks)
        self._snapshot: NodeSnapshot | None = None

    def __getitem__(self, position: int) -> int:
        return self._chunks[position >> _BITS][position & _MASK]

    def __setitem__(self, position: int, value: int) -> None:
        index = position >> _BITS
        chunk = self._chunks[index]
        if chunk[position & _MASK] == value:
            return
        if self._written_at[index] != self._generation:
            chunk = self._chunks[index] = chunk.copy()
            self._written_at[index] = self._generation
        chunk[position & _MASK] = value
        self._snapshot = None

    def __len__(self) -> int:
        return self._length

    def snapshot(self) -> NodeSnapshot:
        """The values as they are now, unaffected by later writes."""
        if self._snapshot is None:
            self._generation += 1
            self._snapshot = NodeSnapshot(tuple(self._chunks), self._length)
        return self._snapshot


class Window(Sequence[int]):
    """Node positions `start`, `start + 1`, … for `examined` positions, going round past
    `total` to 0, less `skipped` (positions inside that stretch, in search order): the feasible nodes
    of a search, in the order it found them."""

    __slots__ = ("_offsets", "examined", "skipped", "start", "total")

    def __init__(self, start: int, examined: int, total: int,
                 skipped: Sequence[int] = ()) -> None:
        self.start = start
        self.examined = examined
        self.total = total
        self.skipped = skipped
        self._offsets = [(p - start) % total for p in skipped]

    @property
    def end(self) -> int:
        """One past the last position, not wrapped (may exceed `total`)."""
        return self.start + self.examined

    def __len__(self) -> int:
        return self.examined - len(self.skipped)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, int):
            return list(self)[index]
        length = len(self)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise IndexError(index)
        offset = index
        for skipped in self._offsets:
            if skipped > offset:
                break
            offset += 1
        position = self.start + offset
        return position - self.total if position >= self.total else position

    def __iter__(self) -> Iterator[int]:
        start, end, total = self.start, self.start + self.examined, self.total
        ordered: Iterable[int] = range(start, end) if end <= total else \
            [*range(start, total), *range(end - total)]
        if not self.skipped:
            return iter(ordered)
        skip = set(self.skipped)
        return (p for p in ordered if p not in skip)


def _in_window(members: list[int], start: int, end: int, total: int) -> int:
    """How many of the sorted positions `members` lie in [start, end) taken round `total`."""
    if end <= total:
        return bisect_left(members, end) - bisect_left(members, start)
    return len(members) - bisect_left(members, start) + bisect_left(members, end - total)


def counts_in_window(members: dict[int, list[int]], window: Window,
                     combo_at: NodeArray | NodeSnapshot) -> dict[int, int]:
    """Per combo, how many of the window's feasible positions have it (combos with none are
    left out). `members` holds every combo's positions, sorted; `combo_at` each position's."""
    start, end, total = window.start, window.end, window.total
    counts: dict[int, int] = {}
    for combo, positions in members.items():
        found = _in_window(positions, start, end, total)
        if found:
            counts[combo] = found
    for position in window.skipped:
        combo = combo_at[position]
        left = counts[combo] - 1
        if left:
            counts[combo] = left
        else:
            del counts[combo]
    return counts


def nth_in_window(lists: Sequence[list[int]], index: int, window: Window,
                  combo_at: NodeArray | NodeSnapshot, combos: Iterable[int]) -> int:
    """The position of the `index`-th (from 0) feasible node of the window, in search order,
    among those whose combo is one of `combos`, whose sorted positions are `lists`."""
    start, end, total = window.start, window.end, window.total
    excluded: set[int] = set()
    if window.skipped:
        wanted = set(combos)
        excluded = {p for p in window.skipped if combo_at[p] in wanted}
    if len(lists) == 1 and not excluded:
        members = lists[0]
        first = bisect_left(members, start)
        if first + index < len(members):
            return members[first + index]
        return members[index - (len(members) - first)]  # gone round past the end
    if end <= total:
        found = sorted(chain.from_iterable(
            members[bisect_left(members, start):bisect_left(members, end)] for members in lists))
    else:
        found = sorted(chain.from_iterable(
            members[bisect_left(members, start):] for members in lists))
        found += sorted(chain.from_iterable(
            members[:bisect_left(members, end - total)] for members in lists))
    if excluded:
        found = [p for p in found if p not in excluded]
    return found[index]
