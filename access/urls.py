from django.urls import path

from . import views

urlpatterns = [
    path("admin/mfa/", views.manage, name="mfa-manage"),
    path("admin/mfa/verify/", views.verify, name="mfa-verify"),
    path("admin/mfa/setup/", views.setup, name="mfa-setup"),
]
