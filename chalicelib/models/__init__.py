from chalicelib.models.base import BaseModel, table_definition, transaction
from chalicelib.models.building import Building
from chalicelib.models.community import Community
from chalicelib.models.company import Company
from chalicelib.models.estate import Estate
from chalicelib.models.follower import Follower
from chalicelib.models.grid import Grid
from chalicelib.models.membership import Membership
from chalicelib.models.notification import Notification
from chalicelib.models.rate_window import RateWindow
from chalicelib.models.sla_policy import SlaPolicy
from chalicelib.models.stats_bucket import StatsBucket
from chalicelib.models.street import Street
from chalicelib.models.ticket import Ticket
from chalicelib.models.ticket_event import TicketEvent
from chalicelib.models.unit import Unit

__all__ = [
    "BaseModel",
    "Building",
    "Community",
    "Company",
    "Estate",
    "Follower",
    "Grid",
    "Membership",
    "Notification",
    "RateWindow",
    "SlaPolicy",
    "StatsBucket",
    "Street",
    "Ticket",
    "TicketEvent",
    "Unit",
    "table_definition",
    "transaction",
]
