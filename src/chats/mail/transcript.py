"""The chat transcript mail (issue 19 item 3): plain text and text-safe HTML, no database.

Every value the guest or staff wrote is escaped once, here; stamps appear by their name
(linked to the picture in HTML), files as links to their capability URL, times in the
store's own zone. The store's header colours frame the HTML when they are plain `#rrggbb`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from chats.i18n import translate
from chats.mail.render import frame_html

if TYPE_CHECKING:
    from datetime import datetime

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_HEADER = ("#2563eb", "#ffffff")


@dataclass(frozen=True)
class Line:
    """One message of the transcript, as plain values (escaped on render)."""

    at: datetime
    author: str  # "guest" | "staff" | "system"
    name: str  # who wrote it, as the reader sees it
    kind: str  # "text" | "stamp" | "file" | "system"
    text: str = ""
    stamp_label: str | None = None
    link: str | None = None  # absolute URL of the stamp picture or the file
    file_name: str | None = None


@dataclass(frozen=True)
class Transcript:
    """What the mail says."""

    locale: str
    store_name: str
    time_zone: str
    started_at: datetime
    lines: list[Line] = field(default_factory=list)
    header_bg: str | None = None
    header_fg: str | None = None

    @property
    def subject(self) -> str:
        return translate("mail.transcript.subject", self.locale, store=self.store_name)


def _local(at: datetime, zone: str) -> str:
    try:
        tz = ZoneInfo(zone)
    except (ValueError, KeyError):
        tz = ZoneInfo("UTC")
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _what(line: Line, locale: str) -> str:
    """The line's content as plain text."""
    if line.kind == "stamp":
        label = translate("mail.transcript.stamp", locale, name=line.stamp_label or "")
        return f"{label} {line.link}" if line.link else label
    if line.kind == "file":
        label = translate("mail.transcript.file", locale, name=line.file_name or "")
        return f"{label} {line.link}" if line.link else label
    return line.text


def render_transcript_text(t: Transcript) -> str:
    """The text/plain body."""
    head = [translate("mail.transcript.intro", t.locale, store=t.store_name,
                      date=_local(t.started_at, t.time_zone)),
            translate("mail.transcript.zone", t.locale, zone=t.time_zone), ""]
    body: list[str] = []
    for line in t.lines:
        when = _local(line.at, t.time_zone)
        if line.kind == "system":
            body.append(f"[{when}] -- {line.text} --")
            continue
        text = _what(line, t.locale).replace("\r\n", "\n")
        indented = "\n  ".join(text.split("\n"))
        body.append(f"[{when}] {line.name}:\n  {indented}")
    footer = translate("mail.transcript.footer", t.locale, store=t.store_name)
    return "\n".join([*head, "\n\n".join(body), "", "-- ", footer, ""])


def _e(text: str) -> str:
    return "<br>".join(html.escape(part) for part in text.splitlines()) if text else ""


def _line_html(line: Line, t: Transcript) -> str:
    when = html.escape(_local(line.at, t.time_zone))
    if line.kind == "system":
        return (f'<tr><td colspan="2" style="padding:6px 0;color:#6b7280;font-size:13px;'
                f'text-align:center;">{when} — {_e(line.text)}</td></tr>')
    if line.kind in ("stamp", "file"):
        key = "mail.transcript.stamp" if line.kind == "stamp" else "mail.transcript.file"
        label = html.escape(translate(key, t.locale, name=(line.stamp_label if line.kind == "stamp"
                                                             else line.file_name) or ""))
        content = (f'<a href="{html.escape(line.link)}">{label}</a>' if line.link else label)
    else:
        content = _e(line.text)
    colour = "#f3f4f6" if line.author == "guest" else "#eef2ff"
    return (f'<tr><td style="padding:6px 8px 6px 0;vertical-align:top;white-space:nowrap;'
            f'font-size:12px;color:#6b7280;">{when}<br><strong style="color:#374151;">'
            f'{html.escape(line.name)}</strong></td>'
            f'<td style="padding:6px 0;vertical-align:top;"><div style="background:{colour};'
            f'border-radius:6px;padding:6px 10px;">{content}</div></td></tr>')


def render_transcript_html(t: Transcript) -> str:
    """The text/html body; every inserted value is escaped (colours only as `#rrggbb`)."""
    bg = t.header_bg if t.header_bg and _COLOUR.fullmatch(t.header_bg) else DEFAULT_HEADER[0]
    fg = t.header_fg if t.header_fg and _COLOUR.fullmatch(t.header_fg) else DEFAULT_HEADER[1]
    intro = translate("mail.transcript.intro", t.locale, store=t.store_name,
                      date=_local(t.started_at, t.time_zone))
    zone = translate("mail.transcript.zone", t.locale, zone=t.time_zone)
    rows = "\n".join(_line_html(line, t) for line in t.lines)
    header = (f'<tr><td style="padding:16px 28px;background:{bg};color:{fg};'
              f'border-radius:8px 8px 0 0;font-size:18px;font-weight:bold;">'
              f'{html.escape(t.store_name)}</td></tr>\n')
    content = (f'<p style="margin:0 0 4px;">{html.escape(intro)}</p>\n'
               f'<p style="margin:0 0 12px;font-size:12px;color:#6b7280;">{html.escape(zone)}</p>\n'
               f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0">\n'
               f'{rows}\n</table>')
    return frame_html(lang=t.locale, title=t.subject, content=content, width=640,
                      header=header, padding="20px 28px 8px",
                      footer=translate("mail.transcript.footer", t.locale, store=t.store_name))
