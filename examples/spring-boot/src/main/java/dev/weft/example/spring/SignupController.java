package dev.weft.example.spring;

import dev.weft.jobs.Enqueued;
import dev.weft.jobs.Job;
import dev.weft.jobs.JobQueue;
import dev.weft.jobs.NewJob;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Enqueues welcome mails and shows their jobs. */
@RestController
public class SignupController {

  private final JobQueue jobs;

  /** Uses the starter's {@link JobQueue} bean. */
  public SignupController(JobQueue jobs) {
    this.jobs = jobs;
  }

  /** {@return the welcome job of {@code email}: one per address, however often it signs up} */
  @PostMapping("/signups")
  public Map<String, Object> signup(@RequestParam String email) {
    Enqueued e =
        jobs.enqueue(
            NewJob.of("mail", "welcome", new Signup(email)).withUniqueKey("welcome-" + email));
    return Map.of("job", e.id(), "duplicate", e.duplicate());
  }

  /** {@return the job's state, attempts and errors} */
  @GetMapping("/jobs/{id}")
  public ResponseEntity<Map<String, Object>> job(@PathVariable long id) {
    return jobs.job(id)
        .map(SignupController::view)
        .map(ResponseEntity::ok)
        .orElseGet(() -> ResponseEntity.notFound().build());
  }

  private static Map<String, Object> view(Job j) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", j.id());
    m.put("state", j.state());
    m.put("attempt", j.attempt());
    m.put("errors", j.errors().stream().map(e -> e.message()).toList());
    return m;
  }
}
