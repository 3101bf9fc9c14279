package dev.weft.cli;

import java.util.Set;

/**
 * POSIX shell rules the command needs: quoting a value so that the shell reads it back as one word,
 * and telling whether a command line needs a shell at all (a command without shell syntax is exec'd
 * directly, which is faster and has nothing to inject into). Stateless.
 */
final class Shell {

  /**
   * {@return {@code shell}, checked}
   *
   * @param flag the flag that named it, for the message
   * @throws BadInput naming the flag and value when it is not an executable file
   */
  static String checked(String flag, String shell) {
    java.nio.file.Path p = java.nio.file.Path.of(shell);
    if (!java.nio.file.Files.isRegularFile(p) || !java.nio.file.Files.isExecutable(p)) {
      throw new BadInput(flag + " must be an executable file, was '" + shell + "'");
    }
    return shell;
  }

  /** Keywords and builtins that exist only inside a shell: a command starting with one needs it. */
  private static final Set<String> SHELL_ONLY =
      Set.of(
          "cd",
          "export",
          "source",
          ".",
          "exit",
          "set",
          "unset",
          "alias",
          "eval",
          "exec",
          "if",
          "for",
          "while",
          "until",
          "case",
          "function",
          "read",
          "ulimit",
          "umask",
          "trap",
          "wait",
          "shift",
          "return",
          "local",
          "declare",
          "typeset",
          "let",
          "[[",
          "{",
          "!",
          "time");

  private static final java.util.regex.Pattern WORDS = java.util.regex.Pattern.compile("[ \t]+");

  private Shell() {}

  /** {@return the user's shell, {@code $SHELL}, else {@code /bin/sh}} */
  static String fromEnvironment() {
    String env = System.getenv("SHELL");
    return env == null || env.isBlank() ? "/bin/sh" : env;
  }

  /**
   * {@return {@code value} quoted for a POSIX shell: unchanged when it holds only characters the
   * shell reads literally, else in single quotes}
   */
  static String quote(String value) {
    if (value.isEmpty()) {
      return "''";
    }
    boolean safe = true;
    for (int i = 0; i < value.length() && safe; i++) {
      char c = value.charAt(i);
      safe =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "_@%+:,./-".indexOf(c) >= 0;
    }
    if (safe) {
      return value;
    }
    return "'" + value.replace("'", "'\"'\"'") + "'";
  }

  /**
   * {@return whether {@code command} (with placeholders already taken out) uses shell syntax:
   * metacharacters, quotes, expansions, redirections, an assignment or a shell-only first word}
   */
  static boolean needsShell(String command) {
    for (int i = 0; i < command.length(); i++) {
      if ("|&;<>()$`\\\"'*?[]{}\n!".indexOf(command.charAt(i)) >= 0) {
        return true;
      }
    }
    java.util.List<String> words = WORDS.splitAsStream(command.trim()).toList();
    if (words.isEmpty() || words.getFirst().isEmpty()) {
      return true;
    }
    if (words.getFirst().contains("=") || SHELL_ONLY.contains(words.getFirst())) {
      return true;
    }
    for (String w : words) {
      if (w.startsWith("~") || w.startsWith("#")) {
        return true;
      }
    }
    return false;
  }
}
