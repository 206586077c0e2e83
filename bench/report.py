"""Markdown tables from the results, every figure with its ratio to the baseline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.stats import ratio

ENTRY_POINTS = {"main", "<module>", "cmd_serve"}  # on every stack: says nothing
SYSTEMS = [("sqlite", "CHATS, SQLite, 1 process"),
           ("postgres", "CHATS, PostgreSQL + Redis, 2 processes")]


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _fmt(v: Any, unit: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        v = f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"
    elif isinstance(v, int):
        v = f"{v:,}"
    return f"{v}{unit}"


def _cell(v: Any, base: Any, unit: str = "") -> str:
    r = ratio(v, base)
    return _fmt(v, unit) + (f" ({r:g}×)" if r is not None else "")


ROWS: list[tuple[str, tuple[str, ...], str]] = [
    ("guest→staff p50", ("chat", "latency_ms", "guest_to_staff", "p50"), " ms"),
    ("guest→staff p99", ("chat", "latency_ms", "guest_to_staff", "p99"), " ms"),
    ("guest→staff p99.9", ("chat", "latency_ms", "guest_to_staff", "p999"), " ms"),
    ("guest→staff max", ("chat", "latency_ms", "guest_to_staff", "max"), " ms"),
    ("staff→guest p50", ("chat", "latency_ms", "staff_to_guest", "p50"), " ms"),
    ("staff→guest p99", ("chat", "latency_ms", "staff_to_guest", "p99"), " ms"),
    ("staff→guest p99.9", ("chat", "latency_ms", "staff_to_guest", "p999"), " ms"),
    ("staff→guest max", ("chat", "latency_ms", "staff_to_guest", "max"), " ms"),
    ("ack (stored) p99, guest sends", ("chat", "latency_ms", "ack_guest", "p99"), " ms"),
    ("acked messages/s", ("chat", "acked_per_s"), ""),
    ("lost / duplicated", ("chat", "lost_dup"), ""),
    ("server CPU (all processes)", ("chat", "server", "cpu_pct_total"), " %"),
    ("server peak RSS (all processes)", ("chat", "server", "peak_rss_mib"), " MiB"),
    ("CPU 0 busy, anyone (server's CPU)", ("chat", "server", "machine", "cpu0_busy_pct"), " %"),
    ("CPU 1 busy, anyone (generator's CPU)", ("chat", "server", "machine", "cpu1_busy_pct"),
     " %"),
    ("highest sustained rate, p99 ≤ 100 ms", ("max_rate", "max_sustained_per_s"), " msg/s"),
    ("  its p99 delivery", ("max_rate", "best_p99"), " ms"),
    ("resume of 300 missed messages, median", ("resume", "median_ms"), " ms"),
    ("resume of 300 missed messages, max", ("resume", "max_ms"), " ms"),
    ("idle guest sockets open on one process", ("idle", "open"), ""),
    ("memory per idle socket", ("idle", "kib_per_socket"), " KiB"),
    ("`/visit` requests/s (baseline: bare handler)", ("visit", "per_s"), ""),
    ("`/visit` p99", ("visit", "latency_ms", "p99"), " ms"),
]


def derive(system: dict[str, Any]) -> None:
    """Add the figures the tables show that are sums or picks of others."""
    chat = system.get("chat")
    if isinstance(chat, dict):
        chat["lost_dup"] = f"{chat.get('lost', '?')} / {chat.get('duplicated', '?')}"
        server = chat.get("server", {})
        procs = server.get("processes", [])
        server["cpu_pct_total"] = round(sum(p["cpu_pct"] for p in procs), 1)
    mr = system.get("max_rate")
    if isinstance(mr, dict):
        passed = [s for s in mr.get("steps", []) if s.get("passed")]
        mr["best_p99"] = passed[-1]["latency_ms"]["delivery"]["p99"] if passed else None


def main_table(results: dict[str, Any]) -> str:
    """Scenario rows × systems, with the relay as the baseline column."""
    systems = results["systems"]
    base = systems.get("relay", {})
    shown = [(k, label) for k, label in SYSTEMS if k in systems]
    head = "| scenario | baseline (bare relay) | " + " | ".join(lbl for _, lbl in shown) + " |"
    lines = [head, "|---" * (2 + len(shown)) + "|"]
    for label, path, unit in ROWS:
        b = _get(base, *path)
        cells = [_cell(_get(systems[k], *path), b, unit) for k, _ in shown]
        lines.append(f"| {label} | {_fmt(b, unit)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, per system: value, target, met."""
    out = []
    systems = results["systems"]
    bare_visit = _get(systems, "relay", "visit", "per_s")
    for key, label in SYSTEMS:
        s = systems.get(key)
        if not s:
            continue
        processes = 2 if key == "postgres" else 1
        rate = _get(s, "max_rate", "max_sustained_per_s")
        per_process = round(rate / processes, 1) if isinstance(rate, int | float) else None
        idle_open, idle_kib = _get(s, "idle", "open"), _get(s, "idle", "kib_per_socket")
        resume = _get(s, "resume", "max_ms")
        p99 = _get(s, "chat", "latency_ms", "guest_to_staff", "p99")
        visit = _get(s, "visit", "per_s")
        rows = [
            ("p99 guest→staff at 1,000 chats / 100 msg/s", p99, "≤ 25 ms",
             p99 is not None and p99 <= 25),
            ("persisted messages/s per process (p99 ≤ 100 ms"
             + ("; total ÷ 2)" if processes == 2 else ")"), per_process, "≥ 2,000",
             per_process is not None and per_process >= 2000),
            ("idle guest sockets per process", idle_open, "≥ 15,000",
             idle_open is not None and idle_open >= 15000),
            ("memory per idle socket (KiB)", idle_kib, "≤ 30",
             idle_kib is not None and idle_kib <= 30),
            ("resume of 300 messages, worst of the runs (ms)", resume, "≤ 200",
             resume is not None and resume <= 200),
            ("/visit rate ÷ bare handler", ratio(visit, bare_visit), "≥ 0.5",
             (ratio(visit, bare_visit) or 0) >= 0.5),
        ]
        for name, value, goal, met in rows:
            out.append({"system": label, "target": name, "value": value, "goal": goal,
                        "met": bool(met)})
    return out


def targets_table(results: dict[str, Any]) -> str:
    lines = ["| system | target | measured | goal | met |", "|---|---|---|---|---|"]
    for t in results.get("targets", []):
        lines.append(f"| {t['system']} | {t['target']} | {_fmt(t['value'])} | {t['goal']} | "
                     f"{'yes' if t['met'] else '**no**'} |")
    return "\n".join(lines)


def steps_table(results: dict[str, Any]) -> str:
    lines = ["| system | offered msg/s | acked msg/s | p50 | p99 | p99.9 | server CPU | "
             "generator CPU | sustained |", "|---|---|---|---|---|---|---|---|---|"]
    names = {"relay": "baseline (bare relay)", **dict(SYSTEMS)}
    for key, system in results["systems"].items():
        for step in _get(system, "max_rate", "steps") or []:
            lat = step["latency_ms"]["delivery"]
            cpu = sum(p["cpu_pct"] for p in step["server"]["processes"])
            lines.append(f"| {names.get(key, key)} | {_fmt(step['offered_per_s'])} | "
                         f"{_fmt(step['acked_per_s'])} | {_fmt(lat['p50'])} ms | "
                         f"{_fmt(lat['p99'])} ms | {_fmt(lat['p999'])} ms | {cpu:.0f} % | "
                         f"{step['generator_cpu_pct']:.0f} % | "
                         f"{'yes' if step['passed'] else 'no'}"
                         f"{' (second try)' if step.get('retry') else ''} |")
    return "\n".join(lines)


def profile_tables(results: dict[str, Any], top: int = 10) -> str:
    parts = []
    for key, label in SYSTEMS:
        system = results["systems"].get(key) or {}
        broke = _get(system, "max_rate", "profiled_rate")
        for scenario, title in (("chat", "1,000 chats / 100 msg/s"),
                                ("max_rate", f"the step that broke, {_fmt(broke)} msg/s"),
                                ("visit", "`/visit`")):
            for server, prof in (_get(system, scenario, "profile") or {}).items():
                if prof["samples"] < 50:
                    continue  # a process with nothing to do in this scenario
                areas = ", ".join(f"{a['area']} {a['pct']} %" for a in prof["areas"][:8])
                parts.append(f"**{label} — {server} — {title}** ({prof['samples']:,} samples; "
                             f"by area of the innermost frame: {areas})\n")
                rows = ["| self % | function | | inclusive % | function (chats, sqlalchemy) |",
                        "|---|---|---|---|---|"]
                inclusive = [e for e in prof["inclusive"]
                             if e["function"].split(" (")[0] not in ENTRY_POINTS]
                for i in range(top):
                    s = prof["self"][i] if i < len(prof["self"]) else None
                    n = inclusive[i] if i < len(inclusive) else None
                    rows.append(f"| {s['pct'] if s else ''} | {_code(s)} | | "
                                f"{n['pct'] if n else ''} | {_code(n)} |")
                parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def _code(entry: dict[str, Any] | None) -> str:
    return f"`{entry['function']}`" if entry else ""


def sizes_line(results: dict[str, Any]) -> str:
    sizes = results.get("sizes") or {}
    if "error" in sizes or not sizes:
        return f"Widget sizes: not measured ({sizes.get('error', 'no build')})."
    return (f"Widget loader `widget.js`: {sizes['loader_gzip']:,} B gzip "
            f"(budget 3,072 B); guest panel JS + CSS: {sizes['guest_gzip']:,} B gzip "
            f"(budget 30,720 B); staff console: {sizes['console_gzip']:,} B; "
            f"admin: {sizes['admin_gzip']:,} B (gzip level 9, `node scripts/sizes.mjs`).")


def meta_lines(results: dict[str, Any]) -> str:
    m = results["meta"]
    mach = m["machine"]
    return "\n".join([
        f"- Date: {m['date']}; commit `{m['commit']}`; command `{m['command']}`; "
        f"run time {m['duration_s'] / 60:.1f} min.",
        f"- Machine: {mach['nproc']} CPUs ({mach['cpu_model']}), {mach['ram_gib']} GiB RAM, "
        f"Linux {mach['kernel']}, Python {mach['python']}. Load average before / after: "
        f"{m['loadavg_start']} / {m['loadavg_end']} (the machine is shared: other work ran).",
        f"- Pinning: {m['pinning']}",
        f"- Load: {m['config']['chats']:,} chats, {m['config']['rate']:g} msg/s for "
        f"{m['config']['seconds']:g} s after {m['config']['warmup_s']:g} s warm-up; rate steps "
        f"of {m['config']['step_s']:g} s; {m['config']['idle']:,} idle sockets; "
        f"{m['config']['resume_reps']} resumes; `/visit` with {m['config']['visit_concurrency']} "
        f"concurrent clients for {m['config']['visit_s']:g} s.",
    ])


def results_block(results: dict[str, Any]) -> str:
    """Everything `make bench` writes into bench/README.md."""
    return "\n\n".join([
        meta_lines(results),
        "### Main figures (ratio to the baseline in brackets)\n\n" + main_table(results),
        "### Targets of issue 8\n\n" + targets_table(results),
        "### Rate steps\n\n" + steps_table(results),
        "### Widget weight\n\n" + sizes_line(results),
        "### Profiles (py-spy, % of samples)\n\n" + profile_tables(results),
    ])


def readme_block(results: dict[str, Any]) -> str:
    """The shorter quote for the top-level README."""
    return "\n\n".join([meta_lines(results), main_table(results), targets_table(results),
                        sizes_line(results)])


def replace_block(path: Path, marker: str, body: str) -> bool:
    """Replace the text between `<!-- marker:start -->` and `<!-- marker:end -->`."""
    if not path.exists():
        return False
    text = path.read_text()
    pattern = re.compile(rf"(<!-- {marker}:start -->).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        return False
    path.write_text(pattern.sub(lambda m: f"{m.group(1)}\n{body}\n{m.group(2)}", text, count=1))
    return True
