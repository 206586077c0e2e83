"""What the notification mails say, in the reader's language (ja/en); no database here."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from chats.domain.text import with_honorific
from chats.i18n import DEFAULT_LOCALE, LOCALES, translate
from chats.mail.addresses import clean_header_text
from chats.mail.links import sign_mail_link
from chats.mail.render import MailParts

if TYPE_CHECKING:
    from chats.config import Settings
    from chats.db.models import Guest, Staff, Store

LINK_TTL_DAYS = 14
MAX_QUOTE = 2000


def mail_locale(*candidates: str | None) -> str:
    """The first supported locale among `candidates` (the person's, then the store's)."""
    return next((c for c in candidates if c in LOCALES), DEFAULT_LOCALE)


def guest_panel_link(settings: Settings, store: Store, guest_id: str, conversation_id: str) -> str:
    """The signed link that opens the guest panel on this guest's conversation."""
    token = sign_mail_link(
        settings.secret_key, guest_id, conversation_id, ttl_seconds=LINK_TTL_DAYS * 86400
    )
    query = urlencode({"store": store.widget_key, "mail": token})
    return f"{settings.public_url}/widget/panel?{query}"


def _named(locale: str, name: str, honorific: str = "さん") -> str:
    """A name as a Japanese sentence uses it (one honorific), as is in English."""
    return with_honorific(name, honorific) if locale == "ja" else name


def _greeting(locale: str, name: str | None) -> str:
    if name:
        return translate("mail.greeting_named", locale, name=_named(locale, name, "様"))
    return translate("mail.greeting", locale)


def _quote(text: str) -> str:
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 1] + "…"


def unread_mail(settings: Settings, store: Store, guest: Guest, conversation_id: str) -> MailParts:
    """M2: "you have an unread message from <store>", with the signed panel link."""
    locale = mail_locale(guest.locale, store.locale)
    store_name = clean_header_text(store.name)
    nickname = clean_header_text(guest.nickname) if guest.nickname else None
    link = guest_panel_link(settings, store, guest.id, conversation_id)
    return MailParts(
        locale=locale,
        title=translate("mail.unread.subject", locale, store=store_name),
        paragraphs=[_greeting(locale, nickname),
                    translate("mail.unread.body", locale, store=store_name)],
        action=(translate("mail.unread.action", locale), link),
        notes=[translate("mail.unread.expiry", locale, days=LINK_TTL_DAYS)],
        footer=translate("mail.footer", locale, store=store_name),
    )


def left_message_mail(
    settings: Settings, store: Store, staff: Staff, *, nickname: str, text: str
) -> MailParts:
    """G6: a guest left a message while nobody was available; the text is quoted."""
    locale = mail_locale(staff.locale, store.locale)
    store_name = clean_header_text(store.name)
    who = _named(locale, clean_header_text(nickname) or translate("mail.left.anonymous", locale))
    return MailParts(
        locale=locale,
        title=translate("mail.left.subject", locale, nickname=who),
        paragraphs=[_greeting(locale, clean_header_text(staff.name)),
                    translate("mail.left.body", locale, store=store_name, nickname=who)],
        quote=_quote(text),
        action=(translate("mail.left.action", locale), f"{settings.public_url}/console/"),
        footer=translate("mail.footer", locale, store=store_name),
    )


def webhook_disabled_mail(settings: Settings, store: Store, staff: Staff, *, url: str) -> MailParts:
    """Issue 17: an endpoint failed for a day and was switched off; the admin is told."""
    locale = mail_locale(staff.locale, store.locale)
    store_name = clean_header_text(store.name)
    return MailParts(
        locale=locale,
        title=translate("mail.webhook_disabled.subject", locale),
        paragraphs=[_greeting(locale, clean_header_text(staff.name)),
                    translate("mail.webhook_disabled.body", locale, store=store_name)],
        quote=_quote(url),
        action=(translate("mail.webhook_disabled.action", locale),
                f"{settings.public_url}/admin/"),
        footer=translate("mail.footer", locale, store=store_name),
    )
