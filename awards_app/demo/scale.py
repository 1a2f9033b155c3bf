"""`flask demo load --scale N`: a large, realistic data set, written in bulk.

On top of the normal demo data (its regions, countries, organisations,
award types, board and secretariat accounts), each unit of scale adds one
whole cycle of an individual award (the Derek Gray Medal or, in odd years,
the Volunteer Award) with:

* 2,000 nominations by 200 nominators, each with its candidate and two
  received endorsements; 3% screened ineligible, with the reason;
* a panel of 100 new judges (one chairs) with vetted expertise, languages
  and declared relations; those relations are the cycle's conflicts of
  interest, detected, then confirmed, waived or dismissed by the chair;
* 3 judges per eligible nomination (about 5,800 score sheets), each
  attested free of conflict, and a rubric of 8 or 9 criteria;
* the scores, and 100,000 audit events: every account, transition,
  endorsement, assignment, attestation, login, draft save and submission,
  in the order people would have made them.

Cycle 0 is the current one, in judging (60% of sheets submitted, 25% in
progress). Every other cycle is a past year's, announced: the chair's
recommendation is computed by the same aggregation the app runs, so the
board's report replays it and finds it matches, and three board members
ratified it.

At scale 10 that is 10 cycles, 20,000 nominations, 1,000 judges, about
58,000 assignments, 500,000 scores and 1,000,000 audit events.

Rows are written with SQLAlchemy Core executemany in batches, with ids
assigned here (PostgreSQL's sequences are moved past them at the end). The
audit events continue the chain from its current head, hashed with the
same `audit_chain.canonical_event` and `event_hash` the app uses, each
one a leaf of the Merkle tree as services.audit appends it (its complete
subtrees stored), and the head row is updated last, so `flask audit verify`
passes. Everything is one transaction: the
caller commits, as every command does.

Deterministic: each cycle draws from its own seeded generator; the current
cycle's dates are counted back from today (UTC), so two loads on the same
day write the same data. A second load adds nothing; a larger scale adds
the cycles that are missing.
"""

import hashlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from functools import cache
from operator import itemgetter
from types import SimpleNamespace

from sqlalchemy import func, select, text, update

import workflows
from awards_app import audit_chain, audit_tree
from awards_app.demo import DEMO_ACTOR, data
from awards_app.extensions import db
from awards_app.models import (
    AuditEvent,
    AuditHead,
    AwardType,
    Country,
    Cycle,
    Organisation,
    PersonalValue,
    Region,
    User,
)
from awards_app.models.types import UTCDateTime
from awards_app.services import audit as audit_service
from awards_app.services import passwords, personal_values
from awards_app.services.actors import SystemActor
from judging import conflicts as conflict_rules
from judging import expertise

ACTOR = DEMO_ACTOR
DOMAIN = "scale.demo.milset.org"
MARKER = "demo_scale/1"  # in a generated cycle's settings: how a later load finds it

NOMINATIONS_PER_CYCLE = 2000
NOMINATORS_PER_CYCLE = 200
JUDGES_PER_CYCLE = 100
JUDGES_PER_NOMINATION = 3
ENDORSEMENTS_PER_NOMINATION = 2
INELIGIBLE_SHARE = 0.03
AUDIT_EVENTS_PER_CYCLE = 100_000
BATCH_ROWS = 10_000

AWARDS = ("derek_gray_medal", "volunteer_award")
EXTRA_CRITERIA = [
    ("reach", "Reach: how many young people it touched", 1.5),
    ("innovation", "Innovation in the approach", 1.0),
    ("sustainability", "Lasting effect after the project ended", 1.0),
    ("collaboration", "Work with other organisations and regions", 1.0),
    ("inclusion", "Inclusion of under-represented young people", 1.5),
    ("communication", "Communication of science to the public", 1.0),
    ("evidence", "Evidence given by the nomination and endorsements", 0.5),
]
FIRST = ["Ana", "Bruno", "Chloé", "David", "Elif", "Fatou", "Gabriel", "Hana", "Ibrahim", "Julia",
         "Kenji", "Lucía", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Samuel", "Tanvi",
         "Ugo", "Valentina", "Wei", "Ximena", "Yusuf", "Zara", "Amara", "Bilal", "Camila", "Dmitri",
         "Emma", "Felipe", "Giulia", "Hugo", "Inès", "Jonas", "Kavya", "Léa", "Marek", "Noura",
         "Olga", "Pablo", "Rania", "Sofia", "Tomás", "Uma", "Viktor", "Yasmin", "Zoltan", "Aiko"]
LAST = ["Silva", "Dubois", "Novák", "Müller", "García", "Diallo", "Rossi", "Tanaka", "Haddad", "Kumar",
        "Petrov", "Okafor", "Martins", "Lefèvre", "Horváth", "Santos", "Nakamura", "Benali", "Costa",
        "Moreau", "Ivanova", "Mensah", "Fernández", "Kowalski", "Rahman", "Sato", "Ndiaye", "López",
        "Schmidt", "Popescu", "Ribeiro", "Chen", "Kariuki", "Torres", "Dvořák", "Aydın", "Nguyen",
        "Ramírez", "Bianchi", "Owusu", "Morales", "Hoffmann", "Sørensen", "Al-Sayed", "Vargas",
        "Janssens", "Mwangi", "Castro", "Yilmaz", "Ortega"]
DEEDS = ["ran holiday science camps for children in rural areas",
         "built the volunteer network behind three national science fairs",
         "trained young volunteers to present science in public libraries",
         "founded a robotics club that now runs in twelve schools",
         "organised the region's first expo-science for girls",
         "coordinated exchanges between youth science clubs of four countries",
         "set up a mobile laboratory that visits remote villages",
         "mentored hundreds of first-time exhibitors at ESI",
         "translated MILSET's guides for young researchers into two languages",
         "led the environmental field studies of the national youth network"]
REACH = ["Over {n} young people took part.", "The programme reached {n} pupils in {y} years.",
         "{n} volunteers were trained and stayed on.", "It now involves {n} schools and clubs."]
ROLES_ENDORSER = ["President", "Secretary General", "Programme Director", "Regional Coordinator"]
LANGUAGE_CODES = sorted(expertise.LANGUAGES)
FIELD_CODES = sorted(expertise.FIELDS)
IP_PREFIX = "198.51.100."  # documentation addresses (RFC 5737)


class ScaleError(RuntimeError):
    """The base demo data is missing, or something else stops the load."""


# ------------------------------------------------------------------ writing


@cache
def _scalar_defaults(table) -> dict:
    """The columns' fixed Python-side defaults (a proposal's kind, an
    account's session epoch): the compiled INSERT binds every column that
    has one, so a row that leaves one out must carry it, and a column added
    later with a default needs no change here."""
    return {c.key: c.default.arg for c in table.columns
            if c.default is not None and c.default.is_scalar}


class _Writer:
    """Buffers rows per table and writes them in foreign-key order with
    executemany; assigns ids and continues the audit chain."""

    ORDER = [t.name for t in db.metadata.sorted_tables]

    def __init__(self, conn, progress: Callable[[int], object] | None):
        self.conn = conn
        self.progress = progress
        self.buffers: dict = {}
        self.counts: dict[str, int] = {}
        self.buffered = 0
        self._next_id: dict[str, int] = {}
        self._statements: dict = {}

    def next_id(self, table) -> int:
        name = table.name
        if name not in self._next_id:
            self._next_id[name] = (self.conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
        value = self._next_id[name]
        self._next_id[name] = value + 1
        return value

    def add(self, table, row: dict) -> dict:
        if "id" not in row:
            row["id"] = self.next_id(table)
        for name, value in _scalar_defaults(table).items():
            row.setdefault(name, value)
        self.buffers.setdefault(table.name, (table, []))[1].append(row)
        self.buffered += 1
        if self.buffered >= BATCH_ROWS:
            self.flush()
        return row

    def flush(self) -> None:
        for name in self.ORDER:
            if name not in self.buffers:
                continue
            table, rows = self.buffers[name]
            if rows:
                self._insert(table, rows)
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                if self.progress is not None:
                    self.progress(len(rows))
                rows.clear()
        self.buffered = 0

    def _insert(self, table, rows: list[dict]) -> None:
        """executemany of the table's INSERT, the values converted by the
        columns' own bind processors (the same conversion Core applies),
        without Core's per-row bookkeeping, which cost more than the database."""
        statement = self._statements.get(table.name)
        if statement is None:
            statement = self._statements[table.name] = self._prepare(table, list(rows[0]))
        sql, order, getter, converters, positional = statement
        values = []
        for row in rows:
            value = list(getter(row))
            for i, convert in converters:
                if value[i] is not None:
                    value[i] = convert(value[i])
            values.append(tuple(value) if positional else dict(zip(order, value, strict=True)))
        self.conn.exec_driver_sql(sql, values)

    def _prepare(self, table, keys):
        dialect = self.conn.dialect
        compiled = table.insert().compile(dialect=dialect, column_keys=keys)
        order = list(compiled.positiontup) if compiled.positional else keys
        converters = []
        for i, key in enumerate(order):
            column_type = table.c[key].type
            if isinstance(column_type, UTCDateTime):
                # Every datetime here is made in UTC: the decorator's conversion
                # comes down to dropping the zone, then the dialect's own.
                inner = column_type.impl_instance._cached_bind_processor(dialect)
                converters.append((i, (lambda v, inner=inner: inner(v.replace(tzinfo=None))) if inner
                                   else (lambda v: v.replace(tzinfo=None))))
            else:
                processor = column_type._cached_bind_processor(dialect)
                if processor is not None:
                    converters.append((i, processor))
        return compiled.string, order, itemgetter(*order), converters, compiled.positional

    def written(self) -> int:
        return sum(self.counts.values())


class _Chain:
    """Appends audit events after the current head, hashing as services.audit does."""

    def __init__(self, writer: _Writer):
        self.writer = writer
        conn = writer.conn
        lock = update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq)
        if conn.execute(lock).rowcount == 0:
            conn.execute(AuditHead.__table__.insert().values(id=1, seq=0, hash=audit_chain.GENESIS))
        head = conn.execute(select(AuditHead.seq, AuditHead.hash, AuditHead.tree_size, AuditHead.frontier)
                            .where(AuditHead.id == 1)).one()
        self.seq, self.hash = head.seq, head.hash
        self.tree = audit_service.TreeExtension(head)  # the Merkle tree grows with the chain
        self.table = AuditEvent.__table__
        self.values: list[dict] = []  # personal values the events commit to

    def append(self, at: datetime, actor, action: str, object_type: str, object_id,
               payload: dict, cycle_id: int | None) -> None:
        actor_id, label = (None, actor.name) if isinstance(actor, SystemActor) else (actor[0], f"user:{actor[0]}")
        payload = personal_values.to_commitments(personal_values.mark(action, payload), self.values, self.seq + 1, at)
        event = audit_chain.canonical_event(
            seq=self.seq + 1, at=at, actor_id=actor_id, actor=label, action=action, object_type=object_type,
            object_id=object_id, cycle_id=cycle_id, payload=payload, prev_hash=self.hash)
        event["hash"] = audit_chain.event_hash(event)
        self.tree.append(audit_tree.event_leaf_hash(event))
        if len(self.tree.subtrees) >= BATCH_ROWS:
            self.tree.store_subtrees(self.writer.conn)
        if len(self.values) >= BATCH_ROWS:
            self._store_values()
        self.seq, self.hash = event["seq"], event["hash"]
        event["at"] = at  # the row holds the datetime; the hash was taken over its text
        self.writer.add(self.table, event)

    def _store_values(self) -> None:
        if self.values:
            self.writer.conn.execute(PersonalValue.__table__.insert(), self.values)
            self.values = []

    def close(self) -> None:
        self.writer.flush()
        self._store_values()
        self.tree.store_subtrees(self.writer.conn)
        self.writer.conn.execute(update(AuditHead).where(AuditHead.id == 1)
                                 .values(seq=self.seq, hash=self.hash, **self.tree.head_values()))


class _Phase:
    """Events of one phase of a cycle, stamped evenly between two instants."""

    def __init__(self, start: datetime, end: datetime):
        self.start, self.end = start, end
        self.events: list[tuple] = []

    def add(self, actor, action, object_type, object_id, payload, hook=None):
        """hook(at) runs when the event's time is known (rows that carry it)."""
        self.events.append((actor, action, object_type, object_id, payload, hook))

    def stamp(self) -> None:
        """Give each event its time and let the rows that carry it know."""
        step = (self.end - self.start) / max(len(self.events), 1)
        self.times = [self.start + step * i for i in range(len(self.events))]
        for at, event in zip(self.times, self.events, strict=True):
            if event[5] is not None:
                event[5](at)

    def emit(self, chain: _Chain, cycle_id: int) -> None:
        for at, (actor, action, object_type, object_id, payload, _hook) in zip(self.times, self.events,
                                                                              strict=True):
            chain.append(at, actor, action, object_type, object_id, payload, cycle_id)


def _declared_finding(judge, target, relation) -> conflict_rules.Finding:
    """What detection finds of a relation a judge declared with a candidate,
    as judging.conflicts words it, so a later run of detection recognises
    the demo's findings instead of rewriting them."""
    found = conflict_rules.detect(
        [conflict_rules.JudgeIdentity(judge.id, judge.email, judge.name, relations=(relation,))],
        [conflict_rules.CandidateIdentity(target.id, "individual", target.name, target.email)], same_country=False)
    return next(f for f in found if f.kind == relation["kind"])


# ------------------------------------------------------------------ the base


@dataclass
class _Base:
    admin: User
    board: list[User]
    organisations: list[Organisation]
    countries: list[Country]
    region_codes: list[str]
    awards: dict[str, AwardType]
    password_hash: str
    taken: set = field(default_factory=set)  # (award_type_id, year)
    done: set = field(default_factory=set)  # scale indices already loaded


def _base() -> _Base:
    session = db.session

    def user(local):
        return session.scalar(select(User).where(User.email == f"{local}@{data.DEMO_DOMAIN}"))

    admin, board = user("admin"), [user(f) for f in ("board", "board2", "board3")]
    awards = {a.code: a for a in session.scalars(select(AwardType).where(AwardType.code.in_(AWARDS)))}
    if admin is None or None in board or len(awards) != len(AWARDS):
        raise ScaleError("Load the normal demo data first (flask demo load).")
    organisations = list(session.scalars(select(Organisation).where(Organisation.status == "member")
                                         .order_by(Organisation.id)))
    base = _Base(admin=admin, board=board, organisations=organisations,
                 countries=list(session.scalars(select(Country).order_by(Country.id))),
                 region_codes=list(session.scalars(select(Region.code).order_by(Region.id))),
                 awards=awards, password_hash=admin.password_hash or passwords.hash_password("scale-demo-password"))
    for award_type_id, year, settings in session.execute(select(Cycle.award_type_id, Cycle.year, Cycle.settings)):
        if workflows.setting(settings, "generated") == MARKER:
            base.done.add(workflows.setting(settings, "scale_index"))  # its slot stays its own
        else:
            base.taken.add((award_type_id, year))
    return base


def _cycle_slots(base: _Base, today: date):
    """(award, year) for scale index 0, 1, 2...: this year's Derek Gray Medal
    first, then earlier years (the Volunteer Award only in odd years), never
    a pair the demo already holds."""
    index, year = 0, today.year
    while True:
        for code in AWARDS:
            if code == "volunteer_award" and year % 2 == 0:
                continue
            award = base.awards[code]
            if (award.id, year) in base.taken:
                continue
            yield index, award, year
            index += 1
        year -= 1


# ------------------------------------------------------------------ one cycle


def _name(rng, middle=False) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return f"{first} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {last}" if middle else f"{first} {last}"


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower().replace(" ", ".") if ch.isalnum() or ch == ".")


def _at_day(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, dtime(hour, 0), tzinfo=UTC)


def _eligibility(award_code: str, years, age, ok: bool) -> list[dict]:
    if award_code == "volunteer_award":
        rows = [
            {"rule": "candidate.kind", "ok": True, "message": "This award goes to an individual.",
             "severity": "error", "detail": {"expected": "individual", "kind": "individual"}},
            {"rule": "volunteer.age_under_30", "ok": ok,
             "message": f"The nominee must be under 30 at the reference date; they are {age}.",
             "severity": "error", "detail": {"max_age": 30, "age": age}},
            {"rule": "volunteer.min_years", "ok": True,
             "message": "The nominee must have volunteered at least 5 years for a MILSET member, "
                        "region or MILSET itself.", "severity": "error",
             "detail": {"min_volunteer_years": 5, "volunteer_years": years}},
            {"rule": "volunteer.endorsed_by_organisation", "ok": True,
             "message": "The candidature must be endorsed by the nominee's own organisation.",
             "severity": "error", "detail": {}},
        ]
    else:
        rows = [
            {"rule": "derek_gray.individual", "ok": True, "message": "This award goes to an individual.",
             "severity": "error", "detail": {"expected": "individual", "kind": "individual"}},
            {"rule": "derek_gray.never_received", "ok": ok,
             "message": "The candidate has already received the Derek Gray Medal.", "severity": "error",
             "detail": {}},
        ]
    return rows


class _CycleBuilder:
    """Plans one cycle in memory, then writes its rows and its audit events."""

    def __init__(self, w: _Writer, chain: _Chain, base: _Base, index: int, award: AwardType, year: int,
                 today: date):
        self.w, self.chain, self.base = w, chain, base
        self.index, self.award, self.year = index, award, year
        self.current = index == 0
        self.rng = random.Random(f"milset-demo-scale-{index}")
        self.code = award.code
        self.T = {name: db.metadata.tables[name] for name in db.metadata.tables}
        if self.current:  # judging now: the call closed three months ago
            anchor = _at_day(today, 0)
            self.dates = {"setup": (anchor - timedelta(days=200), anchor - timedelta(days=181)),
                          "call": (anchor - timedelta(days=180), anchor - timedelta(days=91)),
                          "screening": (anchor - timedelta(days=90), anchor - timedelta(days=61)),
                          "judging": (anchor - timedelta(days=60), anchor - timedelta(hours=2))}
        else:
            self.dates = {"setup": (_at_day(date(year, 1, 5)), _at_day(date(year, 1, 31))),
                          "call": (_at_day(date(year, 2, 1)), _at_day(date(year, 4, 30), 18)),
                          "screening": (_at_day(date(year, 5, 1)), _at_day(date(year, 5, 31))),
                          "judging": (_at_day(date(year, 6, 1)), _at_day(date(year, 7, 31))),
                          "board": (_at_day(date(year, 8, 1)), _at_day(date(year, 9, 30)))}
        self.phases = {name: _Phase(*span) for name, span in self.dates.items()}
        self.rows: dict[str, list[dict]] = {}

    # -- helpers

    def _row(self, table_name, **values):
        """A row of this cycle, written with the others once every time is known."""
        row = {"id": values.pop("id", None) or self.w.next_id(self.T[table_name]), **values}
        self.rows.setdefault(table_name, []).append(row)
        return row

    def _user(self, email, name, roles, country_id, organisation_id, created_at, locale=None):
        person = self._row("person", name=name, email=email, country_id=country_id,
                           organisation_id=organisation_id, date_of_birth=None)
        user = self._row("user_account", email=email, password_hash=self.base.password_hash,
                         person_id=person["id"], active=True, locale=locale, timezone="UTC",
                         created_at=created_at)
        for role in sorted(roles):
            self._row("user_role", user_id=user["id"], role=role)
        self.phases["setup"].add(ACTOR, "user.created", "user_account", user["id"],
                                 {"email": email, "roles": sorted(roles)})
        return SimpleNamespace(id=user["id"], email=email, name=name, ref=(user["id"], email))

    def _transition(self, phase, actor, event, before, after, role, reason=None):
        self.phases[phase].add(actor, "cycle.transition", "cycle", self.cycle_id,
                               {"event": event, "from": before, "to": after, "role": role, "reason": reason})
        self.transitions += 1

    # -- the plan

    def build(self) -> dict:
        rng, b = self.rng, self.base
        admin = (b.admin.id, b.admin.email)
        self.transitions = 0
        setup_start = self.dates["setup"][0]
        call_end = self.dates["call"][1]

        # The cycle, its rubric and settings.
        criteria_specs = [dict(c) for c in self.award.default_criteria]
        n_extra = (8 if self.index % 2 == 0 else 9) - len(criteria_specs)
        for code, name, weight in EXTRA_CRITERIA[:n_extra]:
            criteria_specs.append({"code": code, "names": {"en": name, "fr": name, "es": name},
                                   "weight": weight, "scale_min": 1, "scale_max": 5,
                                   "comment_required": False})
        settings = {**self.award.default_settings, "detect_same_country": False,
                    "generated": MARKER, "scale_index": self.index}
        self.cycle_id = self.w.next_id(self.T["cycle"])
        criteria = []
        for position, c in enumerate(criteria_specs):
            criteria.append(SimpleNamespace(
                id=self.w.next_id(self.T["criterion"]), code=c["code"], weight=float(c["weight"]),
                scale_min=c["scale_min"], scale_max=c["scale_max"], names=c["names"], position=position,
                comment_required=c.get("comment_required", False)))
        self.criteria = criteria

        # People: judges (new to this cycle), nominators, candidates.
        judges = []
        for j in range(JUDGES_PER_CYCLE):
            roles = ("chair", "judge") if j == 0 else ("judge",)
            country = rng.choice(b.countries)
            judges.append(self._user(f"judge-c{self.index:03d}-j{j:03d}@{DOMAIN}", _name(rng, True), roles,
                                     country.id, None, setup_start, rng.choice(["en", "fr", "es", None])))
        chair = judges[0]
        nominators = []
        for k in range(NOMINATORS_PER_CYCLE):
            org = rng.choice(b.organisations)
            nominators.append(self._user(f"nominator-c{self.index:03d}-{k:03d}@{DOMAIN}", _name(rng),
                                         ("nominator",), org.country_id, org.id, setup_start))
        required = list(self.award.workflow.setting(settings, "required_fields"))
        self._profiles(judges, required)

        deadline = call_end
        cycle_row = dict(
            id=self.cycle_id, award_type_id=self.award.id, event_id=None, year=self.year,
            state="judging" if self.current else "announced", version=1, settings=settings,
            max_laureates=int(self.award.workflow.setting(settings, "max_laureates")), opens_at=self.dates["call"][0],
            deadline=deadline,
            judging_deadline=(datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
                              if self.current else self.dates["judging"][1]),
            criteria_published_at=setup_start + timedelta(days=20), odd_year_override_reason=None,
            close_reason=None, hearing_held_at=None, hearing_notes=None, deliberation_notes=None,
            created_at=setup_start + timedelta(days=19))
        setup = self.phases["setup"]
        setup.add(admin, "cycle.created", "cycle", self.cycle_id,
                  {"award": self.code, "year": self.year, "settings": settings,
                   "criteria": [c.code for c in criteria]})
        self._transition("setup", admin, "publish_criteria", "draft", "criteria_published", "admin")
        self._transition("setup", admin, "open_call", "criteria_published", "call_open", "admin")

        nominations = self._nominations(nominators, deadline)
        eligible = [n for n in nominations if n.eligible]
        self._transition("screening", admin, "close_call", "call_open", "screening", "admin")
        for n in nominations:
            event = "mark_eligible" if n.eligible else "mark_ineligible"
            self.phases["screening"].add(admin, "nomination.transition", "nomination", n.id,
                                         {"event": event, "from": "submitted",
                                          "to": "eligible" if n.eligible else "ineligible",
                                          "role": "admin", "reason": n.reason})
        blocked = self._panel(judges, chair, nominations)
        self._transition("screening", admin, "open_judging", "screening", "judging", "admin")
        sheets = self._assign(judges, chair, eligible, blocked)
        self._judging(sheets)
        final_state = "judging"
        if not self.current:
            final_state = self._board(chair, eligible, sheets)

        # The cycle row carries its final state; the writer puts it before its children.
        cycle_row.update(state=final_state, version=1 + self.transitions)
        if self.code == "volunteer_award" and not self.current:
            cycle_row.update(hearing_held_at=self.dates["board"][0] + timedelta(days=20),
                             hearing_notes="The Executive Committee heard the shortlisted candidates online.")
        self._row("cycle", **cycle_row)
        for c in criteria:
            self._row("criterion", **dict(
                id=c.id, cycle_id=self.cycle_id, code=c.code, name_en=c.names["en"], name_fr=c.names["fr"],
                name_es=c.names["es"], weight=c.weight, scale_min=c.scale_min, scale_max=c.scale_max,
                comment_required=c.comment_required, position=c.position))
        self._events_to_target(sheets)
        for phase in self.phases.values():
            phase.stamp()
        for name in self.w.ORDER:  # parents before children, whatever the batch boundaries
            for row in self.rows.get(name, ()):
                self.w.add(self.T[name], row)
        self.rows.clear()
        for phase in self.phases.values():
            phase.emit(self.chain, self.cycle_id)
        return {"cycle_id": self.cycle_id, "state": final_state, "chair": chair.email,
                "judges": [j.email for j in judges[:3]]}

    def _profiles(self, judges, required):
        rng, setup = self.rng, self.phases["setup"]
        admin = (self.base.admin.id, self.base.admin.email)
        vetted_at = self.dates["setup"][1]
        for i, judge in enumerate(judges):
            fields = [required[i % len(required)]] if required else []
            fields += [f for f in rng.sample(FIELD_CODES, rng.randint(1, 3)) if f not in fields]
            profile_id = self.w.next_id(self.T["judge_profile"])
            judge.profile_id, judge.relations = profile_id, []
            judge.languages = sorted({"en", *rng.sample(LANGUAGE_CODES, rng.randint(0, 2))})
            for f in fields:
                years = rng.randint(2, 30)
                self._row("expertise", profile_id=profile_id, field=f, years=years,
                          evidence=f"{years} years of {expertise.label(f).lower()} with youth science clubs.")
                setup.add(judge.ref, "judge_profile.expertise_added", "judge_profile", profile_id,
                          {"field": f, "years": years})
            setup.add(admin, "judge_profile.vetted", "judge_profile", profile_id,
                      {"user_id": judge.id, "fields": sorted(fields)})
            judge.severity = rng.gauss(0, 0.4)
            judge.profile_row = dict(id=profile_id, user_id=judge.id, languages=judge.languages,
                                     regions=sorted(rng.sample(self.base.region_codes, rng.randint(1, 2))),
                                     vetted_at=vetted_at, vetted_by_id=self.base.admin.id, relations=[])

    def _nominations(self, nominators, deadline):
        rng, call = self.rng, self.phases["call"]
        volunteer = self.code == "volunteer_award"
        out = []
        for i in range(NOMINATIONS_PER_CYCLE):
            nominator = nominators[i % len(nominators)]
            org = rng.choice(self.base.organisations)
            name = _name(rng)
            email = f"{_slug(name)}.{self.index}.{i}@example.org"
            eligible = rng.random() >= INELIGIBLE_SHARE
            if volunteer:
                age = rng.randint(18, 29) if eligible else 30 + rng.randint(0, 3)
                years, places = rng.randint(5, 12), f"{org.name}, {self.year - 6}-{self.year}"
            else:
                age, years, places = rng.randint(32, 75), None, None
            born = deadline.date() - timedelta(days=365 * age + rng.randint(0, 300))
            person = self._row("person", name=name, email=email, country_id=org.country_id,
                               organisation_id=org.id, date_of_birth=born)
            reason = None if eligible else ("Over the age limit at the deadline." if volunteer
                                            else "Received the Derek Gray Medal before.")
            deed = rng.choice(DEEDS)
            statement = (f"{name} {deed}. " + rng.choice(REACH).format(n=rng.randint(40, 4000),
                                                                       y=rng.randint(3, 15))
                         + f" Nominated by {org.name} for {self.award.name_en} {self.year}.")
            n = SimpleNamespace(id=self.w.next_id(self.T["nomination"]), eligible=eligible, reason=reason,
                                nominator=nominator, name=name, email=email, org=org,
                                quality=rng.gauss(0, 1), person_id=person["id"])
            row = dict(id=n.id, cycle_id=self.cycle_id, nominator_id=nominator.id, candidate_kind="individual",
                       candidate_person_id=person["id"], candidate_delegation_id=None,
                       candidate_organisation_id=None, candidate_key=f"person:{email}", statement=statement,
                       volunteer_years=float(years) if years is not None else None, volunteer_places=places,
                       declared_relations=[], state="eligible" if eligible else "ineligible",
                       version=4, eligibility=_eligibility(self.code, years, age, eligible),
                       screening_reason=reason, submitted_at=None, created_at=None, updated_at=None)
            row = n.row = self._row("nomination", **row)
            out.append(n)

            def created(at, row=row):
                row["created_at"] = at

            def submitted(at, row=row):
                row["submitted_at"] = row["updated_at"] = at

            call.add(nominator.ref, "auth.login", "user_account", nominator.id,
                     {"remote_addr": IP_PREFIX + str(nominator.id % 250 + 1)})
            call.add(nominator.ref, "nomination.created", "nomination", n.id,
                     {"candidate_kind": "individual", "candidate_key": row["candidate_key"]}, created)
            for e in range(ENDORSEMENTS_PER_NOMINATION):
                self._endorsement(n, e)
            call.add(nominator.ref, "nomination.transition", "nomination", n.id,
                     {"event": "submit", "from": "draft", "to": "submitted", "role": "nominator",
                      "reason": None}, submitted)
        return out

    def _endorsement(self, n, e):
        rng, call = self.rng, self.phases["call"]
        own = e == 0
        endorser = _name(rng)
        email = (f"president.{n.org.id}@example.org" if own
                 else f"{_slug(endorser)}.{self.index}.{n.id}@example.org")
        row = self._row("endorsement", nomination_id=n.id, email=email,
                   token_hash=hashlib.sha256(f"scale-{self.index}-{n.id}-{e}".encode()).hexdigest(),
                   expires_at=None, requested_at=None, received_at=None, endorser_name=endorser,
                   endorser_organisation=n.org.name if own else f"{rng.choice(LAST)} Science Foundation",
                   endorser_role=rng.choice(ROLES_ENDORSER),
                   text=f"{n.name} has our full support: {rng.choice(DEEDS)}.",
                   from_candidate_organisation=own)

        def requested(at):
            row["requested_at"], row["expires_at"] = at, at + timedelta(days=14)

        def received(at):
            row["received_at"] = at

        call.add(n.nominator.ref, "endorsement.requested", "endorsement", row["id"],
                 {"nomination_id": n.id, "email": email}, requested)
        call.add(SystemActor(f"endorser:{row['id']}"), "endorsement.received", "endorsement", row["id"],
                 {"nomination_id": n.id, "name": endorser, "organisation": row["endorser_organisation"],
                  "from_candidate_organisation": own},
                 received)

    def _panel(self, judges, chair, nominations):
        """Members join; detection finds the relations judges declared; the
        chair settles each. Returns the pairs a conflict keeps apart."""
        rng, phase = self.rng, self.phases["screening"]
        admin = (self.base.admin.id, self.base.admin.email)
        panel_id = self._row("panel", cycle_id=self.cycle_id)["id"]
        active = list(nominations)
        blocked, planned = set(), []
        for judge in judges:
            if judge is not chair and rng.random() < 0.8:
                target = rng.choice(active)
                relation = {"name": target.name, "email": target.email,
                            "kind": rng.choice(["family", "collaborator", "financial"])}
                judge.profile_row["relations"] = [relation]
                planned.append((judge, target, relation))
        for judge in judges:
            self._row("judge_profile", **judge.profile_row)
        conflicts_by_judge: dict = {}
        for judge, target, relation in planned:
            finding = _declared_finding(judge, target, relation)
            draw = rng.random()
            status = "confirmed" if draw < 0.5 or not target.eligible else ("waived" if draw < 0.75
                                                                             else "dismissed")
            rationale = {"confirmed": None,
                         "waived": "The relation ended years ago; the chair sees no influence.",
                         "dismissed": "A different person of the same name."}[status]
            if status == "confirmed":
                blocked.add((judge.id, target.id))
            row = self._row("conflict_of_interest", judge_id=judge.id,
                       nomination_id=target.id, kind=relation["kind"], source="detected", status=status,
                       rule=finding.rule, tier=finding.tier, evidence=finding.evidence,
                       evidence_hash=finding.evidence_hash,
                       note=None, rationale=rationale, resolved_by_id=chair.id, resolved_at=None,
                       created_at=None)
            conflicts_by_judge[judge.id] = row
        for judge in judges:
            role = "chair" if judge is chair else "member"
            member_id = self._row("panel_member", panel_id=panel_id, user_id=judge.id, role=role)["id"]
            phase.add(admin, "panel.member_added", "panel_member", member_id,
                      {"user_id": judge.id, "email": judge.email, "role": role})
            row = conflicts_by_judge.get(judge.id)
            if row is not None:
                def detected(at, row=row):
                    row["created_at"] = at
                phase.add(admin, "conflict.detected", "conflict_of_interest", row["id"],
                          {"judge_id": row["judge_id"], "nomination_id": row["nomination_id"], "kind": row["kind"],
                           "rule": row["rule"], "evidence": row["evidence"], "status": "open"}, detected)
        for row in conflicts_by_judge.values():
            def resolved(at, row=row):
                row["resolved_at"] = at
            phase.add((chair.id, chair.email), f"conflict.{row['status']}", "conflict_of_interest", row["id"],
                      {"judge_id": row["judge_id"], "nomination_id": row["nomination_id"], "kind": row["kind"],
                       "from": "open", "rationale": row["rationale"]}, resolved)
        return blocked

    def _assign(self, judges, chair, eligible, blocked):
        """3 judges per eligible nomination, loads even, conflicts excluded."""
        rng = self.rng
        order = judges[:]
        rng.shuffle(order)
        pointer, sheets = 0, []
        for n in eligible:
            chosen = []
            tries = 0
            while len(chosen) < JUDGES_PER_NOMINATION and tries < 3 * len(order):
                judge = order[pointer % len(order)]
                pointer += 1
                tries += 1
                if (judge.id, n.id) in blocked or judge in chosen:
                    continue
                chosen.append(judge)
            for judge in chosen:
                if self.current:
                    draw = rng.random()
                    state = "submitted" if draw < 0.6 else ("drafted" if draw < 0.85 else "untouched")
                else:
                    state = "submitted"
                sheets.append(SimpleNamespace(
                    id=self.w.next_id(self.T["assignment"]), judge=judge, nomination=n, state=state,
                    fit=round(rng.uniform(0.35, 1.0), 3), severity=judge.severity))
        max_load = math.ceil(JUDGES_PER_NOMINATION * len(eligible) / len(judges))
        phase = self.phases["judging"]
        chair_ref = (chair.id, chair.email)
        for s in sheets:
            s.row = self._row("assignment", id=s.id, nomination_id=s.nomination.id, judge_id=s.judge.id, fit=s.fit,
                         sheet_state="submitted" if s.state == "submitted" else "open", submitted_at=None,
                         version=2 if s.state == "submitted" else 1, created_at=None)

            def added(at, s=s):
                s.row["created_at"] = at

            phase.add(chair_ref, "assignment.added", "assignment", s.id,
                      {"nomination_id": s.nomination.id, "judge_id": s.judge.id, "fit": s.fit,
                       "reasons": [], "source": "optimal"}, added)
        phase.add(chair_ref, "assignment.run", "cycle", self.cycle_id,
                  {"k": JUDGES_PER_NOMINATION, "max_load": max_load, "feasible": True, "optimal": True,
                   "method": "min_cost_flow", "total_fit": round(sum(s.fit for s in sheets), 3),
                   "uncovered": []})
        return sheets

    def _judging(self, sheets):
        """Per sheet, in a shuffled order: a login now and then, the
        attestation, draft saves (counted later), the submission."""
        rng = self.rng
        order = sheets[:]
        rng.shuffle(order)
        # One clear laureate, as panels usually have: the best nomination gets
        # top marks from its judges and no other sheet does, so the declared
        # method ranks it first without a tie the chair would have to settle.
        best = max((s.nomination for s in sheets), key=lambda n: (n.quality, -n.id), default=None)
        for s in order:
            s.values = {c.id: float(min(c.scale_max, max(c.scale_min, round(
                3 + 0.9 * s.nomination.quality + s.severity + rng.gauss(0, 0.7))))) for c in self.criteria}
            if s.nomination is best:
                s.values = {c.id: float(c.scale_max) for c in self.criteria}
            elif all(v == c.scale_max for c, v in zip(self.criteria, s.values.values(), strict=True)):
                s.values[self.criteria[-1].id] = float(self.criteria[-1].scale_max - 1)
            if s.state == "drafted":
                kept = rng.sample(self.criteria, rng.randint(1, len(self.criteria) - 1))
                s.values = {c.id: s.values[c.id] for c in kept}
            s.login = rng.random() < 1 / 3
            s.attest = s.state != "untouched" or rng.random() < 0.5
            s.drafts = 0
        self.judging_order = order

    def _events_to_target(self, sheets):
        """Draft saves fill the cycle's events up to AUDIT_EVENTS_PER_CYCLE,
        spread over the sheets judges worked on; then the judging phase is laid out."""
        phase = self.phases["judging"]
        order = self.judging_order
        touched = [s for s in order if s.state != "untouched"]
        fixed = sum(len(p.events) for p in self.phases.values())
        fixed += sum(s.login + s.attest + (s.state == "submitted") for s in order)
        spare = max(0, AUDIT_EVENTS_PER_CYCLE - fixed)
        for i, s in enumerate(touched):
            s.drafts = max(1, spare // len(touched) + (1 if i < spare % len(touched) else 0))
        for s in order:
            judge_ref = (s.judge.id, s.judge.email)
            if s.login:
                phase.add(judge_ref, "auth.login", "user_account", s.judge.id,
                          {"remote_addr": IP_PREFIX + str(s.judge.id % 250 + 1)})
            if s.attest:
                def attested(at, s=s):
                    self._row("conflict_attestation", judge_id=s.judge.id, nomination_id=s.nomination.id,
                              attested_at=at)
                phase.add(judge_ref, "conflict.attested_none", "conflict_attestation", None,
                          {"nomination_id": s.nomination.id}, attested)
            n_criteria = len(s.values)

            def drafted(at, s=s):
                self._scores(s, at)  # the scores as the last draft left them

            for d in range(s.drafts):
                last = d == s.drafts - 1 and s.state == "drafted"
                phase.add(judge_ref, "score.draft_saved", "assignment", s.id,
                          {"nomination_id": s.nomination.id,
                           "criteria": min(n_criteria, 1 + d * n_criteria // max(s.drafts, 1))},
                          drafted if last else None)
            if s.state == "submitted":
                by_id = {c.id: c.code for c in self.criteria}

                def submitted(at, s=s):
                    s.row["submitted_at"] = at
                    self._scores(s, at)

                phase.add(judge_ref, "score.submitted", "assignment", s.id,
                          {"nomination_id": s.nomination.id, "judge_id": s.judge.id,
                           "scores": {by_id[cid]: v for cid, v in sorted(s.values.items())}}, submitted)

    def _scores(self, s, at):
        for criterion_id, value in s.values.items():
            self._row("score", assignment_id=s.id, criterion_id=criterion_id, value=value,
                      comment="" if self.rng.random() < 0.8 else "Well documented by the endorsements.",
                      updated_at=at)

    def _board(self, chair, eligible, sheets) -> str:
        """Close scoring, rank as the app does, recommend, vote, ratify, announce."""
        from awards_app.services import decisions, recommendations

        phase, b = self.phases["board"], self.base
        chair_ref = (chair.id, chair.email)
        admin = (b.admin.id, b.admin.email)
        by_id = {c.id: c.code for c in self.criteria}
        settings, wf = self._settings(), self.award.workflow
        like = SimpleNamespace(id=self.cycle_id, settings=settings, max_laureates=1, criteria=self.criteria,
                               criteria_of=lambda _round: self.criteria,  # one round, no shortlist
                               setting=lambda name: wf.setting(settings, name))
        self._transition("board", chair_ref, "close_scoring", "judging", "deliberation", "chair")
        result = recommendations.rank_from_sheets(like, [
            {"nomination_id": s.nomination.id, "judge_id": s.judge.id,
             "scores": {by_id[cid]: v for cid, v in s.values.items()}} for s in sheets])
        laureates = list(result.laureates) or [result.entries[0].nomination_id]
        rationale = "The panel agreed with the declared method: the widest and longest-lasting reach."
        recommendation = self._row(
            "recommendation", cycle_id=self.cycle_id, method=result.method,
            ranking=[recommendations.entry_as_json(e) for e in result.entries], laureate_nomination_ids=laureates,
            inputs_hash=result.inputs_hash, rationale=rationale, created_by_id=chair.id,
            created_at=self.dates["board"][0] + timedelta(days=5))
        rec_ns = SimpleNamespace(method=result.method, ranking=recommendation["ranking"],
                                 laureate_nomination_ids=laureates)
        by_nomination = {n.id: n for n in eligible}
        for nid in laureates:
            phase.add(chair_ref, "nomination.transition", "nomination", nid,
                      {"event": "select", "from": "eligible", "to": "recommended", "role": "chair", "reason": None})
        phase.add(chair_ref, "recommendation.made", "recommendation", recommendation["id"],
                  {"method": result.method, "laureates": laureates, "inputs_hash": result.inputs_hash,
                   "rationale": rationale,
                   "tie_breaks": [{"nominations": list(t.nomination_ids), "step": t.step, "detail": t.detail}
                                  for t in result.tie_breaks]})
        volunteer = self.code == "volunteer_award"
        [waiting] = wf.awaiting_ratification_states
        self._transition("board", chair_ref, "recommend", "deliberation", waiting, "chair")
        if volunteer:
            phase.add(admin, "cycle.hearing_held", "cycle", self.cycle_id,
                      {"held_on": (self.dates["board"][0] + timedelta(days=20)).date().isoformat(),
                       "present": sorted(m.id for m in b.board),
                       "notes": "The Executive Committee heard the shortlisted candidates online."})
        for member in b.board:
            vote = self._row("board_vote", recommendation_id=recommendation["id"], user_id=member.id,
                             vote="approve", reason=None, cast_at=self.dates["board"][0] + timedelta(days=30))
            phase.add((member.id, member.email), "board.vote", "board_vote", vote["id"],
                      {"recommendation_id": recommendation["id"], "vote": "approve", "reason": None})
        last = (b.board[-1].id, b.board[-1].email)
        self._transition("board", last, wf.ratifying_event, waiting, "ratified", "board")
        like_cycle = SimpleNamespace(settings=like.settings, criteria=self.criteria)
        digest = decisions.inputs_hash(like_cycle, rec_ns)
        decision = self._row("decision", cycle_id=self.cycle_id, recommendation_id=recommendation["id"],
                             amends_id=None, laureate_nomination_ids=laureates, inputs_hash=digest, reason=None,
                             ratified_at=self.dates["board"][0] + timedelta(days=31))
        for nid in laureates:
            by_nomination[nid].row.update(state="laureate", version=6)
            phase.add(last, "nomination.transition", "nomination", nid,
                      {"event": "confer", "from": "recommended", "to": "laureate", "role": "board", "reason": None})
        phase.add(last, "decision.ratified", "decision", decision["id"],
                  {"laureates": laureates, "inputs_hash": digest, "recommendation_id": recommendation["id"],
                   "votes": {"approve": len(b.board), "reject": 0, "abstain": 0, "recused": 0}})
        self._transition("board", admin, "announce", "ratified", "announced", "admin")
        return "announced"

    def _settings(self):
        return {**self.award.default_settings, "detect_same_country": False, "generated": MARKER,
                "scale_index": self.index}


# ------------------------------------------------------------------ entry point


def expected_rows(scale: int) -> int:
    """About how many rows load(scale) writes (the length of a progress bar)."""
    per_cycle = 2300 + 300 * 2 + 100 * 4 + NOMINATIONS_PER_CYCLE * (1 + ENDORSEMENTS_PER_NOMINATION)
    sheets = int(NOMINATIONS_PER_CYCLE * (1 - INELIGIBLE_SHARE) * JUDGES_PER_NOMINATION)
    per_cycle += sheets * (2 + 8.5) + AUDIT_EVENTS_PER_CYCLE
    return int(scale * per_cycle)


def load(scale: int, progress: Callable[[int], object] | None = None, *, today: date | None = None) -> dict:
    """Add `scale` cycles of generated data (see the module docstring).

    progress, when given, is called with the number of rows each batch
    wrote (click's progressbar.update). Returns plain numbers: the cycles
    added, the rows written per table, the total, the seconds taken and the
    rate. The caller commits."""
    if scale < 0:
        raise ScaleError("The scale is a number of cycles, 0 or more.")
    started, cpu_started = time.perf_counter(), time.process_time()
    today = today or datetime.now(UTC).date()
    base = _base()
    conn = db.session.connection()
    writer = _Writer(conn, progress)
    chain = _Chain(writer)
    cycles = []
    for index, award, year in _cycle_slots(base, today):
        if index >= scale:
            break
        if index in base.done:
            continue
        builder = _CycleBuilder(writer, chain, base, index, award, year, today)
        summary = builder.build()
        cycles.append({"index": index, "award": award.code, "year": year, **summary})
        writer.flush()
    chain.close()
    writer.flush()
    if conn.dialect.name == "postgresql":
        for name in writer.counts:  # the app's next inserts take ids after ours
            table = db.metadata.tables[name]
            conn.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"),
                                            select(func.max(table.c.id)).scalar_subquery())))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rows = writer.written()
    return {"cycles": len(cycles), **dict(sorted(writer.counts.items())), "rows": rows,
            "seconds": round(seconds, 1), "rows_per_second": round(rows / seconds) if seconds else 0,
            # This process's CPU time: the database's share is in it on SQLite, not on PostgreSQL.
            "cpu_seconds": round(cpu, 1)}


def analyze() -> None:
    """Refresh the planner's statistics after the bulk load (call it after the
    commit). Without them PostgreSQL plans the new tables as if they were
    empty, and pages on the large data set run nested loops over thousands of
    rows until autovacuum gets round to it."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()


__all__ = ["ScaleError", "analyze", "expected_rows", "load"]
