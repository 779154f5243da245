from tests.integration.conftest import new_ticket


def test_create_and_get(api):
    created = new_ticket(api, photos=1)
    ticket = created["ticket"]
    assert ticket["status"] == "submitted"
    assert len(created["uploads"]) == 1
    got = api.get(f"/tickets/{ticket['ticket_id']}", "lin")
    assert got.status_code == 200, got.body
    assert got.json["timeline"][0]["action"] == "created"
