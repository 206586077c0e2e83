"""Issue 19: the satisfaction rating's settings (admins) and the transcript mail (staff)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from chats.api.deps import Ctx, CurrentAdmin, CurrentStaff
from chats.api.schemas import StrictBody
from chats.domain import csat
from chats.events.audience import store_guests_channel
from chats.services import csat as csat_service
from chats.services import transcript as transcript_service

router = APIRouter(tags=["csat"])

Label = Annotated[str, Field(max_length=200)]


class CsatSettingsOut(BaseModel):
    """The store's rating switch and its wording in Japanese and English (defaults filled)."""

    enabled: bool
    question_ja: str
    question_en: str
    labels_ja: list[str]
    labels_en: list[str]


class CsatSettingsIn(StrictBody):
    enabled: bool
    question_ja: Annotated[str, Field(max_length=1000)] = ""
    question_en: Annotated[str, Field(max_length=1000)] = ""
    labels_ja: list[Label] = Field(default_factory=list, max_length=10)
    labels_en: list[Label] = Field(default_factory=list, max_length=10)


def _out(value: csat.CsatSettings) -> CsatSettingsOut:
    return CsatSettingsOut(
        enabled=value.enabled, question_ja=value.wording["ja"].question,
        question_en=value.wording["en"].question, labels_ja=list(value.wording["ja"].labels),
        labels_en=list(value.wording["en"].labels))


@router.get("/api/admin/csat", response_model=CsatSettingsOut)
async def get_csat(auth: CurrentAdmin, ctx: Ctx) -> CsatSettingsOut:
    """Whether guests may rate their chats, and how the question reads."""
    async with ctx.db.read() as session:
        return _out(await csat_service.settings_of(session, auth.store.id))


@router.put("/api/admin/csat", response_model=CsatSettingsOut)
async def put_csat(body: CsatSettingsIn, auth: CurrentAdmin, ctx: Ctx) -> CsatSettingsOut:
    """Switch ratings on or off and word them; the store's guests reload their settings."""
    async with ctx.unit_of_work() as uow:
        saved = await csat_service.save_settings(
            uow.session, store_id=auth.store.id, enabled=body.enabled,
            questions={"ja": body.question_ja, "en": body.question_en},
            labels={"ja": body.labels_ja, "en": body.labels_en})
        uow.publish(store_guests_channel(auth.store.id),
                    {"type": "settings_changed", "what": "csat"})
    return _out(saved)


class TranscriptIn(StrictBody):
    """`to`: the address; left out, the guest's own address from its profile."""

    to: Annotated[str, Field(max_length=320)] | None = None


class TranscriptOut(BaseModel):
    email: str


@router.post("/api/conversations/{conversation_id}/transcript", response_model=TranscriptOut,
             status_code=202)
async def send_transcript(conversation_id: str, body: TranscriptIn, auth: CurrentStaff,
                          ctx: Ctx) -> TranscriptOut:
    """Mail the conversation's transcript (through the outbox) to the guest or an address."""
    async with ctx.unit_of_work() as uow:
        mail = await transcript_service.staff_sends(
            uow.session, settings=ctx.settings, store_id=auth.store.id,
            conversation_id=conversation_id, to=body.to)
        address = mail.to_addr
    ctx.wake_mail()
    return TranscriptOut(email=address)
