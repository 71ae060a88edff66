from claims.services import claim_create
from sources.services import citation_create, source_create
from verification.models import Evidence
from verification.provenance import claim_provenance
from verification.services import claim_status_change, evidence_add, verdict_publish


def test_chain_of_three_outlets_counts_one_origin(fact_checker, editor):
    claim = claim_create(actor=fact_checker, text="Two soldiers were killed.")
    telegram = source_create(
        actor=fact_checker,
        kind="social_post",
        url="https://t.me/s/SomeChannel/10",
        sourcing="original",
    )
    xpost = source_create(
        actor=fact_checker, kind="social_post", url="https://twitter.com/Acct/status/5?s=20"
    )
    mag = source_create(actor=fact_checker, kind="article", url="https://www.mag.example/a")
    citation_create(actor=fact_checker, citing=mag, cited=xpost)
    citation_create(actor=fact_checker, citing=xpost, cited=telegram)
    for src in (mag, xpost):
        claim.refresh_from_db()
        evidence_add(
            claim=claim,
            actor=fact_checker,
            source=src,
            stance=Evidence.Stance.ASSERTS,
            expected_version=claim.version,
        )
    prov = claim_provenance(claim=claim, user=fact_checker)
    assert prov.stance("asserts").independent_origins == 1
    claim.refresh_from_db()
    claim_status_change(
        claim=claim,
        actor=fact_checker,
        to_status="in_review",
        rationale="go",
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    claim_status_change(
        claim=claim,
        actor=fact_checker,
        to_status="unverifiable",
        rationale="one origin",
        expected_version=claim.version,
    )
    claim.refresh_from_db()
    pub = verdict_publish(
        claim=claim, actor=editor, public_summary="Cannot verify.", expected_version=claim.version
    )
    assert pub.verdict == "unverifiable"
