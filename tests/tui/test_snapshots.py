"""Snapshot tests (pytest-textual-snapshot): the main screen wide and narrow, and the describe,
logs, why and editor views, on a seeded manual-clock cluster with time paused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytest_textual_snapshot")

APP = str(Path(__file__).with_name("snapshot_app.py"))


async def _settle(pilot: Any) -> None:
    app = pilot.app
    for _ in range(200):
        if app.main is not None and app.screen is app.main:
            break
        await pilot.pause(0.02)
    await pilot.pause()


def _keys(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause(0.1)
    return run_before


def test_main_wide(snap_compare: Any) -> None:
    assert snap_compare(APP, terminal_size=(160, 48), run_before=_keys())


def test_main_narrow(snap_compare: Any) -> None:
    assert snap_compare(APP, terminal_size=(80, 24), run_before=_keys())


@pytest.mark.parametrize("key", ["d", "l", "w"])
def test_views(snap_compare: Any, key: str) -> None:
    assert snap_compare(APP, terminal_size=(120, 40), run_before=_keys(key))


def test_editor(snap_compare: Any) -> None:
    assert snap_compare(APP, terminal_size=(120, 40), run_before=_keys("3", "e"))
