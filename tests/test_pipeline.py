"""The whole chain: statements, prior lines, about, errors, and properties over random months."""

from __future__ import annotations

import subprocess
import sys
from functools import cache

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from scoring.checksums import table_checksum
from scoring.entities import ID_COLUMNS, new_id_type
from scoring.errors import CalendarError, InputError
from scoring.evaluate.ids import encode_ids
from scoring.pipeline import run
from scoring.result import LINES_SCHEMA, STATEMENTS_SCHEMA, SURVEY_STATUS_SCHEMA
from scoring.rules.load import load_plan_text
from scoring.rules.spec import Plan
from tests.test_evaluate_builders import (
    ZONE,
    World,
    calendar,
    plan_with,
    standard,
    standard_text,
    statement,
)


def small_world() -> World:
    world = World.basic()
    world.job("J1", {"I1": "0.6", "I2": "0.4"})
    world.survey("S1", "J1", overall=5)
    world.job("J2", {"I3": "1"})
    world.revisit("R1", "J2", issue_resolved=False)
    return world


def test_result_has_the_contract_shapes() -> None:
    result = small_world().run()
    assert result.period == "2025-10"
    assert result.lines.schema == LINES_SCHEMA
    assert result.statements.schema == STATEMENTS_SCHEMA
    assert result.surveys.schema == SURVEY_STATUS_SCHEMA
    assert result.ranking.height == 1
    assert result.statements["installer_id"].to_list() == ["I1", "I2", "I3"]


def test_lazy_and_eager_frames_give_the_same_result() -> None:
    world = small_world()
    eager = world.run()
    lazy = run(
        "2025-10",
        standard(),
        {k: v.lazy() for k, v in world.frames().items()},
        calendar=calendar(),
        zone=ZONE,
    )
    assert_frame_equal(eager.lines, lazy.lines)
    assert_frame_equal(eager.statements, lazy.statements)


def test_statements_list_installers_with_a_line_or_a_counted_survey() -> None:
    world = World.basic()
    world.job("J1", {"I1": "1"})
    world.survey("S1", "J1", overall=4)  # counted, pays nothing
    result = world.run()
    assert result.lines.height == 0
    assert result.statements["installer_id"].to_list() == ["I1"]
    assert statement(result, "I1")["net_fen"] == 0


def test_prior_lines_enter_the_statement_and_the_net() -> None:
    prior = pl.DataFrame(
        [
            {
                "period": "2025-10",
                "installer_id": "I1",
                "rule_id": "five_star",
                "kind": "adjustment",
                "amount_fen": -600,
                "source": "survey",
                "source_id": "S0",
                "job_id": "J0",
                "corrects_period": "2025-09",
                "explanation_zh": "更正",
                "explanation_en": "correction",
            },
            {
                "period": "2025-10",
                "installer_id": "I2",
                "rule_id": "manual",
                "kind": "manual",
                "amount_fen": 1234,
                "source": "manual",
                "source_id": "M1",
                "job_id": None,
                "corrects_period": None,
                "explanation_zh": "手工",
                "explanation_en": "manual",
            },
        ],
        schema=LINES_SCHEMA,
    )
    result = small_world().run(prior_lines=prior)
    i1, i2 = statement(result, "I1"), statement(result, "I2")
    assert i1["prior_period_adjustment_fen"] == -600
    assert i1["net_fen"] == 600 - 600
    assert i2["manual_adjustment_fen"] == 1234
    assert i2["net_fen"] == 400 + 1234
    assert result.lines.filter(pl.col("kind") == "adjustment")["corrects_period"].to_list() == [
        "2025-09"
    ]


def test_about_records_the_plan_and_every_input() -> None:
    result = small_world().run()
    about = result.about
    assert about["plan_id"] == "standard"
    assert about["plan_version"] == 1
    assert isinstance(about["plan_checksum"], str) and len(about["plan_checksum"]) == 64
    inputs = about["inputs"]
    assert isinstance(inputs, dict)
    assert inputs["jobs"]["rows"] == 2
    assert inputs["job_installers"]["rows"] == 3
    assert set(inputs) == {
        "dealers",
        "teams",
        "installers",
        "jobs",
        "job_installers",
        "surveys",
        "revisits",
        "complaints",
    }


def test_input_checksums_ignore_row_order_and_see_every_value() -> None:
    jobs = small_world().frames()["jobs"]
    base = table_checksum(jobs, ("job_id",))
    assert table_checksum(jobs.reverse(), ("job_id",)) == base
    changed = jobs.with_columns(pl.col("promised_days").fill_null(0))
    assert table_checksum(changed, ("job_id",)) != base


def test_checksums_of_rows_already_in_key_order_equal_those_sorted_first() -> None:
    shares = small_world().frames()["job_installers"]  # J1/I1, J1/I2, J2/I3: in key order
    keys = ("job_id", "installer_id")
    base = table_checksum(shares, keys)
    assert table_checksum(shares.reverse(), keys) == base
    assert table_checksum(shares.sample(fraction=1.0, shuffle=True, seed=3), keys) == base
    texts = pl.DataFrame({"id": ["b", None, "a"], "t": ["二", None, ""]})
    assert table_checksum(texts, ("id",)) == table_checksum(texts.reverse(), ("id",))


def test_input_checksums_are_stable_across_processes() -> None:
    code = (
        "import polars as pl, datetime as dt;"
        "from scoring.checksums import table_checksum;"
        "f = pl.DataFrame({'id': ['b', 'a'], 'n': [1, None], 'ok': [True, None],"
        " 't': [dt.datetime(2025, 1, 1, tzinfo=dt.UTC), None]});"
        "print(table_checksum(f, ('id',)))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(outputs) == 1


def test_a_deadline_in_a_year_the_calendar_does_not_know_is_an_error_naming_it() -> None:
    world = World.basic()
    world.job(
        "J1", {"I1": "1"}, created="2099-01-02 09:00", completed="2099-01-10 10:00", promised_days=2
    )
    with pytest.raises(CalendarError, match="2099"):
        world.run("2099-01")


def test_money_on_a_job_without_shares_is_an_error_not_a_silent_drop() -> None:
    world = World.basic()
    world.job("J1", {"I1": "1"})
    world.survey("S1", "J1")
    frames = world.frames()
    frames["job_installers"] = frames["job_installers"].clear()
    with pytest.raises(InputError, match="J1"):
        run("2025-10", standard(), frames, calendar=calendar(), zone=ZONE)


def test_a_bad_period_is_refused() -> None:
    # The one period parser (scoring.period.Period) refuses it as a bad input, quoting it.
    with pytest.raises(InputError, match="2025-13"):
        small_world().run("2025-13")


def test_a_period_as_typed_is_the_same_period() -> None:
    world = small_world()
    assert world.run(" ２０２５-１０ ").period == "2025-10"
    assert_frame_equal(world.run(" ２０２５-１０ ").lines, world.run("2025-10").lines)


# -- properties -------------------------------------------------------------------------------

AMOUNTS = ("0.01", "0.07", "0.10", "10.00", "99.99", "1234.57")


@cache
def plan_paying(amount: str, caps: bool = True) -> Plan:
    replacements = [('amount: "10.00"', f'amount: "{amount}"')]
    if not caps:
        replacements.append(('limit: {fixed: "1000.00"}', 'limit: {fixed: "1000000.00"}'))
        replacements.append(('percent_of_base_wage: "20"', 'percent_of_base_wage: "100"'))
        replacements.append(("keep_local_min_wage: true", "keep_local_min_wage: false"))
    return plan_with(replacements)


installers = st.sampled_from(["I1", "I2", "I3"])


@st.composite
def months(draw: st.DrawFn) -> World:
    world = World.basic()
    for n in range(draw(st.integers(1, 6))):
        people = draw(st.lists(installers, min_size=1, max_size=3, unique=True))
        weights = draw(st.lists(st.integers(1, 7), min_size=len(people), max_size=len(people)))
        total = sum(weights)
        world.job(f"J{n}", {p: f"{w}/{total}" for p, w in zip(people, weights, strict=True)})
        for k in range(draw(st.integers(0, 2))):
            world.survey(
                f"S{n}_{k}", f"J{n}", at=f"2025-10-1{k + 1} 10:00", overall=draw(st.integers(1, 5))
            )
        for k in range(draw(st.integers(0, 3))):
            world.complaint(
                f"C{n}_{k}",
                f"J{n}",
                severity=draw(st.sampled_from(["minor", "major", "severe"])),
                responsibility=draw(
                    st.sampled_from(["installer", "shared", "customer_unreasonable", "product"])
                ),
                installer_id=draw(st.one_of(st.none(), st.sampled_from(people))),
            )
    return world


PROPERTY = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(months(), st.sampled_from(AMOUNTS))
def test_splits_add_up_exactly_to_the_event_amount(world: World, amount: str) -> None:
    result = world.run(plan=plan_paying(amount))
    five = result.lines.filter(pl.col("rule_id") == "five_star")
    per_event = five.group_by("source_id").agg(pl.col("amount_fen").sum())
    fen = int(amount.replace(".", ""))
    assert per_event["amount_fen"].to_list() == [fen] * per_event.height
    possible = {
        "five_star": {fen},
        "low_score": {3000},
        "complaint_upheld": {5000, 15000, 30000},
        "complaint_shared": {2500, 7500, 15000},
        "grievance": {5000},
    }
    events = result.lines.filter(pl.col("source") != "period")
    whole = events.group_by("rule_id", "source_id").agg(pl.col("amount_fen").sum().abs())
    for rule_id, total in whole.select("rule_id", "amount_fen").iter_rows():
        assert total in possible[rule_id], (rule_id, total)


@PROPERTY
@given(months(), st.sampled_from(AMOUNTS))
def test_an_installers_lines_sum_to_its_net(world: World, amount: str) -> None:
    result = world.run(plan=plan_paying(amount))
    sums = result.lines.group_by("installer_id").agg(pl.col("amount_fen").sum().alias("lines"))
    joined = result.statements.join(sums, on="installer_id", how="left").with_columns(
        pl.col("lines").fill_null(0)
    )
    assert joined["net_fen"].to_list() == joined["lines"].to_list()
    deduction = joined["deduction_before_cap_fen"] - joined["deduction_waived_by_cap_fen"]
    assert (joined["deduction_fen"] == deduction).all()


@PROPERTY
@given(months(), st.sampled_from(AMOUNTS))
def test_caps_never_touch_bonuses_or_allowances(world: World, amount: str) -> None:
    capped = world.run(plan=plan_paying(amount)).statements
    free = world.run(plan=plan_paying(amount, caps=False)).statements
    assert capped["bonus_fen"].to_list() == free["bonus_fen"].to_list()
    assert capped["grievance_allowance_fen"].to_list() == free["grievance_allowance_fen"].to_list()
    assert (
        capped["deduction_before_cap_fen"].to_list() == free["deduction_before_cap_fen"].to_list()
    )
    assert (capped["deduction_waived_by_cap_fen"] >= 0).all()
    assert (capped["deduction_fen"] >= 0).all()
    assert (capped["deduction_fen"] <= capped["deduction_before_cap_fen"]).all()


# -- ids: the engine joins on Categorical codes, but everything reads and sorts as text --------

ID_RULES = """
  - id: id_text
    kind: bonus
    source: complaint
    when: installer_id == "I10" and starts_with(job_id, "J2") and job.job_id in ["J20", "J3"]
    amount: "1.00"
    split: charged_installer
    explain:
      zh: "投诉{complaint_id}工单{job_id}师傅{installer_id}:{amount}元"
      en: "complaint {complaint_id} job {job_id} installer {installer_id}: {amount}"
"""


def id_world() -> World:
    """Installers whose first appearance is not their text order ("I9" before "I10")."""
    world = World()
    world.dealer("D2")
    world.dealer("D1")
    world.team("T9", "D2")
    world.team("T10", "D1")
    for installer_id, team in (("I9", "T9"), ("I2", "T10"), ("I10", "T10")):
        world.installer(installer_id, team=team)
    # One fen left over among three equal shares goes to the first id in text order: I10.
    world.job("J3", {"I9": "1/3", "I2": "1/3", "I10": "1/3"})
    world.survey("S3", "J3", overall=5)
    world.job("J20", {"I10": "1"})
    world.complaint("C1", "J20", responsibility="product", installer_id="I10")
    return world


def test_ids_come_out_as_text_in_text_order_whatever_their_first_appearance() -> None:
    result = id_world().run(plan=plan_with(extra_rules=ID_RULES))
    for frame in (result.lines, result.statements, result.ranking, result.surveys):
        for name in ("installer_id", "job_id", "team_id", "dealer_id", "survey_id"):
            if name in frame.columns:
                assert frame.schema[name] == pl.String, (name, frame.schema[name])
    assert result.statements["installer_id"].to_list() == ["I10", "I2", "I9"]
    assert result.lines["installer_id"].to_list() == sorted(result.lines["installer_id"])
    assert result.ranking["dealer_id"].to_list() == ["D1", "D2"]
    five = result.lines.filter(pl.col("rule_id") == "five_star")
    assert dict(zip(five["installer_id"], five["amount_fen"], strict=True)) == {
        "I10": 334,
        "I2": 333,
        "I9": 333,
    }
    assert five.filter(pl.col("installer_id") == "I10")["explanation_en"].item().endswith("3.34")


def test_a_plan_condition_and_explanation_see_ids_as_text() -> None:
    result = id_world().run(plan=plan_with(extra_rules=ID_RULES))
    line = result.lines.filter(pl.col("rule_id") == "id_text")
    assert line["installer_id"].to_list() == ["I10"]
    assert line["amount_fen"].to_list() == [100]
    assert line["explanation_en"].item() == "complaint C1 job J20 installer I10: 1.00"


def test_carried_and_prior_lines_join_the_encoded_lines() -> None:
    carried = pl.DataFrame(
        {"installer_id": ["I9"], "amount_fen": [250], "period": ["2025-09"]},
        schema={"installer_id": pl.String, "amount_fen": pl.Int64, "period": pl.String},
    )
    result = id_world().run(carried_in=carried)
    line = result.lines.filter(pl.col("rule_id") == "carried_deduction")
    assert line.select("installer_id", "amount_fen", "job_id").rows() == [("I9", -250, None)]
    assert statement(result, "I9")["deduction_before_cap_fen"] == 250


def test_a_plan_without_per_event_rules_pays_its_period_rules_only() -> None:
    data = yaml.safe_load(standard_text())
    data["rules"] = []
    plan = load_plan_text(yaml.safe_dump(data, allow_unicode=True), "period-only.yaml")
    world = id_world()
    for n in range(3):  # three counted 5-star surveys: rated, grade A
        world.job(f"J9{n}", {"I9": "1"})
        world.survey(f"S9{n}", f"J9{n}", overall=5)
    result = world.run(plan=plan)
    assert set(result.lines["source"]) == {"period"}
    assert result.lines.filter(pl.col("installer_id") == "I9")["rule_id"].to_list() == [
        "grade_bonus"
    ]
    assert result.lines.schema == LINES_SCHEMA


def test_explanations_come_out_the_same_whatever_the_slice_size() -> None:
    from scoring.evaluate.explanations import explain_lines
    from scoring.rules.templates import text_layouts

    layouts = text_layouts(
        {
            0: {"zh": "{x}{share}计{part}元", "en": "{x} {share} = {part}"},
            1: {"zh": "{y}{part}", "en": "{y} {part}"},
        }
    )
    # Segment 0 names a field: kept per event; the others are each rule's literal text.
    assert [layouts[lang].columns for lang in ("zh", "en")] == [
        ["explanation_zh_0"],
        ["explanation_en_0"],
    ]
    texts = pl.DataFrame(
        {
            "_text": pl.Series([0, 1], dtype=pl.UInt32),
            "_explanation_zh_0": ["甲", "乙"],
            "_explanation_en_0": ["a ", "b "],
        }
    )
    # Lines not in event order (texts 1, 0, 1, 0), with lines that keep their texts between.
    lines = pl.DataFrame(
        {
            "installer_id": ["I0", "I1", "I1", "I2", "I2", "I3"],
            "kind": ["bonus", "deduction", "bonus", "bonus", "bonus", "deduction"],
            "amount_fen": [100, -1500, 334, 100, 333, -250],
            "share_text": [None, "100%", "1/3", "1/2", "1/3", None],
            "_seq": pl.Series([8, 1, 0, 1, 0, 9], dtype=pl.Int32),
            "_text": pl.Series([None, 1, 0, 1, 0, None], dtype=pl.UInt32),
            "explanation_zh": ["等级奖", None, None, None, None, "结转"],
            "explanation_en": ["grade", None, None, None, None, "carried"],
        }
    )
    expected_zh = ["等级奖", "乙15.00", "甲1/3计3.34元", "乙1.00", "甲1/3计3.33元", "结转"]
    expected_en = ["grade", "b 15.00", "a 1/3 = 3.34", "b 1.00", "a 1/3 = 3.33", "carried"]
    for rows in (1, 3, 4, 6, 100):
        got = explain_lines(lines, texts, layouts, rows_at_once=rows)
        assert got["explanation_zh"].to_list() == expected_zh, rows
        assert got["explanation_en"].to_list() == expected_en, rows
        assert got.drop("explanation_zh", "explanation_en").equals(
            lines.drop("explanation_zh", "explanation_en")
        )


def test_a_template_is_cut_at_the_values_of_each_line() -> None:
    from scoring.rules.templates import text_layouts

    layouts = text_layouts(
        {
            0: {"zh": "{installer_id}:{share}/{share}", "en": "fixed"},
            1: {"zh": "工单{job_id}{part}元", "en": "{part} for {job_id}"},
        }
    )
    zh, en = layouts["zh"], layouts["en"]
    assert zh.values == 3
    assert zh.per_event == (0,)  # rule 1 names job_id before its first value
    assert zh.rules == 2
    assert zh.literal == {1: {0: ":", 1: "元"}, 2: {0: "/", 1: ""}, 3: {0: "", 1: ""}}
    assert zh.names == {0: {0: "installer_id", 1: "part"}, 1: {0: "share"}, 2: {0: "share"}}
    assert en.values == 1 and en.per_event == (1,) and en.literal == {0: {0: "fixed", 1: ""}}


def encoded(frames: dict[str, pl.DataFrame], dtype: pl.DataType) -> dict[str, pl.DataFrame]:
    """The frames with their id columns cast to ``dtype`` (as load_all(ids=dtype) gives)."""
    return {
        name: frame.with_columns(pl.col([c for c in ID_COLUMNS if c in frame.columns]).cast(dtype))
        for name, frame in frames.items()
    }


def test_frames_given_with_encoded_ids_give_the_same_result_and_checksums() -> None:
    world = id_world()
    plan = plan_with(extra_rules=ID_RULES)
    plain = world.run(plan=plan)
    # Categories filled in another order than the text's: "J3" before "J20", "I9" before "I10".
    dtype = new_id_type()
    pl.Series(["S3", "J3", "J20", "I9", "I2", "I10", "T9", "T10", "D2", "D1"]).cast(dtype)
    frames = encoded(world.frames(), dtype)
    given = run("2025-10", plan, frames, calendar=calendar(), zone=ZONE)
    for name in ("lines", "statements", "ranking", "surveys"):
        assert_frame_equal(getattr(given, name), getattr(plain, name))
    assert given.about["inputs"] == plain.about["inputs"]
    # Handed on as they are: no second copy of the ids, no second categories.
    handed = encode_ids(frames)
    assert all(handed[name] is frame for name, frame in frames.items())


def test_frames_with_ids_of_different_categories_are_encoded_afresh() -> None:
    world = id_world()
    plain = world.run()
    frames = world.frames()
    frames["jobs"] = encoded({"jobs": frames["jobs"]}, new_id_type())["jobs"]
    frames["surveys"] = encoded({"surveys": frames["surveys"]}, new_id_type())["surveys"]
    again = encode_ids(frames)
    assert (
        len({again[name].schema["job_id"] for name in ("jobs", "surveys", "job_installers")}) == 1
    )
    mixed = run("2025-10", standard(), frames, calendar=calendar(), zone=ZONE)
    assert_frame_equal(mixed.lines, plain.lines)
    assert_frame_equal(mixed.statements, plain.statements)


def test_checksums_see_encoded_ids_as_their_text_in_text_order() -> None:
    shares = small_world().frames()["job_installers"]
    keys = ("job_id", "installer_id")
    dtype = new_id_type()
    pl.Series(["J2", "I3", "I2", "J1", "I1"]).cast(dtype)  # codes against the text order
    codes = encoded({"s": shares}, dtype)["s"]
    base = table_checksum(shares, keys)
    assert table_checksum(codes, keys) == base
    assert table_checksum(codes.reverse(), keys) == base


TWICE_RULES = """
  - id: twice
    kind: bonus
    source: survey
    when: overall == 5
    amount: "1.00"
    split: shares
    explain:
      zh: "{installer_id}份额{share}计{part}元(份额{share},{part}元,{installer_id})"
      en: "{installer_id}: {share} = {part} ({share}, {part}, {installer_id})"
"""


def test_a_placeholder_used_twice_is_filled_in_both_places() -> None:
    result = id_world().run(plan=plan_with(extra_rules=TWICE_RULES))
    lines = result.lines.filter(pl.col("rule_id") == "twice").sort("installer_id")
    assert lines["explanation_zh"].to_list() == [
        "I10份额1/3计0.34元(份额1/3,0.34元,I10)",
        "I2份额1/3计0.33元(份额1/3,0.33元,I2)",
        "I9份额1/3计0.33元(份额1/3,0.33元,I9)",
    ]
    assert lines["explanation_en"].to_list() == [
        "I10: 1/3 = 0.34 (1/3, 0.34, I10)",
        "I2: 1/3 = 0.33 (1/3, 0.33, I2)",
        "I9: 1/3 = 0.33 (1/3, 0.33, I9)",
    ]


def test_lines_and_surveys_are_in_text_order_when_the_rows_are_not_in_key_order() -> None:
    """Tables not in key order (their ranks come from sorting them), several events of one
    source per job, and ids whose first appearance is not their text order."""
    world = World.basic()
    for job_id in ("J3", "J20", "J100"):
        world.job(job_id, {"I1": "1/2", "I2": "1/2"})
        world.survey(f"S{job_id[1:]}", job_id, at="2025-10-12 10:00", overall=1)
        for revisit in ("9", "10", "100"):
            world.revisit(f"R{job_id[1:]}-{revisit}", job_id, issue_resolved=False)
        for complaint in ("7", "70"):
            world.complaint(f"C{job_id[1:]}-{complaint}", job_id, installer_id="I2")
    frames = {name: frame.reverse() for name, frame in world.frames().items()}
    result = run("2025-10", standard(), frames, calendar=calendar(), zone=ZONE)
    rules = [rule.id for rule in standard().rules] + [r.id for r in standard().period_rules]
    lines = result.lines.with_columns(
        pl.col("rule_id").replace_strict(rules, list(range(len(rules))), default=99).alias("_r")
    )
    assert lines.height > 20
    expected = lines.sort(
        pl.col("installer_id").cast(pl.Binary),
        "_r",
        pl.col("job_id").cast(pl.Binary),
        pl.col("source_id").cast(pl.Binary),
        nulls_last=True,
        maintain_order=True,
    )
    assert_frame_equal(lines, expected)
    first = (pl.col("rule_id") == "revisit_unresolved") & (pl.col("installer_id") == "I1")
    revisits = lines.filter(first)
    assert revisits["source_id"].to_list()[:3] == ["R100-10", "R100-100", "R100-9"]
    surveys = result.surveys
    assert surveys["survey_id"].to_list() == ["S100", "S20", "S3"]
