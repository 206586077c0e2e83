"""Percentiles and ratios."""

from __future__ import annotations

import math
from typing import Any


def percentile(ordered: list[int] | list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..1)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def summary(ns: list[int]) -> dict[str, Any]:
    """p50, p99, p99.9 and max of nanosecond samples, in milliseconds."""
    ordered = sorted(ns)
    out: dict[str, Any] = {"count": len(ordered)}
    for name, q in (("p50", 0.5), ("p99", 0.99), ("p999", 0.999)):
        out[name] = _ms(percentile(ordered, q))
    out["max"] = _ms(float(ordered[-1])) if ordered else None
    return out


def _ms(ns: float) -> float | None:
    return None if math.isnan(ns) else round(ns / 1e6, 2)


def ratio(value: Any, base: Any) -> float | None:
    """value / base, or None when either is missing or the base is zero."""
    if not isinstance(value, int | float) or not isinstance(base, int | float) or not base:
        return None
    return round(value / base, 2)
