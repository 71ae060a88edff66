"""Turn the access that used to be inferred into explicit grants, so that nobody loses it.

Until grants existed, a fact-checker saw a sensitive source when they were assigned to, or had
added evidence on, a claim resting on it. Each such (fact-checker, source, claim) becomes a grant
carrying the claim's id, with no granting editor and a reason saying where it came from; editors
see them on the source page and can revoke them. Editors and whoever logged the source need none.
"""

from django.db import migrations

REASON = (
    "Carried over from the earlier access rule: assigned to, or added evidence on, claim #{claim}."
)


def forwards(apps, schema_editor):
    User = apps.get_model("auth", "User")
    Evidence = apps.get_model("verification", "Evidence")
    Claim = apps.get_model("claims", "Claim")
    SourceGrant = apps.get_model("sources", "SourceGrant")

    checkers = set(
        User.objects.filter(is_active=True, is_superuser=False, groups__name="fact_checker")
        .exclude(groups__name="editor")
        .values_list("pk", flat=True)
    )
    if not checkers:
        return
    sensitive = Evidence.objects.filter(source__is_sensitive=True)
    rows = sensitive.values_list("claim_id", "source_id", "source__created_by_id").distinct()
    claim_ids = {claim_id for claim_id, _, _ in rows}
    people: dict[int, set[int]] = {claim_id: set() for claim_id in claim_ids}
    for claim_id, assignee_id in Claim.objects.filter(
        pk__in=claim_ids, assignee__isnull=False
    ).values_list("pk", "assignee_id"):
        people[claim_id].add(assignee_id)
    for claim_id, added_by_id in (
        Evidence.objects.filter(claim_id__in=claim_ids)
        .values_list("claim_id", "added_by_id")
        .distinct()
    ):
        people[claim_id].add(added_by_id)
    grants = {
        (user_id, source_id, claim_id)
        for claim_id, source_id, creator_id in rows
        for user_id in people[claim_id] & checkers
        if user_id != creator_id
    }
    SourceGrant.objects.bulk_create(
        [
            SourceGrant(
                grantee_id=user_id,
                source_id=source_id,
                claim_id=claim_id,
                reason=REASON.format(claim=claim_id),
            )
            for user_id, source_id, claim_id in sorted(grants)
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("claims", "0003_claim_updated_desc_index"),
        ("sources", "0003_access_grants"),
        ("verification", "0002_role_groups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
