package dev.weft.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command template of {@code weft run}, GNU parallel's replacement strings: {@code {}} the
 * arguments, {@code {.}} without extension, {@code {/}} basename, {@code {//}} dirname, {@code
 * {/.}} basename without extension, {@code {#}} job number, {@code {%}} slot, and {@code {n}}
 * {@code {n.}} {@code {n/}} {@code {n//}} {@code {n/.}} for the n-th input source. A template with
 * none gets {@code " {}"} appended. Values are shell-quoted, so an argument is never code; a
 * template whose text has no shell syntax runs without a shell, each word one argument of the
 * program.
 *
 * <p>Immutable and thread-safe.
 */
final class Template {

  /** What a placeholder yields. */
  enum Kind {
    ALL,
    NO_EXT,
    BASENAME,
    DIRNAME,
    BASENAME_NO_EXT,
    SEQ,
    SLOT
  }

  /** One piece of a template: literal text, or a placeholder of source {@code source} (0 = all). */
  private record Part(String literal, Kind kind, int source) {
    boolean isLiteral() {
      return kind == Kind.ALL && source < 0;
    }
  }

  // anything that looks like a placeholder: {} {.} {3/.} {#} {foo}; not ${VAR}, {a,b} or {1..3}
  private static final Pattern CANDIDATE = Pattern.compile("(?<!\\$)\\{[A-Za-z0-9_./#%+-]*\\}");
  private static final Pattern KNOWN = Pattern.compile("\\{(\\d*)(|\\.|/|//|/\\.)\\}|\\{[#%]\\}");
  private static final String KNOWN_LIST = "{} {.} {/} {//} {/.} {#} {%} {n} {n.} {n/} {n//} {n/.}";

  private final String text;
  private final List<Part> parts;
  private final boolean shell;
  private final boolean raw;
  private final List<List<Part>> words;

  private Template(String text, List<Part> parts, boolean shell, boolean raw) {
    this.text = text;
    this.parts = parts;
    this.shell = shell;
    this.raw = raw;
    this.words = shell ? List.of() : splitWords(parts);
  }

  /**
   * {@return the template of the command words {@code command}, joined by spaces as GNU parallel
   * does; empty words make the arguments themselves the command}
   *
   * @throws BadInput if a placeholder is unknown, naming it and the known ones
   */
  static Template parse(List<String> command) {
    String text = String.join(" ", command);
    if (text.isBlank()) {
      return new Template("{}", List.of(new Part("", Kind.ALL, 0)), true, true);
    }
    List<Part> parts = new ArrayList<>();
    Matcher m = CANDIDATE.matcher(text);
    int last = 0;
    boolean any = false;
    StringBuilder plain = new StringBuilder();
    while (m.find()) {
      String token = m.group();
      if (token.contains("..")) {
        continue; // bash's {1..3}
      }
      Matcher k = KNOWN.matcher(token);
      if (!k.matches()) {
        throw new BadInput(
            "unknown placeholder '" + token + "' in command '" + text + "'; known: " + KNOWN_LIST);
      }
      if (m.start() > last) {
        parts.add(literal(text.substring(last, m.start())));
        plain.append(text, last, m.start());
      }
      parts.add(placeholder(k));
      plain.append(' ');
      last = m.end();
      any = true;
    }
    if (last < text.length()) {
      parts.add(literal(text.substring(last)));
      plain.append(text, last, text.length());
    }
    if (!any) {
      parts.add(literal(" "));
      parts.add(new Part("", Kind.ALL, 0));
      text = text + " {}";
    }
    return new Template(text, List.copyOf(parts), Shell.needsShell(plain.toString()), false);
  }

  private static Part literal(String s) {
    return new Part(s, Kind.ALL, -1);
  }

  private static Part placeholder(Matcher k) {
    String token = k.group();
    if (token.equals("{#}")) {
      return new Part("", Kind.SEQ, 0);
    }
    if (token.equals("{%}")) {
      return new Part("", Kind.SLOT, 0);
    }
    String digits = k.group(1);
    int source = digits.isEmpty() ? 0 : Integer.parseInt(digits);
    Kind kind =
        switch (k.group(2)) {
          case "." -> Kind.NO_EXT;
          case "/" -> Kind.BASENAME;
          case "//" -> Kind.DIRNAME;
          case "/." -> Kind.BASENAME_NO_EXT;
          default -> Kind.ALL;
        };
    return new Part("", kind, source);
  }

  /** {@return whether this template runs through a shell} */
  boolean usesShell() {
    return shell;
  }

  /** {@return the template as given, with {@code " {}"} appended when it had no placeholder} */
  String text() {
    return text;
  }

  /**
   * {@return the command line for {@code args} as a shell would read it: what {@code --dry-run}
   * prints and the job log records}
   */
  String line(List<String> args, long seq, int slot) {
    StringBuilder sb = new StringBuilder(64);
    for (Part p : parts) {
      if (p.isLiteral()) {
        sb.append(p.literal());
      } else {
        sb.append(value(p, args, seq, slot, !raw));
      }
    }
    return sb.toString();
  }

  /**
   * {@return the program and arguments to run for {@code args}: {@code shell -c line} when the
   * template needs a shell, else the words with placeholders replaced, one argument each}
   */
  List<String> argv(List<String> args, long seq, int slot, String shellPath) {
    if (shell) {
      return List.of(shellPath, "-c", line(args, seq, slot));
    }
    List<String> argv = new ArrayList<>(words.size() + args.size());
    for (List<Part> word : words) {
      if (word.size() == 1 && !word.getFirst().isLiteral() && word.getFirst().source() == 0) {
        Part p = word.getFirst();
        if (p.kind() == Kind.SEQ || p.kind() == Kind.SLOT) {
          argv.add(value(p, args, seq, slot, false));
        } else {
          for (String a : args) {
            argv.add(transform(p.kind(), a));
          }
        }
        continue;
      }
      StringBuilder sb = new StringBuilder();
      for (Part p : word) {
        sb.append(p.isLiteral() ? p.literal() : value(p, args, seq, slot, false));
      }
      argv.add(sb.toString());
    }
    return argv;
  }

  private static String value(Part p, List<String> args, long seq, int slot, boolean quote) {
    return switch (p.kind()) {
      case SEQ -> Long.toString(seq);
      case SLOT -> Integer.toString(slot);
      default -> {
        if (p.source() > 0) {
          String v = p.source() <= args.size() ? transform(p.kind(), args.get(p.source() - 1)) : "";
          yield quote ? Shell.quote(v) : v;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < args.size(); i++) {
          if (i > 0) {
            sb.append(' ');
          }
          String v = transform(p.kind(), args.get(i));
          sb.append(quote ? Shell.quote(v) : v);
        }
        yield sb.toString();
      }
    };
  }

  /** {@return {@code arg} transformed as {@code kind} says (GNU parallel's path rules)} */
  static String transform(Kind kind, String arg) {
    return switch (kind) {
      case NO_EXT -> noExt(arg);
      case BASENAME -> arg.substring(arg.lastIndexOf('/') + 1);
      case DIRNAME -> dirname(arg);
      case BASENAME_NO_EXT -> noExt(arg.substring(arg.lastIndexOf('/') + 1));
      default -> arg;
    };
  }

  private static String noExt(String s) {
    int dot = s.lastIndexOf('.');
    return dot >= 0 && s.indexOf('/', dot) < 0 ? s.substring(0, dot) : s;
  }

  private static String dirname(String s) {
    String t = s;
    while (t.length() > 1 && t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    int slash = t.lastIndexOf('/');
    if (slash < 0) {
      return ".";
    }
    String d = t.substring(0, slash);
    while (d.length() > 1 && d.endsWith("/")) {
      d = d.substring(0, d.length() - 1);
    }
    return d.isEmpty() ? "/" : d;
  }

  private static List<List<Part>> splitWords(List<Part> parts) {
    List<List<Part>> words = new ArrayList<>();
    List<Part> current = new ArrayList<>();
    for (Part p : parts) {
      if (!p.isLiteral()) {
        current.add(p);
        continue;
      }
      String s = p.literal();
      int i = 0;
      while (i < s.length()) {
        char c = s.charAt(i);
        if (c == ' ' || c == '\t') {
          if (!current.isEmpty()) {
            words.add(List.copyOf(current));
            current = new ArrayList<>();
          }
          i++;
          continue;
        }
        int j = i;
        while (j < s.length() && s.charAt(j) != ' ' && s.charAt(j) != '\t') {
          j++;
        }
        current.add(literal(s.substring(i, j)));
        i = j;
      }
    }
    if (!current.isEmpty()) {
      words.add(List.copyOf(current));
    }
    return List.copyOf(words);
  }

  @Override
  public String toString() {
    return text;
  }
}
