"""Writes for the knowledge base."""

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError, NotFound
from regulars.merchants.permissions import Action, StaffContext
from regulars.servicedesk.errors import Problem

from .. import knowledge
from ..models import Article, ArticleKind


def save_article(
    *,
    actor: StaffContext,
    kind: str,
    title: str,
    body: str,
    topic: str = "",
    article_id: int | None = None,
):
    """Add or change a call script, a service standard or an answer."""
    actor.require(Action.EDIT_CUSTOMERS)
    if kind not in ArticleKind.values:
        raise DomainError(
            _("Choose what kind of text this is."), field="kind", code=Problem.CHOICE_REQUIRED
        )
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise DomainError(
            _("Give it a title of at most 120 characters."), field="title", code=Problem.TOO_LONG
        )
    if not body or len(body) > 5000:
        raise DomainError(
            _("Write the text (at most 5,000 characters)."), field="body", code=Problem.TOO_LONG
        )
    if topic and not knowledge.is_topic(topic):
        raise DomainError(
            _("Choose what it helps with."), field="topic", code=Problem.CHOICE_REQUIRED
        )
    if article_id:
        found = Article.objects.filter(pk=article_id, merchant=actor.merchant).first()
        if found is None:
            raise NotFound()
    else:
        found = Article(merchant=actor.merchant)
    found.kind, found.title, found.body, found.topic = kind, title, body, topic
    found.updated_by = actor.user
    found.save()
    return found


def delete_article(*, actor: StaffContext, article_id: int) -> None:
    actor.require(Action.EDIT_CUSTOMERS)
    if not Article.objects.filter(pk=article_id, merchant=actor.merchant).delete()[0]:
        raise NotFound()
