"""The generated arrays as input files have them: text columns with the English headers of
CONTRACT.md, blank (null) where an optional field is not given.

生成结果转为输入文件的样子:全部为文本列,英文表头,可选字段留空。
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from scoring import entities
from scoring.demo_data.clock import Month
from scoring.demo_data.complaints import (
    CATEGORIES,
    RESOLUTION_TEXTS,
    RESPONSIBILITIES,
    SEVERITIES,
    Complaints,
)
from scoring.demo_data.jobs import NONE, SERVICE_TYPES, SHARES_OF_THREE, SHARES_OF_TWO, Jobs
from scoring.demo_data.network import NO_MONEY, Network, Roster
from scoring.demo_data.revisits import NOTES, Revisits
from scoring.demo_data.sampling import IntArray, grouped
from scoring.demo_data.surveys import CHANNELS, COMMENTS, DIMENSIONS, Surveys
from scoring.demo_data.vocab import PRODUCTS
from scoring.money import yuan_text_expr

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S"
_TEAM_KINDS = ("in_house", "outsourced")
_PRODUCT_TEXTS, _PRODUCT_START, _ = grouped([PRODUCTS[s] for s in SERVICE_TYPES])


def to_tables(
    month: Month,
    network: Network,
    roster: Roster,
    jobs: Jobs,
    complaints: Complaints,
    surveys: Surveys,
    revisits: Revisits,
) -> dict[str, pl.DataFrame]:
    stamp = f"{month.year:04d}{month.month:02d}"
    dealer_ids = _ids("D", len(network.dealer_names), 3)
    team_ids = _ids("T", len(network.team_names), 4)
    installer_ids = _ids("I", len(network.installer_names), 5)
    job_ids = _ids(f"WO{stamp}", jobs.size, 7)
    columns: dict[str, dict[str, pl.Series]] = {
        "dealers": {"dealer_id": dealer_ids, "name": pl.Series(network.dealer_names)},
        "teams": {
            "team_id": team_ids,
            "name": pl.Series(network.team_names),
            "dealer_id": dealer_ids.gather(network.team_dealer),
            "kind": _pick(_TEAM_KINDS, network.team_kind),
            "region": pl.Series(network.team_regions, dtype=pl.String),
        },
        "installers": {
            "installer_id": installer_ids,
            "name": pl.Series(network.installer_names),
            "team_id": team_ids.gather(network.installer_team),
            "employment": _pick(("contractor", "employee"), network.employee.astype(np.int64)),
            "base_monthly_wage": _wage_text(network.base_wage),
            "local_min_wage": _money_text(network.min_wage),
            "active_from": _dates(roster.active_from),
            "active_to": _dates(roster.active_to),
        },
        "jobs": {
            "job_id": job_ids,
            "installer_ids": _crew_text(installer_ids, jobs),
            "service_type": _pick(SERVICE_TYPES, jobs.service),
            "product_category": _pick(
                _PRODUCT_TEXTS,
                np.where(jobs.product == NONE, NONE, _PRODUCT_START[jobs.service] + jobs.product),
            ),
            "created_at": _timestamps(jobs.created),
            "appointment_start": _timestamps(jobs.appointment_start),
            "appointment_end": _timestamps(jobs.appointment_end),
            "arrived_at": _timestamps(jobs.arrived),
            "completed_at": _timestamps(jobs.completed),
            "promised_days": _integers(jobs.promised_days),
        },
        "surveys": {
            "survey_id": _ids(f"SV{stamp}", surveys.size, 7),
            "job_id": job_ids.gather(surveys.job),
            "surveyed_at": _timestamps(surveys.surveyed),
            "channel": _pick(CHANNELS, surveys.channel),
            "overall": _integers(surveys.overall),
            **{name: _integers(surveys.dimensions[:, i]) for i, name in enumerate(DIMENSIONS)},
            "promise_kept": _booleans(surveys.promise_kept),
            "comment": _pick(COMMENTS, surveys.comment),
        },
        "revisits": {
            "revisit_id": _ids(f"RV{stamp}", revisits.size, 7),
            "job_id": job_ids.gather(revisits.job),
            "revisited_at": _timestamps(revisits.revisited),
            "reached": _booleans(revisits.reached),
            "issue_resolved": _booleans(revisits.issue_resolved),
            "customer_satisfied": _booleans(revisits.customer_satisfied),
            "note": _pick(NOTES, revisits.note),
        },
        "complaints": {
            "complaint_id": _ids(f"CP{stamp}", complaints.size, 6),
            "job_id": job_ids.gather(complaints.job),
            "installer_id": _gather(installer_ids, complaints.installer),
            "received_at": _timestamps(complaints.received),
            "category": _pick(CATEGORIES, complaints.category),
            "severity": _pick(SEVERITIES, complaints.severity),
            "responsibility": _pick(RESPONSIBILITIES, complaints.responsibility),
            "resolved_at": _timestamps(complaints.resolved),
            "customer_satisfied_with_resolution": _booleans(complaints.satisfied),
            "escalated": _booleans(complaints.escalated),
            "escalated_at": _timestamps(complaints.escalated_at),
            "resolution": _pick(RESOLUTION_TEXTS, complaints.resolution),
        },
    }
    tables: dict[str, pl.DataFrame] = {}
    for entity in entities.ENTITIES:
        data = columns[entity.name]
        names = [f.name for f in entity.fields]
        if list(data) != names:  # a programmer error: the contract changed
            raise AssertionError(f"{entity.name}: columns {list(data)} != contract {names}")
        tables[entity.name] = pl.DataFrame(
            [series.alias(name).cast(pl.String) for name, series in data.items()]
        )
    return tables


def _ids(prefix: str, count: int, width: int) -> pl.Series:
    width = max(width, len(str(count)))
    numbers = pl.int_range(1, count + 1, eager=True).cast(pl.String).str.zfill(width)
    return (prefix + numbers).alias("id")


def _codes(codes: IntArray) -> pl.Series:
    series = pl.Series(codes, dtype=pl.Int64)
    return pl.select(pl.when(series >= 0).then(series)).to_series()


def _gather(values: pl.Series, codes: IntArray) -> pl.Series:
    """``values[code]``, null where the code is NONE."""
    return values.gather(_codes(codes))


def _pick(values: Sequence[str], codes: IntArray) -> pl.Series:
    return _gather(pl.Series(list(values), dtype=pl.String), codes)


def _timestamps(seconds: IntArray) -> pl.Series:
    micros = _codes(seconds) * 1_000_000
    return micros.cast(pl.Datetime("us")).dt.strftime(TIMESTAMP_FORMAT)


def _dates(days: IntArray) -> pl.Series:
    return _codes(days).cast(pl.Int32).cast(pl.Date).dt.strftime("%Y-%m-%d")


def _integers(values: IntArray) -> pl.Series:
    return _codes(values).cast(pl.String)


def _booleans(values: IntArray) -> pl.Series:
    return _pick(("false", "true"), values)


def _money_text(fen: IntArray) -> pl.Series:
    """Yuan with two decimals (``2490.00``); blank for NO_MONEY."""
    return _fen_text(fen, yuan_text_expr("fen"))


def _wage_text(fen: IntArray) -> pl.Series:
    """Whole yuan without decimals (``5200``), else two decimals (``5234.50``); as HR writes;
    blank for NO_MONEY."""
    fen_col = pl.col("fen")
    whole = (fen_col // 100).cast(pl.String)
    return _fen_text(fen, pl.when(fen_col % 100 == 0).then(whole).otherwise(yuan_text_expr("fen")))


def _fen_text(fen: IntArray, text: pl.Expr) -> pl.Series:
    """``text`` of the column ``fen``; blank (null) for NO_MONEY."""
    series = pl.Series("fen", np.where(fen == NO_MONEY, 0, fen), dtype=pl.Int64)
    frame = pl.DataFrame([series, pl.Series("blank", fen == NO_MONEY)])
    return frame.select(pl.when(~pl.col("blank")).then(text)).to_series()


def _crew_text(installer_ids: pl.Series, jobs: Jobs) -> pl.Series:
    """``I00001``, ``I00001;I00002`` (equal shares) or ``I00001:0.6;I00002:0.4``."""
    three = jobs.installers[:, 2] != NONE
    of_two = np.where(three, NONE, jobs.share_style)
    of_three = np.where(three, jobs.share_style, NONE)
    parts: list[pl.Series] = []
    for i in range(3):
        share = _pick([s[i] for s in SHARES_OF_THREE], of_three)
        if i < 2:
            share = _pick([s[i] for s in SHARES_OF_TWO], of_two).fill_null(share)
        parts.append(_gather(installer_ids, jobs.installers[:, i]).alias(f"m{i}"))
        parts.append(share.alias(f"s{i}"))

    def member(i: int) -> pl.Expr:
        text = pl.concat_str([pl.col(f"m{i}"), pl.lit(":") + pl.col(f"s{i}")], ignore_nulls=True)
        return pl.when(pl.col(f"m{i}").is_not_null()).then(text if i == 0 else ";" + text)

    return (
        pl.DataFrame(parts)
        .select(pl.concat_str([member(0), member(1), member(2)], ignore_nulls=True))
        .to_series()
    )
