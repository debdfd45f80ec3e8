"""Seeded randomness: every random choice in a cluster derives from its one seed.

Each purpose draws from its own named stream (`names`, `uids`, `scheduler`, `kube-proxy`…), so
adding a draw in one place does not shift the values drawn in another. A stream is a
`random.Random` seeded from a hash of (cluster seed, stream name); its state is part of the
saved cluster, so a restarted process continues the same sequence.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

# kubernetes' rand.String alphabet: no vowels (no words), no confusable 0/1/3
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Seeds:
    """The random streams of one cluster."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._streams: dict[str, random.Random] = {}

    def stream(self, name: str) -> random.Random:
        """The stream for one purpose, created on first use."""
        rng = self._streams.get(name)
        if rng is None:
            digest = hashlib.sha256(f"{self.seed}/{name}".encode()).digest()
            rng = random.Random(int.from_bytes(digest[:8], "big"))
            self._streams[name] = rng
        return rng

    def suffix(self, length: int = 5, stream: str = "names") -> str:
        """A generateName suffix such as `x2k9p`."""
        rng = self.stream(stream)
        return "".join(rng.choice(NAME_ALPHABET) for _ in range(length))

    def uid(self) -> str:
        """A version-4-shaped UUID drawn from the `uids` stream."""
        value = self.stream("uids").getrandbits(128)
        value = (value & ~(0xF << 76)) | (0x4 << 76)
        value = (value & ~(0x3 << 62)) | (0x2 << 62)
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    # -- persistence ----------------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        """JSON-serialisable state of every stream used so far."""
        return {name: [rng.getstate()[0], list(rng.getstate()[1]), rng.getstate()[2]]
                for name, rng in self._streams.items()}

    def load(self, saved: dict[str, Any]) -> None:
        """Continue the streams from a dump."""
        for name, (version, internal, gauss) in saved.items():
            rng = random.Random()
            rng.setstate((version, tuple(internal), gauss))
            self._streams[name] = rng
