"""The layout of the notices, guides and activities contexts (STYLE.md): only each store knows
keys, indexes, conditions and transactions; the domain never imports Chalice; routes reach the
domain lazily."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
CONTEXTS = {
    "notices": ("Notice|NoticeRead", "NOTICE|NOTICES|NOTICE_READS|NOTICE_EXPIRY|READ"),
    "guides": ("Guide|GuideCount", "GUIDE|GUIDES"),
    "activities": ("Activity|Signup", "ACTIVITY|ACTIVITIES|SIGNUP|SIGNUPS"),
}
EDGES = {"routes.py", "handlers.py"}


def sources(context: str) -> dict[str, str]:
    return {p.name: p.read_text() for p in (ROOT / context).glob("*.py")}


@pytest.mark.parametrize("context", CONTEXTS)
def test_only_the_store_builds_keys_and_touches_the_table(context: str) -> None:
    models, prefixes = CONTEXTS[context]
    key = re.compile(rf"""["'](?:{prefixes})#""")
    storage = re.compile(rf"\b(?:{models})\.(?:query|get|batch_get|batch_write|scan|by_\w+)\b"
                         r"|\btransaction\(|condition=")
    found = sources(context)
    assert {"models.py", "store.py", "rules.py", "service.py", "schemas.py", "responses.py",
            "views.py", "routes.py"} <= set(found)
    assert key.search(found["store.py"])
    assert [n for n, text in found.items() if n != "store.py" and key.search(text)] == []
    assert [n for n, text in found.items() if n != "store.py" and storage.search(text)] == []


@pytest.mark.parametrize("context", CONTEXTS)
def test_the_domain_never_imports_chalice(context: str) -> None:
    offenders = [n for n, text in sources(context).items()
                 if n not in EDGES and re.search(r"^\s*(from|import) chalice\b", text, re.M)]
    assert offenders == []


def test_importing_the_routes_loads_no_domain_module() -> None:
    code = ("import sys; import chalicelib.notices.routes, chalicelib.guides.routes, "
            "chalicelib.activities.routes, chalicelib.notices.handlers; "
            "loaded = [m for m in sys.modules if m.split('.')[-1] in "
            "('service', 'store', 'models')"
            " and m.split('.')[1] in ('notices', 'guides', 'activities')]; "
            "sys.exit(1 if loaded or 'pynamodb' in sys.modules or 'pydantic' in sys.modules "
            "else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
