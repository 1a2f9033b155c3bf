"""Automatic judge assignment (judging.assignment): optimality against
brute force, hard constraints, determinism, and the explanations given when a
cycle cannot be covered. Pure unit tests: no app, no database."""

import itertools
import random

import pytest

from judging import assignment as engine
from judging.assignment import (
    RULE_CAPACITY,
    RULE_FIELD_WITHOUT_JUDGE,
    RULE_FIELDS_NOT_COVERED,
    RULE_TOO_FEW_ELIGIBLE,
    FitPolicy,
    JudgeInput,
    NominationInput,
    assign,
    covering,
    fit,
    network,
)

FIELDS = ("science_outreach", "engineering", "environment", "youth_work", "stem_research", "performing_arts")
LANGUAGES = ("en", "fr", "es")


def random_cycle(rng, n_nominations, n_judges, conflict_rate=0.15, own_loads=False):
    judges = [
        JudgeInput(
            id=100 + j,
            expertise={f: rng.choice((0, 2, 5, 10, 15)) for f in rng.sample(FIELDS, rng.randint(1, 3))},
            languages=frozenset(rng.sample(LANGUAGES, rng.randint(1, 2))),
            max_load=rng.choice((None, None, 1, 2)) if own_loads else None,
        )
        for j in range(n_judges)
    ]
    nominations = [
        NominationInput(id=i + 1, fields=tuple(rng.sample(FIELDS, rng.randint(1, 3))),
                        language=rng.choice(LANGUAGES + (None,)))
        for i in range(n_nominations)
    ]
    conflicts = {(j.id, n.id) for j in judges for n in nominations if rng.random() < conflict_rate}
    return nominations, judges, conflicts


def brute_force(nominations, judges, conflicts, k, max_load, require_language=False,
                cover_fields=False, policy=engine.DEFAULT_POLICY):
    """The best total fit (in thousandths) over every valid assignment, or None."""
    load_of = {j.id: max_load if j.max_load is None else j.max_load for j in judges}
    options = []
    for nom in nominations:
        eligible = [
            j for j in judges
            if (j.id, nom.id) not in conflicts
            and not (require_language and nom.language and nom.language not in j.languages)
        ]
        panels = []
        for panel in itertools.combinations(eligible, k):
            if cover_fields:
                held = {f for j in panel for f in j.expertise}
                if not set(nom.fields) <= held:
                    continue
            panels.append((sum(fit(j, nom, policy).units for j in panel), [j.id for j in panel]))
        options.append(panels)
    best = None
    for choice in itertools.product(*options):
        loads = {}
        for _, ids in choice:
            for judge_id in ids:
                loads[judge_id] = loads.get(judge_id, 0) + 1
        if any(loads[j] > load_of[j] for j in loads):
            continue
        total = sum(units for units, _ in choice)
        best = total if best is None else max(best, total)
    return best


def check_valid(result, nominations, judges, conflicts, k, max_load, require_language=False):
    judge_by_id = {j.id: j for j in judges}
    nom_by_id = {n.id: n for n in nominations}
    pairs = [(a.judge_id, a.nomination_id) for a in result.assignments]
    assert len(pairs) == len(set(pairs)), "a judge twice on one nomination"
    assert not set(pairs) & set(conflicts), "a conflicted judge was assigned"
    for judge_id, load in result.loads().items():
        own = judge_by_id[judge_id].max_load
        assert load <= (max_load if own is None else own)
    for nom in nominations:
        assert len(result.for_nomination(nom.id)) <= k
        if result.feasible:
            assert len(result.for_nomination(nom.id)) == k
    if require_language:
        for a in result.assignments:
            language = nom_by_id[a.nomination_id].language
            assert language is None or language in judge_by_id[a.judge_id].languages
    for a in result.assignments:
        assert a.fit == fit(judge_by_id[a.judge_id], nom_by_id[a.nomination_id]).value
    assert result.total_fit == pytest.approx(sum(a.fit for a in result.assignments), abs=1e-9)


# ------------------------------------------------------------------- fit

def test_fit_is_the_mean_field_strength_with_reasons():
    judge = JudgeInput(1, {"science_outreach": 12, "engineering": 0, "youth_work": 4}, frozenset({"fr"}))
    nomination = NominationInput(7, ("science_outreach", "engineering", "environment"), "fr")
    result = fit(judge, nomination)
    # strengths: 12 y -> 1.0 (capped at 10 y), 0 y -> 0.5, missing -> 0: mean 0.5
    assert result.value == 0.5
    assert result.covers == ("science_outreach", "engineering")
    assert result.reasons == ("covers science_outreach (12 y)", "covers engineering (0 y)",
                              "no expertise in environment", "reads fr")


def test_fit_policy_changes_the_scale_and_adds_a_language_bonus():
    judge = JudgeInput(1, {"engineering": 5}, frozenset({"es"}))
    nomination = NominationInput(7, ("engineering",), "es")
    assert fit(judge, nomination).value == 0.75
    policy = FitPolicy(years_cap=5, base_strength=0.0, language_bonus=0.1)
    assert fit(judge, nomination, policy).value == 1.1


# ------------------------------------------------------------ optimality

@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_optimum_on_small_cycles(seed):
    rng = random.Random(seed)
    nominations, judges, conflicts = random_cycle(rng, 4, 5, own_loads=seed % 3 == 0)
    k, max_load = 2, rng.choice((2, 3))
    require_language = seed % 4 == 1
    best = brute_force(nominations, judges, conflicts, k, max_load, require_language)
    result = assign(nominations, judges, conflicts, k=k, max_load=max_load,
                    require_language=require_language)
    check_valid(result, nominations, judges, conflicts, k, max_load, require_language)
    if best is None:
        assert not result.feasible and result.uncovered
    else:
        assert result.feasible and result.optimal
        assert round(result.total_fit * engine.FIT_SCALE) == best


@pytest.mark.parametrize("seed", range(12))
def test_sparse_network_with_certificate_reaches_the_full_optimum(seed, monkeypatch):
    """Large cycles are solved on each nomination's best candidates, then
    checked against every pair; forcing that path on small cycles (with
    tiny candidate lists) must not change the optimum."""
    rng = random.Random(1000 + seed)
    nominations, judges, conflicts = random_cycle(rng, 40, 15, conflict_rate=0.1)
    k, max_load = 3, 9
    full = assign(nominations, judges, conflicts, k=k, max_load=max_load)
    monkeypatch.setattr(network, "_PRUNE_ABOVE_PAIRS", 0)
    monkeypatch.setattr(network, "_CANDIDATES_PER_NOMINATION", 1)
    monkeypatch.setattr(network, "_CANDIDATES_PER_JUDGE", 2 + seed % 3)
    sparse = assign(nominations, judges, conflicts, k=k, max_load=max_load)
    check_valid(sparse, nominations, judges, conflicts, k, max_load)
    assert sparse.feasible == full.feasible
    assert sparse.total_fit == full.total_fit
    assert sorted(sparse.loads().values()) == sorted(full.loads().values())


def test_equal_fits_are_spread_over_judges():
    judges = [JudgeInput(1, {"engineering": 3}), JudgeInput(2, {"engineering": 3})]
    nominations = [NominationInput(10, ("engineering",)), NominationInput(11, ("engineering",))]
    result = assign(nominations, judges, k=1, max_load=2)
    assert result.loads() == {1: 1, 2: 1}


# ---------------------------------------------------- hard constraints

@pytest.mark.parametrize("seed", range(10))
def test_never_places_a_conflicted_judge_and_respects_k_and_loads(seed):
    rng = random.Random(500 + seed)
    nominations, judges, conflicts = random_cycle(rng, 60, 25, conflict_rate=0.3, own_loads=True)
    result = assign(nominations, judges, conflicts, k=3, max_load=12, require_language=seed % 2 == 0)
    check_valid(result, nominations, judges, conflicts, 3, 12, require_language=seed % 2 == 0)


def test_language_requirement_is_respected_and_optional():
    judges = [JudgeInput(1, {"engineering": 10}, frozenset({"en"})),
              JudgeInput(2, {"environment": 1}, frozenset({"es"})),
              JudgeInput(3, {"environment": 1}, frozenset({"ES", "fr"}))]
    nominations = [NominationInput(10, ("engineering",), "es")]
    free = assign(nominations, judges, k=1, max_load=1)
    assert [a.judge_id for a in free.assignments] == [1]
    assert "does not read es" in free.assignments[0].reasons
    required = assign(nominations, judges, k=2, max_load=1, require_language=True)
    assert required.feasible
    assert {a.judge_id for a in required.assignments} == {2, 3}
    assert all("reads es" in a.reasons for a in required.assignments)


def test_a_judges_own_max_load_replaces_the_cycle_setting():
    judges = [JudgeInput(1, {"engineering": 10}, max_load=1), JudgeInput(2, {"engineering": 1})]
    nominations = [NominationInput(i, ("engineering",)) for i in (10, 11, 12)]
    result = assign(nominations, judges, k=1, max_load=5)
    assert result.loads() == {1: 1, 2: 2}


def test_kept_pairs_stay_and_count_towards_k_and_load():
    judges = [JudgeInput(1, {"engineering": 10}), JudgeInput(2, {"engineering": 0}),
              JudgeInput(3, {"engineering": 5})]
    nominations = [NominationInput(10, ("engineering",)), NominationInput(11, ("engineering",))]
    result = assign(nominations, judges, k=2, max_load=2, keep={(2, 10)})
    panel = {a.judge_id: a.kept for a in result.for_nomination(10)}
    assert panel == {2: True, 1: False}
    assert result.feasible and result.loads()[2] == 1
    with pytest.raises(ValueError, match="conflicted"):
        assign(nominations, judges, {(2, 10)}, k=2, max_load=2, keep={(2, 10)})


def test_invalid_settings_are_refused():
    judges = [JudgeInput(1), JudgeInput(1)]
    with pytest.raises(ValueError, match="duplicate judge"):
        assign([], judges, k=1, max_load=1)
    with pytest.raises(ValueError, match="k"):
        assign([], [], k=0, max_load=1)


def test_an_empty_cycle_is_trivially_feasible():
    result = assign([], [JudgeInput(1)], k=3, max_load=7)
    assert result.feasible and result.assignments == () and result.total_fit == 0


# --------------------------------------------------------- determinism

def test_same_cycle_gives_the_same_assignment_whatever_the_input_order():
    rng = random.Random(7)
    nominations, judges, conflicts = random_cycle(rng, 80, 30, conflict_rate=0.05)
    first = assign(nominations, judges, conflicts, k=3, max_load=9)
    again = assign(nominations, judges, conflicts, k=3, max_load=9)
    shuffled_noms, shuffled_judges = nominations[:], judges[:]
    rng.shuffle(shuffled_noms)
    rng.shuffle(shuffled_judges)
    reordered = assign(shuffled_noms, shuffled_judges, sorted(conflicts, reverse=True), k=3, max_load=9)
    assert first == again == reordered


# ---------------------------------------------------------- infeasible

def test_too_many_conflicts_for_one_nomination_is_named_with_its_reason():
    judges = [JudgeInput(i, {"engineering": i}) for i in range(1, 6)]
    nominations = [NominationInput(10, ("engineering",)), NominationInput(11, ("engineering",))]
    conflicts = {(1, 11), (2, 11), (3, 11)}
    result = assign(nominations, judges, conflicts, k=3, max_load=2)
    assert not result.feasible
    [short] = result.uncovered
    assert short.nomination_id == 11 and short.rule == RULE_TOO_FEW_ELIGIBLE
    assert (short.needed, short.eligible, short.assigned) == (3, 2, 2)
    assert short.reason == "only 2 eligible judges for 3 places (3 conflicted, of 5 judges)"
    assert len(result.for_nomination(10)) == 3  # the rest is still assigned


def test_too_few_judges_reading_the_language_is_named():
    judges = [JudgeInput(1, {}, frozenset({"es"})), JudgeInput(2, {}, frozenset({"en"})),
              JudgeInput(3, {}, frozenset({"en"}))]
    result = assign([NominationInput(10, (), "es")], judges, k=2, max_load=3, require_language=True)
    [short] = result.uncovered
    assert short.rule == RULE_TOO_FEW_ELIGIBLE
    assert "2 do not read es" in short.reason


def test_global_capacity_shortage_names_the_nominations_and_the_totals():
    judges = [JudgeInput(i, {"engineering": 1}) for i in range(1, 5)]
    nominations = [NominationInput(i, ("engineering",)) for i in range(10, 20)]
    result = assign(nominations, judges, k=3, max_load=5)
    assert not result.feasible
    assert len(result.assignments) == 20  # the best partial assignment: every place filled
    [bottleneck] = result.bottlenecks
    assert bottleneck.reason == "judges' total capacity 20 < 3 x 10 needed"
    assert bottleneck.nomination_ids == tuple(range(10, 20))
    assert (bottleneck.needed, bottleneck.available) == (30, 20)
    assert result.uncovered and all(u.rule == RULE_CAPACITY for u in result.uncovered)
    assert sum(u.needed - u.assigned for u in result.uncovered) == 10
    assert all("total capacity 20 < 3 x 10" in u.reason for u in result.uncovered)


def test_a_local_capacity_shortage_names_the_competing_group_only():
    es = [JudgeInput(i, {"engineering": 5}, frozenset({"es"})) for i in (1, 2, 3)]
    en = [JudgeInput(i, {"engineering": 5}, frozenset({"en"})) for i in (4, 5, 6, 7)]
    nominations = ([NominationInput(i, ("engineering",), "es") for i in (10, 11, 12)]
                   + [NominationInput(i, ("engineering",), "en") for i in (20, 21)])
    result = assign(nominations, es + en, k=3, max_load=2, require_language=True)
    assert not result.feasible
    [bottleneck] = result.bottlenecks
    assert bottleneck.nomination_ids == (10, 11, 12)
    assert bottleneck.judge_ids == (1, 2, 3)
    assert (bottleneck.needed, bottleneck.available) == (9, 6)
    assert "3 nominations compete for the same 3 judges" in bottleneck.reason
    assert {u.nomination_id for u in result.uncovered} <= {10, 11, 12}
    assert all(len(result.for_nomination(i)) == 3 for i in (20, 21))


# ------------------------------------------------------- cover_fields

@pytest.mark.parametrize("seed", range(15))
def test_cover_fields_matches_brute_force_optimum(seed):
    rng = random.Random(2000 + seed)
    nominations, judges, conflicts = random_cycle(rng, 4, 5, conflict_rate=0.1)
    nominations = [NominationInput(n.id, n.fields[:2] or ("engineering",)) for n in nominations]
    best = brute_force(nominations, judges, conflicts, 2, 3, cover_fields=True)
    result = assign(nominations, judges, conflicts, k=2, max_load=3, cover_fields=True)
    check_valid(result, nominations, judges, conflicts, 2, 3)
    if best is not None:
        assert result.feasible and result.optimal
        assert round(result.total_fit * engine.FIT_SCALE) == best
    else:
        assert not result.feasible


def cover_case():
    # The best fits for nomination 10 are two engineers; covering both of its
    # fields needs the (weaker) environment judge.
    judges = [JudgeInput(1, {"engineering": 10}), JudgeInput(2, {"engineering": 9}),
              JudgeInput(3, {"environment": 0})]
    nominations = [NominationInput(10, ("engineering", "environment"))]
    return nominations, judges


def test_cover_fields_trades_fit_for_coverage_with_cp_sat():
    nominations, judges = cover_case()
    plain = assign(nominations, judges, k=2, max_load=1)
    assert {a.judge_id for a in plain.assignments} == {1, 2}
    covered = assign(nominations, judges, k=2, max_load=1, cover_fields=True)
    assert covered.feasible and covered.optimal and covered.method == "cp_sat"
    assert {a.judge_id for a in covered.assignments} == {1, 3}


def test_cover_fields_on_large_cycles_repairs_greedily_and_says_so(monkeypatch):
    monkeypatch.setattr(covering, "CP_SAT_MAX_PAIRS", 0)
    nominations, judges = cover_case()
    result = assign(nominations, judges, k=2, max_load=1, cover_fields=True)
    assert result.feasible and not result.optimal and result.method == "min_cost_flow+repair"
    assert {a.judge_id for a in result.assignments} == {1, 3}


def test_cover_fields_reports_a_field_no_eligible_judge_holds():
    nominations, judges = cover_case()
    result = assign(nominations, judges, {(3, 10)}, k=2, max_load=1, cover_fields=True)
    [entry] = result.uncovered
    assert (entry.nomination_id, entry.rule, entry.fields) == (10, RULE_FIELD_WITHOUT_JUDGE, ("environment",))
    assert len(result.assignments) == 2  # still assigned, fields aside


def test_cover_fields_reports_nominations_left_uncovered_when_loads_forbid_it():
    judges = [JudgeInput(1, {"engineering": 10}), JudgeInput(2, {"engineering": 9}),
              JudgeInput(3, {"environment": 0}, max_load=1)]
    nominations = [NominationInput(10, ("engineering", "environment")),
                   NominationInput(11, ("engineering", "environment"))]
    result = assign(nominations, judges, k=2, max_load=2, cover_fields=True)
    assert not result.feasible
    [entry] = result.uncovered  # judge 3 covers one of them: as many as the loads allow
    assert entry.rule == RULE_FIELDS_NOT_COVERED and entry.fields == ("environment",)


def test_pairs_kept_beyond_k_or_a_judges_load_stay_and_take_nothing_more():
    """The chair assigned a fourth judge by hand, and gave one judge more than
    the load: the run keeps those pairs and assigns around them."""
    judges = [JudgeInput(i, {"engineering": i}) for i in range(1, 6)]
    nominations = [NominationInput(10, ("engineering",)), NominationInput(11, ("engineering",))]
    keep = {(1, 10), (2, 10), (3, 10), (4, 10), (5, 11), (5, 10)}
    result = assign(nominations, judges, k=3, max_load=1, keep=keep)
    assert {a.judge_id for a in result.for_nomination(10)} == {1, 2, 3, 4, 5}
    eleven = {a.judge_id: a.kept for a in result.for_nomination(11)}
    assert eleven[5] is True and len(eleven) == 1  # everyone else is at their load
    assert not result.feasible and [u.nomination_id for u in result.uncovered] == [11]
