"""The device context's layout (STYLE.md): only its store builds keys and touches the table; the
domain never imports Chalice; routes load the domain lazily."""
from __future__ import annotations

import re
from pathlib import Path

DEVICES = Path(__file__).resolve().parents[2] / "chalicelib" / "devices"
KEY_PREFIX = re.compile(r"""["'](?:DEVICE|DEVICES|DEVSEEN|DEVOFFLINE|ALARM|ALARMS|ACTIVE|CLEARED|"""
                        r"""SEQ|DEVPOLICY|SEEN)#""")
MODELS = "Device|DeviceCommunity|Heartbeat|SeenMessage|Alarm|ActiveAlarm|ClearedAlarm|" \
         "Pm25State|DevicePolicy"
STORAGE = re.compile(rf"\b(?:{MODELS})\.(?:query|get|batch_get|scan|by_\w+|pk|sk)\b"
                     r"|\btransaction\(|condition=")
SHARED = {"topics.py"}


def sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in DEVICES.glob("*.py") if p.name not in SHARED}


def test_only_the_store_builds_keys_and_touches_the_table() -> None:
    texts = sources()
    assert [n for n, t in texts.items() if n != "store.py" and KEY_PREFIX.search(t)] == []
    assert {n: STORAGE.findall(t) for n, t in texts.items()
            if n != "store.py" and STORAGE.search(t)} == {}
    assert KEY_PREFIX.search(texts["store.py"]) and STORAGE.search(texts["store.py"])


def test_the_domain_never_imports_chalice() -> None:
    web = {"routes.py", "handlers.py"}
    assert [n for n, t in sources().items()
            if n not in web and re.search(r"^\s*(from|import) chalice\b", t, re.M)] == []


def test_routes_and_handlers_import_the_domain_lazily() -> None:
    for name in ("routes.py", "handlers.py"):
        text = sources()[name]
        top = text.split("if TYPE_CHECKING:")[0]
        assert not re.search(r"from chalicelib\.devices(\.\w+)? import", top), name
