"""Write a computed month's outputs to parquet; compare two such dumps frame for frame.

The proof that a change to the engine leaves what it pays unchanged: compute the month from
the same store with the engine before and after the change (``PYTHONPATH`` names the source
tree whose ``scoring`` is imported), then compare the lines, statements, ranking and survey
status of both, value for value and in order.

    PYTHONPATH=OLD_TREE python benchmarks/dump_result.py dump --db national.db --out old/
    PYTHONPATH=.        python benchmarks/dump_result.py dump --db national.db --out new/
    python benchmarks/dump_result.py compare old/ new/

Only names both versions have are used (``Context.load``, ``Context.run``, ``load_plan``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

FRAMES = ("lines", "statements", "ranking", "surveys")


def dump(db: Path, period: str, out: Path, zone_name: str) -> None:
    from zoneinfo import ZoneInfo

    import scoring
    from scoring.periods import Context
    from scoring.rules import load_plan, standard_plan_path
    from scoring.store import open_store
    from scoring.workdays import WorkCalendar

    print(f"scoring from {Path(scoring.__file__).parent}", file=sys.stderr)
    with open_store(f"sqlite:///{db}", migrate=False) as store:
        ctx = Context.load(store, zone=ZoneInfo(zone_name), calendar=WorkCalendar.load())
    result = ctx.run(period, load_plan(standard_plan_path()))
    out.mkdir(parents=True, exist_ok=True)
    for name in FRAMES:
        frame: pl.DataFrame = getattr(result, name)
        frame.write_parquet(out / f"{name}.parquet")
        print(f"{name}: {frame.height:,} rows × {frame.width} columns", file=sys.stderr)


def compare(before: Path, after: Path) -> bool:
    """True when every frame of both dumps is equal: schema, order and values."""
    same = True
    for name in FRAMES:
        a = pl.read_parquet(before / f"{name}.parquet")
        b = pl.read_parquet(after / f"{name}.parquet")
        equal = a.schema == b.schema and a.equals(b, null_equal=True)
        same &= equal
        verdict = "equal" if equal else "DIFFERENT"
        print(
            f"{name}: {a.height:,} rows × {a.width} columns before, {b.height:,} × {b.width} "
            f"after: {verdict}"
        )
        if not equal and a.schema == b.schema and a.height == b.height:
            for column in a.columns:
                differ = (a[column].ne_missing(b[column])).sum()
                if differ:
                    print(f"  {column}: {differ:,} rows differ")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="compute the month and write its frames")
    dumping.add_argument("--db", type=Path, required=True, help="SQLite store file")
    dumping.add_argument("--period", default="2025-10")
    dumping.add_argument("--zone", default="Asia/Shanghai")
    dumping.add_argument("--out", type=Path, required=True, help="folder for the parquet files")
    comparing = commands.add_parser("compare", help="compare two dumps frame for frame")
    comparing.add_argument("before", type=Path)
    comparing.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.db, args.period, args.out, args.zone)
    elif not compare(args.before, args.after):
        sys.exit("the dumps differ")


if __name__ == "__main__":
    main()
