"""The single Fanglin table: every entity is a PynamoDB model keyed by ``pk``/``sk``.

Six overloaded global secondary indexes (``gsi1``..``gsi6``) serve the list access patterns;
each model documents which index it populates and with what keys. Every model and transaction
sends through one DynamoDB client per container, made by PynamoDB (with its own client settings)
from the session of ``clients`` (PynamoDB would otherwise make a session and a client per model).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core import clients
from chalicelib.core.config import get_settings

GSI_NAMES = ("gsi1", "gsi2", "gsi3", "gsi4", "gsi5", "gsi6")
TTL_ATTRIBUTE = "expires_at"


class _TableFromSettings(type):
    @property
    def table_name(cls) -> str:
        return get_settings().table_name


class _ContainerSession(Connection):
    @property
    def session(self) -> Any:
        return clients.botocore_session()


class _ContainerClient(Connection):
    @property
    def client(self) -> Any:  # type: ignore[override]
        return dynamodb_client()


class BaseModel(Model):
    class Meta(metaclass=_TableFromSettings):
        pass

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)

    @classmethod
    def _get_connection(cls) -> Any:
        table = super()._get_connection()
        if not isinstance(table.connection, _ContainerClient):
            shared = _ContainerClient(region=get_settings().region)
            shared.add_meta_table(table.get_meta_table())
            table.connection = shared
        return table


def gsi(name: str) -> Any:
    """A fresh index class for ``name`` (PynamoDB binds index classes to one model each)."""

    class Index(GlobalSecondaryIndex[Any]):
        class Meta:
            index_name = name
            projection = AllProjection()

        pk = UnicodeAttribute(hash_key=True, attr_name=f"{name}pk")
        sk = UnicodeAttribute(range_key=True, attr_name=f"{name}sk")

    return Index()


def sort_key(index: Any) -> Any:
    """The sort-key attribute of an index made by ``gsi``, for key conditions."""
    return type(index).sk


def table_definition() -> dict[str, Any]:
    """Key schema, attributes and indexes of the table, as boto3 ``create_table`` takes them.

    The local stack, the tests and the CDK stack all build the table from this.
    """
    names = ["pk", "sk"] + [f"{g}{k}" for g in GSI_NAMES for k in ("pk", "sk")]
    return {
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": "S"} for n in names],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": g,
                "KeySchema": [
                    {"AttributeName": f"{g}pk", "KeyType": "HASH"},
                    {"AttributeName": f"{g}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for g in GSI_NAMES
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


IDEMPOTENCY_TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}
IDEMPOTENCY_TTL_ATTRIBUTE = "expiration"


@lru_cache(maxsize=1)
def _connection() -> Any:
    return _ContainerSession(region=get_settings().region)


def dynamodb_client() -> Any:
    """The botocore DynamoDB client every model and transaction of this container uses."""
    with clients.creating:
        return _connection().client


def transaction() -> Any:
    """A PynamoDB TransactWrite on this container's connection."""
    from pynamodb.transactions import TransactWrite

    return TransactWrite(connection=_connection())


def reset_connections() -> None:
    _connection.cache_clear()


def is_conditional_failure(err: Exception) -> bool:
    """True when a PynamoDB write or transaction failed on its condition expression."""
    if getattr(err, "cause_response_code", None) == "ConditionalCheckFailedException":
        return True
    reasons = getattr(err, "cancellation_reasons", None) or []
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
