"""Base models shared by every domain app."""

from django.db import models

from . import clock


class ClockedDateTimeField(models.DateTimeField):
    """A DateTimeField whose ``auto_now`` / ``auto_now_add`` stamp comes from `core.clock`.

    Django's own stamp reads the machine's clock; ours must agree with every other "now" the
    product reads, or a row created "today" on a pinned clock would carry another day."""

    def pre_save(self, model_instance, add):
        if self.auto_now or (self.auto_now_add and add):
            value = clock.now()
            setattr(model_instance, self.attname, value)
            return value
        return super().pre_save(model_instance, add)


class TimeStampedModel(models.Model):
    created_at = ClockedDateTimeField(auto_now_add=True)
    updated_at = ClockedDateTimeField(auto_now=True)

    class Meta:
        abstract = True
