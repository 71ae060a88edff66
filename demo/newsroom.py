"""The demo newsroom: outlets, sources, claims and evidence from two real reports, in our words.

The facts come from an IStories investigation (Chinese citizens in Moscow's contract-recruitment
records) and a Newsweek piece (two Chinese "mercenaries" reported killed, relayed from a Telegram
channel by an X account). Every sentence here is the project's own; quotes are kept to short
fragments. Private individuals named in the reports are left out.

Everything is written through the services, as the demo users, so the demo exercises the same
rules as the web UI. ``demo_load`` is idempotent: once the demo is in, a second run writes nothing.
URLs on the real domains carry invented paths: they are demo data, not citations to follow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.contrib.auth.models import Group, User
from django.db import transaction

from claims.models import Claim, Claimant, ClaimRelation
from claims.services import (
    claim_create,
    claim_relation_create,
    claim_text_hash,
    claim_text_normalize,
    claimant_create,
)
from config.roles import Role, user_role
from sources.canonical import canonicalize
from sources.models import Citation, Outlet, OutletDomain, OutletHandle, ReliabilityRating, Source
from sources.services import citation_create, outlet_create, outlet_rate, source_create
from verification.models import Evidence, StatusChange
from verification.selectors import claim_published
from verification.services import claim_assign, claim_status_change, evidence_add, verdict_publish

DEMO_PASSWORD_ENV = "CLAIMTRAIL_DEMO_PASSWORD"  # noqa: S105 - the variable's name, not a password
# Documented in the README: a demo sign-in for a local box, not a secret.
DEFAULT_DEMO_PASSWORD = "claimtrail-demo"  # noqa: S105
ADMIN_URL = "http://127.0.0.1:8000/admin/"

K = Outlet.Kind
A = Outlet.Affiliation
SK = Source.Kind
ORIGINAL, DERIVED = Source.Sourcing.ORIGINAL, Source.Sourcing.DERIVED
UNKNOWN = Source.Sourcing.UNKNOWN
ASSERTS, SUPPORTS = Evidence.Stance.ASSERTS, Evidence.Stance.SUPPORTS
CONTRADICTS, CONTEXT = Evidence.Stance.CONTRADICTS, Evidence.Stance.CONTEXT
FACT, ATTRIBUTION = Claim.Kind.FACT, Claim.Kind.ATTRIBUTION
DAY, MONTH = Claim.DatePrecision.DAY, Claim.DatePrecision.MONTH


# --- Users -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role | None  # None: the operators' superuser
    description: str


DEMO_USERS = (
    DemoUser("viewer", Role.VIEWER, "newsroom staff: reads, searches, logs claims and sources"),
    DemoUser("checker", Role.FACT_CHECKER, "fact-checker: evidence, grades, verdicts"),
    DemoUser("editor", Role.EDITOR, "editor: publishes verdicts, rates outlets"),
    DemoUser("admin", None, "operator (superuser)"),
)


# --- Outlets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletSpec:
    key: str
    name: str
    kind: str
    country: str = ""
    affiliation: str = A.UNKNOWN
    owner: str = ""
    party_to: str = ""
    description: str = ""
    domains: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()
    rating: tuple[str, str] | None = None  # (grade, rationale), given by the demo editor


OUTLETS = (
    OutletSpec(
        "istories",
        "IStories",
        K.INVESTIGATIVE,
        affiliation=A.INDEPENDENT,
        description="Russian-language investigative outlet (Important Stories).",
        domains=("istories.media",),
        rating=(
            "B",
            "Investigative outlet that describes its documents and methods; its data-driven "
            "findings have generally held up when others checked them.",
        ),
    ),
    OutletSpec(
        "newsweek",
        "Newsweek",
        K.MAGAZINE,
        country="US",
        affiliation=A.INDEPENDENT,
        domains=("newsweek.com",),
        rating=(
            "C",
            "General news magazine. Relays claims from social media it cannot check, with a "
            "caveat, so its stories are often one step removed from the origin.",
        ),
    ),
    OutletSpec(
        "ps01",
        "PS01△",
        K.SOCIAL_ACCOUNT,
        description="Pseudonymous X account that reposts war news from Russian channels.",
        handles=(("x", "PS01_delta"),),
        rating=(
            "F",
            "Pseudonymous account with no track record we have assessed; it reposts other "
            "channels rather than reporting.",
        ),
    ),
    OutletSpec(
        "zov",
        "ZOVNovoshakhtinsk",
        K.MESSAGING_CHANNEL,
        country="RU",
        affiliation=A.PARTISAN,
        party_to="Russia",
        description="Telegram channel of a pro-war volunteer group from Novoshakhtinsk (Rostov "
        "region), run by relatives of local men mobilised and killed in the war; it "
        "commemorates fallen soldiers.",
        handles=(("telegram", "zovnovoshakhtinsk"),),
        rating=(
            "E",
            "Partisan channel of one side of the war; posts eulogies without sources or any "
            "editorial process.",
        ),
    ),
    OutletSpec(
        "president_ua",
        "Office of the President of Ukraine",
        K.GOVERNMENT,
        country="UA",
        affiliation=A.STATE,
        owner="Government of Ukraine",
        party_to="Ukraine",
        domains=("president.gov.ua",),
    ),
    OutletSpec(
        "china_mfa",
        "Ministry of Foreign Affairs of the People's Republic of China",
        K.GOVERNMENT,
        country="CN",
        affiliation=A.STATE,
        owner="Government of the People's Republic of China",
        party_to="China",
        description="China is named in the story: its denials are a party's word.",
        domains=("fmprc.gov.cn", "mfa.gov.cn"),
    ),
    OutletSpec(
        "rferl",
        "Radio Free Europe/Radio Liberty",
        K.BROADCASTER,
        country="US",
        affiliation=A.STATE_AFFILIATED,
        owner="U.S. Agency for Global Media",
        description="Broadcaster funded by the U.S. government.",
        domains=("rferl.org",),
        rating=(
            "B",
            "Long record of regional reporting with corrections; funded by the U.S. government, "
            "which matters when the story concerns U.S. adversaries.",
        ),
    ),
    OutletSpec(
        "sbu",
        "Security Service of Ukraine (SBU)",
        K.GOVERNMENT,
        country="UA",
        affiliation=A.STATE,
        owner="Government of Ukraine",
        party_to="Ukraine",
        domains=("ssu.gov.ua",),
    ),
    OutletSpec(
        "krupnokaliberny",
        "Krupnokaliberny Perepolokh",
        K.MESSAGING_CHANNEL,
        country="RU",
        affiliation=A.PARTISAN,
        party_to="Russia",
        description="Pro-war Telegram channel (the name means 'large-calibre commotion').",
        handles=(("telegram", "krupnokalibernyperepolokh"),),
        rating=("E", "Pro-war propaganda channel; its videos are made to recruit and praise."),
    ),
    OutletSpec(
        "ukrainian_media",
        "Ukrainian media (outlet not named)",
        K.NEWS_SITE,
        country="UA",
        description="Stands for Ukrainian reporting cited without naming the outlet.",
    ),
    OutletSpec(
        "reuters",
        "Reuters",
        K.WIRE,
        country="GB",
        affiliation=A.INDEPENDENT,
        owner="Thomson Reuters",
        domains=("reuters.com",),
        rating=(
            "B",
            "International wire agency with a long record of accurate reporting and published "
            "corrections.",
        ),
    ),
    OutletSpec(
        "carnegie",
        "Carnegie Russia Eurasia Center",
        K.RESEARCH,
        country="DE",
        affiliation=A.INDEPENDENT,
        owner="Carnegie Endowment for International Peace",
        description="Think tank in Berlin; part of the Carnegie Endowment.",
    ),
    OutletSpec(
        "moscow_recruitment",
        "Moscow contract-recruitment centre",
        K.GOVERNMENT,
        country="RU",
        affiliation=A.STATE,
        party_to="Russia",
        description="Where volunteers sign up for contract service in the Russian army. Its "
        "records reached us through IStories.",
    ),
)


# --- Sources and citations -------------------------------------------------------------------


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@dataclass(frozen=True)
class SourceSpec:
    key: str
    kind: str
    title: str
    outlet: str
    sourcing: str
    url: str = ""
    language: str = "en"
    published_at: datetime | None = None
    summary: str = ""
    is_sensitive: bool = False


SOURCES = (
    SourceSpec(
        "istories_article",
        SK.ARTICLE,
        "IStories: 51 Chinese citizens in Moscow's contract-recruitment records",
        "istories",
        DERIVED,
        url="https://istories.media/en/news/2025/04/10/chinese-citizens-moscow-recruitment/",
        summary="Investigation built on recruitment-centre records for June 2023 to May 2024, "
        "cross-checked with border-crossing data; also relays RFE/RL's reporting and the "
        "Ukrainian president's figure.",
    ),
    SourceSpec(
        "recruitment_records",
        SK.DATASET,
        "Moscow contract-recruitment records, June 2023 to May 2024",
        "moscow_recruitment",
        ORIGINAL,
        language="ru",
        summary="Applications for contract service, with citizenship and dates. Obtained by "
        "IStories and not published; Claimtrail holds no names from it.",
    ),
    SourceSpec(
        "rferl_report",
        SK.ARTICLE,
        "RFE/RL: a Chinese recruit in Russian military-hospital patient records",
        "rferl",
        DERIVED,
        url="https://www.rferl.org/a/china-recruit-russia-military-hospital-records/33389120.html",
        summary="Found one man from the IStories list in the patient records of Russian "
        "military hospitals, and reached him.",
    ),
    SourceSpec(
        "correspondence",
        SK.CORRESPONDENCE,
        "Journalists' correspondence with a Chinese former contract soldier",
        "rferl",
        ORIGINAL,
        summary="A private person, back in China, confirmed his citizenship and that he fought. "
        "Identity withheld here.",
        is_sensitive=True,
    ),
    SourceSpec(
        "president_155",
        SK.OFFICIAL_STATEMENT,
        "President Zelenskyy on Chinese citizens in Russia's army (9 April 2025)",
        "president_ua",
        ORIGINAL,
        url="https://www.president.gov.ua/en/news/chinese-citizens-fighting-for-russia-97021",
        published_at=_day(2025, 4, 9),
        summary="Gives a figure of at least 155 Chinese citizens, recruited in 2023 and in the "
        "last six months of 2024, and says Kyiv believes there are more.",
    ),
    SourceSpec(
        "president_capture",
        SK.OFFICIAL_STATEMENT,
        "President Zelenskyy on two Chinese citizens captured in Donetsk Oblast (8 April 2025)",
        "president_ua",
        ORIGINAL,
        url="https://www.president.gov.ua/en/news/two-chinese-citizens-captured-96981",
        published_at=_day(2025, 4, 8),
    ),
    SourceSpec(
        "mfa_briefing",
        SK.OFFICIAL_STATEMENT,
        "Chinese foreign ministry press conference, spokesperson Lin Jian (April 2025)",
        "china_mfa",
        ORIGINAL,
        url="https://www.fmprc.gov.cn/fyrbt_673021/202504/t20250409_11591024.shtml",
        language="zh",
        summary="Answers the Ukrainian president's figure: China did not send military "
        "personnel, and tells its citizens to keep away from the conflict.",
    ),
    SourceSpec(
        "sbu_statement",
        SK.OFFICIAL_STATEMENT,
        "SBU on questioning the two captured Chinese citizens (9 April 2025)",
        "sbu",
        ORIGINAL,
        url="https://ssu.gov.ua/novyny/sbu-dopytala-dvokh-hromadian-kytaiu",
        language="uk",
        published_at=_day(2025, 4, 9),
        summary="Says both men were caught on their first combat mission; one was recruited in "
        "China and signed in Moscow in February 2025, the other came as a tourist in December "
        "2024 and answered an online advert.",
    ),
    SourceSpec(
        "newsweek_article",
        SK.ARTICLE,
        "Newsweek: Chinese 'mercenaries' reported killed fighting for Russia",
        "newsweek",
        DERIVED,
        url="https://www.newsweek.com/chinese-mercenaries-killed-russia-ukraine-telegram-1954310",
        summary="Relays an X post that shared a Telegram eulogy; says it could not verify it "
        "and sought comment from the foreign ministries of Russia and China.",
    ),
    SourceSpec(
        "x_post",
        SK.SOCIAL_POST,
        "PS01△ on X: two Chinese mercenaries reported killed",
        "ps01",
        DERIVED,
        url="https://twitter.com/PS01_delta/status/1831920577410285568?s=20",
        summary="Says Ukrainian forces killed two Chinese mercenaries, per Russian channels, and "
        "shares the ZOVNovoshakhtinsk post.",
    ),
    SourceSpec(
        "telegram_post",
        SK.SOCIAL_POST,
        "ZOVNovoshakhtinsk on Telegram: eulogy for 'Sprite' and 'Cola'",
        "zov",
        ORIGINAL,
        url="https://t.me/s/ZOVNovoshakhtinsk/1520",
        language="ru",
        summary="A short eulogy for two fighters from China known as 'Sprite' and 'Cola', with "
        "photos of two young men in uniform; commenters discuss how soon after joining they "
        "died.",
    ),
    SourceSpec(
        "krupnokaliberny_video",
        SK.VIDEO,
        "Krupnokaliberny Perepolokh: video on a decorated Chinese volunteer",
        "krupnokaliberny",
        ORIGINAL,
        url="https://t.me/krupnokalibernyperepolokh/4817",
        language="ru",
        summary="Presents a Chinese volunteer as a former military policeman, wounded near "
        "Bakhmut and decorated for evacuating comrades after a drone strike.",
    ),
    SourceSpec(
        "ukrainian_media_report",
        SK.ARTICLE,
        "Ukrainian media report of a Chinese contract soldier killed in Zaporizhzhia Oblast",
        "ukrainian_media",
        UNKNOWN,
        language="uk",
        summary="Cited by IStories without naming the outlet; not located yet.",
    ),
    SourceSpec(
        "reuters_drones",
        SK.ARTICLE,
        "Reuters: Chinese specialists helped a Russian firm develop military drones",
        "reuters",
        UNKNOWN,
        url="https://www.reuters.com/world/china-specialists-russian-military-drones-2025/",
    ),
    SourceSpec(
        "umarov_comments",
        SK.INTERVIEW,
        "Temur Umarov's comments to IStories on Chinese volunteers",
        "carnegie",
        ORIGINAL,
        summary="The analyst's view, as IStories quotes it: too few Chinese volunteers for "
        "Beijing to have known of them; they went for money or to escape legal trouble.",
    ),
)

# (citing, cited, kind, note)
CITATIONS = (
    (
        "newsweek_article",
        "x_post",
        Citation.Kind.QUOTES,
        "Newsweek quotes the X account's post.",
    ),
    (
        "x_post",
        "telegram_post",
        Citation.Kind.REPUBLISHES,
        "The X account shared the Telegram channel's post below its own.",
    ),
    (
        "istories_article",
        "recruitment_records",
        Citation.Kind.PRIMARY_SOURCE,
        "The count of 51 comes from these records.",
    ),
    (
        "istories_article",
        "rferl_report",
        Citation.Kind.CITES,
        "For the recruit found in military-hospital records.",
    ),
    (
        "istories_article",
        "president_155",
        Citation.Kind.CITES,
        "For the figure of at least 155.",
    ),
    (
        "rferl_report",
        "correspondence",
        Citation.Kind.PRIMARY_SOURCE,
        "The recruit's confirmation came in correspondence.",
    ),
)


# --- Claimants and claims --------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimantSpec:
    key: str
    name: str
    kind: str
    title: str = ""
    affiliation: str = ""
    country: str = ""


CLAIMANTS = (
    ClaimantSpec(
        "zelenskyy",
        "Volodymyr Zelenskyy",
        Claimant.Kind.PERSON,
        "President of Ukraine",
        "Government of Ukraine",
        "UA",
    ),
    ClaimantSpec(
        "lin_jian",
        "Lin Jian",
        Claimant.Kind.PERSON,
        "Spokesperson, Ministry of Foreign Affairs of China",
        "Government of the People's Republic of China",
        "CN",
    ),
    ClaimantSpec(
        "china_mfa",
        "Ministry of Foreign Affairs of the People's Republic of China",
        Claimant.Kind.GOVERNMENT,
        country="CN",
    ),
    ClaimantSpec(
        "sbu",
        "Security Service of Ukraine (SBU)",
        Claimant.Kind.GOVERNMENT,
        affiliation="Government of Ukraine",
        country="UA",
    ),
    ClaimantSpec("istories", "IStories", Claimant.Kind.MEDIA, "Investigative outlet"),
    ClaimantSpec(
        "rferl", "Radio Free Europe/Radio Liberty", Claimant.Kind.MEDIA, "Broadcaster", "", "US"
    ),
    ClaimantSpec(
        "zov",
        "ZOVNovoshakhtinsk",
        Claimant.Kind.MEDIA,
        "Telegram channel of a pro-war volunteer group",
        country="RU",
    ),
    ClaimantSpec(
        "krupnokaliberny",
        "Krupnokaliberny Perepolokh",
        Claimant.Kind.MEDIA,
        "Pro-war Telegram channel",
        country="RU",
    ),
    ClaimantSpec("ps01", "PS01△", Claimant.Kind.ANONYMOUS, "Pseudonymous X account"),
    ClaimantSpec(
        "umarov",
        "Temur Umarov",
        Claimant.Kind.PERSON,
        "Expert, Carnegie Russia Eurasia Center",
        "Carnegie Russia Eurasia Center",
    ),
)

TAGS = ("china", "russia-ukraine-war", "foreign-fighters")


@dataclass(frozen=True)
class ClaimSpec:
    key: str
    text: str
    kind: str = FACT
    claimant: str | None = None
    made_on: date | None = None
    precision: str = DAY
    tags: tuple[str, ...] = TAGS
    logged_by: str = "checker"


MERCENARIES = "mercenaries"

CLAIMS = (
    ClaimSpec(
        "recruits_51",
        "Between June 2023 and May 2024, at least 51 citizens of China applied at Moscow's "
        "recruitment centre for contract service in the Russian army.",
        claimant="istories",
        made_on=date(2025, 4, 1),
        precision=MONTH,
        tags=(*TAGS, "recruitment"),
    ),
    ClaimSpec(
        "recruits_split",
        "Of the Chinese citizens who applied at Moscow's contract-recruitment centre from June "
        "2023 to May 2024, 31 did so in 2023 and 20 in 2024.",
        claimant="istories",
        made_on=date(2025, 4, 1),
        precision=MONTH,
        tags=(*TAGS, "recruitment"),
    ),
    ClaimSpec(
        "said_155",
        "Volodymyr Zelenskyy said that no fewer than 155 Chinese nationals are fighting for "
        "Russia's army.",
        kind=ATTRIBUTION,
        claimant="zelenskyy",
        made_on=date(2025, 4, 9),
    ),
    ClaimSpec(
        "fighting_155",
        "No fewer than 155 Chinese nationals are fighting for Russia's army.",
        claimant="zelenskyy",
        made_on=date(2025, 4, 9),
        logged_by="viewer",
    ),
    ClaimSpec(
        "mfa_no_personnel",
        "China's foreign ministry said that China has not sent any of its military personnel "
        "to Russia.",
        kind=ATTRIBUTION,
        claimant="china_mfa",
        made_on=date(2025, 4, 1),
        precision=MONTH,
    ),
    ClaimSpec(
        "lin_jian_stay_away",
        "Lin Jian said the Chinese government has always told its citizens to keep out of the "
        "armed conflict and not to join either side's military operations.",
        kind=ATTRIBUTION,
        claimant="lin_jian",
        made_on=date(2025, 4, 1),
        precision=MONTH,
    ),
    ClaimSpec(
        "china_sent_personnel",
        "China has sent its own military personnel to fight for Russia in Ukraine.",
    ),
    ClaimSpec(
        MERCENARIES,
        "Two Chinese 'mercenaries' nicknamed 'Sprite' and 'Cola' were killed fighting for "
        "Russia in Ukraine.",
        claimant="zov",
        tags=(*TAGS, "casualties"),
        logged_by="viewer",
    ),
    ClaimSpec(
        "ps01_said_killed",
        "The X account PS01△ said, citing Russian channels, that Ukrainian forces had killed two "
        "Chinese fighters.",
        kind=ATTRIBUTION,
        claimant="ps01",
        tags=(*TAGS, "casualties"),
    ),
    ClaimSpec(
        "captured_donetsk",
        "Ukrainian forces took two Chinese citizens prisoner in Donetsk Oblast on 8 April 2025 "
        "while they were fighting for Russia.",
        claimant="zelenskyy",
        made_on=date(2025, 4, 8),
        tags=(*TAGS, "prisoners-of-war"),
    ),
    ClaimSpec(
        "first_mission",
        "The two Chinese citizens captured in Donetsk Oblast were taken on their first combat "
        "mission.",
        claimant="sbu",
        made_on=date(2025, 4, 9),
        tags=(*TAGS, "prisoners-of-war"),
    ),
    ClaimSpec(
        "killed_zaporizhzhia",
        "A Chinese contract soldier who enlisted in Moscow in September 2023 was killed in "
        "Zaporizhzhia Oblast in December 2023.",
        tags=(*TAGS, "casualties", "recruitment"),
    ),
    ClaimSpec(
        "recruit_confirmed",
        "A Chinese citizen who fought for Russia confirmed in written exchanges with "
        "journalists that he had taken part in the war in Ukraine.",
        claimant="rferl",
    ),
    ClaimSpec(
        "umarov_beijing_unaware",
        "Temur Umarov of the Carnegie Russia Eurasia Center said China's leadership was "
        "probably unaware that its citizens had volunteered to fight for Russia.",
        kind=ATTRIBUTION,
        claimant="umarov",
        made_on=date(2025, 4, 1),
        precision=MONTH,
    ),
    ClaimSpec(
        "decorated_volunteer",
        "A Chinese volunteer recruited in Moscow was decorated with the Cross of St. George for "
        "evacuating Russian soldiers hit by a drone near Bakhmut.",
        claimant="krupnokaliberny",
        tags=(*TAGS, "recruitment"),
    ),
)

# (from, to, kind, note)
RELATIONS = (
    (
        "recruits_split",
        "recruits_51",
        ClaimRelation.Kind.SUPPORTS,
        "The yearly breakdown of the same records.",
    ),
    (
        "said_155",
        "fighting_155",
        ClaimRelation.Kind.SUPPORTS,
        "The fact claim rests on the president's statement. The attribution is checked as what "
        "was said, the fact as whether it is true.",
    ),
    (
        "recruits_51",
        "fighting_155",
        ClaimRelation.Kind.SUPPORTS,
        "Consistent, not sufficient: one recruitment centre over one year.",
    ),
    (
        "mfa_no_personnel",
        "china_sent_personnel",
        ClaimRelation.Kind.CONTRADICTS,
        "China's denial of the state-involvement reading of the figure.",
    ),
    (
        "ps01_said_killed",
        MERCENARIES,
        ClaimRelation.Kind.SUPPORTS,
        "The route by which the claim spread; not an independent confirmation.",
    ),
    (
        "first_mission",
        "captured_donetsk",
        ClaimRelation.Kind.SUPPORTS,
        "The SBU's account of the same capture.",
    ),
)


# --- Evidence --------------------------------------------------------------------------------

C = Evidence.Credibility


@dataclass(frozen=True)
class EvidenceSpec:
    claim: str
    source: str
    stance: str
    credibility: int
    note: str = ""
    quote: str = ""
    quote_language: str = ""
    translation: str = ""
    # The sources this evidence's source cites *for this claim* (Evidence.via), by key.
    via: tuple[str, ...] = ()


EVIDENCE = (
    EvidenceSpec(
        "recruits_51",
        "istories_article",
        ASSERTS,
        C.PROBABLY_TRUE,
        "Only the recruitment records back this figure; the article's other citations concern "
        "other claims.",
        via=("recruitment_records",),
    ),
    EvidenceSpec(
        "recruits_51",
        "recruitment_records",
        SUPPORTS,
        C.PROBABLY_TRUE,
        "Primary records; IStories matched several arrivals against border-crossing data.",
    ),
    EvidenceSpec(
        "recruits_split",
        "istories_article",
        ASSERTS,
        C.PROBABLY_TRUE,
        via=("recruitment_records",),
    ),
    EvidenceSpec(
        "recruits_split",
        "recruitment_records",
        SUPPORTS,
        C.PROBABLY_TRUE,
        "Applications are dated: 31 fall in 2023, 20 in January to May 2024.",
    ),
    EvidenceSpec(
        "said_155",
        "president_155",
        ASSERTS,
        C.PROBABLY_TRUE,
        "Published on the president's own site: he said it.",
    ),
    EvidenceSpec(
        "fighting_155",
        "president_155",
        ASSERTS,
        C.POSSIBLY_TRUE,
        "The figure of a party to the war; the list behind it is not public.",
    ),
    EvidenceSpec(
        "fighting_155",
        "recruitment_records",
        CONTEXT,
        C.PROBABLY_TRUE,
        "51 through one Moscow centre in one year: the order of magnitude fits, the total is "
        "not shown.",
    ),
    EvidenceSpec(
        "fighting_155",
        "mfa_briefing",
        CONTEXT,
        C.CANNOT_JUDGE,
        "China answered the figure by denying it sent military personnel; it did not address "
        "individual citizens signing contracts.",
    ),
    EvidenceSpec(
        "mfa_no_personnel",
        "mfa_briefing",
        ASSERTS,
        C.PROBABLY_TRUE,
        "In the ministry's published transcript.",
    ),
    EvidenceSpec(
        "lin_jian_stay_away",
        "mfa_briefing",
        ASSERTS,
        C.PROBABLY_TRUE,
        "Excerpt of the spokesperson's answer; check the full wording against the transcript "
        "before quoting it in a story.",
        quote="远离武装冲突地区，避免以任何形式卷入武装冲突",  # noqa: RUF001 - Chinese punctuation
        quote_language="zh",
        translation="keep away from areas of armed conflict and avoid involvement in armed "
        "conflict in any form",
    ),
    EvidenceSpec(
        "china_sent_personnel",
        "mfa_briefing",
        CONTRADICTS,
        C.POSSIBLY_TRUE,
        "A denial by a party to the story. No independent evidence of Chinese state personnel "
        "has turned up so far.",
    ),
    EvidenceSpec(
        "china_sent_personnel",
        "umarov_comments",
        CONTEXT,
        C.POSSIBLY_TRUE,
        "An outside analyst reads the volunteers as private decisions, too few for Beijing to "
        "have noticed.",
    ),
    EvidenceSpec(
        "china_sent_personnel",
        "reuters_drones",
        CONTEXT,
        C.CANNOT_JUDGE,
        "Support short of personnel (help with drone development); not checked here.",
    ),
    EvidenceSpec(
        MERCENARIES,
        "telegram_post",
        ASSERTS,
        C.CANNOT_JUDGE,
        "The origin: a eulogy with photos, no names, no place, no date of death.",
    ),
    EvidenceSpec(
        MERCENARIES,
        "x_post",
        ASSERTS,
        C.CANNOT_JUDGE,
        "Relays the Telegram post; adds nothing of its own.",
        quote="two Chinese mercenaries",
    ),
    EvidenceSpec(
        MERCENARIES,
        "newsweek_article",
        ASSERTS,
        C.CANNOT_JUDGE,
        "Relays the X post and says so.",
        quote="could not independently verify the post",
    ),
    EvidenceSpec(
        "ps01_said_killed",
        "x_post",
        ASSERTS,
        C.PROBABLY_TRUE,
        "The post is there: the account said it.",
        quote="two Chinese mercenaries",
    ),
    EvidenceSpec(
        "captured_donetsk",
        "president_capture",
        ASSERTS,
        C.PROBABLY_TRUE,
        "Announced by the president the same day.",
    ),
    EvidenceSpec(
        "captured_donetsk",
        "sbu_statement",
        SUPPORTS,
        C.PROBABLY_TRUE,
        "The SBU questioned the two men the next day. Same government as the president: not an "
        "independent voice.",
    ),
    EvidenceSpec(
        "first_mission",
        "sbu_statement",
        ASSERTS,
        C.POSSIBLY_TRUE,
        "What prisoners told their captors' security service.",
    ),
    EvidenceSpec(
        "killed_zaporizhzhia",
        "ukrainian_media_report",
        ASSERTS,
        C.CANNOT_JUDGE,
        "Known only through IStories, which does not name the outlet.",
    ),
    EvidenceSpec(
        "killed_zaporizhzhia",
        "recruitment_records",
        CONTEXT,
        C.PROBABLY_TRUE,
        "The records place a Chinese applicant at the Moscow centre at the end of September "
        "2023; they say nothing of his death.",
    ),
    EvidenceSpec(
        "recruit_confirmed",
        "correspondence",
        ASSERTS,
        C.PROBABLY_TRUE,
        "Sensitive: a private person. He also appears in military-hospital patient records.",
    ),
    EvidenceSpec("recruit_confirmed", "rferl_report", ASSERTS, C.PROBABLY_TRUE),
    EvidenceSpec(
        "umarov_beijing_unaware",
        "umarov_comments",
        ASSERTS,
        C.PROBABLY_TRUE,
        "As IStories quotes him; we have not heard him say it ourselves.",
    ),
    EvidenceSpec(
        "decorated_volunteer",
        "krupnokaliberny_video",
        ASSERTS,
        C.DOUBTFUL,
        "Propaganda video of a partisan channel; the award is not confirmed elsewhere.",
    ),
)


# --- Workflow --------------------------------------------------------------------------------

# (claim, [(to_status, rationale), ...]); all steps by the demo fact-checker.
WORKFLOW = (
    (
        "recruits_51",
        [
            ("in_review", "Checking the count against the recruitment records IStories obtained."),
            (
                "verified",
                "The records list at least 51 Chinese applicants between June 2023 and May 2024 "
                "(31 and 20); IStories matched arrivals with border data. One origin, but a "
                "primary one.",
            ),
        ],
    ),
    (
        "said_155",
        [
            ("in_review", "Attribution: did the president give this figure?"),
            ("verified", "The statement of 9 April 2025 on the president's site gives it."),
        ],
    ),
    (
        "mfa_no_personnel",
        [
            ("in_review", "Attribution: is the denial on the ministry's record?"),
            ("verified", "The ministry's transcript carries the denial."),
        ],
    ),
    (
        MERCENARIES,
        [
            (
                "in_review",
                "Single anonymous origin, not independently verified: one Telegram eulogy, "
                "relayed by an X account and by Newsweek. Looking for a second origin.",
            ),
        ],
    ),
)

# (claim, assignee); assigned by the demo editor.
ASSIGNMENTS = (("first_mission", "checker"),)

# (claim, public summary); published by the demo editor, the verdict set by the fact-checker.
PUBLICATIONS = (
    (
        "recruits_51",
        "Verified. Recruitment records obtained by IStories list at least 51 Chinese citizens "
        "applying for contract service in Moscow between June 2023 and May 2024.",
    ),
    (
        "said_155",
        "Verified as said: Ukraine's president gave the figure of at least 155 on 9 April 2025. "
        "Whether the figure is accurate is a separate claim.",
    ),
)


# --- Loader ----------------------------------------------------------------------------------


@dataclass
class DemoLoad:
    created: bool
    password: str
    counts: dict[str, int] = field(default_factory=dict)
    kept_users: list[str] = field(default_factory=list)  # existed before: password untouched

    @property
    def summary(self) -> str:
        counts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        if self.created:
            return f"Loaded demo newsroom: {counts}."
        return f"Demo newsroom already loaded ({counts}); nothing changed."


def demo_password() -> str:
    return os.environ.get(DEMO_PASSWORD_ENV) or DEFAULT_DEMO_PASSWORD


def demo_claim(key: str) -> Claim | None:
    """A demo claim by its key in ``CLAIMS``, or None if the demo is not loaded."""
    spec = next(c for c in CLAIMS if c.key == key)
    text_hash = claim_text_hash(text=claim_text_normalize(spec.text), kind=spec.kind)
    return Claim.objects.filter(text_hash=text_hash).order_by("pk").first()


def demo_is_loaded() -> bool:
    return demo_claim(MERCENARIES) is not None


def demo_load(*, password: str | None = None) -> DemoLoad:
    """Load the demo newsroom once. A second call finds it and writes nothing."""
    password = password or demo_password()
    with transaction.atomic():
        if demo_is_loaded():
            return DemoLoad(created=False, password=password, counts=_counts())
        result = _Builder(password).build()
    return result


def _counts() -> dict[str, int]:
    sources = [_source_lookup(spec) for spec in SOURCES]
    claims = [demo_claim(spec.key) for spec in CLAIMS]
    return {
        "outlets": sum(1 for spec in OUTLETS if _outlet_lookup(spec) is not None),
        "sources": sum(1 for s in sources if s is not None),
        "claims": sum(1 for c in claims if c is not None),
        "evidence": Evidence.objects.filter(claim__in=[c for c in claims if c]).count(),
    }


def _outlet_lookup(spec: OutletSpec) -> Outlet | None:
    if spec.domains:
        row = OutletDomain.objects.filter(domain=spec.domains[0]).select_related("outlet").first()
        return row.outlet if row else None
    if spec.handles:
        platform, handle = spec.handles[0]
        row = (
            OutletHandle.objects.filter(platform=platform, handle=handle.lower())
            .select_related("outlet")
            .first()
        )
        return row.outlet if row else None
    return Outlet.objects.filter(name=spec.name).order_by("pk").first()


def _source_lookup(spec: SourceSpec) -> Source | None:
    if spec.url:
        return Source.objects.filter(canonical_url=canonicalize(spec.url)).first()
    return Source.objects.filter(kind=spec.kind, title=spec.title).order_by("pk").first()


class _Builder:
    """Writes the demo through the services, looking each row up before creating it."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.kept_users: list[str] = []
        self.users: dict[str, User] = {}
        self.outlets: dict[str, Outlet] = {}
        self.sources: dict[str, Source] = {}
        self.claimants: dict[str, Claimant] = {}
        self.claims: dict[str, Claim] = {}
        self.new_claims: set[str] = set()

    def build(self) -> DemoLoad:
        self._users()
        self._outlets()
        self._sources()
        self._claims()
        self._evidence()
        self._workflow()
        return DemoLoad(
            created=True, password=self.password, counts=_counts(), kept_users=self.kept_users
        )

    def _users(self) -> None:
        if Group.objects.filter(name__in=[r.group_name for r in Role]).count() != len(Role):
            from verification.roles import sync_role_permissions

            sync_role_permissions()
        for spec in DEMO_USERS:
            user = User.objects.filter(username=spec.username).first()
            if user is not None:
                self.kept_users.append(spec.username)
            elif spec.role is None:
                user = User.objects.create_superuser(
                    spec.username, f"{spec.username}@newsroom.example", self.password
                )
            else:
                user = User.objects.create_user(
                    spec.username,
                    f"{spec.username}@newsroom.example",
                    self.password,
                    is_staff=True,
                )
            if spec.role is not None and user_role(user) != spec.role:
                user.groups.add(Group.objects.get(name=spec.role.group_name))
            self.users[spec.username] = user

    def _outlets(self) -> None:
        checker, editor = self.users["checker"], self.users["editor"]
        for spec in OUTLETS:
            outlet = _outlet_lookup(spec)
            if outlet is None:
                outlet = outlet_create(
                    actor=checker,
                    name=spec.name,
                    kind=spec.kind,
                    country=spec.country,
                    affiliation=spec.affiliation,
                    owner=spec.owner,
                    party_to=spec.party_to,
                    description=spec.description,
                    domains=list(spec.domains),
                    handles=list(spec.handles),
                )
            if spec.rating and not ReliabilityRating.objects.filter(outlet=outlet).exists():
                grade, rationale = spec.rating
                outlet_rate(outlet=outlet, actor=editor, grade=grade, rationale=rationale)
            self.outlets[spec.key] = outlet

    def _sources(self) -> None:
        checker = self.users["checker"]
        for spec in SOURCES:
            source = _source_lookup(spec)
            if source is None:
                source = source_create(
                    actor=checker,
                    kind=spec.kind,
                    url=spec.url,
                    title=spec.title,
                    # A URL finds its outlet by domain or handle; only URL-less sources name it.
                    outlet=None if spec.url else self.outlets[spec.outlet],
                    published_at=spec.published_at,
                    language=spec.language,
                    sourcing=spec.sourcing,
                    summary=spec.summary,
                    is_sensitive=spec.is_sensitive,
                )
            if source.outlet_id != self.outlets[spec.outlet].pk:
                raise RuntimeError(f"Demo source {spec.key!r} attached to the wrong outlet.")
            self.sources[spec.key] = source
        for citing, cited, kind, note in CITATIONS:
            if not Citation.objects.filter(
                citing=self.sources[citing], cited=self.sources[cited]
            ).exists():
                citation_create(
                    actor=checker,
                    citing=self.sources[citing],
                    cited=self.sources[cited],
                    kind=kind,
                    note=note,
                )

    def _claims(self) -> None:
        checker = self.users["checker"]
        for spec in CLAIMANTS:
            claimant = Claimant.objects.filter(name=spec.name, title=spec.title).first()
            if claimant is None:
                claimant = claimant_create(
                    actor=checker,
                    name=spec.name,
                    kind=spec.kind,
                    title=spec.title,
                    affiliation=spec.affiliation,
                    country=spec.country,
                )
            self.claimants[spec.key] = claimant
        for spec in CLAIMS:
            claim = demo_claim(spec.key)
            if claim is None:
                claim = claim_create(
                    actor=self.users[spec.logged_by],
                    text=spec.text,
                    kind=spec.kind,
                    claimant=self.claimants[spec.claimant] if spec.claimant else None,
                    made_on=spec.made_on,
                    made_on_precision=spec.precision,
                    tags=spec.tags,
                )
                self.new_claims.add(spec.key)
            self.claims[spec.key] = claim
        for from_key, to_key, kind, note in RELATIONS:
            a, b = self.claims[from_key], self.claims[to_key]
            pairs = [(a, b), (b, a)] if kind in ClaimRelation.SYMMETRIC else [(a, b)]
            if not any(
                ClaimRelation.objects.filter(from_claim=x, to_claim=y, kind=kind).exists()
                for x, y in pairs
            ):
                claim_relation_create(actor=checker, from_claim=a, to_claim=b, kind=kind, note=note)

    def _fresh(self, key: str) -> Claim:
        self.claims[key] = Claim.objects.get(pk=self.claims[key].pk)
        return self.claims[key]

    def _evidence(self) -> None:
        checker = self.users["checker"]
        for spec in EVIDENCE:
            claim, source = self._fresh(spec.claim), self.sources[spec.source]
            if Evidence.objects.filter(claim=claim, source=source, stance=spec.stance).exists():
                continue
            evidence_add(
                claim=claim,
                actor=checker,
                source=source,
                stance=spec.stance,
                expected_version=claim.version,
                quote=spec.quote,
                quote_language=spec.quote_language,
                translation=spec.translation,
                credibility=spec.credibility,
                note=spec.note,
                via=[
                    Citation.objects.get(citing=source, cited=self.sources[key]) for key in spec.via
                ],
            )

    def _workflow(self) -> None:
        checker, editor = self.users["checker"], self.users["editor"]
        for key, steps in WORKFLOW:
            # Only a claim whose history we start: never replay steps over someone's real work.
            if StatusChange.objects.filter(claim=self.claims[key]).exists():
                continue
            for to_status, rationale in steps:
                claim = self._fresh(key)
                claim_status_change(
                    claim=claim,
                    actor=checker,
                    to_status=to_status,
                    rationale=rationale,
                    expected_version=claim.version,
                )
        for key, username in ASSIGNMENTS:
            claim = self._fresh(key)
            if claim.assignee_id is None:
                claim_assign(
                    claim=claim,
                    actor=editor,
                    assignee=self.users[username],
                    expected_version=claim.version,
                )
        for key, summary in PUBLICATIONS:
            claim = self._fresh(key)
            if claim.has_verdict and claim_published(claim=claim) is None:
                verdict_publish(
                    claim=claim,
                    actor=editor,
                    public_summary=summary,
                    expected_version=claim.version,
                )
