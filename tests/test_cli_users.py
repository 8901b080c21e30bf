"""``scoring user …``: the local administrator manages the users of the web service."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scoring.cli import app
from scoring.services import users
from scoring.services.access import NotSignedIn, Role
from scoring.store import open_store
from scoring.store.audit import audit_entries
from tests import inputs
from tests.auth_helpers import PASSWORD

runner = CliRunner()


def db(tmp_path: Path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    """A store with the inline dealers, teams and installers, as CLI arguments."""
    files = {k: inputs.ALL[k] for k in ("dealers", "teams", "installers")}
    folder = inputs.write(tmp_path / "in", files)
    done = runner.invoke(app, [*db(tmp_path), "import", str(folder)])
    assert done.exit_code == 0, done.output
    return db(tmp_path)


def run(base: list[str], *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, [*base, "user", *args], input=stdin)
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_add_list_disable_enable(base: list[str], tmp_path: Path) -> None:
    code, stdout, _ = run(
        base, "add", "boss", "--role", "hr", "--name", "王经理", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0 and "boss" in stdout
    code, stdout, _ = run(
        base, "add", "d", "--role", "dealer", "--dealer", "D1", "--dealer", "D2",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0 and "D1, D2" in stdout
    code, _, _ = run(
        base, "add", "I3", "--role", "installer", "--installer", "I3", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0
    code, stdout, _ = run(base, "list")
    assert code == 0
    lines = {line.split("\t")[0]: line.split("\t") for line in stdout.splitlines()[2:]}
    assert lines["boss"][1:4] == ["王经理", "hr", ""]
    assert lines["d"][3] == "D1, D2" and lines["I3"][1:4] == ["王强", "installer", "I3"]
    code, stdout, _ = run(base, "disable", "d")
    assert code == 0 and "disabled d" in stdout
    assert "停用 / disabled" in run(base, "list", "--role", "dealer")[1]
    store = open_store(f"sqlite:///{tmp_path / 'cli.db'}")
    with store:
        with pytest.raises(NotSignedIn, match="disabled"):
            users.authenticate(store, login="d", password=PASSWORD, address="cli-test")
        assert run(base, "enable", "d")[0] == 0
        assert users.authenticate(store, login="d", password=PASSWORD, address="x").role is (
            Role.DEALER
        )
        with store.begin() as conn:
            actors = {e["actor"] for e in audit_entries(conn, action="user_add")}
    assert len(actors) == 1 and "" not in actors  # the local administrator, by name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "x", "--role", "dealer", "--dealer", "D9"), "unknown dealer(s): D9"),
        (("add", "x", "--role", "installer", "--installer", "I9"), "unknown installer 'I9'"),
        (("add", "x", "--role", "installer"), "needs --installer"),
        (("add", "x", "--role", "dealer"), "needs --dealer"),
        (("add", "x", "--role", "king"), "unknown role 'king'"),
    ],
)
def test_a_bad_scope_is_one_clear_message(
    base: list[str], args: tuple[str, ...], message: str
) -> None:
    code, _, stderr = run(base, *args, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2
    assert message in " ".join(stderr.split())


def test_passwords_come_from_stdin_and_meet_the_rules(base: list[str], tmp_path: Path) -> None:
    code, _, stderr = run(base, "add", "x", "--role", "hr", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 8 characters" in stderr
    code, _, stderr = run(base, "add", "x", "--role", "hr", "--password-stdin", stdin="")
    assert code == 2 and "no password on standard input" in stderr
    code, _, stderr = run(base, "add", "x", "--role", "hr", stdin=PASSWORD + "\n")
    assert code == 2 and "--password-stdin" in stderr
    assert run(base, "add", "x", "--role", "hr", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, stdout, _ = run(base, "password", "x", "--password-stdin", stdin="new-password-1\n")
    assert code == 0 and "password set for x" in stdout
    code, _, stderr = run(base, "password", "ghost", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "no user 'ghost'" in stderr
    with open_store(f"sqlite:///{tmp_path / 'cli.db'}") as store:
        users.authenticate(store, login="x", password="new-password-1", address="a")


def test_invite_writes_the_codes_file(base: list[str], tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    code, stdout, _ = run(base, "invite", "--dealer", "D1", "--out", str(out))
    assert code == 0, stdout
    assert "created 2" in stdout and str(out) in stdout
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["工号", "姓名", "团队", "激活码", "有效期至"]
    assert sorted(r[0] for r in rows[1:]) == ["I1", "I2"]
    code, stdout, _ = run(base, "invite", "--installers", "all", "--out", str(out), "--days", "3")
    assert code == 0 and "created 1" in stdout and "existing 2" in stdout
    assert "待激活 / invited" in run(base, "list")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invite", "--out", "c.csv"), "choose exactly one"),
        (("invite", "--team", "T1", "--dealer", "D1", "--out", "c.csv"), "choose exactly one"),
        (("invite", "--installers", "some", "--out", "c.csv"), "takes only 'all'"),
        (("invite", "--team", "T9", "--out", "c.csv"), "no team 'T9'"),
        (("invite", "--installers", "all", "--out", "c.txt"), ".csv or .xlsx"),
    ],
)
def test_a_bad_invite_is_one_clear_message(
    base: list[str], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    where = [a if not a.startswith("c.") else str(tmp_path / a) for a in args]
    code, _, stderr = run(base, *where)
    assert code == 2
    assert message in " ".join(stderr.split())


def test_every_user_command_has_help() -> None:
    for command in ("add", "list", "disable", "enable", "password", "invite"):
        result = runner.invoke(app, ["user", command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output
