"""The sockets' way in (`realtime/asgi.py`): the two socket routes are served directly, and
everything else still goes through the app as before."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.factories import StoreInfo
from tests.realtime.clients import Guest
from tests.servers import ThreadServer, http_client


async def test_sockets_and_http_side_by_side(server: ThreadServer, store: StoreInfo) -> None:
    guest = await Guest.connect(server.ws_url, store.widget_key)
    assert guest.welcome["availability"] == "away"
    async with http_client(base_url=server.url) as http:
        assert (await http.get("/healthz")).status_code == 200
        preflight = await http.options(f"/api/widget/{store.widget_key}/visit")
        assert preflight.headers["access-control-allow-origin"] == "*"
    await guest.close()


@pytest.mark.parametrize("path", ["/ws/nowhere", "/ws/guest/", "/api/widget/x/visit"])
async def test_a_socket_elsewhere_is_refused(server: ThreadServer, path: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{server.ws_url}{path}")
    assert refused.value.response.status_code == 403
