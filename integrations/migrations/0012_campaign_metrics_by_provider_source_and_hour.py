"""Campaign metrics gain a provider and a source (the daily rows) and hours (a new model), so that a
campaign's summary and chart across providers are read from them like an account's are from its rollups.

Every schema change comes first; then the metrics are rebuilt from the calls with the service the app
uses for a repair (`campaign_metrics_rebuild`), given this migration's models. (On PostgreSQL, rows
written in the migration's transaction would refuse a later ALTER TABLE of their table.) Going back
collapses each campaign's day into one row again.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Sum

from integrations.call_services import campaign_metrics_rebuild

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


def rebuild_from_calls(apps, schema_editor) -> None:
    Account = apps.get_model("accounts", "Account")
    Call = apps.get_model("integrations", "Call")
    daily = apps.get_model("integrations", "CampaignDailyMetric")
    hourly = apps.get_model("integrations", "CampaignHourlyMetric")
    daily.objects.all().delete()  # every old row: accounts without attributed calls keep none
    for account in Account.objects.filter(pk__in=Call.objects.filter(campaign__isnull=False).values("account_id")):
        campaign_metrics_rebuild(
            account=account,
            calls=Call.objects.filter(account_id=account.pk),
            daily_model=daily,
            hourly_model=hourly,
        )


def one_row_per_campaign_day(apps, schema_editor) -> None:
    daily = apps.get_model("integrations", "CampaignDailyMetric")
    rows = list(daily.objects.values("campaign_id", "day").annotate(**{c: Sum(c) for c in COUNTERS}).order_by())
    daily.objects.all().delete()
    daily.objects.bulk_create((daily(provider="", source="", **row) for row in rows), batch_size=2000)
    if schema_editor.connection.vendor == "postgresql":
        # The rows' deferred foreign-key checks now, or the ALTER TABLEs that follow are refused.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0011_provider_columns'),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignHourlyMetric',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('calls', models.PositiveIntegerField(default=0)),
                ('answered', models.PositiveIntegerField(default=0)),
                ('missed', models.PositiveIntegerField(default=0)),
                ('canceled', models.PositiveIntegerField(default=0)),
                ('failed', models.PositiveIntegerField(default=0)),
                ('in_progress', models.PositiveIntegerField(default=0)),
                ('first_time_callers', models.PositiveIntegerField(default=0)),
                ('duration', models.PositiveBigIntegerField(default=0, help_text='Seconds')),
                ('talk_time', models.PositiveBigIntegerField(default=0, help_text='Seconds')),
                ('provider', models.CharField(help_text='A provider slug from the registry', max_length=32)),
                ('day', models.DateField()),
                ('hour', models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='campaigndailymetric',
            name='campaign_metric_unique',
        ),
        migrations.AddField(
            model_name='campaigndailymetric',
            name='provider',
            field=models.CharField(default='', help_text='A provider slug from the registry', max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='campaigndailymetric',
            name='source',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddConstraint(
            model_name='campaigndailymetric',
            constraint=models.UniqueConstraint(fields=('campaign', 'day', 'provider', 'source'), name='campaign_daily_metric_unique'),
        ),
        migrations.AddField(
            model_name='campaignhourlymetric',
            name='campaign',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hourly_metrics', to='integrations.campaign'),
        ),
        migrations.AddConstraint(
            model_name='campaignhourlymetric',
            constraint=models.UniqueConstraint(fields=('campaign', 'day', 'hour', 'provider'), name='campaign_hourly_metric_unique'),
        ),
        migrations.RunPython(rebuild_from_calls, one_row_per_campaign_day),
    ]
