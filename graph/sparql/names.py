"""What a graph can be asked about: its entities, claims, classes and properties, and the checks that use them.

:func:`get_known_names` asks an engine, once, for every entity (IRI, id, label, synonyms,
aliases, stated type), every article claim (id, IRI, the triple in words, modality) and every
class and property of the ontology. With those:

- :func:`check_values` reads each ``--param`` value the way a person writes it (an entity by
  id, CURIE, IRI, label or synonym; a claim by id, CURIE or IRI) and refuses an unknown one
  with the closest known names, so a misspelt id is an error instead of an empty answer;
- :func:`check_query_names` refuses a query that names an IRI of the project's own namespaces
  (``kkg:``, ``kkgc:``, ``kkgs:``, ``kkgo:``) the graph does not hold, again with the closest names.

Both run only on the local engines (the store, rdflib): a remote endpoint is asked nothing extra.
"""

from __future__ import annotations

import difflib
import re
import weakref
from dataclasses import dataclass, field

from ketamine_kg.core import iris as ns
from ketamine_kg.core.curies import compact, get_prefix_map
from ketamine_kg.errors import QueryError
from ketamine_kg.sparql.catalogue import NamedQuery, Param, parse_query, to_iri
from ketamine_kg.sparql.lexer import tokens

_PREFIXES = """PREFIX kkgo: <https://w3id.org/ketamine-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
_ENTITY_QUERY = _PREFIXES + f"""SELECT ?e ?label ?type ?name WHERE {{
  ?e a owl:NamedIndividual ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?e), "{ns.ENTITY}"))
  OPTIONAL {{ GRAPH ?g {{ ?e a ?type }} FILTER(?type != owl:NamedIndividual && !STRENDS(STR(?g), "/inferred")
             && STRSTARTS(STR(?type), "{ns.ONTOLOGY}")) }}
  OPTIONAL {{ {{ ?e skos:altLabel ?name }} UNION {{ ?e kkgo:alias ?name }} }}
}}"""
_CLAIM_QUERY = _PREFIXES + """SELECT ?c ?id ?label ?modality ?source WHERE {
  ?c a kkgo:Claim ; dcterms:identifier ?id .
  OPTIONAL { ?c rdfs:label ?label }
  OPTIONAL { ?c kkgo:modality ?m . ?m rdfs:label ?modality }
  OPTIONAL { ?c dcterms:source ?doc . ?doc kkgo:order ?source }
  OPTIONAL { ?c kkgo:order ?at }
} ORDER BY ?source ?at ?id"""
_TERM_QUERY = _PREFIXES + f"""SELECT ?t ?kind ?label WHERE {{
  {{ ?t a owl:Class . BIND("class" AS ?kind) }}
  UNION {{ ?t a owl:ObjectProperty . BIND("property" AS ?kind) }}
  UNION {{ ?t a owl:DatatypeProperty . BIND("property" AS ?kind) }}
  UNION {{ ?t a owl:AnnotationProperty . BIND("property" AS ?kind) }}
  FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{ns.ONTOLOGY}"))
  OPTIONAL {{ ?t rdfs:label ?label }}
}}"""
_MEMBERS_QUERY = _PREFIXES + f"""SELECT ?t (COUNT(DISTINCT ?e) AS ?n) WHERE {{
  ?e a owl:NamedIndividual ; a ?t . FILTER(STRSTARTS(STR(?t), "{ns.ONTOLOGY}"))
}} GROUP BY ?t"""
# The namespaces whose IRIs a query may only name where the graph holds them, and what they name.
OWN_NAMESPACES = {"kkg": ns.ENTITY, "kkgc": ns.CLAIM, "kkgs": ns.SOURCE, "kkgo": ns.ONTOLOGY}
LOCAL_ENGINES = ("oxigraph", "memory")
ENTITY_ID = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Entity:
    """An entity of the graph: its IRI, id, label, stated type and other names."""

    iri: str
    label: str
    type: str = ""  # the CURIE of its stated class
    names: set[str] = field(default_factory=set)  # synonyms and alias IRIs

    @property
    def id(self) -> str:
        """The entity's id: its IRI after ``kkg:``."""
        return self.iri[len(ns.ENTITY):]


@dataclass(frozen=True)
class Claim:
    """An article claim: IRI, id, the triple in words, modality."""

    iri: str
    id: str
    text: str
    modality: str


@dataclass(frozen=True)
class OntologyTerm:
    """A class or property of the ontology: IRI, ``class`` or ``property``, label, members (classes only)."""

    iri: str
    kind: str
    label: str
    members: int = 0

    @property
    def curie(self) -> str:
        """The term as a CURIE (``kkgo:Substance``)."""
        return compact(self.iri) or self.iri


@dataclass
class KnownNames:
    """The names one graph holds: entities, claims, ontology terms."""

    entities: list[Entity]
    claims: list[Claim]
    terms: list[OntologyTerm]

    def find_entity(self, value: str) -> Entity | None:
        """The entity ``value`` names: an id, a CURIE, an ``<IRI>`` or bare IRI, a label, a synonym or an alias.

        Labels and synonyms are matched without regard to case.
        """
        value = value.strip()
        iri = _as_iri(value)
        by_iri = {e.iri: e for e in self.entities}
        if iri in by_iri:
            return by_iri[iri]
        if value in {e.id for e in self.entities}:
            return by_iri[ns.entity_iri(value)]
        folded = value.casefold()
        for entity in self.entities:
            if entity.label.casefold() == folded or any(n.casefold() == folded or n == iri for n in entity.names):
                return entity
        return None

    def find_claim(self, value: str) -> Claim | None:
        """The claim ``value`` names: its id (or ``SOURCE/ID``), a ``kkgc:`` CURIE or its IRI."""
        value = value.strip()
        iri = _as_iri(value)
        for claim in self.claims:
            if value == claim.id or iri == claim.iri or claim.iri.endswith("/" + value):
                return claim
        return None

    def closest(self, value: str, kind: str) -> list[str]:
        """Up to three known names of ``kind`` (entity, claim, class, property) closest to ``value``."""
        value = value.strip()
        if kind == "entity":
            candidates = {}
            for e in self.entities:
                candidates[e.id] = e.id
                candidates[e.label.casefold()] = e.id
            key = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1].casefold() if (value.startswith("<") or ":" in value) else value.casefold()
            found = difflib.get_close_matches(key, list(candidates), n=6, cutoff=0.5)
            names = list(dict.fromkeys(candidates[f] for f in found))
        elif kind == "claim":
            key = value.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            names = difflib.get_close_matches(key, [c.id for c in self.claims], n=3, cutoff=0.5)
        else:
            curies = [t.curie for t in self.terms if t.kind == kind] if kind in ("class", "property") else \
                [t.curie for t in self.terms]
            names = difflib.get_close_matches(value, curies, n=3, cutoff=0.5)
        return names[:3]

    def knows_term(self, iri: str) -> bool:
        """Whether ``iri`` is a class or property of the ontology."""
        return any(t.iri == iri for t in self.terms)


def _as_iri(value: str) -> str:
    """``value`` as an IRI where it is written as one (``<...>``, a CURIE of a known prefix, ``http...``), else ``""``."""
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefixes = get_prefix_map()
    if ":" in value and value.split(":", 1)[0] in prefixes:
        prefix, local = value.split(":", 1)
        return prefixes[prefix] + local
    if re.match(r"^[a-z][a-z0-9+.-]*://", value):
        return value
    return ""


def get_known_names(engine) -> KnownNames:
    """Every entity, claim and ontology term of ``engine``'s graph (asked once per engine)."""
    try:
        return _CACHE[engine]
    except (KeyError, TypeError):
        pass
    entities: dict[str, Entity] = {}
    for e, label, type_, name in engine.run(parse_query(_ENTITY_QUERY, "entities")).rows:
        assert e is not None and label is not None  # both are required by the pattern
        entity = entities.setdefault(e.value, Entity(e.value, label.value))
        if type_ is not None and not entity.type:
            entity.type = compact(type_.value) or type_.value
        if name is not None:
            entity.names.add(name.value)
    claims: dict[str, Claim] = {}
    for c, id_, label, modality, _ in engine.run(parse_query(_CLAIM_QUERY, "claims")).rows:
        assert c is not None and id_ is not None
        claims.setdefault(c.value, Claim(c.value, id_.value, label.value if label else "", modality.value if modality else ""))
    members = {t.value: int(n.value) for t, n in engine.run(parse_query(_MEMBERS_QUERY, "members")).rows
               if t is not None and n is not None}
    terms: dict[str, OntologyTerm] = {}
    for t, kind, label in engine.run(parse_query(_TERM_QUERY, "terms")).rows:
        assert t is not None and kind is not None
        if t.value not in terms or (label is not None and not terms[t.value].label):
            terms[t.value] = OntologyTerm(t.value, kind.value, label.value if label else "", members.get(t.value, 0))
    known = KnownNames(sorted(entities.values(), key=lambda e: e.id), list(claims.values()),
                       sorted(terms.values(), key=lambda t: (t.kind, t.iri)))
    try:
        _CACHE[engine] = known
    except TypeError:
        pass
    return known


def _suggest(names: list[str]) -> str:
    if not names:
        return ""
    return "; did you mean " + " or ".join(repr(n) for n in names) + "?"


def takes_claim(param: Param) -> bool:
    """Whether ``param`` names a claim (its default is ``@first-claim``, or it is called ``claim_id``)."""
    return param.default == "@first-claim" or param.name.endswith("claim_id")


def check_values(engine, query: NamedQuery, values: dict[str, str]) -> dict[str, str]:
    """``values`` with each entity or claim read as the graph names it; an unknown one is a :class:`QueryError`.

    An entity parameter (an IRI default) takes an id, a CURIE, an IRI, a label or a synonym and
    is passed on as the entity's ``<IRI>``; an IRI outside the project's namespaces is kept when
    the graph holds it. A claim parameter takes the claim's id, CURIE or IRI and is passed on as its id.
    """
    if getattr(engine, "name", "") not in LOCAL_ENGINES or not values:
        return dict(values)
    params = {p.name: p for p in query.params}
    out = dict(values)
    for name, value in values.items():
        param = params.get(name)
        if param is None:
            continue  # refused by NamedQuery.bindings, with the list of parameters
        if param.kind == "iri":
            direct = _as_iri(value.strip()) or (ns.entity_iri(value.strip()) if ENTITY_ID.fullmatch(value.strip()) else "")
            if direct and _is_entity(engine, direct):  # an entity's id, CURIE or IRI: no need to list every name
                out[name] = f"<{direct}>"
                continue
            known = get_known_names(engine)
            entity = known.find_entity(value)
            if entity is not None:
                out[name] = f"<{entity.iri}>"
                continue
            iri = _as_iri(value.strip())
            if iri or value.strip().startswith("<"):
                iri = to_iri(value, "--param", name)  # a malformed IRI gets its own message
            if iri and not any(iri.startswith(base) for base in OWN_NAMESPACES.values()) and _mentioned(engine, iri):
                continue
            raise QueryError("--param", None, f"{name}={value}: no entity of the graph has this id, CURIE, IRI or label"
                             f"{_suggest(known.closest(value, 'entity'))} (ketamine-kg list entities)")
        if takes_claim(param):
            known = get_known_names(engine)
            claim = known.find_claim(value)
            if claim is None:
                raise QueryError("--param", None, f"{name}={value}: no claim has this id"
                                 f"{_suggest(known.closest(value, 'claim'))} (ketamine-kg list claims)")
            out[name] = claim.id
    return out


def _is_entity(engine, iri: str) -> bool:
    if not iri.startswith(ns.ENTITY) or re.search(r'[\s<>"{}|^`\\]', iri):
        return False
    ask = parse_query(f"ASK {{ <{iri}> a <http://www.w3.org/2002/07/owl#NamedIndividual> }}", "check")
    return bool(engine.run(ask).boolean)


def _mentioned(engine, iri: str) -> bool:
    if re.search(r'[\s<>"{}|^`\\]', iri):
        return False
    ask = parse_query(f"ASK {{ {{ <{iri}> ?p ?o }} UNION {{ ?s ?p <{iri}> }} UNION {{ ?s <{iri}> ?o }} }}", "check")
    return bool(engine.run(ask).boolean)


def get_own_iris(text: str) -> list[tuple[str, str, int]]:
    """The IRIs of the project's namespaces that query ``text`` names, as (IRI, as written, offset).

    Full ``<...>`` IRIs and prefixed names of the project's prefixes count (unless the query
    declares those prefixes otherwise); strings and comments never do. Graph names are left out.

    >>> [w for _, w, _ in get_own_iris('SELECT * { ?s a kkgo:Substance ; kkgo:label "kkg:x" } # kkg:y')]
    ['kkgo:Substance', 'kkgo:label']
    """
    found: list[tuple[str, str, int]] = []
    toks = list(tokens(text))
    declared: dict[str, str] = {}
    for i, (kind, value, at) in enumerate(toks):
        if kind == "word" and value.upper() == "PREFIX" and i + 3 < len(toks) and toks[i + 2][1] == ":" and toks[i + 3][0] == "iri":
            declared[toks[i + 1][1]] = toks[i + 3][1][1:-1]
    namespaces = {p: declared.get(p, base) for p, base in OWN_NAMESPACES.items()}
    own = tuple(OWN_NAMESPACES.values())
    for i, (kind, value, at) in enumerate(toks):
        if kind == "iri":
            iri = value[1:-1]
            if iri.startswith(own) and i > 0 and toks[i - 1][1] != ":":  # not the IRI of a PREFIX line
                found.append((iri, value, at))
        elif kind == "word" and value in namespaces and namespaces[value].startswith(own) and i + 2 < len(toks):
            colon, local = toks[i + 1], toks[i + 2]
            if colon[1] == ":" and colon[2] == at + len(value) and local[0] == "word" and local[2] == colon[2] + 1:
                if i > 0 and toks[i - 1][0] == "word" and toks[i - 1][1].upper() == "PREFIX":
                    continue
                end = local[2] + len(local[1])
                while end < len(text) and (text[end].isalnum() or text[end] in "_-."):
                    end += 1
                written = text[at:end].rstrip(".")
                found.append((namespaces[value] + written.split(":", 1)[1], written, at))
    return found


def check_query_names(engine, query: NamedQuery) -> None:
    """Refuse ``query`` if it names an IRI of the project's namespaces that the graph does not hold.

    The message names the query's line and the closest known names.
    """
    if getattr(engine, "name", "") not in LOCAL_ENGINES:
        return
    for iri, written, at in get_own_iris(query.text):
        if _mentioned(engine, iri):
            continue
        known = get_known_names(engine)
        line = query.text.count("\n", 0, at) + 1
        if iri.startswith(ns.ONTOLOGY):
            local = iri[len(ns.ONTOLOGY):]
            kind = "class" if local[:1].isupper() else "property"
            close = known.closest(written, kind) or known.closest(written, "term")
            what = f"the ontology has no {kind} {written}"
        elif iri.startswith(ns.ENTITY):
            close = [f"kkg:{n}" for n in known.closest(written, "entity")]
            what = f"the graph has no entity {written}"
        elif iri.startswith(ns.CLAIM):
            close = [compact(c.iri) or c.iri for c in known.claims if c.id in known.closest(written, "claim")]
            what = f"the graph has no claim {written}"
        else:
            close = []
            what = f"the graph has no source or section {written}"
        raise QueryError(query.where, line, f"{what}{_suggest(close)}")
