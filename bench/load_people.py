"""The reporters of a load run: residents made for it in the stack's Cognito and directory, as an
admin would (users first, then their units by ``POST /estates/{id}/units``), and logged in."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

COMMUNITY = "jinxiu"
HOMES = (("jinxiu-huayuan", "1"), ("jinxiu-huayuan", "2"), ("jinxiu-huayuan", "3"),
         ("jinxiu-mingju", "1"), ("jinxiu-mingju", "2"))
SETUP_THREADS = 8


@dataclass(frozen=True)
class Target:
    """A running local stack: its API, its embedded AWS and its user pool."""

    api_url: str
    aws_url: str
    pool_id: str
    client_id: str

    @classmethod
    def local(cls, api_port: int, aws_port: int) -> Target:
        """The stack of ``make run`` on these ports; its pool found by name."""
        from infra.local.token import cognito_client, find_pool

        pool = find_pool(cognito_client(aws_port))
        return cls(f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{aws_port}",
                   pool.pool_id, pool.client_id)

    def url(self, path: str) -> str:
        return f"{self.api_url}{path}"

    def cognito(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "cognito-idp", region_name="us-east-1", endpoint_url=self.aws_url,
            aws_access_key_id="testing", aws_secret_access_key="testing")

    def pool(self) -> Any:
        from infra.local import provision

        return provision.UserPool(pool_id=self.pool_id, client_id=self.client_id, issuer="",
                                  jwks_url="")

    def login(self, username: str) -> str:
        from infra.local import provision
        from infra.local.demo import DEMO_PASSWORD

        return provision.login(self.cognito(), self.pool(), username, DEMO_PASSWORD)


@dataclass(frozen=True)
class Resident:
    username: str
    estate_id: str
    building: str
    unit_id: str
    token: str


def run_tag() -> str:
    """A short tag unique to this run, so runs against one ``make run`` never share people."""
    return format(int(time.time() * 1000) % 36**6, "x")


def make_residents(target: Target, count: int, tag: str | None = None) -> list[Resident]:
    """``count`` residents of jinxiu spread over its estates and buildings, each owning a unit
    of their own, logged in. Raises AssertionError when the directory refuses the units."""
    from infra.local import provision
    from infra.local.demo import DEMO_PASSWORD

    tag = tag or run_tag()
    homes = [(f"ld{tag}-{n:03d}", *HOMES[n % len(HOMES)]) for n in range(count)]
    cognito, pool = target.cognito(), target.pool()

    def create(home: tuple[str, str, str]) -> None:
        username = home[0]
        provision.create_user(cognito, pool, username, DEMO_PASSWORD, f"住户{username[-3:]}",
                              ["resident"], COMMUNITY)

    with ThreadPoolExecutor(SETUP_THREADS) as pool_:
        list(pool_.map(create, homes))
    admin = {"Authorization": f"Bearer {target.login('admin')}"}
    for estate_id in sorted({e for _, e, _ in homes}):
        units = [{"unit_id": f"{building}-{username}", "building": building, "area_m2": 88.0,
                  "owners": [username]}
                 for username, estate, building in homes if estate == estate_id]
        response = requests.post(target.url(f"/estates/{estate_id}/units"), json={"units": units},
                                 headers=admin, timeout=60)
        assert response.status_code == 201, response.text
    with ThreadPoolExecutor(SETUP_THREADS) as pool_:
        tokens = list(pool_.map(target.login, [u for u, _, _ in homes]))
    return [Resident(username, estate, building, f"{building}-{username}", token)
            for (username, estate, building), token in zip(homes, tokens, strict=True)]
