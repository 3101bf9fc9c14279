package dev.weft.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits the words after {@code weft run}'s options into the command template and GNU parallel's
 * input sources: {@code :::} values, {@code :::+} values linked to the previous source, {@code
 * ::::} files, {@code ::::+} linked files. Immutable.
 *
 * @param command the command words
 * @param sources the input sources in order
 */
record CommandWords(List<String> command, List<InputSource.Spec> sources) {

  /** {@return {@code words} split} */
  static CommandWords split(List<String> words) {
    List<String> command = new ArrayList<>();
    List<InputSource.Spec> sources = new ArrayList<>();
    String marker = null;
    List<String> group = new ArrayList<>();
    for (String w : words) {
      if (w.equals(":::") || w.equals(":::+") || w.equals("::::") || w.equals("::::+")) {
        if (marker != null) {
          add(sources, marker, group);
        }
        marker = w;
        group = new ArrayList<>();
      } else if (marker == null) {
        command.add(w);
      } else {
        group.add(w);
      }
    }
    if (marker != null) {
      add(sources, marker, group);
    }
    return new CommandWords(List.copyOf(command), List.copyOf(sources));
  }

  private static void add(List<InputSource.Spec> sources, String marker, List<String> group) {
    boolean linked = marker.endsWith("+");
    if (marker.startsWith("::::")) {
      if (group.isEmpty()) {
        throw new BadInput(marker + " must be followed by at least one file");
      }
      for (int i = 0; i < group.size(); i++) {
        sources.add(InputSource.Spec.file(group.get(i), linked && i == 0));
      }
    } else {
      sources.add(InputSource.Spec.values(group, linked));
    }
  }
}
