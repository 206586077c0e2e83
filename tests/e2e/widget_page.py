"""Driving the widget in a browser (the loader's button, the panel iframe) and a staff member."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.async_api import FrameLocator, Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.factories import PASSWORD
from tests.realtime.clients import Frame, Staff
from tests.servers import ThreadServer, http_client


class Widget:
    """The loader's button (in its open shadow root) and the panel in its iframe."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.button: Locator = page.locator("chats-widget button")
        self.state: Locator = page.locator("chats-widget div[data-status]")
        self.badge: Locator = page.locator("chats-widget .n")
        self.panel: FrameLocator = page.frame_locator("chats-widget iframe")

    def in_panel(self, selector: str) -> Locator:
        return self.panel.locator(selector)

    def testid(self, name: str) -> Locator:
        return self.panel.get_by_test_id(name)

    async def expect_status(self, status: str, timeout: float = 10_000) -> None:
        await expect(self.state).to_have_attribute("data-status", status, timeout=timeout)
        # the new image is drawn once loaded (screenshots must not catch it half-way)
        await self.page.wait_for_function(
            """(status) => {
                const root = document.querySelector('chats-widget')?.shadowRoot;
                const img = root?.querySelector('img');
                if (!img || !img.complete || !img.naturalWidth) return false;
                return !img.src.includes('/static/buttons/') || img.src.includes(`/${status}.`);
            }""", arg=status, timeout=timeout)

    async def recheck_until(self, status: str, attempts: int = 20) -> None:
        """Bring the tab 'back to the front' (the loader re-checks) until the button says so."""
        for _ in range(attempts):
            await self.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
            try:
                await self.expect_status(status, timeout=500)
                return
            except (AssertionError, PlaywrightTimeout):
                # the attribute did not change yet, or it did and the image is still loading
                continue
        await self.expect_status(status)

    async def open(self) -> None:
        await self.button.click()
        await expect(self.testid("guest-panel")).to_be_visible()

    async def start_chat(self, nickname: str) -> None:
        form = self.testid("entry-form")
        await expect(form).to_be_visible()
        await self.panel.get_by_label("ニックネーム").fill(nickname)
        await self.testid("start").click()

    async def type_and_enter(self, text: str) -> None:
        composer = self.testid("composer")
        await composer.fill(text)
        await composer.press("Enter")

    async def sent_texts(self) -> list[str]:
        """Texts of the guest's messages the server has confirmed (with a seq)."""
        items = self.in_panel("li[data-author=guest] .bubble")
        return [t.strip() for t in await items.all_inner_texts()]


@dataclass
class StaffMember:
    """A staff member: a logged-in HTTP client (cookie + CSRF) and a staff socket."""

    http: httpx.AsyncClient
    csrf: str
    socket: Staff

    @classmethod
    async def connect(cls, server: ThreadServer, login_id: str,
                      password: str = PASSWORD) -> StaffMember:
        http, csrf = await staff_http(server, login_id, password)
        cookie = http.cookies.get("chats_session")
        assert cookie
        socket = await Staff.connect(server.url, server.ws_url, login_id, cookie=cookie)
        return cls(http=http, csrf=csrf, socket=socket)

    async def close(self) -> None:
        await self.socket.close()
        await self.http.aclose()

    async def waiting_conversation(self, nickname: str, timeout: float = 10) -> str:
        """Id of the waiting conversation of the guest called nickname (from queue frames)."""
        found: dict[str, Any] = {}

        def match(f: Frame) -> bool:
            for w in f.get("waiting", []):
                if w.get("nickname") == nickname:
                    found["id"] = w["conversation_id"]
                    return True
            return False

        for w in self.socket.welcome.get("queue", []):
            if w.get("nickname") == nickname:
                return str(w["conversation_id"])
        await self.socket.expect("queue", match, timeout=timeout)
        return str(found["id"])

    async def send(self, conversation_id: str, **frame: Any) -> Frame:
        cid = f"staff-{id(frame)}-{len(self.socket.frames)}"
        await self.socket.send({"type": "send", "conversation_id": conversation_id,
                                "client_msg_id": cid, **frame})
        return await self.socket.expect("ack", lambda f: f["client_msg_id"] == cid)

    async def upload(self, conversation_id: str, name: str, data: bytes,
                     content_type: str = "application/pdf") -> Frame:
        r = await self.http.post(
            f"/api/conversations/{conversation_id}/files",
            files={"file": (name, data, content_type)},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert r.status_code == 201, r.text
        message: Frame = r.json()["message"]
        return message

    async def guest_texts(self, conversation_id: str, count: int,
                          timeout: float = 15) -> list[str]:
        """Wait until `count` guest messages of the conversation arrived; their texts in order."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            texts = [f["text"] for f in self.socket.messages(conversation_id)
                     if f["author"] == "guest"]
            if len(texts) >= count:
                return texts
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"only {texts} arrived")
            try:
                await self.socket.recv(min(remaining, 1.0))
            except TimeoutError:
                continue


async def staff_http(server: ThreadServer, login_id: str,
                     password: str = PASSWORD) -> tuple[httpx.AsyncClient, str]:
    """A logged-in HTTP client for the staff API (no socket: the staff member stays offline)."""
    http = http_client(base_url=server.url, timeout=10)
    r = await http.post("/api/auth/login", json={"login_id": login_id, "password": password})
    assert r.status_code == 200, r.text
    return http, str(r.json()["csrf_token"])


def dump(frames: list[Frame]) -> str:
    """Frames as readable JSON lines, for assertion messages."""
    return "\n".join(json.dumps(f, ensure_ascii=False) for f in frames)
