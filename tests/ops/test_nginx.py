"""The shipped nginx file in front of CHATS: a guest ↔ staff conversation over TLS.

On PostgreSQL + Redis two `chats serve` processes stand behind it (the staff on one,
the guest on the other, as round-robin may place them); on SQLite one. Ports, host
name and certificate paths are the only things replaced in deploy/nginx/chats.conf.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from chats.config import Settings
from chats.db.engine import Database
from tests.factories import PASSWORD, create_store
from tests.realtime.clients import Guest, Staff
from tests.servers import ProcessServer, env_for, free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run adds it)")


@dataclass
class BehindProxy(ProcessServer):
    """`chats serve` whose public URL is the proxy's, trusting the proxy's address."""

    public_url: str = ""

    def start(self) -> BehindProxy:
        env = {**os.environ, **self.env, "CHATS_PUBLIC_URL": self.public_url,
               "CHATS_LOG_JSON": "true", "CHATS_TRUSTED_PROXIES": "127.0.0.1",
               "CHATS_LOG_LEVEL": "INFO"}
        assert self.log_path
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "chats", "serve", "--port", str(self.port)],
                env=env, stdout=out, stderr=out)
        wait_healthy(self.url, self.proc, self.start_timeout)
        return self


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _render(folder: Path, upstream_ports: list[int], http_port: int, https_port: int) -> Path:
    """deploy/nginx/chats.conf with this test's ports and paths, inside a minimal nginx.conf."""
    cert, key = _certificate(folder)
    site = (ROOT / "deploy" / "nginx" / "chats.conf").read_text()
    upstreams = "".join(f"    server 127.0.0.1:{p};\n" for p in upstream_ports)
    site = site.replace("    server 127.0.0.1:8001;\n    server 127.0.0.1:8002;\n", upstreams)
    for old, new in [("listen 80;", f"listen 127.0.0.1:{http_port};"),
                     ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
                     ("chat.example.jp;", "127.0.0.1;"),
                     ("/etc/letsencrypt/live/chat.example.jp/fullchain.pem", str(cert)),
                     ("/etc/letsencrypt/live/chat.example.jp/privkey.pem", str(key))]:
        assert old in site, old
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (folder / "chats.conf").write_text(site)
    temp = "".join(f"    {kind}_temp_path {folder / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = folder / "nginx.conf"
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temp}"
        f"    include {folder / 'chats.conf'};\n}}\n")
    return conf


@pytest.fixture
def proxied(settings: Settings, tmp_path: Path) -> Iterator[tuple[str, list[BehindProxy]]]:
    http_port, https_port = free_port(), free_port()
    public = f"https://127.0.0.1:{https_port}"
    count = 2 if settings.redis_url else 1
    servers = [BehindProxy(env=env_for(settings), log_path=tmp_path / f"chats{i}.log",
                           public_url=public).start() for i in range(count)]
    folder = tmp_path / "nginx"
    folder.mkdir()
    conf = _render(folder, [s.port for s in servers], http_port, https_port)
    assert NGINX
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(folder)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)],
                             stderr=subprocess.DEVNULL)
    try:
        wait_port(https_port, nginx)
        yield public, servers
    finally:
        nginx.terminate()
        nginx.wait(timeout=15)
        for s in servers:
            s.stop()


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Until nginx accepts connections on `port`."""
    import socket
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "nginx exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("nginx did not listen")


def _tls(folder: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(folder / "nginx" / "cert.pem"))


async def test_a_conversation_through_nginx(proxied: tuple[str, list[BehindProxy]],
                                            db: Database, tmp_path: Path) -> None:
    public, servers = proxied
    tls = _tls(tmp_path)
    wss = public.replace("https://", "wss://")
    store = await create_store(db)
    async with httpx.AsyncClient(base_url=public, verify=tls, timeout=10) as c:
        r = await c.post("/api/auth/login",
                         json={"login_id": store.admin_login, "password": PASSWORD})
        assert r.status_code == 200, r.text
        cookie = c.cookies.get("chats_session")
        # The request id nginx made reached CHATS and came back.
        assert len(r.headers["x-request-id"]) == 32
    staff = Staff(await connect(f"{wss}/ws/staff", origin=public,  # type: ignore[arg-type]
                                additional_headers={"Cookie": f"chats_session={cookie}"},
                                ssl=tls))
    await staff.send({"type": "hello"})
    staff.welcome = await staff.expect("welcome")
    guest = Guest(await connect(f"{wss}/ws/guest", ssl=tls))
    await guest.send({"type": "hello", "store": store.widget_key})
    guest.welcome = await guest.expect("welcome")
    cid = (await guest.start("プロキシ越し"))["id"]
    await staff.claim(cid)
    for i in range(5):
        await guest.say(f"ゲストから {i}", f"g{i}")
        await staff.expect("message", lambda f, i=i: f["text"] == f"ゲストから {i}")
        await staff.say(cid, f"店から {i}", f"s{i}")
        await guest.expect("message", lambda f, i=i: f["text"] == f"店から {i}")
    await guest.close()
    await staff.close()
    # With two processes, nginx spread the requests over both.
    answered = [s for s in servers if s.log_path and "chats.access" in s.log_path.read_text()]
    assert len(answered) == len(servers)


async def test_plain_http_is_sent_to_https(proxied: tuple[str, list[BehindProxy]],
                                           tmp_path: Path) -> None:
    public, _ = proxied
    conf = (tmp_path / "nginx" / "chats.conf").read_text()
    http_port = conf.split("listen 127.0.0.1:", 1)[1].split(";", 1)[0]
    async with httpx.AsyncClient() as c:
        r = await c.get(f"http://127.0.0.1:{http_port}/console/")
    assert r.status_code == 301
    assert r.headers["location"] == "https://127.0.0.1/console/"
    assert public.startswith("https://127.0.0.1:")
