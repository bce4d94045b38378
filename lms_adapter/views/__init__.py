"""Views of the LTI tool: :mod:`.messages` (login, launch, deep linking) and :mod:`.setup` (JWKS, platform setup)."""
