"""The admin menu's calls (A2 button images, A3 screen, A4 fields, A6 stamps); admins only.

Every call is scoped to the caller's own store: an id of another store is not_found.
After a change the store's staff (and, for the widget's look and fields, its guests)
get a `settings_changed` frame so that open consoles and widgets can reload.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile

from chats.api.admin_schemas import (
    ColoursIn,
    FieldIn,
    FieldList,
    FieldOrderIn,
    FieldOut,
    FieldPatch,
    ScreenSettings,
    StampList,
    StampOut,
    StampPatch,
    field_out,
    screen_settings,
    stamp_out,
)
from chats.api.deps import Ctx, CurrentAdmin, Who
from chats.context import AppContext
from chats.db.models import Store
from chats.events.audience import store_guests_channel, store_staff_channel
from chats.events.unit_of_work import UnitOfWork
from chats.services import admin as admin_service
from chats.services import admin_fields as field_service
from chats.services.uploads import discard_pictures

router = APIRouter(prefix="/api/admin", tags=["admin"])
ImageFile = Annotated[UploadFile, File(description="the image")]


def _settings(store: Store) -> ScreenSettings:
    return screen_settings(store, admin_service.BUTTON_STATUSES, admin_service.THEME_COLOURS)


def announce(uow: UnitOfWork, store_id: str, what: str, *, guests: bool = False) -> None:
    """Tell the store's open consoles (and widgets) to reload `what` after the commit."""
    frame = {"type": "settings_changed", "what": what}
    uow.publish(store_staff_channel(store_id), frame)
    if guests:
        uow.publish(store_guests_channel(store_id), frame)


@asynccontextmanager
async def picture_change(ctx: AppContext, store_id: str) -> AsyncIterator[UnitOfWork]:
    """A unit of work that may replace pictures: the ones no longer used are deleted after."""
    # Read before the write transaction opens, so the action can decode the picture and
    # write its file before taking the write lock (docs/architecture.md). A picture
    # another admin adds meanwhile is at worst left on disk, never deleted while used.
    async with ctx.db.read() as session:
        before = await admin_service.picture_ids(session, store_id)
    async with ctx.unit_of_work() as uow:
        yield uow
        unused = before - await admin_service.picture_ids(uow.session, store_id)
    await discard_pictures(ctx.db, ctx.settings, store_id, unused)


async def read_upload(file: UploadFile, limit: int) -> bytes:
    """At most limit + 1 bytes of an upload (one more tells the service it is too large)."""
    return await file.read(limit + 1)


@router.get("/screen", response_model=ScreenSettings)
async def get_screen(auth: CurrentAdmin, ctx: Ctx) -> ScreenSettings:
    """A2/A3: the store's button images, colours and logo."""
    async with ctx.db.read() as session:
        return _settings(await admin_service.own_store(session, auth.store.id))


@router.put("/buttons/{status}", response_model=ScreenSettings)
async def put_button(status: str, file: ImageFile, auth: CurrentAdmin, who: Who,
                     ctx: Ctx) -> ScreenSettings:
    """A2: upload the away / waiting / busy image (PNG, exactly 100×120 px)."""
    data = await read_upload(file, admin_service.BUTTON_MAX_BYTES)
    async with picture_change(ctx, auth.store.id) as uow:
        store = await admin_service.set_button_image(
            uow.session, ctx.settings, who, store_id=auth.store.id, staff_id=auth.staff.id,
            status=status, filename=file.filename or f"{status}.png", data=data,
        )
        announce(uow, store.id, "buttons", guests=True)
    return _settings(store)


@router.delete("/buttons/{status}", response_model=ScreenSettings)
async def delete_button(status: str, auth: CurrentAdmin, who: Who, ctx: Ctx) -> ScreenSettings:
    """A2: back to the built-in image."""
    async with picture_change(ctx, auth.store.id) as uow:
        store = await admin_service.reset_button_image(
            uow.session, who, store_id=auth.store.id, status=status
        )
        announce(uow, store.id, "buttons", guests=True)
    return _settings(store)


@router.patch("/theme", response_model=ScreenSettings)
async def patch_theme(body: ColoursIn, auth: CurrentAdmin, who: Who, ctx: Ctx) -> ScreenSettings:
    """A3: change colours (`#rrggbb`; null: back to the built-in colour)."""
    colours = body.model_dump(exclude_unset=True)
    async with ctx.unit_of_work() as uow:
        store = await admin_service.set_colours(
            uow.session, who, store_id=auth.store.id, colours=colours
        )
        announce(uow, store.id, "theme", guests=True)
    return _settings(store)


@router.put("/logo", response_model=ScreenSettings)
async def put_logo(file: ImageFile, auth: CurrentAdmin, who: Who, ctx: Ctx) -> ScreenSettings:
    """A3: the widget header's logo (PNG, JPEG, GIF or WebP; scaled down, re-encoded)."""
    data = await read_upload(file, admin_service.PICTURE_MAX_BYTES)
    async with picture_change(ctx, auth.store.id) as uow:
        store = await admin_service.set_logo(
            uow.session, ctx.settings, who, store_id=auth.store.id, staff_id=auth.staff.id,
            filename=file.filename or "logo.png", data=data,
        )
        announce(uow, store.id, "theme", guests=True)
    return _settings(store)


@router.delete("/logo", response_model=ScreenSettings)
async def delete_logo(auth: CurrentAdmin, who: Who, ctx: Ctx) -> ScreenSettings:
    """A3: no logo."""
    async with picture_change(ctx, auth.store.id) as uow:
        store = await admin_service.remove_logo(uow.session, who, store_id=auth.store.id)
        announce(uow, store.id, "theme", guests=True)
    return _settings(store)


@router.get("/fields", response_model=FieldList)
async def list_fields(auth: CurrentAdmin, ctx: Ctx) -> FieldList:
    """A4: every field, shown ones in order first, then the removed ones."""
    async with ctx.db.read() as session:
        rows = await field_service.all_fields(session, auth.store.id)
        return FieldList(fields=[field_out(f) for f in rows])


@router.post("/fields", response_model=FieldOut, status_code=201)
async def create_field(body: FieldIn, auth: CurrentAdmin, ctx: Ctx) -> FieldOut:
    """A4: add a field at the end (its key is generated from the label)."""
    async with ctx.unit_of_work() as uow:
        field = await field_service.create_field(
            uow.session, store_id=auth.store.id, **body.model_dump()
        )
        announce(uow, auth.store.id, "fields", guests=True)
        return field_out(field)


@router.put("/fields/order", response_model=FieldList)
async def order_fields(body: FieldOrderIn, auth: CurrentAdmin, ctx: Ctx) -> FieldList:
    """A4: reorder the shown fields (every shown field's id, once, in the new order)."""
    async with ctx.unit_of_work() as uow:
        await field_service.reorder_fields(uow.session, store_id=auth.store.id, ids=body.ids)
        announce(uow, auth.store.id, "fields", guests=True)
        rows = await field_service.all_fields(uow.session, auth.store.id)
        return FieldList(fields=[field_out(f) for f in rows])


@router.patch("/fields/{field_id}", response_model=FieldOut)
async def patch_field(field_id: str, body: FieldPatch, auth: CurrentAdmin,
                      ctx: Ctx) -> FieldOut:
    """A4: rename, retype, change choices or flags; `removed: false` restores a field."""
    async with ctx.unit_of_work() as uow:
        field = await field_service.edit_field(
            uow.session, store_id=auth.store.id, field_id=field_id,
            changes=body.model_dump(exclude_unset=True),
        )
        announce(uow, auth.store.id, "fields", guests=True)
        return field_out(field)


@router.delete("/fields/{field_id}", status_code=204)
async def delete_field(field_id: str, auth: CurrentAdmin, ctx: Ctx) -> Response:
    """A4: remove a field (hidden; the values already entered are kept)."""
    async with ctx.unit_of_work() as uow:
        await field_service.remove_field(uow.session, store_id=auth.store.id, field_id=field_id)
        announce(uow, auth.store.id, "fields", guests=True)
    return Response(status_code=204)


@router.get("/stamps", response_model=StampList)
async def list_stamps(auth: CurrentAdmin, ctx: Ctx) -> StampList:
    """A6: the store's own stamps, active or not."""
    async with ctx.db.read() as session:
        rows = await admin_service.list_stamps(session, auth.store.id)
        return StampList(stamps=[stamp_out(s) for s in rows])


@router.post("/stamps", response_model=StampOut, status_code=201)
async def create_stamp(
    file: ImageFile, code: Annotated[str, Form(max_length=64)],
    label: Annotated[str, Form(max_length=200)], auth: CurrentAdmin, ctx: Ctx,
) -> StampOut:
    """A6: add a stamp (multipart: file, code, label)."""
    data = await read_upload(file, admin_service.PICTURE_MAX_BYTES)
    async with ctx.unit_of_work() as uow:
        stamp = await admin_service.create_stamp(
            uow.session, ctx.settings, store_id=auth.store.id, staff_id=auth.staff.id,
            code=code, label=label, filename=file.filename or f"{code}.png", data=data,
        )
        announce(uow, auth.store.id, "stamps")
        return stamp_out(stamp)


@router.patch("/stamps/{stamp_id}", response_model=StampOut)
async def patch_stamp(stamp_id: str, body: StampPatch, auth: CurrentAdmin,
                      ctx: Ctx) -> StampOut:
    """A6: rename, recode, move, activate or deactivate a stamp."""
    async with ctx.unit_of_work() as uow:
        stamp = await admin_service.edit_stamp(
            uow.session, store_id=auth.store.id, stamp_id=stamp_id,
            changes=body.model_dump(exclude_unset=True),
        )
        announce(uow, auth.store.id, "stamps")
        return stamp_out(stamp)


@router.put("/stamps/{stamp_id}/image", response_model=StampOut)
async def put_stamp_image(stamp_id: str, file: ImageFile, auth: CurrentAdmin,
                          ctx: Ctx) -> StampOut:
    """A6: a new picture for a stamp."""
    data = await read_upload(file, admin_service.PICTURE_MAX_BYTES)
    async with picture_change(ctx, auth.store.id) as uow:
        stamp = await admin_service.replace_stamp_image(
            uow.session, ctx.settings, store_id=auth.store.id, staff_id=auth.staff.id,
            stamp_id=stamp_id, filename=file.filename or "stamp.png", data=data,
        )
        announce(uow, auth.store.id, "stamps")
        return stamp_out(stamp)


@router.delete("/stamps/{stamp_id}", status_code=204)
async def delete_stamp(stamp_id: str, auth: CurrentAdmin, ctx: Ctx) -> Response:
    """A6: delete a stamp (messages that used it keep its code)."""
    async with picture_change(ctx, auth.store.id) as uow:
        await admin_service.delete_stamp(uow.session, store_id=auth.store.id, stamp_id=stamp_id)
        announce(uow, auth.store.id, "stamps")
    return Response(status_code=204)
