package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateTest {

  @Test
  void placeholdersFollowGnuParallelsPathRules() {
    Template t = Template.parse(List.of("echo {} {.} {/} {//} {/.} {#} {%}"));
    assertThat(t.argv(List.of("dir/b.tar.gz"), 2, 1, "/bin/sh"))
        .containsExactly("echo", "dir/b.tar.gz", "dir/b.tar", "b.tar.gz", "dir", "b.tar", "2", "1");
    assertThat(t.argv(List.of("c"), 3, 2, "/bin/sh"))
        .containsExactly("echo", "c", "c", "c", ".", "c", "3", "2");
    assertThat(Template.transform(Template.Kind.DIRNAME, "/a")).isEqualTo("/");
    assertThat(Template.transform(Template.Kind.NO_EXT, "dir.x/file")).isEqualTo("dir.x/file");
  }

  @Test
  void aTemplateWithoutPlaceholdersGetsTheArgumentsAppended() {
    Template t = Template.parse(List.of("gzip", "-9"));
    assertThat(t.text()).isEqualTo("gzip -9 {}");
    assertThat(t.usesShell()).isFalse();
    assertThat(t.argv(List.of("a b"), 1, 1, "/bin/sh")).containsExactly("gzip", "-9", "a b");
  }

  @Test
  void aHostileFileNameIsOneArgumentNeverCode() {
    Template direct = Template.parse(List.of("rm", "{}"));
    assertThat(direct.usesShell()).isFalse();
    assertThat(direct.argv(List.of("a b; rm -rf x"), 1, 1, "/bin/sh"))
        .containsExactly("rm", "a b; rm -rf x");

    Template shell = Template.parse(List.of("cat {} | wc -l"));
    assertThat(shell.usesShell()).isTrue();
    assertThat(shell.line(List.of("a b; rm -rf x"), 1, 1)).isEqualTo("cat 'a b; rm -rf x' | wc -l");
    assertThat(shell.line(List.of("it's"), 1, 1)).isEqualTo("cat 'it'\"'\"'s' | wc -l");
  }

  @Test
  void shellSyntaxIsDetected() {
    assertThat(Template.parse(List.of("echo {} > out")).usesShell()).isTrue();
    assertThat(Template.parse(List.of("FOO=1 env")).usesShell()).isTrue();
    assertThat(Template.parse(List.of("cd {} && make")).usesShell()).isTrue();
    assertThat(Template.parse(List.of("echo $HOME {}")).usesShell()).isTrue();
    assertThat(Template.parse(List.of("convert {} -resize 50% {.}.png")).usesShell()).isFalse();
  }

  @Test
  void positionalPlaceholdersPickTheirSource() {
    Template t = Template.parse(List.of("cp {1} {2/.}.bak"));
    assertThat(t.argv(List.of("x", "d/y.txt"), 1, 1, "/bin/sh"))
        .containsExactly("cp", "x", "y.bak");
  }

  @Test
  void anEmptyCommandRunsTheArgumentsThemselves() {
    Template t = Template.parse(List.of());
    assertThat(t.usesShell()).isTrue();
    assertThat(t.line(List.of("echo hi | tr a-z A-Z"), 1, 1)).isEqualTo("echo hi | tr a-z A-Z");
  }

  @Test
  void anUnknownPlaceholderIsRejectedNamingIt() {
    assertThatThrownBy(() -> Template.parse(List.of("echo {foo}")))
        .isInstanceOf(BadInput.class)
        .hasMessageStartingWith("unknown placeholder '{foo}' in command 'echo {foo}'; known: {}");
    // shell braces are left alone
    assertThat(Template.parse(List.of("echo ${HOME} {1..3} {a,b}")).usesShell()).isTrue();
  }
}
