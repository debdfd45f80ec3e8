"""Word expansion for the shell: parameters, command substitution, arithmetic, quotes, globs.

The lexer keeps each word's raw text; this module expands it when the command runs, in the
POSIX order: tilde, parameter/command/arithmetic expansion, field splitting on IFS, pathname
expansion against the container filesystem, quote removal. Expansion is a generator because a
command substitution (`$(sleep 1; date)`) runs commands, which may let virtual time pass.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from playground.engine.images.shell_api import BufferSink, NullStream, Stream
from playground.engine.images.shell_arith import ArithmeticError_, evaluate
from playground.engine.images.shell_syntax import ShellSyntaxError, _match_parens

if TYPE_CHECKING:
    from playground.engine.images.shell import Shell

Gen = Generator[Any, None, Any]
Segment = tuple[str, bool, bool]
"""(text, quoted, subject to field splitting)"""
class _Break(tuple):  # type: ignore[type-arg]
    """A forced field boundary, as between the words of "$@" (a distinct object, not a value)."""


BREAK: Segment = _Break(("", True, False))  # type: ignore[assignment]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_GLOB_CHARS = set("*?[")


def expand_words(shell: Shell, words: list[str], fds: dict[int, Stream]) -> Gen:
    """Expand command words into argv fields (splitting and globbing)."""
    out: list[str] = []
    for word in words:
        if not any(c in word for c in "$`'\"\\*?[~"):
            out.append(word)
            continue
        segs = yield from _segments(shell, word, fds)
        for text, pattern, globbing in _split(segs, shell.vars.get("IFS", " \t\n")):
            if globbing:
                matches = _glob(shell, pattern)
                if matches:
                    out.extend(matches)
                    continue
            out.append(text)
    return out


def expand_string(
    shell: Shell, raw: str, fds: dict[int, Stream], assignment: bool = False
) -> Gen:
    """Expand a word to one string (no splitting or globbing): assignments, redirect targets."""
    if not any(c in raw for c in "$`'\"\\~"):
        return raw
    segs = yield from _segments(shell, raw, fds, assignment=assignment)
    return "".join(s[0] for s in segs)


def expand_pattern(shell: Shell, raw: str, fds: dict[int, Stream]) -> Gen:
    """Expand a `case` pattern: quoted characters match literally."""
    segs = yield from _segments(shell, raw, fds)
    return "".join(_escape(t) if q else t for t, q, _ in segs)


def expand_heredoc(shell: Shell, body: str, fds: dict[int, Stream]) -> Gen:
    """Expand an unquoted here-document body (`$`, backquotes and backslash only)."""
    segs = yield from _segments(shell, body, fds, heredoc=True)
    return "".join(s[0] for s in segs)


def _escape(text: str) -> str:
    return "".join(f"[{c}]" if c in _GLOB_CHARS else c for c in text)


def _split(segs: list[Segment], ifs: str) -> list[tuple[str, str, bool]]:
    """Field splitting: (text, glob pattern, has unquoted glob characters) per field."""
    fields: list[tuple[str, str, bool]] = []
    text: list[str] = []
    pattern: list[str] = []
    state = {"has": False, "glob": False}

    def end_field() -> None:
        fields.append(("".join(text), "".join(pattern), state["glob"]))
        text.clear()
        pattern.clear()
        state["has"] = False
        state["glob"] = False

    for seg in segs:
        if isinstance(seg, _Break):
            end_field()
            continue
        value, quoted, splittable = seg
        if quoted:
            text.append(value)
            pattern.append(_escape(value))
            state["has"] = True
        elif not splittable:
            text.append(value)
            pattern.append(value)
            state["has"] = state["has"] or bool(value)
            if any(c in _GLOB_CHARS for c in value):
                state["glob"] = True
        else:
            for ch in value:
                if ch in ifs:
                    if ch in " \t\n":
                        if state["has"]:
                            end_field()
                    else:
                        end_field()
                    continue
                text.append(ch)
                pattern.append(ch)
                state["has"] = True
                if ch in _GLOB_CHARS:
                    state["glob"] = True
    if state["has"]:
        end_field()
    return fields


def _glob(shell: Shell, pattern: str) -> list[str]:
    fs = shell.ctx.fs
    absolute = pattern.startswith("/")
    parts = [p for p in pattern.split("/") if p]
    paths = ["/" if absolute else ""]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        nxt: list[str] = []
        for base in paths:
            where = base or "."
            if not any(c in part for c in _GLOB_CHARS):
                literal = re.sub(r"\[(.)\]", r"\1", part)
                candidate = _join(base, literal)
                if fs.exists(candidate, shell.cwd):
                    nxt.append(candidate)
                continue
            if not fs.is_dir(where, shell.cwd):
                continue
            names = fs.listdir(where, shell.cwd)
            for name in names:
                if name.startswith(".") and not part.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, part):
                    candidate = _join(base, name)
                    if last or fs.is_dir(candidate, shell.cwd):
                        nxt.append(candidate)
        paths = nxt
        if not paths:
            return []
    return sorted(paths)


def _join(base: str, name: str) -> str:
    if not base:
        return name
    return base.rstrip("/") + "/" + name


def _find_dquote_end(raw: str, i: int) -> int:
    """Index of the `"` closing the double quote opened before `i`."""
    while i < len(raw):
        c = raw[i]
        if c == '"':
            return i
        if c == "\\":
            i += 2
        elif c == "`":
            end = _find_backtick_end(raw, i + 1)
            i = end + 1
        elif raw.startswith("$(", i):
            end = _match_parens(raw, i + 1)
            i = len(raw) if end < 0 else end + 1
        elif raw.startswith("${", i):
            i = _find_brace_end(raw, i + 2) + 1
        else:
            i += 1
    return len(raw)


def _find_backtick_end(raw: str, i: int) -> int:
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
        elif raw[i] == "`":
            return i
        else:
            i += 1
    return len(raw)


def _find_brace_end(raw: str, i: int) -> int:
    depth = 1
    while i < len(raw):
        c = raw[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            end = raw.find("'", i + 1)
            i = len(raw) if end < 0 else end + 1
            continue
        if c == '"':
            i = _find_dquote_end(raw, i + 1) + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(raw)


def _segments(
    shell: Shell, raw: str, fds: dict[int, Stream], in_dquote: bool = False,
    heredoc: bool = False, assignment: bool = False,
) -> Gen:
    segs: list[Segment] = []
    i = 0
    n = len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            nxt = raw[i + 1] if i + 1 < n else ""
            if in_dquote or heredoc:
                special = "$`\\\n" + ("" if heredoc else '"')
                if nxt and nxt in special:
                    if nxt != "\n":
                        segs.append((nxt, True, False))
                    i += 2
                else:
                    segs.append(("\\", True, False))
                    i += 1
            else:
                if nxt == "\n":
                    i += 2
                elif nxt:
                    segs.append((nxt, True, False))
                    i += 2
                else:
                    segs.append(("\\", True, False))
                    i += 1
        elif c == "'" and not in_dquote and not heredoc:
            end = raw.find("'", i + 1)
            end = n if end < 0 else end
            segs.append((raw[i + 1:end], True, False))
            i = end + 1
        elif c == '"' and not in_dquote and not heredoc:
            end = _find_dquote_end(raw, i + 1)
            inner = raw[i + 1:end]
            i = end + 1
            if inner == "$@":
                for index, arg in enumerate(shell.positional):
                    if index:
                        segs.append(BREAK)
                    segs.append((arg, True, False))
                continue
            inner_segs = yield from _segments(shell, inner, fds, in_dquote=True)
            segs.append(("", True, False))
            segs.extend(inner_segs)
        elif c == "`":
            end = _find_backtick_end(raw, i + 1)
            script = re.sub(r"\\([\\`$])", r"\1", raw[i + 1:end])
            i = end + 1
            out = yield from command_substitution(shell, script, fds)
            segs.append((out, in_dquote, not in_dquote and not heredoc))
        elif c == "$":
            i = yield from _dollar(shell, raw, i, fds, segs, in_dquote, heredoc)
        elif c == "~" and i == 0 and not in_dquote and not heredoc:
            end = raw.find("/")
            user = raw[1:] if end < 0 else raw[1:end]
            if user == "":
                segs.append((shell.vars.get("HOME", "/root"), True, False))
                i = 1
            elif user == "root":
                segs.append(("/root", True, False))
                i = 1 + len(user)
            else:
                segs.append(("~", False, False))
                i += 1
        elif c == ":" and assignment and raw.startswith("~", i + 1) and not in_dquote:
            segs.append((":", False, False))
            segs.append((shell.vars.get("HOME", "/root"), True, False))
            i += 2
        else:
            j = i + 1
            while j < n and raw[j] not in "\\'\"`$~:":
                j += 1
            segs.append((raw[i:j], in_dquote or heredoc, False))
            i = j
    return segs


def command_substitution(shell: Shell, script: str, fds: dict[int, Stream]) -> Gen:
    """Run `script` in a subshell and return its output without trailing newlines."""
    from playground.engine.images.shell import BreakLoop, ExitShell, ReturnFromFunction

    sub = shell.fork()
    sink = BufferSink(shell.ctx.output_limit)
    sub_fds: dict[int, Stream] = {0: fds.get(0, NullStream()), 1: sink,
                                  2: fds.get(2, NullStream())}
    try:
        status = yield from sub.run_script(script, sub_fds)
    except ExitShell as e:
        status = e.status
    except (BreakLoop, ReturnFromFunction):
        status = sub.status
    shell.sub_status = status
    shell.status = status
    return sink.value().rstrip("\n")


def _fatal(shell: Shell, fds: dict[int, Stream], message: str, status: int = 2) -> Exception:
    from playground.engine.images.shell import ExitShell

    shell.error(fds, message)
    return ExitShell(status)


def _dollar(
    shell: Shell, raw: str, i: int, fds: dict[int, Stream], segs: list[Segment],
    in_dquote: bool, heredoc: bool,
) -> Gen:
    """Expand the `$…` at `raw[i]`, append its segments, return the index after it."""
    quoted = in_dquote or heredoc
    split = not quoted
    n = len(raw)
    if raw.startswith("$((", i):
        end = _match_parens(raw, i + 1)
        if end > 0 and raw[end - 1] == ")":
            expr_segs = yield from _segments(shell, raw[i + 3:end - 1], fds, heredoc=True)
            expr = "".join(s[0] for s in expr_segs)
            try:
                number = evaluate(expr, lambda k: _lookup(shell, k, fds) or "",
                                  lambda k, v: shell.vars.__setitem__(k, v))
            except ArithmeticError_ as e:
                raise _fatal(shell, fds, str(e)) from None
            except RecursionError:
                raise _fatal(shell, fds, "arithmetic syntax error") from None
            segs.append((str(number), quoted, split))
            return end + 1
    if raw.startswith("$(", i):
        end = _match_parens(raw, i + 1)
        if end < 0:
            end = n
        out = yield from command_substitution(shell, raw[i + 2:end], fds)
        segs.append((out, quoted, split))
        return end + 1
    if raw.startswith("${", i):
        end = _find_brace_end(raw, i + 2)
        inner = raw[i + 2:end]
        yield from _braced(shell, inner, fds, segs, quoted, split)
        return end + 1
    nxt = raw[i + 1] if i + 1 < n else ""
    if nxt and nxt in "@*":
        if nxt == "@" and in_dquote:
            for index, arg in enumerate(shell.positional):
                if index:
                    segs.append(BREAK)
                segs.append((arg, True, False))
        else:
            sep = " " if nxt == "@" or not in_dquote else shell.vars.get("IFS", " ")[:1]
            segs.append((sep.join(shell.positional), quoted, split))
        return i + 2
    if nxt and (nxt in "?$!#-" or nxt.isdigit()):
        value = _lookup(shell, nxt, fds)
        if value is None:
            value = _unset(shell, nxt, fds)
        segs.append((value, quoted, split))
        return i + 2
    m = _NAME.match(raw, i + 1)
    if m:
        value = _lookup(shell, m.group(0), fds)
        if value is None:
            value = _unset(shell, m.group(0), fds)
        segs.append((value, quoted, split))
        return m.end()
    segs.append(("$", True, False))
    return i + 1


def _unset(shell: Shell, name: str, fds: dict[int, Stream]) -> str:
    if shell.nounset and name not in "@*#?$!-0":
        raise _fatal(shell, fds, f"{name}: parameter not set")
    return ""


def _lookup(shell: Shell, name: str, fds: dict[int, Stream]) -> str | None:
    """The value of a parameter, or None when unset."""
    if name == "?":
        return str(shell.status)
    if name == "$":
        return str(shell.pid)
    if name == "!":
        return shell.last_bg
    if name == "#":
        return str(len(shell.positional))
    if name == "-":
        return "".join(f for f, on in (("e", shell.errexit), ("u", shell.nounset),
                                       ("x", shell.xtrace)) if on)
    if name == "0":
        return shell.arg0
    if name.isdigit():
        index = int(name)
        return shell.positional[index - 1] if index <= len(shell.positional) else None
    if name in ("@", "*"):
        return " ".join(shell.positional)
    if name == "PWD" and name not in shell.vars:
        return shell.cwd
    return shell.vars.get(name)


def _braced(
    shell: Shell, inner: str, fds: dict[int, Stream], segs: list[Segment], quoted: bool,
    split: bool,
) -> Gen:
    if inner.startswith("#") and len(inner) > 1:
        name = inner[1:]
        if name in ("@", "*"):
            segs.append((str(len(shell.positional)), quoted, split))
            return
        if _NAME.fullmatch(name) or name.isdigit() or name in "?$!#-":
            value = _lookup(shell, name, fds)
            if value is None:
                value = _unset(shell, name, fds)
            segs.append((str(len(value)), quoted, split))
            return
        raise _fatal(shell, fds, "syntax error: bad substitution")
    m = _NAME.match(inner)
    if m:
        name = m.group(0)
    elif inner[:1].isdigit():
        name = re.match(r"\d+", inner).group(0)  # type: ignore[union-attr]
    elif inner[:1] and inner[:1] in "@*?$!#-":
        name = inner[:1]
    else:
        raise _fatal(shell, fds, "syntax error: bad substitution")
    rest = inner[len(name):]
    value = _lookup(shell, name, fds)
    if not rest:
        if name in ("@", "*"):
            yield from _dollar(shell, "$" + name, 0, fds, segs, quoted, False)
            return
        if value is None:
            value = _unset(shell, name, fds)
        segs.append((value, quoted, split))
        return
    for op in (":-", ":=", ":?", ":+", "-", "=", "?", "+"):
        if rest.startswith(op):
            word = rest[len(op):]
            colon = op.startswith(":")
            missing = value is None or (colon and value == "")
            kind = op[-1]
            if kind == "-":
                if missing:
                    arg = yield from _segments(shell, word, fds, in_dquote=quoted)
                    segs.extend((t, q or quoted, s and split) for t, q, s in arg)
                else:
                    segs.append((value or "", quoted, split))
            elif kind == "=":
                if missing:
                    if not _NAME.fullmatch(name):
                        raise _fatal(shell, fds, f"{name}: bad variable name")
                    new = yield from _segments(shell, word, fds, in_dquote=True)
                    value = "".join(s[0] for s in new)
                    shell.vars[name] = value
                segs.append((value or "", quoted, split))
            elif kind == "?":
                if missing:
                    msg_segs = yield from _segments(shell, word, fds, in_dquote=True)
                    msg = "".join(s[0] for s in msg_segs) or (
                        "parameter null or not set" if colon else "parameter not set")
                    raise _fatal(shell, fds, f"{name}: {msg}", 1)
                segs.append((value or "", quoted, split))
            else:
                if not missing:
                    arg = yield from _segments(shell, word, fds, in_dquote=quoted)
                    segs.extend((t, q or quoted, s and split) for t, q, s in arg)
            return
    if value is None:
        value = _unset(shell, name, fds)
    for op in ("##", "%%", "#", "%"):
        if rest.startswith(op):
            pat_segs = yield from _segments(shell, rest[len(op):], fds, in_dquote=quoted)
            pattern = "".join(_escape(t) if q and not quoted else t for t, q, _ in pat_segs)
            segs.append((_remove(value, pattern, op), quoted, split))
            return
    if rest.startswith("/"):
        body = rest[1:]
        every = body.startswith("/")
        if every:
            body = body[1:]
        pat_raw, _, rep_raw = body.partition("/")
        pat_segs = yield from _segments(shell, pat_raw, fds, in_dquote=quoted)
        pattern = "".join(t for t, _, _ in pat_segs)
        rep_segs = yield from _segments(shell, rep_raw, fds, in_dquote=True)
        replacement = "".join(t for t, _, _ in rep_segs)
        segs.append((_replace(value, pattern, replacement, every), quoted, split))
        return
    if rest.startswith(":"):
        offset_raw, _, length_raw = rest[1:].partition(":")
        try:
            getter = lambda k: _lookup(shell, k, fds) or ""
            setter = lambda k, v: shell.vars.__setitem__(k, v)
            offset = evaluate(offset_raw, getter, setter)
            length = evaluate(length_raw, getter, setter) if length_raw else None
        except ArithmeticError_ as e:
            raise _fatal(shell, fds, str(e)) from None
        if offset < 0:
            offset = max(0, len(value) + offset)
        piece = value[offset:] if length is None else (
            value[offset:offset + length] if length >= 0 else value[offset:length])
        segs.append((piece, quoted, split))
        return
    raise _fatal(shell, fds, "syntax error: bad substitution")


def _remove(value: str, pattern: str, op: str) -> str:
    n = len(value)
    if op == "#":
        for k in range(n + 1):
            if fnmatch.fnmatchcase(value[:k], pattern):
                return value[k:]
    elif op == "##":
        for k in range(n, -1, -1):
            if fnmatch.fnmatchcase(value[:k], pattern):
                return value[k:]
    elif op == "%":
        for k in range(n, -1, -1):
            if fnmatch.fnmatchcase(value[k:], pattern):
                return value[:k]
    else:
        for k in range(n + 1):
            if fnmatch.fnmatchcase(value[k:], pattern):
                return value[:k]
    return value


def _replace(value: str, pattern: str, replacement: str, every: bool) -> str:
    if not pattern:
        return value
    out: list[str] = []
    i = 0
    n = len(value)
    while i <= n:
        match_end = -1
        for end in range(n, i, -1):
            if fnmatch.fnmatchcase(value[i:end], pattern):
                match_end = end
                break
        if match_end < 0:
            if i < n:
                out.append(value[i])
            i += 1
            continue
        out.append(replacement)
        i = match_end
        if not every:
            out.append(value[i:])
            return "".join(out)
    return "".join(out)


__all__ = [
    "ShellSyntaxError", "command_substitution", "expand_heredoc", "expand_pattern",
    "expand_string", "expand_words",
]
