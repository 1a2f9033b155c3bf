"""Each detection rule finds its conflict; pure data, no database."""

import pytest

from judging.conflicts import CandidateIdentity, JudgeIdentity, detect


def _judge(**kw):
    base = {"id": 1, "email": "judge@example.org", "name": "Jules Martin", "organisation_id": 10,
            "country_id": 100}
    return JudgeIdentity(**{**base, **kw})


def _candidate(**kw):
    base = {"nomination_id": 7, "kind": "individual", "name": "Someone Else",
            "email": "someone@example.org", "organisation_id": 20, "country_id": 200,
            "nominator_user_id": 99}
    return CandidateIdentity(**{**base, **kw})


def _rules(judge, candidate, **kw):
    return {(f.kind, f.rule) for f in detect([judge], [candidate], **kw)}


def test_no_finding_between_strangers():
    assert detect([_judge()], [_candidate()]) == []


def test_same_person_by_email_whatever_the_case():
    assert ("self", "coi.same_person_email") in _rules(_judge(), _candidate(email="Judge@Example.ORG "))


@pytest.mark.parametrize("written", ["Jules Martin", "MARTIN, Jules", "jules  martin", "Martin Jules"])
def test_same_person_by_name_whatever_the_order_case_and_punctuation(written):
    assert ("self", "coi.same_person_name") in _rules(_judge(), _candidate(name=written))


def test_same_person_by_name_with_and_without_accents():
    judge = _judge(name="José María Pérez-Núñez")
    assert ("self", "coi.same_person_name") in _rules(judge, _candidate(name="Nunez, Jose Maria Perez"))


def test_same_organisation():
    assert ("same_organisation", "coi.same_organisation") in _rules(_judge(), _candidate(organisation_id=10))


def test_same_country_for_a_delegation_and_an_individual():
    delegation = _candidate(kind="delegation", name="Delegation of Chile", email=None, country_id=100)
    assert ("same_country", "coi.same_country") in _rules(_judge(), delegation)
    assert ("same_country", "coi.same_country") in _rules(_judge(), _candidate(country_id=100))


def test_same_country_can_be_switched_off_by_the_cycle():
    assert _rules(_judge(), _candidate(country_id=100), same_country=False) == set()


def test_the_judge_as_nominator():
    assert ("nominator", "coi.nominator") in _rules(_judge(), _candidate(nominator_user_id=1))


def test_the_judge_as_endorser_by_email_or_name():
    assert ("endorser", "coi.endorser") in _rules(_judge(), _candidate(endorser_emails=("judge@example.org",)))
    assert ("endorser", "coi.endorser") in _rules(_judge(), _candidate(endorser_names=("martin jules",)))


def test_a_relation_the_judge_declared():
    judge = _judge(relations=({"name": "Someone Else", "email": None, "kind": "family"},))
    assert ("family", "coi.declared_by_judge") in _rules(judge, _candidate())


def test_a_relation_the_nominator_declared():
    candidate = _candidate(relations=({"name": "Jules Martin", "email": None, "kind": "collaborator"},))
    assert ("collaborator", "coi.declared_by_nominator") in _rules(_judge(), candidate)


def test_each_finding_keeps_its_evidence_and_a_stable_hash():
    [finding] = detect([_judge()], [_candidate(organisation_id=10)])
    assert finding.evidence == {"organisation_id": 10}
    [again] = detect([_judge()], [_candidate(organisation_id=10)])
    assert finding.evidence_hash == again.evidence_hash


def test_many_judges_and_candidates_are_matched_by_index():
    judges = [_judge(id=i, email=f"j{i}@x.org", name=f"Judge {i}", organisation_id=i % 50,
                     country_id=i % 30) for i in range(300)]
    candidates = [_candidate(nomination_id=i, email=f"c{i}@x.org", name=f"Cand {i}",
                             organisation_id=1000 + i, country_id=500, nominator_user_id=10_000)
                  for i in range(600)]
    assert detect(judges, candidates) == []
