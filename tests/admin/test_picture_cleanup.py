"""Pictures of a store's look that are replaced or removed leave the disk (A2, A3, A6)."""

from __future__ import annotations

from pathlib import Path

import httpx

from chats.config import Settings
from tests.admin.pictures import logo, picture


def stored_files(settings: Settings) -> set[Path]:
    root = settings.uploads_dir
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def test_replaced_and_removed_pictures_are_deleted(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, settings: Settings
) -> None:
    first = await admin.put("/api/admin/buttons/away",
                            files={"file": ("a.png", picture(100, 120, colour="#111111"),
                                            "image/png")})
    old_url = first.json()["buttons"]["away"]
    files_before = stored_files(settings)
    second = await admin.put("/api/admin/buttons/away",
                             files={"file": ("b.png", picture(100, 120, colour="#222222"),
                                             "image/png")})
    new_url = second.json()["buttons"]["away"]
    assert new_url != old_url
    assert (await anon.get(old_url)).status_code == 404
    assert (await anon.get(new_url)).status_code == 200
    assert len(stored_files(settings)) == len(files_before)  # one in, one out

    await admin.put("/api/admin/logo", files={"file": ("logo.png", logo(), "image/png")})
    stamp = (await admin.post("/api/admin/stamps", data={"code": "nice", "label": "いいね"},
                              files={"file": ("s.png", picture(300, 300), "image/png")})).json()
    replaced = (await admin.put(f"/api/admin/stamps/{stamp['id']}/image",
                                files={"file": ("t.png", picture(300, 300, colour="#ff0000"),
                                                "image/png")})).json()
    assert (await anon.get(stamp["url"])).status_code == 404
    assert len(stored_files(settings)) == len(files_before) + 2  # logo + stamp

    assert (await admin.delete(f"/api/admin/stamps/{stamp['id']}")).status_code == 204
    assert (await anon.get(replaced["url"])).status_code == 404
    assert (await admin.delete("/api/admin/logo")).status_code == 200
    assert (await admin.delete("/api/admin/buttons/away")).status_code == 200
    assert (await anon.get(new_url)).status_code == 404
    assert stored_files(settings) == set()


async def test_a_refused_replacement_keeps_the_current_picture(
    admin: httpx.AsyncClient, anon: httpx.AsyncClient, settings: Settings
) -> None:
    ok = await admin.put("/api/admin/buttons/busy",
                         files={"file": ("a.png", picture(100, 120), "image/png")})
    url = ok.json()["buttons"]["busy"]
    refused = await admin.put("/api/admin/buttons/busy",
                              files={"file": ("b.png", picture(101, 120), "image/png")})
    assert refused.status_code == 400
    assert (await anon.get(url)).status_code == 200
    assert len(stored_files(settings)) == 1
