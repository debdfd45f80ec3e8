"""Shell arithmetic, `$((…))`: C-like integer expressions over shell variables.

Kept apart from the interpreter because it is a small language of its own (a precedence
climbing parser). Variables are read and assigned through two callables, so the interpreter
decides what a variable is. Errors carry ash's wording (`arithmetic syntax error`,
`divide by zero`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TOKEN = re.compile(
    r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|"
    r"(\*\*=|<<=|>>=|\+\+|--|\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|[-+*/%<>=!~&|^?:(),]))"
)

_BINARY: dict[str, tuple[int, bool]] = {
    # operator: (precedence, right-associative)
    "||": (1, False), "&&": (2, False), "|": (3, False), "^": (4, False), "&": (5, False),
    "==": (6, False), "!=": (6, False),
    "<": (7, False), "<=": (7, False), ">": (7, False), ">=": (7, False),
    "<<": (8, False), ">>": (8, False), "+": (9, False), "-": (9, False),
    "*": (10, False), "/": (10, False), "%": (10, False), "**": (11, True),
}
_ASSIGN = {"=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|=", "**="}
_MASK = (1 << 64) - 1


class ArithmeticError_(Exception):
    """An expression ash would refuse; the message is ash's."""


def _wrap(v: int) -> int:
    v &= _MASK
    return v - (1 << 64) if v >> 63 else v


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ArithmeticError_("arithmetic syntax error")
        tokens.append(m.group(1) or m.group(2) or m.group(3))
        pos = m.end()
    return tokens


def _number(tok: str) -> int:
    if tok.lower().startswith("0x"):
        return int(tok, 16)
    if len(tok) > 1 and tok.startswith("0"):
        try:
            return int(tok, 8)
        except ValueError:
            raise ArithmeticError_("arithmetic syntax error") from None
    return int(tok)


class _Parser:
    def __init__(
        self, tokens: list[str], get: Callable[[str], str], set_: Callable[[str, str], None],
        depth: int,
    ) -> None:
        self.tokens = tokens
        self.i = 0
        self.get = get
        self.set = set_
        self.depth = depth

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ArithmeticError_("arithmetic syntax error")
        self.i += 1
        return tok

    def value_of(self, name: str) -> int:
        raw = self.get(name).strip()
        if not raw:
            return 0
        negative = raw.startswith("-")
        try:
            return _wrap(_number(raw.lstrip("-")) * (-1 if negative else 1))
        except (ValueError, ArithmeticError_):
            return evaluate(raw, self.get, self.set, self.depth + 1)

    def expression(self, skip: bool = False) -> int:
        return self.assignment(skip)

    def assignment(self, skip: bool) -> int:
        tok = self.peek()
        nxt = self.tokens[self.i + 1] if self.i + 1 < len(self.tokens) else None
        if tok is not None and (tok[0].isalpha() or tok[0] == "_") and nxt in _ASSIGN:
            self.i += 2
            rhs = self.assignment(skip)
            if nxt != "=":
                rhs = self.apply(nxt[:-1], self.value_of(tok), rhs, skip)
            if not skip:
                self.set(tok, str(rhs))
            return rhs
        return self.ternary(skip)

    def ternary(self, skip: bool) -> int:
        cond = self.binary(1, skip)
        if self.peek() != "?":
            return cond
        self.take()
        yes = self.assignment(skip or not cond)
        if self.take() != ":":
            raise ArithmeticError_("arithmetic syntax error")
        no = self.assignment(skip or bool(cond))
        return yes if cond else no

    def apply(self, op: str, a: int, b: int, skip: bool) -> int:
        if op in ("/", "%"):
            if b == 0:
                if skip:
                    return 0
                raise ArithmeticError_("divide by zero")
            q = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)
            return _wrap(q if op == "/" else a - q * b)
        if op == "**":
            if b < 0:
                raise ArithmeticError_("exponent less than 0")
            return _wrap(pow(a, min(b, 4096)))
        result = {
            "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
            "<<": lambda: a << (b & 63), ">>": lambda: a >> (b & 63),
            "&": lambda: a & b, "|": lambda: a | b, "^": lambda: a ^ b,
            "==": lambda: int(a == b), "!=": lambda: int(a != b), "<": lambda: int(a < b),
            "<=": lambda: int(a <= b), ">": lambda: int(a > b), ">=": lambda: int(a >= b),
            "&&": lambda: int(bool(a) and bool(b)), "||": lambda: int(bool(a) or bool(b)),
        }[op]()
        return _wrap(result)

    def binary(self, min_prec: int, skip: bool) -> int:
        left = self.unary(skip)
        while True:
            op = self.peek()
            if op not in _BINARY or _BINARY[op][0] < min_prec:
                return left
            prec, right_assoc = _BINARY[op]
            self.take()
            inner_skip = skip or (op == "&&" and not left) or (op == "||" and bool(left))
            right = self.binary(prec if right_assoc else prec + 1, inner_skip)
            left = self.apply(op, left, right, skip)

    def unary(self, skip: bool) -> int:
        tok = self.take()
        if tok in ("+", "-", "!", "~"):
            v = self.unary(skip)
            return {"+": v, "-": _wrap(-v), "!": int(not v), "~": _wrap(~v)}[tok]
        if tok in ("++", "--"):
            name = self.take()
            if not (name[0].isalpha() or name[0] == "_"):
                raise ArithmeticError_("arithmetic syntax error")
            v = self.value_of(name) + (1 if tok == "++" else -1)
            if not skip:
                self.set(name, str(v))
            return v
        if tok == "(":
            v = self.expression(skip)
            if self.take() != ")":
                raise ArithmeticError_("arithmetic syntax error")
            return v
        if tok[0].isdigit():
            return _wrap(_number(tok))
        if tok[0].isalpha() or tok[0] == "_":
            v = self.value_of(tok)
            if self.peek() in ("++", "--"):
                op = self.take()
                if not skip:
                    self.set(tok, str(v + (1 if op == "++" else -1)))
            return v
        raise ArithmeticError_("arithmetic syntax error")


def evaluate(
    text: str, get: Callable[[str], str], set_: Callable[[str, str], None], depth: int = 0
) -> int:
    """The value of an arithmetic expression; raises `ArithmeticError_` with ash's message."""
    if depth > 20:
        raise ArithmeticError_("expression recursion loop detected")
    tokens = _tokenize(text)
    if not tokens:
        return 0
    parser = _Parser(tokens, get, set_, depth)
    value = parser.expression()
    if parser.peek() is not None:
        raise ArithmeticError_("arithmetic syntax error")
    return value
