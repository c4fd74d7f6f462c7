"""A password hasher that counts its work: a test double of Django's pluggable hasher interface."""

from django.contrib.auth.hashers import MD5PasswordHasher


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"
    calls: list[str] = []

    def encode(self, password, salt):
        CountingHasher.calls.append("encode")
        return super().encode(password, salt)

    def verify(self, password, encoded):
        CountingHasher.calls.append("verify")
        return super().verify(password, encoded)
