"""E-mail through a durable outbox: producers queue rows, the sender delivers them (P3)."""

from __future__ import annotations
