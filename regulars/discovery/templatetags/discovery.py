"""The nearby page's result rows, written out in Python.

A cold nearby page (a cell nobody asked for in the last minute: most real visitors) renders 20
rows; through template includes, `{% url %}` and translation tags each row cost about 0.4 ms,
a third of the page. Here a row is one format_html call. The markup is the page's own: change it
here and in the stylesheet, nowhere else.
"""

import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regulars.core.templatetags.regulars import distance, stars

register = template.Library()


_ID_MARK = 987654321


@functools.lru_cache(maxsize=8)
def _store_url_around(script_prefix: str) -> tuple[str, str]:
    """What comes before and after the id in a store page's address (reversed once)."""
    head, tail = reverse("discovery:store", args=[_ID_MARK]).split(str(_ID_MARK))
    return head, tail


def _store_url(store_id: int) -> str:
    head, tail = _store_url_around(get_script_prefix())
    return f"{head}{int(store_id)}{tail}"


@register.simple_tag
def rating(store) -> str:
    """★★★★☆ 4.5 · 12 reviews, or "No reviews yet"."""
    if not store.rating_count:
        return format_html('<span class="muted">{}</span>', _("No reviews yet"))
    count = store.rating_count
    return format_html(
        '<span class="stars" title="{}">{}</span> {} · {}',
        localize(store.rating_avg),
        stars(store.rating_avg),
        localize(store.rating_avg),
        ngettext("%(n)s review", "%(n)s reviews", count) % {"n": count},
    )


@register.simple_tag
def nearby_row(found) -> str:
    """One store in the nearby list: cover, name, rating, category, distance, open now."""
    store = found.store
    category = store.category.name
    if found.cover:
        picture = format_html(
            '<img src="{}" alt="" loading="lazy" width="96" height="72">',
            found.cover.thumbnail_url,
        )
    else:
        picture = format_html('<span class="noimg" aria-hidden="true">{}</span>', category[:1])
    if found.is_open:
        badge = format_html('<span class="badge open">{}</span>', _("Open now"))
    else:
        badge = format_html('<span class="badge closed">{}</span>', _("Closed"))
    return format_html(
        '<a class="result" href="{}" data-store-id="{}" data-lat="{}" data-lng="{}">'
        "{}"
        '<span class="body">'
        '<strong class="name">{}</strong>'
        '<span class="meta">{}</span>'
        '<span class="meta">{} · {} · <span class="distance">{}</span></span>'
        '<span class="meta">{} {}</span>'
        "</span></a>",
        _store_url(store.pk),
        store.pk,
        f"{store.lat:.6f}",
        f"{store.lng:.6f}",
        picture,
        store.name,
        rating(store),
        category,
        store.district,
        distance(found.distance_m),
        badge,
        store.address,
    )
