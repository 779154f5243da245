"""``python -m infra.local.token USERNAME``: print an ID token for a seeded user, from a real
login against the embedded Cognito of the local stack on ``AWS_PORT``."""
from __future__ import annotations

import os
import sys
from typing import Any

from infra.local import provision
from infra.local.demo import DEMO_PASSWORD
from infra.local.stack import DEFAULT_AWS_PORT, HOST, REGION


class TokenError(Exception):
    pass


def cognito_client(aws_port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "cognito-idp", region_name=REGION, endpoint_url=f"http://{HOST}:{aws_port}",
        aws_access_key_id="testing", aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )


def find_pool(cognito: Any) -> provision.UserPool:
    """The local stack's user pool and app client. Raises TokenError."""
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    pool_id = next((p["Id"] for p in pools if p["Name"] == provision.USER_POOL), None)
    if pool_id is None:
        raise TokenError(f"no user pool named {provision.USER_POOL}: is the stack seeded?")
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)
    client_id = next((c["ClientId"] for c in clients["UserPoolClients"]
                      if c["ClientName"] == provision.APP_CLIENT), None)
    if client_id is None:
        raise TokenError(f"user pool {pool_id} has no app client {provision.APP_CLIENT}")
    return provision.UserPool(pool_id=pool_id, client_id=client_id, issuer="", jwks_url="")


def fetch_token(username: str, aws_port: int, password: str = DEMO_PASSWORD) -> str:
    """Raises TokenError when the stack is not running or the user cannot log in."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    cognito = cognito_client(aws_port)
    try:
        pool = find_pool(cognito)
        return provision.login(cognito, pool, username, password)
    except EndpointConnectionError as err:
        raise TokenError(f"no local stack answers on {HOST}:{aws_port}; start it with "
                         "`make run`") from err
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("UserNotFoundException", "NotAuthorizedException"):
            raise TokenError(f"unknown user {username!r} (or not a seeded demo user)") from err
        raise TokenError(f"login failed: {err}") from err


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0]:
        print("usage: python -m infra.local.token USERNAME", file=sys.stderr)
        return 2
    raw_port = os.environ.get("AWS_PORT") or str(DEFAULT_AWS_PORT)
    if not raw_port.isdigit():
        print(f"token: AWS_PORT must be a port number, got {raw_port!r}", file=sys.stderr)
        return 2
    try:
        token = fetch_token(argv[0], int(raw_port))
    except TokenError as err:
        print(f"token: {err}", file=sys.stderr)
        return 1
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
