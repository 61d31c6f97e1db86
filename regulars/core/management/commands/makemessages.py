"""`makemessages` that also collects `_lazy(...)`: modules that need both the eager and the
lazy gettext import the lazy one as `_lazy`, which xgettext does not know by default."""

from django.core.management.commands.makemessages import Command as MakeMessages


class Command(MakeMessages):
    xgettext_options = [*MakeMessages.xgettext_options, "--keyword=_lazy"]
