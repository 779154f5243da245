from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import BaseModel


class StatsBucket(BaseModel):
    """Ticket counters of one community for one day or month in its time zone (sk
    ``DAY#YYYY-MM-DD``, ``MONTH#YYYY-MM``), or for the present state (sk ``CURRENT``).
    pk ``STATS#{community_id}``.

    Counters are flat number attributes named ``{metric}`` and ``{metric}#{dimension}#{value}``
    (dimension: category, grid, estate), added to in the same transaction as the ticket change
    that moves them, so a stats read is one Query whatever the number of tickets."""

    community_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(community_id: str, bucket: str) -> tuple[str, str]:
        return f"STATS#{community_id}", bucket
