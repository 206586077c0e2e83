"""A2: chat-start button images — only a PNG of exactly 100×120 px, checked by decoding."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.pictures import bomb_png, lying_png, picture, size_of
from tests.factories import StoreInfo

EXPECTED = "PNG画像（幅100px × 高さ120px）をアップロードしてください。"


def png_file(data: bytes, name: str = "button.png") -> dict[str, tuple[str, bytes, str]]:
    return {"file": (name, data, "image/png")}


async def upload(client: httpx.AsyncClient, data: bytes, status: str = "away",
                 **headers: str) -> httpx.Response:
    return await client.put(f"/api/admin/buttons/{status}", files=png_file(data),
                            headers=headers)


async def test_three_images_are_stored_re_encoded_and_reach_the_widget(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, store: StoreInfo
) -> None:
    for status, colour in (("away", "#888888"), ("waiting", "#1a7f37"), ("busy", "#b42318")):
        r = await upload(admin, picture(100, 120, colour=colour, text="secret"), status)
        assert r.status_code == 200, r.text
    buttons = r.json()["buttons"]
    assert all(buttons[s] for s in ("away", "waiting", "busy"))
    image = await anon.get(buttons["busy"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert size_of(image.content) == ("PNG", 100, 120)
    assert b"secret" not in image.content  # our own encoding, without the sender's chunks
    config = (await anon.get(f"/api/widget/{store.widget_key}/config")).json()
    assert config["buttons"]["waiting"].endswith(buttons["waiting"])


async def test_reset_goes_back_to_the_built_in_image(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, store: StoreInfo
) -> None:
    await upload(admin, picture(100, 120), "waiting")
    r = await admin.delete("/api/admin/buttons/waiting")
    assert r.status_code == 200
    assert r.json()["buttons"]["waiting"] is None
    config = (await anon.get(f"/api/widget/{store.widget_key}/config")).json()
    assert config["buttons"]["waiting"] is None


@pytest.mark.parametrize(("data", "received"), [
    (picture(101, 120), "101×120 PNG"),
    (picture(100, 121), "100×121 PNG"),
    (picture(120, 100), "120×100 PNG"),
    (picture(200, 120, "JPEG"), "200×120 JPEG"),
    (picture(100, 120, "JPEG"), "100×120 JPEG"),  # a JPEG behind a .png name
    (picture(100, 120, "GIF"), "100×120 GIF"),
    (bomb_png(), "100000×100000 PNG"),  # a decompression bomb
    (bomb_png(5000, 5000), "5000×5000 PNG"),
], ids=["101x120", "100x121", "sideways", "jpeg", "jpeg-named-png", "gif", "bomb", "big"])
async def test_wrong_images_are_refused_saying_what_was_expected_and_received(
    admin: httpx.AsyncClient, data: bytes, received: str
) -> None:
    r = await upload(admin, data)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == {"code": "bad_frame",
                                 "message": f"{EXPECTED}送られた画像: {received}"}
    assert (await admin.get("/api/admin/screen")).json()["buttons"]["away"] is None


async def test_the_refusal_is_in_english_for_english_readers(admin: httpx.AsyncClient) -> None:
    r = await upload(admin, picture(101, 120), **{"Accept-Language": "en-US,en;q=0.9"})
    assert r.json()["error"]["message"] == (
        "Please upload a PNG image 100 px wide and 120 px high. Received: 101×120 PNG")


@pytest.mark.parametrize("data", [
    picture(100, 120)[:-30],  # truncated before IEND
    picture(100, 120)[:70],  # truncated inside the pixel data
    lying_png(),  # header says 100×120, pixel data is for 50×60
], ids=["truncated-end", "truncated-data", "lying"])
async def test_damaged_pngs_are_refused(admin: httpx.AsyncClient, data: bytes) -> None:
    r = await upload(admin, data)
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        f"{EXPECTED}送られた画像（100×120 PNG）は壊れていて最後まで読み込めません。")


async def test_a_file_that_is_no_image_is_refused(admin: httpx.AsyncClient) -> None:
    r = await upload(admin, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert r.status_code == 400
    assert r.json()["error"]["message"] == f"{EXPECTED}送られたファイルは画像ではありません。"


async def test_too_many_bytes_and_unknown_status(admin: httpx.AsyncClient) -> None:
    big = picture(100, 120) + b"\x00" * (600 * 1024)
    r = await upload(admin, big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = await upload(admin, picture(100, 120), "purple")
    assert r.status_code == 404
    assert (await admin.delete("/api/admin/buttons/purple")).status_code == 404
    r = await admin.put("/api/admin/buttons/away")  # no file at all
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_frame"


async def test_stores_are_sealed(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, store: StoreInfo, other_store: StoreInfo
) -> None:
    await upload(admin, picture(100, 120), "busy")
    config = (await anon.get(f"/api/widget/{other_store.widget_key}/config")).json()
    assert config["buttons"]["busy"] is None
