"""Forms of the source pages: log a source, edit it, upload a document, record a citation.

Forms parse and shape input; the services decide (roles, duplicates, canonical URLs). A service's
ValidationError lands on the form's fields with ``add_service_errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from config.api import MAX_ID
from sources.canonical import InvalidURL, canonicalize
from sources.models import Citation, Source
from sources.selectors import grantable_people, source_candidate, source_citation_candidates
from verification.forms.common import add_service_errors, as_id
from verification.selectors import User

CANDIDATES_SHOWN = 10


class DeskForm(forms.Form):
    """Labels without a trailing colon; ids prefixed per form (``id_prefix``), so that several
    forms on one page never share an id."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def source_write_errors(
    form: forms.Form,
    exc: ValidationError,
    *,
    user: User,
    rename: Mapping[str, str] | None = None,
) -> None:
    """A source write's errors on the form; a URL already recorded links to that source's page
    (a restricted one is never named: the service says only that it cannot be added)."""
    if hasattr(exc, "error_dict") and "url" in exc.error_dict:
        linked = []
        for error in exc.error_dict["url"]:
            clash_id = (error.params or {}).get("id") if error.code == "duplicate" else None
            if clash_id is not None:
                error = ValidationError(
                    format_html(
                        'This page is already recorded as <a href="{}">source #{}</a>.',
                        reverse("web:source-detail", args=[clash_id]),
                        clash_id,
                    ),
                    code="duplicate",
                )
            linked.append(error)
        exc = ValidationError({**exc.error_dict, "url": linked})
    add_service_errors(form, exc, rename={**SOURCE_RENAMES, **(rename or {})})


# The services name the publication date published_at; the forms take a day, published_on.
SOURCE_RENAMES = {"published_at": "published_on"}


def as_datetime(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), tzinfo=UTC) if day is not None else None


class SourceForm(DeskForm):
    """A source's metadata, as logged or edited."""

    kind = forms.ChoiceField(choices=Source.Kind.choices, label="Kind")
    url = forms.CharField(
        label="URL",
        max_length=2000,
        required=False,
        help_text="As cited, starting with http:// or https://. Leave empty for correspondence "
        "or a document you upload.",
        widget=forms.URLInput(attrs={"inputmode": "url", "autocomplete": "off"}),
    )
    title = forms.CharField(
        label="Title",
        max_length=500,
        required=False,
        help_text="Empty: the capture fills it in from the page.",
    )
    author = forms.CharField(label="Author", max_length=300, required=False)
    published_on = forms.DateField(
        label="Published on",
        required=False,
        help_text="YYYY-MM-DD.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    language = forms.CharField(
        label="Language", max_length=16, required=False, help_text="e.g. en, ru, zh, pt-BR."
    )
    sourcing = forms.ChoiceField(
        choices=Source.Sourcing.choices,
        initial=Source.Sourcing.UNKNOWN,
        label="Its own sourcing",
        help_text="Where this source got its information, as far as we know.",
    )
    summary = forms.CharField(
        label="Summary", max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_sensitive = forms.BooleanField(
        label="Sensitive",
        required=False,
        help_text="A confidential informant, images of prisoners or the dead: only editors, "
        "the claim's fact-checkers and you will see it; never API clients or exports.",
    )

    def service_values(self) -> dict[str, Any]:
        """The cleaned values as the source services name them."""
        values = dict(self.cleaned_data)
        values.pop("file", None)
        values["published_at"] = as_datetime(values.pop("published_on", None))
        return values


class SourceCreateForm(SourceForm):
    file = forms.FileField(
        label="Document",
        required=False,
        help_text="Optional: a PDF, a PNG, JPEG, GIF or WebP image, or a .txt, .eml or .csv "
        "file. Stored and hashed like a capture.",
    )

    field_order = ["kind", "url", "file"]


class SourceEditForm(SourceForm):
    """Editing: only changed fields are sent to the service. Lifting the sensitive mark is for
    editors: for others the box is shown, disabled."""

    def __init__(self, *args: Any, source: Source, may_lift_sensitive: bool, **kwargs: Any):
        initial = {
            "kind": source.kind,
            "url": source.url,
            "title": source.title,
            "author": source.author,
            "published_on": source.published_at.date() if source.published_at else None,
            "language": source.language,
            "sourcing": source.sourcing,
            "summary": source.summary,
            "is_sensitive": source.is_sensitive,
        }
        super().__init__(*args, initial=initial, **kwargs)
        if source.is_sensitive and not may_lift_sensitive:
            field = self.fields["is_sensitive"]
            field.disabled = True
            field.help_text = "Only an editor may lift the sensitive mark."

    def changes(self) -> dict[str, Any]:
        values = self.service_values()
        changed = set(self.changed_data)
        if "published_on" in changed:
            changed.add("published_at")
        return {name: value for name, value in values.items() if name in changed}


class UploadForm(DeskForm):
    id_prefix = "upload"

    file = forms.FileField(
        label="Document to upload",
        help_text="A PDF, a PNG, JPEG, GIF or WebP image, or a .txt, .eml or .csv file.",
    )


class CitationAddForm(DeskForm):
    """ "This source quotes / cites / … that one": the other source by URL, #id or words.

    A URL no source has yet is logged as a new source (of ``new_kind``) with the citation. Words
    matching several sources offer them to pick from (``candidates``)."""

    id_prefix = "citation"

    kind = forms.ChoiceField(
        choices=Citation.Kind.choices, initial=Citation.Kind.CITES, label="This source…"
    )
    target = forms.CharField(
        label="…which source",
        max_length=2000,
        help_text="Its URL (any spelling), #id, or words from its title or URL.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    cited_id = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    new_kind = forms.ChoiceField(
        choices=Source.Kind.choices,
        initial=Source.Kind.ARTICLE,
        required=False,
        label="Kind, if the URL is new to us",
        help_text="A URL we have no source for is logged as a new source of this kind.",
    )
    note = forms.CharField(
        label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, source: Source, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.user = user
        self.candidates: list[Source] = []
        # With htmx, the sources matching what is typed are offered to pick from as one types.
        self.fields["target"].widget.attrs.update(
            {
                "hx-get": reverse("web:source-citation-candidates", args=[source.pk]),
                "hx-trigger": "input changed delay:400ms, search",
                "hx-target": "#citation-candidates",
                "hx-swap": "innerHTML",  # not the form's outerHTML, inherited otherwise
                "hx-sync": "this:replace",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        target = (data.get("target") or "").strip()
        data["new_kind"] = data.get("new_kind") or Source.Kind.ARTICLE
        data["cited"] = None
        data["new_url"] = ""
        picked = data.get("cited_id") or as_id(target)
        if picked:
            data["cited"] = source_candidate(user=self.user, source_id=picked, citing=self.source)
            if data["cited"] is None:
                self.add_error("target", f"No source #{picked}.")
            return data
        if not target:
            return data
        url = f"https://{target}" if target.lower().startswith("www.") else target
        if "://" in url:
            try:
                canonical = canonicalize(url)
            except InvalidURL:
                self.add_error("target", "Enter a web address starting with http:// or https://.")
                return data
            if canonical == self.source.canonical_url:
                self.add_error("target", "A source cannot cite itself.")
                return data
            # Recorded or not, visible or not: the view resolves it through the service, which
            # refuses a restricted one (and tells an editor) without naming it.
            data["new_url"] = url
            return data
        matches = source_citation_candidates(
            source=self.source, user=self.user, query=target, limit=CANDIDATES_SHOWN + 1
        )
        if len(matches) == 1:
            data["cited"] = matches[0]
        elif not matches:
            self.add_error("target", "No source matches these words.")
        else:
            self.candidates = matches[:CANDIDATES_SHOWN]
            self.add_error("target", "Several sources match: pick one below.")
        return data


class GrantForm(DeskForm):
    """An editor lets one colleague see this sensitive source."""

    id_prefix = "grant"

    grantee = forms.ModelChoiceField(
        queryset=None,  # set per form: active newsroom members below editor
        label="Colleague",
        empty_label="Choose a colleague",
    )
    reason = forms.CharField(
        label="Why they need to see it",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["grantee"]
        field.queryset = grantable_people()
        field.label_from_instance = lambda user: user.get_username()


class RevokeForm(DeskForm):
    id_prefix = "revoke"

    reason = forms.CharField(label="Why access ends", max_length=2000, widget=forms.TextInput())
