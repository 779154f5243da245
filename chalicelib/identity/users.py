"""Who has an account: the user pool, asked when an admin names staff or grid workers.

Users live in Cognito (SPEC 7). With ``USER_POOL_ID`` set the pool is asked with
``AdminGetUser``; without it (an external OIDC issuer, which offers no such lookup) names are
taken as given.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from chalicelib.core import clients
from chalicelib.core.config import get_settings

NOT_FOUND = "UserNotFoundException"


class UserDirectory(Protocol):
    def unknown(self, usernames: Iterable[str]) -> list[str]:
        """The names, in the order given, that no user holds."""
        ...


class CognitoUsers:
    def __init__(self, cognito: Any, pool_id: str) -> None:
        self._cognito = cognito
        self._pool_id = pool_id

    def exists(self, username: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._cognito.admin_get_user(UserPoolId=self._pool_id, Username=username)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == NOT_FOUND:
                return False
            raise
        return True

    def unknown(self, usernames: Iterable[str]) -> list[str]:
        return [name for name in usernames if not self.exists(name)]


class UncheckedUsers:
    """Stands in when no user pool can be asked: everyone named exists."""

    def unknown(self, usernames: Iterable[str]) -> list[str]:
        return []


def user_directory() -> UserDirectory:
    """The configured directory of users; its client is this container's, made on first use."""
    pool_id = get_settings().user_pool_id
    if pool_id is None:
        return UncheckedUsers()
    return CognitoUsers(clients.client("cognito-idp"), pool_id)
