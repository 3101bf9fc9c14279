package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard over HTTP, without a browser: a real {@code weft dashboard} child process on a real
 * SQLite file, asked with the JDK's HTTP client. Bad input gets a 4xx with one clear line (on the
 * page and in the API), stale and racing actions never corrupt a job, the token and read-only mode
 * hold on every request.
 */
class DashboardHttpTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private HttpResponse<String> get(URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(URI uri, String form) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void badInputGetsA4xxWithOneClearLineOnThePageAndInTheApi() throws Exception {
    Path db = dir.resolve("state.db");
    try (DashboardFixture f = new DashboardFixture(JobQueue.sqlite(db))) {
      f.deadJobs("q", 2);
      try (DashboardChild d = DashboardChild.start("--state", db.toString())) {
        assertThat(get(d.at("/health")).statusCode()).isEqualTo(200);
        HttpResponse<String> unknown = get(d.at("/api/jobs/987654"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isEqualTo("no job 987654");
        HttpResponse<String> page = get(d.at("/jobs/987654"));
        assertThat(page.statusCode()).isEqualTo(404);
        assertThat(page.body()).contains("role=\"alert\">no job 987654<");
        HttpResponse<String> state = get(d.at("/api/jobs?queue=q&state=sleeping"));
        assertThat(state.statusCode()).isEqualTo(400);
        assertThat(json(state).get("error").asText()).startsWith("unknown state 'sleeping'");
        assertThat(get(d.at("/jobs?queue=q&state=sleeping")).body())
            .contains("unknown state &#39;sleeping&#39;");
        assertThat(json(get(d.at("/api/jobs?queue=q&before=-3"))).get("error").asText())
            .isEqualTo("before must be a positive whole number, was '-3'");
        assertThat(get(d.at("/api/jobs?queue=q&limit=100000")).statusCode()).isEqualTo(400);
        assertThat(get(d.at("/api/jobs/abc")).statusCode()).isEqualTo(400);
        assertThat(get(d.at("/nowhere")).statusCode()).isEqualTo(404);
        HttpResponse<String> forged = post(d.at("/actions/retry"), "queue=q&id=1&csrf=guess");
        assertThat(forged.statusCode()).isEqualTo(403);
        HttpResponse<String> limits = post(d.at("/api/actions/limits"), "queue=q&maxRunning=-2");
        assertThat(limits.statusCode()).isEqualTo(400);
        assertThat(json(limits).get("error").asText()).contains("maxRunning").contains("-2");
      }
    }
  }

  @Test
  void aStaleRetryIs409AndRacingRetriesOfOneDeadJobMoveItOnce() throws Exception {
    Path db = dir.resolve("state.db");
    try (DashboardFixture f = new DashboardFixture(JobQueue.sqlite(db))) {
      int rounds = 8;
      List<Long> dead = f.deadJobs("q", rounds);
      try (DashboardChild d = DashboardChild.start("--state", db.toString())) {
        for (long id : dead) {
          int racers = 4;
          CountDownLatch gate = new CountDownLatch(1);
          List<Integer> codes = Collections.synchronizedList(new ArrayList<>());
          List<Thread> ts = new ArrayList<>();
          for (int i = 0; i < racers; i++) {
            ts.add(
                Thread.ofPlatform()
                    .start(() -> {
                      try {
                        gate.await();
                        codes.add(
                            post(d.at("/api/actions/retry"), "queue=q&id=" + id).statusCode());
                      } catch (Exception e) {
                        codes.add(-1);
                      }
                    }));
          }
          gate.countDown();
          for (Thread t : ts) {
            t.join();
          }
          assertThat(codes).as("job %d", id).containsExactlyInAnyOrder(200, 409, 409, 409);
          Job j = f.jobs.job(id).orElseThrow();
          assertThat(j.state()).isEqualTo(JobState.AVAILABLE);
          assertThat(j.attempt()).isZero();
          assertThat(j.errors()).as("history kept").hasSize(1);
        }
        HttpResponse<String> stale = post(d.at("/api/actions/retry"), "queue=q&id=" + dead.get(0));
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(json(stale).get("error").asText())
            .isEqualTo(
                "job "
                    + dead.get(0)
                    + " cannot be retried: it is not dead or cancelled any more (it is available)");
        assertThat(post(d.at("/api/actions/discard"), "queue=q&id=" + dead.get(1)).statusCode())
            .isEqualTo(409);
        assertThat(post(d.at("/api/actions/retry"), "queue=other&id=" + dead.get(1)).statusCode())
            .isEqualTo(404);
      }
      assertThat(f.jobs.counts("q").get(JobState.AVAILABLE)).isEqualTo(rounds);
    }
  }

  @Test
  void theApiListsSearchesPausesAndResumesThroughTheStore() throws Exception {
    Path db = dir.resolve("state.db");
    try (DashboardFixture f = new DashboardFixture(JobQueue.sqlite(db))) {
      List<Long> ids = f.enqueue("q", 30);
      try (DashboardChild d = DashboardChild.start("--state", db.toString())) {
        JsonNode page = json(get(d.at("/api/jobs?queue=q&limit=10")));
        assertThat(page.get("jobs")).hasSize(10);
        assertThat(page.get("jobs").get(0).get("id").asLong()).isEqualTo(ids.getLast());
        JsonNode older = json(get(d.at("/api/jobs?queue=q&limit=10&before=" + page.get("next"))));
        assertThat(older.get("jobs").get(0).get("id").asLong()).isEqualTo(ids.get(19));
        JsonNode text = json(get(d.at("/api/jobs?queue=q&text=user-17")));
        assertThat(text.get("jobs")).hasSize(1);
        JsonNode key = json(get(d.at("/api/jobs?queue=q&key=flaky-q-3")));
        assertThat(key.get("jobs").get(0).get("id").asLong()).isEqualTo(ids.get(3));
        assertThat(post(d.at("/api/actions/pause"), "queue=q").statusCode()).isEqualTo(200);
        assertThat(f.jobs.isPaused("q")).isTrue();
        assertThat(
                f.jobs
                    .store()
                    .claim(
                        "q",
                        "probe",
                        10,
                        java.time.Duration.ofSeconds(30),
                        f.jobs.time().wallTime()))
            .as("a paused queue is never claimed from")
            .isEmpty();
        JsonNode overview = json(get(d.at("/api")));
        assertThat(overview.get("queues").get(0).get("paused").asBoolean()).isTrue();
        assertThat(overview.get("queues").get(0).get("counts").get("available").asLong())
            .isEqualTo(30);
        assertThat(
                post(d.at("/api/actions/limits"), "queue=q&maxRunning=3&perSecond=5&burst=2")
                    .statusCode())
            .isEqualTo(200);
        assertThat(f.jobs.limits("q").orElseThrow().maxRunning()).isEqualTo(3);
        assertThat(post(d.at("/api/actions/resume"), "queue=q").statusCode()).isEqualTo(200);
        assertThat(f.jobs.isPaused("q")).isFalse();
        long child =
            f.jobs
                .enqueue(
                    dev.weft.jobs.NewJob.of("q", "flaky", java.util.Map.of())
                        .withParents(List.of(ids.get(5))))
                .id();
        assertThat(get(d.at("/jobs/" + ids.get(5))).body())
            .contains("aria-label=\"Children\"><li><a href=\"/jobs/" + child + "\">");
        assertThat(get(d.at("/jobs/" + child)).body())
            .contains("aria-label=\"Parents\"><li><a href=\"/jobs/" + ids.get(5) + "\">");
        JsonNode job = json(get(d.at("/api/jobs/" + ids.get(5))));
        assertThat(job.get("children").get(0).asLong()).isEqualTo(child);
        assertThat(job.get("payload").asText()).contains("user-5");
        assertThat(job.get("timeline").get(0).get("what").asText()).isEqualTo("enqueued");
        assertThat(json(get(d.at("/api/workers"))).get("workers")).isEmpty();
      }
    }
  }

  @Test
  void aTokenIsCheckedOnEveryRequestAndReadOnlyRefusesEveryAction() throws Exception {
    Path db = dir.resolve("state.db");
    try (DashboardFixture f = new DashboardFixture(JobQueue.sqlite(db))) {
      List<Long> dead = f.deadJobs("q", 1);
      try (DashboardChild d =
          DashboardChild.start(
              "--state", db.toString(), "--token", "s3cret-token", "--read-only")) {
        assertThat(d.out).anyMatch(l -> l.startsWith("token: s3cret-token"));
        assertThat(get(d.at("/api")).statusCode()).isEqualTo(401);
        assertThat(get(d.at("/jobs/" + dead.get(0))).statusCode()).isEqualTo(401);
        assertThat(get(d.at("/static/weft.css")).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong =
            http.send(
                HttpRequest.newBuilder(d.at("/api"))
                    .header("Authorization", "Bearer s3cret-tokeX")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(wrong.statusCode()).isEqualTo(401);
        HttpResponse<String> right =
            http.send(
                HttpRequest.newBuilder(d.at("/api"))
                    .header("Authorization", "Bearer s3cret-token")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(right.statusCode()).isEqualTo(200);
        HttpResponse<String> login = get(d.at("/dead?token=s3cret-token"));
        assertThat(login.statusCode()).isEqualTo(303);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
        HttpResponse<String> retry =
            http.send(
                HttpRequest.newBuilder(d.at("/api/actions/retry"))
                    .header("Cookie", cookie.substring(0, cookie.indexOf(';')))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("queue=q&id=" + dead.get(0)))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(retry.statusCode()).isEqualTo(403);
        assertThat(json(retry).get("error").asText()).contains("--read-only");
        assertThat(f.jobs.job(dead.get(0)).orElseThrow().state()).isEqualTo(JobState.DEAD);
      }
    }
  }

  @Test
  void aBindBeyondLoopbackGeneratesAndPrintsAToken() throws Exception {
    Path db = dir.resolve("state.db");
    try (DashboardFixture f = new DashboardFixture(JobQueue.sqlite(db))) {
      f.enqueue("q", 1);
      try (DashboardChild d = DashboardChild.start("--state", db.toString(), "--bind", "0.0.0.0")) {
        String line =
            d.out.stream()
                .filter(l -> l.startsWith("token (generated): "))
                .findFirst()
                .orElseThrow();
        String token = line.substring(19, line.indexOf(' ', 19));
        assertThat(token).hasSize(48);
        assertThat(get(d.at("/api")).statusCode()).isEqualTo(401);
        assertThat(get(d.at("/health")).statusCode()).as("probes need no token").isEqualTo(200);
        assertThat(
                http.send(
                        HttpRequest.newBuilder(d.at("/api"))
                            .header("Authorization", "Bearer " + token)
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .statusCode())
            .isEqualTo(200);
      }
    }
  }

  @Test
  void theStateOfWeftRunShowsEachRunAndItsFailures() throws Exception {
    Path state = dir.resolve("run.db");
    Cli run = Cli.run("", "run", "--state", state.toString(), "exit {}", ":::", "0", "3", "0", "5");
    assertThat(run.exit).as(run.err()).isEqualTo(2);
    try (DashboardChild d = DashboardChild.start("--state", state.toString())) {
      JsonNode o = json(get(d.at("/api")));
      JsonNode r = o.get("runs").get(0);
      assertThat(r.get("ok").asLong()).isEqualTo(2);
      assertThat(r.get("failed").asLong()).isEqualTo(2);
      assertThat(r.get("status").asText()).isEqualTo("done");
      JsonNode failures = json(get(d.at("/api/runs/" + r.get("key").asText()))).get("failures");
      assertThat(failures).hasSize(2);
      assertThat(failures.get(0).get("exit").asInt()).isEqualTo(3);
      assertThat(get(d.at("/")).body()).contains("exit {}");
      assertThat(get(d.at("/api/jobs")).statusCode())
          .as("no queue in a run's state")
          .isEqualTo(404);
    }
  }

  @Test
  void aRunsFailedJobsRunAgainFromItsPageAndOnlyThose() throws Exception {
    Path state = dir.resolve("run.db");
    Path flag = dir.resolve("ok");
    Path ran = dir.resolve("ran.txt");
    String command = "echo {} >> " + ran + "; test -e " + flag + " || exit 7";
    Cli run =
        Cli.run(
            "",
            "run",
            "-j",
            "2",
            "--resume",
            "--state",
            state.toString(),
            command,
            ":::",
            "a",
            "b",
            "c",
            "d");
    assertThat(run.exit).as(run.err()).isEqualTo(4);
    Cli fromStdin = Cli.run("x\n", "run", "--state", state.toString(), "exit 1");
    assertThat(fromStdin.exit).as(fromStdin.err()).isEqualTo(1);
    Files.createFile(flag);
    try (DashboardChild d = DashboardChild.start("--state", state.toString())) {
      JsonNode replayable = null;
      JsonNode stdinRun = null;
      for (JsonNode r : json(get(d.at("/api"))).get("runs")) {
        if (r.get("command").asText().startsWith("echo")) {
          replayable = r;
        } else {
          stdinRun = r;
        }
      }
      assertThat(replayable).isNotNull();
      assertThat(stdinRun).isNotNull();
      assertThat(replayable.get("total").asLong()).isEqualTo(4);
      assertThat(replayable.get("replayable").asBoolean()).isTrue();
      assertThat(stdinRun.get("replayable").asBoolean()).isFalse();
      String key = replayable.get("key").asText();
      assertThat(get(d.at("/runs/" + key)).body()).contains("Run the 4 failed jobs again");
      assertThat(get(d.at("/runs/" + stdinRun.get("key").asText())).body())
          .doesNotContain("Run the 1 failed")
          .contains("--resume-failed");

      HttpResponse<String> started = post(d.at("/api/actions/retry-run"), "run=" + key);
      assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
      Matcher pid = Pattern.compile("pid (\\d+)").matcher(json(started).get("message").asText());
      assertThat(pid.find()).as(started.body()).isTrue();
      Optional<ProcessHandle> child = ProcessHandle.of(Long.parseLong(pid.group(1)));
      if (child.isPresent()) {
        child.get().onExit().get(2, TimeUnit.MINUTES);
      }
      JsonNode after = json(get(d.at("/api/runs/" + key)));
      assertThat(after.get("ok").asLong()).as(after.toString()).isEqualTo(4);
      assertThat(after.get("failed").asLong()).isZero();
      assertThat(Files.readAllLines(ran)).as("each job ran once, then once more").hasSize(8);

      HttpResponse<String> again = post(d.at("/api/actions/retry-run"), "run=" + key);
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(json(again).get("error").asText()).contains("no failed job");
      HttpResponse<String> stdin =
          post(d.at("/api/actions/retry-run"), "run=" + stdinRun.get("key").asText());
      assertThat(stdin.statusCode()).isEqualTo(409);
      assertThat(json(stdin).get("error").asText()).contains("stdin");
    }
  }
}
