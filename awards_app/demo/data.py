"""The facts behind `flask demo load`: MILSET's regions and ESI history
(from AWARDS.md), plus made-up member organisations clearly marked as demo."""

REGIONS = [
    ("europe", "Europe"), ("africa", "Africa"), ("amlat", "Latin America"),
    ("noram", "North America"), ("asia", "Asia"), ("vostok", "Vostok"),
]

# iso2, name, region code
COUNTRIES = [
    ("CA", "Canada", "noram"), ("US", "United States", "noram"),
    ("FR", "France", "europe"), ("CZ", "Czechia", "europe"), ("SK", "Slovakia", "europe"),
    ("BE", "Belgium", "europe"), ("ES", "Spain", "europe"), ("PT", "Portugal", "europe"),
    ("IT", "Italy", "europe"), ("DE", "Germany", "europe"), ("LU", "Luxembourg", "europe"),
    ("KW", "Kuwait", "asia"), ("AE", "United Arab Emirates", "asia"), ("IN", "India", "asia"),
    ("ID", "Indonesia", "asia"), ("JP", "Japan", "asia"), ("CN", "China", "asia"),
    ("ZA", "South Africa", "africa"), ("TN", "Tunisia", "africa"), ("MA", "Morocco", "africa"),
    ("SN", "Senegal", "africa"), ("NG", "Nigeria", "africa"), ("KE", "Kenya", "africa"),
    ("MX", "Mexico", "amlat"), ("CL", "Chile", "amlat"), ("BR", "Brazil", "amlat"),
    ("AR", "Argentina", "amlat"), ("CO", "Colombia", "amlat"), ("PE", "Peru", "amlat"),
    ("PY", "Paraguay", "amlat"), ("CR", "Costa Rica", "amlat"),
    ("RU", "Russia", "vostok"), ("KZ", "Kazakhstan", "vostok"), ("BY", "Belarus", "vostok"),
    ("UZ", "Uzbekistan", "vostok"),
]

# number, year, city, country
ESI_EDITIONS = [
    (1, 1987, "Québec", "CA"), (2, 1989, "Brest", "FR"), (3, 1991, "Prague", "CZ"),
    (4, 1993, "Amarillo", "US"), (5, 1995, "Kuwait City", "KW"), (6, 1997, "Pretoria", "ZA"),
    (7, 1999, "Puebla", "MX"), (8, 2001, "Grenoble", "FR"), (9, 2003, "Moscow", "RU"),
    (10, 2005, "Santiago", "CL"), (11, 2007, "Durban", "ZA"), (12, 2009, "Tunis", "TN"),
    (13, 2011, "Bratislava", "SK"), (14, 2013, "Abu Dhabi", "AE"), (15, 2015, "Brussels", "BE"),
    (16, 2017, "Fortaleza", "BR"), (17, 2019, "Abu Dhabi", "AE"), (18, 2023, "Mazatlán", "MX"),
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
