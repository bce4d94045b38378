"""REST API v1 (DESIGN §7): sessions, observations, results, plugins and the OpenAPI schema."""
