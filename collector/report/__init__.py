"""Coordinator reports: availability during opening hours, per period, with outages, causes and the period before.

``esc-collector report --from 2026-11-01 --to 2026-11-30 --format html|pdf|csv|json --out FILE``.
:mod:`collector.report.build` computes everything (the period and the previous one, with the same
engine); :mod:`collector.report.render` writes it; :mod:`collector.report.wording` holds its French.

**The previous period** is the same number of calendar months before when the period is whole
months (November → October, a quarter → the quarter before), else the same number of days just
before. Each figure of the report has the previous period's beside it.

**HTML and PDF** (for people, in French): first one sentence per site to paste as it is
(« En novembre 2026, à l'ESC Maurepas, l'impression a été disponible 99,2 % du temps
d'ouverture (octobre : 97,5 %) ; objectif de 98 % atteint. »), how to read the report (the
target of each site, ``target`` in ``sites.toml``, and the colours that follow it), the socle
table, then per site its services, a timeline with real dates, its interruptions and its devices
and PCs by name, each over its own life, with arrivals and departures; then its usage (pages
printed per printer, sessions opened per PC, each beside the previous period's) and its
consumables (those replaced in the period with what the one before them printed against its
nominal yield, the order notices given, each toner's level and forecast at the period's end:
:mod:`collector.report.maintenance`). The page is one template
per section (``templates/sections/``, listed in ``render.REPORT_SECTIONS`` and
``render.SITE_SECTIONS``). The PDF is the same HTML through WeasyPrint; table rows never split.

**CSV** (for French Excel): UTF-8 with a BOM, ``;`` between fields, CRLF line ends, decimal comma,
French headers. One row per site and service (``niveau`` = ``service``) followed by one row per
device (``appareil``) or PC (``poste``) of that service that existed during the period. Columns:

* ``période``, ``ESC``, ``niveau``, ``service``, ``appareil ou poste`` (its name, article
  included), ``règle`` (« au moins 1 des 3 imprimantes »), ``objectif (%)``;
* durations in decimal hours: ``temps d'ouverture (h)``, ``temps mesuré (h)``, ``disponible (h)``,
  ``indisponible (h)``, ``non mesuré (h)``, ``maintenance programmée (h)``;
* ``disponibilité (%)`` and ``disponibilité, période précédente (%)``: a number of percent
  (« 99,643 »), or the words « sans objet » (no open time) or « non mesuré » (nobody observed);
  empty in the previous column for a member that did not exist then;
* ``non mesuré (% du temps d'ouverture)``, ``interruptions``, ``interruptions, période
  précédente``, ``durée des interruptions (h)``, ``la plus longue (h)``, ``délai moyen de
  rétablissement (h)``, ``coupures brèves ignorées``, ``causes principales`` (French labels);
* ``arrivée le``, ``départ le`` (« 16/11/2026 00:00 », the site's time) for a member whose
  ``since``/``until`` falls in the period;
* ``identifiant ESC``, ``identifiant service``, ``identifiant appareil ou poste``: the ids of
  ``sites.toml``, to join with the JSON;
* usage, last: ``pages imprimées`` and ``pages imprimées, période précédente`` on the rows of the
  ``impression`` service (a printer, or the service's printers together), ``sessions ouvertes``
  and ``sessions ouvertes, période précédente`` on the rows of ``postes`` (a whole number, or
  « non mesuré »), ``consommables remplacés`` on the rows of ``impression``.

**JSON** (for machines): English keys, durations in seconds, ratios from 0 to 1 (``null`` when
there is none: no open time or nothing measured), instants as epoch seconds (``*_ts``, ``at``,
``added``, ``retired``) plus local « DD/MM/YYYY HH:MM » strings for outages. Top level: ``from``,
``to``, ``previous_from``, ``previous_to`` (ISO dates), ``generated`` (ISO, UTC),
``blip_seconds``, ``sites``. Each site: ``site``, ``name``, ``timezone``, ``target``,
``open_seconds``, ``previous_open_seconds``, ``changes`` (``kind``, ``member``, ``name``,
``change``: ``added``/``retired``, ``at``), ``maintenance`` and ``services``. ``maintenance``:
``pages``, ``previous_pages``, ``sessions``, ``previous_sessions`` (``null``: not counted),
``members`` (``kind``, ``member``, ``name``, ``count``, ``previous``), ``replacements``
(``device``, ``name``, ``supply``, ``at``, ``detected``, ``replaced_pages``,
``replaced_nominal_pages``, ``replaced_days``), ``orders`` (``device``, ``name``, ``supply``,
``at``, ``days_left``) and ``supplies`` (``device``, ``name``, ``supply``, ``role``, ``level``,
``as_of``, ``status``, ``basis``, ``precision``, ``empty_at``, ``days_left``, ``order_at``). Each service: ``service``, ``label``,
``min_usable``, ``members`` (the count the rule uses), its figures, ``previous`` (the same
figures over the previous period) and ``devices`` (every member, PCs included: ``kind``,
``member``, ``name``, ``added``, ``retired``, figures, ``previous`` or ``null`` when it did not
exist then). Figures: ``open_seconds``, ``measured_seconds``, ``up_seconds``, ``down_seconds``,
``unknown_seconds``, ``maintenance_seconds``, ``availability``, ``unknown_ratio``,
``outage_seconds``, ``longest_outage_seconds``, ``mttr_seconds``, ``blips``, ``blip_seconds``,
``causes`` (``cause``, ``label``, ``seconds``, ``outages``) and ``outages`` (``start``, ``end``,
``start_ts``, ``end_ts``, ``open_seconds``, ``causes``, ``ongoing``).
"""
