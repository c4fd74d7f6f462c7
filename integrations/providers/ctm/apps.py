from django.apps import AppConfig


class CtmConfig(AppConfig):
    """CTM's folder as a Django app, so Django finds what lives in it: its admin (`admin.py`) and its
    commands (`management/commands/`). It has no models: CTM's rows are in `integrations`' tables."""

    name = "integrations.providers.ctm"
    label = "ctm"
    verbose_name = "CallTrackingMetrics"
