"""The web front door is a client of the public gRPC APIs only: it imports nothing of the
coordinator or the departments, only the shared kernel (lifeevents) and its own libraries."""
import re
from pathlib import Path

import pytest

from tests.unit.test_architecture import imported_modules

ROOT = Path(__file__).resolve().parents[2]
WEB = sorted((ROOT / "web").rglob("*.py"))


def test_there_is_a_web_package():
    assert ROOT / "web" / "app.py" in WEB


@pytest.mark.parametrize("path", WEB, ids=lambda p: str(p.relative_to(ROOT)))
def test_web_imports_nothing_of_the_coordinator_or_the_departments(path):
    assert not imported_modules(path) & {"saga", "services", "deploy", "tests", "nameko", "eventlet", "pika"}


def test_web_has_no_inline_script_or_style():
    """The Content-Security-Policy allows neither; a page that used them would break."""
    for template in (ROOT / "web" / "templates").glob("*.html"):
        source = template.read_text(encoding="utf-8")
        assert "<script>" not in source and "<style" not in source and " style=" not in source, template
        assert not re.search(r"\son[a-z]+=", source), f"{template}: an inline event handler"
