from chalicelib.core import clients, db
from chalicelib.directory.models import Estate, Membership
from chalicelib.tickets.models import Ticket


def test_every_model_and_client_shares_the_containers_botocore_session():
    connections = [m._get_connection().connection for m in (Estate, Membership, Ticket)]
    assert all(c.client is db.dynamodb_client() for c in connections)
    assert db._connection().session is clients.botocore_session()
    assert clients.s3() is clients.client("s3")
