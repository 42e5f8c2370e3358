"""Supplies at event time (collector/supplies.py): kept readings, cartridges, forecasts, the order notice once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec
import pytest

from agent.contract.messages import PrinterStatus, Supply
from collector import descriptions as d
from collector.forecast import DAY, Settings
from collector.history import History
from collector.sites import SitesFile
from collector.supplies import SupplyBook, SupplySettings, cartridge_forecast, site_clock

from helpers.periods import t

H = 3600.0
BLACK = "Black Cartridge HP CF410A"
SITES = msgspec.convert(
    {
        "sites": {
            "maurepas": {"name": "ESC Maurepas", "opening_hours": "24/7", "order_lead_days": 10},
            "kleber": {"name": "ESC Kléber", "opening_hours": "Mo-Fr 09:00-12:00", "order_lead_days": 10},
            "bourg": {"name": "ESC Bourg", "opening_hours": "24/7", "order_lead_days": 0},
        }
    },
    SitesFile,
)
SETTINGS = SupplySettings(forecast=Settings(min_span=1 * DAY))


def toner(
    level: float | None, *, description: str = BLACK, precision: str = "exact", state: str = "ok"
) -> Supply:
    return Supply(
        index="1.1", description=description, type="toner", supply_class="consumed", unit="percent", colour="black",
        raw_level=-3 if level is None else round(level), raw_max=100, percent=level, state=state,  # type: ignore[arg-type]
        marking=True, precision=precision,  # type: ignore[arg-type]
    )  # fmt: skip


def printer(level: float | None, pages: int, **kwargs: str) -> PrinterStatus:
    serial = kwargs.pop("serial", "CNB1234")
    return PrinterStatus(serial=serial, page_count=pages, supplies=(toner(level, **kwargs),))


@pytest.fixture
def history(tmp_path: Path):  # type: ignore[no-untyped-def]
    h = History(tmp_path / "history.sqlite3")
    yield h
    h.close()


def feed(book: SupplyBook, site: str, start: float, hours: int, level_at, pages_at) -> float:  # type: ignore[no-untyped-def]
    """Feed one reading every 10 minutes for ``hours``; return the instant after the last."""
    moment = start
    for step in range(hours * 6):
        moment = start + step * 600
        with book.history.batch():
            book.observe(site, "hp", printer(level_at(moment), pages_at(moment)), moment)
    return moment


def test_a_cartridge_is_forecast_ordered_once_and_the_next_one_again(history: History) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    start = t("2026-11-02 00:00")

    def level(ts: float) -> float:  # 2 points a day from 60, whole points as printers show them
        return float(round(60 - 2 * (ts - start) / DAY))

    def pages(ts: float) -> int:
        return int(5000 + 100 * (ts - start) / DAY)

    # Ten days: 60 → 40, 20 days left, more than the lead time: a forecast, no notice.
    end = feed(book, "maurepas", start, 240, level, pages)
    (state,) = book.supplies("maurepas", "hp")
    assert state.forecast is not None
    assert state.forecast.status == "ok"
    assert state.forecast.days_left(end) == pytest.approx(20, abs=0.6)
    assert state.cartridge.seq == 1
    assert state.cartridge.detected == "first"
    assert state.cartridge.order_at is None
    assert book.orders("maurepas", end) == []
    kept = history.supply_readings(("maurepas", "hp", "1.1"), 1)
    assert 240 <= len(kept) <= 262  # hourly (240), plus the few changes between two whole hours
    # Ten and a half more days: 10 days left: the notice goes out, with the days then.
    end = feed(book, "maurepas", end + 600, 252, level, pages)
    (state,) = book.supplies("maurepas", "hp")
    assert state.cartridge.order_at is not None
    assert state.cartridge.order_days == pytest.approx(10, abs=0.6)
    assert state.order_out(end)
    assert state.empty_in() in ("~10\u00a0jours", "~11\u00a0jours")
    at = state.cartridge.order_at
    assert state.cartridge.order_until == pytest.approx(at + 24 * H)  # open around the clock: a day at most
    # More days of the same cartridge: never again, and the notice ends after its day.
    end = feed(book, "maurepas", end + 600, 72, level, pages)
    (state,) = book.supplies("maurepas", "hp")
    assert state.cartridge.order_at == at
    assert not state.order_out(end)
    book.tick(end)
    assert book.supplies("maurepas", "hp")[0].cartridge.order_at == at
    # A new cartridge (a jump up): cartridge 2, the first one ended with its pages (its real yield).
    later = end + 3 * H
    new_start = later

    def fresh(ts: float) -> float:
        return float(round(100 - 10 * (ts - new_start) / DAY))  # a busy week: 10 points a day

    end = feed(book, "maurepas", later, 24 * 8, fresh, pages)
    first, second = history.cartridges("maurepas", device="hp")
    assert (first.seq, first.ended, second.seq, second.detected, second.started) == (
        1,
        later,
        2,
        "level",
        later,
    )
    assert first.pages == pytest.approx(pages(later) - 5000, abs=1)
    (state,) = book.supplies("maurepas", "hp")
    assert state.cartridge.seq == 2
    assert state.cartridge.order_at is not None  # 100 → 20 in 8 days: 2 days left, ordered
    assert state.cartridge.order_at > at
    # A collector restarted on the same history remembers: no second notice for cartridge 2.
    again = SupplyBook(history, SITES, settings=SETTINGS)
    with history.batch():
        again.observe("maurepas", "hp", printer(fresh(end + 600), pages(end + 600)), end + 600)
    assert again.supplies("maurepas", "hp")[0].cartridge.order_at == state.cartridge.order_at


def test_the_notice_waits_for_the_site_to_open(history: History) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    start = t("2026-11-02 00:00")  # a Monday; Kléber opens Monday–Friday 09:00–12:00
    calendar = book.calendars["kleber"]

    def level(ts: float) -> float:  # one point per open hour
        return float(round(90 - sum(e - s for s, e in calendar.open_intervals(start, ts)) / H))

    end = feed(book, "kleber", start, 24 * 4 + 12, level, lambda ts: 100)  # to Friday noon: 15 points used
    (state,) = book.supplies("kleber", "hp")
    assert state.forecast is not None
    assert state.forecast.ok
    clock = book._clock("kleber", end)
    assert state.forecast.empty_at is not None
    left = clock.to_open(state.forecast.empty_at) - clock.to_open(end)
    assert left / H == pytest.approx(75, abs=1.5)  # 75 points left: 75 open hours, 25 open days, 5 weeks
    assert state.cartridge.order_at is None
    # The site's lead time is such that the cartridge is due on Saturday, while the site is closed.
    saturday = t("2026-11-07 10:00")
    lead = int(state.forecast.days_left(saturday) or 0) + 1
    book.sites = msgspec.structs.replace(
        SITES,
        sites={**SITES.sites, "kleber": msgspec.structs.replace(SITES.sites["kleber"], order_lead_days=lead)},
    )
    book.tick(saturday)
    assert book.supplies("kleber", "hp")[0].cartridge.order_at is None
    # Monday 11:55: five minutes before closing, too late for a notice people would get in time.
    book.tick(t("2026-11-09 11:55"))
    assert book.supplies("kleber", "hp")[0].cartridge.order_at is None
    # Tuesday at opening: out until noon.
    book.tick(t("2026-11-10 09:00"))
    (state,) = book.supplies("kleber", "hp")
    assert state.cartridge.order_at == t("2026-11-10 09:00")
    assert state.cartridge.order_until == t("2026-11-10 12:00")
    assert state.order_out(t("2026-11-10 11:59"))
    assert not state.order_out(t("2026-11-10 12:00"))


def test_a_site_without_lead_time_gets_no_notice(history: History) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    start = t("2026-11-02 00:00")
    end = feed(book, "bourg", start, 72, lambda ts: float(round(10 - 3 * (ts - start) / DAY)), lambda ts: 1)
    assert book.supplies("bourg", "hp")[0].forecast.ok  # type: ignore[union-attr]
    book.tick(end)
    assert book.orders("bourg", end) == []


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        ({"level": 20.0}, {"level": 20.0, "description": "Black Cartridge HP CF410X"}, "description"),
        ({"level": 20.0}, {"level": 20.0, "serial": "OTHER99"}, "printer"),
        ({"level": 30.0}, {"level": 98.0}, "level"),
        ({"level": None, "state": "empty", "precision": "presence"},
         {"level": None, "state": "some_remaining", "precision": "presence"}, "refill"),
    ],
)  # fmt: skip
def test_cartridge_changes_and_why(
    history: History, before: dict[str, object], after: dict[str, object], why: str
) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    moment = t("2026-11-02 10:00")
    with history.batch():
        book.observe("maurepas", "hp", printer(pages=100, **before), moment)  # type: ignore[arg-type]
        book.observe("maurepas", "hp", printer(pages=130, **after), moment + 600)  # type: ignore[arg-type]
    first, second = history.cartridges("maurepas", device="hp")
    assert (first.ended, first.end_pages, first.pages) == (moment + 600, 130, 30)
    assert (second.detected, second.seq, second.start_pages) == (why, 2, 130)


def test_no_change_on_a_small_bounce_or_a_late_reading(history: History) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    moment = t("2026-11-02 10:00")
    with history.batch():
        book.observe("maurepas", "hp", printer(40.0, 100), moment)
        book.observe("maurepas", "hp", printer(43.0, 110), moment + 600)  # a recalibration
        book.observe("maurepas", "hp", printer(100.0, 90), moment - 600)  # replayed late: ignored
    assert [c.seq for c in history.cartridges("maurepas")] == [1]


def test_the_exported_series(history: History) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    start = t("2026-11-02 00:00")
    end = feed(
        book, "maurepas", start, 24 * 8, lambda ts: float(round(40 - 3 * (ts - start) / DAY)), lambda ts: 1
    )
    (state,) = book.supplies("maurepas", "hp")
    view = d.DeviceView("maurepas", "hp", "l'imprimante de l'accueil", 1, end, None, (state.view(end),))
    (days,) = d.SUPPLY_DAYS_LEFT.values(view)
    assert days[0] == ("1.1", "toner", "black", "consumed", "toner", "1", "level", "exact")
    assert days[1] == pytest.approx(16 / 3, abs=0.4)
    assert list(d.SUPPLY_ORDER.values(view)) == []  # its notice went out days ago, for a day
    at = state.cartridge.order_at
    assert at is not None
    view = d.DeviceView("maurepas", "hp", "l'imprimante de l'accueil", 1, end, None, (state.view(at + H),))
    (order,) = d.SUPPLY_ORDER.values(view)
    assert order[0] == ("1.1", "black", "CF410A", "1", "~10\u00a0jours")
    assert order[1] == pytest.approx(10, abs=0.6)


def test_an_older_history_file_gains_the_new_tables(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE transitions (id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, kind TEXT NOT NULL,"
        " member TEXT NOT NULL, ts REAL NOT NULL, state TEXT NOT NULL, reasons TEXT NOT NULL DEFAULT '[]',"
        " function TEXT NOT NULL DEFAULT '');"
        "INSERT INTO transitions(site, kind, member, ts, state) VALUES ('maurepas', 'device', 'hp', 1.0, 'ok');"
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '2');"
    )
    db.commit()
    db.close()
    history = History(path)
    assert history.count() == 1
    assert history.get_meta("schema_version") == "4"
    assert history.current_cartridges() == {}
    history.record_counter("maurepas", "device", "hp", "pages", 5.0, 10.0)
    assert history.last_counters()[("maurepas", "device", "hp", "pages")] == (5.0, 10.0, "")
    history.close()


def test_prune_keeps_the_current_cartridges(history: History) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    moment = t("2026-01-05 10:00")
    with history.batch():
        book.observe("maurepas", "hp", printer(30.0, 100), moment)
        book.observe("maurepas", "hp", printer(99.0, 200), moment + DAY)
        book.observe("maurepas", "hp", printer(98.0, 210), moment + 400 * DAY)
    history.prune(moment + 300 * DAY)
    assert [c.seq for c in history.cartridges("maurepas")] == [2]  # the replaced one is old history
    assert len(history.supply_readings(("maurepas", "hp", "1.1"), 2)) == 1


def _counting_readings(history: History, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Count the history reads of a cartridge's readings (one per forecast computed)."""
    calls: list[object] = []
    read = history.supply_readings

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return read(*args, **kwargs)

    monkeypatch.setattr(history, "supply_readings", counted)
    return calls


@pytest.mark.parametrize("read", ["supplies", "tick"])
def test_a_forecast_no_notice_waits_for_is_computed_once_when_read(
    history: History, monkeypatch: pytest.MonkeyPatch, read: str
) -> None:
    # bourg has no lead time: no order notice depends on the forecast at the reading's instant.
    book = SupplyBook(history, SITES, settings=SETTINGS)
    calls = _counting_readings(history, monkeypatch)
    start = t("2026-11-02 00:00")
    end = feed(book, "bourg", start, 72, lambda ts: float(round(60 - 3 * (ts - start) / DAY)), lambda ts: 1)
    assert calls == []  # 72 hours of readings, nothing forecast on the ingestion path
    if read == "tick":
        book.tick(end)
        assert len(calls) == 1
    (state,) = book.supplies("bourg", "hp")
    (again,) = book.supplies("bourg", "hp")
    assert len(calls) == 1  # once, for the last kept reading
    assert again.forecast is state.forecast
    # The very forecast its readings give (the book's clock is the site's around the last reading).
    expected = cartridge_forecast(history, state.cartridge, state.precision,
                                  clock=site_clock(book.calendars["bourg"], end), settings=SETTINGS.forecast)  # fmt: skip
    assert state.forecast is not None
    assert (state.forecast.status, state.forecast.basis, state.forecast.as_of) == (
        "ok",
        "level",
        expected.as_of,
    )
    assert state.forecast.empty_at == pytest.approx(expected.empty_at, abs=1.0)
    # A new reading kept makes it due again, and the next read computes it from that reading on.
    calls.clear()
    with history.batch():
        book.observe("bourg", "hp", printer(30.0, 1), end + 2 * H)
    (later,) = book.supplies("bourg", "hp")
    assert len(calls) == 1
    assert later.forecast is not None
    assert later.forecast.as_of == end + 2 * H


def test_a_toner_awaiting_its_notice_is_forecast_at_each_kept_reading(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    calls = _counting_readings(history, monkeypatch)
    start = t("2026-11-02 00:00")
    feed(book, "maurepas", start, 24, lambda ts: float(round(90 - 3 * (ts - start) / DAY)), lambda ts: 1)
    forecasts = len(calls)
    kept = len(history.supply_readings(("maurepas", "hp", "1.1"), 1))
    assert forecasts == kept > 20  # the notice is decided at each reading's own instant


def test_a_toner_is_forecast_for_its_notice_only_while_the_site_is_open(
    history: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = SupplyBook(history, SITES, settings=SETTINGS)
    calls = _counting_readings(history, monkeypatch)
    saturday = t("2026-11-07 00:00")  # Kléber is closed from Friday noon to Monday 09:00
    feed(book, "kleber", saturday, 48, lambda ts: 50.0 - (ts - saturday) / DAY, lambda ts: 100)
    assert calls == []  # a weekend of readings: no notice could go out, nothing forecast
    with history.batch():
        book.observe("kleber", "hp", printer(47.5, 100), t("2026-11-09 09:10"))  # Monday, open
    assert len(calls) == 1
    (state,) = book.supplies("kleber", "hp")
    assert len(calls) == 1
    assert state.forecast is not None
    assert state.forecast.as_of == t("2026-11-09 09:10")


def test_supplies_are_found_by_site_and_device(history: History) -> None:
    """A reader gets one device's supplies, or one site's, in table order, never another's."""
    book = SupplyBook(history, SITES, settings=SETTINGS)
    at = t("2026-11-02 10:00")
    two = PrinterStatus(serial="S2", page_count=5, supplies=(
        msgspec.structs.replace(toner(50.0), index="1.2", colour="cyan"), toner(40.0),
    ))  # fmt: skip
    with history.batch():
        book.observe("maurepas", "hp", two, at)
        book.observe("maurepas", "canon", printer(70.0, 9), at)
        book.observe("kleber", "hp", printer(30.0, 3), at)
    assert [(s.device, s.index) for s in book.supplies("maurepas", "hp")] == [("hp", "1.1"), ("hp", "1.2")]
    assert [(s.device, s.index) for s in book.supplies("maurepas")] == [
        ("canon", "1.1"), ("hp", "1.1"), ("hp", "1.2"),
    ]  # fmt: skip
    assert [(s.site, s.level) for s in book.supplies("kleber", "hp")] == [("kleber", 30.0)]
    assert book.supplies("kleber", "canon") == []
    assert book.supplies("bourg") == []
    with history.batch():
        book.observe("maurepas", "hp", two, at + 600)  # a second reading adds no second entry
    assert len(book.supplies("maurepas", "hp")) == 2
