"""Webhook cases shared by every provider (django-anymail's `webhook_cases`, with pytest): each provider
is described by a small adapter (`adapters.py` and one module per provider), and `test_every_provider.py`
runs one set of cases for every provider in the registry through its adapter."""
