"""Generate a sample network and month as input files for the benchmarks.

    python benchmarks/generate.py --scale national --out benchmarks/data/2025-10 \\
        --period 2025-10 --seed 7

Prints the time each step took and the rows of each file. CSV is written with polars (fast at
any scale); XLSX (``--format xlsx``) and ``--chinese`` are meant for small scales.
生成基准测试用的输入文件,并打印耗时与各文件行数。
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

try:
    from scoring.demo_data import SCALES, generate, write_files
except ModuleNotFoundError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from scoring.demo_data import SCALES, generate, write_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", choices=sorted(SCALES), default="national")
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    parser.add_argument("--period", default="2025-10", help="month YYYY-MM (default 2025-10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", dest="fmt")
    parser.add_argument(
        "--chinese", action="store_true", help="Chinese file names, headers and labels"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    try:
        tables = generate(args.period, scale=SCALES[args.scale], seed=args.seed)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    generated = time.perf_counter()
    paths = write_files(tables, args.out, fmt=args.fmt, chinese=args.chinese)
    written = time.perf_counter()

    print(f"scale {args.scale}, period {args.period}, seed {args.seed} → {args.out}")
    for (name, frame), path in zip(tables.items(), paths, strict=True):
        size_mib = path.stat().st_size / 2**20
        print(f"  {name:<11} {frame.height:>10,} rows  {size_mib:>8.1f} MiB  {path.name}")
    print(
        f"generated in {generated - started:.2f} s, written in {written - generated:.2f} s, "
        f"total {written - started:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
