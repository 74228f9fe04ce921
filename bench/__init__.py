"""The benchmark of issue 9: the facade against its peers, on canned backends. Run it with ``make bench``."""
