"""Admin: a copy of everything stored about one person (GDPR Art. 15), for a request made by letter or phone.

The person id is on every conversation page. Each export is written to the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentAdmin, DatabaseDep
from bot.errors import PersonNotFound
from bot.services import accounts, data_export

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])


@router.get("/people/{person_id}/export")
async def export_person(account: CurrentAdmin, db: DatabaseDep, person_id: int) -> Response:
    data = await data_export.export_person(db, person_id=person_id)
    if data is None:
        raise PersonNotFound(f"person {person_id} does not exist (maybe erased on request or by retention)")
    async with db.transaction() as session:
        await accounts.audit(session, account.id, "person.export", "person", person_id)
    headers = {"content-disposition": f'attachment; filename="{data_export.file_name(data)}"'}
    return Response(data_export.as_file(data), media_type="application/json; charset=utf-8", headers=headers)
