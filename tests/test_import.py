"""Importing into the store: counts, idempotence, history, rejects, atomicity, both stores."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pyarrow as pa
import pytest
from polars.testing import assert_frame_equal

from scoring import pipeline
from scoring.checksums import input_checksums
from scoring.entities import ID_COLUMNS, new_id_type
from scoring.errors import InputError
from scoring.importer import ImportReport, import_paths
from scoring.periods import Context
from scoring.rules import load_plan, standard_plan_path
from scoring.store import Store
from scoring.store import records as records_module
from scoring.store.frames import owned
from scoring.store.records import history_of, load_all
from tests import inputs

ZONE = ZoneInfo("Asia/Shanghai")


def run(store: Store, paths: list[Path], tmp_path: Path, **kw: object) -> ImportReport:
    return import_paths(
        store,
        paths,
        actor="hr",
        zone=ZONE,
        rejects_dir=tmp_path / "rejected",
        **kw,  # type: ignore[arg-type]
    )


def counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    return {f.entity: (f.accepted, f.replaced, f.unchanged, f.rejected) for f in report.files}


def test_a_month_goes_in_with_every_record(store: Store, tmp_path: Path) -> None:
    report = run(store, [inputs.write(tmp_path / "in")], tmp_path)
    assert counts(report) == {
        "dealers": (2, 0, 0, 0),
        "teams": (3, 0, 0, 0),
        "installers": (3, 0, 0, 0),
        "jobs": (3, 0, 0, 0),
        "surveys": (2, 0, 0, 0),
        "revisits": (1, 0, 0, 0),
        "complaints": (1, 0, 0, 0),
    }
    frames = load_all(store)
    assert frames["jobs"].height == 3
    shares = frames["job_installers"].sort("job_id", "installer_id")
    assert shares.filter(pl.col("job_id") == "J1").select(
        "installer_id", "share_num", "share_den"
    ).rows() == [
        ("I1", 6, 10),
        ("I2", 4, 10),
    ]
    assert shares.filter(pl.col("job_id") == "J3").select("share_num", "share_den").rows() == [
        (1, 2),
        (1, 2),
    ]
    survey = frames["surveys"].filter(pl.col("survey_id") == "S2").row(0, named=True)
    assert survey["overall"] == 1 and survey["promise_kept"] is False
    installer = frames["installers"].filter(pl.col("installer_id") == "I3").row(0, named=True)
    assert installer["base_monthly_wage_fen"] == 300000
    # 2025-10-20T08:00:00+08:00 and a naive local time are the same instant in UTC.
    created = frames["jobs"].filter(pl.col("job_id") == "J3").get_column("created_at").item()
    assert created.isoformat() == "2025-10-20T00:00:00+00:00"


def test_the_same_files_twice_change_nothing(store: Store, tmp_path: Path) -> None:
    folder = inputs.write(tmp_path / "in")
    run(store, [folder], tmp_path)
    before = load_all(store)
    again = run(store, [folder], tmp_path)
    assert all(a == r == rej == 0 for a, r, _, rej in counts(again).values())
    assert counts(again)["jobs"] == (0, 0, 3, 0)
    after = load_all(store)
    for name, frame in before.items():
        assert_frame_equal(frame, after[name], check_row_order=False)
    batches = store.read_frame(
        "SELECT batch_id, accepted, unchanged FROM import_batches ORDER BY batch_id"
    )
    assert batches.rows() == [(1, 15, 0), (2, 0, 15)]


def test_a_changed_record_replaces_and_keeps_history(store: Store, tmp_path: Path) -> None:
    run(store, [inputs.write(tmp_path / "in")], tmp_path)
    changed = inputs.COMPLAINTS.replace(
        "attitude,minor,installer", "attitude,minor,customer_unreasonable"
    )
    report = run(store, [inputs.write(tmp_path / "fix", {"complaints": changed})], tmp_path)
    assert counts(report) == {"complaints": (0, 1, 0, 0)}
    current = load_all(store)["complaints"].row(0, named=True)
    assert current["responsibility"] == "customer_unreasonable"
    history = history_of(store, "complaints", "C1")
    assert len(history) == 1
    old = json.loads(history[0]["data"])
    assert old["responsibility"] == "installer"
    assert history[0]["batch_id"] == 1 and history[0]["replaced_by_batch_id"] == 2


def test_job_shares_are_replaced_with_the_job(store: Store, tmp_path: Path) -> None:
    run(store, [inputs.write(tmp_path / "in")], tmp_path)
    changed = inputs.JOBS.replace("J1,I1:0.6;I2:0.4", "J1,I1")
    report = run(store, [inputs.write(tmp_path / "fix", {"jobs": changed})], tmp_path)
    assert counts(report) == {"jobs": (0, 1, 2, 0)}
    shares = load_all(store)["job_installers"].filter(pl.col("job_id") == "J1")
    assert shares.select("installer_id", "share_num", "share_den").rows() == [("I1", 1, 1)]


def test_rejected_rows_stay_out_valid_rows_go_in(store: Store, tmp_path: Path) -> None:
    surveys = (
        inputs.SURVEYS
        + "S3,J1,2025-10-12T11:00:00,phone,7,,,\nS4,J404,2025-10-12T11:00:00,phone,4,,,\n"
    )
    report = run(
        store, [inputs.write(tmp_path / "in", {**inputs.ALL, "surveys": surveys})], tmp_path
    )
    assert counts(report)["surveys"] == (2, 0, 0, 2)
    problems = report.problems[str(tmp_path / "in" / "surveys.csv")]
    by_row = {p.row: p for p in problems}
    assert by_row[4].column == "overall" and by_row[4].value == "7"
    assert by_row[5].column == "job_id" and by_row[5].value == "J404"
    stored = load_all(store)["surveys"].get_column("survey_id").sort().to_list()
    assert stored == ["S1", "S2"]
    rejects = store.read_frame(
        "SELECT row_number, column_name, value FROM rejected_problems ORDER BY row_number"
    )
    assert rejects.rows() == [(4, "overall", "7"), (5, "job_id", "J404")]
    rejects_path = next(f.rejects_path for f in report.files if f.entity == "surveys")
    assert rejects_path is not None and Path(rejects_path).exists()


def test_a_fixed_rejects_file_imports_cleanly(store: Store, tmp_path: Path) -> None:
    surveys = inputs.SURVEYS + "S3,J1,2025-10-12T11:00:00,phone,7,,,\n"
    report = run(
        store, [inputs.write(tmp_path / "in", {**inputs.ALL, "surveys": surveys})], tmp_path
    )
    rejects_path = Path(next(f.rejects_path for f in report.files if f.rejects_path))
    text = rejects_path.read_text(encoding="utf-8-sig").replace(",7,", ",4,")
    rejects_path.write_text(text, encoding="utf-8-sig")
    fixed = run(store, [rejects_path], tmp_path)
    assert counts(fixed) == {"surveys": (1, 0, 0, 0)}
    extra = (
        load_all(store)["surveys"].filter(pl.col("survey_id") == "S3").get_column("extra").item()
    )
    assert extra is None  # the error column is not kept as an unknown column


def test_references_to_a_rejected_job_are_rejected_too(store: Store, tmp_path: Path) -> None:
    jobs = inputs.JOBS.replace("J2,I3,repair", "J2,I3,teleport")
    report = run(store, [inputs.write(tmp_path / "in", {**inputs.ALL, "jobs": jobs})], tmp_path)
    assert counts(report)["jobs"] == (2, 0, 0, 1)
    assert counts(report)["surveys"] == (1, 0, 0, 1)
    assert counts(report)["complaints"] == (0, 0, 0, 1)


def test_all_or_nothing_stores_nothing(store: Store, tmp_path: Path) -> None:
    surveys = inputs.SURVEYS + "S3,J1,2025-10-12T11:00:00,phone,7,,,\n"
    report = run(
        store,
        [inputs.write(tmp_path / "in", {**inputs.ALL, "surveys": surveys})],
        tmp_path,
        all_or_nothing=True,
    )
    assert not report.stored and report.batch_id is None
    assert all(frame.height == 0 for frame in load_all(store).values())


def test_a_file_missing_a_required_column_is_rejected_whole(store: Store, tmp_path: Path) -> None:
    broken = {**inputs.ALL, "surveys": "survey_id,job_id\nS1,J1\nS2,J2\n"}
    report = run(store, [inputs.write(tmp_path / "in", broken)], tmp_path)
    assert counts(report)["surveys"] == (0, 0, 0, 2)
    assert counts(report)["jobs"] == (3, 0, 0, 0)
    problems = report.problems[str(tmp_path / "in" / "surveys.csv")]
    assert any(p.row is None and "overall" in p.reason for p in problems)
    assert load_all(store)["surveys"].height == 0


def test_an_unreadable_file_stops_the_batch_before_anything_is_stored(
    store: Store, tmp_path: Path
) -> None:
    run(store, [inputs.write(tmp_path / "first", {"dealers": inputs.DEALERS})], tmp_path)
    before = load_all(store)
    folder = inputs.write(tmp_path / "in", {"teams": inputs.TEAMS})
    (folder / "surveys.xlsx").write_bytes(b"this is not a workbook")
    with pytest.raises(InputError, match="surveys.xlsx"):
        run(store, [folder], tmp_path)
    after = load_all(store)
    for name, frame in before.items():
        assert_frame_equal(frame, after[name])


def test_unknown_file_name_names_the_known_entities(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match="surveys"):
        run(store, [path], tmp_path)


def test_a_failure_while_storing_leaves_the_store_as_it_was(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(store, [inputs.write(tmp_path / "first", {"dealers": inputs.DEALERS})], tmp_path)
    before = load_all(store)
    real = records_module._apply_file
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk unplugged")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records_module, "_apply_file", failing)
    with pytest.raises(RuntimeError):
        run(store, [inputs.write(tmp_path / "in")], tmp_path)
    after = load_all(store)
    for name, frame in before.items():
        assert_frame_equal(frame, after[name])
    assert store.read_frame("SELECT COUNT(*) AS n FROM import_batches").item() == 1


def test_two_imports_at_once_store_each_record_once(store: Store, tmp_path: Path) -> None:
    folder = inputs.write(tmp_path / "in")
    reports: list[ImportReport] = []
    errors: list[BaseException] = []

    def go() -> None:
        try:
            reports.append(run(store, [folder], tmp_path))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    accepted = sorted(sum(f.accepted for f in r.files) for r in reports)
    unchanged = sorted(sum(f.unchanged for f in r.files) for r in reports)
    assert accepted == [0, 15] and unchanged == [0, 15]
    assert load_all(store)["jobs"].height == 3


def test_a_later_batch_may_reference_stored_and_new_records_together(
    store: Store, tmp_path: Path
) -> None:
    run(store, [inputs.write(tmp_path / "in")], tmp_path)
    jobs = (
        inputs.JOBS.splitlines()[0]
        + "\nJ9,I3,repair,净水器,2025-10-21T10:00:00,,,,2025-10-22T10:00:00,\n"
    )
    surveys = (
        "survey_id,job_id,surveyed_at,overall\n"
        "S8,J1,2025-10-13T10:00:00,4\n"  # a job stored by the first batch
        "S9,J9,2025-10-23T10:00:00,5\n"  # a job of this batch
    )
    report = run(
        store, [inputs.write(tmp_path / "next", {"jobs": jobs, "surveys": surveys})], tmp_path
    )
    assert counts(report) == {"jobs": (1, 0, 0, 0), "surveys": (2, 0, 0, 0)}


def test_frames_loaded_for_computing_hold_encoded_ids_and_the_same_values(
    store: Store, tmp_path: Path
) -> None:
    run(store, [inputs.write(tmp_path / "in")], tmp_path)
    plain = load_all(store)
    dtype = new_id_type()
    coded = load_all(store, ids=dtype)
    assert set(coded) == set(plain)
    for name, frame in plain.items():
        got = coded[name]
        assert got.columns == frame.columns, name
        for column, kind in frame.schema.items():
            assert got.schema[column] == (dtype if column in ID_COLUMNS else kind), column
        assert_frame_equal(got.with_columns(pl.col(pl.Categorical).cast(pl.String)), frame)
    assert input_checksums(coded) == input_checksums(plain)


def test_an_owned_frame_keeps_none_of_the_arrow_memory_it_was_read_from() -> None:
    n = 20_000
    before = pa.total_allocated_bytes()
    table = pa.table(
        {
            "job_id": [f"J{i:015d}" for i in range(n)],
            "promised_days": pa.array(range(n), pa.int64()),
            "note": [f"第{i}条备注 note number {i}" for i in range(n)],
        }
    )
    shared = pl.from_arrow(table)
    assert isinstance(shared, pl.DataFrame)
    del table
    # polars reads the Arrow buffers where they lie: they live as long as the frame does ...
    assert pa.total_allocated_bytes() > before
    for ids in (None, new_id_type()):
        frame = owned(shared, ids)
        assert frame.columns == shared.columns
        assert_frame_equal(frame.with_columns(pl.col(pl.Categorical).cast(pl.String)), shared)
        assert frame.schema["job_id"] == (ids if ids is not None else pl.String)
    del shared
    # ... and none of them once only copies made by owned() are alive.
    assert pa.total_allocated_bytes() == before
    assert frame.height == n


def test_a_context_loads_its_frames_with_one_encoded_id_type(store: Store, tmp_path: Path) -> None:
    run(store, [inputs.write(tmp_path / "in")], tmp_path)
    ctx = Context.load(store, zone=ZONE)
    found = {f.schema[c] for f in ctx.frames.values() for c in f.columns if c in ID_COLUMNS}
    assert len(found) == 1 and isinstance(found.pop(), pl.Categorical)


def test_a_context_checksums_its_inputs_once_for_all_its_computations(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(store, [inputs.write(tmp_path / "in")], tmp_path)
    ctx = Context.load(store, zone=ZONE)
    # The same checksums as the text frames, whether the tables are checked at once or not.
    assert ctx.checksums == input_checksums(load_all(store))
    assert input_checksums(ctx.frames, threads=3) == input_checksums(ctx.frames)
    calls: list[object] = []
    monkeypatch.setattr(pipeline, "input_checksums", lambda *a, **k: calls.append(a) or {})
    for period in ("2025-10", "2025-11"):
        assert ctx.run(period, load_plan(standard_plan_path())).about["inputs"] == ctx.checksums
    assert calls == []


def test_a_broken_row_rejects_only_itself_and_the_batch_goes_in(
    store: Store, tmp_path: Path
) -> None:
    # Issue 16: an unterminated quote and an extra cell once failed the whole batch with the
    # parser's advice; a short row was padded. Now each is a rejected row of its own.
    surveys = (
        inputs.SURVEYS
        + 'S3,J1,2025-10-12T11:00:00,phone,5,5,true,"没有闭合\n'
        + "S4,J1,2025-10-12T11:00:00,phone,5,5,true,好\n"
        + 'S5,J1,2025-10-12T11:00:00,phone,5,5,true,差"\n'
        + "S6,J1,2025-10-12T11:00:00,phone,5,5,true,x,多余\n"
        + "S7,J1,2025-10-12T11:00:00,phone,5\n"
        + "S8,J3,2025-10-12T11:00:00,phone,4,4,true,好\n"
    )
    folder = inputs.write(tmp_path / "in", {**inputs.ALL, "surveys": surveys})
    report = run(store, [folder], tmp_path)
    assert counts(report)["surveys"] == (3, 0, 0, 5)
    assert counts(report)["jobs"] == (3, 0, 0, 0)
    stored = load_all(store)["surveys"].get_column("survey_id").sort().to_list()
    assert stored == ["S1", "S2", "S8"]
    problems = report.problems[str(folder / "surveys.csv")]
    assert [p.row for p in problems] == [4, 5, 6, 7, 8]
    assert "吞掉了第 5–6 行" in problems[0].reason
    rejects_path = next(f.rejects_path for f in report.files if f.entity == "surveys")
    assert rejects_path is not None
    assert "S4" in Path(rejects_path).read_text(encoding="utf-8-sig")


def test_all_or_nothing_stores_nothing_when_a_row_is_broken(store: Store, tmp_path: Path) -> None:
    surveys = inputs.SURVEYS + "S3,J1,2025-10-12T11:00:00,phone,5\n"
    folder = inputs.write(tmp_path / "in", {**inputs.ALL, "surveys": surveys})
    report = run(store, [folder], tmp_path, all_or_nothing=True)
    assert not report.stored and report.rejected == 1
    assert all(frame.height == 0 for frame in load_all(store).values())
