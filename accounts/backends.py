"""Signing in with an email address (the API), with the same hashing work whether or not it exists."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractUser
from django.http import HttpRequest


class EmailBackend(ModelBackend):
    """`authenticate(request, email=..., password=...)`: the active user with that email, any case.

    An unknown email runs the password hasher once anyway, as ModelBackend does for an unknown
    username, so that the answer's timing does not tell which emails have accounts.
    """

    def authenticate(
        self, request: HttpRequest | None, email: str | None = None, password: str | None = None
    ) -> AbstractUser | None:
        if not email or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).order_by("pk").first()
        if user is None:
            User().set_password(password)  # the hashing work a real check costs
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
