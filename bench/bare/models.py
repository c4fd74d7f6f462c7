from django.db import models


class RawDelivery(models.Model):
    """What the bare view stores: the body as received, and when."""

    received_at = models.DateTimeField(auto_now_add=True)
    body = models.BinaryField()

    def __str__(self) -> str:
        return f"raw delivery {self.pk}"
