"""The app the snapshot tests photograph: a seeded manual-clock cluster, paused, frozen."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.tui.helpers import make_app  # noqa: E402

app = make_app()

if __name__ == "__main__":
    app.run()
