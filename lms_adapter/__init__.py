"""LTI 1.3 tool (pylti1p3): login, launch, deep linking, JWKS, Dynamic Registration and AGS grade passback.

The only package that imports pylti1p3. Platform registrations and tool keys are pylti1p3's own Django models
(app ``pylti1p3.contrib.django.lti1p3_tool_config``); this app adds activities, learner attempts and the grade outbox.
docs/lms/README.md describes what is supported.
"""
