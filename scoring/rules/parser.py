"""Recursive-descent parser of the condition language.

Grammar (lowest precedence first)::

    condition  := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum
                      | ["not"] "in" sum
                      | "is" ["not"] "null" ]
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | postfix
    postfix    := primary ("." NAME [ "(" args ")" ])*
    primary    := NUMBER | STRING | "true" | "false" | "null"
                | "[" [or_expr ("," or_expr)*] "]"
                | NAME [ "(" args ")" ] | "(" or_expr ")"
    args       := [or_expr ("," or_expr)*]

Comparisons do not chain (``1 < x < 3`` is an error): chaining reads naturally but means
something different in every language, so we refuse to guess.
"""

from __future__ import annotations

import difflib

from scoring.rules import ast
from scoring.rules.lexer import KEYWORDS, ExprError, Token, tokenize

_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.pos = 0

    # -- token helpers -------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tok
        if token.kind != "end":
            self.pos += 1
        return token

    def is_op(self, text: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == text

    def is_kw(self, text: str) -> bool:
        return self.tok.kind == "keyword" and self.tok.text == text

    def expect_op(self, text: str, what: str) -> Token:
        if not self.is_op(text):
            raise self.unexpected(f"需要 / expected {text!r} {what}")
        return self.advance()

    def unexpected(self, wanted: str) -> ExprError:
        token = self.tok
        if token.kind == "end":
            return ExprError(
                f"条件不完整 / the condition ends too early: {wanted}", (token.start, token.end)
            )
        return ExprError(f"意外的 / unexpected {token.text!r}: {wanted}", (token.start, token.end))

    # -- grammar -------------------------------------------------------------------------
    def condition(self) -> ast.Node:
        node = self.or_expr()
        if self.tok.kind != "end":
            previous = self.tokens[self.pos - 1] if self.pos else None
            if previous is not None and previous.kind == "name" and self.tok.kind == "name":
                close = difflib.get_close_matches(previous.text, sorted(KEYWORDS), n=1)
                if close:
                    raise ExprError(
                        f"两个名称相连 / two names in a row: 是否想写 / did you mean {close[0]!r}?",
                        (previous.start, previous.end),
                    )
            raise self.unexpected("需要运算符或结束 / expected an operator or the end")
        return node

    def or_expr(self) -> ast.Node:
        left = self.and_expr()
        while self.is_kw("or"):
            self.advance()
            right = self.and_expr()
            left = ast.Binary((left.span[0], right.span[1]), "or", left, right)
        return left

    def and_expr(self) -> ast.Node:
        left = self.not_expr()
        while self.is_kw("and"):
            self.advance()
            right = self.not_expr()
            left = ast.Binary((left.span[0], right.span[1]), "and", left, right)
        return left

    def not_expr(self) -> ast.Node:
        if self.is_kw("not"):
            start = self.advance().start
            operand = self.not_expr()
            return ast.Unary((start, operand.span[1]), "not", operand)
        return self.comparison()

    def comparison(self) -> ast.Node:
        left = self.sum()
        node: ast.Node
        if self.tok.kind == "op" and self.tok.text in _COMPARE:
            op = self.advance().text
            right = self.sum()
            node = ast.Binary((left.span[0], right.span[1]), op, left, right)
        elif self.is_kw("in") or (
            self.is_kw("not") and self.peek().kind == "keyword" and self.peek().text == "in"
        ):
            op = "in"
            if self.is_kw("not"):
                self.advance()
                op = "not in"
            self.advance()
            right = self.sum()
            node = ast.Binary((left.span[0], right.span[1]), op, left, right)
        elif self.is_kw("is"):
            self.advance()
            negated = False
            if self.is_kw("not"):
                self.advance()
                negated = True
            if not self.is_kw("null"):
                raise self.unexpected("is 后面只能是 null / only 'is null' or 'is not null'")
            end = self.advance().end
            node = ast.IsNull((left.span[0], end), left, negated)
        else:
            return left
        if (
            self.tok.kind == "op"
            and self.tok.text in _COMPARE
            or self.is_kw("in")
            or self.is_kw("is")
        ):
            raise ExprError(
                "比较不能连写 / comparisons do not chain: join them with and",
                (self.tok.start, self.tok.end),
            )
        return node

    def sum(self) -> ast.Node:
        left = self.product()
        while self.is_op("+") or self.is_op("-"):
            op = self.advance().text
            right = self.product()
            left = ast.Binary((left.span[0], right.span[1]), op, left, right)
        return left

    def product(self) -> ast.Node:
        left = self.unary()
        while self.is_op("*") or self.is_op("/"):
            op = self.advance().text
            right = self.unary()
            left = ast.Binary((left.span[0], right.span[1]), op, left, right)
        return left

    def unary(self) -> ast.Node:
        if self.is_op("-"):
            start = self.advance().start
            operand = self.unary()
            return ast.Unary((start, operand.span[1]), "-", operand)
        return self.postfix()

    def postfix(self) -> ast.Node:
        node = self.primary()
        while self.is_op("."):
            self.advance()
            if self.tok.kind != "name":
                raise self.unexpected("点后需要名称 / expected a name after '.'")
            name_tok = self.advance()
            span = (name_tok.start, name_tok.end)
            if self.is_op("("):
                args, end = self.arguments()
                node = ast.Call((node.span[0], end), node, name_tok.text, span, args)
            else:
                node = ast.Attribute((node.span[0], name_tok.end), node, name_tok.text, span)
        return node

    def arguments(self) -> tuple[tuple[ast.Node, ...], int]:
        self.expect_op("(", "")
        args: list[ast.Node] = []
        if not self.is_op(")"):
            args.append(self.or_expr())
            while self.is_op(","):
                self.advance()
                args.append(self.or_expr())
        end = self.expect_op(")", "结束参数 / to close the arguments").end
        return tuple(args), end

    def primary(self) -> ast.Node:
        token = self.tok
        span = (token.start, token.end)
        if token.kind == "number":
            self.advance()
            return ast.Number(span, token.value, token.text)  # type: ignore[arg-type]
        if token.kind == "string":
            self.advance()
            return ast.Text(span, str(token.value))
        if token.kind == "keyword" and token.text in ("true", "false"):
            self.advance()
            return ast.Boolean(span, token.text == "true")
        if token.kind == "keyword" and token.text == "null":
            self.advance()
            return ast.Null(span)
        if token.kind == "name":
            self.advance()
            if token.text in ("True", "False", "None"):
                raise ExprError(
                    f"请用小写 / write true, false or null instead of {token.text!r}", span
                )
            if self.is_op("("):
                args, end = self.arguments()
                return ast.Call((token.start, end), None, token.text, span, args)
            return ast.Name(span, token.text)
        if self.is_op("("):
            self.advance()
            inner = self.or_expr()
            self.expect_op(")", "结束括号 / to close the parenthesis")
            return inner
        if self.is_op("["):
            start = self.advance().start
            items: list[ast.Node] = []
            if not self.is_op("]"):
                items.append(self.or_expr())
                while self.is_op(","):
                    self.advance()
                    items.append(self.or_expr())
            end = self.expect_op("]", "结束列表 / to close the list").end
            return ast.ListLit((start, end), tuple(items))
        raise self.unexpected("需要值、字段或函数 / expected a value, a field or a function")


def parse(source: str) -> ast.Node:
    """Parse a condition; raise :class:`ExprError` with the span of the first problem."""
    if not source.strip():
        raise ExprError("条件为空 / the condition is empty", (0, len(source)))
    return _Parser(source).condition()
