"""The exchange: one call's steps without I/O, compiled from the contract model (:mod:`adapter.contract`).

:mod:`.encoder` writes plain data as the contract's XML, :mod:`.decoder` reads and validates replies in one walk,
:mod:`.envelope` wraps them in SOAP 1.1/1.2 envelopes and reads Faults, :mod:`.route` runs a mapped route (request
→ envelope, reply → document or error) for the facade, ``adapter try`` and ``adapter test`` alike, and
:mod:`.problem` renders errors as problem+json members for all of them.
"""
