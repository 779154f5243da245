import pytest

from chalicelib.core import cache, config
from chalicelib.core.cache import TtlCache


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(cache.time, "monotonic", lambda: now[0])
    return now


def test_a_value_is_served_until_its_time_is_up(clock):
    loads = []
    kept = TtlCache(ttl_s=30)

    def load():
        loads.append(clock[0])
        return len(loads)

    assert kept.get("k", load) == 1
    clock[0] += 29
    assert kept.get("k", load) == 1
    clock[0] += 1
    assert kept.get("k", load) == 2


def test_what_keep_refuses_is_loaded_again():
    kept = TtlCache(ttl_s=30)
    assert kept.get("k", lambda: None, keep=lambda v: v is not None) is None
    assert kept.get("k", lambda: "found", keep=lambda v: v is not None) == "found"
    assert kept.get("k", lambda: "later") == "found"


def test_forget_drops_a_key_and_a_load_it_overtook():
    kept = TtlCache(ttl_s=30)
    kept.get("k", lambda: "old")
    kept.forget("k")
    assert kept.get("k", lambda: "new") == "new"

    def load_while_written():
        kept.forget("other")
        return "read before the write"

    kept.forget("k")
    assert kept.get("k", load_while_written) == "read before the write"
    assert kept.get("k", lambda: "after") == "after"


def test_the_oldest_entry_leaves_when_full():
    kept = TtlCache(ttl_s=30, max_entries=2)
    for key in "abc":
        kept.get(key, lambda key=key: key.upper())
    assert kept.get("a", lambda: "again") == "again"
    assert kept.get("c", lambda: "again") == "C"


def test_caches_belong_to_the_settings_and_reset_forgets_them():
    cache.ttl_cache("test", 30).get("k", lambda: "first")
    assert cache.ttl_cache("test", 30).get("k", lambda: "second") == "first"
    config.reset()
    assert cache.ttl_cache("test", 30).get("k", lambda: "third") == "third"
    cache.reset()
    assert cache.ttl_cache("test", 30).get("k", lambda: "fourth") == "fourth"
