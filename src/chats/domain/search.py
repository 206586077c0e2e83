"""Message search (issue 19 item 1): query words, the folded form, highlighted snippets.

Messages are indexed by character trigrams of a folded copy of their text
(docs/decisions/0013-message-search.md). The folding is the guest search's
(`domain/text.py::search_key`: NFKC, lower case, katakana as hiragana): the same function builds
the index (a SQLite function the trigger calls; a PostgreSQL SQL function mirroring
it, `sql_fold_tables`) and folds the query, so ｶﾞ, ガ and が find each other.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from chats.domain.text import KATA_TO_HIRA

MAX_QUERY_CHARS: Final = 100
MAX_WORDS: Final = 8
# A word shorter than a trigram cannot use the index: queries made only of such words
# are matched against the store's newest messages (after the filters), this many at most.
TRIGRAM: Final = 3
SHORT_SCAN_LIMIT: Final = 5000
SNIPPET_BEFORE: Final = 30
SNIPPET_CHARS: Final = 140


class SearchQueryError(ValueError):
    """A query that cannot be searched; `reason` names the catalogue message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def fold(text: str) -> str:
    """The indexed form of a message's text (and of query words).

    The guest search's `search_key` with `lower()` for its case folding: PostgreSQL has
    `lower()` but no full case folding, and its index must fold exactly like this (ß stays).
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).lower())
    return folded.translate(KATA_TO_HIRA)


def query_words(q: str) -> list[str]:
    """The folded, distinct words of a query (all must match), longest first.

    Raises `SearchQueryError` for an empty or too long query, or too many words.
    """
    if "\x00" in q:
        raise SearchQueryError("search_query")
    stripped = q.strip()
    if not stripped:
        raise SearchQueryError("search_empty")
    if len(stripped) > MAX_QUERY_CHARS:
        raise SearchQueryError("search_too_long")
    words: list[str] = []
    for raw in fold(stripped).split():
        if raw not in words:
            words.append(raw)
    if len(words) > MAX_WORDS:
        raise SearchQueryError("search_too_many_words")
    # A word contained in another adds nothing to an AND.
    words = [w for w in words if not any(w != o and w in o for o in words)]
    return sorted(words, key=len, reverse=True)


def is_indexed(word: str) -> bool:
    """True when the trigram index can find `word` (three characters or more)."""
    return len(word) >= TRIGRAM


def fts5_query(words: list[str]) -> str:
    """An FTS5 MATCH expression: every indexable word as a quoted phrase, ANDed."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words if is_indexed(w))


def like_pattern(word: str) -> str:
    """`%word%` with LIKE's wildcards and the escape character taken literally (escape `\\`)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _units(text: str) -> list[str]:
    """`text` cut where folding cannot join characters: a base character with its marks."""
    units: list[str] = []
    for ch in text:
        # Combining marks and the half-width voicing marks fold together with what precedes.
        joins = unicodedata.combining(ch) or ch in "\uff9e\uff9f\u3099\u309a"
        if units and joins:
            units[-1] += ch
        else:
            units.append(ch)
    return units


@dataclass(frozen=True)
class Segment:
    """A piece of a snippet; `hit` marks text that matched a query word."""

    text: str
    hit: bool


def highlight(text: str, words: list[str]) -> list[Segment]:
    """A snippet of `text` around its first match, cut into plain and matching segments.

    Matching runs on the folded text, mapped back to the original characters, so a
    query in hiragana marks the katakana or half-width form the message holds.
    """
    units = _units(text)
    folded_parts = [fold(u) for u in units]
    # Where each unit starts in the folded string.
    starts: list[int] = []
    pos = 0
    for part in folded_parts:
        starts.append(pos)
        pos += len(part)
    folded = "".join(folded_parts)
    marked = [False] * len(units)
    unit_at = _unit_index(starts, len(folded))
    for word in words:
        if not word:
            continue
        begin = folded.find(word)
        while begin >= 0:
            end = begin + len(word)
            for i in range(unit_at[begin], unit_at[end - 1] + 1):
                marked[i] = True
            begin = folded.find(word, begin + 1)
    first = marked.index(True) if True in marked else 0
    lo = max(0, first - SNIPPET_BEFORE)
    hi = min(len(units), lo + SNIPPET_CHARS)
    segments: list[Segment] = []
    if lo > 0:
        segments.append(Segment("…", False))
    for i in range(lo, hi):
        piece = " " if units[i] in ("\n", "\r") else units[i]
        if segments and segments[-1].hit == marked[i] and segments[-1].text != "…":
            segments[-1] = Segment(segments[-1].text + piece, marked[i])
        else:
            segments.append(Segment(piece, marked[i]))
    if hi < len(units):
        segments.append(Segment("…", False))
    return segments


def _unit_index(starts: list[int], length: int) -> list[int]:
    """For each position of the folded string, the index of the unit it came from."""
    owner = [0] * length
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else length
        for p in range(start, end):
            owner[p] = i
    return owner


# Katakana ァ..ヶ, ヽ and ヾ as hiragana: the table PostgreSQL's `translate()` applies,
# derived from `fold` itself so the two can never disagree.
def sql_fold_tables() -> tuple[str, str]:
    """(from, to) strings for SQL `translate()`: each katakana and what `fold` makes of it."""
    source = "".join(chr(c) for c in range(ord("ァ"), ord("ヶ") + 1)) + "ヽヾ"
    pairs = [(ch, fold(ch)) for ch in source]
    kept = [(a, b) for a, b in pairs if len(b) == 1 and a != b]
    return "".join(a for a, _ in kept), "".join(b for _, b in kept)
