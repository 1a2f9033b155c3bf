import workflows
from judging import expertise


def test_every_awards_required_field_is_in_the_vocabulary():
    for code, wf in workflows.REGISTRY.items():
        unknown = set(wf.default_settings.get("required_fields", [])) - set(expertise.FIELDS)
        assert not unknown, f"{code} requires fields outside the vocabulary: {unknown}"


def test_every_field_is_named_in_english_french_and_spanish():
    for code, names in expertise.FIELDS.items():
        assert set(names) == {"en", "fr", "es"}, code
