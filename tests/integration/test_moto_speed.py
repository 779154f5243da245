"""The speed-ups of the embedded AWS in infra/local/moto_speed.py. Transactions: every transaction
ends as moto's own code ends it (same error, same table), a failed one leaves every item as it
was, and a transaction no longer copies the items it does not write. Service models: a second
botocore session reads no model file again and gets the same model; a loader with another
search path or other extras reads its own. Responses: moto answers byte for byte as it does
without the remembered keys, and asks its providers once per member."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore import loaders
from moto.core import DEFAULT_ACCOUNT_ID, serialize
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item

TABLE = "fanglin-test"


def backend() -> DynamoDBBackend:
    return dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]  # type: ignore[no-any-return]


def s(value: str) -> dict[str, str]:
    return {"S": value}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": s(pk), "sk": s(sk)}


def seed() -> None:
    for pk, sk, extra in (
            ("TICKET#1", "TICKET", {"status": s("submitted"), "gsi1pk": s("OPEN"),
                                    "gsi1sk": s("2026-01-01")}),
            ("TICKET#1", "EVENT#1", {"action": s("create")}),
            ("TICKET#1", "EVENT#2", {"action": s("comment"), "tags": {"SS": ["a", "b"]}}),
            ("STATS#jinxiu", "day:2026-01-01", {"created": {"N": "5"},
                                                "per": {"M": {"lin": {"N": "2"}}}}),
            ("RATE#lin", "2026-01-01T00", {"count": {"N": "1"}})):
        backend().put_item(TABLE, key(pk, sk) | extra)


def dump() -> list[Any]:
    """Every partition of every table in its order, with its items in their order."""
    return [(name, [(hash_value.value, [(range_value.value, item.to_json())
                                        for range_value, item in partition.items()])
                    for hash_value, partition in table.items.items()])
            for name, table in backend().tables.items()]


def outcome(run: Callable[[DynamoDBBackend, list[dict[str, Any]]], None],
            transact: list[dict[str, Any]]) -> tuple[str, Any, list[Any]]:
    """Run ``transact`` from the seeded table: the error it raised, its reasons, the table."""
    table = backend().tables[TABLE]
    table.items.clear()
    seed()
    try:
        run(backend(), transact)
        error, reasons = "", None
    except Exception as err:  # noqa: BLE001 - the error itself is what is compared
        error, reasons = type(err).__name__, getattr(err, "cancellation_reasons", None)
    return error, reasons, dump()


def put(pk: str, sk: str, **condition: Any) -> dict[str, Any]:
    return {"Put": {"TableName": TABLE, "Item": key(pk, sk) | {"v": s("new")}, **condition}}


def update(pk: str, sk: str, expression: str, values: dict[str, Any],
           names: dict[str, str] | None = None) -> dict[str, Any]:
    op = {"TableName": TABLE, "Key": key(pk, sk), "UpdateExpression": expression,
          "ExpressionAttributeValues": values}
    return {"Update": op | ({"ExpressionAttributeNames": names} if names else {})}


def delete(pk: str, sk: str) -> dict[str, Any]:
    return {"Delete": {"TableName": TABLE, "Key": key(pk, sk)}}


def check(pk: str, sk: str, condition: str) -> dict[str, Any]:
    return {"ConditionCheck": {"TableName": TABLE, "Key": key(pk, sk),
                               "ConditionExpression": condition}}


WRITES = [put("TICKET#1", "EVENT#3"), put("TICKET#2", "TICKET"),
          update("STATS#jinxiu", "day:2026-01-01", "ADD created :one SET per.lin = :two",
                 {":one": {"N": "1"}, ":two": {"N": "3"}}),
          update("TICKET#1", "TICKET", "SET #s = :s REMOVE gsi1pk", {":s": s("acknowledged")},
                 {"#s": "status"}),
          delete("TICKET#1", "EVENT#1"), update("NEW#1", "X", "SET n = :n", {":n": {"N": "1"}})]

FAILED = {
    "a condition fails last": WRITES + [check("RATE#lin", "2026-01-01T00",
                                              "attribute_not_exists(pk)")],
    "a condition fails first": [check("TICKET#1", "TICKET", "attribute_not_exists(pk)")] + WRITES,
    "a put's condition fails": WRITES[:3] + [put("TICKET#1", "EVENT#2",
                                                 ConditionExpression="attribute_not_exists(pk)")],
    "one item written twice": WRITES + [delete("TICKET#1", "EVENT#3")],
    "an update adds to a string": WRITES[:4] + [update("TICKET#1", "EVENT#2", "ADD action :one",
                                                       {":one": {"N": "1"}})],
    "a missing table": WRITES + [{"Delete": {"TableName": "nope", "Key": key("A", "B")}}],
}


@pytest.fixture
def original(aws: dict[str, Any]) -> Callable[[DynamoDBBackend, list[dict[str, Any]]], None]:
    patched = DynamoDBBackend.transact_write_items
    assert getattr(patched, "snapshots_written_items", False), "the patch is not installed"
    return patched.__wrapped__  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("transact", list(FAILED.values()), ids=list(FAILED))
def test_a_failed_transaction_leaves_every_item_as_it_was(
        original: Callable[..., None], transact: list[dict[str, Any]]) -> None:
    seeded = outcome(lambda b, t: None, [])[2]
    error, reasons, after = outcome(DynamoDBBackend.transact_write_items, transact)
    assert error
    assert after == seeded
    assert (error, reasons, after) == outcome(original, transact)


def test_a_transaction_that_succeeds_writes_what_moto_writes(
        original: Callable[..., None]) -> None:
    patched = outcome(DynamoDBBackend.transact_write_items, WRITES)
    assert patched[0] == ""
    assert patched == outcome(original, WRITES)
    assert patched[2] != outcome(lambda b, t: None, [])[2]


def test_a_transaction_copies_only_the_items_it_writes(
        original: Callable[..., None], monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(300):
        backend().put_item(TABLE, key(f"DIR#{n}", "ITEM") | {"n": {"N": str(n)}})
    seed()
    copied: list[Item] = []
    deepcopy = Item.__deepcopy__

    def counting(self: Item, memo: dict[int, Any]) -> Item:
        copied.append(self)
        return deepcopy(self, memo)

    monkeypatch.setattr(Item, "__deepcopy__", counting)
    failing = [WRITES[2], check("RATE#lin", "2026-01-01T00", "attribute_not_exists(pk)")]
    with pytest.raises(Exception, match="Transaction cancelled"):
        backend().transact_write_items(failing)
    assert [item.hash_key.value for item in copied] == ["STATS#jinxiu"] * len(copied)
    assert len(copied) <= 2


def test_a_second_session_reads_no_model_file_again(monkeypatch: pytest.MonkeyPatch) -> None:
    assert getattr(loaders.Loader.__init__, "shares_parsed_models", False), "not installed"
    first = botocore.session.Session().create_client("sqs", region_name="us-east-1")
    read: list[str] = []
    load_file = loaders.JSONFileLoader.load_file

    def counting(self: loaders.JSONFileLoader, file_path: str) -> Any:
        read.append(file_path)
        return load_file(self, file_path)

    monkeypatch.setattr(loaders.JSONFileLoader, "load_file", counting)
    second = botocore.session.Session().create_client("sqs", region_name="us-east-1")
    assert read == []
    assert second.meta.service_model.operation_names == first.meta.service_model.operation_names
    assert second.meta.service_model.metadata == first.meta.service_model.metadata


def test_a_loader_with_another_search_path_reads_its_own_models(tmp_path: Path) -> None:
    shared = loaders.Loader().load_service_model("sqs", "service-2")
    version = shared["metadata"]["apiVersion"]
    own = tmp_path / "sqs" / version / "service-2.json"
    own.parent.mkdir(parents=True)
    own.write_text(json.dumps({"metadata": {"apiVersion": version, "serviceId": "mine"},
                               "operations": {}, "shapes": {}}))
    mine = loaders.Loader(extra_search_paths=[str(tmp_path)]).load_service_model(
        "sqs", "service-2", version)
    assert mine["metadata"]["serviceId"] == "mine"
    assert loaders.Loader().load_service_model("sqs", "service-2", version) is shared
    plain = loaders.Loader(include_default_extras=False).load_service_model(
        "sqs", "service-2", version)
    assert plain is not shared and plain["metadata"] == shared["metadata"]


EVERY_TYPE = key("TYPES#1", "ITEM") | {
    "s": s("文字"), "n": {"N": "-12.50"}, "b": {"B": b"\x00\xffbytes"},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": [b"x", b"y"]},
    "null": {"NULL": True}, "bool": {"BOOL": False}, "gsi1pk": s("TYPES"), "gsi1sk": s("1"),
    "m": {"M": {"inner": {"L": [s("x"), {"N": "1"}, {"M": {"deep": {"BOOL": True}}}]}}}}


def answers(client: Any) -> list[bytes]:
    bodies: list[bytes] = []

    def keep(response_dict: dict[str, Any], **kwargs: Any) -> None:
        bodies.append(response_dict["body"])

    client.meta.events.register("before-parse.dynamodb.*", keep)
    try:
        client.get_item(TableName=TABLE, Key=key("TYPES#1", "ITEM"))
        client.query(TableName=TABLE, IndexName="gsi1",
                     KeyConditionExpression="gsi1pk = :p", ExpressionAttributeValues={
                         ":p": s("TYPES")})
        client.scan(TableName=TABLE, Limit=3)
        client.batch_get_item(RequestItems={TABLE: {"Keys": [key("TYPES#1", "ITEM")]}})
        client.update_item(TableName=TABLE, Key=key("TYPES#1", "ITEM"),
                           UpdateExpression="SET n = n + :one", ReturnValues="ALL_OLD",
                           ExpressionAttributeValues={":one": {"N": "0"}})
        try:
            client.put_item(TableName=TABLE, Item=EVERY_TYPE,
                            ConditionExpression="attribute_not_exists(pk)",
                            ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except client.exceptions.ConditionalCheckFailedException:
            pass
    finally:
        client.meta.events.unregister("before-parse.dynamodb.*", keep)
    return bodies


def test_answers_are_byte_for_byte_moto_s_own(aws: dict[str, Any],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    picker = serialize.XFormedAttributePicker
    assert getattr(picker.get_possible_keys, "remembers_keys", False), "not installed"
    client = boto3.client("dynamodb")
    seed()
    client.put_item(TableName=TABLE, Item=EVERY_TYPE)
    answers(client)
    asked: list[str] = []
    has_alias = serialize.NoAlias.has_alias

    def counting(self: Any, key: str) -> bool:
        asked.append(key)
        return has_alias(self, key)

    monkeypatch.setattr(serialize.NoAlias, "has_alias", counting)
    remembered = answers(client)
    assert len(remembered) == 6 and b"ConditionalCheckFailed" in remembered[-1]
    assert asked == []
    monkeypatch.setattr(picker, "get_possible_keys",
                        picker.get_possible_keys.__wrapped__)  # type: ignore[attr-defined]
    assert answers(client) == remembered
    assert asked.count("S") > 10


def query_answers(client: Any) -> list[bytes]:
    """Base-table and index queries, forwards, backwards, filtered and a page at a time."""
    bodies: list[bytes] = []

    def keep(response_dict: dict[str, Any], **kwargs: Any) -> None:
        bodies.append(response_dict["body"])

    queries: list[dict[str, Any]] = [
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("TICKET#1")}},
        {"KeyConditionExpression": "pk = :p AND begins_with(sk, :e)", "ScanIndexForward": False,
         "ExpressionAttributeValues": {":p": s("TICKET#1"), ":e": s("EVENT#")}},
        {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("NONE")}},
        {"KeyConditionExpression": "pk = :p", "FilterExpression": "attribute_exists(tags)",
         "ExpressionAttributeValues": {":p": s("TICKET#1")}},
        {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :g",
         "ExpressionAttributeValues": {":g": s("OPEN")}},
        {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :g AND gsi1sk > :d",
         "ScanIndexForward": False,
         "ExpressionAttributeValues": {":g": s("OPEN"), ":d": s("2026-01-03")}},
    ]
    client.meta.events.register("before-parse.dynamodb.*", keep)
    try:
        for query in queries:
            client.query(TableName=TABLE, **query)
            start: dict[str, Any] | None = None
            while True:
                page = client.query(TableName=TABLE, Limit=2, **query,
                                    **({"ExclusiveStartKey": start} if start else {}))
                start = page.get("LastEvaluatedKey")
                if not start:
                    break
    finally:
        client.meta.events.unregister("before-parse.dynamodb.*", keep)
    return bodies


def test_queries_answer_as_moto_does_without_sorting_the_table(
        aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models import table as tables

    assert getattr(tables.Table.query, "skips_table_sort", False), "not installed"
    client = boto3.client("dynamodb")
    seed()
    for n in range(12):
        client.put_item(TableName=TABLE, Item=key(f"TICKET#{n % 5 + 2}", f"TICKET#{n}") | {
            "gsi1pk": s("OPEN" if n % 3 else "CLOSED"), "gsi1sk": s(f"2026-01-{n % 7 + 1:02}"),
            "n": {"N": str(n)}})
    sorted_sizes: list[int] = []

    def counting_sorted(items: Any, **kwargs: Any) -> list[Any]:
        found = sorted(items, **kwargs)
        sorted_sizes.append(len(found))
        return found

    monkeypatch.setattr(tables, "sorted", counting_sorted, raising=False)
    fast = query_answers(client)
    assert len(fast) > 12 and sorted_sizes == []
    monkeypatch.setattr(tables.Table, "query",
                        tables.Table.query.__wrapped__)  # type: ignore[attr-defined]
    monkeypatch.setattr(tables.Table, "all_items",
                        tables.Table.all_items.__wrapped__)  # type: ignore[attr-defined]
    assert query_answers(client) == fast
    assert sorted_sizes and max(sorted_sizes) >= 17
