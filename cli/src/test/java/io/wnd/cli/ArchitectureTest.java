package io.wnd.cli;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** STYLE 1: dependencies run one way, schemas ← state ← {ingest, scorer, trainer} ← cli. */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.wnd");
  }

  @Test
  void shouldKeepSchemasFreeOfEverythingAbove() {
    noClasses().that().resideInAnyPackage("io.wnd.schemas..", "io.wnd.avro..")
        .should().dependOnClassesThat().resideInAnyPackage("io.wnd.state..", "io.wnd.ingest..", "io.wnd.scorer..",
            "io.wnd.trainer..", "io.wnd.cli..", "io.wnd.broker..")
        .because("schemas is the bottom layer: move shared code down into schemas, never reach up from it")
        .check(classes);
  }

  @Test
  void shouldKeepStateFreeOfTheApps() {
    noClasses().that().resideInAPackage("io.wnd.state..")
        .should().dependOnClassesThat().resideInAnyPackage("io.wnd.ingest..", "io.wnd.scorer..", "io.wnd.trainer..",
            "io.wnd.cli..")
        .because("state is shared by every app: code two apps need belongs in state, not in one of the apps")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void shouldKeepTheAppsIndependentOfEachOther() {
    slices().matching("io.wnd.(ingest|scorer|trainer)..").should().notDependOnEachOther()
        .because("apps never depend on each other: move what they share into state")
        .allowEmptyShould(true)
        .check(classes);
  }

  @Test
  void shouldKeepTheBrokerALeaf() {
    noClasses().that().resideInAPackage("io.wnd.broker..")
        .should().dependOnClassesThat().resideInAnyPackage("io.wnd.schemas..", "io.wnd.state..", "io.wnd.ingest..",
            "io.wnd.scorer..", "io.wnd.trainer..", "io.wnd.cli..")
        .because("the local broker is infrastructure any module's tests use; it must not pull in application code")
        .check(classes);
  }

  @Test
  void shouldNotCallSystemExitOutsideTheCliEntryPoint() {
    noClasses().that().resideOutsideOfPackage("io.wnd.cli..")
        .should().callMethod(System.class, "exit", int.class)
        .because("library code never exits the JVM: throw, and let the cli map the error to an exit code")
        .check(classes);
  }
}
