package dev.weft.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * {@code --db postgres://user@host:port/db}: parsed and checked for reachability before any work
 * starts, so that a typo is one clear line rather than a run that fails half-way. Immutable.
 *
 * @param host the server
 * @param port its port (5432 by default)
 * @param database the database name
 */
record DatabaseUrl(String host, int port, String database) {

  /**
   * {@return {@code url} parsed}
   *
   * @throws BadInput naming the value when it is not a postgres:// URL
   */
  static DatabaseUrl parse(String url) {
    try {
      URI u = new URI(url);
      String scheme = u.getScheme();
      String host = u.getHost();
      if (scheme == null
          || !(scheme.equals("postgres") || scheme.equals("postgresql"))
          || host == null) {
        throw new URISyntaxException(url, "not postgres://");
      }
      String path = u.getPath() == null ? "" : u.getPath().replaceFirst("^/", "");
      return new DatabaseUrl(host, u.getPort() < 0 ? 5432 : u.getPort(), path);
    } catch (URISyntaxException e) {
      throw new BadInput(
          "--db must be a URL like postgres://user:password@host:5432/db, was '" + url + "'", e);
    }
  }

  /**
   * Connects to the server once.
   *
   * @param url the value as given, for the message
   * @throws BadInput naming the URL and the reason when the server cannot be reached
   */
  void checkReachable(String url, Duration timeout) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
    } catch (ConnectException e) {
      throw new BadInput("--db '" + url + "' is unreachable: connection refused", e);
    } catch (UnknownHostException e) {
      throw new BadInput("--db '" + url + "' is unreachable: unknown host " + host, e);
    } catch (SocketTimeoutException e) {
      throw new BadInput("--db '" + url + "' is unreachable: timed out after " + timeout, e);
    } catch (IOException e) {
      throw new BadInput("--db '" + url + "' is unreachable: " + e.getMessage(), e);
    }
  }
}
