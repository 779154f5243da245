"""Speed-ups of the embedded AWS (moto), same outcomes; ``install`` puts them in place, in the local
stack (after ``SerialDynamoDB``, which makes each request run alone) and in the integration tests.

Transactions: moto (5.2.5) starts every ``TransactWriteItems`` by deep-copying each table the
transaction names, to put the copy back if the transaction fails. The app has one table, so every
transaction copied every item in it: the cost grew with the table (a third of the statistics
property test). ``snapshot_only_written_items`` keeps moto's transaction code and changes only that
snapshot: before moto runs the transaction, the partitions it names are saved (their item order,
and a deep copy of each item at a key the transaction writes, since an update changes an item in
place); moto's own "copy" of a table is then the table itself. If the transaction fails in any
way, the saved partitions and the table's stream records are put back, so a failed transaction
leaves the table exactly as it was.

Service models: botocore parses a service's JSON model once per session, and each test module
starts new sessions (moto's ``mock_aws`` drops boto3's default session; the fixtures reset the
app's). ``share_service_models`` lets every botocore loader of the process with the same search
path share what it has parsed (half of each module's set-up), as the clients of one session
already do.

Responses: moto builds each answer by walking the operation's output shape, and for every member
of every structure it asks six alias providers which keys of the Python value might hold it (a
fifth of the integration tier's time went there, most of it for the ten members of each DynamoDB
attribute value). For a plain ``dict`` value those keys depend only on the member's shape, its
parent shape and its name, so ``remember_attribute_keys`` computes them once per member shape.

Queries: moto sorts the whole table before each query (``query_without_sorting_the_table``).

tests/integration/test_moto_speed.py checks all four."""
from __future__ import annotations

import copy
import functools
import threading
from typing import Any

from botocore import loaders
from moto.core import serialize
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


def install() -> None:
    """The four speed-ups, in this process (idempotent)."""
    snapshot_only_written_items()
    share_service_models()
    remember_attribute_keys()
    query_without_sorting_the_table()


def snapshot_only_written_items() -> None:
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


_PARSED: dict[tuple[Any, ...], Any] = {}


class _SharedParsedModels:
    """A loader's cache (botocore's ``instance_cache`` keys), held for every loader of the process
    of the same class with the same extras and, at the time of the call, the same search path
    (boto3 adds its own to a loader; moto's loader adds moto's path and extras)."""

    def __init__(self, loader: loaders.Loader) -> None:
        self.loader = loader

    def _key(self, key: Any) -> tuple[Any, ...]:
        loader = self.loader
        return type(loader), tuple(loader.extras_types), tuple(loader.search_paths), key

    def __contains__(self, key: Any) -> bool:
        return self._key(key) in _PARSED

    def __getitem__(self, key: Any) -> Any:
        return _PARSED[self._key(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        _PARSED[self._key(key)] = value


def share_service_models() -> None:
    if getattr(loaders.Loader.__init__, "shares_parsed_models", False):
        return
    original = loaders.Loader.__init__

    @functools.wraps(original)
    def __init__(self: loaders.Loader, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._cache = _SharedParsedModels(self)

    __init__.shares_parsed_models = True  # type: ignore[attr-defined]
    loaders.Loader.__init__ = __init__  # type: ignore[method-assign]


_KEYS: dict[tuple[int, int, str], tuple[Any, Any, tuple[str, ...]]] = {}


def remember_attribute_keys() -> None:
    picker = serialize.XFormedAttributePicker
    if getattr(picker.get_possible_keys, "remembers_keys", False):
        return
    original = picker.get_possible_keys

    @functools.wraps(original)
    def get_possible_keys(self: Any, context: Any) -> Any:
        """The keys moto's providers name for a member of a plain dict, computed once (the
        entry holds the shapes, so their ids stay theirs)."""
        if type(context.obj) is not dict or self.alias_providers is not \
                serialize.DEFAULT_ALIAS_PROVIDERS:
            return original(self, context)
        shape = context.shape
        parent = getattr(shape, "parent", None)
        entry = _KEYS.get((id(shape), id(parent), context.key))
        if entry is None or entry[0] is not shape or entry[1] is not parent:
            entry = (shape, parent, tuple(original(self, context)))
            _KEYS[(id(shape), id(parent), context.key)] = entry
        return entry[2]

    get_possible_keys.remembers_keys = True  # type: ignore[attr-defined]
    picker.get_possible_keys = get_possible_keys  # type: ignore[method-assign]


_querying = threading.local()


def query_without_sorting_the_table() -> None:
    """moto's ``Table.query`` starts from ``all_items()``, which sorts every item of the table
    (by DynamoType comparisons) before the query filters them and sorts what matched. While a
    query runs, ``all_items`` here is the items of the queried partition (a base-table query)
    or all items unsorted (an index query): the same matches, sorted by moto as before."""
    if getattr(Table.query, "skips_table_sort", False):
        return
    original_query = Table.query
    original_all_items = Table.all_items

    @functools.wraps(original_query)
    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs["index_name"] if "index_name" in kwargs else (
            args[6] if len(args) > 6 else None)
        _querying.active = True
        _querying.partition = hash_key if index_name is None else None
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _querying.active = False

    @functools.wraps(original_all_items)
    def all_items(self: Table) -> list[Any]:
        if not getattr(_querying, "active", False):
            return original_all_items(self)
        if _querying.partition is not None:
            hash_set = self.items.get(_querying.partition)
            sets = [] if hash_set is None else [hash_set]
        else:
            sets = list(self.items.values())
        if self.range_key_attr:
            return [item for hash_set in sets for item in hash_set.values()]
        return list(sets)

    query.skips_table_sort = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]
