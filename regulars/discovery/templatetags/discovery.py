"""The nearby page's result rows, written out in Python.

A cold nearby page (a cell nobody asked for in the last minute: most real visitors) renders 20
rows; through template includes, `{% url %}` and translation tags each row cost about 0.4 ms,
a third of the page. Here a row is one f-string, every value escaped with html.escape (what
Django's escaping does, without its lazy-string wrappers). The markup is the page's own: change
it here and in the stylesheet, nowhere else.
"""

from html import escape
from urllib.parse import urlencode

from django import template
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regulars.core.templatetags.regulars import distance, stars
from regulars.core.web import url_with_id

register = template.Library()


def _store_url(store_id: int) -> str:
    return url_with_id("discovery:store", store_id)


@register.simple_tag
def rating(store) -> str:
    """★★★★☆ 4.5 · 12 reviews, or "No reviews yet"."""
    if not store.rating_count:
        return mark_safe(f'<span class="muted">{escape(_("No reviews yet"))}</span>')
    count = store.rating_count
    average = escape(localize(store.rating_avg))
    reviews = ngettext("%(n)s review", "%(n)s reviews", count) % {"n": count}
    return mark_safe(
        f'<span class="stars" title="{average}">{stars(store.rating_avg)}</span> '
        f"{average} · {escape(reviews)}"
    )


@register.simple_tag
def nearby_row(found) -> str:
    """One store in the nearby list: cover, name, rating, category, distance, open now."""
    store = found.store
    category = escape(store.category.name)
    if found.cover:
        picture = (
            f'<img src="{escape(found.cover.thumbnail_url)}" alt="" loading="lazy" '
            'width="96" height="72">'
        )
    else:
        picture = f'<span class="noimg" aria-hidden="true">{escape(store.category.name[:1])}</span>'
    if found.is_open:
        badge = f'<span class="badge open">{escape(_("Open now"))}</span>'
    else:
        badge = f'<span class="badge closed">{escape(_("Closed"))}</span>'
    return mark_safe(
        f'<a class="result" href="{_store_url(store.pk)}" data-store-id="{int(store.pk)}" '
        f'data-lat="{store.lat:.6f}" data-lng="{store.lng:.6f}">{picture}'
        f'<span class="body"><strong class="name">{escape(store.name)}</strong>'
        f'<span class="meta">{rating(store)}</span>'
        f'<span class="meta">{category} · {escape(store.district)} · '
        f'<span class="distance">{escape(distance(found.distance_m))}</span></span>'
        f'<span class="meta">{badge} {escape(store.address)}</span></span></a>'
    )


@register.simple_tag(takes_context=True)
def category_chips(context, categories, chosen) -> str:
    """The top categories as links that keep the rest of the search (and start at its first
    page): what `{% query_with category=… offset=None %}` gives, built once for all chips."""
    kept = [(key, value) for key, value in context["request"].GET.items() if key != "offset"]
    has_category = any(key == "category" for key, _value in kept)
    chips = []
    for category in categories:
        if has_category:
            pairs = [(k, category.slug if k == "category" else v) for k, v in kept]
        else:
            pairs = [*kept, ("category", category.slug)]
        on = " on" if chosen == category.slug else ""
        chips.append(
            f'<a class="chip{on}" href="?{escape(urlencode(pairs))}">{escape(category.name)}</a>'
        )
    return mark_safe("".join(chips))


@register.simple_tag
def service_items(store) -> str:
    """A store page's services and prices (`store.active_items`, their photos read along), with
    Book and Buy where the shop takes them online."""
    items = store.active_items
    if not items:
        return mark_safe(
            f'<p class="muted">{escape(_("This store has not listed its services yet."))}</p>'
        )
    online = not store.category.is_discovery_only
    book, buy = escape(_("Book")), escape(_("Buy"))
    at_address = escape(_("At your address"))
    out = []
    for item in items:
        photo = next(iter(item.photos.all()), None)
        meta = (
            escape(_("%(m)s min") % {"m": item.duration_minutes}) if item.duration_minutes else ""
        )
        if item.home_service:
            meta += f" · {at_address}"
        member = (
            ' <span class="member-price" data-member-price>'
            f"{escape(_('member ¥%(p)s') % {'p': item.member_price})}</span>"
            if item.member_price is not None
            else ""
        )
        buttons = ""
        if online and item.bookable:
            buttons += (
                f'<a class="button small" href="{url_with_id("orders:book", item.pk)}">{book}</a>\n'
            )
        if online and item.buyable:
            buttons += (
                f'<a class="button small primary" href="{url_with_id("orders:buy", item.pk)}">'
                f"{buy}</a>\n"
            )
        out.append(
            '<div class="item">\n'
            + (
                f'<img src="{escape(photo.thumbnail.url)}" alt="" width="72" height="54" '
                'loading="lazy">'
                if photo
                else ""
            )
            + f'<div class="body">\n<strong>{escape(item.name)}</strong>\n'
            + (f'<p class="muted">{escape(item.description)}</p>' if item.description else "")
            + f'<p class="meta">{meta}</p>\n</div>\n'
            f'<div class="buy">\n<span class="price">¥{escape(str(item.price))}</span>{member}\n'
            f"{buttons}</div>\n</div>\n"
        )
    return mark_safe("".join(out))
