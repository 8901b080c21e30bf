"""How fast the payroll export writes: ``python -m payroll_export.benchmark LINES [--out DIR]``.

Builds a consistent synthetic period (lines with realistic explanation texts, statements summed
from them) and times :func:`export_period` on it, reporting wall and CPU seconds, lines per
second, the workbook's size and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from payroll_export.export import export_period
from payroll_export.zipwriter import DEFLATE
from scoring.result import (
    KIND_TOTALS,
    LINES_SCHEMA,
    STATEMENTS_SCHEMA,
    Result,
    as_schema,
    deduction_after_cap,
    kind_sums,
    net_of_totals,
)

PERIOD = "2025-06"


def synthetic_lines(count: int, installers: int) -> pl.DataFrame:
    """``count`` lines of ``installers`` installers: bonuses, and every 7th a deduction."""
    i = pl.int_range(0, count, dtype=pl.Int64, eager=True).alias("i")
    day = (pl.col("i") % 28 + 1).cast(pl.String).str.zfill(2)
    job = pl.concat_str([pl.lit("J"), pl.col("i").cast(pl.String).str.zfill(9)])
    score = (pl.col("i") % 5 + 1).cast(pl.String)
    deduction = pl.col("i") % 7 == 0
    amount = pl.when(deduction).then(-(pl.col("i") % 5000)).otherwise(pl.col("i") % 3000)
    yuan = (amount.abs() // 100).cast(pl.String)
    return (
        pl.DataFrame(i)
        .select(
            pl.lit(PERIOD).alias("period"),
            pl.concat_str(
                [pl.lit("I"), (pl.col("i") % installers).cast(pl.String).str.zfill(6)]
            ).alias("installer_id"),
            pl.concat_str([pl.lit("R"), (pl.col("i") % 17).cast(pl.String)]).alias("rule_id"),
            pl.when(deduction).then(pl.lit("deduction")).otherwise(pl.lit("bonus")).alias("kind"),
            amount.alias("amount_fen"),
            pl.lit("survey").alias("source"),
            pl.concat_str([pl.lit("S"), pl.col("i").cast(pl.String).str.zfill(9)]).alias(
                "source_id"
            ),
            job.alias("job_id"),
            pl.lit(None, pl.String).alias("corrects_period"),
            pl.format(
                "2025-06-{}工单{}的回访综合评分{}分,五星好评奖励{}元,按份额1/2计{}元",
                day,
                job,
                score,
                yuan,
                yuan,
            ).alias("explanation_zh"),
            pl.format(
                "2025-06-{} job {} surveyed {}/5: five-star bonus {}, your share 1/2 = {}",
                day,
                job,
                score,
                yuan,
                yuan,
            ).alias("explanation_en"),
        )
        .cast(LINES_SCHEMA)
    )


def synthetic_result(count: int, installers: int) -> Result:
    lines = synthetic_lines(count, installers)
    money = lines.group_by("installer_id").agg(kind_sums())
    statements = money.sort("installer_id").select(
        pl.lit(PERIOD).alias("period"),
        "installer_id",
        pl.lit("王师傅").alias("name"),
        pl.lit("T1").alias("team_id"),
        pl.lit("一队").alias("team_name"),
        pl.lit("D1").alias("dealer_id"),
        pl.lit("employee").alias("employment"),
        pl.lit(3, pl.Int64).alias("surveys"),
        pl.lit(847, pl.Int64).alias("rating_num"),
        pl.lit(200, pl.Int64).alias("rating_den"),
        pl.lit("4.235").alias("rating"),
        pl.lit("A").alias("grade"),
        *[pl.col(total.column) for total in KIND_TOTALS],
        deduction_after_cap().alias("deduction_fen"),
    )
    return Result(
        period=PERIOD,
        lines=lines,
        statements=statements.with_columns(net_of_totals().alias("net_fen")).select(
            as_schema(STATEMENTS_SCHEMA)
        ),
        ranking=pl.DataFrame({"team_id": ["T1"], "rank": [1]}),
        surveys=pl.DataFrame(),
        about={"plan": {"id": "benchmark"}},
        draft=False,
    )


@dataclass(frozen=True, slots=True)
class Report:
    lines: int
    seconds: float
    cpu_seconds: float
    xlsx: Path
    csv: Path
    sheets: int
    resident_before_gib: float
    peak_rss_gib: float
    deflate: str

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else float("inf")

    def __str__(self) -> str:
        return (
            f"{self.lines:,} lines in {self.seconds:.2f} s ({self.cpu_seconds:.1f} s CPU): "
            f"{self.lines_per_second:,.0f} lines/s; {self.xlsx.stat().st_size / 1e6:,.0f} MB "
            f"workbook, {self.sheets} sheets; memory {self.resident_before_gib:.2f} GiB with the "
            f"result, peak {self.peak_rss_gib:.2f} GiB while exporting; deflate by {self.deflate}"
        )


def _memory_gib(field: str) -> float | None:
    """``VmRSS`` or ``VmHWM`` (peak) of this process from ``/proc``, where there is one."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for row in status.splitlines():
        if row.startswith(f"{field}:"):
            return int(row.split()[1]) / 2**20  # kB
    return None


def _reset_peak() -> None:
    """Start ``VmHWM`` afresh (Linux), so the peak measured is the export's own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def run(count: int, out_dir: Path, *, installers: int = 200_000) -> Report:
    result = synthetic_result(count, installers)
    gc.collect()
    before = _memory_gib("VmRSS") or 0.0
    _reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    files = export_period(result, out_dir)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = _memory_gib("VmHWM")
    if peak is None:  # no /proc: the whole process's peak, synthesis included
        import resource  # POSIX only

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return Report(
        lines=count,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        xlsx=files.xlsx,
        csv=files.csv,
        sheets=len(files.sheets),
        resident_before_gib=before,
        peak_rss_gib=peak,
        deflate=DEFLATE.__name__,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("lines", type=int, help="how many lines to export, e.g. 5000000")
    parser.add_argument("--installers", type=int, default=200_000)
    parser.add_argument("--out", type=Path, help="folder for the files (default: a temporary one)")
    args = parser.parse_args(argv)
    if args.out is not None:
        print(run(args.lines, args.out, installers=args.installers))
        return
    with tempfile.TemporaryDirectory() as folder:
        print(run(args.lines, Path(folder), installers=args.installers))


if __name__ == "__main__":
    main(sys.argv[1:])
