from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel

KINDS = ("company", "grid", "street", "unit")


class Membership(BaseModel):
    """What a user belongs to, read in one Query to resolve their scope.

    pk ``USER#{user_id}``, sk ``MEMBER#{kind}#{ref}`` where kind is company (property staff),
    grid (grid worker), street (street-office staff) or unit (``{estate_id}#{unit_id}``, as owner
    or resident).
    """

    user_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    ref_id = UnicodeAttribute()
    community_id = UnicodeAttribute(null=True)
    estate_id = UnicodeAttribute(null=True)
    building = UnicodeAttribute(null=True)
    relation = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(user_id: str, kind: str, ref: str) -> tuple[str, str]:
        return f"USER#{user_id}", f"MEMBER#{kind}#{ref}"
