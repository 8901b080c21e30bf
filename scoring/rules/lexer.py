"""Tokens of the condition language.

A hand-written scanner: the language is small and the errors must say exactly where the text
went wrong, in words an operations manager understands (``=`` → "did you mean ==").
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})
OPERATORS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", ",", ".")
_HINTS = {
    "=": "用 == 比较 / use == to compare",
    "&&": "用 and / use and",
    "||": "用 or / use or",
    "!": "用 not / use not",
    "&": "用 and / use and",
    "|": "用 or / use or",
}
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "t": "\t"}


class ExprError(Exception):
    """A problem in a condition, with the span of the text it is about."""

    def __init__(self, message: str, span: tuple[int, int]) -> None:
        super().__init__(message)
        self.message = message
        self.span = span


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "number", "string", "name", "keyword", "op", "end"
    text: str
    start: int
    end: int
    value: object = None


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def _is_name_part(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens; :class:`ExprError` at the first character that fits none."""
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
            continue
        start = i
        if ch.isdigit():
            i = _scan_number(source, i)
            text = source[start:i]
            tokens.append(Token("number", text, start, i, Fraction(text)))
            continue
        if ch in "\"'":
            i, value = _scan_string(source, i)
            tokens.append(Token("string", source[start:i], start, i, value))
            continue
        if _is_name_start(ch):
            while i < n and _is_name_part(source[i]):
                i += 1
            text = source[start:i]
            kind = "keyword" if text in KEYWORDS else "name"
            tokens.append(Token(kind, text, start, i))
            continue
        two = source[i : i + 2]
        if two in _HINTS and two not in OPERATORS:
            raise ExprError(f"无效运算符 / invalid operator {two!r}: {_HINTS[two]}", (i, i + 2))
        if two in OPERATORS:
            tokens.append(Token("op", two, i, i + 2))
            i += 2
            continue
        if ch in OPERATORS:
            tokens.append(Token("op", ch, i, i + 1))
            i += 1
            continue
        hint = f": {_HINTS[ch]}" if ch in _HINTS else ""
        raise ExprError(f"无法识别的字符 / unexpected character {ch!r}{hint}", (i, i + 1))
    tokens.append(Token("end", "", n, n))
    return tokens


def _scan_number(source: str, i: int) -> int:
    n = len(source)
    while i < n and source[i].isdigit():
        i += 1
    if i + 1 < n and source[i] == "." and source[i + 1].isdigit():
        i += 1
        while i < n and source[i].isdigit():
            i += 1
    if i < n and _is_name_start(source[i]):
        raise ExprError(f"数字后不能紧跟字母 / a number cannot run into {source[i]!r}", (i, i + 1))
    return i


def _scan_string(source: str, i: int) -> tuple[int, str]:
    quote = source[i]
    start = i
    i += 1
    out: list[str] = []
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == quote:
            return i + 1, "".join(out)
        if ch == "\\":
            if i + 1 >= n or source[i + 1] not in _ESCAPES:
                raise ExprError("无效转义 / invalid escape in text", (i, min(n, i + 2)))
            out.append(_ESCAPES[source[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExprError("文本缺少结束引号 / text without closing quote", (start, n))
