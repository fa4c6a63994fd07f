// What OWLAPI 3.4 (the library inside owlready2's HermiT.jar, which owlready2's reasoner runs on) makes of one RDF/XML file.
//
// Usage: java -cp HermiT.jar:. Owl3Check FILE...
// Prints for each FILE: "file PATH", "header N" (annotations of the ontology itself), "annotations N" (annotation
// assertion axioms on entities), "unparsed N" (triples the parser could not use), then each
// header annotation as "header: ...".
import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.AxiomType;
import org.semanticweb.owlapi.model.OWLAnnotation;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;

public class Owl3Check {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            check(path);
        }
    }

    static void check(String path) throws Exception {
        System.out.println("file " + path);
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(path));
        System.out.println("header " + ontology.getAnnotations().size());
        System.out.println("annotations " + ontology.getAxiomCount(AxiomType.ANNOTATION_ASSERTION));
        Object meta = manager.getOntologyFormat(ontology).getOntologyLoaderMetaData();
        System.out.println("unparsed " + (meta instanceof RDFParserMetaData ? ((RDFParserMetaData) meta).getUnparsedTriples().size() : 0));
        for (OWLAnnotation annotation : ontology.getAnnotations()) {
            System.out.println("header: " + annotation.getProperty().getIRI());
        }
    }
}
