"""The panel's result: from submitted score sheets to a ranked, explainable,
reproducible recommendation.

Pure Python on plain data (no Flask, no SQLAlchemy). Replaying the same
inputs gives the same result, to the bit, and `inputs_hash()` recomputes
the hash a result carries.

In the application, ``awards_app.services.recommendations`` reads the
cycle's criteria and its *submitted* sheets, leaving out the sheet of any
judge with a confirmed conflict on that nomination (so this package takes
no exclusion filter), calls `rank()` with the cycle's method and settings,
and records the chair's recommendation with the result's ``inputs_hash``.
``awards_app.services.progress`` shows the chair every method's ranking,
`judge_severity` and `panel_agreement`; the board's report
(``awards_app.reports.cycle_report``) ranks again from the scores in the
audit trail and compares `inputs_hash()` with the recorded hash.

Sheet total
-----------
Each criterion score ``v`` is normalised to 0..1 by its own scale,
``(v - scale_min) / (scale_max - scale_min)``, so that criteria on different
scales mix fairly; a sheet's total is the weighted mean of the normalised
scores, times 100::

    total = 100 * sum(w_c * (v_c - min_c) / (max_c - min_c)) / sum(w_c)

Totals therefore lie on 0..100 whatever the scales.

Methods (the cycle's setting; recorded in the result)
-----------------------------------------------------
``weighted_mean`` (default)
    A nomination's score is the mean of its sheet totals (0..100).
``trimmed_mean``
    Sort the nomination's ``n`` totals; drop ``g = floor(n * trim)`` from
    each end (scipy's ``trim_mean`` convention; ``n * trim`` is rounded to 9
    decimals first, so 0.29 * 100 drops 29, not 28); mean of the rest.
    ``trim`` (default 0.2) must lie in [0, 0.5). With fewer than 3 judges
    nothing is dropped (it follows from the formula: ``g`` is 0 for ``n`` < 3
    whenever ``trim`` < 0.5). With the default, trimming starts at 5 judges.
``median``
    The median of the totals (the mean of the two middle ones for an even
    count).
``zscore``
    Each judge's totals are standardised over all the sheets that judge
    submitted in the cycle: ``z = (total - mean_j) / sd_j`` with the
    population standard deviation (divide by the count). A judge with one
    sheet, or whose totals are all equal (sd 0 when rounded to 9 decimals),
    gets z = 0 on those sheets: they say nothing about relative merit. The
    nomination's score is the mean z, in standard deviations (not 0..100).
    This corrects for lenient and severe judges: a judge whose totals are
    all higher (or lower) by the same amount gives the same z values, so
    every score stays the same (up to float rounding, far below the 9
    decimals compared).

Order, ties and the tie-break chain
-----------------------------------
Scores are compared after rounding to 9 decimals, so float noise never
makes or breaks a tie. Nominations of equal score form a tie group, and
every tie group (not only at the laureates' boundary) goes through the
chain ``settings["tie_break"]``, a list of steps, in order:

``"criterion:<code>"``
    The tied nominations' mean normalised (0..1) score on that criterion,
    over all their sheets, whatever the method; higher first.
``"panel_vote"``
    ``settings["panel_votes"]``, a mapping nomination id -> number of votes
    (keys may also be the ids written as strings, as JSON stores them);
    more votes first. When no votes are given, or a tied nomination has no
    recorded count, the step cannot decide and says so.

A step splits its group into sub-groups of equal value; a sub-group of one
is decided (its entry's ``tie_break`` names the step), a larger one goes on
to the next step. Each attempted step leaves a `TieBreak` record; a group
still tied when the chain is exhausted gets a final record with step
``"unresolved"``, and its nominations share one rank (competition ranking:
1, 2, 2, 4). The default chain is ``["panel_vote"]``.

Laureates
---------
``k = settings["laureates"]`` (default 1; the application passes the
cycle's maximum number of laureates). ``laureates`` lists the
nominations certainly in the top k. When an unresolved tie straddles the
boundary (some of its members within the first k places, some after), those
members are not laureates: ``unresolved_tie`` is true, ``boundary_tie``
names the tied nominations. The caller then has the panel vote and calls
`rank()` again with ``panel_votes``, or names the laureates itself (the
application's recommendation refuses to choose and asks the chair to). A tie
that does not straddle the boundary never sets ``unresolved_tie``.

Confidence (`bootstrap_top_k`)
------------------------------
For each nomination, the share of bootstrap resamples in which it is in the
top k. A resample draws as many judges as the panel has, with replacement,
from the panel (the judges with at least one sheet); each drawn judge
brings all their sheets, as many times as drawn, and every nomination is
scored again by the cycle's method. Resampling the panel as a whole (not
each nomination's sheets separately) keeps what the result really depends
on: which judges happened to sit. For ``zscore`` a drawn judge brings all
their sheets, so their mean and sd, hence their z values, are unchanged.

* A nomination none of whose judges is drawn has no score in that resample
  and counts as *not* in the top k. In a partially crossed panel (each
  nomination seen by 3 of J judges) that happens in about
  ``(1 - 3/J)**J`` (about e**-3, 5%) of resamples, which caps such a
  nomination's confidence near 0.95: the figure reads "how often these
  judges' evidence puts it in the top k", not a probability of merit.
* Ties inside a resample share the remaining places: a group of ``t``
  equal scores competing for ``r`` remaining places gives each ``r / t``
  (the tie-break chain is not replayed inside resamples). So the
  confidences of a resample always add up to k (or to the number of scored
  nominations, if fewer).
* Reproducibility: the draws come from ``random.Random(seed).random()``,
  whose sequence Python guarantees across versions for a given seed (numpy's
  Generator streams carry no such promise), with ``seed`` a setting
  (default 0; the application passes the cycle's id unless the cycle
  declares one) recorded in the result. numpy only does the arithmetic.

Chair's view
------------
`judge_severity` (each judge's mean offset from the rest of the panel, on
0..100; negative = severe) and `panel_agreement` (Krippendorff's interval
alpha over sheet totals); `krippendorff_alpha` is the general coefficient.

Identifiers
-----------
Judge and nomination ids are ints or strings (what JSON can carry
unchanged). Internally everything is put in a canonical order (criteria by
code; sheets by nomination then judge; ints before strings), and sums use
``math.fsum`` (exactly rounded, so independent of order; the bootstrap's
numpy sums run in the canonical order): the result does not depend on the
order in which the caller lists criteria, sheets or a sheet's scores, and
`inputs_hash` does not either.

Modules
-------
- model: the inputs (`Criterion`, `Sheet`), the outputs (`Result`, `Entry`,
  `TieBreak`), `VERSION` and the constants
- canonical: inputs checked and put in canonical order, `effective_settings`,
  `inputs_hash`
- methods: sheet totals and the four methods
- ties: the tie-break chain
- prepared: `prepare()`, the sheets checked, ordered and totalled once for
  any number of rankings (`rank_prepared`), `judge_severity` and
  `panel_agreement` over the same sheets
- ranking: `rank()`, `rank_prepared()`
- bootstrap: `bootstrap_top_k`, the confidence
- agreement: the chair's view (`judge_severity`, `panel_agreement`,
  `krippendorff_alpha`)

Callers import from the package itself; the modules are its layout, not an API.
"""

from judging.aggregation.agreement import ALPHA_LEVELS, judge_severity, krippendorff_alpha, panel_agreement
from judging.aggregation.bootstrap import bootstrap_top_k
from judging.aggregation.canonical import effective_settings, inputs_hash
from judging.aggregation.methods import sheet_total, sheet_totals
from judging.aggregation.model import (
    CRITERION_STEP,
    DECIMALS,
    DEFAULT_SETTINGS,
    METHODS,
    PANEL_VOTE,
    UNRESOLVED,
    VERSION,
    Criterion,
    Entry,
    Id,
    Result,
    Sheet,
    TieBreak,
)
from judging.aggregation.prepared import Prepared, prepare
from judging.aggregation.ranking import rank, rank_prepared

__all__ = [
    "ALPHA_LEVELS",
    "CRITERION_STEP",
    "DECIMALS",
    "DEFAULT_SETTINGS",
    "METHODS",
    "PANEL_VOTE",
    "Prepared",
    "UNRESOLVED",
    "VERSION",
    "Criterion",
    "Entry",
    "Id",
    "Result",
    "Sheet",
    "TieBreak",
    "bootstrap_top_k",
    "effective_settings",
    "inputs_hash",
    "judge_severity",
    "krippendorff_alpha",
    "panel_agreement",
    "prepare",
    "rank",
    "rank_prepared",
    "sheet_total",
    "sheet_totals",
]
