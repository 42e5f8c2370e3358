"""Surviving mutants judged equivalent: no input can tell them from the original (each with why).

They are listed in the score apart and not counted. Keys are mutmut's mutant names (function
bodies) or the AST mutator's ids (tables), as the script prints them. mutmut numbers mutants in
the order it generates them inside a function: after a change to a function, check its entries
again against ``mutants/after/<module>/survivors-bodies.txt``.
"""

from __future__ import annotations

_EMPTY_SPAN = "an empty span [x, x) measures 0 either way"

#: mutmut mutant name -> why it cannot change behaviour.
BODIES: dict[str, str] = {
    # collector/intervals.py
    "collector.intervals.x_intersect__mutmut_23": (
        "equal ends: advancing a instead of b; the next piece of a starts after that end (merged input), "
        "so it overlaps nothing of b[j] and b advances next: same pieces"
    ),
    "collector.intervals.x_subtract__mutmut_4": (
        "a removed span ending exactly at the cursor is not skipped, but it appends nothing "
        "(it starts before the cursor) and leaves the cursor where it is"
    ),
    "collector.intervals.x_subtract__mutmut_5": (
        "a removed span starting exactly at the end appends (cursor, end) and breaks, "
        "which is the piece the loop would append after skipping it"
    ),
    "collector.intervals.x_subtract__mutmut_14": (
        "not breaking when the cursor reaches the end: every later removed span starts at or after "
        "the end and is skipped, and (cursor, end) is not appended since cursor == end"
    ),
    "collector.intervals.xǁMeasureǁbetween__mutmut_6": _EMPTY_SPAN,
    **dict.fromkeys(
        [
            "collector.intervals.xǁMeasureǁbetween_array__mutmut_57",
            "collector.intervals.xǁMeasureǁeach_between__mutmut_56",
        ],
        _EMPTY_SPAN + " (until(b) - until(a) with a == b is 0.0)",
    ),
    **dict.fromkeys(
        [
            f"collector.intervals.xǁMeasureǁ{f}__mutmut_{n}"
            for f in ("between_array", "each_between")
            for n in (3, 5, 7, 9)
        ],
        "the spans' dtype inferred instead of float: epoch seconds given as integers make integer arrays, "
        "and every result goes through a float (before, np.where(…, 0.0)), exactly (below 2**53)",
    ),
    "collector.intervals.xǁMeasureǁbetween_array__mutmut_24": (
        "searchsorted left instead of right: at a moment equal to an interval's start, right counts that "
        "interval with 0 s inside, left counts the previous one in full: before[i] against "
        "before[i-1] + its length, the same sum rounded in another order (between_array promises no bits; "
        "each_between does, and its side is pinned)"
    ),
}

BODIES.update(
    {
        # collector/availability.py (the columnar engine of commit dc03c7a)
        **dict.fromkeys(
            [f"collector.availability.x_service_state__mutmut_{n}" for n in (9, 10, 11)],
            "present is only compared with 0: = 1, -= 1 and += 2 are non-zero exactly when += 1 is",
        ),
        **dict.fromkeys(
            [f"collector.availability.x_is_external__mutmut_{n}" for n in (6, 9)],
            "split(':') and split(':', 2) have the same first element as split(':', 1)",
        ),
        "collector.availability.x_with_needs__mutmut_11": (
            ">= own[0].ts instead of >: own[0].ts is already a point (the set is a union)"
        ),
        "collector.availability.x_with_needs__mutmut_22": (
            "break instead of continue: every point is at or after own[0].ts, so the member's own "
            "state is never missing and the branch never runs"
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x__down_causes__mutmut_4",
                    "x__down_causes__mutmut_7",
                    "x__no_segments__mutmut_3",
                    "x__no_segments__mutmut_5",
                    "x__outages__mutmut_94",
                    "x__outages__mutmut_96",
                    "x__owner_spans__mutmut_60",
                    "x__owner_spans__mutmut_62",
                    "x__owner_spans__mutmut_65",
                    "x__owner_spans__mutmut_67",
                    "x__owner_spans__mutmut_70",
                    "x__owner_spans__mutmut_72",
                    "x__run_sums__mutmut_42",
                    "x__run_sums__mutmut_44",
                    "x__run_sums__mutmut_53",
                    "x_member_segment_columns_many__mutmut_20",
                    "x_member_segment_columns_many__mutmut_22",
                    "x_observed_track__mutmut_11",
                    "x_observed_track__mutmut_13",
                    "x_observed_track__mutmut_23",
                    "x_observed_track__mutmut_25",
                    "x_observed_track__mutmut_42",
                    "x_observed_track__mutmut_44",
                    "x_observed_track__mutmut_79",
                    "x_observed_track__mutmut_82",
                    "x_observed_track__mutmut_121",
                    "x_observed_track__mutmut_124",
                    "x_relabel__mutmut_10",
                    "x_relabel__mutmut_12",
                    "xǁLabelsǁcolumns__mutmut_10",
                    "xǁLabelsǁcolumns__mutmut_12",
                    "xǁLabelsǁcolumns__mutmut_14",
                    "xǁLabelsǁcolumns__mutmut_16",
                    "xǁLabelsǁcolumns__mutmut_18",
                    "xǁLabelsǁcolumns__mutmut_20",
                    "x_service_segment_columns__mutmut_88",
                    "x_service_segment_columns__mutmut_186",
                    "x_service_segment_columns__mutmut_188",
                    "x_figures_of_many__mutmut_229",
                    "x_figures_of_many__mutmut_232",
                    "x__outages__mutmut_23",
                    "x__outages__mutmut_25",
                    "x__owner_spans__mutmut_24",
                    "x__owner_spans__mutmut_26",
                )
            ],
            "a dtype numpy infers instead of the one written: the values are already of that type "
            "(a list of ints is int64, of floats float64, np.zeros float64, astype(None) float64), or "
            "mixed into a float64 array, or only compared or read through flatnonzero (0/1 floats as "
            "flags, int64 counts and codes instead of int8): the same numbers and the same choices",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x__outages__mutmut_60",
                    "x__outages__mutmut_67",
                    "x__outages__mutmut_68",
                    "x__outages__mutmut_74",
                    "x__outages__mutmut_78",
                    "x__outages__mutmut_79",
                    "x__outages__mutmut_119",
                    "x__outages__mutmut_122",
                    "x__outages__mutmut_123",
                    "x__owner_spans__mutmut_52",
                    "x__owner_spans__mutmut_55",
                    "x__owner_spans__mutmut_58",
                    "x_figures_of_many__mutmut_48",
                    "x_figures_of_many__mutmut_51",
                    "x_figures_of_many__mutmut_52",
                    "x_figures_of_many__mutmut_81",
                    "x_figures_of_many__mutmut_84",
                    "x_figures_of_many__mutmut_93",
                    "x_segment_list__mutmut_17",
                    "x_segment_list__mutmut_23",
                    "x_segment_list__mutmut_24",
                    "x_timeline_of__mutmut_5",
                    "x_timeline_of__mutmut_8",
                    "x_timeline_of__mutmut_9",
                )
            ],
            "zip without strict=True: the sequences zipped are columns of one table (equal lengths by "
            "construction), so strict never has anything to refuse",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x__keyed_sums__mutmut_7",
                    "x_service_segment_columns__mutmut_20",
                    "x_service_segment_columns__mutmut_56",
                    "x_observed_track__mutmut_30",
                    "x_observed_track__mutmut_33",
                    "x_observed_track__mutmut_35",
                    "x_relabel__mutmut_21",
                    "x_relabel__mutmut_23",
                )
            ],
            "numpy reads these the same (numpy 2.4): sort kinds without case ('STABLE' is 'stable'), "
            "any negative reshape dimension as the unknown one, reshape(None) as the same shape (and "
            "a boolean mask flattens in the same order)",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x__down_causes__mutmut_46",
                    "x__down_causes__mutmut_47",
                    "x__down_causes__mutmut_49",
                    "x__down_causes__mutmut_50",
                    "xǁLabelsǁonce__mutmut_1",
                    "xǁLabelsǁonce__mutmut_2",
                )
            ],
            "a memo bypassed, or emptied at another size: it only saves work; what it would return is "
            "computed again from the same (deterministic) function",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x__run_sums__mutmut_14",
                    "x__run_sums__mutmut_15",
                    "x__run_sums__mutmut_16",
                    "x__run_sums__mutmut_17",
                    "x__run_sums__mutmut_18",
                    "x__run_sums__mutmut_19",
                    "x__run_sums__mutmut_20",
                    "x__run_sums__mutmut_21",
                    "x__run_sums__mutmut_73",
                    "x__owner_spans__mutmut_10",
                    "x__owner_spans__mutmut_11",
                    "x__owner_spans__mutmut_14",
                    "x__owner_spans__mutmut_18",
                )
            ],
            "a fast path taken less (or more) often where both paths give the same result: every way of "
            "summing a run adds left to right (same bits); merge() gives ordered segments the spans the "
            "shortcut gives",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in ("x__run_sums__mutmut_54", "x__run_sums__mutmut_56", "x__run_sums__mutmut_57")
            ],
            "astype without copy=True: values[starts] (fancy indexing) is already a new array",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x_service_segment_columns__mutmut_5",
                    "x_service_segment_columns__mutmut_6",
                    "x_service_segment_columns__mutmut_9",
                    "x_service_segment_columns__mutmut_11",
                )
            ],
            "a member track sorted when it is already in order (a stable sort changes nothing), or "
            "one change alone judged in order: the same track",
        ),
        **dict.fromkeys(
            [f"collector.availability.x_service_segment_columns__mutmut_{n}" for n in (52, 54)],
            "the members' changes merged with an unstable sort: the counts are read after every change "
            "at an instant, and each change carries its own before and after (per member), so the order "
            "of simultaneous changes does not matter",
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x_service_segment_columns__mutmut_64",
                    "x_observed_track__mutmut_15",
                    "x_observed_track__mutmut_38",
                    "x_observed_track__mutmut_45",
                )
            ],
            ">= start instead of > start when collecting instants: start is already one (np.unique)",
        ),
        "collector.availability.x_service_segment_columns__mutmut_97": (
            "with no change at all, nothing is known: np.where(known, …) picks 0 whatever the other value"
        ),
        **dict.fromkeys(
            [
                f"collector.availability.x_service_segment_columns__mutmut_{n}"
                for n in (164, 170, 173, 180, 181, 183)
            ],
            "another mark for up or unknown segments, or another encoding of (causes, external): the "
            "marks only need to tell consecutive segments apart; up (-1) and unknown (-2) stay apart "
            "from each other and from down marks, and 3c+e, 2c-e stay one-to-one (an external segment "
            "always has causes, so c > 0 there)",
        ),
        "collector.availability.x__owner_spans__mutmut_2": (
            "empty segments kept: they add empty spans (0 s of open time, nothing in maintenance), or "
            "send the owner through merge(), which drops them"
        ),
        **dict.fromkeys(
            [f"collector.availability.x__then_added__mutmut_{n}" for n in (13, 14)],
            "the owner's total ranked +1 or -2 instead of -1: at -2 it still comes first; at +1 it ties "
            "with the amount of rank 1 (the stable lexsort keeps the total first) and follows only the "
            "amount of rank 0, and the first two terms of a sum commute exactly",
        ),
        "collector.availability.x_member_segment_columns_many__mutmut_33": (
            "an empty track's last index is the previous track's last (or the very last one), which "
            "is already set to the end"
        ),
        "collector.availability.x_relabel__mutmut_20": (
            "mapping an empty track: the mapped labels of nothing are an empty int64 array, as the "
            "track's own"
        ),
        **dict.fromkeys(
            [f"collector.availability.x__down_causes__mutmut_{n}" for n in (10, 13, 39)],
            "the 'since' of members never known is only read for down members, which are known; a "
            "single down member sorted or not is the same list",
        ),
        "collector.availability.x__outages__mutmut_14": (
            "every outage of several segments marked mixed: the long way (distinct cause lists in "
            "order, each cause once) gives one list's causes once, as once() does"
        ),
        "collector.availability.x__outages__mutmut_47": (
            "ids compared with the first instead of the previous: both keep the first occurrence of "
            "every cause list, which is all dict.fromkeys reads"
        ),
        **dict.fromkeys(
            [
                f"collector.availability.{name}"
                for name in (
                    "x_segment_columns__mutmut_39",
                    "x_segment_columns__mutmut_41",
                    "xǁLabelsǁlabel_of__mutmut_8",
                    "xǁLabelsǁlabel_of__mutmut_10",
                    "xǁLabelsǁlabel_of__mutmut_13",
                    "xǁLabelsǁlabel_of__mutmut_15",
                )
            ],
            "tuple(x) of what is already a tuple: the same tuple",
        ),
        "collector.availability.xǁLabelsǁ__init____mutmut_14": (
            "_columns set to '' first: the two label() calls that follow reset it to None"
        ),
        "collector.availability.xǁLabelsǁcolumns__mutmut_3": (
            "label() resets the columns whenever the table grows, so a length check never finds stale "
            "ones; with == they are rebuilt from the same lists"
        ),
        "collector.availability.xǁLabelsǁlabel__mutmut_34": (
            "external_first on a label without an external cause (it would be externally down "
            "otherwise) leaves its causes in their order"
        ),
    }
)

BODIES.update(
    dict.fromkeys(
        [f"agent.contract.reasons.x_causes_of__mutmut_{n}" for n in (9, 10)],
        "the second list then repeats the down rows after the others, but dict.fromkeys keeps each "
        "cause at its first place: same tuple",
    )
)

BODIES.update(
    {
        # agent/printers/state.py
        **dict.fromkeys(
            [f"agent.printers.state.x__supply_details__mutmut_{n}" for n in (5, 6)],
            "the reference is a field of the actions only; no reason title uses {reference}, and the "
            "agent renders titles only",
        ),
        "agent.printers.state.x_printer_reasons__mutmut_49": (
            "codes.add(None): no two error bits map to one reason code, and nothing after the loop "
            "looks for a bit's code"
        ),
        **dict.fromkeys(
            [f"agent.printers.state.x_printer_reasons__mutmut_{n}" for n in (54, 55)],
            "no alert, supply, tray or bit rule produces device_error before this line, so the test "
            "'device_error not in codes' is always true",
        ),
        "agent.printers.state.x_scanner_reasons__mutmut_15": (
            "an absent ADF state as 'XXXX' instead of '': neither contains 'Jam' nor is a cover state"
        ),
        "agent.printers.state.x__worst__mutmut_4": (
            ">= instead of >: a state of the same rank is the same state (the ranks are distinct)"
        ),
    }
)

BODIES.update(
    {
        # agent/contract/messages.py
        "agent.contract.messages.x__version_of__mutmut_4": (
            "_version_of runs only for a validation error other than a top-level 'Expected `object`': "
            "the payload is then a JSON object, so isinstance(raw, dict) always holds"
        ),
        **dict.fromkeys(
            [f"agent.contract.messages.x_check_ident__mutmut_{n}" for n in (4, 5, 7, 8)],
            "the length only chooses whether the answer is cached (strings up to 64 characters, to bound "
            "the cache's memory) or judged again: both branches match the same pattern",
        ),
        "agent.contract.messages.x_decode__mutmut_14": (
            "'or' instead of 'and' in the fast pre-check: more payloads take the slow path "
            "(decode, strip, convert), which returns the same message when there is nothing to strip"
        ),
        "agent.contract.messages.x_decode__mutmut_56": (
            "msgspec's JSON syntax errors (and RecursionError's message) are far shorter than 300 characters"
        ),
        **dict.fromkeys(
            [f"agent.contract.messages.x_decode__mutmut_{n}" for n in (76, 77, 78, 79, 80, 81)],
            "defensive branch: since the patterns refuse a final newline, every identifier msgspec "
            "accepts passes check_ident (the same pattern), so topic_of() cannot raise here",
        ),
        **dict.fromkeys(
            [f"agent.contract.messages.x_decode__mutmut_{n}" for n in (58, 59, 60, 61)],
            "defensive branch: timestamp() of an aware datetime msgspec decodes (years 1-9999, offsets "
            "under 24 h) never raises (tried at both ends), so the INVALID_TIME of this except never happens",
        ),
    }
)

BODIES.update(
    {
        # agent/printers/parse.py
        **dict.fromkeys(
            [
                "agent.printers.parse.x_clean_text__mutmut_4",
                "agent.printers.parse.x_clean_text__mutmut_8",
                "agent.printers.parse.x__decode_hex__mutmut_24",
            ],
            "codec names are case-insensitive: 'UTF-8', 'LATIN-1', 'ASCII' are the same codecs",
        ),
        "agent.printers.parse.x__supply_state__mutmut_1": (
            "the default of almost_empty is never used: the one caller always passes it"
        ),
        **dict.fromkeys(
            [f"agent.printers.parse.x__three_staged__mutmut_{n}" for n in (8, 9)],
            "leaving level 0 out of the steps check: 0 is a step and not 1 or 10, so it changes neither "
            "the subset test nor the 1-or-10 test (all zeros: False either way)",
        ),
        "agent.printers.parse.x__supplies__mutmut_251": (
            "percent already has one decimal: 100 - percent rounded to 2 or to 1 decimal is the same float"
        ),
        "agent.printers.parse.x__colour__mutmut_9": "colorant 0 is already caught by 'not colorant'",
        "agent.printers.parse.x__alerts__mutmut_76": (
            "an absent severity looked up as 2 instead of 1: RFC 3805 has no severity 2, so the lookup "
            "falls back on 'other', the name of 1"
        ),
        "agent.printers.parse.x__alerts__mutmut_84": (
            "an absent group looked up as 2 instead of 1: RFC 3805 has no group 2, so the lookup falls "
            "back on 'other', the name of 1"
        ),
        **dict.fromkeys(
            [
                "agent.printers.parse.x__inputs__mutmut_56",
                "agent.printers.parse.x__scanner_units__mutmut_27",
                "agent.printers.parse.x_parse_printer__mutmut_174",
                "agent.printers.parse.x_parse_printer__mutmut_178",
            ],
            "looking up a code of None instead of skipping the lookup: no table has a None key, so "
            "the lookup gives the same fallback (None, or 'unknown')",
        ),
        **dict.fromkeys(
            [
                "agent.printers.parse.x_parse_printer__mutmut_117",
                "agent.printers.parse.x_parse_printer__mutmut_131",
            ],
            "the first PrinterStatus's problems (None, or the default ()) are replaced on the next "
            "line by the reader's problems; msgspec does not validate at construction",
        ),
        **dict.fromkeys(
            [f"agent.printers.parse.x__colour__mutmut_{n}" for n in (15, 18)],
            "split('.') and split('.', maxsplit=2) have the same first element as maxsplit=1",
        ),
    }
)

#: module path -> {table mutant id -> why it cannot change behaviour}.
TABLES: dict[str, dict[str, str]] = {
    "collector/availability.py": dict.fromkeys(
        ["_SHORT_RUN: 16 +1", "_SHORT_RUN: 16 -1"],
        "a speed threshold between two ways of summing an outage's values; every way adds them left to "
        "right (a loop, or numpy's cumsum along the row), so 15 or 17 give the same bits",
    ),
    "agent/printers/parse.py": {
        "_SENTINELS: drop [-2]": (
            "a level of -2 (unknown) without its entry falls through to the 'no percentage' branch of "
            "supplies, receptacles and trays, which says 'unknown' too"
        ),
    },
    "agent/printers/mib.py": {
        "SUPPLY_UNITS: drop [2]": (
            "the one reader looks units up with the default 'unknown', the value of the entry dropped"
        ),
        "ALERT_SEVERITIES: drop [1]": (
            "the one reader looks severities up with the default 'other', the value of the entry dropped"
        ),
        "ALERT_GROUPS: drop [1]": (
            "the one reader looks groups up with the default 'other', the value of the entry dropped"
        ),
    },
    "agent/printers/state.py": {
        "_ORDER: ['ok'] 0 +1": "only 'ok' (the start), 'degraded' and 'down' (Reason.severity) are ranked: still 1 < 2 < 3",
        "_ORDER: drop ['unknown']": "_worst ranks reason severities, never 'unknown' (Reason.severity is down or degraded)",
        "_ORDER: ['unknown'] 1 +1": "_worst ranks reason severities, never 'unknown' (Reason.severity is down or degraded)",
        "_ORDER: ['down'] 3 +1": "'down' stays the highest rank: the same order",
    },
}
