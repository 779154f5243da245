"""The points context's PynamoDB models (keys: ``points.store``)."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.core.db import BaseModel, gsi


class AccountItem(BaseModel):
    """One account of a community's ledger: ``issuer``, ``escrow``, ``retired`` or a
    ``resident``'s. Its balance changes only inside a movement's transaction."""

    account_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    balance = NumberAttribute(default=0)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")


class EntryItem(BaseModel):
    """One side of a movement on one account: ``amount`` is negative on the debited account,
    positive on the credited one. Written once, never changed."""

    account_id = UnicodeAttribute()
    movement_id = UnicodeAttribute()
    at = UnicodeAttribute()
    amount = NumberAttribute()
    kind = UnicodeAttribute()
    memo = UnicodeAttribute()
    ref = UnicodeAttribute(null=True)


class MovementItem(BaseModel):
    """A movement, stored under its idempotency key: debits ``debit`` and credits ``credit`` by
    ``amount`` (> 0). Written once, never changed."""

    movement_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    idempotency_key = UnicodeAttribute()
    kind = UnicodeAttribute()
    debit = UnicodeAttribute()
    credit = UnicodeAttribute()
    amount = NumberAttribute()
    memo = UnicodeAttribute()
    at = UnicodeAttribute()
    ref = UnicodeAttribute(null=True)


class HolderItem(BaseModel):
    """Links a person to their (opaque) account in a community; erasure deletes the link and
    leaves the account and its entries."""

    user_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    since = UnicodeAttribute()


class RewardItem(BaseModel):
    """A prize a community stocks. ``stock`` falls with each redemption in the redemption's
    own transaction, never below zero."""

    reward_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    points = NumberAttribute()
    stock = NumberAttribute(default=0)
    redeemed = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    by_community = gsi("gsi1")


class RedemptionItem(BaseModel):
    """A prize bought with points: ``issued`` until staff hand it over (``fulfilled``).
    ``user_id`` goes when the person is erased; ``account_id`` (opaque) stays."""

    code = UnicodeAttribute()
    reward_id = UnicodeAttribute()
    community_id = UnicodeAttribute()
    title = UnicodeAttribute()
    points = NumberAttribute()
    account_id = UnicodeAttribute()
    user_id = UnicodeAttribute(null=True)
    movement_id = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    fulfilled_at = UnicodeAttribute(null=True)
    fulfilled_by = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    by_reward = gsi("gsi1")
    by_redeemer = gsi("gsi2")
