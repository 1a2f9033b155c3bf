"""Conflict detection finds the same person and the same organisation
however they are written (issue 18), on an empty production install,
through the pages only. The chair reads each finding in French with its
evidence and decides the possible ones; the look-alikes raise nothing."""

from tests.acceptance.steps import BOARD, HOST, JUDGES, Person, Season, snap, submit

TUNIS, ALSO_TUNIS = "University of Tunis", "Univ. of Tunis"  # one university, entered twice
NOMINATOR = Person("nominator@utunis.example", "Leila Ben Salah", ("nominator",), TUNIS)
CHAIR = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge"), locale="fr")
MUELLER = Person("hans@milset.example", "Hans Müller", ("judge",))
SMITH = Person("john.smith@milset.example", "John Michael Smith", ("judge",))
OBRIEN = Person("siobhan@milset.example", "Siobhán O'Brien", ("judge",))
MEI = Person("mei.chen@milset.example", "Mei Chen", ("judge",), ALSO_TUNIS)
# Mei's own second account, as a nominator of her university.
MEI_AT_HOME = Person("mei@home.example", "CHEN, Mei", ("nominator",), TUNIS)


def _conflicts_shown(page) -> str:
    return page.locator("main section[aria-labelledby=coi-h]").inner_text()


def test_the_same_people_and_organisations_written_otherwise_are_found(production_install, people):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(TUNIS, "Tunisia", "member"), (ALSO_TUNIS, "Tunisia", "member"),
                                         (HOST, "Portugal", "accredited")],
                          cast=(NOMINATOR, MEI_AT_HOME, CHAIR, *JUDGES, MUELLER, SMITH, MEI, OBRIEN, *BOARD))
    season.create_cycle("derek_gray_medal", 2027, esi="Lisbon", deadline="2027-03-31")
    for step in ("publish_criteria", "open_call"):
        season.fire(season.admin, step)
    # The panel is formed while the call is open: detection runs at each submission.
    for n, judge in enumerate((CHAIR, *JUDGES, MUELLER, SMITH, MEI, OBRIEN)):
        season.record_expertise(judge, ("science_education", "youth_organisations")[n % 2],
                                "Twenty years running national science fairs.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR, "chair")
    for judge in (*JUDGES, MUELLER, SMITH, MEI, OBRIEN):
        season.add_to_panel(judge)

    mueller = season.draft_individual(NOMINATOR, "Hans Mueller", country="Germany",
                                      statement="Thirty years of Jugend forscht clubs.")
    endorsed = season.draft_individual(NOMINATOR, "Amina Diallo", country="Senegal",
                                       statement="Founded twelve science clubs in Dakar.")
    season.request_endorsement(NOMINATOR, endorsed, "jms@elsewhere.example")
    season.endorse("jms@elsewhere.example", "J. M. Smith", "Science Museum", "Curator",
                   "She built Dakar's clubs from nothing.")
    from_home = season.draft_individual(MEI_AT_HOME, "Tomás Herrera", country="Chile", organisation=TUNIS,
                                        statement="Chaired the regional science fair for ten years.")
    # The nominator declares the candidate's doctoral supervisor, written without accent or apostrophe.
    supervised = season.draft_individual(NOMINATOR, "Grace Mbeki", country="Kenya",
                                         statement="Took Kenya's science clubs to every county.",
                                         close=(("Siobhan OBrien", "collaborator"),))
    look_alike = season.draft_individual(NOMINATOR, "Ana Souto", country="Brazil",
                                         statement="Brought science fairs to the Amazon's schools.")
    for nominator, nomination in ((NOMINATOR, mueller), (NOMINATOR, endorsed), (MEI_AT_HOME, from_home),
                                  (NOMINATOR, supervised), (NOMINATOR, look_alike)):
        assert season.submit_nomination(nominator, nomination) == 200

    def finding(judge: Person, nomination: int):
        return season.install.query(
            "SELECT c.kind, c.tier, c.rule, c.id FROM conflict_of_interest c JOIN user_account u "
            "ON u.id = c.judge_id WHERE u.email = :e AND c.nomination_id = :n ORDER BY c.kind",
            e=judge.email, n=nomination)

    assert [r[:3] for r in finding(MUELLER, mueller)] == [("self", "certain", "coi.same_person_name")]
    assert [r[:3] for r in finding(SMITH, endorsed)] == [("endorser", "possible", "coi.endorser")]
    assert {r[:3] for r in finding(MEI, from_home)} == {("nominator", "certain", "coi.nominator"),
                                                          ("same_organisation", "certain", "coi.same_organisation")}
    assert [r[:3] for r in finding(OBRIEN, supervised)] == [
        ("collaborator", "certain", "coi.declared_by_nominator")]
    assert not finding(JUDGES[0], look_alike)  # Ana Souza is not Ana Souto

    # The chair reads them in French, with both spellings and how they matched.
    chair = season.page_of(CHAIR)
    chair.goto(f"/cycles/{season.cycle_id}/panel")
    shown = _conflicts_shown(chair)
    snap(chair, "coi-however-written")
    assert "Trouvé par" in shown and "possible : la présidence décide" in shown
    for spelling in ("Hans Mueller", "J. M. Smith", "CHEN, Mei", "Siobhan OBrien", ALSO_TUNIS, TUNIS):
        assert spelling in shown, spelling
    assert "des initiales et des seconds prénoms compatibles avec une même personne" in shown
    assert "Ana Souto" not in shown

    # The possible one is John Michael Smith indeed: the chair confirms it.
    conflict_id = finding(SMITH, endorsed)[0][3]
    chair.select_option(f"main form[action='/conflicts/{conflict_id}/resolve'] select[name=action]", "confirm")
    assert submit(chair, f"/conflicts/{conflict_id}/resolve") == 200
    assert season.install.query("SELECT status FROM conflict_of_interest WHERE id = :c",
                                c=conflict_id)[0][0] == "confirmed"
    assert "Audit chain intact" in season.install.flask("audit", "verify")


DAUGHTER = "Lia Costa"
PARENT = Person("marta@milset.example", "Marta Costa", ("judge",))
LEADER = Person("rui.dias@milset.example", "Rui Dias", ("judge",))  # leads the delegation (PARTICIPANTS)
CHAIR_EN = Person("chair@milset.example", "Chidi Okafor", ("chair", "judge"))
NOMINATOR_ESI = Person("nominator@milset.example", "Inés Carvalho", ("nominator",), HOST)


def test_a_judge_whose_daughter_is_in_a_delegation_and_its_leader_are_found(production_install, people, tmp_path):
    season = Season.begin(production_install, people, esi_host=HOST,
                          organisations=[(HOST, "Portugal", "accredited"), ("Explora Chile", "Chile", "member"),
                                         ("Kenya Science Clubs", "Kenya", "member")],
                          cast=(NOMINATOR_ESI, CHAIR_EN, PARENT, LEADER))
    # Marta declares her daughter on her judge's profile, written otherwise than in the participants' file.
    parent = season.page_of(PARENT)
    parent.goto("/profile/judge")
    form = "main form[action='/profile/judge/relations']"
    parent.fill(f"{form} input[name=name]", "COSTA, Lía")
    parent.select_option(f"{form} select[name=kind]", "family")
    assert submit(parent, "/profile/judge/relations") == 200

    entries = season.delegations_nominated(NOMINATOR_ESI, "enrique_padilla_award", {
        "Explora Chile": "Ran a shared stand with three other delegations.",
        "Kenya Science Clubs": "Brought every young participant on stage."}, tmp_path)
    for judge in (CHAIR_EN, PARENT, LEADER):
        season.record_expertise(judge, "youth_participation", "Coordinated youth delegations at five ESIs.")
    season.vet_every_profile()
    season.add_to_panel(CHAIR_EN, "chair")
    season.add_to_panel(PARENT)
    season.add_to_panel(LEADER)

    rows = season.install.query(
        "SELECT u.email, c.nomination_id, c.kind, c.rule FROM conflict_of_interest c "
        "JOIN user_account u ON u.id = c.judge_id WHERE c.kind <> 'same_country'")
    found = {(email, nomination, kind, rule) for email, nomination, kind, rule in rows}
    # Both delegations list Lia Costa and Rui Dias (the shared participants file).
    for nomination in entries.values():
        assert (PARENT.email, nomination, "family", "coi.declared_by_judge") in found
        assert (LEADER.email, nomination, "self", "coi.delegation_member") in found
    chair = season.page_of(CHAIR_EN)
    chair.goto(f"/cycles/{season.cycle_id}/panel")
    shown = _conflicts_shown(chair)
    snap(chair, "coi-delegation-members")
    assert "COSTA, Lía" in shown and DAUGHTER in shown and "delegation leader" in shown

