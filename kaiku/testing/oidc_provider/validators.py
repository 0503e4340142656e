"""The provider's claims: the e-mail address, and quirks that test clients ask for by name."""

from __future__ import annotations

import time
from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

UNVERIFIED = "unverified"


class Validator(OAuth2Validator):
    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        return {"email": user.email, "email_verified": user.last_name != UNVERIFIED}

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Any) -> tuple[dict[str, Any], Any]:
        """A client named 'wrong-audience', 'expired' or 'wrong-issuer' gets an ID token wrong in that way."""
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        quirk = request.client.name
        if quirk == "wrong-audience":
            claims["aud"] = "another-service"
        elif quirk == "expired":
            claims["exp"] = int(time.time()) - 3600
        elif quirk == "wrong-issuer":
            claims["iss"] = "https://impostor.example"
        return claims, expiration
