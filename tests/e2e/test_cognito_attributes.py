"""Nobody raises their own access (SPEC 2): a resident who rewrites ``custom:community`` with
their own access token gains nothing.

moto does not enforce an app client's WriteAttributes (UpdateUserAttributes accepts any
attribute), so locally the attempt may succeed: the pool's client must still be provisioned
without write access to the community, and the API must not trust a token's community beyond
the directory."""
from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from infra.local import provision
from infra.local.demo import DEMO_PASSWORD
from tests.e2e.conftest import LocalStack

pytestmark = pytest.mark.e2e

RESIDENT = "lin"
OTHER_COMMUNITY = "longxing"
OTHER_ESTATE = "longxing-jiayuan"
REFUSALS = ("NotAuthorizedException", "InvalidParameterException")


def cognito(stack: LocalStack) -> Any:
    return stack.client("cognito-idp")


def fresh_login(stack: LocalStack, username: str) -> dict[str, str]:
    """A new USER_PASSWORD_AUTH login: ID and access tokens as Cognito issues them now."""
    result = cognito(stack).initiate_auth(
        ClientId=stack.ready["app_client_id"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": DEMO_PASSWORD})
    return dict(result["AuthenticationResult"])


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def app_client(stack: LocalStack) -> dict[str, Any]:
    return dict(cognito(stack).describe_user_pool_client(
        UserPoolId=stack.ready["user_pool_id"], ClientId=stack.ready["app_client_id"],
    )["UserPoolClient"])


@pytest.fixture(scope="module")
def refused(stack: LocalStack) -> bool:
    """The resident tries to move themselves to another community; True if Cognito refused."""
    access_token = fresh_login(stack, RESIDENT)["AccessToken"]
    try:
        cognito(stack).update_user_attributes(
            AccessToken=access_token,
            UserAttributes=[{"Name": provision.COMMUNITY_ATTRIBUTE, "Value": OTHER_COMMUNITY}])
    except ClientError as err:
        assert err.response["Error"]["Code"] in REFUSALS, err.response
        return True
    return False


@pytest.fixture(scope="module")
def rewritten_token(stack: LocalStack, refused: bool) -> str:
    return fresh_login(stack, RESIDENT)["IdToken"]


def test_local_app_client_cannot_write_the_community(stack: LocalStack) -> None:
    client = app_client(stack)
    assert set(client["WriteAttributes"]) == set(provision.WRITE_ATTRIBUTES)
    assert provision.COMMUNITY_ATTRIBUTE not in client["WriteAttributes"]
    assert provision.COMMUNITY_ATTRIBUTE in client["ReadAttributes"]


def test_the_community_is_rewritten_only_where_cognito_does_not_enforce(
        refused: bool, rewritten_token: str) -> None:
    community = claims(rewritten_token)[provision.COMMUNITY_ATTRIBUTE]
    assert community == ("jinxiu" if refused else OTHER_COMMUNITY)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_rewritten_token_cannot_read_another_community(stack: LocalStack,
                                                       rewritten_token: str) -> None:
    response = requests.get(stack.url(f"/communities/{OTHER_COMMUNITY}"),
                            headers=bearer(rewritten_token), timeout=10)
    assert response.status_code == 404, response.text


def test_rewritten_token_cannot_report_in_another_community(stack: LocalStack,
                                                            rewritten_token: str) -> None:
    body = {"category": "public_area", "description": "楼道灯坏了",
            "location": {"estate_id": OTHER_ESTATE, "building": "1"}}
    response = requests.post(stack.url("/tickets"), json=body, headers=bearer(rewritten_token),
                             timeout=10)
    assert response.status_code in (400, 404), response.text
