"""The facts behind `flask demo load`: made-up member organisations clearly
marked as demo, an invented upcoming ESI, and the demo accounts. The real
reference data (regions, countries, past ESI editions) is `flask setup`'s."""

# Countries with a made-up member organisation ("Youth Science <country> (demo)").
# The countries themselves, their regions and the past ESI editions come from
# `flask setup` (services/setup.py), as on a real install.
DEMO_ORGANISATION_COUNTRIES = [
    "CA", "US", "FR", "CZ", "SK", "BE", "ES", "PT", "IT", "DE", "LU",
    "KW", "AE", "IN", "ID", "JP", "CN", "ZA", "TN", "MA", "SN", "NG", "KE",
    "MX", "CL", "BR", "AR", "CO", "PE", "PY", "CR", "RU", "KZ", "BY", "UZ",
]

# The upcoming edition is invented for the demo: its host is a demo organisation.
UPCOMING_ESI = (19, 2027, "Demo City", "PT")

# Countries whose demo member organisation sends a delegation to the upcoming ESI.
DELEGATION_COUNTRIES = [
    "CA", "FR", "BE", "ES", "IT", "DE", "LU", "IN", "ID", "JP", "ZA", "TN", "SN", "KE",
    "MX", "BR", "AR", "CO", "RU", "KZ",
]

# Demo accounts: local part, name, roles.
DEMO_ACCOUNTS = [
    ("admin", "Ana Secretariat", ("admin",)),
    ("nominator", "Nadia Nominator", ("nominator",)),
    ("judge", "Jules Judge", ("judge",)),
    ("judge2", "Joana Judge", ("judge",)),
    ("judge3", "Jamal Judge", ("judge",)),
    ("judge4", "Jia Judge", ("judge",)),
    ("judge5", "José Judge", ("judge",)),
    ("chair", "Chiara Chair", ("chair", "judge")),
    ("board", "Bruno Board", ("board",)),
    ("board2", "Beatriz Board", ("board",)),
    ("board3", "Bongani Board", ("board", "judge")),
    ("auditor", "Aude Auditor", ("auditor",)),
]
DEMO_DOMAIN = "demo.milset.org"
