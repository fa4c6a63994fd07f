"""The views room: HTML pages of results already computed; a view never runs a query or opens a store.

- :mod:`~ketamine_kg.views.parts`: the built RDF split into its named graphs, the type index, shared readers;
- :mod:`~ketamine_kg.views.graphs`: one networkx graph per view (article, focus, query answer, ontology);
- :mod:`~ketamine_kg.views.layout`: positions for large graphs;
- :mod:`~ketamine_kg.views.page`: one self-contained HTML page of a view graph, and the Jinja environment;
- :mod:`~ketamine_kg.views.site`: the pages of the built site and its ``index.html``, from query reports;
- :mod:`~ketamine_kg.views.ontology_page`: the ontology's documentation page.

Views import only ``core``, ``ontology`` and ``rdf`` (never ``sparql``, ``store``, ``exports`` or ``app``).
"""
