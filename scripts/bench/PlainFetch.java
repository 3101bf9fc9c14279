import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/** Benchmark peer: the plain loop. GETs every URL of a file with N in flight on virtual threads. */
public class PlainFetch {
  public static void main(String[] args) throws Exception {
    List<String> urls = Files.readAllLines(Path.of(args[0]));
    Semaphore inFlight = new Semaphore(Integer.parseInt(args[1]));
    AtomicLong ok = new AtomicLong();
    try (HttpClient client = HttpClient.newHttpClient();
        var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (String u : urls) {
        inFlight.acquire();
        pool.submit(() -> {
          try {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(u)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 200) ok.incrementAndGet();
          } finally {
            inFlight.release();
          }
          return null;
        });
      }
    }
    System.err.println("plain loop: " + ok.get() + " ok");
  }
}
