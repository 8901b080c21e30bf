"""Inviting installers in bulk, and activating with the code, on both stores."""

from __future__ import annotations

import csv
import stat
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text, update

from scoring.errors import InputError, NotFoundError
from scoring.importer import import_paths
from scoring.services import users
from scoring.services.access import Caller, Forbidden, NotSignedIn, Role
from scoring.settings import get_settings
from scoring.store import Store, now_us
from scoring.store.audit import audit_entries
from scoring.store.schema import users as users_table
from tests import inputs
from tests.auth_helpers import ADMIN, PASSWORD, make_user, seed_network

HEADINGS = ["工号", "姓名", "团队", "激活码", "有效期至"]


@pytest.fixture
def network(store: Store, tmp_path: Path) -> Store:
    seed_network(store, tmp_path)
    return store


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def codes(path: Path) -> dict[str, str]:
    return {row[0]: row[3] for row in read_csv(path)[1:]}


def test_inviting_all_creates_the_missing_accounts_with_codes(
    network: Store, tmp_path: Path
) -> None:
    make_user(network, Role.INSTALLER)  # I1 has an account already
    out = tmp_path / "codes.csv"
    report = users.invite_installers(network, caller=ADMIN, installers="all", out=out)
    assert (report.created, report.renewed, report.existing, report.conflicts) == (2, 0, 1, ())
    rows = read_csv(out)
    assert rows[0] == HEADINGS
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("I2", "李娜", "速装服务部"),
        ("I3", "王强", "南方安装"),
    ]
    for row in rows[1:]:
        assert len(row[3]) == 11 and row[3][5] == "-"
        assert row[4] == f"{report.expires_at:%Y-%m-%d %H:%M}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # the codes open accounts
    assert list(tmp_path.glob(".*partial")) == []
    listed = {u.login: u for u in users.list_users(network, caller=ADMIN)}
    assert listed["I2"].role is Role.INSTALLER and listed["I2"].installer_id == "I2"
    assert not listed["I2"].has_password
    with network.begin() as conn:
        stored = conn.execute(text("SELECT activation_hash FROM users WHERE login = 'I2'"))
        assert stored.scalar_one().startswith("$argon2id$")
        invites = audit_entries(conn, action="user_invite")
    assert len(invites) == 1 and invites[0]["actor"] == "test-admin"
    again = users.invite_installers(network, caller=ADMIN, installers="all", out=out)
    assert (again.created, again.existing) == (0, 3)
    assert read_csv(out) == [HEADINGS]


def test_an_installer_activates_once_with_the_code(network: Store, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    users.invite_installers(network, caller=ADMIN, team="T2", out=out)
    code = codes(out)["I2"]
    with pytest.raises(NotSignedIn):
        users.authenticate(network, login="I2", password=code, address="a")
    with pytest.raises(NotSignedIn, match="wrong 工号"):
        users.activate(network, login="I2", code="AAAAA-AAAAA", new_password=PASSWORD, address="a")
    with pytest.raises(InputError, match="at least 8"):
        users.activate(network, login="I2", code=code, new_password="short", address="a")
    # Typed in lower case, without the dash, with full-width letters: still the code.
    typed = code.replace("-", "").lower().replace("a", "ａ")
    caller = users.activate(network, login="I2", code=typed, new_password=PASSWORD, address="a")
    assert caller == Caller(login="I2", role=Role.INSTALLER, installer_id="I2", display_name="李娜")
    with pytest.raises(InputError, match="has been used"):
        users.activate(network, login="I2", code=code, new_password="another-one1", address="a")
    assert users.authenticate(network, login="I2", password=PASSWORD, address="a") == caller
    with network.begin() as conn:
        done = [(e["actor"], e["action"]) for e in audit_entries(conn)]
    assert ("I2", "user_activate") in done and ("anonymous", "activate_failed") in done


def test_an_expired_code_is_refused_and_can_be_renewed(network: Store, tmp_path: Path) -> None:
    first = tmp_path / "first.xlsx"
    users.invite_installers(network, caller=ADMIN, dealer="D2", out=first, valid_days=3)
    sheet = openpyxl.load_workbook(first).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == HEADINGS and [r[0] for r in rows[1:]] == ["I3"]
    code = str(rows[1][3])
    with network.begin() as conn:
        conn.execute(update(users_table).values(activation_expires_at=now_us() - 1))
    with pytest.raises(InputError, match="expired .* ask HR for a new one"):
        users.activate(network, login="I3", code=code, new_password=PASSWORD, address="a")
    second = tmp_path / "second.csv"
    plain = users.invite_installers(network, caller=ADMIN, dealer="D2", out=second)
    assert (plain.created, plain.renewed, plain.existing) == (0, 0, 1)
    renewed = users.invite_installers(network, caller=ADMIN, dealer="D2", out=second, renew=True)
    assert (renewed.created, renewed.renewed) == (0, 1)
    new_code = codes(second)["I3"]
    with pytest.raises(NotSignedIn):  # the old code stopped working
        users.activate(network, login="I3", code=code, new_password=PASSWORD, address="a")
    users.activate(network, login="I3", code=new_code, new_password=PASSWORD, address="a")
    # An activated account is never renewed.
    last = users.invite_installers(network, caller=ADMIN, dealer="D2", out=second, renew=True)
    assert (last.created, last.renewed, last.existing) == (0, 0, 1)


def test_a_password_set_by_hr_ends_the_invitation(network: Store, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    users.invite_installers(network, caller=ADMIN, team="T1", out=out)
    code = codes(out)["I1"]
    users.set_password(network, caller=ADMIN, login="I1", new_password=PASSWORD)
    with pytest.raises(InputError, match="has been used"):
        users.activate(network, login="I1", code=code, new_password="another-one1", address="a")
    users.authenticate(network, login="I1", password=PASSWORD, address="a")


def test_a_disabled_account_cannot_activate(network: Store, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    users.invite_installers(network, caller=ADMIN, team="T3", out=out)
    users.disable_user(network, caller=ADMIN, login="I3")
    with pytest.raises(NotSignedIn, match="disabled"):
        users.activate(
            network, login="I3", code=codes(out)["I3"], new_password=PASSWORD, address="a"
        )


def test_a_login_taken_by_another_user_is_reported(network: Store, tmp_path: Path) -> None:
    make_user(network, Role.HR, login="I3")
    report = users.invite_installers(
        network, caller=ADMIN, installers="all", out=tmp_path / "c.csv"
    )
    assert report.created == 2 and report.conflicts == ("I3",)


@pytest.mark.parametrize(
    ("selection", "error", "message"),
    [
        ({}, InputError, "choose exactly one"),
        ({"installers": "all", "team": "T1"}, InputError, "choose exactly one"),
        ({"installers": "some"}, InputError, "takes only 'all'"),
        ({"team": "T9"}, NotFoundError, "no team 'T9'"),
        ({"dealer": "D9"}, NotFoundError, "no dealer 'D9'"),
        ({"installers": "all", "valid_days": 0}, InputError, "1 to 90"),
    ],
)
def test_a_bad_selection_is_refused(
    network: Store, tmp_path: Path, selection: dict[str, object], error: type, message: str
) -> None:
    out = tmp_path / "c.csv"
    with pytest.raises(error, match=message):
        users.invite_installers(network, caller=ADMIN, out=out, **selection)  # type: ignore[arg-type]
    assert not out.exists()
    assert users.list_users(network, caller=ADMIN) == []


def test_the_output_must_be_a_csv_or_xlsx_in_a_folder_that_exists(
    network: Store, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match=".csv or .xlsx"):
        users.invite_installers(network, caller=ADMIN, installers="all", out=tmp_path / "c.txt")
    with pytest.raises(InputError, match="folder does not exist"):
        users.invite_installers(
            network, caller=ADMIN, installers="all", out=tmp_path / "no" / "c.csv"
        )


def test_only_hr_invites(network: Store, tmp_path: Path) -> None:
    with pytest.raises(Forbidden):
        users.invite_installers(
            network,
            caller=Caller(login="ops", role=Role.OPERATIONS),
            installers="all",
            out=tmp_path / "c.csv",
        )


def import_network(store: Store, folder: Path, installers: str) -> None:
    files = {"dealers": inputs.DEALERS, "teams": inputs.TEAMS, "installers": installers}
    settings = get_settings()
    report = import_paths(
        store,
        [inputs.write(folder, files)],
        actor="t",
        zone=settings.zone,
        rejects_dir=settings.rejects_dir,
    )
    assert report.rejected == 0


def test_installers_who_left_are_not_invited_and_formulas_are_defused(
    store: Store, tmp_path: Path
) -> None:
    installers = (
        "installer_id,name,team_id,employment,active_from,active_to\n"
        "I1,张伟,T1,employee,2019-01-01,2020-01-31\n"
        "I2,李娜,T2,contractor,,\n"
        "I4,=HYPERLINK(1),T1,employee,2019-01-01,2099-12-31\n"
    )
    import_network(store, tmp_path / "in", installers)
    out = tmp_path / "c.xlsx"
    report = users.invite_installers(store, caller=ADMIN, installers="all", out=out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet is not None
    rows = {str(r[0].value): r for r in sheet.iter_rows(min_row=2)}
    assert set(rows) == {"I2", "I4"}  # I1 left in 2020
    assert report.created == 2
    assert rows["I4"][1].value == "'=HYPERLINK(1)" and rows["I4"][1].data_type == "s"


def test_thousands_of_installers_in_one_transaction(store: Store, tmp_path: Path) -> None:
    count = 3000
    lines = [f"N{i:05d},师傅{i},T1,contractor,,," for i in range(count)]
    installers = inputs.INSTALLERS.split("\n")[0] + "\n" + "\n".join(lines) + "\n"
    import_network(store, tmp_path / "in", installers)
    out = tmp_path / "c.csv"
    report = users.invite_installers(store, caller=ADMIN, installers="all", out=out)
    assert report.created == count
    found = codes(out)
    assert len(found) == count and len(set(found.values())) == count
    with store.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == count
        assert len(audit_entries(conn, action="user_invite")) == 1
    login = "N01234"
    users.activate(store, login=login, code=found[login], new_password=PASSWORD, address="a")
