"""Locally made RS256 keys and ID tokens shaped like Cognito's, for tests."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


@dataclass
class Issuer:
    issuer: str
    audience: str
    key: Any
    kid: str = "test-key-1"

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [public]}

    def serve_jwks(self) -> tuple[str, ThreadingHTTPServer]:
        """Serve the JWKS over real HTTP on a free loopback port; returns its URL."""
        body = json.dumps(self.jwks()).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", server

    def token(self, user: str, roles: list[str] | tuple[str, ...] = ("resident",),
              community: str | None = "jinxiu", name: str | None = None, *,
              key: Any = None, kid: str | None = None, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": f"sub-{user}",
            "cognito:username": user,
            "cognito:groups": list(roles),
            "iss": self.issuer,
            "aud": self.audience,
            "token_use": "id",
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "name": name or user,
        }
        if community:
            claims["custom:community"] = community
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})


def new_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
