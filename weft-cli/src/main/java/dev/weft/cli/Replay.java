package dev.weft.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How a recorded run can be started again with {@code --resume-failed} (the dashboard's "run the
 * failed jobs again"): the command's arguments after {@code weft}, less the options that choose the
 * state and the resume mode, which the new run sets itself. Stateless.
 */
final class Replay {

  /** The options a replay drops: the replay passes its own state file and resume mode. */
  private static final Set<String> DROPPED = Set.of("--state", "--resume", "--resume-failed");

  private Replay() {}

  /**
   * {@return the arguments that start the run of {@code spec} again, the subcommand's name first,
   * or {@code null} when its input came from stdin (gone once read)}
   *
   * <p>The subcommands stop at their first positional parameter, so the leading run of options is
   * what picocli read as options; each is looked up in {@code spec} to know whether it took the
   * next argument as its value.
   */
  static @Nullable List<String> argv(CommandSpec spec, boolean readsStdin) {
    if (readsStdin) {
      return null;
    }
    List<String> given = spec.commandLine().getParseResult().originalArgs();
    int start = given.indexOf(spec.name());
    if (start < 0) {
      return null;
    }
    List<String> out = new ArrayList<>();
    out.add(spec.name());
    int i = start + 1;
    while (i < given.size()) {
      String arg = given.get(i);
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      OptionSpec option = arg.startsWith("-") ? spec.findOption(name) : null;
      if (option == null && arg.startsWith("-") && !arg.startsWith("--") && arg.length() > 2) {
        option = spec.findOption(arg.substring(0, 2)); // -j4: the value attached
        eq = 2;
      }
      if (option == null) {
        break; // the first positional parameter: the rest is the command and its inputs
      }
      boolean takesNext = option.arity().max() > 0 && eq < 0;
      int width = takesNext && i + 1 < given.size() ? 2 : 1;
      if (!DROPPED.contains(option.longestName())) {
        out.addAll(given.subList(i, i + width));
      }
      i += width;
    }
    out.addAll(given.subList(i, given.size()));
    return out;
  }

  /** {@return {@code args} as a JSON array of strings} */
  static String json(List<String> args) {
    StringBuilder sb = new StringBuilder("[");
    for (String a : args) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"');
      for (int k = 0; k < a.length(); k++) {
        char c = a.charAt(k);
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          default -> {
            if (c < 0x20) {
              sb.append(String.format("\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      sb.append('"');
    }
    return sb.append(']').toString();
  }
}
