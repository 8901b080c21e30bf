"""YAML with the line and column of every node, so that each plan problem points into the file.

PyYAML's ``compose`` keeps a mark (line, column) on every node; ``construct`` throws them away.
We build the plain Python data ourselves from the node tree and remember, for every path into
the data (``("rules", 0, "when")``), where its value and its key start. Scalars are built
conservatively: YAML floats become ``Decimal`` from their source text (an amount written
``10.00`` must never pass through a binary float), timestamps stay text (pydantic parses dates),
and mapping keys are always text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based place in the plan file."""

    line: int
    col: int


@dataclass(frozen=True, slots=True)
class ScalarText:
    """Where a scalar's text starts and how it was written, to place errors inside it."""

    mark: Mark
    style: str | None  # None plain, "'" or '"' quoted, "|" or ">" block
    indent: int  # 1-based column of the first content character of a block scalar


@dataclass
class Located:
    """Plain data of a YAML document with the places of its values and keys."""

    data: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    scalars: dict[Path, ScalarText] = field(default_factory=dict)
    problems: list[tuple[Mark, str]] = field(default_factory=list)

    def mark_of(self, path: Path, *, key: bool = False) -> Mark | None:
        """The place of ``path`` or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while True:
            if probe in table:
                return table[probe]
            if key and probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def place_in_text(self, path: Path, offset: int) -> Mark | None:
        """The place of character ``offset`` of the scalar at ``path`` (for expression errors)."""
        info = self.scalars.get(tuple(path))
        if info is None:
            return self.mark_of(path)
        text = _value_at(self.data, path)
        if not isinstance(text, str):
            return info.mark
        offset = max(0, min(offset, len(text)))
        if info.style in ("|", ">"):
            before = text[:offset]
            line = info.mark.line + 1 + before.count("\n")
            col = info.indent + len(before) - (before.rfind("\n") + 1)
            return Mark(line, col)
        if "\n" in text[:offset]:
            # A folded plain or quoted multi-line scalar: the line is known, the column is not.
            return Mark(info.mark.line + text[:offset].count("\n"), 1)
        shift = 1 if info.style in ("'", '"') else 0
        return Mark(info.mark.line, info.mark.col + shift + offset)


def _value_at(data: Any, path: Path) -> Any:
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


_CONSTRUCTOR = SafeConstructor()


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    text = node.value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return _CONSTRUCTOR.construct_yaml_bool(node)
    if tag == "tag:yaml.org,2002:int":
        return _CONSTRUCTOR.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:float":
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            return text
        return value if value.is_finite() else text
    return text


def _block_indent(source: str, node: yaml.ScalarNode) -> int:
    """The column (1-based) where the content of a ``|``/``>`` block scalar starts."""
    lines = source.splitlines()
    for index in range(node.start_mark.line + 1, min(len(lines), node.end_mark.line + 1)):
        content = lines[index]
        if content.strip():
            return len(content) - len(content.lstrip(" ")) + 1
    return node.start_mark.column + 1


def compose_located(source: str) -> Located:
    """Parse one YAML document into :class:`Located`; syntax errors become located problems."""
    located = Located(data=None)
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        located.problems.append((where, f"YAML 语法错误 / YAML syntax error: {reason}"))
        return located
    except yaml.YAMLError as exc:
        located.problems.append((Mark(1, 1), f"YAML 语法错误 / YAML syntax error: {exc}"))
        return located
    except RecursionError:
        located.problems.append((Mark(1, 1), TOO_DEEP))
        return located
    if root is None:
        located.problems.append((Mark(1, 1), "方案文件为空 / the plan file is empty"))
        return located
    try:
        located.data = _build(root, (), located, source, _Walk())
    except _Refused as exc:
        located.problems.append((exc.mark, exc.reason))
    except RecursionError:
        located.problems.append((Mark(1, 1), TOO_DEEP))
    return located


#: Nodes a plan may have once its aliases are expanded (the standard plan has about 540).
MAX_NODES = 20_000
#: How deep a plan may nest (the standard plan: 6 levels).
MAX_DEPTH = 64
TOO_DEEP = "方案嵌套过深 / the plan is nested too deeply"
RECURSIVE = (
    "别名引用了包含它自己的节点(递归别名)/ an alias refers to a node that contains it "
    "(a recursive alias)"
)
TOO_MANY = (
    f"展开别名后方案超过 {MAX_NODES:,} 个节点,请少用别名 / the plan has more than "
    f"{MAX_NODES:,} nodes once its aliases (*name) are expanded; write it with fewer aliases"
)


class _Refused(Exception):
    """A plan that cannot be built: a recursive alias, or too many nodes once expanded."""

    def __init__(self, mark: Mark, reason: str) -> None:
        super().__init__(reason)
        self.mark = mark
        self.reason = reason


@dataclass
class _Walk:
    """The nodes being built (an alias back to one of them is recursive) and how many were."""

    open: set[int] = field(default_factory=set)
    built: int = 0


def _build(node: yaml.Node, path: Path, located: Located, source: str, walk: _Walk) -> Any:
    # An alias is the very node it names: a node met again on its own path is a recursive
    # alias, and a count of the nodes built bounds the expansion ("billion laughs").
    walk.built += 1
    if walk.built > MAX_NODES:
        raise _Refused(_mark(node), TOO_MANY)
    if id(node) in walk.open:
        raise _Refused(_mark(node), RECURSIVE)
    if len(path) > MAX_DEPTH:
        raise _Refused(_mark(node), TOO_DEEP)
    if isinstance(node, yaml.CollectionNode):
        walk.open.add(id(node))
        try:
            return _build_collection(node, path, located, source, walk)
        finally:
            walk.open.discard(id(node))
    located.values[path] = _mark(node)
    if isinstance(node, yaml.ScalarNode):
        indent = _block_indent(source, node) if node.style in ("|", ">") else 0
        located.scalars[path] = ScalarText(_mark(node), node.style, indent)
        try:
            return _scalar(node)
        except (ConstructorError, ValueError):
            return node.value
    return None


def _build_collection(
    node: yaml.CollectionNode, path: Path, located: Located, source: str, walk: _Walk
) -> Any:
    located.values[path] = _mark(node)
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*path, i), located, source, walk) for i, item in enumerate(node.value)
        ]
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                located.problems.append((_mark(key_node), "键必须是文本 / a key must be text"))
                continue
            key = str(key_node.value)
            if key == "<<":
                located.problems.append(
                    (_mark(key_node), "不支持合并键 / merge keys (<<) unsupported")
                )
                continue
            if key in result:
                first = located.keys.get((*path, key))
                at = f" (first at line {first.line})" if first else ""
                located.problems.append(
                    (_mark(key_node), f"键重复 / duplicate key {key!r}{at}"),
                )
                continue
            located.keys[(*path, key)] = _mark(key_node)
            result[key] = _build(value_node, (*path, key), located, source, walk)
        return result
    return None
