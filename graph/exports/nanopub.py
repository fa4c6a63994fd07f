"""Nanopublications of an article: one per claim, with a trusty URI, optionally signed; nothing is published.

- ``get_nanopubs(dataset, graph, profile)``: one :class:`nanopub.Nanopub` per claim;
- ``to_trig(nanopubs)``: all of them in one TriG document, the same bytes on every run;
- ``write_nanopubs(folder, nanopubs)``: one TriG file per nanopublication;
- ``load_signing_profile(path)``: a nanopub signing profile from a local RSA private key.

Each nanopublication has the four graphs of the nanopub schema:

- *assertion*: the claim node (``rdf:Statement`` and ``kkgo:Claim`` with subject,
  predicate, object, modality, polarity, qualifiers) and, only for an asserted positive
  claim, its plain triple: a hedged, speculative or negated claim is asserted as the claim
  with its modality, never as the bare triple;
- *provenance*: the assertion ``prov:wasDerivedFrom`` the article, and the claim's Web
  Annotation evidence (its ``oa:TextQuoteSelector`` and ``oa:TextPositionSelector``), each
  annotation having the assertion graph as its body;
- *pubinfo*: the licence, a label, and the claim and article it comes from (no creation
  time: the export is reproducible);
- *head*: links the three, written by the nanopub package.

The trusty URI (module RA: a hash of the normalised quads, appended to
``http://purl.org/np/``) is computed with the nanopub package's own trusty-URI code, or by
its signing when a key is given (the signature is then part of what is hashed).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Dataset as RdfDataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from ketamine_kg.core import iris as ns
from ketamine_kg.core.atomic import write_bytes_atomic
from ketamine_kg.core.model import Claim, Dataset
from ketamine_kg.core.namespaces import KKGO, OA, SCHEMA, bind_prefixes
from ketamine_kg.errors import DataError
from ketamine_kg.exports.void import DATA_LICENSE

if TYPE_CHECKING:
    from nanopub import Nanopub, Profile

# Triples of the claim node that belong to its provenance, not to what it claims.
PROVENANCE_PREDICATES = frozenset({KKGO.hasEvidence, KKGO.evidenceType, DCTERMS.source, PROV.wasDerivedFrom})


def get_nanopub(claim: Claim, dataset: Dataset, graph: Graph, profile: Profile | None = None) -> Nanopub:
    """The nanopublication of one claim, read from the article's stated ``graph``, with its trusty URI."""
    from nanopub import Nanopub, NanopubConf
    from nanopub.sign_utils import replace_trusty_in_graph
    from nanopub.trustyuri.rdf import RdfHasher, RdfUtils

    node = URIRef(ns.claim_iri(dataset.source.id, claim.id))
    doc = URIRef(ns.source_iri(dataset.source.id))
    evidence_base = f"{node}/evidence/"
    assertion, provenance, pubinfo = (bind_prefixes(Graph(bind_namespaces="core")) for _ in range(3))
    publication = Nanopub(conf=NanopubConf(profile=profile))
    assertion_iri = publication.metadata.assertion
    for p, o in graph.predicate_objects(node):
        (provenance if p in PROVENANCE_PREDICATES else assertion).add((node, p, o))
    if claim.is_stated_fact:
        subject, predicate, obj = graph.value(node, RDF.subject), graph.value(node, RDF.predicate), graph.value(node, RDF.object)
        assert subject is not None and predicate is not None and obj is not None
        assertion.add((subject, predicate, obj))
    provenance.add((assertion_iri, PROV.wasDerivedFrom, doc))
    for triple in graph.triples((doc, None, None)):
        if triple[1] in (RDF.type, DCTERMS.title, SCHEMA.url):
            provenance.add(triple)
    for s, p, o in graph:
        if str(s).startswith(evidence_base):
            provenance.add((s, p, assertion_iri if p == OA.hasBody else o))
    this = publication.metadata.np_uri
    pubinfo.add((this, DCTERMS.license, URIRef(DATA_LICENSE)))
    pubinfo.add((this, RDFS.label, Literal(f"claim {claim.id} of {dataset.source.id}")))
    pubinfo.add((this, PROV.wasDerivedFrom, node))
    pubinfo.add((this, DCTERMS.source, doc))
    for part, target in ((assertion, publication.assertion), (provenance, publication.provenance),
                         (pubinfo, publication.pubinfo)):
        for triple in part:
            target.add(triple)
        for prefix, iri in part.namespaces():
            publication.rdf.bind(prefix, iri, override=False)
    if profile is not None:
        publication.sign()
        return publication
    quads = RdfUtils.get_quads(publication.rdf)
    artefact = RdfHasher.make_hash(quads, baseuri=str(publication.metadata.namespace), hashstr=" ")
    publication.update_from_signed(replace_trusty_in_graph(artefact, str(publication.metadata.namespace),
                                                           publication.rdf))
    return publication


def load_signing_profile(path: Path) -> Profile:
    """A nanopub profile that signs with the RSA private key in ``path`` (PEM, or its bare base64 body).

    The profile names the project, not a person: nothing is published, and no ORCID is
    claimed (nanopub only writes it when asked to attribute the assertion to the profile).
    """
    from nanopub import Profile

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, None, f"cannot read the signing key: {getattr(exc, 'strerror', None) or exc}") from None
    body = "".join(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----"))
    try:
        return Profile(orcid_id=ns.BASE, name="ketamine-kg", private_key=body)
    except (ValueError, IndexError, TypeError):
        raise DataError(path, None, "not an RSA private key (PEM or base64)") from None


def get_nanopubs(dataset: Dataset, graph: Graph | None = None, profile: Profile | None = None) -> list[Nanopub]:
    """One nanopublication per claim of ``dataset``, in the order of claims.yaml."""
    from ketamine_kg.rdf.abox import get_data_graph

    graph = graph if graph is not None else get_data_graph(dataset)
    return [get_nanopub(claim, dataset, graph, profile) for claim in dataset.claims]


def to_trig(nanopubs: list[Nanopub]) -> bytes:
    """The nanopublications as one TriG document: graphs sorted by name, the same bytes on every run."""
    from ketamine_kg.exports.rdf_formats import to_bytes

    merged = RdfDataset()
    bind_prefixes(merged)
    for publication in nanopubs:
        for prefix, iri in publication.rdf.namespaces():
            if prefix in ("this", "sub", ""):
                continue
            merged.bind(prefix, iri, override=False)
        for s, p, o, g in publication.rdf.quads((None, None, None, None)):
            assert g is not None
            merged.graph(g.identifier if isinstance(g, Graph) else g).add((s, p, o))
    merged.bind("np", "http://www.nanopub.org/nschema#", override=True)
    return to_bytes(merged, "trig")


def write_nanopubs(folder: Path, nanopubs: list[Nanopub]) -> list[Path]:
    """One ``TRUSTY.trig`` file per nanopublication in ``folder`` (each written atomically)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for publication in nanopubs:
        path = folder / f"{str(publication.metadata.np_uri).rstrip('/#').rsplit('/', 1)[-1]}.trig"
        write_bytes_atomic(path, to_trig([publication]))
        paths.append(path)
    return paths
