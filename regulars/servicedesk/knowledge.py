"""What a knowledge-base text can help with: a registry of topics.

Each app whose work a call script or a service standard serves registers its kinds at start-up
(the service desk its complaint categories, relationships its task kinds), so the knowledge base
knows them without importing the apps above it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    value: str
    label: object  # a lazy translation, rendered in the reader's language


_TOPICS: dict[str, Topic] = {}


def register_topics(label_format, choices) -> None:
    """`label_format` names the group, with the kind as %(c)s or %(t)s ("Tasks: %(t)s")."""
    for value, label in choices:
        _TOPICS.setdefault(value, Topic(value, _Label(label_format, label)))


def topics() -> list[Topic]:
    return list(_TOPICS.values())


def is_topic(value: str) -> bool:
    return value in _TOPICS


class _Label:
    """A group label and a kind label, joined when rendered (so in the reader's language)."""

    def __init__(self, label_format, label):
        self.label_format, self.label = label_format, label

    def __str__(self) -> str:
        return str(self.label_format) % {"c": self.label, "t": self.label}
