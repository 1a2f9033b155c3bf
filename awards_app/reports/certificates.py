"""Certificates and letters as PDF (WeasyPrint): one HTML document per file,
a page per recipient (a CSS page break), one stylesheet and one font
configuration shared by every file of a batch.

The printed words are kept here in the three languages MILSET works in,
beside each other, as the award names and criteria are kept in their rows:
a certificate is printed in its recipient's language whatever the catalogue
of the page that asked for it holds, and a missing translation shows here
as a KeyError in the tests, not as an English line on a French certificate."""

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, render_template

LANGUAGES = ("en", "fr", "es")

TEXTS = {
    "en": {
        "participation_title": "Certificate of participation",
        "participation_body": "took part in the Expo-Sciences International",
        "as": "as",
        "roles": {"participant": "young participant", "leader": "delegation leader", "teacher": "teacher",
                  "guide": "guide"},
        "of_delegation": "in the delegation",
        "philosophy": "MILSET recognises every young person who shares their science with the world.",
        "laureate_title": "Certificate of award",
        "laureate_body": "is a laureate of the",
        "awarded_at": "awarded at the Expo-Sciences International",
        "letter_title": "Your nomination",
        "dear": "Dear %(name)s,",
        "letter_not_selected": ("Thank you for your nomination to the %(award)s. The board has made its decision "
                                "and your nomination was not selected this time."),
        "letter_ineligible": ("Thank you for your nomination to the %(award)s. It could not be judged: it did "
                              "not meet the award's rules."),
        "reason": "The reason given",
        "criteria": "The nominations were judged on these published criteria:",
        "letter_close": ("We thank you warmly for taking part. MILSET hopes to welcome you again at the "
                         "Expo-Sciences International."),
        "signature": "The MILSET secretariat",
        "date": "%(city)s, %(year)s",
    },
    "fr": {
        "participation_title": "Certificat de participation",
        "participation_body": "a participé à l'Expo-Sciences Internationale",
        "as": "en tant que",
        "roles": {"participant": "jeune participant·e", "leader": "chef·fe de délégation",
                  "teacher": "enseignant·e", "guide": "guide"},
        "of_delegation": "au sein de la délégation",
        "philosophy": "Le MILSET reconnaît chaque jeune qui partage sa science avec le monde.",
        "laureate_title": "Certificat de récompense",
        "laureate_body": "est lauréat·e du",
        "awarded_at": "décerné lors de l'Expo-Sciences Internationale",
        "letter_title": "Votre candidature",
        "dear": "Chère, cher %(name)s,",
        "letter_not_selected": ("Merci pour votre candidature au %(award)s. Le conseil a pris sa décision et "
                                "votre candidature n'a pas été retenue cette fois-ci."),
        "letter_ineligible": ("Merci pour votre candidature au %(award)s. Elle n'a pas pu être évaluée : elle "
                              "ne répondait pas aux règles du prix."),
        "reason": "Le motif indiqué",
        "criteria": "Les candidatures ont été évaluées selon ces critères publiés :",
        "letter_close": ("Nous vous remercions chaleureusement de votre participation. Le MILSET espère vous "
                         "accueillir de nouveau à l'Expo-Sciences Internationale."),
        "signature": "Le secrétariat du MILSET",
        "date": "%(city)s, %(year)s",
    },
    "es": {
        "participation_title": "Certificado de participación",
        "participation_body": "participó en la Expo-Ciencias Internacional",
        "as": "como",
        "roles": {"participant": "joven participante", "leader": "jefe o jefa de delegación",
                  "teacher": "docente", "guide": "guía"},
        "of_delegation": "en la delegación",
        "philosophy": "MILSET reconoce a cada joven que comparte su ciencia con el mundo.",
        "laureate_title": "Certificado de premio",
        "laureate_body": "es laureado o laureada del",
        "awarded_at": "otorgado en la Expo-Ciencias Internacional",
        "letter_title": "Su candidatura",
        "dear": "Estimada, estimado %(name)s:",
        "letter_not_selected": ("Gracias por su candidatura al %(award)s. La junta ha tomado su decisión y su "
                                "candidatura no fue seleccionada en esta ocasión."),
        "letter_ineligible": ("Gracias por su candidatura al %(award)s. No pudo ser evaluada: no cumplía las "
                              "reglas del premio."),
        "reason": "El motivo indicado",
        "criteria": "Las candidaturas se evaluaron según estos criterios publicados:",
        "letter_close": ("Le agradecemos sinceramente su participación. MILSET espera darle la bienvenida de "
                         "nuevo en la Expo-Ciencias Internacional."),
        "signature": "La secretaría de MILSET",
        "date": "%(city)s, %(year)s",
    },
}


@dataclass
class Page:
    """One page of a document: a certificate or a letter, already in its language."""

    kind: str  # participation, laureate, letter
    locale: str
    name: str
    values: dict = field(default_factory=dict)


class Renderer:
    """Renders documents with one stylesheet and one font configuration,
    made once and shared by every document of a batch (WeasyPrint caches
    the fonts it loaded in the configuration)."""

    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.fonts = FontConfiguration()
        css = (Path(current_app.static_folder) / "css" / "certificate.css").read_text(encoding="utf-8")
        self.css = CSS(string=css, font_config=self.fonts)

    def render(self, pages: list[Page]) -> tuple[bytes, int]:
        """The PDF of these pages, and how many pages it has."""
        from weasyprint import HTML

        html = render_template("certificates/document.html", pages=pages, texts=TEXTS)
        # No base_url: the document loads nothing, neither from the network nor from disk.
        document = HTML(string=html).render(stylesheets=[self.css], font_config=self.fonts)
        return document.write_pdf(), len(document.pages)
