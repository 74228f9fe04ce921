"""The mapping core: mapping files, their checks against a contract's shapes, and their application to plain
data. Pure: it imports no zeep, spyne or FastAPI and does no I/O (``tests/test_import_fence.py`` keeps it so)."""
