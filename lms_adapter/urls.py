"""URLs of the LTI tool, mounted by the service under ``lti/``."""

from django.urls import path

from lms_adapter.views import messages, quiz, setup

app_name = "lti"

urlpatterns = [
    path("login/", messages.login, name="login"),
    path("launch/", messages.launch, name="launch"),
    path("deep-link/", messages.deep_link, name="deep-link"),
    path("moodle/quiz/", quiz.moodle_quiz, name="moodle-quiz"),
    path("jwks/", setup.jwks, name="jwks"),
    path("canvas.json", setup.canvas_config, name="canvas-config"),
    path("register/<str:link_token>/", setup.dynamic_registration, name="register"),
]
