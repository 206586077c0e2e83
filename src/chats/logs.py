"""Structured logs: one JSON object per line (or plain text for a terminal)."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from chats.access import stamp_request_ids
from chats.ids import iso, utcnow

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Paths whose query string may hold a guest's secrets: an e-mail link's token on
# /widget/panel, a token on the former GET /api/widget/KEY/status, whatever a
# hostile or outdated client puts on a socket's URL.
SECRET_QUERY_PATHS = ("/widget", "/api/widget/", "/ws/")
HIDDEN_QUERY = "?[hidden]"


class HideSecretQueries(logging.Filter):
    """Cut the query string off paths in uvicorn's access and socket lines that may hold secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(_secret_query(a) for a in args):
            record.args = tuple(_without_query(a) if _secret_query(a) else a for a in args)
        return True


def _secret_query(value: object) -> bool:
    return isinstance(value, str) and "?" in value and value.startswith(SECRET_QUERY_PATHS)


def _without_query(path: object) -> object:
    return str(path).partition("?")[0] + HIDDEN_QUERY


class JsonFormatter(logging.Formatter):
    """Formats a record as JSON with its `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": iso(utcnow()),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                plain = isinstance(value, (str, int, float, bool, type(None)))
                out[key] = value if plain else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


class RequestIdFormatter(logging.Formatter):
    """The plain format, with the request's id at the end of lines written during one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} request_id={request_id}" if request_id else line


class ClientMistakes(logging.Filter):
    """Turn uvicorn's error with a traceback for a client's invalid UTF-8 into one warning.

    uvicorn closes such a socket with 1007 itself, and logs it with `logger.exception`:
    a hostile client could otherwise fill the error log, a traceback per socket.
    """

    MESSAGES = frozenset({"Invalid UTF-8 sequence received from client."})

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade the record when it is a client's mistake; keep every record."""
        if record.levelno >= logging.ERROR and record.msg in self.MESSAGES:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
        return True


def configure_logging(level: str, *, as_json: bool) -> None:
    """Send chats' and uvicorn's logs to stderr in one format, without secret query strings."""
    handler = logging.StreamHandler(sys.stderr)
    plain = RequestIdFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    handler.setFormatter(JsonFormatter() if as_json else plain)
    stamp_request_ids()
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        # On the logger, not the handler: it holds whatever handlers come later.
        if not any(isinstance(f, HideSecretQueries) for f in logger.filters):
            logger.addFilter(HideSecretQueries())
    # chats.access writes the access log, with fields and the route template.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    uvicorn_error = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ClientMistakes) for f in uvicorn_error.filters):
        uvicorn_error.addFilter(ClientMistakes())
