"""The panel's result: methods, tie-breaks, laureates, confidence, the
chair's figures and the replay hash, against hand-computed values. Pure
data: no app, no database."""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from judging.aggregation import (
    UNRESOLVED,
    VERSION,
    Criterion,
    Sheet,
    TieBreak,
    bootstrap_top_k,
    inputs_hash,
    judge_severity,
    krippendorff_alpha,
    panel_agreement,
    rank,
    sheet_total,
)
from judging.aggregation.bootstrap import _resampled_scores
from judging.aggregation.methods import _combine, _trim_count

RUNS = settings(max_examples=40, deadline=None, database=None)

# One criterion on 0..100: a sheet's total is its score, so the arithmetic
# below is on the scores themselves.
MERIT = [Criterion("merit", 1, 0, 100)]
# Two criteria of equal weight on 0..10: total = 5 * (impact + reach).
TWO = [Criterion("impact", 1, 0, 10), Criterion("reach", 1, 0, 10)]
NO_BOOTSTRAP = {"resamples": 0}


def merit_sheets(table):
    """{nomination: {judge: score}} -> sheets on MERIT."""
    return [Sheet(j, n, {"merit": v}) for n, row in table.items() for j, v in row.items()]


def two_sheets(table):
    """{nomination: (impact, reach)} -> one sheet each, all from judge 1."""
    return [Sheet(1, n, {"impact": i, "reach": r}) for n, (i, r) in table.items()]


def by_id(result):
    return {e.nomination_id: e for e in result.entries}


# ------------------------------------------------------------ sheet total


def test_sheet_total_normalises_each_criterion_by_its_scale():
    criteria = [Criterion("impact", 2, 1, 10), Criterion("originality", 1, 0, 5)]
    # impact 7 on 1..10 -> 6/9; originality 3 on 0..5 -> 3/5
    # total = 100 * (2 * 6/9 + 1 * 3/5) / 3 = 100 * (20/15 + 9/15) / 3 = 100 * 29/45
    assert sheet_total(criteria, {"impact": 7, "originality": 3}) == pytest.approx(2900 / 45)
    assert sheet_total(criteria, {"impact": 10, "originality": 5}) == 100
    assert sheet_total(criteria, {"impact": 1, "originality": 0}) == 0


# ---------------------------------------------------------------- methods

# Five judges. A's totals 90, 80, 60, 50, 10 (one outlier); B's 62, 61, 59, 58, 57.
FIVE = merit_sheets({
    "A": {1: 90, 2: 80, 3: 60, 4: 50, 5: 10},
    "B": {1: 62, 2: 61, 3: 59, 4: 58, 5: 57},
})


def test_weighted_mean_is_the_mean_of_the_sheet_totals():
    # A: (90 + 80 + 60 + 50 + 10) / 5 = 290 / 5 = 58; B: 297 / 5 = 59.4
    result = rank(MERIT, FIVE, "weighted_mean", NO_BOOTSTRAP)
    assert [(e.nomination_id, e.rank) for e in result.entries] == [("B", 1), ("A", 2)]
    assert by_id(result)["A"].score == pytest.approx(58)
    assert by_id(result)["B"].score == pytest.approx(59.4)
    assert result.laureates == ("B",)
    assert by_id(result)["A"].n_judges == 5


def test_trimmed_mean_drops_floor_n_times_trim_from_each_end():
    # trim 0.2, n = 5: floor(5 * 0.2) = 1 dropped at each end.
    # A: drop 10 and 90 -> (80 + 60 + 50) / 3 = 63.333...; B: drop 57 and 62 -> (61 + 59 + 58) / 3 = 59.333...
    result = rank(MERIT, FIVE, "trimmed_mean", NO_BOOTSTRAP)
    assert [e.nomination_id for e in result.entries] == ["A", "B"]
    assert by_id(result)["A"].score == pytest.approx(190 / 3)
    assert by_id(result)["B"].score == pytest.approx(178 / 3)
    # trim 0.1: floor(0.5) = 0, nothing dropped: the plain mean.
    assert by_id(rank(MERIT, FIVE, "trimmed_mean", {"trim": 0.1, "resamples": 0}))["A"].score == pytest.approx(58)


@pytest.mark.parametrize(("n", "trim", "dropped"), [
    (5, 0.2, 1), (4, 0.2, 0), (4, 0.25, 1), (3, 0.2, 0), (3, 0.34, 1), (2, 0.49, 0), (1, 0.4, 0),
    (10, 0.2, 2), (100, 0.29, 29),  # 100 * 0.29 is 28.999999999999996 in floats: rounded first
])
def test_trim_count_convention(n, trim, dropped):
    assert _trim_count(n, trim) == dropped


def test_fewer_than_three_judges_are_never_trimmed():
    sheets = merit_sheets({"A": {1: 100, 2: 0}})
    assert rank(MERIT, sheets, "trimmed_mean", {"trim": 0.49, "resamples": 0}).entries[0].score == 50


def test_median_of_the_totals():
    # A: sorted 10, 50, 60, 80, 90 -> 60; B: 57, 58, 59, 61, 62 -> 59
    result = rank(MERIT, FIVE, "median", NO_BOOTSTRAP)
    assert [(e.nomination_id, e.score) for e in result.entries] == [("A", 60), ("B", 59)]
    # Even count: the mean of the two middle totals, (50 + 60) / 2 = 55.
    even = merit_sheets({"C": {1: 10, 2: 50, 3: 60, 4: 80}})
    assert rank(MERIT, even, "median", NO_BOOTSTRAP).entries[0].score == 55


# A lenient judge L and a severe judge S, each scoring three nominations.
# L gives A 100, B 90, E 50; S gives C 60, D 20, F 10.
LENIENT_SEVERE = merit_sheets({
    "A": {"L": 100}, "B": {"L": 90}, "E": {"L": 50},
    "C": {"S": 60}, "D": {"S": 20}, "F": {"S": 10},
})


def test_zscore_corrects_a_lenient_and_a_severe_judge():
    # Weighted mean takes the totals as they are: A 100 > B 90 > C 60 > E 50 > D 20 > F 10.
    plain = rank(MERIT, LENIENT_SEVERE, "weighted_mean", NO_BOOTSTRAP)
    assert [e.nomination_id for e in plain.entries] == ["A", "B", "C", "E", "D", "F"]
    assert plain.laureates == ("A",)

    # z-scores, population sd:
    # L: mean 80, deviations 20, 10, -30, variance (400 + 100 + 900) / 3 = 1400/3, sd = 21.602
    #    -> A 20/21.602 = 0.9258, B 0.4629, E -1.3887
    # S: mean 30, deviations 30, -10, -20, variance (900 + 100 + 400) / 3 = 1400/3, same sd
    #    -> C 30/21.602 = 1.3887, D -0.4629, F -0.9258
    # C stood out more from its severe judge's other work than A from its lenient judge's.
    z = rank(MERIT, LENIENT_SEVERE, "zscore", NO_BOOTSTRAP)
    sd = math.sqrt(1400 / 3)
    assert [e.nomination_id for e in z.entries] == ["C", "A", "B", "D", "F", "E"]
    assert [e.score for e in z.entries] == pytest.approx([30 / sd, 20 / sd, 10 / sd, -10 / sd, -20 / sd, -30 / sd])
    assert z.laureates == ("C",)


def test_zscore_is_zero_for_a_judge_with_one_sheet_or_no_spread():
    sheets = merit_sheets({
        "G": {"one_sheet": 95},  # the judge's only sheet: z = 0
        "H": {"flat": 70}, "I": {"flat": 70},  # sd 0: z = 0
        "J": {"L": 80}, "K": {"L": 40},  # mean 60, sd 20 -> +1, -1
    })
    scores = {e.nomination_id: e.score for e in rank(MERIT, sheets, "zscore", NO_BOOTSTRAP).entries}
    assert scores == {"G": 0, "H": 0, "I": 0, "J": 1, "K": -1}


def test_zscore_score_is_the_mean_z_over_the_nomination_judges():
    # Judge 1: P 80, Q 40 -> mean 60, sd 20 -> P +1, Q -1.
    # Judge 2: P 30, Q 50, R 10 -> mean 30, sd sqrt((0 + 400 + 400) / 3) = sqrt(800/3) = 16.33
    #          -> P 0, Q 1.2247, R -1.2247
    # P = (1 + 0) / 2 = 0.5; Q = (-1 + 1.2247) / 2 = 0.1124; R = -1.2247
    sheets = merit_sheets({"P": {1: 80, 2: 30}, "Q": {1: 40, 2: 50}, "R": {2: 10}})
    scores = {e.nomination_id: e.score for e in rank(MERIT, sheets, "zscore", NO_BOOTSTRAP).entries}
    sd2 = math.sqrt(800 / 3)
    assert scores == pytest.approx({"P": 0.5, "Q": (-1 + 20 / sd2) / 2, "R": -20 / sd2})


def test_per_criterion_means_are_on_each_criterion_scale():
    criteria = [Criterion("impact", 1, 1, 10), Criterion("reach", 1, 0, 5)]
    sheets = [Sheet(1, "A", {"impact": 7, "reach": 2}), Sheet(2, "A", {"impact": 10, "reach": 5})]
    entry = rank(criteria, sheets, settings=NO_BOOTSTRAP).entries[0]
    assert entry.per_criterion_means == {"impact": 8.5, "reach": 3.5}


# -------------------------------------------------------------- tie-breaks


def test_criterion_step_breaks_a_tie_on_that_criterion():
    # Totals: 1 -> 5 * (8 + 2) = 50, 2 -> 5 * (6 + 4) = 50, 3 -> 5 * (9 + 9) = 90.
    # 1 and 2 tie at 50; impact on 0..1: 1 -> 0.8, 2 -> 0.6, so 1 before 2.
    sheets = two_sheets({1: (8, 2), 2: (6, 4), 3: (9, 9)})
    result = rank(TWO, sheets, settings={"tie_break": ["criterion:impact", "panel_vote"], "laureates": 2,
                                         "resamples": 0})
    assert [(e.nomination_id, e.rank, e.tie_break) for e in result.entries] == [
        (3, 1, None), (1, 2, "criterion:impact"), (2, 3, "criterion:impact")]
    assert result.laureates == (3, 1)
    assert result.unresolved_tie is False
    assert result.tie_breaks == (TieBreak((1, 2), "criterion:impact", "mean impact on 0..1: 1=0.8, 2=0.6 -> 1 > 2"),)


def test_panel_vote_breaks_what_the_criterion_cannot():
    # 1 and 2 identical (5, 5): total 50 and impact 0.5 each; the panel votes 2 to 3 for 2.
    sheets = two_sheets({1: (5, 5), 2: (5, 5)})
    result = rank(TWO, sheets, settings={"tie_break": ["criterion:impact", "panel_vote"],
                                         "panel_votes": {1: 2, 2: 3}, "resamples": 0})
    assert [(e.nomination_id, e.rank, e.tie_break) for e in result.entries] == [(2, 1, "panel_vote"),
                                                                                 (1, 2, "panel_vote")]
    assert result.laureates == (2,)
    assert [t.step for t in result.tie_breaks] == ["criterion:impact", "panel_vote"]
    assert result.tie_breaks[0].detail == "mean impact on 0..1: 1=0.5, 2=0.5 -> 1 = 2"
    assert result.tie_breaks[1].detail == "panel votes: 2=3, 1=2 -> 2 > 1"


def test_panel_votes_may_be_keyed_by_ids_written_as_strings():
    sheets = two_sheets({1: (5, 5), 2: (5, 5)})
    result = rank(TWO, sheets, settings={"panel_votes": {"1": 4, "2": 1}, "resamples": 0})
    assert result.laureates == (1,)


def test_boundary_tie_without_votes_is_unresolved_and_says_so():
    sheets = two_sheets({1: (5, 5), 2: (5, 5)})
    result = rank(TWO, sheets, settings={"tie_break": ["criterion:impact", "panel_vote"], "resamples": 0})
    assert result.unresolved_tie is True
    assert result.boundary_tie == (1, 2)
    assert result.laureates == ()
    assert [(e.rank, e.tie_break) for e in result.entries] == [(1, None), (1, None)]
    assert [(t.step, t.detail) for t in result.tie_breaks] == [
        ("criterion:impact", "mean impact on 0..1: 1=0.5, 2=0.5 -> 1 = 2"),
        ("panel_vote", "cannot decide: no panel votes recorded; the panel must vote"),
        (UNRESOLVED, "still tied after the chain (criterion:impact, panel_vote)"),
    ]


def test_votes_missing_for_a_tied_nomination_cannot_decide():
    sheets = two_sheets({1: (5, 5), 2: (5, 5)})
    result = rank(TWO, sheets, settings={"panel_votes": {1: 3}, "resamples": 0})
    assert result.unresolved_tie is True
    assert result.tie_breaks[0].detail == "cannot decide: votes missing for 2; the panel must vote"


@pytest.mark.parametrize(("k", "laureates", "unresolved"), [
    (1, (3,), False),  # 3 alone on top; 1 and 2 tie for places 2-3, below the boundary
    (2, (3,), True),  # the tie straddles places 2 and 3: the panel must vote
    (3, (3, 1, 2), False),  # both tied nominations are laureates anyway
])
def test_only_a_tie_across_the_boundary_is_unresolved(k, laureates, unresolved):
    sheets = two_sheets({1: (5, 5), 2: (5, 5), 3: (9, 9)})
    result = rank(TWO, sheets, settings={"tie_break": [], "laureates": k, "resamples": 0})
    assert [(e.nomination_id, e.rank) for e in result.entries] == [(3, 1), (1, 2), (2, 2)]
    assert result.laureates == laureates
    assert result.unresolved_tie is unresolved
    assert result.boundary_tie == ((1, 2) if unresolved else ())
    assert result.tie_breaks == (TieBreak((1, 2), UNRESOLVED, "still tied after the chain (no tie-break step "
                                                              "declared)"),)


def test_a_three_way_tie_split_by_criterion_then_by_vote():
    # All total 50. impact: 1 -> 0.8, 2 -> 0.5, 3 -> 0.5: 1 first, then 2 and 3 by votes (3 wins).
    sheets = two_sheets({1: (8, 2), 2: (5, 5), 3: (5, 5)})
    result = rank(TWO, sheets, settings={"tie_break": ["criterion:impact", "panel_vote"],
                                         "panel_votes": {2: 1, 3: 4}, "laureates": 2, "resamples": 0})
    assert [(e.nomination_id, e.rank, e.tie_break) for e in result.entries] == [
        (1, 1, "criterion:impact"), (3, 2, "panel_vote"), (2, 3, "panel_vote")]
    assert result.laureates == (1, 3)
    assert [(t.nomination_ids, t.step) for t in result.tie_breaks] == [((1, 2, 3), "criterion:impact"),
                                                                        ((2, 3), "panel_vote")]


def test_float_noise_does_not_break_a_tie():
    # 0.1 + 0.2 != 0.3 in floats; on 0..1 scales the totals differ in the last bits only.
    criteria = [Criterion("a", 1, 0, 1), Criterion("b", 1, 0, 1)]
    sheets = [Sheet(1, "X", {"a": 0.1, "b": 0.2}), Sheet(1, "Y", {"a": 0.3, "b": 0.0})]
    result = rank(criteria, sheets, settings={"tie_break": [], "resamples": 0})
    assert [e.rank for e in result.entries] == [1, 1]
    assert result.unresolved_tie is True


def test_several_laureates():
    sheets = merit_sheets({n: {1: v} for n, v in zip("ABCDE", [70, 90, 50, 80, 60], strict=True)})
    result = rank(MERIT, sheets, settings={"laureates": 3, "resamples": 0})
    assert [e.nomination_id for e in result.entries] == ["B", "D", "A", "E", "C"]
    assert result.laureates == ("B", "D", "A")
    # More places than nominations: everyone is a laureate.
    assert rank(MERIT, sheets, settings={"laureates": 9, "resamples": 0}).laureates == ("B", "D", "A", "E", "C")


# ---------------------------------------------------------------- bootstrap


def noisy_panel(seed=7, nominations=12, judges=6):
    rng = random.Random(seed)
    return merit_sheets({n: {j: rng.randint(40, 90) for j in range(judges)} for n in range(nominations)})


def test_bootstrap_is_reproducible_with_its_seed_and_varies_with_another():
    sheets = noisy_panel()
    first = bootstrap_top_k(MERIT, sheets, k=3, resamples=300, seed=11)
    assert first == bootstrap_top_k(MERIT, list(reversed(sheets)), k=3, resamples=300, seed=11)
    assert first != bootstrap_top_k(MERIT, sheets, k=3, resamples=300, seed=12)


@pytest.mark.parametrize("method", ["weighted_mean", "trimmed_mean", "median", "zscore"])
def test_a_clear_winner_is_in_the_top_in_every_resample(method):
    # Every judge scores every nomination and puts W strictly first.
    table = {"W": {1: 95, 2: 90, 3: 99, 4: 92}}
    table |= {n: {1: 50 + i, 2: 60 - i, 3: 40 + 2 * i, 4: 55} for i, n in enumerate("ABCD")}
    result = rank(MERIT, merit_sheets(table), method, {"seed": 3, "resamples": 200})
    assert result.entries[0].nomination_id == "W"
    assert result.entries[0].confidence_top_k == 1.0
    assert all(e.confidence_top_k == 0.0 for e in result.entries[1:])


def test_confidences_add_up_to_k_in_a_fully_crossed_panel():
    # Every resample scores every nomination; its k places are shared out,
    # ties sharing the remaining places, so the shares add up to k.
    confidence = bootstrap_top_k(MERIT, noisy_panel(), "median", k=3, resamples=200, seed=5)
    assert sum(confidence.values()) == pytest.approx(3)
    assert all(0 <= c <= 1 for c in confidence.values())


def test_tied_scores_share_the_places_in_a_resample():
    # One judge: every resample draws that judge; 1 and 2 tie for the single place.
    sheets = merit_sheets({1: {"J": 70}, 2: {"J": 70}, 3: {"J": 20}})
    assert bootstrap_top_k(MERIT, sheets, k=1, resamples=10) == {1: 0.5, 2: 0.5, 3: 0.0}


def test_a_nomination_whose_judges_are_not_drawn_counts_as_outside_the_top_k():
    # The panel is {a, b}; N is scored by a alone, M by b alone. A resample
    # draws two judges: (a, a), (a, b), (b, a), (b, b). N is unscored in
    # (b, b), and beats M in the others: confidence about 3/4.
    sheets = merit_sheets({"N": {"a": 90}, "M": {"b": 10}})
    confidence = bootstrap_top_k(MERIT, sheets, k=1, resamples=4000, seed=1)
    assert confidence["N"] == pytest.approx(0.75, abs=0.03)
    assert confidence["M"] == pytest.approx(0.25, abs=0.03)


def test_rank_reports_the_bootstrap_confidence_and_its_seed():
    sheets = noisy_panel()
    result = rank(MERIT, sheets, "weighted_mean", {"laureates": 2, "seed": 9, "resamples": 250})
    expected = bootstrap_top_k(MERIT, sheets, "weighted_mean", k=2, resamples=250, seed=9)
    assert {e.nomination_id: e.confidence_top_k for e in result.entries} == expected
    assert result.settings["seed"] == 9
    assert all(e.confidence_top_k is None for e in rank(MERIT, sheets, settings=NO_BOOTSTRAP).entries)


@RUNS
@given(st.lists(st.tuples(st.floats(0, 100), st.integers(0, 3)), min_size=1, max_size=7),
       st.sampled_from(["weighted_mean", "trimmed_mean", "median"]), st.sampled_from([0.0, 0.2, 0.25, 0.34, 0.45]))
def test_resampled_estimator_matches_the_plain_one_on_the_drawn_multiset(slots, method, trim):
    """The vectorised bootstrap estimator with counts w equals the plain
    method on the list where each value appears w times."""
    slots = sorted(slots)
    values = np.array([[v for v, _ in slots]])
    weights = np.array([[[w for _, w in slots]]], dtype=float)
    got = _resampled_scores(weights, values, method, trim)[0, 0]
    expanded = [v for v, w in slots for _ in range(w)]
    if not expanded:
        assert math.isnan(got)
    else:
        assert got == pytest.approx(_combine(expanded, method, trim), abs=1e-9)


# ------------------------------------------------------------ chair's view


def test_judge_severity_signs():
    # X: 80, 70, 60; Y: 50, 40, 30.
    # lenient: X 80 - (70 + 60)/2 = 15, Y 50 - (40 + 30)/2 = 15 -> +15
    # middle:  X 70 - (80 + 60)/2 = 0,  Y 40 - (50 + 30)/2 = 0  -> 0
    # severe:  X 60 - (80 + 70)/2 = -15, Y -15                  -> -15
    # alone scores only Z, shared with nobody: left out.
    sheets = merit_sheets({"X": {"lenient": 80, "middle": 70, "severe": 60},
                           "Y": {"lenient": 50, "middle": 40, "severe": 30},
                           "Z": {"alone": 99}})
    assert judge_severity(MERIT, sheets) == pytest.approx({"lenient": 15, "middle": 0, "severe": -15})


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4
# observers x 12 units with missing data. Units as rows, observers A B C D.
_ = None
KRIPPENDORFF_2011 = [
    (1, 1, _, 1), (2, 2, 3, 2), (3, 3, 3, 3), (3, 3, 3, 3), (2, 2, 2, 2), (1, 2, 3, 4),
    (4, 4, 4, 4), (1, 1, 2, 1), (2, 2, 2, 2), (_, 5, 5, 5), (_, _, 1, 1), (_, 3, _, _),
]


def test_krippendorff_worked_example():
    # Nominal, by hand: unit 12 has one value (not pairable); n = 40 pairable values,
    # marginals n_1..n_5 = 9, 13, 10, 5, 3, so sum n_c n_k over c != k = 40**2 - 384 = 1216.
    # Disagreeing coincidences: unit 2 (2,2,3,2) 6 ordered pairs / 3 = 2, unit 6 (1,2,3,4)
    # 12 / 3 = 4, unit 8 (1,1,2,1) 6 / 3 = 2: 8 in all.
    # alpha = 1 - (n - 1) * 8 / 1216 = 1 - 312/1216 = 113/152 = 0.743
    assert krippendorff_alpha(KRIPPENDORFF_2011, "nominal") == pytest.approx(113 / 152)
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, "nominal"), 3) == 0.743
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, "interval"), 3) == 0.849
    # The same data's ordinal and ratio figures (Krippendorff, Content Analysis, 4th ed., 2019).
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, "ordinal"), 3) == 0.815
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, "ratio"), 3) == 0.797


def test_krippendorff_limits():
    assert krippendorff_alpha([(1, 1), (2, 2), (5, 5, None)]) == 1.0
    assert math.isnan(krippendorff_alpha([(3, 3), (3, 3)]))  # no variation: 0/0
    assert math.isnan(krippendorff_alpha([(3, None), (4,)]))  # nothing pairable
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha([(1, 2)], "cardinal")


def test_panel_agreement_is_interval_alpha_over_the_totals():
    agreeing = merit_sheets({"A": {1: 90, 2: 90}, "B": {1: 40, 2: 40, 3: 40}, "C": {3: 10}})
    assert panel_agreement(MERIT, agreeing) == 1.0
    sheets = merit_sheets({"A": {1: 90, 2: 70}, "B": {1: 40, 2: 60}})
    # Units (90, 70) and (40, 60): n = 4, within-unit squared deviations 200 + 200,
    # all values' squared deviations from 65: 625 + 25 + 625 + 25 = 1300.
    # alpha = 1 - (n - 1) * sum_u 2 m SS_u / (m - 1) / (2 n SS) = 1 - 3 * (800 + 800) / 10400 = 0.5385
    assert panel_agreement(MERIT, sheets) == pytest.approx(1 - 3 * 1600 / 10400)
    assert panel_agreement(MERIT, sheets) == pytest.approx(krippendorff_alpha([(90, 70), (40, 60)], "interval"))


# ------------------------------------------------------------- replay hash


def test_inputs_hash_ignores_order_and_number_spelling():
    sheets = noisy_panel(nominations=4, judges=3)
    digest = inputs_hash(MERIT, sheets, "median", {"laureates": 2})
    shuffled = sheets[:]
    random.Random(1).shuffle(shuffled)
    as_floats = [Sheet(s.judge_id, s.nomination_id, {"merit": float(s.scores["merit"])}) for s in shuffled]
    assert inputs_hash(MERIT, shuffled, "median", {"laureates": 2}) == digest
    assert inputs_hash(MERIT, as_floats, "median", {"laureates": 2}) == digest
    assert inputs_hash(list(reversed(TWO)), two_sheets({1: (5, 5)}), "median") == inputs_hash(
        TWO, [Sheet(1, 1, {"reach": 5, "impact": 5})], "median", {"trim": 0.2, "tie_break": ["panel_vote"]})
    assert rank(MERIT, shuffled, "median", {"laureates": 2, "resamples": 0}).inputs_hash == inputs_hash(
        MERIT, sheets, "median", {"laureates": 2, "resamples": 0})


def test_inputs_hash_changes_with_any_score_method_or_setting():
    sheets = two_sheets({1: (5, 5), 2: (6, 3), 3: (2, 9)})
    digest = inputs_hash(TWO, sheets, "weighted_mean")
    seen = {digest}
    for i, sheet in enumerate(sheets):
        for code in ("impact", "reach"):
            changed = dict(sheet.scores)
            changed[code] = sheet.scores[code] + 1
            altered = [*sheets[:i], Sheet(sheet.judge_id, sheet.nomination_id, changed), *sheets[i + 1:]]
            seen.add(inputs_hash(TWO, altered, "weighted_mean"))
    seen.add(inputs_hash(TWO, sheets, "median"))
    seen.add(inputs_hash(TWO, sheets, "weighted_mean", {"seed": 1}))
    seen.add(inputs_hash(TWO, sheets, "weighted_mean", {"panel_votes": {1: 1}}))
    seen.add(inputs_hash([Criterion("impact", 2, 0, 10), TWO[1]], sheets, "weighted_mean"))
    assert len(seen) == 6 + 5


def test_replaying_the_same_inputs_gives_the_same_result():
    sheets = noisy_panel()
    first = rank(MERIT, sheets, "trimmed_mean", {"laureates": 3, "seed": 4, "resamples": 100})
    again = rank(MERIT, list(reversed(sheets)), "trimmed_mean", {"laureates": 3, "seed": 4, "resamples": 100})
    assert again == first
    assert first.version == VERSION
    assert first.method == "trimmed_mean"


# --------------------------------------------------------------- refusals


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "mean"}, "unknown aggregation method"),
    ({"settings": {"tie_brake": ["panel_vote"]}}, "unknown aggregation settings"),
    ({"settings": {"tie_break": ["criterion:charm"]}}, "names no criterion"),
    ({"settings": {"tie_break": ["coin_toss"]}}, "unknown tie-break step"),
    ({"settings": {"trim": 0.5}}, "trim must lie"),
    ({"settings": {"laureates": 0}}, "laureates must be at least 1"),
    ({"sheets": [Sheet(1, 1, {"impact": 5})]}, "must score exactly"),
    ({"sheets": [Sheet(1, 1, {"impact": 11, "reach": 5})]}, "outside 0.0..10.0"),
    ({"sheets": [Sheet(1, 1, {"impact": float("nan"), "reach": 5})]}, "must be finite"),
    ({"sheets": two_sheets({1: (5, 5)}) * 2}, "two sheets from judge 1"),
    ({"sheets": [Sheet(1.5, 1, {"impact": 5, "reach": 5})]}, "ids must be int or str"),
])
def test_inconsistent_input_is_refused(kwargs, message):
    args = {"criteria": TWO, "sheets": two_sheets({1: (5, 5)}), "method": "weighted_mean", "settings": None, **kwargs}
    with pytest.raises(ValueError, match=message):
        rank(**args)


def test_no_sheets_give_an_empty_result():
    result = rank(MERIT, [])
    assert (result.entries, result.laureates, result.unresolved_tie) == ((), (), False)


# ---------------------------------------------------------------- properties

panels = st.dictionaries(
    st.integers(1, 12),  # nomination ids
    st.dictionaries(st.sampled_from("abcde"), st.integers(0, 50), min_size=1, max_size=5),
    min_size=1, max_size=10,
)


@RUNS
@given(panels, st.sampled_from(["weighted_mean", "trimmed_mean", "median", "zscore"]), st.integers(1, 4))
def test_with_distinct_votes_the_ranks_are_a_permutation(table, method, k):
    sheets = merit_sheets(table)
    votes = {n: i for i, n in enumerate(table)}
    result = rank(MERIT, sheets, method, {"tie_break": ["panel_vote"], "panel_votes": votes, "laureates": k,
                                          "resamples": 0})
    assert [e.rank for e in result.entries] == list(range(1, len(table) + 1))
    scores = [round(e.score, 9) for e in result.entries]
    assert scores == sorted(scores, reverse=True)
    assert result.laureates == tuple(e.nomination_id for e in result.entries[:k])
    assert not result.unresolved_tie


@RUNS
@given(panels, st.sampled_from(["weighted_mean", "trimmed_mean", "median", "zscore"]), st.randoms())
def test_the_result_does_not_depend_on_the_order_of_the_sheets(table, method, rnd):
    sheets = merit_sheets(table)
    shuffled = sheets[:]
    rnd.shuffle(shuffled)
    config = {"laureates": 2, "resamples": 20}
    assert rank(MERIT, shuffled, method, config) == rank(MERIT, sheets, method, config)


@RUNS
@given(panels, st.sampled_from("abcde"), st.integers(1, 50))
def test_shifting_one_judge_changes_no_zscore(table, judge, shift):
    before = rank(MERIT, merit_sheets(table), "zscore", NO_BOOTSTRAP)
    shifted = {n: {j: v + shift if j == judge else v for j, v in row.items()} for n, row in table.items()}
    after = rank(MERIT, merit_sheets(shifted), "zscore", NO_BOOTSTRAP)
    assert {e.nomination_id: e.score for e in after.entries} == pytest.approx(
        {e.nomination_id: e.score for e in before.entries}, abs=1e-9)
    if len({round(e.score, 6) for e in before.entries}) == len(before.entries):  # no near ties
        assert [e.nomination_id for e in after.entries] == [e.nomination_id for e in before.entries]
