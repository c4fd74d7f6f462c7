"""A provider folder with an `apps.py` is a Django app: Django finds its admin and its management commands."""

from django.apps import apps
from django.core.management import ManagementUtility, get_commands

from integrations.providers.django_apps import provider_apps


def test_the_ctm_folder_is_an_installed_app_without_models():
    assert "integrations.providers.ctm" in provider_apps()
    config = apps.get_app_config("ctm")
    assert config.name == "integrations.providers.ctm"
    assert list(config.get_models()) == []  # its rows stay in the integrations tables


def test_ctm_s_commands_are_found_in_its_folder():
    commands = get_commands()
    assert commands["ctm_sync"] == commands["ctm_sandbox"] == "integrations.providers.ctm"

    listed = ManagementUtility(["manage.py"]).main_help_text()  # what `manage.py help` prints
    assert "[ctm]\n    ctm_sandbox\n    ctm_sync\n" in listed


def test_folders_without_apps_py_are_not_apps():
    assert "integrations.providers.calltracker" not in provider_apps()
