"""The documentation states what the code does."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_settings_doc_lists_every_setting_with_its_default() -> None:
    spec = importlib.util.spec_from_file_location("settings_doc", ROOT / "scripts" / "settings_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == module.render(), (
        "docs/settings.md is stale: run .venv/bin/python scripts/settings_doc.py"
    )


def test_readme_links_point_at_files_that_exist() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
