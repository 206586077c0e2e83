"""Child processes of the benchmark: servers pinned to CPUs, and what /proc says about them."""

from __future__ import annotations

import contextlib
import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def child_setup() -> None:
    """In a server child before exec: every CPU allowed, open files at the hard limit."""
    os.sched_setaffinity(0, range(os.cpu_count() or 1))
    raise_nofile()


def raise_nofile() -> int:
    """Raise this process's open-file limit to the hard limit; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def pin(cpus: set[int], pid: int = 0) -> set[int]:
    """Pin a process to the CPUs that exist among `cpus`; return what it got (empty: unpinned)."""
    usable = cpus & set(range(os.cpu_count() or 1))
    if not usable:
        return set()
    with contextlib.suppress(OSError):
        os.sched_setaffinity(pid, usable)
        return usable
    return set()


def pin_all(pid: int, cpus: set[int]) -> set[int]:
    """Pin every thread of a process (threads made later inherit from their creator)."""
    got: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        got = pin(cpus, int(task.name)) or got
    return got


def unpin_all(pid: int) -> None:
    """Let every thread of a process run on any CPU again."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            os.sched_setaffinity(int(task.name), range(os.cpu_count() or 1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_kib(pid: int, key: str) -> int:
    """A `kB` line of /proc/<pid>/status (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (writing 5 to clear_refs); False where refused."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cpu_busy() -> dict[int, tuple[int, int]]:
    """Per CPU: (busy, total) jiffies from /proc/stat."""
    out = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            v = [int(x) for x in values]
            idle = v[3] + (v[4] if len(v) > 4 else 0)
            out[int(name[3:])] = (sum(v[:8]) - idle, sum(v[:8]))
    return out


@dataclass
class Meter:
    """CPU time and peak RSS of a set of processes over one measured span."""

    pids: list[int]
    wall0: float = 0.0
    cpu0: dict[int, float] = field(default_factory=dict)
    busy0: dict[int, tuple[int, int]] = field(default_factory=dict)

    def start(self) -> Meter:
        for pid in self.pids:
            reset_peak(pid)
            self.cpu0[pid] = cpu_seconds(pid)
        self.busy0 = cpu_busy()
        self.wall0 = time.perf_counter()
        return self

    def machine_busy(self) -> dict[str, float]:
        """How busy each CPU was over the span, whoever used it (others' work is noise)."""
        now = cpu_busy()
        out = {}
        for cpu, (busy, total) in now.items():
            b0, t0 = self.busy0.get(cpu, (0, 0))
            out[f"cpu{cpu}_busy_pct"] = round(100 * (busy - b0) / max(1, total - t0), 1)
        return out

    def stop(self) -> dict[str, object]:
        wall = time.perf_counter() - self.wall0
        per = []
        for pid in self.pids:
            cpu = cpu_seconds(pid) - self.cpu0[pid]
            per.append({"pid": pid, "cpu_s": round(cpu, 2),
                        "cpu_pct": round(100 * cpu / wall, 1) if wall else 0.0,
                        "peak_rss_mib": round(status_kib(pid, "VmHWM") / 1024, 1),
                        "rss_mib": round(status_kib(pid, "VmRSS") / 1024, 1)})
        return {"wall_s": round(wall, 2), "processes": per, "machine": self.machine_busy(),
                "cpu_s": round(sum(float(str(p["cpu_s"])) for p in per), 2),
                "peak_rss_mib": round(sum(float(str(p["peak_rss_mib"])) for p in per), 1)}


@dataclass
class Server:
    """A server (`chats serve` or the bare relay) as a child process on a free port."""

    name: str
    module: str
    env: dict[str, str]
    cpus: set[int]
    log_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    pinned: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> Server:
        env = {**os.environ, **self.env, "CHATS_PUBLIC_URL": self.url}
        argv = [sys.executable, "-m", self.module, "serve", "--port", str(self.port)]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{self.name}.log", "ab") as log:
            self.proc = subprocess.Popen(argv, env=env, stdout=log, stderr=log,
                                         preexec_fn=child_setup, cwd=ROOT)
        wait_healthy(self.url, self.proc)
        return self

    def pin(self) -> set[int]:
        """Pin all of the server's threads to its CPUs (after setup, before measuring)."""
        self.pinned = pin_all(self.pid, self.cpus)
        return self.pinned

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Poll /healthz until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


def machine() -> dict[str, object]:
    """nproc, CPU model and memory of this machine."""
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kib = status_meminfo("MemTotal")
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "ram_gib": round(mem_kib / 1024 / 1024, 1), "kernel": os.uname().release,
            "python": sys.version.split()[0]}


def status_meminfo(key: str) -> int:
    """A line of /proc/meminfo, in KiB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0
