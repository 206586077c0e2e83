"""The pure rules of webhooks: which addresses are public, the back-off."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chats.domain.webhooks import MAX_RETRY, backoff_seconds, is_public_address


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "192.0.2.1", "224.0.0.1", "255.255.255.255", "::1", "fe80::1%eth0",
    "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1", "not an address", "",
])
def test_non_global_addresses_are_refused(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111",
                                     "::ffff:8.8.8.8"])
def test_global_addresses_are_allowed(address: str) -> None:
    assert is_public_address(address)


@given(st.integers(min_value=1, max_value=200))
def test_backoff_grows_within_its_bounds(attempts: int) -> None:
    delay = backoff_seconds(attempts, 10.0)
    assert 0 < delay <= MAX_RETRY
    assert delay >= min(10.0 * 2 ** (attempts - 1) * 0.8, MAX_RETRY * 0.8)


def test_a_day_of_backoff_means_many_tries() -> None:
    """With the default first retry, a delivery failing for 24 hours is tried at least 24 times."""
    elapsed, tries = 0.0, 0
    while elapsed < 86_400:
        tries += 1
        elapsed += backoff_seconds(tries)
    assert tries >= 24
