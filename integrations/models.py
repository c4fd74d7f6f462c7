"""Provider credentials and the things that use them: configs and campaigns."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_delete
from django.utils import timezone
from encrypted_model_fields.fields import EncryptedCharField

from accounts.models import Account
from integrations.events import CallStatus
from integrations.phone_numbers import E164
from integrations.webhooks.lookup_cache import lookups_changed

# A provider column holds a slug from `integrations.providers.registry` (plain text: the models cannot
# import the registry, whose providers import the models; forms and serializers offer its choices).
# Rows that do not say are CallTrackingMetrics': it was the only provider before the columns existed,
# and the CTM credential (`Key`) is what configs, campaigns and sync states still point at.
DEFAULT_PROVIDER = "calltrackingmetrics"
PROVIDER_HELP = "A provider slug from the registry"


def validate_tracking_numbers(value) -> None:
    """A list of E.164 numbers, e.g. ["+15559876543"] (what the tracking-number index can hold)."""
    if not isinstance(value, list) or not all(isinstance(n, str) and E164.match(n) for n in value):
        raise ValidationError('Enter a list of E.164 numbers, e.g. ["+15559876543"].')


class ReceiverLookupsModel(models.Model):
    """Rows the webhook receivers cache (endpoints, keys, signing secrets, what makes a CTM account a
    tenant's): saving or deleting one makes every process look again (see webhooks.lookup_cache).
    Deleting covers cascades and bulk deletes too (`post_delete`, connected below the models). Bulk
    `QuerySet.update()` bypasses this: callers of it call `lookups_changed()` themselves."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        lookups_changed()


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self) -> "SoftDeleteQuerySet":
        return self.filter(deleted__isnull=True)


class Key(ReceiverLookupsModel):
    """A CTM login and the API credentials CTM issued for it; every secret is encrypted at rest."""

    class AuthScheme(models.TextChoices):
        BASIC = "basic", "Access key + secret (HTTP Basic)"
        SESSION_TOKEN = "session_token", "Session token (auth_token)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ctm_keys")
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = EncryptedCharField(max_length=255)
    password = EncryptedCharField(max_length=255)
    access_key = EncryptedCharField(max_length=512)
    secret = EncryptedCharField(max_length=512, blank=True)
    auth_scheme = models.CharField(max_length=16, choices=AuthScheme.choices, default=AuthScheme.BASIC)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    ctm_default_account_id = models.CharField(max_length=64, blank=True)
    token_invalidated = models.BooleanField(default=False)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True, help_text="Soft-delete time; kept for audit.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "CTM credentials"
        verbose_name_plural = "CTM credentials"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "deleted"])]

    def __str__(self) -> str:
        return f"CTM credentials {self.id} ({self.account})"


class UserConfig(ReceiverLookupsModel):
    """Which provider account (CTM: account and optional sub-account) an account reports on, through
    which key. One live config per account and provider."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ctm_configs")
    provider = models.CharField(max_length=32, default=DEFAULT_PROVIDER, help_text=PROVIDER_HELP)
    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="configs")
    calltracking_account_id = models.CharField(max_length=64)
    calltracking_sub_account_id = models.CharField(max_length=64, blank=True)
    deleted = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SoftDeleteQuerySet.as_manager()

    class Meta:
        verbose_name = "CTM config"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "provider"],
                condition=Q(deleted__isnull=True),
                name="userconfig_one_alive_per_account_provider",
            )
        ]

    def __str__(self) -> str:
        sub = f" / {self.calltracking_sub_account_id}" if self.calltracking_sub_account_id else ""
        return f"{self.account}: {self.provider} {self.calltracking_account_id}{sub}"


class Campaign(ReceiverLookupsModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        DISABLED = "disabled", "Disabled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=200)
    integration = models.CharField(max_length=32, default=DEFAULT_PROVIDER, help_text=PROVIDER_HELP)
    key = models.ForeignKey(Key, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns")
    ctm_account_id = models.CharField(max_length=64, blank=True)
    tracking_numbers = models.JSONField(
        default=list, blank=True, validators=[validate_tracking_numbers], help_text="E.164 numbers, e.g. +15559876543"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "integration", "status"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The tracking-number index follows every save, whichever path saved the campaign.
        super().save(*args, **kwargs)
        tracked_numbers_sync(campaign=self)


class TrackedNumber(models.Model):
    """An index of `Campaign.tracking_numbers`: which campaigns track a number, found without
    scanning campaigns. Not a uniqueness rule: campaigns of different accounts may track the same
    number (refusing one would tell a tenant about another's numbers); the signature decides."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tracked_numbers")
    number = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number", "campaign"], name="tracked_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} -> {self.campaign_id}"


def tracked_numbers_sync(*, campaign: Campaign) -> None:
    """Make the index rows of one campaign equal its `tracking_numbers`."""
    wanted = {str(n) for n in campaign.tracking_numbers or [] if n}
    indexed = set(TrackedNumber.objects.filter(campaign=campaign).values_list("number", flat=True))
    if indexed - wanted:
        TrackedNumber.objects.filter(campaign=campaign, number__in=indexed - wanted).delete()
    if wanted - indexed:
        TrackedNumber.objects.bulk_create(
            [TrackedNumber(campaign=campaign, number=n) for n in sorted(wanted - indexed)], ignore_conflicts=True
        )


class EncryptionCanary(models.Model):
    """One known plaintext, encrypted with the field key: proves at start that the key still decrypts."""

    PLAINTEXT = "ctm-integration-canary"

    value = EncryptedCharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Encryption canary ({self.created_at:%Y-%m-%d})"


class Call(models.Model):
    """One normalized row per provider call, from the API sync and from webhooks alike."""

    Status = models.TextChoices("Status", [(status.name, status.value) for status in CallStatus])  # one definition

    class Direction(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"
        UNKNOWN = "unknown"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="calls")
    provider = models.CharField(max_length=32, help_text=PROVIDER_HELP)
    provider_call_id = models.CharField(max_length=64)
    provider_account_id = models.CharField(max_length=64, help_text="The CTM account the call belongs to.")
    tracking_number = models.CharField(max_length=20, blank=True)
    caller_number = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=200, blank=True)
    direction = models.CharField(max_length=16, choices=Direction.choices, default=Direction.UNKNOWN)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    started_at = models.DateTimeField()
    duration = models.PositiveIntegerField(default=0, help_text="Seconds")
    talk_time = models.PositiveIntegerField(default=0, help_text="Seconds")
    is_first_time_caller = models.BooleanField(default=False)
    recording_url = models.URLField(max_length=1000, blank=True)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    raw = models.JSONField(default=dict, blank=True)
    normalization_notes = models.JSONField(
        default=list, blank=True, help_text="What was changed to store the provider's data (text cut, NULs removed)"
    )
    caller_name = models.CharField(max_length=200, blank=True)
    caller_location = models.JSONField(default=dict, blank=True, help_text="city, state, country, postal_code...")
    transcript = models.TextField(blank=True)
    voicemail = models.BooleanField(default=False, help_text="The caller left a voicemail (transcript: its text)")
    keywords = models.JSONField(default=list, blank=True, help_text="Spotted in the conversation")
    scoring = models.JSONField(default=dict, blank=True, help_text="The provider's call scoring")
    attribution = models.JSONField(default=dict, blank=True, help_text="utm_*, gclid, referrer, landing page")
    # What people edit by hand (the API's PATCH, the admin): never written by a provider's data.
    tags = models.JSONField(default=list, blank=True, help_text="Labels people gave the call")
    sale_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    notes = models.TextField(blank=True)
    provisional = models.BooleanField(
        default=False, help_text="Its provider id is not known yet: joined to its later event by number and time"
    )
    completed = models.BooleanField(
        default=False, help_text="The provider said its data is final: later updates only fill in what is missing"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "provider_call_id"], name="call_unique_provider_account_call"
            )
        ]
        indexes = [
            models.Index(fields=["account", "provider", "provider_account_id", "started_at"]),
            models.Index(
                fields=["account", "tracking_number", "started_at"],
                condition=Q(provisional=True),
                name="call_provisional_join",
            ),
        ]
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.provider} call {self.provider_call_id}"


class CallCounters(models.Model):
    """What a rollup counts. A call contributes 1 to `calls` and to its status's column."""

    calls = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)
    canceled = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    in_progress = models.PositiveIntegerField(default=0)
    first_time_callers = models.PositiveIntegerField(default=0)
    duration = models.PositiveBigIntegerField(default=0, help_text="Seconds")
    talk_time = models.PositiveBigIntegerField(default=0, help_text="Seconds")

    COUNTERS = (
        "calls",
        "answered",
        "missed",
        "canceled",
        "failed",
        "in_progress",
        "first_time_callers",
        "duration",
        "talk_time",
    )

    class Meta:
        abstract = True


class CallDailyRollup(CallCounters):
    """Calls per account, provider account, source and day (in the account's time zone)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=32)
    provider_account_id = models.CharField(max_length=64)
    source = models.CharField(max_length=200, blank=True)
    day = models.DateField()

    KEY = ("account_id", "provider", "provider_account_id", "source", "day")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "provider", "provider_account_id", "day", "source"], name="rollup_daily_unique"
            )
        ]
        indexes = [
            # The admin dashboard reads every account's last 30 days (bench/dashboard).
            models.Index(fields=["day"], name="rollup_daily_day"),
            # A provider account's summary and chart (bench/summary): the rows of a range of days
            # read from the index alone (PostgreSQL; other databases use the unique key). Live
            # writes leave a day's rows of every account side by side, so reading them from the
            # table would visit a page per row.
            models.Index(
                fields=["account", "provider", "provider_account_id", "day"],
                include=["source", *CallCounters.COUNTERS],
                name="rollup_daily_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider_account_id} {self.day} {self.source or '(no source)'}: {self.calls} calls"


class CallHourlyRollup(CallCounters):
    """Calls per account, provider account and local hour: the hourly chart without raw scans."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=32)
    provider_account_id = models.CharField(max_length=64)
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()

    KEY = ("account_id", "provider", "provider_account_id", "day", "hour")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "provider", "provider_account_id", "day", "hour"], name="rollup_hourly_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_account_id} {self.day} {self.hour:02d}h: {self.calls} calls"


class CampaignDailyMetric(CallCounters):
    """A campaign's calls per provider, source and day (in its account's time zone): its summary and
    its daily and weekly chart, across providers, without raw scans."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="daily_metrics")
    provider = models.CharField(max_length=32, help_text="A provider slug from the registry")
    source = models.CharField(max_length=200, blank=True)
    day = models.DateField()

    KEY = ("campaign_id", "provider", "source", "day")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "provider", "source"], name="campaign_daily_metric_unique"
            )
        ]
        # A campaign's summary and chart: a range of days read from the index alone (PostgreSQL),
        # as for CallDailyRollup.
        indexes = [
            models.Index(
                fields=["campaign", "day"],
                include=["provider", "source", *CallCounters.COUNTERS],
                name="campaign_daily_report",
            ),
            # Which providers a campaign has calls of (its reports' meta): one probe per provider.
            models.Index(fields=["campaign", "provider"], condition=Q(calls__gt=0), name="campaign_daily_providers"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.provider} {self.day} {self.source or '(no source)'}: {self.calls} calls"


class CampaignHourlyMetric(CallCounters):
    """A campaign's calls per provider and local hour: its hourly chart without raw scans."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="hourly_metrics")
    provider = models.CharField(max_length=32, help_text="A provider slug from the registry")
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()

    KEY = ("campaign_id", "provider", "day", "hour")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "day", "hour", "provider"], name="campaign_hourly_metric_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.provider} {self.day} {self.hour:02d}h: {self.calls} calls"


class CallSyncState(models.Model):
    """Where the incremental call sync of one configured provider account stands."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="call_syncs")
    provider = models.CharField(max_length=32, default=DEFAULT_PROVIDER, help_text=PROVIDER_HELP)
    key = models.ForeignKey(Key, on_delete=models.CASCADE, related_name="call_syncs")
    provider_account_id = models.CharField(max_length=64)
    watermark = models.BigIntegerField(default=0, help_text="Largest provider unix time synced so far")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    calls_synced = models.PositiveBigIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True, help_text="A running sync holds this lease.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "provider", "provider_account_id"], name="call_sync_unique_provider_target"
            )
        ]

    def __str__(self) -> str:
        return f"Call sync of {self.provider} {self.provider_account_id} for {self.account}"


class WebhookEndpoint(ReceiverLookupsModel):
    """Where a provider delivers events: one URL of ours (/v1/e/<provider>/webhook/<id>/), for one
    account and optionally one campaign, with the credential that provider's deliveries carry.

    Which credential depends on `auth` (the provider says which it supports): a signing secret
    (HMAC signatures, Standard Webhooks), a Basic-auth login, or a generated `credential` sent as a
    query parameter or a header. Every secret is encrypted at rest and shown once, when generated.
    CTM's endpoints also keep the CTM key, account and webhook ids they were registered with.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Disabled"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhook_endpoints")
    provider = models.CharField(max_length=32, help_text=PROVIDER_HELP)
    name = models.CharField(max_length=200, blank=True)
    key = models.ForeignKey(Key, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_endpoints")
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_endpoints"
    )
    provider_account_id = models.CharField(
        max_length=64, blank=True, help_text="The provider account the webhook is registered in, if any"
    )
    events = models.JSONField(default=list, blank=True)
    provider_webhook_ids = models.JSONField(
        default=dict, blank=True, help_text="Our event -> the provider's webhook id"
    )
    auth = models.CharField(max_length=32, blank=True, help_text="How deliveries authenticate (the provider's schemes)")
    signing_secret = EncryptedCharField(max_length=512, blank=True)
    previous_signing_secret = EncryptedCharField(max_length=512, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, help_text="A rotated secret works until")
    credential = EncryptedCharField(max_length=128, blank=True, help_text="A generated query or header token")
    header_name = models.CharField(max_length=100, blank=True, help_text="The header that carries `credential`")
    public_key = models.CharField(max_length=512, blank=True, help_text="A static header value to match, if set")
    field_map = models.JSONField(default=dict, blank=True, help_text="Our field -> dotted path into the payload")
    basic_username = EncryptedCharField(max_length=128, blank=True)
    basic_password = EncryptedCharField(max_length=128, blank=True)
    require_signature = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["provider", "provider_account_id", "status"])]

    def __str__(self) -> str:
        return f"{self.provider} webhook {self.name or self.id} ({self.account})"

    def signing_secrets(self, *, now=None) -> list[str]:
        """The secret, and the one before it while a rotation's grace period lasts."""
        now = now or timezone.now()
        rotating = self.previous_signing_secret and (self.previous_secret_expires_at or now) > now
        return [s for s in (self.signing_secret, self.previous_signing_secret if rotating else "") if s]


class SigningSecret(ReceiverLookupsModel):
    """The secret a provider account signs deliveries with, when it is not the API key's secret
    (CTM sub-accounts may sign with their own). Two may be live while it rotates."""

    provider = models.CharField(max_length=32, default=DEFAULT_PROVIDER, help_text=PROVIDER_HELP)
    provider_account_id = models.CharField(max_length=64)
    secret = EncryptedCharField(max_length=512)
    previous_secret = EncryptedCharField(max_length=512, blank=True, help_text="Still accepted during a rotation")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_account_id"], name="signing_secret_unique_account")
        ]

    def __str__(self) -> str:
        return f"Signing secret for {self.provider} account {self.provider_account_id}"


class WebhookDelivery(models.Model):
    """One HTTP delivery, stored raw before anything in it is trusted; the system of record."""

    class Status(models.TextChoices):
        INVALID = "invalid", "Invalid (rejected)"
        UNMATCHED = "unmatched", "No endpoint matched"
        PENDING = "pending", "Pending"
        RETRY = "retry", "Waiting to retry"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate of an earlier delivery"
        FAILED = "failed", "Failed"

    provider = models.CharField(max_length=32, help_text=PROVIDER_HELP)
    # No database-level constraints on these two: every delivery of an endpoint would otherwise take
    # a KEY SHARE lock on the same endpoint and account rows, and concurrent inserts then queue on
    # PostgreSQL's multixact bookkeeping. Django still applies on_delete.
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        db_constraint=False,
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=500)
    query_string = models.CharField(max_length=1000, blank=True)
    headers = models.JSONField(default=dict, help_text="Authorization is stored redacted")
    body = models.BinaryField(help_text="The whole body of an accepted delivery; the first 4 KiB of a rejected one")
    body_size = models.PositiveIntegerField(default=0, help_text="Bytes received")
    body_sha256 = models.CharField(max_length=64, blank=True, help_text="Of the whole body as received")
    valid = models.BooleanField(default=False)
    error_code = models.CharField(max_length=64, blank=True)
    event = models.CharField(max_length=32, blank=True)
    dedupe_key = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    calls = models.ManyToManyField(Call, blank=True, related_name="deliveries")

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["dedupe_key", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.provider} delivery {self.pk} ({self.status})"


# --- What providers send besides calls: text messages, form leads, their trackers, billing usage. ---------
# Provider-neutral stores, written idempotently by integrations/event_stores.py (one row per provider record).


class ProviderRecord(models.Model):
    """What every stored provider record has: whose it is at which provider, and the provider's object."""

    provider = models.CharField(max_length=32, help_text=PROVIDER_HELP)
    provider_account_id = models.CharField(max_length=64, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Message(ProviderRecord):
    """A text message (SMS) one of the account's tracking numbers received or sent."""

    class Direction(models.TextChoices):
        INBOUND = "inbound"
        OUTBOUND = "outbound"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    provider_message_id = models.CharField(max_length=64)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    from_number = models.CharField(max_length=20, blank=True)
    to_number = models.CharField(max_length=20, blank=True)
    tracking_number = models.CharField(max_length=20, blank=True, help_text="Ours: the receiver, or the sender")
    body = models.TextField(blank=True)
    sent_at = models.DateTimeField()
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "provider_message_id"], name="message_unique_provider_account_message"
            )
        ]
        indexes = [models.Index(fields=["account", "sent_at"])]
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} message {self.provider_message_id}"


class Lead(ProviderRecord):
    """A form submission: a lead that is not a phone call."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="leads")
    provider_lead_id = models.CharField(max_length=64)
    submitted_at = models.DateTimeField()
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone_number = models.CharField(max_length=20, blank=True)
    form_name = models.CharField(max_length=200, blank=True)
    fields = models.JSONField(default=dict, blank=True, help_text="What the form asked, as submitted")
    source = models.CharField(max_length=200, blank=True)
    attribution = models.JSONField(default=dict, blank=True, help_text="utm_*, gclid, referrer, landing page")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "provider_lead_id"], name="lead_unique_provider_account_lead"
            )
        ]
        indexes = [models.Index(fields=["account", "submitted_at"])]
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} lead {self.provider_lead_id}"


class ProviderTracker(ProviderRecord):
    """Our mirror of a provider's tracker (its tracking numbers and source), as its last event had it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="provider_trackers")
    provider_tracker_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    tracking_numbers = models.JSONField(default=list, blank=True, help_text="E.164")
    source = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "provider_tracker_id"], name="tracker_unique_provider_account_tracker"
            )
        ]
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return f"{self.provider} tracker {self.name or self.provider_tracker_id}"


class UsageRecord(ProviderRecord):
    """Billing usage a provider reported (minutes, messages, numbers...)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="usage_records")
    provider_usage_id = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=64, blank=True, help_text="The provider's word for what was used")
    quantity = models.FloatField(default=0)
    unit = models.CharField(max_length=32, blank=True)
    amount_cents = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "account", "provider_usage_id"], name="usage_unique_provider_account_usage"
            )
        ]
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} usage {self.provider_usage_id}"


def _receiver_lookups_deleted(sender, **kwargs) -> None:
    lookups_changed()


# Per model, not for every model: a receiver for all senders would turn every fast bulk delete (the
# deliveries' retention purge) into a fetch-then-delete.
for _model in (Key, UserConfig, Campaign, WebhookEndpoint, SigningSecret):
    post_delete.connect(_receiver_lookups_deleted, sender=_model, dispatch_uid=f"receiver-lookups-{_model.__name__}")
