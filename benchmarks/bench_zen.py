"""Benchmark: the per-event rules evaluated record by record with a rule engine (zen-engine).

    python benchmarks/bench_compute.py --repeat 3      # the engine's figures (JSON)
    python benchmarks/bench_zen.py --sample 100000

The `standard` plan's per-event rules (five_star, low_score, complaint_upheld and
complaint_shared by severity, grievance, revisit_unresolved, late_arrival, overdue) are written
as one GoRules JDM decision table (hit policy "collect": every rule that matches gives a line),
and evaluated with the ``zen`` package one event at a time, as a service calling a rule engine
per record would.

Everything that is not a per-record test is precomputed in polars and handed to zen as input,
which favours zen: the counted surveys of the period, the job facts "has a complaint where the
installer is at fault / excused" over all complaints, the working-day deadline of each job (as a
day number), timestamps as epoch seconds. Building the input dicts is not timed; only the loop
of ``decision.evaluate(record)`` is.

The events are a sample (``--sample``, stratified by source in the month's proportions, fixed
seed). Each zen result is checked against the engine's lines for the same event (the engine
is run once here for that), and the throughput in events per second is compared with the
engine's on the whole month: the month's events divided by the median *whole* ``pipeline.run``
time from benchmarks/bench_compute.py (conservative: that time also covers the per-period rules,
caps, statements, ranking, explanations and checksums), and, for reference, divided by the
per-event stages only (counting + per-event rules + split).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from floor import month_bounds  # noqa: E402

DEFAULT_DB = HERE / "data" / "national.db"
DEFAULT_COMPUTE_JSON = HERE / "data" / "bench_compute.json"
DEFAULT_JSON = HERE / "data" / "bench_zen.json"
ZONE = "Asia/Shanghai"
PER_EVENT_STAGES = ("counting", "per-event rules", "split")


# -- the decision ---------------------------------------------------------------------------------

INPUTS = [
    # (column id, name, field expression evaluated on the record)
    ("source", "Source", "source"),
    ("overall", "Overall score", "overall"),
    ("fault", "Job has an at-fault complaint", "job_has_fault"),
    ("excused", "Job has an excused complaint", "job_has_excused"),
    ("resp", "Responsibility", "responsibility"),
    ("severity", "Severity", "severity"),
    ("reached", "Revisit reached", "reached"),
    ("resolved", "Issue resolved", "issue_resolved"),
    ("late", "Seconds after appointment end", "arrived_at - appointment_end"),
    ("overdue", "Days after deadline", "completed_day - deadline_day"),
]
OUTPUTS = [
    ("rule", "Rule", "rule_id"),
    ("kind", "Kind", "kind"),
    ("amount", "Amount (fen)", "amount_fen"),
]


def _rule(rule_id: str, kind: str, fen: int, **cells: str) -> dict[str, str]:
    row = {column: cells.get(column, "") for column, _, _ in INPUTS}
    row.update(rule=json.dumps(rule_id), kind=json.dumps(kind), amount=str(fen))
    return row


def decision_rules() -> list[dict[str, str]]:
    """The per-event rules of REFERENCE_PLAN.md as decision-table rows (amounts in fen)."""
    rows = [
        _rule("five_star", "bonus", 1000, source='"survey"', overall=">= 5", fault="false"),
        _rule("low_score", "deduction", 3000, source='"survey"', overall="<= 2", excused="false"),
    ]
    for severity, fen in (("minor", 5000), ("major", 15000), ("severe", 30000)):
        rows.append(
            _rule(
                "complaint_upheld",
                "deduction",
                fen,
                source='"complaint"',
                resp='"installer"',
                severity=json.dumps(severity),
            )
        )
        rows.append(
            _rule(
                "complaint_shared",
                "deduction",
                fen // 2,
                source='"complaint"',
                resp='"shared"',
                severity=json.dumps(severity),
            )
        )
    rows += [
        _rule("grievance", "allowance", 5000, source='"complaint"', resp='"customer_unreasonable"'),
        _rule(
            "revisit_unresolved",
            "deduction",
            2000,
            source='"revisit"',
            reached="true",
            resolved="false",
        ),
        _rule("late_arrival", "deduction", 2000, source='"job"', late="> 1800"),
        _rule("overdue", "deduction", 2000, source='"job"', overdue="> 0"),
    ]
    for number, row in enumerate(rows, start=1):
        row["_id"] = f"r{number}"
    return rows


def decision_graph() -> dict[str, Any]:
    """A JDM graph: input → one decision table (collect) → output."""
    table = {
        "hitPolicy": "collect",
        "inputs": [{"id": c, "name": n, "field": f} for c, n, f in INPUTS],
        "outputs": [{"id": c, "name": n, "field": f} for c, n, f in OUTPUTS],
        "rules": decision_rules(),
    }
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "event", "position": {"x": 0, "y": 0}},
            {
                "id": "rules",
                "type": "decisionTableNode",
                "name": "per-event rules",
                "position": {"x": 250, "y": 0},
                "content": table,
            },
            {"id": "out", "type": "outputNode", "name": "lines", "position": {"x": 500, "y": 0}},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "rules", "type": "edge"},
            {"id": "e2", "sourceId": "rules", "targetId": "out", "type": "edge"},
        ],
    }


# -- the events, with their facts precomputed -----------------------------------------------------


def event_records(
    frames: dict[str, pl.DataFrame], counted_ids: pl.Series, period: str, calendar: Any
) -> dict[str, pl.DataFrame]:
    """Per source, the month's events as flat records of plain values (the rule inputs)."""
    zone = ZoneInfo(ZONE)
    start, end = month_bounds(period, zone)

    def in_month(column: str) -> pl.Expr:
        return pl.col(column).is_between(pl.lit(start), pl.lit(end), closed="left")

    def epoch_s(column: str) -> pl.Expr:
        return pl.col(column).dt.epoch("s")

    complaints = frames["complaints"]
    facts = complaints.group_by("job_id").agg(
        (pl.col("responsibility") == "installer").any().alias("job_has_fault"),
        pl.col("responsibility")
        .is_in(["customer_unreasonable", "product", "logistics"])
        .any()
        .alias("job_has_excused"),
    )
    surveys = (
        frames["surveys"]
        .filter(pl.col("survey_id").is_in(counted_ids.implode()))
        .join(facts, on="job_id", how="left")
        .select(
            pl.lit("survey").alias("source"),
            pl.col("survey_id").alias("source_id"),
            pl.col("overall").cast(pl.Int64),
            pl.col("job_has_fault").fill_null(False),
            pl.col("job_has_excused").fill_null(False),
        )
    )
    resolved = complaints.filter(in_month("resolved_at")).select(
        pl.lit("complaint").alias("source"),
        pl.col("complaint_id").alias("source_id"),
        "responsibility",
        "severity",
    )
    revisits = (
        frames["revisits"]
        .filter(in_month("revisited_at"))
        .select(
            pl.lit("revisit").alias("source"),
            pl.col("revisit_id").alias("source_id"),
            "reached",
            "issue_resolved",
        )
    )
    local = pl.col("completed_at").dt.convert_time_zone(ZONE).dt.date()
    created = pl.col("created_at").dt.convert_time_zone(ZONE).dt.date()
    jobs = (
        frames["jobs"]
        .filter(in_month("completed_at"))
        .select(
            pl.lit("job").alias("source"),
            pl.col("job_id").alias("source_id"),
            epoch_s("arrived_at").alias("arrived_at"),
            epoch_s("appointment_end").alias("appointment_end"),
            local.cast(pl.Int64).alias("completed_day"),
            calendar.deadline_expr(created, pl.col("promised_days"))
            .cast(pl.Int64)
            .alias("deadline_day"),
        )
    )
    return {"survey": surveys, "complaint": resolved, "revisit": revisits, "job": jobs}


def stratified_sample(
    events: dict[str, pl.DataFrame], size: int, seed: int
) -> list[dict[str, Any]]:
    total = sum(frame.height for frame in events.values())
    records: list[dict[str, Any]] = []
    for number, (_source, frame) in enumerate(events.items()):
        take = min(frame.height, round(size * frame.height / total))
        records.extend(frame.sample(take, seed=seed + number).to_dicts())
    random.Random(seed).shuffle(records)
    # Drop null fields: a missing input and a null one behave the same in zen.
    return [{k: v for k, v in record.items() if v is not None} for record in records]


# -- the check against the engine -----------------------------------------------------------------


def engine_hits(lines: pl.DataFrame) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """(source, source_id) → sorted [(rule_id, signed whole amount)] from the engine's lines."""
    per_event = (
        lines.filter(pl.col("source").is_in(["survey", "complaint", "revisit", "job"]))
        .group_by("source", "source_id", "rule_id")
        .agg(pl.col("amount_fen").sum())
    )
    hits: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for source, source_id, rule_id, amount in per_event.iter_rows():
        hits.setdefault((source, source_id), []).append((rule_id, int(amount)))
    return {key: sorted(value) for key, value in hits.items()}


SIGN = {"bonus": 1, "allowance": 1, "deduction": -1}


def zen_hits(result: list[dict[str, Any]]) -> list[tuple[str, int]]:
    return sorted((r["rule_id"], SIGN[r["kind"]] * int(r["amount_fen"])) for r in result)


# -- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--period", default="2025-10")
    parser.add_argument("--sample", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compute-json", type=Path, default=DEFAULT_COMPUTE_JSON)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--batch", action="store_true", help="also time zen's evaluate_batch")
    args = parser.parse_args()

    import zen

    from scoring import pipeline
    from scoring.rules import load_plan, standard_plan_path
    from scoring.store import open_store
    from scoring.store.records import load_all
    from scoring.workdays import WorkCalendar

    calendar = WorkCalendar.load()
    with open_store(f"sqlite:///{args.db.resolve()}", migrate=False) as store:
        frames = load_all(store)

    # The engine once: the reference for every sampled event, and the counted surveys.
    t0 = time.perf_counter()
    result = pipeline.run(
        args.period,
        load_plan(standard_plan_path()),
        frames,
        calendar=calendar,
        zone=ZoneInfo(ZONE),
    )
    engine_here = time.perf_counter() - t0
    counted_ids = result.surveys.filter(pl.col("counted")).get_column("survey_id")
    expected = engine_hits(result.lines)

    events = event_records(frames, counted_ids, args.period, calendar)
    month_events = {source: frame.height for source, frame in events.items()}
    month_events["all"] = sum(month_events.values())
    records = stratified_sample(events, args.sample, args.seed)
    del frames, events

    graph = json.dumps(decision_graph())
    engine = zen.ZenEngine()
    decision = engine.create_decision(graph)
    decision.validate()
    for record in records[:1000]:  # warm-up
        decision.evaluate(record)

    # With hit policy "collect", a result is the list of the matching rules' outputs.
    results: list[Any] = []
    t0 = time.perf_counter()
    for record in records:
        results.append(decision.evaluate(record)["result"])
    zen_seconds = time.perf_counter() - t0

    batch_seconds = None
    if args.batch:
        loader = zen.ZenEngine({"loader": lambda _key: graph})
        requests: list[Any] = [{"key": "standard", "context": record} for record in records]
        t0 = time.perf_counter()
        loader.evaluate_batch(requests)
        batch_seconds = time.perf_counter() - t0

    wrong = []
    for record, got in zip(records, results, strict=True):
        want = expected.get((record["source"], record["source_id"]), [])
        found = zen_hits(got)
        if found != want:
            wrong.append({"record": record, "zen": found, "engine": want})
    hits = sum(len(r) for r in results)

    zen_eps = len(records) / zen_seconds
    report: dict[str, Any] = {
        "sample": len(records),
        "sample_hits": hits,
        "zen_seconds": zen_seconds,
        "zen_us_per_event": 1e6 * zen_seconds / len(records),
        "zen_events_per_s": zen_eps,
        "zen_batch_events_per_s": len(records) / batch_seconds if batch_seconds else None,
        "month_events": month_events,
        "disagreements": len(wrong),
        "disagreement_examples": wrong[:5],
        "engine_evaluate_here_s": engine_here,
    }
    compute = json.loads(args.compute_json.read_text()) if args.compute_json.exists() else None
    if compute is not None:
        evaluate = float(compute["median"]["evaluate"])
        per_event = sum(float(compute["median_stages"][s]) for s in PER_EVENT_STAGES)
        report["engine_from"] = str(args.compute_json)
    else:
        evaluate = engine_here
        per_event = None
        report["engine_from"] = "this process (one run; no bench_compute JSON)"
    report["engine_evaluate_s"] = evaluate
    report["engine_events_per_s"] = month_events["all"] / evaluate
    report["ratio_engine_over_zen"] = report["engine_events_per_s"] / zen_eps
    if per_event:
        report["engine_per_event_stages_s"] = per_event
        report["engine_events_per_s_per_event_stages"] = month_events["all"] / per_event
        report["ratio_per_event_stages"] = month_events["all"] / per_event / zen_eps
    report["zen_month_extrapolated_s"] = month_events["all"] / zen_eps
    if batch_seconds:
        report["ratio_engine_over_zen_batch"] = report["engine_events_per_s"] / (
            len(records) / batch_seconds
        )

    print(
        f"zen: {len(records):,} events record by record in {zen_seconds:.2f} s = "
        f"{zen_eps:,.0f} events/s ({report['zen_us_per_event']:.1f} µs/event); "
        f"whole month ({month_events['all']:,} events) would take "
        f"{report['zen_month_extrapolated_s']:.0f} s"
    )
    if batch_seconds:
        print(f"zen evaluate_batch: {len(records) / batch_seconds:,.0f} events/s")
    print(
        f"engine: {month_events['all']:,} events in {evaluate:.2f} s (whole pipeline.run, "
        f"median, {report['engine_from']}) = {report['engine_events_per_s']:,.0f} events/s; "
        f"engine/zen throughput {report['ratio_engine_over_zen']:.1f}x"
    )
    if per_event:
        print(
            f"  per-event stages only ({per_event:.2f} s): {report['ratio_per_event_stages']:.1f}x"
        )
    print(f"zen vs engine lines on the sample: {len(wrong)} events differ")
    for example in wrong[:5]:
        print(f"  {example}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str))
    print(f"written {args.json}")
    if wrong:
        sys.exit("zen and the engine disagree on some events")


if __name__ == "__main__":
    main()
