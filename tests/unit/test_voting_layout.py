"""The voting context's layout (STYLE.md): only its store knows keys, conditions and
transactions; the counting rules are pure and exact; the domain never imports Chalice; the
schedule queries an index (never a scan)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

VOTING = Path(__file__).resolve().parents[2] / "chalicelib" / "voting"
KEY_PREFIX = re.compile(r"""["'](?:POLL|POLLS|POLLPLACES|POLLBALLOTS|VOTER|ROLLKEY|BALLOT|"""
                        r"""RECEIPT|VERSIONS)#""")
STORAGE = re.compile(r"\b(?:Poll|Voter|Ballot|Receipt|RollKey|Tally|Result|VersionCounter)"
                     r"\.(?:query|get|batch_get|batch_write|scan|by_\w+)\b|\btransaction\(|"
                     r"condition=|\.scan\(")
PURE = ("counting.py", "electorate.py", "tracker.py", "display.py")
EDGES = ("routes.py", "handlers.py")


def sources() -> dict[str, str]:
    return {p.name: p.read_text() for p in VOTING.glob("*.py")}


def imported(text: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_store_builds_keys_and_touches_the_table() -> None:
    texts = sources()
    assert KEY_PREFIX.search(texts["store.py"])
    assert {n for n, t in texts.items() if n != "store.py" and KEY_PREFIX.search(t)} == set()
    assert {n: STORAGE.findall(t) for n, t in texts.items()
            if n != "store.py" and STORAGE.search(t)} == {}
    assert ".scan(" not in texts["store.py"]


def test_the_counting_rules_are_pure_and_use_no_floats() -> None:
    for name in PURE:
        modules = imported(sources()[name])
        assert not {m for m in modules if m.split(".")[0] in {"pynamodb", "boto3", "chalice"}}
        assert modules & {"fractions", "chalicelib.voting.counting"}, name
    for name in ("counting.py", "electorate.py", "tracker.py"):
        tree = ast.parse(sources()[name])
        floats = [n for n in ast.walk(tree)
                  if (isinstance(n, ast.Name) and n.id == "float")
                  or (isinstance(n, ast.Constant) and isinstance(n.value, float))]
        assert floats == [], name


def test_the_domain_never_imports_chalice() -> None:
    for name, text in sources().items():
        if name not in EDGES:
            assert "chalice" not in {m.split(".")[0] for m in imported(text)}, name


def test_the_schedule_runs_every_minute() -> None:
    from app import app

    [source] = [s for s in app.event_sources if s.name == "poll_close"]
    assert source.schedule_expression == "rate(1 minute)"
