"""The house rule (DESIGN.md): code outside `integrations/providers/` never imports a provider by
name; it knows providers through `integrations.providers.base` and `integrations.providers.registry`.
So adding a provider is its folder plus one registry line, and nothing generic changes. A provider's
admin and management commands live in its folder too: a folder with an `apps.py` is a Django app."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERIC_PACKAGES = ("accounts", "ctm_integration", "dashboard", "integrations", "notifications", "outbound")
# integrations.providers.<these>: the interface, the one list, and which provider folders are Django apps
# (read by the settings, which cannot import the registry).
ALLOWED_MODULES = {"base", "registry", "django_apps"}


def generic_modules() -> list[Path]:
    files = []
    for package in GENERIC_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("integrations/providers/") or "/migrations/" in relative:
                continue
            files.append(path)
    return files


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function (where a late import hides),
    and every dotted path into our packages it names in a string (`include("...urls")`, a setting)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("integrations."):
            names.add(node.value.split(":")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def provider_imports(path: Path) -> set[str]:
    """What the file imports from inside a provider's folder (the interface and registry are fine)."""
    return {
        name
        for name in imported_modules(path)
        if name.startswith("integrations.providers.") and name.split(".")[2] not in ALLOWED_MODULES
    }


@pytest.mark.parametrize("path", generic_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_generic_code_does_not_import_a_provider_by_name(path):
    relative = path.relative_to(ROOT).as_posix()
    found = provider_imports(path)
    assert not found, f"{relative} imports {sorted(found)}: go through integrations.providers.registry"


def test_the_rule_sees_late_imports_too(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from integrations.providers.ctm.client import CtmClient\n    return CtmClient\n")
    assert provider_imports(sneaky) == {
        "integrations.providers.ctm.client",
        "integrations.providers.ctm.client.CtmClient",
    }


def test_the_rule_sees_dotted_paths_in_strings(tmp_path):
    urls = tmp_path / "urls.py"
    urls.write_text(
        'from django.urls import include, path\nurls = [path("e/x/", include("integrations.providers.ctm.urls"))]\n'
    )
    assert provider_imports(urls) == {"integrations.providers.ctm.urls"}


def test_the_registry_and_the_interface_are_allowed(tmp_path):
    fine = tmp_path / "fine.py"
    fine.write_text(
        "from integrations.providers.registry import PROVIDERS\nfrom integrations.providers.base import Provider\n"
    )
    assert provider_imports(fine) == set()
