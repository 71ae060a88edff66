"""Admin plumbing shared by the apps: every write the admin makes goes through a service.

Where a service's refusal goes. ``ServiceForm`` calls its service while it validates, in place
of ModelForm's build-the-instance-and-``full_clean()`` step, so a ValidationError lands on the
form's fields like any other validation error and a PermissionDenied (or a stale version)
becomes an error at the top of the form; the admin then shows the page again, as for any invalid
form. ``save_model`` would be too late: the admin has already decided the form is valid there,
and a refusal could only become a 500 or a success message that lies.

Because writes happen while validating, a page with several forms (a claim and its evidence
inline) may have written some rows before a later form fails. After a POST the admin renders
the form again only when something failed, so ``ServiceAdmin.render_change_form`` marks the
view's transaction for rollback: a page is saved whole or not at all.

Deletes have no form: ``delete_model`` calls the service, and a refusal becomes an error message
with the view's transaction rolled back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import capfirst

from config.requests import AuthedHttpRequest

ADD, CHANGE, DELETE = "add", "change", "delete"
M = TypeVar("M", bound=models.Model)


class Refused(Exception):
    """A service refused a delete or an action; the view rolls back and shows the message."""


def refusal_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You may not do this."


class ServiceForm(forms.ModelForm):
    """A ModelForm whose validation ends with the service call that writes the row."""

    request: HttpRequest  # set on the per-request form class by the admin
    # What a service may raise besides ValidationError and PermissionDenied to refuse a write,
    # shown at the top of the form (e.g. claims.services.StaleVersionError).
    refusals: tuple[type[Exception], ...] = ()
    # A service's error key -> the form field that shows it, where the names differ.
    error_fields: dict[str, str] = {}

    result: models.Model | None = None

    def __init__(self, *args: Any, parent: models.Model | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent = parent  # an inline form's parent row (ServiceInlineFormSet passes it)
        if isinstance(self._meta.fields, list | tuple):
            # A ModelForm keeps every declared field even when the admin's fieldsets leave it
            # out; drop those, so a field the user was never shown cannot count as changed.
            for name in set(self.declared_fields) - set(self._meta.fields):
                del self.fields[name]

    @property
    def actor(self) -> Any:
        return self.request.user

    def write(self) -> models.Model | None:
        """Call the service with ``cleaned_data``; return the row written, or None if nothing
        needed writing. Runs only when every field is valid."""
        raise NotImplementedError

    def delete(self) -> None:
        """Delete ``self.instance`` through its service (inline forms that allow deleting)."""
        raise NotImplementedError

    def changes(self, allowed: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
        """The changed fields among those a service lets its caller change, cleaned."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in allowed}

    def created(self, saved: M) -> M:
        """Make the form's instance the row a service created: the admin's inline formsets hold
        that object as their parent, and the admin redirects to its pk."""
        self.instance.pk = saved.pk
        self.instance.refresh_from_db()
        self.instance._state.adding = False
        return self.instance

    def _post_clean(self) -> None:
        # Replaces ModelForm's model validation: the service validates, then writes.
        if self._errors:  # type: ignore[attr-defined]  # BaseForm._errors is not in the stubs
            return
        if self.parent is not None and (
            self.cleaned_data.get(DELETION_FIELD_NAME) or not self.has_changed()
        ):
            return  # an inline row left as it was, or one its formset deletes in clean()
        try:
            self.result = self.write()
        except ValidationError as exc:
            self.add_service_errors(exc)
        except PermissionDenied as exc:
            self.add_error(None, refusal_message(exc))
        except self.refusals as exc:
            self.add_error(None, refusal_message(exc))

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put each error on the field it names; keys the form shows no field for go on top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            name = self.error_fields.get(key, key)
            field = self.fields.get(name)
            if field is not None and not field.widget.is_hidden and not field.disabled:
                self.add_error(name, errors)
                continue
            messages_ = ValidationError(errors).messages
            if key != NON_FIELD_ERRORS:
                label = field.label if field is not None and field.label else key.replace("_", " ")
                messages_ = [f"{capfirst(label)}: {m}" for m in messages_]
            self.add_error(None, messages_)

    def save(self, commit: bool = True) -> models.Model:
        if self.errors:
            raise ValueError("A form with errors cannot be saved.")
        self.save_m2m = _nothing  # type: ignore[method-assign]  # the service wrote the relations too
        return self.result if self.result is not None else self.instance


def _nothing() -> None:
    return None


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are services: forms write while validating (ServiceForm),
    deletes go through ``delete_service``. ``writes`` lists the writes it has a service for;
    without one the admin offers none, to superusers neither. Model permissions then narrow
    them per role (config.roles); the services enforce the real rules."""

    writes: frozenset[str] = frozenset()
    refusals: tuple[type[Exception], ...] = ()
    form = ServiceForm
    add_fieldsets: Any = None  # the add page's fieldsets, when they differ

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None and self.add_fieldsets is not None:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return ADD in self.writes and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return CHANGE in self.writes and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return DELETE in self.writes and super().has_delete_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = cast(type[ServiceForm], super().get_form(request, obj, change=change, **kwargs))
        form.request = request  # modelform_factory made a new class for this request
        return form

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing to do: the form's service saved the row while the form validated."""

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if request.method == "POST":
            # Only a page with errors is shown again after a POST: undo what its valid parts
            # wrote. The admin runs the POST in transaction.atomic; this marks that block.
            transaction.set_rollback(True, using=router.db_for_write(self.model))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def delete_service(self, request: AuthedHttpRequest, obj: Any) -> None:
        raise NotImplementedError

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.call_refusable(self.delete_service, request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def call_refusable(self, service: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a service outside a form: its refusal becomes ``Refused`` for the view."""
        try:
            return service(*args, **kwargs)
        except (ValidationError, PermissionDenied, *self.refusals) as exc:  # type: ignore[misc]  # mypy misreads *refusals
            raise Refused(refusal_message(exc)) from exc

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused as refusal:  # the view's transaction.atomic has rolled back
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        # Actions (a bulk delete) write from here: all of them or, when one is refused, none.
        try:
            with transaction.atomic(using=router.db_for_write(self.model)):
                return super().changelist_view(request, extra_context)
        except Refused as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdmin(ServiceAdmin):
    """Rows written elsewhere (the audit trail, tags made by claims): listed and shown only."""

    writes = frozenset()


class ServiceInlineFormSet(BaseInlineFormSet):
    """Its forms write through services while validating; deletes run in ``clean``."""

    request: HttpRequest
    form: type[ServiceForm]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deleted_rows: list[models.Model] = []

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "parent": self.instance}

    def clean(self) -> None:
        # Replaces validate_unique (the services check uniqueness). Deletes come after the
        # forms' adds and edits; a refusal is an error over the inline, as the form it
        # concerns is no longer shown as such.
        if not self.can_delete or any(self.errors):
            return
        refused = []
        for form in cast(list[ServiceForm], self.initial_forms):
            if not form.cleaned_data.get(DELETION_FIELD_NAME):
                continue
            try:
                form.delete()
            except (ValidationError, PermissionDenied, *form.refusals) as exc:  # type: ignore[misc]  # as above
                refused.append(f"{form.instance}: {refusal_message(exc)}")
            else:
                self.deleted_rows.append(form.instance)
        if refused:
            raise ValidationError(refused)

    def save(self, commit: bool = True) -> list[models.Model]:
        """Nothing is left to write; record what the services did, for the admin's history."""
        done = [form for form in cast(list[ServiceForm], self.forms) if form.result is not None]
        self.new_objects = [form.result for form in done if form.instance.pk is None]
        self.changed_objects = [
            (form.result, form.changed_data) for form in done if form.instance.pk is not None
        ]
        self.deleted_objects = self.deleted_rows
        return [form.result for form in done if form.result is not None]


if TYPE_CHECKING:
    _InlineAdmin = admin.options.InlineModelAdmin
else:
    _InlineAdmin = object


class ServiceInlineMixin(_InlineAdmin):
    """For InlineModelAdmin: writes through the inline form's services; ``writes`` as above."""

    writes: frozenset[str] = frozenset()
    formset = ServiceInlineFormSet
    form = ServiceForm
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return ADD in self.writes and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return CHANGE in self.writes and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return DELETE in self.writes and super().has_delete_permission(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = cast(type[ServiceInlineFormSet], super().get_formset(request, obj, **kwargs))
        formset.request = formset.form.request = request  # new classes for this request
        return formset


class ServiceTabularInline(ServiceInlineMixin, admin.TabularInline):
    pass


class ReadOnlyTabularInline(ServiceTabularInline):
    """History shown under its parent: every field read-only, no adding, no deleting."""

    writes = frozenset()
    can_delete = False
    fields: ClassVar[tuple[str, ...] | None]  # flat: no fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields or ())
