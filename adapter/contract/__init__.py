"""One model of a contract, read by every part: encoder, decoder, validation, OpenAPI, scaffold, inspect and the
types of served contracts. Pure dataclasses (no lxml, xmlschema or zeep), built by :mod:`adapter.intake` and cached.

:mod:`.wsdl` services, ports, bindings, operations, messages, header parts and faults (WSDL 1.1);
:mod:`.xsd` schema components (XML Schema 1.0): elements, complex and simple types, facets, model groups;
:mod:`.members` the plain-data view of a complex type; :mod:`.port` a contract bound to one port;
:mod:`.builtins`, :mod:`.lexical`, :mod:`.values` the datatypes, their lexical spaces and facet checks;
:mod:`.serial` the cache format.
"""
