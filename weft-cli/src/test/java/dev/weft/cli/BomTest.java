package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * weft-bom has no parent (so that importing it pins only weft's own modules), which leaves two
 * things to keep by hand: its version and its list. This test keeps them.
 */
class BomTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @Test
  void theBomListsEveryLibraryModuleAtTheProjectsVersion() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    Document bom = read(ROOT.resolve("weft-bom/pom.xml"));
    assertThat(child(bom.getDocumentElement(), "version"))
        .as("weft-bom's version")
        .isEqualTo(child(parent.getDocumentElement(), "version"));

    List<String> libraries = new ArrayList<>();
    NodeList modules = parent.getElementsByTagName("module");
    for (int i = 0; i < modules.getLength(); i++) {
      String module = modules.item(i).getTextContent().trim();
      // a library is a module with main code; the command and the benchmarks are not
      if (Files.isDirectory(ROOT.resolve(module).resolve("src/main/java"))
          && !module.equals("weft-cli")
          && !module.equals("weft-bench")
          && !module.startsWith("examples/")) {
        libraries.add(module);
      }
    }
    assertThat(libraries).isNotEmpty();

    List<String> managed = new ArrayList<>();
    NodeList artifacts = bom.getElementsByTagName("artifactId");
    for (int i = 0; i < artifacts.getLength(); i++) {
      if (artifacts.item(i).getParentNode().getNodeName().equals("dependency")) {
        managed.add(artifacts.item(i).getTextContent().trim());
      }
    }
    assertThat(managed)
        .as("weft-bom's dependencyManagement")
        .containsExactlyInAnyOrderElementsOf(libraries);
  }

  private static Document read(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }

  private static String child(Element element, String name) {
    NodeList children = element.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i).getNodeName().equals(name)) {
        return children.item(i).getTextContent().trim();
      }
    }
    throw new AssertionError(element.getNodeName() + " has no <" + name + ">");
  }
}
