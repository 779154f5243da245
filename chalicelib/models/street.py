from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel


class Street(BaseModel):
    """A street office (街道). pk ``STREET#{id}``, sk ``STREET``."""

    street_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(street_id: str) -> tuple[str, str]:
        return f"STREET#{street_id}", "STREET"
