"""Console API tests run with a small upload limit, so refusing an oversize file is quick."""

from __future__ import annotations

import pytest

from chats.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with a 1 MiB upload limit."""
    return settings.model_copy(update={"upload_max_bytes": 1024 * 1024})
