"""URLs of the reviewer area, mounted under ``review/``: the staff ones, and the same pages under an LMS grant."""

from django.urls import path

from proctor_core.service.review import views

app_name = "proctor_review"

PAGES = [
    ("", views.session_list, "list"),
    ("sessions/<uuid:session_id>/", views.session_page, "session"),
    ("sessions/<uuid:session_id>/decide", views.decide, "decide"),
    ("sessions/<uuid:session_id>/evidence/<str:violation_id>.jpg", views.evidence, "evidence"),
    ("export/<str:what>.<str:fmt>", views.export_view, "export"),
]

urlpatterns = [path(route, views.staff(view), name=name) for route, view, name in PAGES] + [
    path(f"lti/<str:grant>/{route}", views.lti(view), name=f"lti-{name}") for route, view, name in PAGES
]
