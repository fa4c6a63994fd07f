// What OWLAPI 5 (the library Protégé is built on) makes of one ontology file.
//
// Usage: java -cp JARS:. OwlCheck [--classify] FILE...
// For each FILE (one Java start for all: the JVM's start is most of the time), prints one fact a line:
//   file PATH
//   axioms N                      logical axioms loaded
//   unparsed N                    triples the RDF parser could not turn into axioms, then each as "unparsed: ..."
//   guessed N                     terms the parser had to guess a declaration for, then each as "guessed: ..."
//   violations N                  OWL 2 DL profile violations, then each as "violation: ..."
// With --classify, HermiT (the build shipped with OWLAPI 5) also runs:
//   consistent true|false
//   type INDIVIDUAL CLASS         every inferred class of every named individual (owl:Thing left out)
// The exit status is 0 whenever the file loaded; the caller judges the numbers.

import java.io.File;
import java.util.List;
import java.util.stream.Collectors;

import org.semanticweb.HermiT.ReasonerFactory;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.OWLClass;
import org.semanticweb.owlapi.model.OWLNamedIndividual;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.reasoner.OWLReasoner;

public class OwlCheck {
    public static void main(String[] args) throws Exception {
        boolean classify = args.length > 0 && args[0].equals("--classify");
        for (int i = classify ? 1 : 0; i < args.length; i++) {
            check(args[i], classify);
        }
    }

    static void check(String path, boolean classify) throws Exception {
        System.out.println("file " + path);
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();  // one manager a file: no IRI clashes
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(path));
        System.out.println("axioms " + ontology.getLogicalAxiomCount());
        OWLOntologyLoaderMetaData meta = manager.getOntologyFormat(ontology).getOntologyLoaderMetaData().orElse(null);
        if (meta instanceof RDFParserMetaData) {
            RDFParserMetaData rdf = (RDFParserMetaData) meta;
            List<String> unparsed = rdf.getUnparsedTriples().map(Object::toString).sorted().collect(Collectors.toList());
            System.out.println("unparsed " + unparsed.size());
            unparsed.forEach(t -> System.out.println("unparsed: " + t));
            List<String> guessed = rdf.getGuessedDeclarations().entries().stream()
                .map(e -> e.getKey() + " " + e.getValue().getSimpleName()).sorted().collect(Collectors.toList());
            System.out.println("guessed " + guessed.size());
            guessed.forEach(g -> System.out.println("guessed: " + g));
        } else {
            System.out.println("unparsed 0");  // not an RDF syntax: the functional parser keeps or rejects every line
            System.out.println("guessed 0");
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        List<OWLProfileViolation> violations = report.getViolations();
        System.out.println("violations " + violations.size());
        violations.stream().map(v -> v.toString().replace('\n', ' ')).sorted()
            .forEach(v -> System.out.println("violation: " + v));
        if (classify) {
            OWLReasoner reasoner = new ReasonerFactory().createReasoner(ontology);
            boolean consistent = reasoner.isConsistent();
            System.out.println("consistent " + consistent);
            if (consistent) {
                for (OWLNamedIndividual individual : ontology.getIndividualsInSignature().stream().sorted().collect(Collectors.toList())) {
                    reasoner.getTypes(individual, false).entities().filter(c -> !c.isOWLThing()).sorted()
                        .forEach((OWLClass c) -> System.out.println("type " + individual.getIRI() + " " + c.getIRI()));
                }
            }
            reasoner.dispose();
        }
    }
}
