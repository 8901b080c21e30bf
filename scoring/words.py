"""The most frequent words of free text (comments, notes), Chinese or mixed, without a
dictionary.

Chinese writes no spaces between words, and a segmenter with a dictionary (jieba and its kin)
is a large dependency with a model of its own, for a list that a manager skims in the monthly
report. Repeated phrases are what such a list is about, and they can be found from the text
alone:

1. Each text is cut at punctuation, spaces and anything not a Han character or a Latin word,
   and at function characters (的, 了, 很 …: :data:`STOP`) that glue words together but say
   nothing by themselves. Negations (不, 没) are kept: 不满意 is not 满意.
2. Latin words (two letters or more) count as they are, lower-cased.
3. In each Han run, every substring of 2 to :data:`LONGEST` characters is counted (identical
   texts are counted once and weighed by how often they occur: comments repeat a lot).
4. A substring is dropped in favour of a longer one that contains it when the longer one
   occurs at least :data:`ABSORB` times as often: 非常满意 then stands for 非常满, 常满意 and
   常满 when those hardly occur elsewhere, while 非常 stays when it also occurs in 非常好.
5. What is left, seen at least ``min_count`` times, most frequent first (then longer, then in
   text order of the characters).

The result is a list of terms with their counts, each count the number of occurrences of the
term in the texts (a text that says it twice counts twice).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

#: Characters that join words without carrying meaning of their own in a comment. Only
#: those rarely part of a word: 他 stays (其他), 地 (地面), 过 (过来), 着 (着急).
STOP = frozenset("的了是我你就也都还很吧吗呢啊呀哦嗯")
#: The longest run of Han characters counted as one term (a clause between punctuation is
#: rarely longer, so a repeated clause is found whole).
LONGEST = 16
#: A longer term takes the place of a shorter one inside it when it occurs at least this
#: share of the shorter one's occurrences.
ABSORB = 0.75

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"[{_HAN}]+|[A-Za-z][A-Za-z0-9'_-]+")
_HAN_RUN = re.compile(rf"[{_HAN}]+")


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    count: int


def _han_segments(run: str) -> list[str]:
    """A run of Han characters cut at the function characters."""
    segments: list[str] = []
    current: list[str] = []
    for char in run:
        if char in STOP:
            if len(current) >= 2:
                segments.append("".join(current))
            current = []
        else:
            current.append(char)
    if len(current) >= 2:
        segments.append("".join(current))
    return segments


def _count(texts: Iterable[str | None]) -> Counter[str]:
    """Occurrences of every candidate term (Han substrings of 2..LONGEST, Latin words)."""
    distinct = Counter(text for text in texts if text)
    counts: Counter[str] = Counter()
    for text, times in distinct.items():
        for piece in _PIECES.findall(text):
            if not _HAN_RUN.fullmatch(piece):
                counts[piece.lower()] += times
                continue
            for segment in _han_segments(piece):
                size = len(segment)
                for length in range(2, min(LONGEST, size) + 1):
                    for start in range(size - length + 1):
                        counts[segment[start : start + length]] += times
    return counts


def frequent_terms(texts: Iterable[str | None], *, top: int = 15, min_count: int = 2) -> list[Term]:
    """The ``top`` most frequent terms of ``texts`` seen at least ``min_count`` times."""
    counts = _count(texts)
    absorbed: set[str] = set()
    for term, count in sorted(counts.items(), key=lambda item: -len(item[0])):
        if len(term) <= 2 or not _HAN_RUN.fullmatch(term):
            continue
        for inner in (term[:-1], term[1:]):
            if count >= ABSORB * counts[inner]:
                absorbed.add(inner)
    kept = [
        Term(term, count)
        for term, count in counts.items()
        if count >= min_count and term not in absorbed
    ]
    kept.sort(key=lambda t: (-t.count, -len(t.text), t.text))
    return kept[:top]
