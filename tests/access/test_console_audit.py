"""Who may do what is itself audited: staff users and groups created and changed, passwords set, sign-ins
and failed sign-ins; and the staff-user admin asks for a recent sign-in before any change."""

from django.contrib.auth.models import Group, Permission, User
from django.test import Client

from audit.models import AuditEntry


def _root() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_creating_a_superuser_and_changing_groups_are_audited_with_before_and_after(db):
    client = _root()
    client.post(
        "/admin/auth/user/add/",
        {"username": "mallory", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"},
    )
    mallory = User.objects.get(username="mallory")
    risk = Group.objects.get(name="Risk admin")
    form = {
        "username": "mallory",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [risk.pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "10:00:00",
    }
    response = client.post(f"/admin/auth/user/{mallory.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]

    added = AuditEntry.objects.get(action="user.add")
    changed = AuditEntry.objects.get(action="user.change")
    assert (added.actor, added.object_id, added.after["is_superuser"]) == ("root", str(mallory.pk), False)
    assert (changed.before["is_superuser"], changed.after["is_superuser"]) == (False, True)
    assert (changed.before["groups"], changed.after["groups"]) == ([], [risk.pk])
    assert "password" not in changed.after and "pbkdf2" not in str(changed.after)


def test_a_password_set_and_a_group_permission_changed_are_audited(db):
    client = _root()
    user = User.objects.create_user("ann", password="old-pass-phrase-1", is_staff=True)
    client.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "new-pass-phrase-22", "password2": "new-pass-phrase-22"},
    )
    group = Group.objects.create(name="Auditors")
    view_audit = Permission.objects.get(codename="view_auditentry")
    client.post(f"/admin/auth/group/{group.pk}/change/", {"name": "Auditors", "permissions": [view_audit.pk]})

    assert AuditEntry.objects.filter(action="user.password", object_id=str(user.pk), actor="root").count() == 1
    change = AuditEntry.objects.get(action="group.change")
    assert (change.before["permissions"], change.after["permissions"]) == ([], [view_audit.pk])


def test_a_stale_sign_in_is_asked_to_sign_in_again_before_changing_a_user(db, settings):
    client = _root()
    settings.ADMIN_REAUTH_MINUTES = 0
    user = User.objects.create_user("ann", password="pw", is_staff=True)

    response = client.post(
        f"/admin/auth/user/{user.pk}/password/", {"password1": "n-e-w-pass-99", "password2": "n-e-w-pass-99"}
    )

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert User.objects.get(pk=user.pk).check_password("pw")
    assert not AuditEntry.objects.filter(action="user.password").exists()


def test_sign_ins_and_failed_sign_ins_are_audited_with_the_address(db):
    User.objects.create_user("ann", password="correct-horse", is_staff=True)
    client = Client(REMOTE_ADDR="198.51.100.7")

    client.post("/admin/login/", {"username": "ann", "password": "wrong"})
    client.post("/admin/login/", {"username": "ann", "password": "correct-horse"})

    failed = AuditEntry.objects.get(action="access.sign_in_failed")
    signed_in = AuditEntry.objects.get(action="access.sign_in")
    assert (failed.object_id, failed.after) == ("ann", {"ip_address": "198.51.100.7"})
    assert (signed_in.actor, signed_in.after) == ("user:ann", {"ip_address": "198.51.100.7"})
    assert "wrong" not in str(failed.after) + failed.note
