"""The pages' catalog: both languages for every key, and every key the pages name exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from scoring.result import LINE_KINDS
from scoring.services.access import Role
from scoring.store.disputes import DISPUTE_TARGETS
from scoring.web import i18n
from scoring.web.nav import NAV

WEB = Path(i18n.__file__).parent
#: t("key") in templates, i18n.text("key", ...) and NavItem("key", ...) in the page modules.
USES = re.compile(r"""(?:\bt|i18n\.text|NavItem)\(\s*["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
#: Codes shown through |word("group"): every code of the group needs a key.
WORDS = {
    "status": ["open", "accepted", "rejected", "draft", "closed", "draft_short", "closed_short"],
    "kind": list(LINE_KINDS),
    "target": list(DISPUTE_TARGETS),
    "action": ["open", "accept", "reject"],
    "role": [r.value for r in Role],
}


def fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_every_key_has_both_languages_with_the_same_fields() -> None:
    for key, message in i18n.MESSAGES.items():
        assert set(message) == set(i18n.LANGUAGES), key
        assert all(text.strip() for text in message.values()), key
        assert fields(message["zh"]) == fields(message["en"]), key


def used_keys() -> set[str]:
    found: set[str] = set()
    for file in [*WEB.glob("templates/*.html"), *WEB.glob("*.py")]:
        found |= set(USES.findall(file.read_text(encoding="utf-8")))
    return found


def test_every_key_the_pages_name_exists() -> None:
    used = used_keys()
    assert len(used) > 50  # the pattern finds the keys (a broken one would find none)
    assert used - set(i18n.MESSAGES) == set()
    for item in NAV:
        assert item.key in i18n.MESSAGES


@pytest.mark.parametrize("group", list(WORDS))
def test_every_code_shown_as_a_word_has_one(group: str) -> None:
    missing = [code for code in WORDS[group] if f"{group}.{code}" not in i18n.MESSAGES]
    assert missing == []


def test_a_message_in_one_language() -> None:
    assert i18n.text("nav.home", "zh") == "首页"
    assert i18n.text("nav.home", "en") == "Home"
    assert i18n.text("nav.home", "fr") == "首页"  # an unknown language: the default
    assert i18n.text("installer.id", "en", id="I1") == "Installer I1"
    with pytest.raises(KeyError):
        i18n.text("no.such.key", "zh")


def test_one_side_of_a_bilingual_message() -> None:
    message = "没有这个师傅 / no installer 'X'"
    assert i18n.part(message, "zh") == "没有这个师傅"
    assert i18n.part(message, "en") == "no installer 'X'"
    assert i18n.part("plain text", "en") == "plain text"
    assert i18n.part("a / ", "en") == "a / "  # not a pair: as it is


def test_the_language_comes_from_the_cookie_only_when_valid() -> None:
    assert i18n.language("en") == "en"
    assert i18n.language("zh") == "zh"
    assert i18n.language(None) == "zh"
    assert i18n.language("<script>") == "zh"
