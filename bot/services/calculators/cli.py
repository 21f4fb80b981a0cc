"""`fairbot deadline …`: the chat's calculators for scripts and tests, printing the same result text (or JSON).

Dates are ISO (YYYY-MM-DD), amounts use a decimal point. Impossible input is one line on
stderr and exit code 2, like every fairbot command.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import click

from bot.services.calculators.dismissal import calculate_dismissal
from bot.services.calculators.minimum_wage import calculate_minimum_wage
from bot.services.calculators.render import render
from bot.services.calculators.result import CalculatorInputError, CalculatorResult
from bot.services.calculators.sick_pay import calculate_sick_pay
from bot.services.calculators.vacation import calculate_vacation
from bot.services.calculators.working_days import DEFAULT_REGION, today_in_berlin


class UserError(click.ClickException):
    """Impossible input: one line on stderr, exit code 2 (the project's convention for user errors)."""

    exit_code = 2


class DecimalType(click.ParamType):
    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        try:
            return Decimal(str(value).replace(",", "."))
        except InvalidOperation:
            self.fail(f"{value!r} is not a number (write e.g. 160 or 1950.50)", param, ctx)


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD", param, ctx)


class MonthType(click.ParamType):
    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        try:
            return dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            self.fail(f"{value!r} is not a month; write it as YYYY-MM", param, ctx)


DATE, MONTH, NUMBER = DateType(), MonthType(), DecimalType()


def output_options(command: Callable) -> Callable:
    command = click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")(command)
    return click.option("--lang", default="en", show_default=True, help="Language of the text (de, en, ar, …).")(
        command
    )


def _emit(compute: Callable[[], CalculatorResult], lang: str, as_json: bool) -> None:
    try:
        result = compute()
    except CalculatorInputError as error:
        raise UserError(error.message) from None
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        click.echo(render(result, lang, offer_advisor=False))


@click.group("deadline")
def deadline_group() -> None:
    """Calculators: deadlines after a dismissal, minimum wage, vacation days, sick pay (first estimates)."""


@deadline_group.command("dismissal")
@click.option("--received", type=DATE, required=True, help="Day the dismissal letter was received.")
@click.option("--employed-since", type=DATE, default=None, help="First day of the job.")
@click.option("--end", "letter_end", type=DATE, default=None, help="End date named in the letter.")
@click.option("--probation", is_flag=True, help="A probation period was agreed (at most six months).")
@click.option("--today", type=DATE, default=None, help="Count days left from this day (default: today in Berlin).")
@click.option("--region", default=DEFAULT_REGION, show_default=True, help="Federal state whose holidays count.")
@output_options
def dismissal_command(
    received: dt.date,
    employed_since: dt.date | None,
    letter_end: dt.date | None,
    probation: bool,
    today: dt.date | None,
    region: str,
    lang: str,
    as_json: bool,
) -> None:
    """Last day to sue (§ 4 KSchG), notice period (§ 622 BGB) and job-seeker registration (§ 38 SGB III)."""
    _emit(
        lambda: calculate_dismissal(
            received,
            today=today or today_in_berlin(),
            employed_since=employed_since,
            letter_end=letter_end,
            probation=probation,
            region=region,
        ),
        lang,
        as_json,
    )


@deadline_group.command("minimum-wage")
@click.option("--month", type=MONTH, required=True, help="Month worked.")
@click.option("--hours", type=NUMBER, required=True, help="Hours worked in that month.")
@click.option("--pay", type=NUMBER, required=True, help="Gross pay received for that month, in euros.")
@output_options
def minimum_wage_command(month: dt.date, hours: Decimal, pay: Decimal, lang: str, as_json: bool) -> None:
    """Hourly pay against the statutory minimum wage of that month (§ 1 MiLoG), and the shortfall."""
    _emit(lambda: calculate_minimum_wage(month, hours, pay), lang, as_json)


@deadline_group.command("vacation")
@click.option("--days-per-week", type=NUMBER, required=True, help="Working days a week (1–6).")
@click.option("--start", type=DATE, required=True, help="First day of the job.")
@click.option("--end", type=DATE, default=None, help="Last day of the job, if it ends.")
@click.option("--year", type=int, default=None, help="Calendar year (default: the year the job ends, else this year).")
@click.option("--taken", type=NUMBER, default=Decimal(0), show_default=True, help="Vacation days taken that year.")
@click.option("--monthly-pay", type=NUMBER, default=None, help="Gross monthly pay, to estimate the pay-out.")
@output_options
def vacation_command(
    days_per_week: Decimal,
    start: dt.date,
    end: dt.date | None,
    year: int | None,
    taken: Decimal,
    monthly_pay: Decimal | None,
    lang: str,
    as_json: bool,
) -> None:
    """Statutory minimum leave (§§ 3, 5 BUrlG) and the pay-out of open days on leaving (§ 7(4) BUrlG)."""
    chosen = year or (end.year if end else today_in_berlin().year)
    _emit(
        lambda: calculate_vacation(
            days_per_week, start, year=chosen, employed_until=end, days_taken=taken, monthly_pay=monthly_pay
        ),
        lang,
        as_json,
    )


@deadline_group.command("sick-pay")
@click.option("--first-day", type=DATE, required=True, help="First day of illness.")
@click.option("--employed-since", type=DATE, default=None, help="First day of the job (matters in its first 4 weeks).")
@click.option("--during-work", is_flag=True, help="The illness began during work that day.")
@output_options
def sick_pay_command(
    first_day: dt.date, employed_since: dt.date | None, during_work: bool, lang: str, as_json: bool
) -> None:
    """End of the six weeks of continued pay (§ 3(1) EFZG) and the four-week wait in a new job (§ 3(3) EFZG)."""
    _emit(
        lambda: calculate_sick_pay(first_day, employed_since=employed_since, began_during_work=during_work),
        lang,
        as_json,
    )
