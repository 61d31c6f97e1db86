"""Regulars: turns passers-by into regulars (熟客)."""

from .celery import app as celery_app

__all__ = ["celery_app"]
