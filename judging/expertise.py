"""The controlled vocabulary of judges' expertise fields.

Each award names the fields its panel must cover (its required_fields
setting); a judge records expertise only in these fields, so coverage can be
checked rather than guessed from free text.
"""

FIELDS = {
    "science_education": {"en": "Science education", "fr": "Enseignement des sciences",
                          "es": "Educación científica"},
    "science_outreach": {"en": "Science outreach", "fr": "Culture scientifique",
                         "es": "Divulgación científica"},
    "youth_organisations": {"en": "Youth science organisations", "fr": "Organisations de jeunes",
                            "es": "Organizaciones juveniles"},
    "youth_participation": {"en": "Youth participation", "fr": "Participation des jeunes",
                            "es": "Participación juvenil"},
    "youth_volunteering": {"en": "Youth volunteering", "fr": "Bénévolat des jeunes",
                           "es": "Voluntariado juvenil"},
    "youth_work": {"en": "Youth work", "fr": "Animation jeunesse", "es": "Trabajo con jóvenes"},
    "intercultural_exchange": {"en": "Intercultural exchange", "fr": "Échanges interculturels",
                               "es": "Intercambio intercultural"},
    "performing_arts": {"en": "Performing arts", "fr": "Arts de la scène", "es": "Artes escénicas"},
    "cultural_heritage": {"en": "Cultural heritage", "fr": "Patrimoine culturel",
                          "es": "Patrimonio cultural"},
    "stem_research": {"en": "STEM research", "fr": "Recherche scientifique",
                      "es": "Investigación científica"},
    "engineering": {"en": "Engineering and technology", "fr": "Ingénierie et technologie",
                    "es": "Ingeniería y tecnología"},
    "environment": {"en": "Environment and sustainability", "fr": "Environnement et durabilité",
                    "es": "Medio ambiente y sostenibilidad"},
}

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português",
             "ar": "العربية", "ru": "Русский", "de": "Deutsch", "zh": "中文"}


def label(code: str, locale: str = "en") -> str:
    names = FIELDS.get(code)
    return names.get(locale, names["en"]) if names else code
