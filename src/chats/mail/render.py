"""One layout for every mail: plain text and HTML from the same parts, escaped once."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from string import Template

TEMPLATES = Path(__file__).parent / "templates"
QUOTE_STYLE = "margin:16px 0;padding:8px 14px;border-left:4px solid #d1d5db;color:#374151;"
BUTTON_STYLE = (
    "display:inline-block;padding:10px 20px;background:#2563eb;color:#ffffff;"
    "border-radius:6px;text-decoration:none;font-weight:bold;"
)


@dataclass(frozen=True)
class MailParts:
    """What a mail says; every field is plain text (user text included), escaped on render."""

    locale: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    quote: str | None = None
    action: tuple[str, str] | None = None  # (label, URL)
    notes: list[str] = field(default_factory=list)
    footer: str = ""


@cache
def _layout() -> Template:
    return Template((TEMPLATES / "layout.html").read_text("utf-8"))


def render_text(parts: MailParts) -> str:
    """The text/plain body."""
    blocks = [*parts.paragraphs]
    if parts.quote:
        blocks.append("\n".join(f"> {line}" for line in parts.quote.splitlines()))
    if parts.action:
        blocks.append(f"{parts.action[0]}:\n{parts.action[1]}")
    blocks.extend(parts.notes)
    body = "\n\n".join(blocks)
    return f"{body}\n\n-- \n{parts.footer}\n" if parts.footer else f"{body}\n"


def _lines(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.splitlines())


def _html_content(parts: MailParts) -> str:
    out = [f"<p>{_lines(p)}</p>" for p in parts.paragraphs]
    if parts.quote:
        out.append(f'<blockquote style="{QUOTE_STYLE}">{_lines(parts.quote)}</blockquote>')
    if parts.action:
        label, url = (html.escape(v) for v in parts.action)
        link = f'<a href="{url}" style="{BUTTON_STYLE}">{label}</a>'
        out.append(f'<p style="margin:24px 0;">{link}</p>')
    out.extend(f'<p style="font-size:13px;color:#6b7280;">{_lines(n)}</p>' for n in parts.notes)
    return "\n".join(out)


def render_html(parts: MailParts) -> str:
    """The text/html body; every inserted value is HTML-escaped."""
    title = html.escape(parts.title)
    return frame_html(
        lang=parts.locale, title=parts.title, footer=parts.footer,
        content=f'<h1 style="margin:0 0 16px;font-size:18px;">{title}</h1>\n'
                + _html_content(parts))


def frame_html(*, lang: str, title: str, footer: str, content: str, width: int = 560,
               header: str = "", padding: str = "24px 28px") -> str:
    """Every HTML mail's frame around `content` (already HTML): `lang`, `title` and `footer`
    are plain text, escaped here; `header` an optional row above the content (HTML)."""
    return _layout().substitute(
        lang=html.escape(lang), title=html.escape(title), width=width, header=header,
        padding=padding, content=content, footer=_lines(footer))
