package dev.weft.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code weft run --jobs FILE}: jobs with dependencies. */
final class DependencyRun implements Callable<Integer> {

  private final RunCommand command;
  private final Path file;

  DependencyRun(RunCommand command, Path file) {
    this.command = command;
    this.file = file;
  }

  @Override
  public Integer call() {
    throw new BadInput("--jobs '" + file + "': not implemented yet" + command.hashCode());
  }
}
