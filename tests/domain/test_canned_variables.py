"""Variables in canned responses (issue 16): which are known, and the demo's lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chats.demo import DEMO_CANNED
from chats.domain.canned import VARIABLES, unknown_variables, variables_in


def test_known_variables_in_both_languages() -> None:
    text = "{ゲスト名}様 {guest_name} {担当者名} {staff_name} {店舗名} {store_name} {今日} {today}"
    assert variables_in(text) == ["ゲスト名", "guest_name", "担当者名", "staff_name", "店舗名",
                                  "store_name", "今日", "today"]
    assert unknown_variables(text) == []


def test_unknown_names_are_reported_once_each_in_order() -> None:
    assert unknown_variables("{お名前}様 {x} {お名前} {ゲスト名}") == ["お名前", "x"]


def test_braces_that_are_not_variables_stay_text() -> None:
    assert unknown_variables("{ } {a b} {") == []
    assert variables_in("{{ゲスト名}}") == ["ゲスト名"]


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=50))
def test_text_without_braces_has_no_variables(text: str) -> None:
    assert variables_in(text) == []


def test_the_demo_ships_polite_lines_that_use_variables() -> None:
    texts = [text for _, _, text in DEMO_CANNED]
    assert all(unknown_variables(t) == [] for t in texts)
    used = {VARIABLES[name] for t in texts for name in variables_in(t)}
    assert used == {"guest_name", "staff_name", "store_name", "today"}
    assert any("申し訳ございません" in t for t in texts)  # an apology
    assert any("ありがとうございました" in t for t in texts)  # a closing line
