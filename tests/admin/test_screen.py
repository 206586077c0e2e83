"""A3: screen editing — colours (#rrggbb) and the logo, as the widget's config shows them."""

from __future__ import annotations

import httpx
import pytest

from tests.admin.pictures import picture, size_of
from tests.factories import StoreInfo

COLOURS = {
    "header_bg": "#7A3E00", "header_fg": "#ffffff",
    "guest_bubble_bg": "#fff4e5", "guest_bubble_fg": "#3b2000",
    "staff_bubble_bg": "#eef1f5", "staff_bubble_fg": "#1d2430",
}


async def widget_config(anon: httpx.AsyncClient, store: StoreInfo) -> dict[str, object]:
    r = await anon.get(f"/api/widget/{store.widget_key}/config")
    assert r.status_code == 200
    config: dict[str, object] = r.json()
    return config


async def test_colours_are_saved_and_reach_the_widget(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, store: StoreInfo
) -> None:
    r = await admin.patch("/api/admin/theme", json=COLOURS)
    assert r.status_code == 200, r.text
    expected = {k: v.lower() for k, v in COLOURS.items()}
    assert r.json()["colours"] == expected
    assert (await widget_config(anon, store))["theme"] == expected
    # A partial change keeps the rest; null goes back to the built-in colour.
    r = await admin.patch("/api/admin/theme", json={"header_bg": None, "header_fg": "#000000"})
    assert r.json()["colours"] == {**expected, "header_bg": None, "header_fg": "#000000"}


@pytest.mark.parametrize("value", ["red", "#12345", "#1234567", "#gggggg", "1f6feb", "#fff"])
async def test_bad_colours_are_refused(admin: httpx.AsyncClient, value: str) -> None:
    r = await admin.patch("/api/admin/theme", json={"guest_bubble_bg": value})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        f"色は #rrggbb の形式（例: #1f6feb）で指定してください。guest_bubble_bg: {value}")


async def test_unknown_theme_keys_are_refused(admin: httpx.AsyncClient) -> None:
    r = await admin.patch("/api/admin/theme", json={"font": "#000000"})
    assert r.status_code == 422


async def test_logo_is_scaled_re_encoded_and_shown_in_the_widget(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, store: StoreInfo
) -> None:
    r = await admin.put("/api/admin/logo",
                        files={"file": ("logo.jpg", picture(1200, 400, "JPEG"), "image/jpeg")})
    assert r.status_code == 200, r.text
    logo_url = r.json()["logo_url"]
    image = await anon.get(logo_url)
    assert size_of(image.content) == ("PNG", 600, 200)
    config = await widget_config(anon, store)
    assert str(config["logo_url"]).endswith(logo_url)
    # Colours are untouched by the logo, and the logo by colours.
    r = await admin.patch("/api/admin/theme", json={"header_bg": "#000000"})
    assert r.json()["logo_url"] == logo_url
    r = await admin.delete("/api/admin/logo")
    assert r.json()["logo_url"] is None
    assert r.json()["colours"]["header_bg"] == "#000000"
    assert (await widget_config(anon, store))["logo_url"] is None


async def test_a_small_logo_is_not_enlarged(admin: httpx.AsyncClient,
                                            anon: httpx.AsyncClient) -> None:
    r = await admin.put("/api/admin/logo", files={"file": ("l.gif", picture(80, 40, "GIF"),
                                                           "image/gif")})
    assert size_of((await anon.get(r.json()["logo_url"])).content) == ("PNG", 80, 40)


async def test_a_logo_that_is_no_image_is_refused(admin: httpx.AsyncClient) -> None:
    r = await admin.put("/api/admin/logo", files={"file": ("logo.png", b"GIF89a-not-really",
                                                           "image/png")})
    assert r.status_code == 400
    assert r.json()["error"]["message"] == (
        "PNG・JPEG・GIF・WebP のいずれかの画像をアップロードしてください。"
        "送られたファイルは画像ではないか、壊れています。")
    r = await admin.put("/api/admin/logo", files={"file": ("logo.bmp", picture(10, 10, "BMP"),
                                                           "image/bmp")})
    assert r.json()["error"]["message"].endswith("送られた画像: 10×10 BMP")


async def test_screen_settings_name_the_store(admin: httpx.AsyncClient, store: StoreInfo) -> None:
    body = (await admin.get("/api/admin/screen")).json()
    assert body["store"] == {"id": store.store_id, "name": "茶房みどり",
                             "widget_key": store.widget_key}
    assert body["buttons"] == {"away": None, "waiting": None, "busy": None}
