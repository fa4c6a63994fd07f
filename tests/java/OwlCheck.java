// What OWLAPI 5 (the library Protégé is built on) makes of one ontology file.
//
// Usage: java -cp JARS:. OwlCheck FILE [--classify]
// Prints, one fact a line:
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
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
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
        if (args.length > 1 && args[1].equals("--classify")) {
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
