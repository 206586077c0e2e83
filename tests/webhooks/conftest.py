"""Webhook tests: a real receiver on 127.0.0.1, which the settings allow; fast retries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chats.config import Settings
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test's settings with loopback endpoints allowed, quick retries and short leases."""
    return settings.model_copy(update={"webhooks_allow_private": True,
                                       "webhooks_retry_seconds": 0.1,
                                       "webhooks_lease_seconds": 2.0})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP receiver on a free port."""
    r = Receiver().start()
    yield r
    r.stop()
