"""Web plumbing every layer may use: nothing here knows accounts, merchants or any domain."""

import functools

from django.urls import get_script_prefix, reverse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


_ID_MARK = 987654321


@functools.lru_cache(maxsize=64)
def _around_id(url_name: str, script_prefix: str) -> tuple[str, str]:
    head, tail = reverse(url_name, args=[_ID_MARK]).split(str(_ID_MARK))
    return head, tail


def url_with_id(url_name: str, object_id: int) -> str:
    """reverse(url_name, args=[object_id]) for a URL whose one argument is an id, reversed once
    per process: list rows written in Python call it for every row."""
    head, tail = _around_id(url_name, get_script_prefix())
    return f"{head}{int(object_id)}{tail}"
