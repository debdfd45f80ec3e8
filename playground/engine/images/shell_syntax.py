"""Reading shell scripts: the tokens and syntax tree of the busybox ash subset we run.

The lexer finds word boundaries (quotes, `$(...)`, `${...}`, backticks, `$((...))`, here-documents)
and keeps each word's raw text; `shell_words` expands that text at run time. The parser turns
tokens into the nodes below one complete command at a time, like ash: a script runs line by
line, so commands before a syntax error have already run when the error is reported. Error
messages are ash's (`syntax error: unexpected "fi"`, `… (expecting "done")`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESERVED = {
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "{", "}", "!",
}
# Reserved words that end a list (ash marks these in its token table).
LIST_END = {"then", "else", "elif", "fi", "do", "done", "esac", "}"}
OPERATORS = ("&&", "||", ";;", "<<-", "<<", ">>", ">&", "<&", "<>", ">|", ";", "&", "|", "(", ")",
             "<", ">")
METACHARS = set(" \t\n;&|<>()")


class ShellSyntaxError(Exception):
    """A script ash would refuse to parse; the message is ash's, without the `sh: ` prefix."""


@dataclass
class Token:
    """One lexical token: `word`, `op`, `newline` or `eof`."""

    kind: str
    text: str
    quoted: bool = False

    def describe(self) -> str:
        """How ash names this token in a syntax error."""
        if self.kind == "eof":
            return "end of file"
        if self.kind == "newline":
            return "newline"
        if self.kind == "op":
            if self.text in ("<", ">", ">>", "<<", "<<-", ">&", "<&", "<>", ">|"):
                return "redirection"
            return f'"{self.text}"'
        if not self.quoted and self.text in RESERVED:
            return f'"{self.text}"'
        return "word"


# -- syntax tree ---------------------------------------------------------------------------


@dataclass
class HereDoc:
    """The body of a `<<DELIM` here-document, filled in when the lexer reaches it."""

    delimiter: str
    strip_tabs: bool
    expand: bool
    body: str = ""


@dataclass
class Redirect:
    """`[fd]op target`, e.g. `2>&1`, `>/dev/null`, `<<EOF`."""

    fd: int
    op: str
    target: str
    heredoc: HereDoc | None = None


@dataclass
class SimpleCommand:
    """Assignments, words and redirections, e.g. `A=1 echo "$A" >out`."""

    assigns: list[tuple[str, str]]
    words: list[str]
    redirects: list[Redirect]


@dataclass
class Pipeline:
    """`[!] cmd | cmd …`."""

    commands: list[Node]
    negated: bool = False


@dataclass
class AndOr:
    """`pipeline && pipeline || pipeline …`."""

    first: Pipeline
    rest: list[tuple[str, Pipeline]] = field(default_factory=list)


@dataclass
class CommandList:
    """`and_or ; and_or & …`: each item with whether it runs in the background."""

    items: list[tuple[AndOr, bool]]


@dataclass
class If:
    """`if … then … elif … else … fi`."""

    branches: list[tuple[CommandList, CommandList]]
    otherwise: CommandList | None
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Loop:
    """`while`/`until cond; do body; done`."""

    until: bool
    condition: CommandList
    body: CommandList
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class For:
    """`for name [in words]; do body; done`."""

    name: str
    words: list[str] | None
    body: CommandList
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Case:
    """`case word in pattern|pattern) body;; … esac`."""

    word: str
    items: list[tuple[list[str], CommandList]]
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Group:
    """`{ list; }` (same shell) or `( list )` (subshell)."""

    body: CommandList
    subshell: bool
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class FunctionDef:
    """`name() compound-command`."""

    name: str
    body: Node


Node = SimpleCommand | If | Loop | For | Case | Group | FunctionDef


# -- lexer ---------------------------------------------------------------------------------


class Lexer:
    """Splits script text into tokens on demand (here-document bodies need that)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.pending: list[HereDoc] = []

    def _skip_blanks(self) -> None:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t":
                self.pos += 1
            elif c == "\\" and text.startswith("\\\n", self.pos):
                self.pos += 2
            elif c == "#":
                while self.pos < len(text) and text[self.pos] != "\n":
                    self.pos += 1
            else:
                break

    def next(self) -> Token:
        """The next token."""
        self._skip_blanks()
        text = self.text
        if self.pos >= len(text):
            if self.pending:
                self._read_heredocs()
            return Token("eof", "")
        c = text[self.pos]
        if c == "\n":
            self.pos += 1
            if self.pending:
                self._read_heredocs()
            return Token("newline", "\n")
        for op in OPERATORS:
            if text.startswith(op, self.pos):
                self.pos += len(op)
                return Token("op", op)
        start = self.pos
        quoted = self._scan_word()
        return Token("word", text[start:self.pos], quoted)

    def _scan_word(self) -> bool:
        text = self.text
        quoted = False
        while self.pos < len(text):
            c = text[self.pos]
            if c in METACHARS:
                break
            if c == "\\":
                quoted = True
                self.pos += 2
            elif c == "'":
                quoted = True
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise ShellSyntaxError("syntax error: unterminated quoted string")
                self.pos = end + 1
            elif c == '"':
                quoted = True
                self.pos = self._scan_double(self.pos + 1)
            elif c == "`":
                self.pos = self._scan_backtick(self.pos + 1)
            elif c == "$":
                self.pos = self._scan_dollar(self.pos)
            else:
                self.pos += 1
        self.pos = min(self.pos, len(text))
        return quoted

    def _scan_double(self, i: int) -> int:
        text = self.text
        while i < len(text):
            c = text[i]
            if c == '"':
                return i + 1
            if c == "\\":
                i += 2
            elif c == "`":
                i = self._scan_backtick(i + 1)
            elif c == "$":
                i = self._scan_dollar(i)
            else:
                i += 1
        raise ShellSyntaxError("syntax error: unterminated quoted string")

    def _scan_backtick(self, i: int) -> int:
        text = self.text
        while i < len(text):
            if text[i] == "\\":
                i += 2
            elif text[i] == "`":
                return i + 1
            else:
                i += 1
        raise ShellSyntaxError('syntax error: unexpected end of file (expecting "`")')

    def _scan_dollar(self, i: int) -> int:
        """Index just past the `$…` expansion starting at `i`."""
        text = self.text
        if text.startswith("$((", i):
            end = _match_parens(text, i + 1)
            if end < 0 or not text.startswith("))", end - 1):
                # `$( (…) )` is a command substitution of a subshell, not arithmetic.
                end2 = _match_parens(text, i + 1)
                if end2 < 0:
                    raise ShellSyntaxError("syntax error: unterminated quoted string")
                return end2 + 1
            return end + 1
        if text.startswith("$(", i):
            end = _match_parens(text, i + 1)
            if end < 0:
                raise ShellSyntaxError('syntax error: unexpected end of file (expecting ")")')
            return end + 1
        if text.startswith("${", i):
            j = i + 2
            depth = 1
            while j < len(text):
                c = text[j]
                if c == "\\":
                    j += 2
                    continue
                if c == "'":
                    end = text.find("'", j + 1)
                    j = len(text) if end < 0 else end + 1
                    continue
                if c == '"':
                    j = self._scan_double(j + 1)
                    continue
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        return j + 1
                j += 1
            raise ShellSyntaxError("syntax error: missing '}'")
        return i + 1

    def _read_heredocs(self) -> None:
        text = self.text
        for doc in self.pending:
            lines: list[str] = []
            while True:
                if self.pos >= len(text):
                    break
                end = text.find("\n", self.pos)
                line = text[self.pos:] if end < 0 else text[self.pos:end]
                self.pos = len(text) if end < 0 else end + 1
                check = line.lstrip("\t") if doc.strip_tabs else line
                if check == doc.delimiter:
                    break
                lines.append(check)
            doc.body = "".join(line + "\n" for line in lines)
        self.pending = []


def _match_parens(text: str, i: int) -> int:
    """Index of the `)` closing the `(` at `i`, skipping quoted text; -1 if unclosed."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                return -1
            i = end + 1
            continue
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


# -- parser --------------------------------------------------------------------------------


def _is_name(s: str) -> bool:
    return bool(s) and (s[0].isalpha() or s[0] == "_") and all(c.isalnum() or c == "_" for c in s)


def _assignment(tok: Token) -> tuple[str, str] | None:
    if tok.kind != "word" or "=" not in tok.text:
        return None
    name, _, value = tok.text.partition("=")
    return (name, value) if _is_name(name) else None


class Parser:
    """Builds syntax trees from a script, one complete command at a time."""

    def __init__(self, text: str) -> None:
        self.lexer = Lexer(text)
        self._peeked: Token | None = None

    def peek(self) -> Token:
        """The next token, without consuming it."""
        if self._peeked is None:
            self._peeked = self.lexer.next()
        return self._peeked

    def take(self) -> Token:
        """Consume the next token."""
        tok = self.peek()
        self._peeked = None
        return tok

    def _unexpected(self, tok: Token, expecting: str | None = None) -> ShellSyntaxError:
        msg = f"syntax error: unexpected {tok.describe()}"
        if expecting is not None:
            msg += f' (expecting "{expecting}")'
        return ShellSyntaxError(msg)

    def _is_word(self, tok: Token, word: str) -> bool:
        return tok.kind == "word" and not tok.quoted and tok.text == word

    def _skip_newlines(self) -> None:
        while self.peek().kind == "newline":
            self.take()

    def _expect_word(self, word: str) -> None:
        tok = self.take()
        if not self._is_word(tok, word):
            raise self._unexpected(tok, word)

    def next_command(self) -> CommandList | None:
        """The next complete command of the script, or None at its end."""
        self._skip_newlines()
        if self.peek().kind == "eof":
            return None
        result = self._list(multiline=False)
        tok = self.peek()
        if tok.kind not in ("newline", "eof"):
            raise self._unexpected(tok)
        return result

    def parse_all(self) -> list[CommandList]:
        """Every complete command (used for function bodies and substitutions in tests)."""
        out: list[CommandList] = []
        while (cmd := self.next_command()) is not None:
            out.append(cmd)
        return out

    def _at_list_end(self, multiline: bool) -> bool:
        tok = self.peek()
        if tok.kind == "eof":
            return True
        if tok.kind == "newline":
            return not multiline
        if tok.kind == "op" and tok.text in (")", ";;"):
            return True
        return tok.kind == "word" and not tok.quoted and tok.text in LIST_END

    def _list(self, multiline: bool) -> CommandList:
        items: list[tuple[AndOr, bool]] = []
        if multiline:
            self._skip_newlines()
        while True:
            if self._at_list_end(multiline):
                if not items:
                    raise self._unexpected(self.peek())
                break
            node = self._and_or()
            tok = self.peek()
            if tok.kind == "op" and tok.text in (";", "&"):
                self.take()
                items.append((node, tok.text == "&"))
            elif tok.kind == "newline" and multiline:
                items.append((node, False))
            else:
                items.append((node, False))
                if not (tok.kind == "newline" and multiline):
                    break
            if multiline:
                self._skip_newlines()
        return CommandList(items)

    def _and_or(self) -> AndOr:
        first = self._pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while self.peek().kind == "op" and self.peek().text in ("&&", "||"):
            op = self.take().text
            self._skip_newlines()
            rest.append((op, self._pipeline()))
        return AndOr(first, rest)

    def _pipeline(self) -> Pipeline:
        negated = False
        while self._is_word(self.peek(), "!"):
            self.take()
            negated = not negated
        commands = [self._command()]
        while self.peek().kind == "op" and self.peek().text == "|":
            self.take()
            self._skip_newlines()
            commands.append(self._command())
        return Pipeline(commands, negated)

    def _command(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "(":
            self.take()
            body = self._list(multiline=True)
            close = self.take()
            if close.kind != "op" or close.text != ")":
                raise self._unexpected(close, ")")
            return Group(body, True, self._redirects())
        if tok.kind == "word" and not tok.quoted:
            word = tok.text
            if word == "if":
                return self._if()
            if word in ("while", "until"):
                self.take()
                cond = self._list(multiline=True)
                self._expect_word("do")
                body = self._list(multiline=True)
                self._expect_word("done")
                return Loop(word == "until", cond, body, self._redirects())
            if word == "for":
                return self._for()
            if word == "case":
                return self._case()
            if word == "{":
                self.take()
                body = self._list(multiline=True)
                self._expect_word("}")
                return Group(body, False, self._redirects())
            if word in RESERVED:
                raise self._unexpected(tok)
        return self._simple()

    def _if(self) -> If:
        self.take()
        branches: list[tuple[CommandList, CommandList]] = []
        otherwise: CommandList | None = None
        while True:
            cond = self._list(multiline=True)
            self._expect_word("then")
            body = self._list(multiline=True)
            branches.append((cond, body))
            tok = self.take()
            if self._is_word(tok, "elif"):
                continue
            if self._is_word(tok, "else"):
                otherwise = self._list(multiline=True)
                self._expect_word("fi")
            elif not self._is_word(tok, "fi"):
                raise self._unexpected(tok, "fi")
            return If(branches, otherwise, self._redirects())

    def _for(self) -> For:
        self.take()
        name = self.take()
        if name.kind != "word" or not _is_name(name.text):
            raise ShellSyntaxError("syntax error: bad for loop variable")
        words: list[str] | None = None
        tok = self.peek()
        if tok.kind == "newline":
            self._skip_newlines()
            tok = self.peek()
        if self._is_word(tok, "in"):
            self.take()
            words = []
            while self.peek().kind == "word":
                words.append(self.take().text)
            tok = self.take()
            if not (tok.kind == "newline" or (tok.kind == "op" and tok.text == ";")):
                raise self._unexpected(tok, "do")
        elif tok.kind == "op" and tok.text == ";":
            self.take()
        self._skip_newlines()
        self._expect_word("do")
        body = self._list(multiline=True)
        self._expect_word("done")
        return For(name.text, words, body, self._redirects())

    def _case(self) -> Case:
        self.take()
        word = self.take()
        if word.kind != "word":
            raise self._unexpected(word, "word")
        self._skip_newlines()
        self._expect_word("in")
        items: list[tuple[list[str], CommandList]] = []
        while True:
            self._skip_newlines()
            tok = self.peek()
            if self._is_word(tok, "esac"):
                self.take()
                break
            if tok.kind == "op" and tok.text == "(":
                self.take()
            patterns: list[str] = []
            while True:
                pat = self.take()
                if pat.kind != "word":
                    raise self._unexpected(pat, "word")
                patterns.append(pat.text)
                sep = self.take()
                if sep.kind == "op" and sep.text == "|":
                    continue
                if sep.kind == "op" and sep.text == ")":
                    break
                raise self._unexpected(sep, ")")
            self._skip_newlines()
            if self._at_list_end(True) and not self._is_word(self.peek(), "}"):
                body = CommandList([])
            else:
                body = self._list(multiline=True)
            items.append((patterns, body))
            tok = self.take()
            if tok.kind == "op" and tok.text == ";;":
                continue
            if self._is_word(tok, "esac"):
                break
            raise self._unexpected(tok, "esac")
        return Case(word.text, items, self._redirects())

    def _redirect(self, fd: int | None) -> Redirect:
        op = self.take().text
        target = self.take()
        if target.kind != "word":
            raise self._unexpected(target)
        if fd is None:
            fd = 0 if op.startswith("<") and op != "<>" else 1
            if op == "<>":
                fd = 0
        if op in ("<<", "<<-"):
            delim = target.text
            expand = not any(q in delim for q in "'\"\\")
            for q in "'\"\\":
                delim = delim.replace(q, "")
            doc = HereDoc(delim, op == "<<-", expand)
            self.lexer.pending.append(doc)
            return Redirect(fd, op, target.text, doc)
        return Redirect(fd, op, target.text)

    def _redirects(self) -> list[Redirect]:
        out: list[Redirect] = []
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text in ("<", ">", ">>", "<<", "<<-", ">&", "<&", "<>",
                                                   ">|"):
                out.append(self._redirect(None))
            elif tok.kind == "word" and tok.text.isdigit() and self._next_is_redirect(tok):
                self.take()
                out.append(self._redirect(int(tok.text)))
            else:
                return out

    def _next_is_redirect(self, tok: Token) -> bool:
        # An IO number is digits written right before `<` or `>`, e.g. `2>&1`.
        pos = self.lexer.pos
        return pos < len(self.lexer.text) and self.lexer.text[pos] in "<>"

    def _simple(self) -> Node:
        assigns: list[tuple[str, str]] = []
        words: list[str] = []
        redirects: list[Redirect] = []
        while True:
            tok = self.peek()
            if tok.kind == "op" and tok.text in ("<", ">", ">>", "<<", "<<-", ">&", "<&", "<>",
                                                   ">|"):
                redirects.append(self._redirect(None))
                continue
            if tok.kind != "word":
                break
            if tok.text.isdigit() and self._next_is_redirect(tok):
                self.take()
                redirects.append(self._redirect(int(tok.text)))
                continue
            if not words and (assign := _assignment(tok)) is not None:
                self.take()
                assigns.append(assign)
                continue
            self.take()
            words.append(tok.text)
            if len(words) == 1 and not assigns and not redirects:
                nxt = self.peek()
                if nxt.kind == "op" and nxt.text == "(":
                    return self._function(tok)
        if not words and not assigns and not redirects:
            raise self._unexpected(self.peek())
        return SimpleCommand(assigns, words, redirects)

    def _function(self, name: Token) -> FunctionDef:
        self.take()
        close = self.take()
        if close.kind != "op" or close.text != ")":
            raise self._unexpected(close, ")")
        if not _is_name(name.text) and "-" not in name.text:
            raise ShellSyntaxError("syntax error: bad function name")
        self._skip_newlines()
        body = self._command()
        if isinstance(body, SimpleCommand):
            raise self._unexpected(Token("word", body.words[0] if body.words else ""))
        return FunctionDef(name.text, body)
