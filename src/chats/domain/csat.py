"""Satisfaction ratings (CSAT, issue 19 item 2): the scale, the limits and the wording rules.

A guest rates an ended chat once, 1 (worst) to 5 (best), with an optional comment. The
admin words the question and the five labels in Japanese and English; anything left out
falls back to the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

MIN_SCORE: Final = 1
MAX_SCORE: Final = 5
MAX_COMMENT: Final = 1000
"""Code points of a comment after trimming."""
MAX_QUESTION: Final = 200
MAX_LABEL: Final = 40
LOCALES: Final = ("ja", "en")

DEFAULT_QUESTION: Final = {
    "ja": "今回のチャットの対応はいかがでしたか？",
    "en": "How satisfied were you with this chat?",
}
DEFAULT_LABELS: Final = {
    "ja": ("とても不満", "不満", "普通", "満足", "とても満足"),
    "en": ("Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"),
}


@dataclass(frozen=True)
class Wording:
    """The question and the five labels (worst first) in one language."""

    question: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class CsatSettings:
    """A store's switch and its wording per language, defaults filled in."""

    enabled: bool
    wording: dict[str, Wording]

    def to_json(self) -> dict[str, Any]:
        """What `stores.csat` holds."""
        return {"enabled": self.enabled,
                **{f"question_{loc}": w.question for loc, w in self.wording.items()},
                **{f"labels_{loc}": list(w.labels) for loc, w in self.wording.items()}}


class WordingError(ValueError):
    """A question or label breaks a rule; `key` names the i18n message, `params` its values."""

    def __init__(self, key: str, **params: int) -> None:
        super().__init__(key)
        self.key = key
        self.params: dict[str, int] = params


def clean_line(text: str) -> str:
    """One line of wording: trimmed, inner whitespace runs (line breaks too) made one space."""
    return " ".join(text.split())


def _wording(raw: dict[str, Any], locale: str) -> Wording:
    question = raw.get(f"question_{locale}")
    labels = raw.get(f"labels_{locale}")
    q = clean_line(question) if isinstance(question, str) else ""
    given = list(labels) if isinstance(labels, list) and len(labels) == MAX_SCORE else []
    cleaned = tuple(clean_line(x) if isinstance(x, str) else "" for x in given)
    defaults = DEFAULT_LABELS[locale]
    return Wording(question=q or DEFAULT_QUESTION[locale],
                   labels=tuple(c or defaults[i] for i, c in enumerate(cleaned)) if cleaned
                   else defaults)


def settings_from(raw: dict[str, Any] | None) -> CsatSettings:
    """The settings a stored value means (None or anything unreadable: off, default wording)."""
    data = raw if isinstance(raw, dict) else {}
    return CsatSettings(enabled=data.get("enabled") is True,
                        wording={loc: _wording(data, loc) for loc in LOCALES})


def checked(enabled: bool, questions: dict[str, str], labels: dict[str, list[str]]) -> CsatSettings:
    """New settings from the admin's form; WordingError names the first rule broken.

    An empty question or label means the default one.
    """
    wording: dict[str, Wording] = {}
    for loc in LOCALES:
        q = clean_line(questions.get(loc, ""))
        if len(q) > MAX_QUESTION:
            raise WordingError("error.csat_question_long", limit=MAX_QUESTION)
        given = labels.get(loc) or [""] * MAX_SCORE
        if len(given) != MAX_SCORE:
            raise WordingError("error.csat_labels_count", count=MAX_SCORE)
        cleaned = [clean_line(x) for x in given]
        if any(len(x) > MAX_LABEL for x in cleaned):
            raise WordingError("error.csat_label_long", limit=MAX_LABEL)
        defaults = DEFAULT_LABELS[loc]
        wording[loc] = Wording(question=q or DEFAULT_QUESTION[loc],
                               labels=tuple(c or defaults[i] for i, c in enumerate(cleaned)))
    return CsatSettings(enabled=enabled, wording=wording)


def clean_comment(text: str | None) -> str | None:
    """The comment as stored: trimmed, None when empty; ValueError past MAX_COMMENT."""
    if text is None:
        return None
    text = text.strip()
    if len(text) > MAX_COMMENT:
        raise ValueError("comment too long")
    return text or None


def valid_score(score: int) -> bool:
    """Whether `score` is on the scale."""
    return MIN_SCORE <= score <= MAX_SCORE
