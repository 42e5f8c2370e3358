"""French wording rules shared by every output people read (``docs/glossaire.md``).

One place for the words and the small grammar the status page, the e-mails, the reports and
the agent's labels need:

* states, colours and numbers (« 97,4 % » with a narrow no-break space, decimal comma),
  durations (« 2 h 15 »), dates and times — always in the site's time zone;
* names of places with their article: a device is named as people say it, article included
  (« le copieur de l'accueil », « la borne CAF », « l'imprimante du 1er étage »), and phrases
  that need « de » or « à » before it contract the article (« du copieur », « au copieur »,
  « de l'imprimante », « à la borne »);
* phrase templates: ``{field}`` placeholders, ``[optional segments]`` that disappear when a
  field inside them is empty, and ``[first|otherwise]`` alternatives — the same template is rendered here for pages and compiled to a
  Go template for alert rules (``collector/alerting/rules.py``), so both say the same words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Final
from zoneinfo import ZoneInfo

NARROW_NBSP: Final = "\u202f"
#: States shown to users.
STATE_LABELS: Final[Mapping[str, str]] = {
    "ok": "en service",
    "degraded": "en service, à surveiller",
    "down": "hors service",
    "unknown": "état inconnu",
}
#: Colorants, as RFC 3805 and the parser name them.
COLOURS: Final[Mapping[str, str]] = {"black": "noir", "cyan": "cyan", "magenta": "magenta", "yellow": "jaune"}
#: Service states shown to users.
SERVICE_STATES: Final[Mapping[str, str]] = {
    "up": "disponible",
    "down": "indisponible",
    "unknown": "non mesuré",
}
#: Functions of a member, as people name them (« impression : hors service »).
FUNCTIONS: Final[Mapping[str, str]] = {
    "print": "impression", "scan": "numérisation", "wifi": "wifi", "internet": "accès internet",
    "wifi_logging": "journal des connexions wifi",
}  # fmt: skip
#: Supplies by their RFC 3805 type (prtMarkerSuppliesType), as the glossary names them.
SUPPLY_TYPES: Final[Mapping[str, str]] = {
    "toner": "toner", "tonerCartridge": "toner", "ink": "encre", "inkCartridge": "encre",
    "inkRibbon": "ruban encreur", "wasteToner": "bac de toner usagé", "wasteInk": "bac d'encre usagée",
    "opc": "tambour", "developer": "développeur", "fuser": "unité de fusion", "transferUnit": "unité de transfert",
    "cleanerUnit": "unité de nettoyage", "staples": "agrafes",
}  # fmt: skip
#: Two-state facts (a 1 / 0 gauge) as people read them: (when true, when false).
OPEN_CLOSED: Final = ("ouvert", "fermé")
ONLINE: Final = ("en ligne", "éteint ou hors ligne")
REACHABLE: Final = ("joignable", "injoignable")
INTACT: Final = ("intact", "rompu")
CONNECTED: Final = ("connecté", "déconnecté")
YES_NO: Final = ("oui", "non")
#: Result of a lockdown check.
CHECK_RESULTS: Final[Mapping[str, str]] = {"pass": "conforme", "fail": "non conforme", "unknown": "non vérifié"}  # fmt: skip
#: Severity of a lockdown check or of an entry of a printer's alert table.
SEVERITIES: Final[Mapping[str, str]] = {
    "critical": "critique", "warning": "avertissement", "warningBinaryChangeEvent": "avertissement", "other": "autre",
}  # fmt: skip


def colour(value: str | None) -> str:
    """Return the French name of a colorant (« noir »), or ``""`` when unknown."""
    if not value:
        return ""
    return COLOURS.get(value.lower(), value.lower())


def number(value: float, digits: int = 1) -> str:
    """Return « 8 » or « 8,5 »: no useless decimals, decimal comma."""
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.{digits}f}".replace(".", ",")


def percent(value: float, digits: int = 1) -> str:
    """Return « 8 % » / « 8,5 % » for a percentage (0–100) with a narrow no-break space."""
    return f"{number(round(value, digits), digits)}{NARROW_NBSP}%"


def ratio(value: float | None, digits: int = 1) -> str:
    """Return a 0–1 ratio as « 97,4 % », or « sans objet » when there is none (never 0 % or 100 %)."""
    if value is None:
        return "sans objet"
    return f"{value * 100:.{digits}f}".replace(".", ",") + f"{NARROW_NBSP}%"


def duration(seconds: float) -> str:
    """Return « 2 h 15 », « 45 min », « 30 s », « 0 »."""
    whole = round(seconds)
    if whole <= 0:
        return "0"
    if whole < 60:
        return f"{whole} s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"


MONTHS: Final = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
    "décembre",
)  # fmt: skip
WEEKDAYS: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def local(ts: float, tz: str | dt.tzinfo) -> dt.datetime:
    """Return an epoch instant as a date-time in a site's time zone (``Europe/Paris``)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return dt.datetime.fromtimestamp(ts, zone)


def time_of_day(ts: float, tz: str | dt.tzinfo) -> str:
    """Return « 14:05 » in the site's zone."""
    return local(ts, tz).strftime("%H:%M")


def date(day: dt.date) -> str:
    """Return « 01/11/2026 »."""
    return day.strftime("%d/%m/%Y")


def long_date(day: dt.date) -> str:
    """Return « lundi 2 novembre 2026 » (« 1er » for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]} {day.year}"


def date_time(ts: float, tz: str | dt.tzinfo) -> str:
    """Return « 01/11/2026 à 14:05 » in the site's zone."""
    moment = local(ts, tz)
    return f"{moment.strftime('%d/%m/%Y')} à {moment.strftime('%H:%M')}"


def moment(ts: float, tz: str | dt.tzinfo, *, now: float) -> str:
    """Return an instant as people say it from ``now``, in the site's zone.

    « 14:05 » (today), « hier à 14:05 », « demain à 09:00 », « lundi à 09:00 » (within six days),
    else « le 28/11/2026 à 14:05 ». Reads after « depuis » and inside parentheses alike.

    >>> import datetime as dt
    >>> paris = "Europe/Paris"
    >>> noon = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc).timestamp()  # a Tuesday, 13:00 in Paris
    >>> moment(noon - 3600, paris, now=noon)
    '12:00'
    >>> moment(noon + 86_400 * 6, paris, now=noon)
    'lundi à 13:00'
    """
    moment_at = local(ts, tz)
    days = (moment_at.date() - local(now, tz).date()).days
    clock = moment_at.strftime("%H:%M")
    if days == 0:
        return clock
    if days == -1:
        return f"hier à {clock}"
    if days == 1:
        return f"demain à {clock}"
    if -6 <= days <= 6:
        return f"{WEEKDAYS[moment_at.weekday()]} à {clock}"
    return f"le {date(moment_at.date())} à {clock}"


def month(day: dt.date) -> str:
    """Return « novembre 2026 »."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def whole_months(first: dt.date, last: dt.date) -> int | None:
    """Return how many calendar months [first, last] spans exactly, or ``None`` if it is not whole months.

    >>> import datetime as dt
    >>> whole_months(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    3
    >>> whole_months(dt.date(2026, 11, 2), dt.date(2026, 11, 30)) is None
    True
    """
    after = last + dt.timedelta(days=1)
    if first.day != 1 or after.day != 1:
        return None
    return (after.year - first.year) * 12 + after.month - first.month


def _de(word: str) -> str:
    return f"d'{word}" if word[:1] in "aeiouéèêâîôûh" else f"de {word}"


def period(first: dt.date, last: dt.date, *, year: int | None = None) -> str:
    """Return a period as a label: « novembre 2026 », « octobre à décembre 2026 », « du 02/11/2026 au 15/11/2026 ».

    Whole calendar months are named; the year is left out when it is ``year`` (« octobre » beside
    « novembre 2026 »). Other periods give their dates.

    >>> import datetime as dt
    >>> period(dt.date(2026, 10, 1), dt.date(2026, 10, 31), year=2026)
    'octobre'
    >>> period(dt.date(2025, 11, 1), dt.date(2026, 1, 31))
    'novembre 2025 à janvier 2026'
    """
    count = whole_months(first, last)
    if count is None:
        return f"du {date(first)} au {date(last)}"
    name_last = MONTHS[last.month - 1] + ("" if last.year == year else f" {last.year}")
    if count == 1:
        return name_last
    name_first = MONTHS[first.month - 1] + ("" if first.year in (last.year, year) else f" {first.year}")
    return f"{name_first} à {name_last}"


def during(first: dt.date, last: dt.date) -> str:
    """Return « en novembre 2026 », « d'octobre à décembre 2026 », « du 02/11/2026 au 15/11/2026 ».

    >>> import datetime as dt
    >>> during(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    'en novembre 2026'
    >>> during(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    "d'octobre à décembre 2026"
    """
    count = whole_months(first, last)
    label = period(first, last)
    if count is None:
        return label
    return f"en {label}" if count == 1 else _de(label)


#: How people name the time of a zone (« heure de Paris »); other zones by their city.
ZONE_NAMES: Final[Mapping[str, str]] = {
    "Europe/Paris": "heure de Paris", "America/Cayenne": "heure de Cayenne",
    "America/Guadeloupe": "heure de la Guadeloupe", "America/Martinique": "heure de la Martinique",
    "Indian/Reunion": "heure de La Réunion", "Indian/Mayotte": "heure de Mayotte",
    "Pacific/Noumea": "heure de Nouméa", "Pacific/Tahiti": "heure de Tahiti",
    "America/Miquelon": "heure de Saint-Pierre-et-Miquelon", "UTC": "temps universel",
}  # fmt: skip


def zone_name(tz: str) -> str:
    """Return how people name a zone's time: « heure de Paris » (``Europe/Paris``).

    >>> zone_name("Europe/Brussels")
    'heure de Brussels'
    """
    if tz in ZONE_NAMES:
        return ZONE_NAMES[tz]
    return "heure de " + tz.rsplit("/", 1)[-1].replace("_", " ")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """Return « 1 action », « 2 actions », « 0 action » (French: 0 and 1 are singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{count} {word}"


_TRAY_NUMBER = re.compile(r"^(?:tray|bac|magasin|cassette|drawer)\s*(\d+)$", re.IGNORECASE)
_REFERENCE = re.compile(r"\b([A-Z]{1,4}-?\d{2,5}[A-Z]{0,3}\d?)\b")


def tray(name: str) -> str:
    """Return a paper tray's name in French: « bac 2 », or « bac « Roll Unit 1 » ».

    >>> tray("Tray 2")
    'bac 2'
    """
    numbered = _TRAY_NUMBER.match(name.strip())
    return f"bac {numbered.group(1)}" if numbered else f"bac « {name} »"


def reference(description: str) -> str | None:
    """Return the cartridge reference a supply description carries (« CF410A »), if any.

    >>> reference("Black Cartridge 827A HP CF300A")
    'CF300A'
    >>> reference("Black Toner") is None
    True
    """
    found = _REFERENCE.findall(description)
    return found[-1] if found else None


# --------------------------------------------------------------------------- articles

_ARTICLE = re.compile(r"^(le|la|les|l')(?:\s+|(?<=')\s*)", re.IGNORECASE)
#: Nouns a device or PC name often starts with, and their definite article.
NOUN_ARTICLES: Final[Mapping[str, str]] = {
    "imprimante": "l'", "copieur": "le ", "photocopieur": "le ", "scanner": "le ", "numériseur": "le ",
    "multifonction": "la ", "borne": "la ", "poste": "le ", "ordinateur": "l'", "pc": "le ",
    "point": "le ", "routeur": "le ", "box": "la ",
}  # fmt: skip


def with_article(name: str, *, default: str = "l'appareil") -> str:
    """Return a place name that starts with its article (« le copieur… »).

    Names are written in configuration files as people say them, article included. A name
    without one gets the article of its first noun when it is a known one (« copieur de
    l'accueil » → « le copieur de l'accueil »), else « l'appareil » before it (an id).

    >>> with_article("imprimante de l'accueil")
    "l'imprimante de l'accueil"
    >>> with_article("La borne CAF")
    'la borne CAF'
    >>> with_article("hp-accueil")
    "l'appareil hp-accueil"
    """
    name = " ".join(name.split())
    if not name:
        return default
    if _ARTICLE.match(name):
        return name[0].lower() + name[1:]
    first = name.split(" ", 1)[0].lower()
    article = NOUN_ARTICLES.get(first)
    if article is not None:
        return article + name[0].lower() + name[1:]
    return f"{default} {name}"


def _contracted(name: str, masculine: str, plural: str, other: str) -> str:
    """Return a preposition and the name with its article, « le » and « les » contracted."""
    named = with_article(name)
    lower = named.lower()
    if lower.startswith("le "):
        return f"{masculine} {named[3:]}"
    if lower.startswith("les "):
        return f"{plural} {named[4:]}"
    return f"{other} {named}"


def of(name: str) -> str:
    """Return « de » + the name, contracted: « du copieur », « de la borne », « de l'imprimante »."""
    return _contracted(name, "du", "des", "de")


def to(name: str) -> str:
    """Return « à » + the name, contracted: « au copieur », « à la borne », « à l'imprimante »."""
    return _contracted(name, "au", "aux", "à")


#: Words a site's name often starts with, and their article (« l'ESC », « le centre social »).
PLACE_ARTICLES: Final[Mapping[str, str]] = {
    "esc": "l'", "espace": "l'", "evs": "l'", "centre": "le ", "csc": "le ", "maison": "la ", "mairie": "la ",
}  # fmt: skip


def at(place: str) -> str:
    """Return « à » + a site's name as people say it: « à l'ESC Maurepas », « au centre social », « à Rennes ».

    Unlike a device name, a site's name keeps its capitals (« ESC »); a name with no article
    and no known first word is a proper name (« à Maurepas »).

    >>> at("ESC Maurepas")
    "à l'ESC Maurepas"
    >>> at("Centre social Kléber")
    'au Centre social Kléber'
    >>> at("Maurepas")
    'à Maurepas'
    """
    name = " ".join(place.split())
    if _ARTICLE.match(name):
        return to(name)
    article = PLACE_ARTICLES.get(name.split(" ", 1)[0].lower())
    return to(article + name) if article else f"à {name}"


def capitalise(text: str) -> str:
    """Return the text with its first letter in upper case (« Le copieur… »)."""
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- templates

_FIELD = re.compile(r"\{(\w+)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")


def render(template: str, values: Mapping[str, str | None]) -> str:
    """Render a phrase template.

    ``{field}`` is replaced by its value; ``[segment]`` is dropped when a field inside it is
    empty; ``[first|otherwise]`` keeps the first alternative whose fields are all set.

    >>> render("Toner[ {colour}] vide", {"colour": "noir"})
    'Toner noir vide'
    >>> render("Toner[ {colour}] vide", {})
    'Toner vide'
    >>> render("dans [le {tray}|un bac]", {})
    'dans un bac'
    """

    def optional(match: re.Match[str]) -> str:
        for alternative in match.group(1).split("|"):
            if all(values.get(name) for name in _FIELD.findall(alternative)):
                return alternative
        return ""

    text = _OPTIONAL.sub(optional, template)
    return _FIELD.sub(lambda m: values.get(m.group(1)) or "", text)


def alternatives(template: str) -> list[tuple[str, list[str]]]:
    """Split a template into literal text and bracketed groups, for compilers to other languages.

    Returns ``(text, [])`` for literal parts and ``("", [alternative, ...])`` for each ``[...]``.
    """
    parts: list[tuple[str, list[str]]] = []
    position = 0
    for match in _OPTIONAL.finditer(template):
        if match.start() > position:
            parts.append((template[position : match.start()], []))
        parts.append(("", match.group(1).split("|")))
        position = match.end()
    if position < len(template):
        parts.append((template[position:], []))
    return parts


def fields(template: str) -> set[str]:
    """Return the placeholders a template uses."""
    return set(_FIELD.findall(template))


def split_fields(text: str) -> list[str]:
    """Split template text (no brackets) for compilers: literal text at even indexes, field names at odd ones.

    >>> split_fields("Toner {colour} vide")
    ['Toner ', 'colour', ' vide']
    """
    return _FIELD.split(text)
