"""Calling backends over HTTP, SOAP and REST alike: the one HTTP client (:mod:`.client`), TLS towards a backend
(:mod:`.tls`) and the PEM files it reads (:mod:`.pem`)."""
