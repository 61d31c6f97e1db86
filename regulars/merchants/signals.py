from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Category
from .selectors import forget_category_cache


@receiver([post_save, post_delete], sender=Category)
def category_changed(**kwargs):
    forget_category_cache()
