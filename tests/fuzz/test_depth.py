"""The depth cap agrees with the nesting of any JSON value, whatever its strings hold."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chats.realtime.protocol import MAX_DEPTH, too_deep

# Strings full of what the scan must see through: brackets, quotes, backslashes.
tricky = st.text(alphabet='[]{}"\\ab:,', max_size=6)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky, inner, max_size=3),
    max_leaves=40,
)


def wrap(value: Any, levels: int, objects: bool) -> Any:
    """`value` inside `levels` more arrays or objects: depths on both sides of the cap."""
    for _ in range(levels):
        value = {"k\\\"[": value} if objects else [value, "]"]
    return value


nested = st.builds(wrap, values, st.integers(0, MAX_DEPTH + 3), st.booleans())


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    return 0


@settings(max_examples=1000, deadline=None)
@given(nested, st.booleans(), st.sampled_from([None, 2]))
def test_too_deep_is_the_nesting_past_the_cap(value: Any, ascii_only: bool,
                                               indent: int | None) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
    assert too_deep(text) == (depth(value) > MAX_DEPTH)


def test_the_cap_itself() -> None:
    for d in (MAX_DEPTH, MAX_DEPTH + 1, 40_000):
        assert too_deep("[" * d + "]" * d) == (d > MAX_DEPTH)
        assert too_deep('{"a":' * d + "1" + "}" * d) == (d > MAX_DEPTH)
        assert too_deep("[{" * (d // 2) + "}]" * (d // 2)) == (d // 2 * 2 > MAX_DEPTH)
