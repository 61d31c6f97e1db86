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


class SchedulerLease(models.Model):
    """Who runs the embedded mode's schedule (`core.embedded`): one row per schedule, held by
    one process at a time and renewed while it lives, so two web processes on one database
    never both run the nightly work. A holder that dies stops renewing; another takes over."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=120)
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"


class ScheduledRun(models.Model):
    """When each scheduled job last started in the embedded mode: what a restart compares with
    the schedule to catch up a run missed while the machine was off (once, not once per miss)."""

    name = models.CharField(max_length=80, primary_key=True)
    last_run_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: last started {self.last_run_at:%Y-%m-%d %H:%M:%S}"
