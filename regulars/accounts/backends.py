from django.contrib.auth.backends import ModelBackend

from .selectors import find_user_by_login


class PhoneOrEmailBackend(ModelBackend):
    """Signs in with a phone number, an email address or (for operators) a username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = find_user_by_login(username)
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            self.user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @property
    def user_model(self):
        from django.contrib.auth import get_user_model

        return get_user_model()
