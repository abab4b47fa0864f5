"""One append-only row per change a person (or the system on their behalf) makes in the back office."""

from typing import ClassVar

from django.db import models


class AuditEntry(models.Model):
    """Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses them too."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=80, help_text="app_label.Model of the changed object")
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        verbose_name_plural = "audit log"
        indexes: ClassVar = [models.Index(fields=["object_type", "object_id"], name="audit_trail_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise PermissionError("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise PermissionError("audit entries cannot be deleted")
