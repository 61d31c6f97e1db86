"""What the service desk tells others, without depending on them (sent inside the transaction
of the change, so a receiver's writes commit or roll back with it)."""

from django.dispatch import Signal

# A complaint was answered (it waits for the follow-up call): ticket, by (a user).
complaint_answered = Signal()

# The follow-up call after a complaint was recorded on the complaint itself: ticket, note,
# satisfaction (1–5 or None), at.
follow_up_call_recorded = Signal()
