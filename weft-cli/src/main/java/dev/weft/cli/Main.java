package dev.weft.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
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
    subcommands = {CommandLine.HelpCommand.class})
public final class Main {

  /** The exit code for bad input and other errors, as GNU parallel uses it. */
  static final int ERROR = 255;

  private static volatile boolean signals;

  private Main() {}

  /**
   * Runs the command.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    signals = true;
    TreeSignal.install(System.err);
    // sqlite-jdbc logs through SLF4J; without a provider SLF4J would print three lines of warning
    System.setProperty("slf4j.internal.verbosity", "ERROR");
    PrintStream out =
        new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
            false,
            System.out.charset());
    int code = run(args, System.in, out, System.err);
    out.flush();
    System.exit(code);
  }

  /** {@return whether this is the real process, which handles Ctrl-C (not a test calling run)} */
  static boolean signals() {
    return signals;
  }

  /**
   * {@return the exit code of the command line {@code args}, reading {@code in}, printing to {@code
   * out} and {@code err}}
   */
  static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
    CommandLine cli = commandLine(in, out, err);
    int code = cli.execute(args);
    out.flush();
    return code;
  }

  /**
   * {@return the whole command, every subcommand added, reading {@code in}, printing to {@code out}
   * and {@code err}, with the handlers that turn bad input and errors into one line and exit 255}
   */
  static CommandLine commandLine(InputStream in, PrintStream out, PrintStream err) {
    PrintWriter outWriter = new PrintWriter(out, true, out.charset());
    PrintWriter errWriter = new PrintWriter(err, true, err.charset());
    CommandLine cli = new CommandLine(new Main());
    cli.addSubcommand(new CommandLine(new RunCommand(in, out, err)).setStopAtPositional(true));
    cli.addSubcommand(new FetchCommand(in, out, err));
    cli.addSubcommand(new DemoCommand(out, err));
    cli.addSubcommand(new WorkerCommand(out, err));
    cli.addSubcommand(new StatusCommand(out));
    cli.addSubcommand(new ProfileCommand(out));
    cli.addSubcommand(
        new dev.weft.cli.dashboard.DashboardCommand(
            out,
            url -> DatabaseUrl.parse(url).checkReachable(url, java.time.Duration.ofSeconds(5)),
            SqliteNative::useCache));
    cli.setOut(outWriter);
    cli.setErr(errWriter);
    cli.setParameterExceptionHandler((e, a) -> {
      errWriter.println("weft: " + e.getMessage());
      errWriter.println("Try 'weft --help' for usage.");
      return ERROR;
    });
    cli.setExecutionExceptionHandler((e, c, p) -> {
      errWriter.println("weft: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return ERROR;
    });
    return cli;
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
