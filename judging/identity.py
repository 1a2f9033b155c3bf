"""Who is the same person, and which is the same organisation, however they
are written (issue 18): other scripts, accents and digraphs, initials and
middle names, punctuation, spacing, word order, mailbox aliases, and
abbreviated or translated organisation names.

Transliteration uses anyascii (ISC licence) rather than Unidecode (GPL-2.0):
a GPL dependency would oblige the project, permissively licensed, to ship
under the GPL. anyascii also covers more scripts (Cyrillic, Greek, Arabic...)
and is maintained.

Two tiers, as the chair decides them:
- certain: the same canonical email, or the same normalised full name
  (accents, digraphs, case, punctuation, spacing and word order aside);
- possible: names that can be the same person but need a human eye:
  compatible initials and middle names, transliteration variants (also a
  name in Arabic script against its Latin spellings), or a fuzzy score of
  every word over the caller's threshold.

Every match says its rule id and its evidence (the two spellings in the
caller's order, the score), so a finding can show the chair why it was
raised. Pure: no web, no database.

API: match_names(a, b, threshold), match_emails(a, b), match_persons(p, q,
threshold) and match_organisations(a, b, aliases, threshold) return a Match
(tier, rule, evidence) or None; match_all(left, right, threshold) returns a
PairMatch for every pair of Person that may be one, by blocking;
canonical_email, organisation_key, transliterate and read_name give the
normalised forms.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, permutations

from anyascii import anyascii
from rapidfuzz.distance import Indel

CERTAIN = "certain"
POSSIBLE = "possible"
DEFAULT_THRESHOLD = 90


@dataclass(frozen=True)
class Match:
    tier: str  # CERTAIN or POSSIBLE
    rule: str  # e.g. identity.same_email
    evidence: dict = field(hash=False, compare=False)


# ------------------------------------------------------------------ transliteration

# German and Scandinavian letters have a two-letter spelling that people use
# when the keyboard lacks them (Müller/Mueller, Ørsted/Oersted, Åsa/Aasa);
# anyascii gives the one-letter form (Muller), so both are kept as keys.
DIGRAPHS = {"ä": "ae", "ö": "oe", "ü": "ue", "ø": "oe", "å": "aa", "æ": "ae", "ß": "ss"}


def transliterate(text: str) -> str:
    """Latin letters for any script, lower case, accents dropped."""
    return anyascii(unicodedata.normalize("NFC", text or "")).casefold()


def _digraph_form(text: str) -> str:
    folded = (text or "").casefold()
    return "".join(DIGRAPHS.get(ch, ch) for ch in unicodedata.normalize("NFC", folded))


def _words(latin: str) -> list[str]:
    """Words of a transliterated name: apostrophes inside a word vanish
    (O'Brien = OBrien, Natal'ya = Natalya); other punctuation separates."""
    latin = re.sub(r"(?<=\w)['`’](?=\w)", "", latin)
    return re.findall(r"[a-z0-9]+", latin)


# ------------------------------------------------------------------ emails

# Mailbox providers that deliver "name+anything@" to "name@" (sub-addressing),
# and those that also ignore dots in the mailbox name. Other domains keep
# their mailbox as written (only the case is folded): a university's server
# may give "a.b" and "ab" to two people.
DOTS_IGNORED = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
PLUS_TAGS = {
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "icloud.com", "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me",
    "fastmail.com", "fastmail.fm", "yandex.ru", "yandex.com", "ya.ru", "zoho.com", "gmx.com", "gmx.net",
}


def canonical_email(email: str | None) -> str | None:
    """The mailbox that receives mail sent to this address."""
    email = (email or "").strip().casefold()
    if email.count("@") != 1:
        return None
    local, domain = email.split("@")
    if not local or not domain:
        return None
    if domain in PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local, domain = local.replace(".", ""), DOTS_IGNORED[domain]
    return f"{local}@{domain}"


def match_emails(a: str | None, b: str | None) -> Match | None:
    ca, cb = canonical_email(a), canonical_email(b)
    if ca and ca == cb:
        return Match(CERTAIN, "identity.same_email", {"left": a, "right": b, "canonical": ca})
    return None


# ------------------------------------------------------------------ names

# Spellings of one sound across transliteration schemes (Aleksandr/Alexandr,
# Yuriy/Iouri, Leontovich/Leontovitch, Katharina/Katarina): both sides are
# folded the same way, so the key only serves to compare, never to show.
_SKELETON_RULES = (
    ("tsch", "ch"), ("tch", "ch"), ("gg", "ng"), ("gi", "y"), ("shch", "sch"), ("kh", "h"), ("ph", "f"), ("th", "t"),
    ("x", "ks"), ("ck", "k"), ("q", "k"), ("z", "s"), ("w", "v"), ("ou", "u"), ("oy", "u"), ("ue", "u"),
    ("oe", "o"), ("ae", "a"), ("aa", "a"), ("ee", "i"), ("yo", "e"), ("j", "i"), ("y", "i"),
)


def _skeleton(word: str) -> str:
    word = re.sub(r"^(?:kh|ch|h|c)r", "kr", word)  # Christos, Khristos, Hristos, Cristina
    word = word.replace("ch", "\0")  # "ch" is a sound of its own, not c + h
    word = word.replace("c", "k").replace("\0", "ch")
    for old, new in _SKELETON_RULES:
        word = word.replace(old, new)
    word = re.sub(r"(.)\1+", r"\1", word)  # doubled letters: Mohammed/Mohamed
    return re.sub(r"i+$", "i", word)  # Yuriy/Yuri, Dmitrii/Dmitri


ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
# Arabic article "al-" is written joined in Arabic and as "al", "el" or "al-" in
# Latin letters; dropped on both sides.
_LATIN_ARTICLE = re.compile(r"\b(?:al|el)[-\s]+(?=\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Name:
    """A name read once: its spellings, its words, their skeletons."""

    raw: str
    words: tuple[str, ...]  # transliterated, in order, initials included
    keys: frozenset  # normalised full-name keys (certain)
    full: tuple[tuple[str, str], ...]  # (skeleton, transliteration) of each word that is not an initial
    initials: tuple[str, ...]  # transliterated: Ю. is "yu"
    arabic: tuple[str, ...] = ()  # consonant spellings when written in Arabic script
    greek: bool = False


@lru_cache(maxsize=100_000)
def read_name(raw: str) -> Name:
    raw = raw or ""
    greek = bool(GREEK.search(raw))
    words, full, initials = [], [], []
    for token in _TOKEN.findall(unicodedata.normalize("NFC", _greek_digraphs(raw) if greek else raw)):
        latin = _words(transliterate(token))
        words += latin
        # An initial is one letter of a cased script, whatever its transliteration
        # (Ю. is "Yu", Ж. is "Zh"); a Chinese name of one character is a word.
        if len(token) == 1 and token.lower() != token.upper():
            initials.append("".join(latin))
        else:
            full += [(_skeleton(w), w) for w in latin if len(w) > 1]
            initials += [w for w in latin if len(w) == 1]
    digraph_words = _words(transliterate(_digraph_form(raw)))
    keys = {" ".join(sorted(words)), " ".join(sorted(digraph_words)), "".join(words), "".join(digraph_words)}
    arabic = ()
    if ARABIC.search(raw):
        arabic = tuple(_words(anyascii(_drop_arabic_article(raw)).casefold().replace("'", "0").replace("`", "0")))
    return Name(raw, tuple(words), frozenset(k for k in keys if k), tuple(full), tuple(initials), arabic, greek)


_TOKEN = re.compile(r"[^\W_]+(?:['`’][^\W_]+)*")


# Greek letter pairs whose usual Latin spelling is not letter by letter
# (anyascii writes ευ as "ey", ου as "oy", γγ as "gg").
_GREEK_PAIRS = (("ου", "ou"), ("αυ", "av"), ("ευ", "ev"), ("γγ", "ng"), ("γκ", "gk"))


def _greek_digraphs(raw: str) -> str:
    text = "".join(ch for ch in unicodedata.normalize("NFD", raw.lower()) if not unicodedata.combining(ch))
    for old, new in _GREEK_PAIRS:
        text = text.replace(old, new)
    text = re.sub(r"\bμπ", "b", text)  # word-initial μπ and ντ are the sounds b and d
    return re.sub(r"\bντ", "d", text)


def _iotacism(skeleton: str) -> str:
    """Greek η, ι, υ, ει, οι all sound i, and ε is spelt e or i in Latin
    letters (Dimitris/Demetris): compared as one when a side is Greek."""
    return re.sub(r"(.)\1+", r"\1", skeleton.replace("e", "i"))


def _drop_arabic_article(raw: str) -> str:
    return " ".join(w[2:] if w.startswith("ال") and len(w) > 3 else w for w in raw.split())


HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _different_characters(a: str, b: str) -> bool:
    """Two names both in Chinese characters that differ: their romanisation
    may still be equal (李娜 and 李纳 are both Li Na), so it is no proof."""
    return bool(HAN.search(a) and HAN.search(b)) and HAN.findall(a) != HAN.findall(b)


def match_names(a: str, b: str, threshold: float = DEFAULT_THRESHOLD) -> Match | None:
    """The tier and rule by which two names may be one person, or None."""
    na, nb = read_name(a), read_name(b)
    if not na.words or not nb.words:
        return None
    if na.keys & nb.keys and not _different_characters(a, b):
        return Match(CERTAIN, "identity.same_name", {"left": a, "right": b})
    if na.arabic or nb.arabic:
        return _match_arabic(na, nb, a, b)
    return _match_words(na, nb, a, b, threshold)


@lru_cache(maxsize=500_000)
def _word_score(x: str, y: str) -> float:
    """Similarity of two words' skeletons, 0-100; 0 for a gendered or
    inflected pair (Daniel/Daniela, Mario/Maria, Ivanov/Ivanova): siblings
    and spouses share those names, so they are never near misses."""
    if x == y:
        return 100.0
    if len(x) > 2 and len(y) > 2:
        short, long_ = sorted((x, y), key=len)
        if long_.startswith(short) and len(long_) - len(short) <= 2 and long_[-1] in "aeiou":
            return 0.0
        if len(x) == len(y) and x[:-1] == y[:-1] and x[-1] in "aeiou" and y[-1] in "aeiou":
            return 0.0
    return Indel.normalized_similarity(x, y) * 100


def _match_words(na: Name, nb: Name, a: str, b: str, threshold: float) -> Match | None:
    """Pair every word of the shorter name with one of the other's: full
    words by score, initials with a word they begin or the same initial.
    Words left over may stay on the longer side only (a middle name that
    one spelling omits); on both sides they are two different people."""
    greek = na.greek or nb.greek
    left, right = _split(na, greek), _split(nb, greek)
    if len(left[0]) + len(left[1]) > len(right[0]) + len(right[1]):
        left, right = right, left  # the evidence keeps the caller's order
    found = _pair(left, right, threshold)
    if not found:
        return None
    score, exact, initials = found
    evidence = {"left": a, "right": b, "score": round(score, 1)}
    if initials:
        return Match(POSSIBLE, "identity.initials", evidence)
    if exact:
        return Match(POSSIBLE, "identity.transliteration", evidence)
    return Match(POSSIBLE, "identity.fuzzy_name", evidence)


def _split(name: Name, greek: bool) -> tuple[list, list]:
    """(full words as (skeleton, transliteration), initials). Initials meet
    the word as written: a skeleton may start otherwise (Giorgos: iorgos)."""
    return [(_iotacism(s) if greek else s, w) for s, w in name.full], list(name.initials)


def _pair(left, right, threshold):
    """(weakest word score, all full words equal, initials or omissions)
    if the shorter name (left) fits the longer one, else None. Each word
    takes its best counterpart: at a threshold near 90 two words of one
    name rarely compete for the same word of the other, so no search over
    orders is needed."""
    (full, initials), (remaining, letters) = left, (list(right[0]), list(right[1]))
    scores, abbreviated, expanded = [], False, False
    for word, written in full:
        score, i = max(((_word_score(word, other[0]), i) for i, other in enumerate(remaining)), default=(0, -1))
        if score >= threshold:
            scores.append(score)
            remaining.pop(i)
        elif initial := next((x for x in letters if written.startswith(x)), None):  # John M. / J. Michael
            letters.remove(initial)
            abbreviated = expanded = True
        else:
            return None
    for letter in initials:
        hit = next((i for i, other in enumerate(remaining) if other[1].startswith(letter)), None)
        if hit is not None:
            remaining.pop(hit)
        elif letter in letters:
            letters.remove(letter)
        else:
            return None  # an initial the other name cannot explain: another person
        abbreviated = True
    if not scores or len(scores) + abbreviated < 2:
        return None  # a surname alone says nothing about the person
    if expanded and remaining:
        # Each name has a full word the other lacks (Yasmin Benali and Yasmin
        # B. Dubois, Tomás Ribeiro and Quentin T. Ribeiro): a family's two
        # people, not one person's initial and omitted name.
        return None
    return min(scores), min(scores) == 100, abbreviated or bool(remaining or letters)


# Arabic script writes consonants and long vowels only; short vowels, which
# Latin spellings add, are free. Each letter stands for its usual Latin forms.
_ARABIC_LETTERS = {
    "w": "(?:w|u|o|ou|oo)", "y": "(?:y|i|e|ee|ie|ei|ey|ai)", "a": "(?:a|aa|e|y)", "0": "[aeiou]?",
    "q": "(?:q|k|g)", "kh": "(?:kh|h|ch|k)", "th": "(?:th|t|s)", "dh": "(?:dh|d|z|th)",
    "sh": "(?:sh|ch|sch)", "gh": "(?:gh|g|r)", "j": "(?:j|g|dj)",
}


@lru_cache(maxsize=100_000)
def _arabic_pattern(word: str) -> re.Pattern:
    """The Latin spellings of one word written in Arabic script, as a regex:
    each letter in its forms, then at most one short vowel."""
    parts = []
    letters = re.findall(r"kh|th|dh|sh|gh|.", word)
    for i, letter in enumerate(letters):
        if letter == "h" and i == len(letters) - 1 and i > 1:
            parts.append("[aeiou]?(?:h|a|ah|at|e)?")  # ta marbuta: Fatima, Fatimah
            continue
        parts.append(_ARABIC_LETTERS.get(letter, re.escape(letter) + "+"))
        if letter != "0":
            parts.append("[aeiou]?")
    return re.compile("".join(parts))


def _match_arabic(na: Name, nb: Name, a: str, b: str) -> Match | None:
    """A name in Arabic script against a Latin spelling, word by word in any order."""
    if na.arabic and nb.arabic:
        return None  # same script, different spelling: not the same name key
    arabic, latin = (na.arabic, nb) if na.arabic else (nb.arabic, na)
    words = _words(_LATIN_ARTICLE.sub("", transliterate(latin.raw)))
    if len(words) != len(arabic):
        return None
    for order in permutations(words) if len(words) <= 6 else [words]:
        if all(_arabic_pattern(x).fullmatch(y) for x, y in zip(arabic, order, strict=True)):
            return Match(POSSIBLE, "identity.transliteration", {"left": a, "right": b, "script": "arabic"})
    return None


# ------------------------------------------------------------------ persons


@dataclass(frozen=True)
class Person:
    id: object
    name: str
    emails: tuple[str, ...] = ()


def match_persons(a: Person, b: Person, threshold: float = DEFAULT_THRESHOLD) -> Match | None:
    """Email first (certain whatever the names say), then the names."""
    for x in a.emails:
        for y in b.emails:
            if found := match_emails(x, y):
                return found
    return match_names(a.name, b.name, threshold)


@dataclass(frozen=True)
class PairMatch:
    left_id: object
    right_id: object
    match: Match


def match_all(left, right, threshold: float = DEFAULT_THRESHOLD) -> list[PairMatch]:
    """Every (left, right) pair of persons who may be one, compared only
    when blocking keys say they can be: a cycle of thousands of each is
    checked in seconds, not hours.

    Two persons are compared if they share a canonical email or a name key,
    or if enough of their words share a word key (see _word_keys): every
    full word of the shorter name must pair with a word of the other for
    any rule to match, so a pair needs min(2, words of either) words in
    common, or one when an initial may stand for a word (J. Michael Smith
    and John M. Smith share only Smith)."""
    people = list(right)
    singles = {i for i, p in enumerate(people) if _needs(p) == 1}
    by_key, by_word = defaultdict(set), defaultdict(set)
    for i, person in enumerate(people):
        for key in _exact_keys(person):
            by_key[key].add(i)
        for word, latin in _block_words(person):
            for key in _word_keys(word, latin, False, threshold):
                by_word[key].add(i)
    found = []
    for person in left:
        for i in _candidates(person, by_key, by_word, singles, threshold):
            if match := match_persons(person, people[i], threshold):
                found.append(PairMatch(person.id, people[i].id, match))
    return found


def _candidates(person, by_key, by_word, singles, threshold) -> list[int]:
    """The right-hand persons to compare with this one: a shared exact key,
    or enough shared words (see match_all), found with set operations
    rather than by counting each hit: a common first name's bucket holds
    thousands."""
    chosen = set()
    for key in _exact_keys(person):
        chosen |= by_key.get(key, set())
    hits = [set().union(*(by_word.get(key, ()) for key in _word_keys(word, latin, True, threshold)))
            for word, latin in _block_words(person)]
    if not hits:
        return sorted(chosen)
    if _needs(person) <= 1:
        chosen.update(*hits)
    else:
        # Two words in common, or one with a person whose name has only one.
        for a, b in combinations(hits, 2):
            chosen |= a & b
        chosen |= singles.intersection(*hits) if len(hits) == 1 else singles & set().union(*hits)
    return sorted(chosen)


def _needs(person: Person) -> int:
    """How many words this person's name must share with another's."""
    return 1 if read_name(person.name).initials else min(2, len(_block_words(person)))


def _exact_keys(person: Person) -> set:
    name = read_name(person.name)
    return {("email", e) for e in map(canonical_email, person.emails) if e} | {("name", k) for k in name.keys}


@lru_cache(maxsize=100_000)
def _block_words_of(raw: str) -> tuple[tuple[str, str], ...]:
    """The words blocking compares, each as (skeleton, transliteration): the
    skeleton for Latin spellings, the letters as written for the consonants
    an Arabic spelling is met by; a name in Arabic script gives its
    consonants, marked with "#"."""
    name = read_name(raw)
    if name.arabic:
        return tuple(("#" + _consonants(w), "") for w in name.arabic)
    return name.full


def _block_words(person: Person) -> tuple[tuple[str, str], ...]:
    return _block_words_of(person.name)


@lru_cache(maxsize=200_000)
def _word_keys(word: str, latin: str, query: bool, threshold: float = DEFAULT_THRESHOLD) -> tuple:
    """A word's blocking keys. A near miss keeps the first three letters or
    the last three (at >= 90 it is one inserted or dropped letter), and its
    length can only be one the threshold allows (_near_lengths): a word is
    filed under its prefix and suffix with its length, and looks them up
    with the lengths it may meet, so "kobaden" never meets "rikoden" by
    their common ending. Greek spellings differ in vowels (iotacism), which
    also changes a word's length: both lengths count. Consonants meet a
    Latin word with a word in Arabic script: a Latin word is filed under
    "latin#" and looks up "arabic#", and the other way round, so two Latin
    names never meet by their consonants alone. The consonants are those of
    the word as transliterated, not of its skeleton, which folds letters
    differently ("kh" to "h", "w" to "v")."""
    if word.startswith("#"):  # a word written in Arabic script
        return (("latin#" if query else "arabic#") + word[1:],)
    own = {len(word), len(_iotacism(word))}
    lengths = sorted({n for m in own for n in _near_lengths(m, threshold)} if query else own)
    near = tuple((end, letters, n) for n in lengths for end, letters in (("^", word[:3]), ("$", word[-3:])))
    return (word, *near, "~" + _iotacism(word), ("arabic#" if query else "latin#") + _consonants(latin))


@lru_cache(maxsize=4096)
def _near_lengths(length: int, threshold: float) -> tuple[int, ...]:
    """The lengths of the words a word of this length can score at least
    the threshold with when they differ: their Indel distance is at least
    the difference of lengths (2 when equal), and a score of t needs a
    distance of at most (1 - t/100) of the two lengths together."""
    slack = 1 - threshold / 100
    return tuple(n for n in range(1, 2 * length + 3)
                 if (abs(n - length) or 2) <= slack * (length + n) + 1e-9)


def _consonants(word: str) -> str:
    """A word's consonants, for blocking Arabic against Latin spellings; the
    letters one Arabic letter is written with fall together (ث is th, t or
    s: Othman, Osman; ذ is dh, z or d; ق is q or k; ش is sh or, in French,
    ch: Hisham, Hicham)."""
    folded = (word.replace("kh", "k").replace("q", "k").replace("th", "s").replace("dh", "z").replace("z", "s")
              .replace("sh", "s").replace("ch", "s"))
    stripped = re.sub(r"[aeiouyw0h]", "", folded)
    return re.sub(r"(.)\1+", r"\1", stripped)[:3]


# ------------------------------------------------------------------ organisations

# Abbreviated and translated words of organisation names (EN, FR, ES, PT, IT,
# DE), each to one English word, so "Univ. de Tunis", "Université de Tunis"
# and "University of Tunis" are one name.
ORGANISATION_WORDS = {
    "university": ("univ", "uni", "universite", "universidad", "universidade", "universita", "universitat"),
    "foundation": ("fdn", "found", "fundacion", "fundacao", "fondation", "fondazione", "stiftung"),
    "association": ("assoc", "asoc", "assn", "asociacion", "associacao", "associazione", "verein"),
    "international": ("intl", "int", "internacional", "internationale", "internazionale"),
    "national": ("natl", "nat", "nacional", "nationale", "nazionale"),
    "institute": ("inst", "institut", "instituto", "istituto"),
    "center": ("ctr", "centre", "centro", "zentrum"),
    "society": ("soc", "societe", "sociedad", "sociedade", "societa", "gesellschaft"),
    "academy": ("acad", "academie", "academia", "akademie", "accademia"),
    "school": ("sch", "ecole", "escuela", "escola", "scuola", "schule"),
    "college": ("coll", "colegio", "collegio"),
    "science": ("sci", "sciences", "ciencia", "ciencias", "scienza", "scienze", "wissenschaft"),
    "technology": ("tech", "technol", "technologie", "tecnologia", "technologies"),
    "department": ("dept", "dep", "departement", "departamento", "dipartimento"),
    "ministry": ("min", "ministere", "ministerio", "ministero", "ministerium"),
    "federation": ("fed", "federacion", "federacao", "federazione"),
    "youth": ("jeunesse", "juventud", "juventude", "gioventu", "jugend"),
    "research": ("res", "recherche", "investigacion", "pesquisa", "ricerca", "forschung"),
    "saint": ("st", "ste", "san", "santa", "sao", "santo"),
    "and": ("et", "y", "e", "und"),
}
_ORGANISATION_WORD = {alias: word for word, aliases in ORGANISATION_WORDS.items() for alias in aliases}
# Linking words that translations add or drop ("University of Tunis", "Tunis University").
ORGANISATION_STOPWORDS = {"of", "the", "de", "del", "la", "le", "les", "des", "du", "da", "do", "dos", "das",
                          "di", "della", "der", "die", "for", "pour", "para", "por", "and", "l", "d"}


@lru_cache(maxsize=100_000)
def organisation_words(name: str) -> tuple[str, ...]:
    latin = transliterate((name or "").replace("&", " and ").replace("’", "'"))
    latin = re.sub(r"\bint'l\b", "international", latin)
    latin = re.sub(r"\b((?:[a-z]\.){2,})", lambda m: m.group(1).replace(".", ""), latin)  # e.V., U.S.A.
    latin = re.sub(r"\b([ld])'", r"\1 ", latin)  # l'Université, d'Éducation: the article is a word
    # Digraph spellings (Universitaet, Muenchen) folded to the one-letter form.
    folded = (re.sub(r"([aou])e", r"\1", w) for w in _words(latin))
    words = (_ORGANISATION_WORD.get(w, w) for w in folded)
    return tuple(sorted(w for w in words if w not in ORGANISATION_STOPWORDS))


def organisation_key(name: str) -> str:
    """Normalised organisation name: accents, case, punctuation, word order,
    abbreviations and the usual translations aside."""
    return " ".join(organisation_words(name))


def match_organisations(a: str, b: str, aliases=(), threshold: float = DEFAULT_THRESHOLD) -> Match | None:
    """aliases: groups of names the caller declared as one organisation
    (e.g. from the reference data), each an iterable of spellings."""
    ka, kb = organisation_key(a), organisation_key(b)
    if not ka or not kb:
        return None
    if ka == kb:
        return Match(CERTAIN, "organisation.same_name", {"left": a, "right": b})
    for group in aliases:
        keys = {organisation_key(x) for x in group}
        if ka in keys and kb in keys:
            return Match(CERTAIN, "organisation.alias", {"left": a, "right": b, "alias": sorted(group)})
    wa, wb = organisation_words(a), organisation_words(b)
    if len(wa) != len(wb):
        return None  # "University of Lyon" is not "University of Lyon Medical School"
    score = _organisation_score(wa, wb)
    if score >= threshold:
        return Match(POSSIBLE, "organisation.fuzzy", {"left": a, "right": b, "score": round(score, 1)})
    return None


def _organisation_score(wa, wb) -> float:
    """The weakest pair when each word takes its closest counterpart; a
    number must be equal (Paris 1 is not Paris 7)."""
    remaining, scores = list(wb), []
    for x in wa:
        score, i = max((_plain_score(_skeleton(x), _skeleton(y)), i) for i, y in enumerate(remaining))
        y = remaining.pop(i)
        if (x.isdigit() or y.isdigit()) and x != y:
            return 0.0
        scores.append(score)
    return min(scores)


def _plain_score(x: str, y: str) -> float:
    return Indel.normalized_similarity(x, y) * 100
