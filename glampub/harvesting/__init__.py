"""OAI-PMH 2.0 at ``/oai``: what harvesters (Europeana, national aggregators) read.

Modules: ``arguments`` (a request's verb and arguments checked, the
protocol's errors), ``tokens`` (resumption tokens), ``identifiers`` (the
``oai:`` identifier scheme), ``europeana_rights`` (which rights Europeana
takes), ``xml_text`` (text made safe for XML), ``oai_dc``, ``edm`` and
``lido_records`` (the three metadata formats), ``catalogue`` (the queries),
``responses`` (the OAI-PMH envelope) and ``repository`` (one request in, the
response's bytes out).
"""
