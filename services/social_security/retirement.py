"""Retirement age and pension from rules given as data (retirement_rules.yaml). Pure functions,
once the rules are read."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

# The statutory rules the bureau applies (the 2025 reform of the retirement age).
STATUTORY_RULES = Path(__file__).with_name("retirement_rules.yaml")


@dataclass(frozen=True)
class Category:
    base_age: int
    delay_one_month_every: int
    max_delay_months: int


@dataclass(frozen=True)
class RetirementRules:
    reform_start: tuple[int, int]
    categories: Mapping[str, Category]
    minimum_years: tuple[tuple[int, float], ...]  # (from year, years), ascending
    pension_base: float
    annuity_divisors: Mapping[int, int]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> "RetirementRules":
        year, month = (int(part) for part in str(data["reform_start"]).split("-"))
        return cls(
            (year, month),
            {name: Category(**spec) for name, spec in data["categories"].items()},
            tuple(sorted((int(r["from_year"]), float(r["years"])) for r in data["minimum_contribution_years"])),
            float(data["pension_base_yuan_per_month"]),
            {int(age): int(months) for age, months in data["annuity_divisors"].items()})

    @classmethod
    def from_file(cls, path: Path = STATUTORY_RULES) -> "RetirementRules":
        return cls.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))

    def category_of(self, sex: str, post_type: str) -> str:
        if post_type == "special":  # 特殊工种: early retirement, reviewed by an officer
            return f"{sex}_special"
        if sex == "male":
            return "male"
        return "female_production" if post_type == "production" else "female_managerial"

    def retirement_date(self, birth_date: dt.date, category: str) -> tuple[dt.date, int]:
        """The statutory retirement date and the delay in months the reform adds."""
        rule = self.categories[category]
        original = _add_months(birth_date, 12 * rule.base_age)
        elapsed = (original.year - self.reform_start[0]) * 12 + original.month - self.reform_start[1]
        delay = 0 if elapsed < 0 else min(elapsed // rule.delay_one_month_every + 1, rule.max_delay_months)
        return _add_months(original, delay), delay

    def minimum_contribution_years(self, year: int) -> float:
        applicable = [years for since, years in self.minimum_years if since <= year]
        return applicable[-1] if applicable else self.minimum_years[0][1]

    def monthly_pension(self, years: float, average_index: float, account_balance: float, age: int) -> float:
        basic = self.pension_base * (1 + average_index) / 2 * years * 0.01
        divisor = self.annuity_divisors[min(max(age, min(self.annuity_divisors)), max(self.annuity_divisors))]
        return round(basic + account_balance / divisor, 2)


def _add_months(date: dt.date, months: int) -> dt.date:
    total = date.year * 12 + date.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    day = min(date.day, [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
                         31, 31, 30, 31, 30, 31][month - 1])
    return dt.date(year, month, day)
