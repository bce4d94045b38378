"""How the tool describes itself to a platform: its URLs, the Canvas JSON configuration, the registration request.

The same facts feed the Canvas developer-key configuration URL and the LTI Dynamic Registration request: a login
initiation URL, one launch URL (also the redirect URI and the deep-linking target), the JWKS URL, and the AGS
scopes for writing scores and reading the line item's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import reverse

from lms_adapter.conf import lti_setting

AGS_SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
)
DESCRIPTION = "Proctored activities: each learner's integrity score goes to the gradebook, with its deductions."
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
CANVAS_PLACEMENTS = ("assignment_selection", "link_selection")


@dataclass(frozen=True)
class ToolUrls:
    login: str
    launch: str
    jwks: str

    @classmethod
    def for_request(cls, request: HttpRequest) -> ToolUrls:
        """Absolute URLs as this request reaches the tool (behind a proxy: PROCTOR_BEHIND_PROXY)."""
        return cls(*(request.build_absolute_uri(reverse(f"lti:{name}")) for name in ("login", "launch", "jwks")))

    @property
    def domain(self) -> str:
        return urlsplit(self.launch).netloc


def canvas_configuration(urls: ToolUrls) -> dict[str, Any]:
    """The JSON a Canvas administrator loads into an LTI developer key ("Enter URL")."""
    title = lti_setting("TOOL_TITLE")
    return {
        "title": title,
        "description": DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": list(AGS_SCOPES),
        "extensions": [
            {
                "platform": "canvas.instructure.com",
                "domain": urls.domain,
                "privacy_level": "public",
                "settings": {
                    "text": title,
                    "placements": [
                        {
                            "placement": placement,
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls.launch,
                            "text": title,
                        }
                        for placement in CANVAS_PLACEMENTS
                    ],
                },
            }
        ],
        "custom_fields": {},
    }


def registration_request(urls: ToolUrls) -> dict[str, Any]:
    """The client registration the tool posts in LTI Dynamic Registration (IMS LTI-DR 1.0, section 3.5)."""
    title = lti_setting("TOOL_TITLE")
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": title,
        "jwks_uri": urls.jwks,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(AGS_SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "description": DESCRIPTION,
            "target_link_uri": urls.launch,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": urls.launch,
                    "label": title,
                    "placements": list(CANVAS_PLACEMENTS),
                }
            ],
        },
    }
