"""No known secret, ever: refused when weak, generated and kept when unset (issue 13)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from chats.config import OLD_DEFAULT_SECRET, Settings, with_secret_key
from chats.db.engine import Database
from chats.mail.links import sign_mail_link
from tests.factories import create_guest, create_past_conversation, create_store
from tests.servers import Site, ThreadServer


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("key", [OLD_DEFAULT_SECRET, "short-but-not-empty", "é" * 15])
def test_a_known_or_short_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="CHATS_SECRET_KEY"):
        _settings(secret_key=key)
    with pytest.raises(ValidationError, match="CHATS_SECRET_KEY"):
        _settings(secret_key=key, public_url="https://chat.example.jp")
    assert _settings(secret_key="k" * 32).secret_key == "k" * 32


def test_several_processes_must_be_given_the_key(tmp_path: Path) -> None:
    shared = [_settings(database_url="postgresql://u@db:5432/chats", data_dir=tmp_path),
              _settings(redis_url="redis://cache:6379/0", data_dir=tmp_path)]
    for settings in shared:
        with pytest.raises(ValueError, match="CHATS_SECRET_KEY must be set"):
            with_secret_key(settings)
    assert not (tmp_path / "secret_key").exists()


def test_a_kept_key_that_is_too_short_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("tiny\n")
    with pytest.raises(ValueError, match="at least 32 bytes"):
        with_secret_key(_settings(data_dir=tmp_path))


async def _link_opens(web: Site, widget_key: str, token: str) -> bool:
    async with web.client() as client:
        r = await client.post(f"/api/widget/{widget_key}/mail-link", json={"token": token})
    assert r.status_code in (200, 404)
    return r.status_code == 200


async def test_an_unset_key_is_generated_once_and_kept(settings: Settings, db: Database) -> None:
    if settings.shared_by_processes:
        pytest.skip("a generated key is for one process on SQLite")
    unset = settings.model_copy(update={"secret_key": ""})
    store = await create_store(db)
    guest_id = await create_guest(db, store_id=store.store_id)
    from chats.ids import utcnow

    cid = await create_past_conversation(db, store_id=store.store_id, guest_id=guest_id,
                                         created_at=utcnow())
    server = ThreadServer(unset).start()
    try:
        path = settings.data_dir / "secret_key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        key = path.read_text().strip()
        assert len(key.encode()) >= 32
        # Tokens signed with the key everybody knew open nothing; the kept key's do.
        known = sign_mail_link(OLD_DEFAULT_SECRET, guest_id, cid, ttl_seconds=3600)
        assert not await _link_opens(server, store.widget_key, known)
        link = sign_mail_link(key, guest_id, cid, ttl_seconds=3600)
        assert await _link_opens(server, store.widget_key, link)
    finally:
        server.stop()
    again = ThreadServer(unset).start()
    try:
        assert path.read_text().strip() == key
        assert await _link_opens(again, store.widget_key, link)
    finally:
        again.stop()
