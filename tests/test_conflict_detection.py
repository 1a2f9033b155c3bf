"""Each detection rule finds its conflict; pure data, no database."""

import pytest

from judging.conflicts import CandidateIdentity, JudgeIdentity, OrganisationName, Someone, detect


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
    by_email = _candidate(endorsers=(Someone("Another Name", "judge@example.org"),))
    assert ("endorser", "coi.endorser") in _rules(_judge(), by_email)
    assert ("endorser", "coi.endorser") in _rules(_judge(), _candidate(endorsers=(Someone("martin jules"),)))


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


def _found(judge, candidate, **kw):
    return {(f.kind, f.rule, f.tier): f for f in detect([judge], [candidate], **kw)}


@pytest.mark.parametrize(("judge_name", "written"), [
    ("Hans Müller", "Hans Mueller"), ("Jürgen Groß", "Juergen Gross"), ("Łukasz Nowak", "Lukasz Nowak"),
    ("Siobhan O'Brien", "Siobhan OBrien")])
def test_the_same_person_however_written_is_certain(judge_name, written):
    found = _found(_judge(name=judge_name), _candidate(name=written))
    assert ("self", "coi.same_person_name", "certain") in found


@pytest.mark.parametrize(("judge_name", "written"), [
    ("John Michael Smith", "J. M. Smith"), ("Carlos Eduardo Rivera", "Carlos E. Rivera"),
    ("Natalia Leontovitch", "N. Leontovitch"), ("Наталья Леонтович", "Natalia Leontovich"),
    ("Mohammed Al-Rashid", "محمد الراشد")])
def test_a_person_who_may_be_the_same_is_possible_with_both_spellings(judge_name, written):
    found = _found(_judge(name=judge_name), _candidate(name=written))
    finding = found[("self", "coi.possibly_same_person", "possible")]
    assert finding.evidence["judge_side"] == judge_name and finding.evidence["nomination_side"] == written
    assert finding.evidence["match"].startswith("identity.")


@pytest.mark.parametrize(("judge_name", "other"), [
    ("Maria Garcia", "Mario Garcia"), ("John Smith", "Jane Smith"), ("Ivan Petrov", "Ivan Petrova")])
def test_look_alikes_are_not_the_same_person(judge_name, other):
    assert _found(_judge(name=judge_name), _candidate(name=other)) == {}


def test_mailbox_aliases_are_one_address():
    judge = _judge(email="jules.martin@gmail.com", name="J. Martin")
    found = _found(judge, _candidate(name="Someone Else", email="JulesMartin+awards@gmail.com"))
    assert ("self", "coi.same_person_email", "certain") in found


def test_the_judge_nominating_from_a_second_account_is_the_nominator():
    candidate = _candidate(nominator_user_id=55, nominator=Someone("MARTIN, Jules", "jules@home.example"))
    finding = _found(_judge(), candidate)[("nominator", "coi.nominator", "certain")]
    assert finding.evidence["as"] == "nominator" and finding.evidence["nomination_side"] == "MARTIN, Jules"


def test_a_judge_with_two_addresses_is_found_by_either():
    judge = _judge(emails=("jules@home.example",))
    candidate = _candidate(endorsers=(Someone(None, "Jules@Home.example"),))
    assert ("endorser", "coi.endorser", "certain") in _found(judge, candidate)


def _delegation(**kw):
    base = {"kind": "delegation", "name": "Delegation of Chile", "email": None, "organisation_id": 30,
            "country_id": 300, "members": (Someone("Ana Lucía Fernández", role="participant"),
                                           Someone("Pedro Soto", role="leader"))}
    return _candidate(**{**base, **kw})


def test_a_judge_in_the_delegation_is_found_among_its_members():
    finding = _found(_judge(name="Pedro Soto"), _delegation())[("self", "coi.delegation_member", "certain")]
    assert finding.evidence["role"] == "leader"


def test_a_judge_whose_daughter_is_in_the_delegation_declared_her():
    judge = _judge(relations=({"name": "Ana Lucia Fernandez", "email": None, "kind": "family"},))
    finding = _found(judge, _delegation())[("family", "coi.declared_by_judge", "certain")]
    assert finding.evidence["relation"]["name"] == "Ana Lucia Fernandez"
    assert finding.evidence["nomination_side"] == "Ana Lucía Fernández"


def test_a_relation_the_judge_declared_who_nominated_the_candidate():
    judge = _judge(relations=({"name": "Claire Martin", "email": "claire@x.org", "kind": "family"},))
    candidate = _candidate(nominator=Someone("Claire Martin", "c.martin@elsewhere.org"))
    assert ("family", "coi.declared_by_judge", "certain") in _found(judge, candidate)


def test_a_relation_the_nominator_declared_written_otherwise():
    candidate = _candidate(relations=({"name": "J. Martin", "email": None, "kind": "collaborator"},))
    assert ("collaborator", "coi.declared_by_nominator", "possible") in _found(_judge(), candidate)


def _org(id, name, *aliases):
    return OrganisationName(id, name, tuple(aliases))


@pytest.mark.parametrize(("judge_org", "their_org", "tier"), [
    (_org(10, "University of Tunis"), _org(20, "Univ. of Tunis"), "certain"),
    (_org(10, "Fundación Ciencia Joven"), _org(20, "Fundacion Ciencia Joven"), "certain"),
    (_org(10, "Ciencia Joven"), _org(20, "Fundacion Ciencia Joven", "Ciencia Joven Chile"), None),
    (_org(10, "Science Club Tunisia", "ATUSC"), _org(20, "ATUSC"), "certain"),
    (_org(10, "Association Jeunes Sciences"), _org(20, "Association Jeune Science"), "possible")])
def test_one_organisation_in_two_records(judge_org, their_org, tier):
    found = _found(_judge(organisation=judge_org), _candidate(organisation_id=20, organisation=their_org))
    assert {t for (kind, _, t) in found if kind == "same_organisation"} == ({tier} if tier else set())


def test_organisations_that_only_look_alike_are_not_one():
    judge = _judge(organisation=_org(10, "University of Lyon"))
    candidate = _candidate(organisation_id=20, organisation=_org(20, "University of Lyon Medical School"))
    assert _found(judge, candidate) == {}
    paris = _judge(organisation=_org(10, "Université Paris 1"))
    assert _found(paris, _candidate(organisation_id=20, organisation=_org(20, "Université Paris 7"))) == {}


def test_a_certain_finding_wins_over_a_possible_one_of_the_same_kind():
    candidate = _candidate(name="J. Martin", email="judge@example.org")
    assert list(_found(_judge(), candidate)) == [("self", "coi.same_person_email", "certain")]


def test_the_threshold_decides_near_misses():
    judge, candidate = _judge(name="Katarzyna Wiśniewska"), _candidate(name="Katarzyna Wisniewka")
    assert ("self", "coi.possibly_same_person", "possible") in _found(judge, candidate, threshold=90)
    assert _found(judge, candidate, threshold=96) == {}
