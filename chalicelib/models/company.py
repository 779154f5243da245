from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel


class Company(BaseModel):
    """A property-management company. pk ``COMPANY#{id}``, sk ``COMPANY``."""

    company_id = UnicodeAttribute()
    name = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @staticmethod
    def key(company_id: str) -> tuple[str, str]:
        return f"COMPANY#{company_id}", "COMPANY"
