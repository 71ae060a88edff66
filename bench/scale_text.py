# ruff: noqa: RUF001 - the quotes are Russian, Ukrainian and Chinese on purpose
"""The vocabulary and sentence grammar of the million-claim newsroom (bench/million.py).

The facts are the seed reports' kind of reporting (foreign nationals recruited into an army,
casualties, border-crossing records, a ministry's denial, a channel's unverified post), recombined
by templates into sentences of our own: none is a sentence of the seeds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

NATIONALS = [
    ("Chinese citizens", "Chinese", "China"),
    ("Nepalese nationals", "Nepalese", "Nepal"),
    ("Cuban recruits", "Cuban", "Cuba"),
    ("Indian nationals", "Indian", "India"),
    ("Sri Lankan men", "Sri Lankan", "Sri Lanka"),
    ("Kyrgyz migrants", "Kyrgyz", "Kyrgyzstan"),
    ("Tajik labour migrants", "Tajik", "Tajikistan"),
    ("Syrian fighters", "Syrian", "Syria"),
    ("Serbian volunteers", "Serbian", "Serbia"),
    ("North Korean soldiers", "North Korean", "North Korea"),
    ("Uzbek citizens", "Uzbek", "Uzbekistan"),
    ("Ghanaian students", "Ghanaian", "Ghana"),
    ("Kazakh volunteers", "Kazakh", "Kazakhstan"),
    ("Taiwanese veterans", "Taiwanese", "Taiwan"),
]
RECRUITING = [
    "Moscow contract recruitment centre",
    "selection point on Yasnogorskaya Street in Moscow",
    "enlistment office in Rostov-on-Don",
    "recruitment point in St Petersburg",
    "contract service office in Novosibirsk",
    "military commissariat in Kazan",
    "mobile recruitment tent in Belgorod",
]
FRONTS = [
    ("Zaporizhzhia Oblast", "near Robotyne"),
    ("Donetsk Oblast", "near Bakhmut"),
    ("Donetsk Oblast", "outside Pokrovsk"),
    ("Donetsk Oblast", "near Avdiivka"),
    ("Kharkiv Oblast", "near Vovchansk"),
    ("Luhansk Oblast", "near Kreminna"),
    ("Kursk region", "near Sudzha"),
    ("Kherson Oblast", "on the Dnipro's left bank"),
]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
MONTHS_RU = [
    "января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
    "октября", "ноября", "декабря",
]  # fmt: skip
YEARS = [2023, 2024, 2025]
NICKNAMES = [
    "Sprite", "Cola", "Tiger", "Panda", "Monk", "Dragon", "Student", "Doctor", "Fox", "Chef",
    "Lucky", "Shadow", "Kettle", "Bamboo", "Comet",
]  # fmt: skip
SURNAMES = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Zhao", "Sun", "Jiang", "Pan", "Duan", "Gurung",
    "Thapa", "Rai", "Perez", "Garcia", "Singh", "Kumar", "Perera", "Alimov", "Karimov",
    "Petrovic", "Nikolic", "Mensah", "Tseng", "Nurlanov",
]  # fmt: skip
GIVEN = [
    "Wei", "Jun", "Lin", "Rui", "Hong", "Jian", "Min", "Bishnu", "Ram", "Carlos", "Yosvany",
    "Arjun", "Ravi", "Nuwan", "Bakyt", "Rustam", "Dragan", "Milos", "Kwame", "Sheng", "Aidos",
]  # fmt: skip
MINISTRIES = [
    ("foreign ministry", "China"),
    ("foreign ministry", "Nepal"),
    ("foreign ministry", "India"),
    ("defence ministry", "Russia"),
    ("embassy in Moscow", "China"),
    ("embassy in Moscow", "Sri Lanka"),
    ("interior ministry", "Cuba"),
    ("foreign ministry", "Kyrgyzstan"),
]
UKRAINE_BODIES = [
    "Ukraine's Security Service (SBU)",
    "Ukraine's General Staff",
    "Ukraine's military intelligence (HUR)",
    "Ukraine's Coordination Headquarters for prisoners of war",
    "Ukraine's foreign ministry",
]
CHANNELS = [
    "a pro-war Telegram channel",
    "a volunteer group's Telegram channel in Novoshakhtinsk",
    "an anonymous X account",
    "a Russian military blogger",
    "a channel that honours fallen Russian soldiers",
    "a recruiter's TikTok account",
    "a Douyin video",
    "a Weibo post",
]
WEAPONS = [
    "Lancet loitering munitions",
    "Geran-2 attack drones",
    "Kh-101 cruise missiles",
    "Orlan-10 reconnaissance drones",
    "Iskander missiles",
    "glide bombs",
]
MEDALS = ["Cross of St George", "Order of Courage", "Medal for Courage", "Zhukov Medal"]
TERMS = ["one year", "six months", "two years", "the duration of the special military operation"]
DELAYS = [
    "the same day",
    "the next morning",
    "two days later",
    "within a week",
    "a day after landing",
]
WORKS = [
    "the Carnegie Russia Eurasia Center",
    "a Reuters investigation",
    "RFE/RL's Russian service",
    "IStories",
    "the Ukrainian Armed Forces",
    "Newsweek",
    "the Kyiv Independent",
    "Meduza",
    "Mediazona",
]


def _month_year(rng: random.Random) -> str:
    year = rng.choice(YEARS)
    # The newsroom's "now" is May 2025: nothing after April 2025 has happened yet.
    return f"{rng.choice(MONTHS[:4] if year == 2025 else MONTHS)} {year}"


def _date(rng: random.Random) -> str:
    return f"{rng.randint(1, 28)} {_month_year(rng)}"


def _person(rng: random.Random, adjective: str) -> str:
    age = rng.randint(20, 55)
    return f"{age}-year-old {adjective} citizen {rng.choice(GIVEN)} {rng.choice(SURNAMES)}"


def _figure(rng: random.Random) -> str:
    return rng.choice(
        [
            f"at least {rng.randint(2, 400)}",
            f"more than {rng.choice([10, 20, 50, 100, 150, 200, 500, 1000])}",
            f"{rng.randint(2, 60)}",
            f"about {rng.choice([30, 40, 60, 80, 120, 300])}",
            "dozens of",
            "hundreds of",
        ]
    )


def fact_sentence(rng: random.Random) -> str:
    """One claim as a fact ("is it true?"), from one of the grammar's templates."""
    plural, adjective, country = rng.choice(NATIONALS)
    region, place = rng.choice(FRONTS)
    recruiting = rng.choice(RECRUITING)
    figure = _figure(rng)
    pick = rng.randrange(22)
    if pick == 0:
        return (
            f"{figure.capitalize()} {plural} passed through the {recruiting} "
            f"between {_month_year(rng)} and {_month_year(rng)}."
        )
    if pick == 1:
        return f"{figure.capitalize()} {plural} signed army contracts in {_month_year(rng)}."
    if pick == 2:
        return (
            f"A {_person(rng, adjective)} flew into Moscow on {_date(rng)} and enlisted at the "
            f"{recruiting} {rng.choice(DELAYS)}."
        )
    if pick == 3:
        return (
            f"Two {plural} who arrived on the same flight went to the {recruiting} together "
            f"{rng.choice(DELAYS)}."
        )
    if pick == 4:
        return (
            f"Ukrainian forces captured {rng.choice(['two', 'three', 'four'])} {plural} "
            f"{place} in {region} on {_date(rng)}, on their first combat mission."
        )
    if pick == 5:
        return (
            f"A {adjective} contract soldier was killed in {region} in {_month_year(rng)}, "
            f"{rng.randint(2, 11)} months after signing up."
        )
    if pick == 6:
        nick_a, nick_b = rng.sample(NICKNAMES, 2)
        return (
            f"Two {adjective} fighters known as '{nick_a}' and '{nick_b}' were killed "
            f"{place} in {_month_year(rng)}."
        )
    if pick == 7:
        return (
            f"Border-service records show {figure} {plural} flew home to {country} after "
            f"visiting the {recruiting}."
        )
    if pick == 8:
        return (
            f"{rng.choice(WEAPONS)} used against Ukraine contain dual-use parts made in {country}."
        )
    if pick == 9:
        return (
            f"A {_person(rng, adjective)} was awarded the {rng.choice(MEDALS)} for evacuating "
            f"wounded comrades {place}."
        )
    if pick == 10:
        return f"Army contracts offered to {plural} run for {rng.choice(TERMS)}."
    if pick == 11:
        return (
            f"A recruit from {country} answered an online advertisement offering "
            f"{rng.choice([1, 2, 3, 5])} million roubles for a contract."
        )
    if pick == 12:
        return (
            f"{figure.capitalize()} {plural} were treated in military hospitals of the Main "
            f"Military Medical Directorate in {rng.choice(YEARS)}."
        )
    if pick == 13:
        return (
            f"{figure.capitalize()} {plural} serve in the International Legion for the "
            f"Territorial Defence of Ukraine."
        )
    if pick == 14:
        return (
            f"A {adjective} volunteer commanded a platoon of {rng.choice(NATIONALS)[0]} "
            f"{place} until {_month_year(rng)}."
        )
    if pick == 15:
        return f"{country} has no law that bars its citizens from fighting in a foreign army."
    if pick == 16:
        return (
            f"Researchers in {country} helped a Russian company build "
            f"{rng.choice(['deadlier', 'longer-range', 'jam-resistant'])} military drones."
        )
    if pick == 17:
        return (
            f"{figure.capitalize()} {plural} were recruited by an intermediary in {country} "
            f"before travelling to Russia in {_month_year(rng)}."
        )
    if pick == 18:
        return (
            f"A {adjective} soldier posted a photo geotagged in {country} in "
            f"{_month_year(rng)}, after his one-year contract ended."
        )
    if pick == 19:
        return (
            f"{rng.choice(['Eight', 'Five', 'Twelve', 'Three'])} {plural} visited the "
            f"{recruiting} on a single day in {_month_year(rng)}."
        )
    if pick == 20:
        return (
            f"A {adjective} recruit was wounded by a drone {place} and returned to the front "
            f"after hospital treatment."
        )
    return (
        f"Billboards in {rng.choice(['Novoshakhtinsk', 'Rostov', 'Taganrog', 'Shakhty'])} "
        f"honour {figure} local men killed in the war, {adjective} "
        f"volunteers among them."
    )


@dataclass(frozen=True)
class Speaker:
    name: str
    title: str
    kind: str
    affiliation: str
    country: str


SPEAKERS = [
    Speaker("Volodymyr Zelenskyy", "President of Ukraine", "person", "Government of Ukraine", "UA"),
    Speaker("Lin Jian", "Spokesperson, Foreign Ministry of China", "person", "PRC", "CN"),
    Speaker("Maria Zakharova", "Spokesperson, Foreign Ministry of Russia", "person", "", "RU"),
    Speaker("Temur Umarov", "Fellow, Carnegie Russia Eurasia Center", "person", "", "DE"),
    Speaker("Dmitry Peskov", "Kremlin spokesman", "person", "Government of Russia", "RU"),
    Speaker("Andriy Yusov", "Spokesman, Ukrainian military intelligence", "person", "", "UA"),
    Speaker("Security Service of Ukraine", "", "government", "Government of Ukraine", "UA"),
    Speaker("Ministry of Defence of Russia", "", "government", "Government of Russia", "RU"),
    Speaker("ZOVNovoshakhtinsk", "Volunteer group channel", "anonymous", "", "RU"),
    Speaker("PS01", "X account", "anonymous", "", ""),
]
OFFICES = [
    "spokesperson", "deputy minister", "ambassador", "press secretary", "governor", "MP",
    "military blogger", "analyst", "commander", "ombudsman",
]  # fmt: skip
BODIES = [
    "Foreign Ministry", "Defence Ministry", "Embassy in Moscow", "General Staff",
    "Interior Ministry", "Border Service", "Parliament", "Human Rights Commission",
]  # fmt: skip


def speakers(rng: random.Random, count: int) -> list[Speaker]:
    """The named speakers of the seeds' kind, then generated officials: unique (name, title)."""
    people = list(SPEAKERS[:count])
    seen = {(s.name, s.title) for s in people}
    countries = ["UA", "RU", "CN", "NP", "IN", "CU", "LK", "KG", "RS", "KP", "TW", "KZ"]
    while len(people) < count:
        country = rng.choice(countries)
        if rng.random() < 0.8:
            name = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"
            title = f"{rng.choice(OFFICES).capitalize()}, {rng.choice(BODIES)} ({country})"
            kind, affiliation = "person", f"Government ({country})"
        else:
            name = f"{rng.choice(BODIES)} of {country}"
            title = rng.choice(["", "press office", "official channel"])
            kind, affiliation = "government", ""
        if (name, title) in seen:
            continue
        seen.add((name, title))
        people.append(Speaker(name, title, kind, affiliation, country))
    return people


def attribution_sentence(rng: random.Random, speaker: Speaker) -> str:
    """A claim checked as an attribution: did the speaker say it?"""
    plural, adjective, _ = rng.choice(NATIONALS)
    ministry, government = rng.choice(MINISTRIES)
    body = rng.choice(UKRAINE_BODIES)
    pick = rng.randrange(8)
    who = speaker.name
    if pick == 0:
        return f"{who} said {_figure(rng)} {plural} are fighting in the Russian army."
    if pick == 1:
        return f"{who} said {government} has sent no military personnel to Russia."
    if pick == 2:
        return (
            f"{who} said the {ministry} of {government} urged its citizens to stay away from "
            f"the conflict zone."
        )
    if pick == 3:
        return (
            f"{who} said two captured {plural} told {body} they were recruited in "
            f"{_month_year(rng)}."
        )
    if pick == 4:
        return (
            f"{who} said {adjective} volunteers signed contracts of their own accord, to earn "
            f"money."
        )
    if pick == 5:
        return f"{who} said the real number of {plural} at the front is far higher."
    if pick == 6:
        return f"{who} said {rng.choice(CHANNELS)} reported the deaths of two {adjective} fighters."
    return f"{who} said {government} has not supplied Russia with weapons."


QUOTES_EN = [
    "Data from the border service show he entered the country {delay}.",
    "We could not independently verify the post.",
    "The ministry did not respond to a request for comment sent by email.",
    "According to the interrogation video, he was recruited in {month}.",
    "The channel posted photos of two young men in military gear.",
    "He said in correspondence that he had fought in Ukraine and came home.",
    "Records obtained by reporters list {n} names for that month alone.",
    "The government has always told its citizens to keep out of the conflict.",
]
QUOTES_OTHER = [
    (
        "ru",
        "По данным пограничной службы, он въехал в страну {n} {month_ru}.",
        "According to the border service, he entered the country on {n} {month}.",
    ),
    (
        "ru",
        "Ребята из Китая. Хорошие ребята, отличные бойцы.",
        "The guys from China. Good guys, great fighters.",
    ),
    (
        "ru",
        "Контракт подписан на один год, выплата — {m} миллиона рублей.",
        "The contract is signed for one year, the payment is {m} million roubles.",
    ),
    (
        "uk",
        "Обидва були захоплені під час першого бойового виходу.",
        "Both were captured during their first combat mission.",
    ),
    (
        "uk",
        "За нашими даними, таких громадян щонайменше {n}.",
        "According to our data, there are at least {n} such citizens.",
    ),
    (
        "zh",
        "政府一贯要求本国公民远离冲突地区。",
        "The government has always asked its citizens to stay away from the conflict zone.",
    ),
    ("zh", "这里没有医疗救治，没有人管。", "There is no medical care here, nobody cares."),
    ("ne", "उनी मस्को गएर सम्झौतामा हस्ताक्षर गरे।", "He went to Moscow and signed the contract."),
]


def quote(rng: random.Random) -> tuple[str, str, str]:
    """(passage, its language, its English translation or "")."""
    if rng.random() < 0.55:
        text = rng.choice(QUOTES_EN).format(
            delay=rng.choice(DELAYS), month=rng.choice(MONTHS), n=rng.randint(3, 60)
        )
        return text, "en", ""
    language, original, english = rng.choice(QUOTES_OTHER)
    n, m, month = rng.randint(2, 28), rng.randint(2, 4), rng.randrange(12)
    slots = {"n": n, "m": m, "month": MONTHS[month], "month_ru": MONTHS_RU[month]}
    return original.format(**slots), language, english.format(**slots)


HEADLINE_TOPICS = [
    "{plural} at the front: what the recruitment data show",
    "How {plural} ended up in Russia's army",
    "{gov} denies sending troops to fight for Russia",
    "Two {plural} captured in {region}, Kyiv says",
    "Channel reports deaths of {adjective} fighters {place}",
    "Recruitment centre records list {n} {plural}",
    "{adjective} volunteer speaks of life on the front line",
    "Dual-use parts from {country} found in Russian weapons",
    "The one-year contract: why {plural} sign up",
    "Statement on citizens taking part in the conflict",
]


def headline(rng: random.Random) -> str:
    plural, adjective, country = rng.choice(NATIONALS)
    region, place = rng.choice(FRONTS)
    return rng.choice(HEADLINE_TOPICS).format(
        plural=plural,
        adjective=adjective,
        country=country,
        gov=rng.choice(MINISTRIES)[1],
        region=region,
        place=place,
        n=rng.randint(5, 200),
    )


def slug(text: str, limit: int = 80) -> str:
    out = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)[:limit].rstrip("-") or "story"
