"""Codes people type or scan: order verification codes, later card and coupon numbers.

Random (from `secrets`), never sequential, with a Luhn check digit so that a mistyped digit or
two swapped neighbours is caught before any lookup. Rendered as QR codes with segno.
"""

import secrets

import segno
from django.utils.translation import gettext as _

from . import throttle

# Ten codes that match nothing per person and hour; the README ("Security and reliability") works
# out why guessing is hopeless at this rate.
WRONG_CODES = throttle.Limit("wrong-codes", attempts=10, window_seconds=60 * 60)


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_code(length: int = 12) -> str:
    """`length` digits: length-1 random digits and a check digit."""
    body = f"{secrets.randbelow(10 ** (length - 1)):0{length - 1}d}"
    return body + luhn_check_digit(body)


def normalize_code(typed: str) -> str:
    """The digits of what a cashier typed or a scanner read (spaces and dashes ignored)."""
    return "".join(ch for ch in (typed or "") if ch.isdigit())


def is_well_formed(code: str, length: int = 12) -> bool:
    return len(code) == length and code.isdigit() and luhn_check_digit(code[:-1]) == code[-1]


def grouped(code: str) -> str:
    """1234 5678 9012: how a code is shown to be read aloud or typed."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def qr_svg_data_uri(payload: str) -> str:
    """An SVG QR code as a data: URI, for an <img> that needs no extra request."""
    return segno.make(payload, error="m").svg_data_uri(scale=6, border=2)


def guard_against_guessing(guesser: str) -> None:
    """Refuse a lookup from someone who has typed too many codes that matched nothing."""
    throttle.check(
        WRONG_CODES, guesser, field="code", message=_("Too many codes that match nothing.")
    )


def count_wrong_code(guesser: str) -> None:
    throttle.hit(WRONG_CODES, guesser)
