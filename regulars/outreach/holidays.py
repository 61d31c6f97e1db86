"""The holidays a shop greets its customers on (seed 001 appendix: New Year, Spring Festival,
May Day, National Day, Mid-Autumn, Valentine's…), on the Chinese calendar where they are lunar.
`lunardate` converts lunar dates (it carries the tables from 1900 to 2099)."""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from lunardate import LunarDate


@dataclass(frozen=True)
class Holiday:
    key: str
    name: object
    month: int
    day: int
    lunar: bool
    greeting: object  # the default message

    def date_in(self, year: int) -> dt.date:
        if self.lunar:
            return LunarDate(year, self.month, self.day).to_solar_date()
        return dt.date(year, self.month, self.day)

    def next_on_or_after(self, day: dt.date) -> dt.date:
        found = self.date_in(day.year)
        return found if found >= day else self.date_in(day.year + 1)


HOLIDAYS = (
    Holiday("new_year", _("New Year's Day"), 1, 1, False, _("Happy New Year from all of us!")),
    Holiday(
        "spring_festival",
        _("Spring Festival"),
        1,
        1,
        True,
        _("Happy Spring Festival! Wishing you health and good fortune in the new year."),
    ),
    Holiday("valentines", _("Valentine's Day"), 2, 14, False, _("Happy Valentine's Day!")),
    Holiday("may_day", _("May Day"), 5, 1, False, _("Happy May Day: enjoy the holiday!")),
    Holiday(
        "dragon_boat",
        _("Dragon Boat Festival"),
        5,
        5,
        True,
        _("Happy Dragon Boat Festival!"),
    ),
    Holiday("qixi", _("Qixi Festival"), 7, 7, True, _("Happy Qixi Festival!")),
    Holiday(
        "mid_autumn",
        _("Mid-Autumn Festival"),
        8,
        15,
        True,
        _("Happy Mid-Autumn Festival: may your family be together under the full moon."),
    ),
    Holiday(
        "national_day",
        _("National Day"),
        10,
        1,
        False,
        _("Happy National Day: enjoy the Golden Week!"),
    ),
)

BY_KEY = {holiday.key: holiday for holiday in HOLIDAYS}


def birthday_in(birthday: dt.date, year: int) -> dt.date:
    """The birthday's date in `year` (29 February falls on the 28th in other years)."""
    try:
        return birthday.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)
