"""Mouse: a click on a row, a node card, a column header or a tab selects it; the wheel
scrolls the tables, wide (160×48, panes side by side) and narrow (80×24, panes as tabs).

Textual's pilot has no public wheel call, so scrolling goes through its own mouse-event helper.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Tabs

from playground.kubectl.main import run
from playground.tui.model import ObjectRef
from playground.tui.widgets.events import EventsTable
from playground.tui.widgets.nodes import NodeCard, NodesPane
from playground.tui.widgets.pods import PodsTable
from playground.tui.widgets.services import ServicesTable
from tests.tui.helpers import make_app, make_cluster, ready

WIDE = (160, 48)
NARROW = (80, 24)


def many_pods_app() -> Any:
    """The test cluster with `web` scaled to 60 pods (more than a screenful)."""
    cluster = make_cluster()
    run(cluster, ["scale", "deployment/web", "--replicas=60"])
    cluster.advance(30)
    return make_app(cluster)


async def wheel(pilot: Any, widget: Any, down: bool = True, times: int = 1) -> None:
    """Turn the mouse wheel over a widget."""
    event = events.MouseScrollDown if down else events.MouseScrollUp
    for _ in range(times):
        await pilot._post_mouse_events([event], widget, (2, 2))
    await pilot.pause()


async def test_wide_click_selects_rows_cards_and_headers() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        main = app.screen
        pods = main.query_one(PodsTable)
        second = pods.row_key_at(1)
        assert await pilot.click(pods, offset=(3, 2))  # the header is line 0
        assert main.focused is pods and pods.cursor_row == 1
        assert main.selected == ObjectRef("pods", *second.split("/"))

        services = main.query_one(ServicesTable)
        assert services.row_key_at(1) == "default/web"
        assert await pilot.click(services, offset=(3, 2))
        await pilot.pause()
        assert main.focused is services
        assert main.selected == ObjectRef("services", "default", "web")
        assert pods.highlighted == frozenset(pods.ordered_keys)  # web's three pods

        card = main.query_one(NodesPane).cards["worker-2"]
        assert await pilot.click(card, offset=(3, 2))
        await pilot.pause()
        assert main.focused is card
        assert main.selected == ObjectRef("nodes", "", "worker-2")

        event_table = main.query_one(EventsTable)
        assert await pilot.click(event_table, offset=(3, 1))
        assert main.focused is event_table and event_table.cursor_row == 0

        status_x = sum(w + 2 for w in pods.widths[:2]) + 1  # inside the STATUS header
        await pilot.click(pods, offset=(status_x, 0))
        await pilot.pause()
        assert pods.sort_column == 2


async def test_wide_wheel_scrolls_the_pods_and_a_click_lands_on_the_row_shown() -> None:
    app = many_pods_app()
    async with app.run_test(size=WIDE) as pilot:
        await ready(pilot)
        pods = app.screen.query_one(PodsTable)
        assert pods.row_count > pods.visible_rows
        await wheel(pilot, pods, times=5)
        top = int(pods.scroll_offset.y)
        assert top > 0
        await pilot.click(pods, offset=(3, 1))
        assert pods.cursor_row == top
        assert app.screen.selected == ObjectRef("pods", *pods.row_key_at(top).split("/"))
        await wheel(pilot, pods, down=False, times=20)
        assert pods.scroll_offset.y == 0


async def test_narrow_tabs_rows_and_cards_by_mouse() -> None:
    app = many_pods_app()
    async with app.run_test(size=NARROW) as pilot:
        await ready(pilot)
        main = app.screen
        assert main.narrow
        tabs = main.query_one(Tabs)
        assert await pilot.click("#tab-services")
        await pilot.pause()
        assert main.active_pane == "services" and tabs.active == "tab-services"
        services = main.query_one(ServicesTable)
        assert services.display and main.query_one("#pane-services").has_class("-active")
        assert await pilot.click(services, offset=(3, 2))
        await pilot.pause()
        assert main.focused is services
        assert main.selected == ObjectRef("services", "default", "web")

        assert await pilot.click("#tab-nodes")
        await pilot.pause()
        assert main.active_pane == "nodes"
        nodes = main.query_one(NodesPane)
        assert isinstance(main.focused, NodeCard)
        await wheel(pilot, nodes, times=5)
        assert nodes.scroll_offset.y > 0  # four cards do not fit in 24 lines
        shown = next(card for card in nodes.cards.values()
                     if card.region.y > nodes.region.y and card.region.height)
        assert await pilot.click(shown, offset=(3, 2))
        await pilot.pause()
        assert main.focused is shown
        assert main.selected == ObjectRef("nodes", "", shown.node_name)

        assert await pilot.click("#tab-pods")
        await pilot.pause()
        pods = main.query_one(PodsTable)
        assert main.active_pane == "pods" and main.focused is pods
        await wheel(pilot, pods, times=3)
        top = int(pods.scroll_offset.y)
        assert top > 0
        await pilot.click(pods, offset=(3, 3))
        assert pods.cursor_row == top + 2
