"""Which provider folders are Django apps (an `apps.py`: admin modules, management commands).

Found on disk rather than listed, so a provider stays one folder plus one line in `registry.py`.
Read by the settings, before Django is set up: this module imports nothing of the project, unlike
the registry, whose providers import the models.
"""

from pathlib import Path

PROVIDERS_DIR = Path(__file__).resolve().parent


def provider_apps() -> list[str]:
    """The dotted paths of the provider folders that have an `apps.py`, in name order."""
    return [
        f"{__package__}.{folder.name}"
        for folder in sorted(PROVIDERS_DIR.iterdir())
        if (folder / "__init__.py").is_file() and (folder / "apps.py").is_file()
    ]
