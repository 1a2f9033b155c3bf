"""Benchmark and accuracy of identity matching (judging.identity, issue 18).

Run from the project root:  python -m bench.bench_identity [--runs 3]

Times `match_all` over every pair of 6,000 candidates (delegation members
included) x 3,000 judges, built from seeded random names in Latin, Cyrillic,
Greek and Arabic scripts with mailboxes at common providers, 300 judges
planted as candidates under another spelling (accents dropped, digraphs,
initials, word order, a Gmail alias). Each run starts with empty caches. Prints the median of the runs and the
recall / false positive table of the labelled pairs (tests/data/identity_pairs.csv).
Figures are recorded in BENCHMARKS.md, not asserted: timings depend on the machine.
"""

import argparse
import random
import time

from anyascii import anyascii

from judging import identity
from judging.identity import ARABIC, Person, match_all

# Names by script: a person's name is written in one script.
LATIN_FIRST = ("Anna", "Jürgen", "María", "José", "Søren", "Łukasz", "Chloé", "Ngozi", "Kwame", "Priya", "Hiroshi",
               "Olivier", "Elena", "Carlos", "Sofia", "Lars", "Ines", "David", "Amina", "Miguel", "Sarah", "Björn",
               "Zoë", "Emily", "Thomas", "Lucía", "João", "Mårten", "Aisha", "Omar", "Yuki", "Mei", "Raj", "Ana",
               "Peter", "Eva", "Fatima", "Mohammed", "Aleksandr", "Natalia", "Giorgos", "Eleni")
LATIN_MIDDLE = ("", "", "", "Maria", "Jean", "Ali", "Louise", "Ivan", "Rose", "Eduardo")
LATIN_LAST = ("Müller", "García", "Nguyen", "Okafor", "Papadopoulos", "Kowalski", "Haddad", "Lindqvist", "Rossi",
              "Tanaka", "Dubois", "Ferreira", "Schmidt", "Novak", "Jensen", "Mensah", "Cohen", "Diallo", "Yilmaz",
              "Santos", "Lefèvre", "Andersson", "Horváth", "O'Connor", "Van Dijk", "Silva", "Moreau", "Gross", "Groß",
              "Åström", "Øberg", "Kim", "Lee", "Chen", "Wang", "Singh", "Patel", "Rivera", "Lopez", "Berg", "Borg",
              "Martin", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch", "Ivanov", "Mansour")
SCRIPTS = (  # (weight, first names, family names)
    (0.82, LATIN_FIRST, LATIN_LAST),
    (0.08, ("Александр", "Наталья", "Сергей", "Ольга", "Дмитрий", "Юлия", "Игорь", "Татьяна"),
     ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Козлов", "Новикова", "Морозов", "Волкова")),
    (0.04, ("Γιώργος", "Ελένη", "Νίκος", "Μαρία", "Δημήτρης", "Σοφία"),
     ("Παπαδόπουλος", "Οικονόμου", "Γεωργίου", "Νικολάου", "Αντωνίου", "Βασιλείου", "Σταύρου")),
    (0.06, ("محمد", "فاطمة", "يوسف", "أحمد", "مريم", "عمر", "ليلى", "خالد"),
     ("منصور", "حسين", "علي", "إبراهيم", "قاسم", "سعيد", "كريم", "مصطفى", "عثمان")),
)
PROVIDERS = ("gmail.com", "outlook.com", "yahoo.com", "milset.org", "uni-tunis.tn", "example.edu", "proton.me")


SYLLABLES = ("ba", "ko", "ri", "den", "sa", "mel", "to", "var", "lin", "go", "ne", "stro", "ha", "mu", "ker", "pa",
             "vi", "dal", "zu", "bert", "an", "son", "ski", "ev", "ra", "tek", "mo", "lun", "fi", "gar")


def _name(rng: random.Random) -> str:
    """A name in one script. A real population has thousands of family names:
    in Latin letters a few common ones, the rest made of syllables (about
    27,000 possible)."""
    _, first, last = rng.choices(SCRIPTS, weights=[s[0] for s in SCRIPTS])[0]
    if first is not LATIN_FIRST:
        return f"{rng.choice(first)} {rng.choice(last)}"
    family = rng.choice(last) if rng.random() < 0.3 else "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()
    return " ".join(x for x in (rng.choice(first), rng.choice(LATIN_MIDDLE), family) if x)


def _person(rng: random.Random, pid: str) -> Person:
    name = _name(rng)
    local = anyascii(name).lower().replace(" ", ".").replace("'", "") + str(rng.randint(1, 999))
    return Person(pid, name, (f"{local}@{rng.choice(PROVIDERS)}",))


def _other_spelling(rng: random.Random, person: Person, pid: str) -> Person:
    """The same person written another way, and from another mailbox half the time."""
    words = person.name.split()
    spellings = [anyascii(person.name), f"{words[-1]}, {' '.join(words[:-1])}", person.name.upper()]
    if not ARABIC.search(person.name):  # Arabic script has no initials
        spellings += [f"{words[0][0]}. {words[-1]}", " ".join(w[0] + "." for w in words[:-1]) + " " + words[-1]]
    spelling = rng.choice(spellings)
    email = person.emails[0]
    local, domain = email.split("@")
    email = f"{local.replace('.', '')}+awards@{domain}" if domain == "gmail.com" else f"x{rng.random()}@{domain}"
    return Person(pid, spelling, (email,))


def population(n_candidates: int = 6000, n_judges: int = 3000, planted: int = 300, seed: int = 18):
    rng = random.Random(seed)
    judges = [_person(rng, f"j{i}") for i in range(n_judges)]
    candidates = [_person(rng, f"c{i}") for i in range(n_candidates - planted)]
    candidates += [_other_spelling(rng, judges[i], f"p{i}") for i in range(planted)]
    return judges, candidates


def _cold() -> None:
    """Each run starts with the module's caches empty, as a fresh detection would."""
    for cached in (identity.read_name, identity._word_score, identity._word_keys, identity._block_words_of,
                   identity._arabic_pattern):
        cached.cache_clear()


def run(runs: int = 3) -> dict:
    judges, candidates = population()
    times, found = [], []
    for _ in range(runs):
        _cold()
        start = time.perf_counter()
        found = match_all(judges, candidates)
        times.append(time.perf_counter() - start)
    times.sort()
    planted = {(m.left_id, m.right_id) for m in found if m.right_id.startswith("p")}
    from tests.identity_pairs import figures

    kinds = figures()
    rates = {tier: [e["rate"] for e in kinds.values() if e["expected"] == tier]
             for tier in ("certain", "possible", "none")}
    return {"seconds": times[len(times) // 2], "min": times[0], "runs": runs, "pairs": len(judges) * len(candidates),
            "labelled_pairs": sum(e["pairs"] for e in kinds.values()), "certain_recall_min": min(rates["certain"]),
            "possible_recall_min": min(rates["possible"]), "decoy_rate_max": max(rates["none"]),
            "kinds": {k: {"expected": e["expected"], "pairs": e["pairs"], "rate": e["rate"]} for k, e in kinds.items()},
            "matches": len(found), "certain": sum(m.match.tier == "certain" for m in found),
            "planted_found": sum((f"j{i}", f"p{i}") in planted for i in range(300)), "planted": 300}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = run(args.runs)
    print(f"match_all {len(population()[1]):,} candidates x {len(population()[0]):,} judges "
          f"({result['pairs']:,} pairs): median {result['seconds']:.2f} s of {result['runs']} "
          f"(min {result['min']:.2f} s); {result['matches']:,} matches ({result['certain']:,} certain); "
          f"planted found {result['planted_found']}/{result['planted']}")
    from tests.identity_pairs import figures, table

    print(table(figures()))


if __name__ == "__main__":
    main()
