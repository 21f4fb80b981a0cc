"""Guided calculators: dismissal deadlines, minimum wage, vacation and sick pay, as a library.

Each calculator takes plain values (dates, decimals) and returns a typed result naming its
legal sources and flagged as a first estimate; the chat dialogs, the web chat and
`fairbot deadline` all render the same results. No aiogram, no FastAPI here.
"""

from __future__ import annotations

from bot.services.calculators.dismissal import DismissalResult, calculate_dismissal
from bot.services.calculators.minimum_wage import MinimumWageResult, calculate_minimum_wage
from bot.services.calculators.result import CalculatorInputError, CalculatorResult, LegalSource
from bot.services.calculators.sick_pay import SickPayResult, calculate_sick_pay
from bot.services.calculators.vacation import VacationResult, calculate_vacation

__all__ = [
    "CalculatorInputError",
    "CalculatorResult",
    "DismissalResult",
    "LegalSource",
    "MinimumWageResult",
    "SickPayResult",
    "VacationResult",
    "calculate_dismissal",
    "calculate_minimum_wage",
    "calculate_sick_pay",
    "calculate_vacation",
]
