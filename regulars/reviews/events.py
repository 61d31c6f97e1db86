"""What the reviews app tells others, sent by its services after the fact is written."""

from django.dispatch import Signal

# A consumer posted a review (verified or general): review=Review.
review_posted = Signal()
