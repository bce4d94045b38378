"""A test LMS platform: it plays Moodle 4.5's part in LTI 1.3 against the tool.

It signs real id_tokens with its own RSA key and serves, on a loopback HTTP server, what the tool fetches or calls:
its JWKS, the OAuth2 token endpoint (which verifies the tool's client assertion against the tool's JWKS), and AGS
line items and scores with Moodle's observed behaviour (line item URLs with a query, 400 for a user who cannot be
graded, 409 for a timestamp that is not newer at one-second resolution, 200 with an empty body on success).
The browser's part (login initiation, authorization redirect, form post) is driven through Django's test client.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = [LIS + "membership#Learner"]
INSTRUCTOR = [LIS + "membership#Instructor", LIS + "institution/person#Instructor"]
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
TOOL_LAUNCH_URL = "http://testserver/lti/launch/"


@dataclass
class AuthRequest:
    """The tool's OIDC authentication request, as the platform received it."""

    state: str
    nonce: str
    redirect_uri: str
    params: dict[str, str]


@dataclass
class ScorePost:
    """One score request the tool made: where, what, and what the platform answered."""

    url: str
    body: dict[str, Any]
    status: int


@dataclass
class FakePlatform:
    client_id: str = "proctor-client"
    deployment_id: str = "1"
    kid: str = "platform-key-1"
    down: bool = False
    non_gradable: set[str] = field(default_factory=set)
    tool_jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    line_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    score_posts: list[ScorePost] = field(default_factory=list)
    assertions: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    overrides: dict[str, float] = field(default_factory=dict)
    """A teacher's gradebook override: the grade the results service shows for a user, whatever the tool sent."""

    def __post_init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._tokens: set[str] = set()
        self._stored: dict[tuple[str, str], int] = {}
        self._results: dict[str, dict[str, dict[str, Any]]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- addresses, as Moodle names them -------------------------------------------------------------------------

    @property
    def issuer(self) -> str:
        return self.base

    @property
    def auth_url(self) -> str:
        return self.base + "/mod/lti/auth.php"

    @property
    def token_url(self) -> str:
        return self.base + "/mod/lti/token.php"

    @property
    def jwks_url(self) -> str:
        return self.base + "/mod/lti/certs.php"

    @property
    def openid_configuration_url(self) -> str:
        return self.base + "/mod/lti/openid-configuration.php"

    @property
    def deep_link_return_url(self) -> str:
        return self.base + "/mod/lti/contentitem_return.php"

    def add_line_item(self, *, score_maximum: float = 100, label: str = "Proctored exam") -> str:
        """A gradebook column; its URL carries a query, as Moodle's do."""
        number = len(self.line_items) + 1
        url = f"{self.base}/mod/lti/services.php/2/lineitems/{number}/lineitem?type_id=1"
        self.line_items[url] = {"id": url, "scoreMaximum": score_maximum, "label": label, "resourceLinkId": "11"}
        return url

    @property
    def accepted_scores(self) -> list[ScorePost]:
        return [post for post in self.score_posts if post.status == 200]

    # -- tokens -----------------------------------------------------------------------------------------------------

    def public_jwk(self, key: rsa.RSAPrivateKey | None = None, kid: str | None = None) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk((key or self.private_key).public_key()))
        return {**jwk, "kid": kid or self.kid, "alg": "RS256", "use": "sig"}

    def sign(self, claims: dict[str, Any], *, key: rsa.RSAPrivateKey | None = None, kid: str | None = None) -> str:
        return jwt.encode(claims, key or self.private_key, algorithm="RS256", headers={"kid": kid or self.kid})

    def claims(
        self,
        *,
        nonce: str,
        sub: str = "7",
        roles: list[str] = LEARNER,
        resource_link_id: str = "11",
        custom: dict[str, str] | None = None,
        lineitem: str | None = None,
        deep_linking: bool = False,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Claims of a Moodle launch: the id_token expires 60 s after iat, aud is a string, sub the user id."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 60,
            "nonce": nonce,
            "given_name": "Ada",
            "family_name": f"Learner{sub}",
            "name": f"Ada Learner{sub}",
            "email": f"ada{sub}@example.org",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": roles,
            LTI + "context": {"id": "2", "label": "CS101", "title": "Computing 101", "type": ["CourseSection"]},
            LTI + "tool_platform": {"guid": "moodle.test", "product_family_code": "moodle", "version": "2024100705"},
        }
        if deep_linking:
            claims[LTI + "message_type"] = "LtiDeepLinkingRequest"
            claims[DEEP_LINKING] = {
                "deep_link_return_url": self.deep_link_return_url,
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": False,
                "auto_create": True,
                "title": "Midterm",
                "data": "platform-opaque-data",
            }
        else:
            claims[LTI + "message_type"] = "LtiResourceLinkRequest"
            claims[LTI + "target_link_uri"] = TOOL_LAUNCH_URL
            claims[LTI + "resource_link"] = {"id": resource_link_id, "title": "Midterm"}
            claims[LTI + "custom"] = custom or {}
            if lineitem:
                lineitems = self.base + "/mod/lti/services.php/2/lineitems?type_id=1"
                claims[AGS] = {"scope": AGS_SCOPES, "lineitems": lineitems, "lineitem": lineitem}
        claims.update(overrides)
        return claims

    # -- the quiz access rule's signed calls (Moodle's server -> the tool) ----------------------------------------

    def quiz_claims(
        self,
        action: str,
        *,
        sub: str = "7",
        resource_link_id: str = "11",
        attempt: int | None = 501,
        number: int = 1,
        now: float | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Claims of the quiz access rule's call, as the contract (and the rule's PHP) builds them."""
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": issued,
            "exp": issued + 60,
            "jti": secrets.token_hex(16),
            LTI + "deployment_id": self.deployment_id,
            "sub": sub,
            "resource_link_id": resource_link_id,
            "action": action,
            "quiz": {"cmid": 42, "name": "Quiz 1"},
        }
        if attempt is not None:
            claims["attempt"] = {"id": attempt, "number": number}
        claims.update(overrides)
        return claims

    def quiz_call(self, client, action: str, *, token: str | None = None, **claims: Any):
        """``POST /lti/moodle/quiz/`` with a signed call (or the given ``token``), as Moodle's curl sends it."""
        return client.post("/lti/moodle/quiz/", {"jwt": token or self.sign(self.quiz_claims(action, **claims))})

    # -- the browser's part, through Django's test client ---------------------------------------------------------

    def login(self, client, *, login_hint: str = "7") -> AuthRequest:
        """Initiate the login at the tool; check and return the authentication request it redirects to."""
        response = client.post(
            "/lti/login/",
            {
                "iss": self.issuer,
                "login_hint": login_hint,
                "target_link_uri": TOOL_LAUNCH_URL,
                "lti_message_hint": "42",
                "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id,
            },
        )
        assert response.status_code == 302, response.content
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.auth_url
        params = {name: values[0] for name, values in parse_qs(location.query).items()}
        assert params["scope"] == "openid"
        assert params["response_type"] == "id_token"
        assert params["response_mode"] == "form_post"
        assert params["prompt"] == "none"
        assert params["client_id"] == self.client_id
        assert params["login_hint"] == login_hint
        assert params["lti_message_hint"] == "42"
        assert params["redirect_uri"] == TOOL_LAUNCH_URL
        return AuthRequest(
            state=params["state"], nonce=params["nonce"], redirect_uri=params["redirect_uri"], params=params
        )

    def post_launch(self, client, auth: AuthRequest, id_token: str):
        """The platform's auto-submitted form: id_token and state, posted to the redirect URI."""
        return client.post(auth.redirect_uri, {"id_token": id_token, "state": auth.state})

    def launch(self, client, **claims: Any):
        """Login, authentication and launch in one go; returns the tool's answer to the launch."""
        auth = self.login(client, login_hint=claims.get("sub", "7"))
        return self.post_launch(client, auth, self.sign(self.claims(nonce=auth.nonce, **claims)))

    # -- server side -------------------------------------------------------------------------------------------------

    def _verify_client_assertion(self, form: dict[str, str]) -> dict[str, Any]:
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        assertion = form["client_assertion"]
        kid = jwt.get_unverified_header(assertion)["kid"]  # Moodle refuses a tool JWT without kid
        key = next(jwt.PyJWK(k).key for k in self.tool_jwks["keys"] if k["kid"] == kid)
        claims = jwt.decode(assertion, key, algorithms=["RS256"], audience=self.token_url, issuer=self.client_id)
        assert claims["sub"] == self.client_id
        return {"kid": kid, "scope": form["scope"], **claims}

    def _openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.auth_url,
            "token_endpoint": self.token_url,
            "jwks_uri": self.jwks_url,
            "registration_endpoint": self.base + "/mod/lti/openid-registration.php",
            "scopes_supported": ["openid", *AGS_SCOPES],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "moodle",
                "version": "4.5.5",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
            },
        }

    def _score(self, url: str, body: dict[str, Any]) -> int:
        lineitem = url.replace("/lineitem/scores?", "/lineitem?")
        if lineitem not in self.line_items:
            return 404
        if body["userId"] in self.non_gradable:
            return 400
        seconds = int(datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00")).timestamp())
        if seconds <= self._stored.get((lineitem, body["userId"]), -1):
            return 409
        self._stored[(lineitem, body["userId"])] = seconds
        self._results.setdefault(lineitem, {})[body["userId"]] = body
        return 200

    def _results_of(self, url: str) -> list[dict[str, Any]]:
        """AGS results of a line item: each user's latest score, or the teacher's override."""
        scores = self._results.get(url.replace("/lineitem/results?", "/lineitem?"), {})
        return [
            {"userId": user, "resultScore": self.overrides.get(user, body["scoreGiven"]),
             "resultMaximum": body["scoreMaximum"]}
            for user, body in scores.items()
        ]


def _handler_for(platform: FakePlatform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: Any = None, content_type: str = "application/json") -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            return token in platform._tokens

        def _registration_token_ok(self) -> bool:
            return self.headers.get("Authorization") == "Bearer registration-token"

        def do_GET(self) -> None:
            if platform.down:
                return self._reply(503, {"error": "maintenance"})
            path = urlsplit(self.path).path
            if path == urlsplit(platform.jwks_url).path:
                return self._reply(200, {"keys": [platform.public_jwk()]})
            if path == urlsplit(platform.openid_configuration_url).path:
                if not self._registration_token_ok():
                    return self._reply(401, {"error": "invalid registration token"})
                return self._reply(200, platform._openid_configuration())
            if path.endswith("/lineitem/results"):
                if not self._authorized():
                    return self._reply(401, {"error": "no access token"})
                return self._reply(200, platform._results_of(platform.base + self.path),
                                   "application/vnd.ims.lis.v2.resultcontainer+json")
            if path.endswith("/lineitem"):
                if not self._authorized():
                    return self._reply(401, {"error": "no access token"})
                item = platform.line_items.get(platform.base + self.path)
                return self._reply(200 if item else 404, item, "application/vnd.ims.lis.v2.lineitem+json")
            return self._reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if platform.down:
                return self._reply(503, {"error": "maintenance"})
            path = urlsplit(self.path).path
            if path == urlsplit(platform.token_url).path:
                form = {name: values[0] for name, values in parse_qs(raw.decode()).items()}
                try:
                    platform.assertions.append(platform._verify_client_assertion(form))
                except Exception as exc:  # noqa: BLE001 - any flaw in the assertion is the client's error
                    return self._reply(400, {"error": "invalid_client", "error_description": str(exc)})
                token = secrets.token_urlsafe(16)
                platform._tokens.add(token)
                return self._reply(
                    200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": form["scope"]}
                )
            if path.endswith("/lineitem/scores"):
                if not self._authorized():
                    return self._reply(401, {"error": "no access token"})
                assert self.headers["Content-Type"] == "application/vnd.ims.lis.v1.score+json"
                body = json.loads(raw)
                status = platform._score(platform.base + self.path, body)
                platform.score_posts.append(ScorePost(url=platform.base + self.path, body=body, status=status))
                return self._reply(status, None if status == 200 else {"error": f"status {status}"})
            if path == "/mod/lti/openid-registration.php":
                if not self._registration_token_ok():
                    return self._reply(401, {"error": "invalid registration token"})
                request = json.loads(raw)
                platform.registrations.append(request)
                tool_configuration = request["https://purl.imsglobal.org/spec/lti-tool-configuration"]
                return self._reply(
                    200,
                    {
                        **request,
                        "client_id": "dynamic-client",
                        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
                            **tool_configuration,
                            "deployment_id": "5",
                        },
                    },
                )
            return self._reply(404, {"error": "not found"})

    return Handler
