"""Signed mail links: they name one guest and conversation, expire, and resist tampering."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from chats.ids import utcnow
from chats.mail.links import sign_mail_link, verify_mail_link

SECRET = "a-secret-of-enough-length"
ids = st.text(min_size=1, max_size=40)


@given(guest_id=ids, conversation_id=ids)
def test_a_signed_link_verifies_to_what_it_names(guest_id: str, conversation_id: str) -> None:
    token = sign_mail_link(SECRET, guest_id, conversation_id, ttl_seconds=60)
    assert verify_mail_link(SECRET, token) == (guest_id, conversation_id)


def test_the_token_is_url_safe() -> None:
    token = sign_mail_link(SECRET, "g" * 32, "c" * 32, ttl_seconds=14 * 86400)
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_links_expire() -> None:
    now = utcnow()
    token = sign_mail_link(SECRET, "g1", "c1", ttl_seconds=3600, now=now)
    assert verify_mail_link(SECRET, token, now=now + timedelta(minutes=59)) == ("g1", "c1")
    assert verify_mail_link(SECRET, token, now=now + timedelta(hours=1)) is None


def test_another_secret_does_not_verify() -> None:
    token = sign_mail_link(SECRET, "g1", "c1", ttl_seconds=60)
    assert verify_mail_link("another-secret-of-length", token) is None


@given(position=st.integers(min_value=0, max_value=200), char=st.sampled_from("AZaz09-_.é"))
def test_any_changed_character_is_refused(position: int, char: str) -> None:
    token = sign_mail_link(SECRET, "guest-1", "conversation-1", ttl_seconds=60)
    i = position % len(token)
    tampered = token[:i] + char + token[i + 1 :]
    if tampered != token:
        assert verify_mail_link(SECRET, tampered) is None


def test_garbage_is_refused() -> None:
    for token in ["", ".", "abc", "abc.def", "é.é", "x" * 5000]:
        assert verify_mail_link(SECRET, token) is None
