"""A closed period's lines as compressed blocks beside its rows (migration 0011): the export
reads the blocks, and the rows whenever the blocks are missing, incomplete or damaged."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from sqlalchemy import text

from scoring.importer import import_paths
from scoring.periods import Context, close, compute
from scoring.store import Store, results
from scoring.store import periods as store_periods
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")
PERIOD = "2025-10"


@pytest.fixture
def closed(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pl.DataFrame:
    """The sample month closed in blocks of 3 lines; returns the lines the draft had."""
    import_paths(
        store, [inputs.write(tmp_path / "in")], actor="hr", zone=ZONE, rejects_dir=tmp_path
    )
    draft, _ = compute(Context.load(store, zone=ZONE), PERIOD, actor="hr")
    monkeypatch.setattr(results, "BLOCK_LINES", 3)
    close(Context.load(store, zone=ZONE), PERIOD, actor="hr")
    assert draft.lines.height % 3 != 0 and draft.lines.height > 3  # the last block short
    return draft.lines


def blocks(store: Store) -> list[tuple[int, int, int]]:
    with store.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT block_no, first_line, line_count FROM frozen_line_blocks "
                "WHERE period = :p ORDER BY block_no"
            ),
            {"p": PERIOD},
        ).all()
    return [(int(a), int(b), int(c)) for a, b, c in rows]


def rows_are_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object) -> pl.DataFrame:
        raise AssertionError("the rows were read")

    monkeypatch.setattr(results, "_frozen_lines", refuse)
    monkeypatch.setattr(results, "_lines_sql", refuse)


def test_the_close_writes_blocks_that_cover_every_line_in_order(
    store: Store, closed: pl.DataFrame
) -> None:
    found = blocks(store)
    assert [b[0] for b in found] == list(range(len(found)))
    assert [b[1] for b in found] == list(range(0, closed.height, 3))
    assert sum(b[2] for b in found) == closed.height
    assert all(count == 3 for _, _, count in found[:-1]) and 1 <= found[-1][2] < 3


def test_the_export_reads_the_blocks_not_the_rows(
    store: Store, closed: pl.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows_are_not_read(monkeypatch)
    frozen = store_periods.load_closed(store, PERIOD)
    assert frozen.lines.equals(closed)


def test_the_blocks_hold_exactly_the_rows(store: Store, closed: pl.DataFrame) -> None:
    from_blocks = store_periods.load_closed(store, PERIOD).lines
    with store.begin() as conn:
        conn.execute(text("DELETE FROM frozen_line_blocks"))
    from_rows = store_periods.load_closed(store, PERIOD).lines
    assert from_blocks.equals(from_rows) and from_rows.equals(closed)


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE frozen_line_blocks SET sha256 = 'ab' || substr(sha256, 3) WHERE block_no = 1",
        "UPDATE frozen_line_blocks SET line_count = line_count + 1 WHERE block_no = 0",
        "DELETE FROM frozen_line_blocks WHERE block_no = 1",
        "UPDATE frozen_line_blocks SET first_line = first_line - 1 WHERE block_no = 1",
    ],
    ids=["checksum", "count", "gap", "overlap"],
)
def test_damaged_or_incomplete_blocks_are_not_used(
    store: Store, closed: pl.DataFrame, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    with store.begin() as conn:
        conn.execute(text(damage))
    with caplog.at_level(logging.WARNING, logger=results.__name__):
        frozen = store_periods.load_closed(store, PERIOD)
    assert frozen.lines.equals(closed)
    if "sha256" in damage:
        assert "does not match its SHA-256" in caplog.text


def test_a_block_holding_other_lines_than_recorded_is_not_used(
    store: Store, closed: pl.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    """A block replaced whole (data and checksum) by another block's lines: its count and
    content no longer agree with what the close recorded."""
    other = results.block_bytes(closed.head(2))

    with store.begin() as conn:
        conn.execute(
            text("UPDATE frozen_line_blocks SET data = :d, sha256 = :s WHERE block_no = 0"),
            {"d": other, "s": hashlib.sha256(other).hexdigest()},
        )
    with caplog.at_level(logging.WARNING, logger=results.__name__):
        frozen = store_periods.load_closed(store, PERIOD)
    assert frozen.lines.equals(closed)
    assert "other lines than recorded" in caplog.text


def test_a_draft_writes_no_blocks(store: Store, tmp_path: Path) -> None:
    import_paths(
        store, [inputs.write(tmp_path / "in")], actor="hr", zone=ZONE, rejects_dir=tmp_path
    )
    compute(Context.load(store, zone=ZONE), PERIOD, actor="hr")
    assert blocks(store) == []
