"""Writing the audit log. Call `record` inside the database transaction of the change it reports, so
the change and its entry commit or roll back together."""

import getpass
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.forms.models import model_to_dict

from .models import AuditEntry


def snapshot(instance: models.Model, *, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's editable values as JSON-safe data (dates, decimals and UUIDs as strings, related
    objects as their primary keys)."""
    values = model_to_dict(instance, fields=list(fields) if fields is not None else None)
    for key, value in values.items():
        if isinstance(value, list) and value and isinstance(value[0], models.Model):
            values[key] = [item.pk for item in value]
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def command_actor() -> str:
    """Who ran a management command, as the audit log names them."""
    try:
        return f"manage.py:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (a container)
        return "manage.py"


def object_type(target: models.Model) -> str:
    return target._meta.label


def record(
    *,
    actor: str,
    action: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    return record_about(
        actor=actor,
        action=action,
        about=(object_type(target), str(target.pk)),
        before=before,
        after=after,
        note=note,
    )


def record_about(
    *,
    actor: str,
    action: str,
    about: tuple[str, str],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    """An entry about an object named by (type, id), which need not exist (a sign-in as an unknown user)."""
    return AuditEntry.objects.create(
        actor=actor[:150],
        action=action,
        object_type=about[0][:80],
        object_id=about[1][:64],
        before=before,
        after=after,
        note=note[:1000],
    )


def save_audited(instance: models.Model, *, actor: str, note: str = "") -> models.Model:
    """Save a model instance (new or edited) with an `<model>.add` or `<model>.change` entry holding the
    stored row before (locked while it changes) and after. An edit that changes nothing is not logged."""
    model = type(instance)
    with transaction.atomic():
        previous = model._default_manager.select_for_update().filter(pk=instance.pk).first() if instance.pk else None
        before = snapshot(previous) if previous is not None else None
        instance.save()
        after = snapshot(instance)
        if before != after:
            verb = "change" if before is not None else "add"
            record(
                actor=actor,
                action=f"{model._meta.model_name}.{verb}",
                target=instance,
                before=before,
                after=after,
                note=note,
            )
    return instance


def delete_audited(instance: models.Model, *, actor: str, note: str = "") -> None:
    """Delete a model instance with a `<model>.delete` entry holding what it was. Its row is locked first:
    of concurrent deletes one deletes and is logged, the others raise the model's DoesNotExist."""
    model = type(instance)
    with transaction.atomic():
        if not model._default_manager.select_for_update().filter(pk=instance.pk).exists():
            raise model.DoesNotExist(f"{model._meta.label} {instance.pk} is already deleted.")
        record(
            actor=actor,
            action=f"{instance._meta.model_name}.delete",
            target=instance,
            before=snapshot(instance),
            note=note,
        )
        instance.delete()


def notes_for(target: models.Model) -> list[AuditEntry]:
    """Everything recorded about one object, newest first."""
    return list(AuditEntry.objects.filter(object_type=object_type(target), object_id=str(target.pk)))
