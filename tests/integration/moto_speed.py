"""Test-only speed-up of moto's DynamoDB transactions, same outcomes.

moto (5.2.5) starts every ``TransactWriteItems`` by deep-copying each table the transaction names,
to put the copy back if the transaction fails. The app has one table, so every transaction copied
every item in it: the cost grew with the table (a third of the statistics property test).

``snapshot_only_written_items`` keeps moto's transaction code and changes only that snapshot:
before moto runs the transaction, the partitions it writes are saved (their item order, and a deep
copy of each item at a key the transaction writes, since an update changes an item in place);
moto's own "copy" of a table is then the table itself. If the transaction fails in any way, the
saved partitions and the table's stream records are put back, so a failed transaction leaves the
table exactly as it was (tests/integration/test_moto_speed.py checks this)."""
from __future__ import annotations

import copy
import functools
import threading
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_snapshotting = threading.local()


def _partition_key(table: Table, op_type: str, op: dict[str, Any]) -> tuple[Any, Any] | None:
    key = op.get("Item") if op_type == "Put" else op.get("Key")
    if not isinstance(key, dict) or table.hash_key_attr not in key:
        return None
    range_value = None
    if table.range_key_attr is not None:
        if table.range_key_attr not in key:
            return None
        range_value = DynamoType(key[table.range_key_attr])
    return DynamoType(key[table.hash_key_attr]), range_value


class _Snapshot:
    """The partitions one transaction writes, as they were before it."""

    def __init__(self, tables: dict[str, Any], transact_items: list[dict[str, Any]]) -> None:
        written: dict[tuple[str, Any], set[Any]] = {}
        for entry in transact_items:
            for op_type, op in entry.items():
                name = op.get("TableName") if isinstance(op, dict) else None
                if not isinstance(name, str) or name not in tables:
                    continue
                key = _partition_key(tables[name], op_type, op)
                if key is None:
                    continue
                written_keys = written.setdefault((name, key[0]), set())
                if op_type != "ConditionCheck":
                    written_keys.add(key[1])
        self.tables = tables
        self.partitions: dict[tuple[str, Any], tuple[bool, Any]] = {}
        self.streams: dict[str, int] = {}
        for (name, hash_value), range_values in written.items():
            table = tables[name]
            present = hash_value in table.items
            saved: Any = None
            if present and table.range_key_attr is None:
                saved = copy.deepcopy(table.items[hash_value])
            elif present:
                saved = dict(table.items[hash_value])
                for range_value in range_values & saved.keys():
                    saved[range_value] = copy.deepcopy(saved[range_value])
            self.partitions[(name, hash_value)] = (present, saved)
            if table.stream_shard is not None:
                self.streams[name] = len(table.stream_shard.items)

    def restore(self) -> None:
        for (name, hash_value), (present, saved) in self.partitions.items():
            items = self.tables[name].items
            if present:
                items[hash_value] = saved
            else:
                items.pop(hash_value, None)
        for name, length in self.streams.items():
            del self.tables[name].stream_shard.items[length:]


class _CopyModule:
    """``copy`` as moto's DynamoDB backend sees it: while a transaction of this thread is running
    under a ``_Snapshot``, a deep copy of a table is the table itself."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(x: Any, memo: dict[int, Any] | None = None) -> Any:
        if getattr(_snapshotting, "active", False) and isinstance(x, Table):
            return x
        return copy.deepcopy(x, memo)


def snapshot_only_written_items() -> None:
    """Install the patch (idempotent) in this process."""
    backend = models.DynamoDBBackend
    if getattr(backend.transact_write_items, "snapshots_written_items", False):
        return
    original = backend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        snapshot = _Snapshot(self.tables, transact_items)
        _snapshotting.active = True
        try:
            original(self, transact_items)
        except BaseException:
            snapshot.restore()
            raise
        finally:
            _snapshotting.active = False

    transact_write_items.snapshots_written_items = True  # type: ignore[attr-defined]
    models.copy = _CopyModule()  # type: ignore[assignment]
    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
