"""Copy-on-write container filesystems: an overlay behaves exactly like a copy of its template."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from playground.engine.images.filesystem import FileSystem, FileSystemError, busybox_root

PATHS = ["/etc/hosts", "/etc/new", "/tmp/a", "/tmp/d", "/tmp/d/f", "/etc/passwd", "/root/x"]

Op = tuple[str, str, str]
ops = st.lists(st.tuples(st.sampled_from(["write", "remove", "mkdir", "rmdir", "chmod",
                                          "touch", "rm-r"]),
                         st.sampled_from(PATHS), st.text("abc", max_size=3)), max_size=25)


def _copy(template: FileSystem) -> FileSystem:
    return FileSystem(files=dict(template.files), dirs=set(template.dirs),
                      modes=dict(template.modes), mtimes=dict(template.mtimes))


def _apply(fs: FileSystem, op: Op, t: float) -> str:
    kind, path, text = op
    try:
        if kind == "write":
            fs.write(path, text, mtime=t)
        elif kind == "remove":
            fs.remove(path)
        elif kind == "mkdir":
            fs.mkdir(path, mtime=t)
        elif kind == "rmdir":
            fs.rmdir(path)
        elif kind == "chmod":
            fs.chmod(path, 0o700)
        elif kind == "touch":
            fs.touch(path, mtime=t)
        else:
            fs.remove_tree(path)
    except FileSystemError as exc:
        return exc.errno
    return "ok"


def _view(fs: FileSystem) -> tuple[object, ...]:
    return (list(fs.files.items()), sorted(fs.dirs), sorted(fs.modes.items()),
            list(fs.mtimes.items()), fs.listdir("/"), fs.listdir("/etc"))


@given(ops)
def test_overlay_matches_a_copy_and_leaves_the_template_alone(sequence: list[Op]) -> None:
    template = busybox_root("", "", "default")
    before = _view(template)
    copy, overlay = _copy(template), FileSystem.overlay(template)
    for i, op in enumerate(sequence):
        assert _apply(copy, op, float(i)) == _apply(overlay, op, float(i))
        assert _view(copy) == _view(overlay)
    assert _view(template) == before


def test_two_overlays_of_one_template_do_not_see_each_others_writes() -> None:
    template = busybox_root("", "", "default")
    a, b = FileSystem.overlay(template), FileSystem.overlay(template)
    a.write("/etc/hostname", "a\n")
    a.remove("/etc/passwd")
    assert b.read("/etc/hostname") == "\n"
    assert b.is_file("/etc/passwd") and not a.is_file("/etc/passwd")
    with pytest.raises(FileSystemError):
        a.read("/etc/passwd")


def test_a_read_only_template_gives_read_only_overlays() -> None:
    template = FileSystem()
    template.write("/token", "t")
    template.read_only = True
    view = FileSystem.overlay(template)
    with pytest.raises(FileSystemError) as err:
        view.write("/token", "x")
    assert err.value.errno == "EROFS"
    assert view.read("/token") == "t"
