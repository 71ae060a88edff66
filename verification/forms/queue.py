"""The queue's filter form: a GET form, so a filtered queue is a link anyone can share."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from claims.models import Claim
from config.roles import Role

ME = "me"
NOBODY = "none"

# The queue's orders; ties broken by id so pages never overlap.
# The first is the default: an empty form shows it selected.
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "newest": ("Newest first", ("-created_at", "-pk")),
    "updated": ("Recently changed", ("-updated_at", "-pk")),
    "oldest": ("Oldest first", ("created_at", "pk")),
}
DEFAULT_SORT = next(iter(SORTS))


def _checker_choices() -> list[tuple[str, str]]:
    """Everyone a claim can be assigned to: fact-checkers and editors (and operators)."""
    groups = [Role.FACT_CHECKER.group_name, Role.EDITOR.group_name]
    users = (
        get_user_model()
        .objects.filter(Q(groups__name__in=groups) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("username")
        .values_list("pk", "username")
    )
    return [(str(pk), username) for pk, username in users]


class QueueForm(forms.Form):
    q = forms.CharField(label="Words in the claim", required=False, max_length=200)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Claim.Status.choices]
    )
    assignee = forms.ChoiceField(label="Assignee", required=False)
    needs_review = forms.ChoiceField(
        label="Review flag",
        required=False,
        choices=[("", "Any"), ("true", "Flagged for review"), ("false", "Not flagged")],
    )
    tag = forms.CharField(label="Tag", required=False, max_length=50)
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=[(key, label) for key, (label, _) in SORTS.items()],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", "Anyone"),
            (ME, "Me"),
            (NOBODY, "Nobody (unassigned)"),
            *_checker_choices(),
        ]
        self.fields["q"].widget.input_type = "search"

    def filter_data(self, *, user: Any, with_status: bool = True) -> dict[str, Any]:
        """What ``verification.filters.ClaimFilter`` takes, from the cleaned form."""
        data: dict[str, Any] = {}
        cleaned = self.cleaned_data
        if with_status and cleaned.get("status"):
            data["status"] = [cleaned["status"]]
        assignee = cleaned.get("assignee")
        if assignee == ME:
            data["assignee"] = str(user.pk)
        elif assignee and assignee != NOBODY:
            data["assignee"] = assignee
        for name in ("needs_review", "tag", "q"):
            if cleaned.get(name):
                data[name] = cleaned[name]
        return data

    @property
    def unassigned(self) -> bool:
        return self.cleaned_data.get("assignee") == NOBODY

    @property
    def ordering(self) -> tuple[str, ...]:
        return SORTS[self.cleaned_data.get("sort") or DEFAULT_SORT][1]
