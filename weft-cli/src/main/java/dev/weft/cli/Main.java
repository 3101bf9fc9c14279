package dev.weft.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code weft} command. Exit codes: 0 success, 1-100 the number of failed jobs
 * (101 above that), 255 bad input or another error; bad input prints one line, never a stack trace.
 */
@Command(
    name = "weft",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs batches of shell or HTTP jobs concurrently, safely and fast.",
    subcommands = {DemoCommand.class, CommandLine.HelpCommand.class})
public final class Main {

  /** The exit code for bad input and other errors, as GNU parallel uses it. */
  static final int ERROR = 255;

  private Main() {}

  /**
   * Runs the command.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true, System.out.charset()),
            new PrintWriter(System.err, true, System.err.charset())));
  }

  /**
   * {@return the exit code of the command line {@code args}, printing to {@code out} and {@code
   * err}}
   */
  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler((e, a) -> {
      err.println("weft: " + e.getMessage());
      err.println("Try 'weft --help' for usage.");
      return ERROR;
    });
    cli.setExecutionExceptionHandler((e, c, p) -> {
      err.println("weft: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return ERROR;
    });
    return cli.execute(args);
  }

  /** Reads the version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {
        "weft " + (v == null ? "(development build)" : v),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
