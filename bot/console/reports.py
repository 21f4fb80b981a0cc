"""The funders' report: counts and waiting times for a date range, per month, as a page with bars and as CSV.

Admins for every region, team leads for their own (`reporting.REPORT_ROLES`); the figures come
from `bot.services.reporting`, which returns aggregates with small counts suppressed, never a person.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.console.csrf import verify_csrf
from bot.console.deps import CurrentReporter, SessionDep
from bot.console.web import render
from bot.services import accounts, reporting

router = APIRouter(prefix="/console", dependencies=[Depends(verify_csrf)])
BAR_WIDTH = 240  # px of the longest bar


def _bars(cells: list[reporting.Cell]) -> list[tuple[reporting.Cell, int]]:
    """Each cell with its bar length; a suppressed cell gets none (its length would tell the count)."""
    top = max((c.count for c in cells if not c.suppressed), default=0)
    return [(c, 0 if c.suppressed or not top else max(1, round(BAR_WIDTH * c.count / top))) for c in cells]


@router.get("/reports")
async def report_page(
    request: Request, account: CurrentReporter, session: SessionDep, start: str = "", end: str = "", region: str = ""
) -> Response:
    region = reporting.report_region(account.role, account.region, region)
    report = await reporting.build_report(session, reporting.parse_day(start), reporting.parse_day(end), region)
    months = report.months
    context = {
        "report": report,
        "regions": await reporting.report_regions(session) if account.role == "admin" else [account.region],
        "dimensions": {name: _bars(cells) for name, cells in report.total.breakdowns.items()},
        "month_bars": list(zip(months, (bar for _, bar in _bars([m.total for m in months])), strict=True)),
        "bar_width": BAR_WIDTH,
        "query": f"start={report.start.isoformat()}&end={report.end.isoformat()}&region={region}",
    }
    return render(request, "reports.html", context)


@router.get("/reports.csv")
async def report_csv(
    account: CurrentReporter, session: SessionDep, start: str = "", end: str = "", region: str = ""
) -> Response:
    region = reporting.report_region(account.role, account.region, region)
    report = await reporting.build_report(session, reporting.parse_day(start), reporting.parse_day(end), region)
    await accounts.audit(
        session,
        account.id,
        "report.export",
        "report",
        f"{report.start.isoformat()}..{report.end.isoformat()}",
        region=account.region,
        report_region=region or "all",
    )
    await session.commit()
    name = f"fairbot-report-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(
        reporting.report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
