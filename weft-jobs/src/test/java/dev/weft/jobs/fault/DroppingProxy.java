package dev.weft.jobs.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of PostgreSQL whose {@link #blackholeOne()} makes one connection
 * silently stop passing bytes (no FIN, no RST), as a broken NAT or a dead peer does.
 */
final class DroppingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int targetPort;
  private final List<Pair> pairs = new CopyOnWriteArrayList<>();
  private final Random random = new Random(7);
  private final Thread acceptor;
  private volatile boolean closed;

  DroppingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.acceptor = Thread.ofVirtual().name("test-proxy-accept").start(this::accept);
  }

  int port() {
    return server.getLocalPort();
  }

  private final class Pair {
    final Socket client;
    final Socket upstream;
    volatile boolean blackholed;

    Pair(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void pump(InputStream in, OutputStream out) {
      byte[] buf = new byte[16384];
      try {
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (!blackholed) {
            out.write(buf, 0, n);
            out.flush();
          }
        }
      } catch (IOException e) {
        // the other side went away
      } finally {
        if (!blackholed) {
          closeQuietly();
        }
      }
    }

    void closeQuietly() {
      try {
        client.close();
      } catch (IOException ignored) {
        // closing
      }
      try {
        upstream.close();
      } catch (IOException ignored) {
        // closing
      }
      pairs.remove(this);
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
        Pair p = new Pair(client, upstream);
        pairs.add(p);
        InputStream cin = client.getInputStream();
        OutputStream cout = client.getOutputStream();
        InputStream uin = upstream.getInputStream();
        OutputStream uout = upstream.getOutputStream();
        Thread.ofVirtual().start(() -> p.pump(cin, uout));
        Thread.ofVirtual().start(() -> p.pump(uin, cout));
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  /** {@return whether a live connection was black-holed} */
  boolean blackholeOne() {
    List<Pair> live = pairs.stream().filter(p -> !p.blackholed).toList();
    if (live.isEmpty()) {
      return false;
    }
    Pair p = live.get(random.nextInt(live.size()));
    p.blackholed = true;
    return true;
  }

  @Override
  public void close() throws Exception {
    closed = true;
    server.close();
    for (Pair p : pairs) {
      p.closeQuietly();
    }
    acceptor.join();
  }
}
