"""Table layout: Go's tabwriter as kubectl configures it, and kubectl's table decoration."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from playground.kubectl.table import (
    Column,
    Row,
    Table,
    format_labels,
    format_table,
    format_tables,
    kind_prefix,
    tabwrite,
)


def test_columns_pad_to_widest_cell_plus_three_and_last_column_is_not_padded() -> None:
    text = tabwrite("NAME\tREADY\tAGE\nweb\t3/3\t10m\nweb-canary\t1/1\t2d\n")
    assert text == (
        "NAME         READY   AGE\n"
        "web          3/3     10m\n"
        "web-canary   1/1     2d\n"
    )


def test_minimum_cell_width_is_six_including_padding() -> None:
    assert tabwrite("A\tB\nx\ty\n") == "A     B\nx     y\n"


def test_top_lines_end_with_the_padding_of_their_tab_terminated_last_cell() -> None:
    text = tabwrite("NAME\tCPU(cores)\tMEMORY(bytes)\t\nweb-7c5ddbdf54-2xkqn\t2m\t9Mi\t\n")
    assert text == (
        "NAME                   CPU(cores)   MEMORY(bytes)   \n"
        "web-7c5ddbdf54-2xkqn   2m           9Mi             \n"
    )
    node = tabwrite("NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\t\n"
                    "worker-1\t120m\t3%\t1234Mi\t7%\t\n")
    assert node.splitlines()[0] == "NAME       CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   "


def test_column_blocks_end_at_a_line_without_that_column() -> None:
    # As in Go: a line with fewer cells ends the block, so the two blocks align separately.
    text = tabwrite("a\tb\nlonger-cell\tc\nsingle\nx\ty\n")
    assert text == "a             b\nlonger-cell   c\nsingle\nx     y\n"


def test_text_without_trailing_newline_keeps_its_last_line() -> None:
    assert tabwrite("ab\tc") == "ab    c"
    assert tabwrite("") == ""


def _table() -> Table:
    columns = [Column("NAME", format="name"), Column("STATUS"), Column("AGE"),
               Column("NODE", priority=1)]
    rows = [
        Row(["web-1", "Running", "5m", "worker-1"],
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1"}}),
        Row(["api", "Pending", "119s", None],
            {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api"}}),
    ]
    return Table(columns, rows)


def test_format_table_hides_wide_columns_unless_asked() -> None:
    assert format_table(_table()) == (
        "NAME    STATUS    AGE\n"
        "web-1   Running   5m\n"
        "api     Pending   119s\n"
    )
    assert format_table(_table(), wide=True) == (
        "NAME    STATUS    AGE    NODE\n"
        "web-1   Running   5m     worker-1\n"
        "api     Pending   119s   \n"
    )


def test_no_headers_and_empty_tables() -> None:
    assert format_table(_table(), no_headers=True) == "web-1   Running   5m\napi     Pending   119s\n"
    assert format_table(Table([Column("NAME")], [])) == ""


def test_kind_prefix_goes_on_the_name_column() -> None:
    text = format_table(_table(), show_kind_prefix=True)
    assert text.splitlines()[1] == "pod/web-1   Running   5m"
    text = format_table(_table(), show_kind_prefix="deployment.apps")
    assert text.splitlines()[2] == "deployment.apps/api     Pending   119s"


def test_kind_prefix_of_grouped_and_core_kinds() -> None:
    assert kind_prefix({"apiVersion": "apps/v1", "kind": "Deployment"}) == "deployment.apps"
    assert kind_prefix({"apiVersion": "v1", "kind": "Service"}) == "service"
    assert kind_prefix({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler"}) == (
        "horizontalpodautoscaler.autoscaling")


def test_cells_are_cut_at_the_first_line_break_and_typed_cells_print_like_go() -> None:
    table = Table([Column("NAME"), Column("MESSAGE"), Column("COUNT"), Column("OK")],
                  [Row(["a", "first line\nsecond line", 3, False])])
    assert format_table(table).splitlines()[1] == "a      first line...   3       false"


def test_format_tables_separates_tables_with_one_blank_line() -> None:
    services = Table([Column("NAME", format="name"), Column("TYPE")],
                     [Row(["kubernetes", "ClusterIP"],
                          {"apiVersion": "v1", "kind": "Service"})])
    empty = Table([Column("NAME")], [])
    text = format_tables([_table(), empty, services], show_kind_prefix=True)
    assert text == (
        "NAME        STATUS    AGE\n"
        "pod/web-1   Running   5m\n"
        "pod/api     Pending   119s\n"
        "\n"
        "NAME                 TYPE\n"
        "service/kubernetes   ClusterIP\n"
    )
    assert "\n\n" not in format_tables([_table(), services], no_headers=True)


def test_format_labels() -> None:
    assert format_labels({"tier": "fe", "app": "web"}) == "app=web,tier=fe"
    assert format_labels({}) == "<none>"
    assert format_labels(None) == "<none>"


_cell = st.text(alphabet=st.characters(blacklist_characters="\t\n\r\f"), max_size=12)


@given(st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=1, max_size=6))
def test_uniform_rows_align_every_column(rows: list[list[str]]) -> None:
    text = tabwrite("\n".join("\t".join(r) for r in rows) + "\n")
    lines = text.split("\n")
    assert lines[-1] == ""
    widths = [max(6, max(len(r[c]) for r in rows) + 3) for c in range(2)]
    for line, row in zip(lines, rows, strict=False):
        assert line == row[0].ljust(widths[0]) + row[1].ljust(widths[1]) + row[2]
