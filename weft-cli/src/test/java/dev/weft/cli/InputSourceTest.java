package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputSourceTest {

  @TempDir Path dir;

  private static List<List<String>> all(InputSource in) {
    List<List<String>> out = new ArrayList<>();
    in.forEachRemaining(out::add);
    return out;
  }

  private static InputStream stdin(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void severalGroupsGiveTheCrossProductFirstSlowest() {
    CommandWords w = CommandWords.split(List.of("echo", ":::", "a", "b", ":::", "1", "2"));
    assertThat(w.command()).containsExactly("echo");
    assertThat(all(new InputSource(w.sources(), stdin(""), null)))
        .containsExactly(
            List.of("a", "1"), List.of("a", "2"), List.of("b", "1"), List.of("b", "2"));
  }

  @Test
  void linkedGroupsPairUpToTheShortest() {
    CommandWords w = CommandWords.split(List.of("echo", ":::", "a", "b", "c", ":::+", "1", "2"));
    assertThat(all(new InputSource(w.sources(), stdin(""), null)))
        .containsExactly(List.of("a", "1"), List.of("b", "2"));
  }

  @Test
  void filesAndStdinAreReadLineByLine() throws IOException {
    Path f = Files.writeString(dir.resolve("in.txt"), "x\ny\n");
    CommandWords w = CommandWords.split(List.of("echo", "::::", f.toString(), ":::", "1", "2"));
    assertThat(all(new InputSource(w.sources(), stdin(""), null)))
        .containsExactly(
            List.of("x", "1"), List.of("x", "2"), List.of("y", "1"), List.of("y", "2"));
    assertThat(all(new InputSource(List.of(), stdin("p\nq\n"), null)))
        .containsExactly(List.of("p"), List.of("q"));
    assertThat(new InputSource(w.sources(), stdin(""), null).countTotal()).hasValue(4);
    assertThat(new InputSource(List.of(), stdin(""), null).countTotal()).isEmpty();
  }

  @Test
  void colsepSplitsLinesIntoSources() {
    assertThat(all(new InputSource(List.of(), stdin("a\tb\n"), Pattern.compile("\t"))))
        .containsExactly(List.of("a", "b"));
  }

  @Test
  void aHugeStreamStartsAtOnce() {
    // an endless stdin: the first items come out without the rest being read
    InputStream endless =
        new InputStream() {
          long n;

          @Override
          public int read() {
            return n++ % 2 == 0 ? 'x' : '\n';
          }

          @Override
          public int read(byte[] b, int off, int len) {
            for (int i = 0; i < len; i++) {
              b[off + i] = (byte) read();
            }
            return len;
          }
        };
    InputSource in = new InputSource(List.of(), endless, null);
    for (int i = 0; i < 100_000; i++) {
      assertThat(in.next()).containsExactly("x");
    }
  }

  @Test
  void aMissingFileIsNamed() {
    List<InputSource.Spec> specs = List.of(InputSource.Spec.file("/nope/missing.txt", false));
    assertThatThrownBy(() -> new InputSource(specs, stdin(""), null))
        .isInstanceOf(BadInput.class)
        .hasMessage("input file '/nope/missing.txt' does not exist");
  }
}
