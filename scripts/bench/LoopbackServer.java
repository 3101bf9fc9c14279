import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/** Benchmark peer: answers every request with 200 and a 64-byte body on loopback; prints its port. */
public class LoopbackServer {
  public static void main(String[] args) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    byte[] body = "0123456789012345678901234567890123456789012345678901234567890123".getBytes();
    server.createContext("/", ex -> {
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream os = ex.getResponseBody()) {
        os.write(body);
      }
    });
    server.start();
    System.out.println(server.getAddress().getPort());
    System.out.flush();
    Thread.currentThread().join();
  }
}
