package dev.weft.cli.dashboard;

import static dev.weft.cli.dashboard.Html.esc;
import static dev.weft.cli.dashboard.Html.url;

import dev.weft.jobs.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Renders each page's HTML from the same data its {@code /api/...} JSON carries ({@link Console}).
 * Plain HTML that reads without JavaScript: tables with headers, forms that POST, labels on every
 * field. Stateless apart from the anti-forgery value its forms carry and whether actions are shown.
 */
final class Pages {

  private final String csrf;
  private final boolean readOnly;

  Pages(String csrf, boolean readOnly) {
    this.csrf = csrf;
    this.readOnly = readOnly;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(@Nullable Object o) {
    return o == null ? List.of() : (List<Map<String, Object>>) o;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(@Nullable Object o) {
    return o == null ? Map.of() : (Map<String, Object>) o;
  }

  private static List<?> list(@Nullable Object o) {
    return o == null ? List.of() : (List<?>) o;
  }

  private static String str(@Nullable Object o) {
    return o == null ? "" : o.toString();
  }

  private static double dbl(@Nullable Object o) {
    return o == null ? 0 : ((Number) o).doubleValue();
  }

  private static long num(@Nullable Object o) {
    return o == null ? 0 : ((Number) o).longValue();
  }

  // ---- overview ---------------------------------------------------------------------------

  String overview(Map<String, Object> d) {
    Html h = new Html();
    h.raw("<p class=\"muted\">Source: ").text(d.get("source")).raw("</p>");
    List<Map<String, Object>> queues = maps(d.get("queues"));
    List<Map<String, Object>> runs = maps(d.get("runs"));
    if (!queues.isEmpty()) {
      h.raw("<section aria-labelledby=\"q-h\"><h2 id=\"q-h\">Queues</h2>")
          .raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Queue</th>");
      for (JobState s : JobState.values()) {
        h.raw("<th scope=\"col\" class=\"num\">").text(Html.lower(s)).raw("</th>");
      }
      h.raw("<th scope=\"col\" class=\"num\">Running / limit</th>")
          .raw("<th scope=\"col\" class=\"num\">Oldest due</th></tr></thead><tbody>");
      for (Map<String, Object> q : queues) {
        String name = str(q.get("name"));
        h.raw("<tr><th scope=\"row\">")
            .link("/jobs?queue=" + url(name), name)
            .raw(Boolean.TRUE.equals(q.get("paused")) ? " <span class=\"tag\">paused</span>" : "")
            .raw("</th>");
        Map<String, Object> counts = map(q.get("counts"));
        for (JobState s : JobState.values()) {
          String st = Html.lower(s);
          h.raw("<td class=\"num\">")
              .link("/jobs?queue=" + url(name) + "&state=" + st, counts.get(st))
              .raw("</td>");
        }
        Object max = q.get("maxRunning");
        h.raw("<td class=\"num\">")
            .text(q.get("running"))
            .raw(" / ")
            .text(max == null ? "no limit" : max)
            .raw("</td><td class=\"num\">");
        Object age = q.get("oldestDueSeconds");
        h.text(
                age == null
                    ? "none due"
                    : Html.duration(Duration.ofMillis((long) (dbl(age) * 1000))))
            .raw("</td></tr>");
      }
      h.raw("</tbody></table></div></section>");
      h.raw("<section aria-labelledby=\"t-h\"><h2 id=\"t-h\">Throughput, last hour</h2>");
      List<Map<String, Object>> tp = maps(d.get("throughput"));
      long ok = 0;
      long failed = 0;
      for (Map<String, Object> t : tp) {
        ok += num(t.get("succeeded"));
        failed += num(t.get("failed"));
      }
      h.raw("<p>")
          .text(String.format("%.2f", ok / 3600.0))
          .raw(" succeeded/s and ")
          .text(String.format("%.2f", failed / 3600.0))
          .raw(" failed/s on average (")
          .text(ok)
          .raw(" succeeded, ")
          .text(failed)
          .raw(" died or were cancelled).</p>")
          .raw("<canvas id=\"chart\" width=\"960\" height=\"200\" role=\"img\"")
          .raw(
              " aria-label=\"Jobs succeeded and failed per second, each minute of the last hour\">")
          .raw("</canvas><p class=\"legend\"><span class=\"ok\">■</span> succeeded/s")
          .raw(" <span class=\"bad\">■</span> failed/s</p></section>");
    }
    if (!runs.isEmpty()) {
      h.raw("<section aria-labelledby=\"r-h\"><h2 id=\"r-h\">Runs of weft run</h2>")
          .raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Command</th>")
          .raw("<th scope=\"col\">Status</th><th scope=\"col\">Progress (ETA)</th>")
          .raw("<th scope=\"col\" class=\"num\">Failed</th>")
          .raw("<th scope=\"col\">Time per job</th><th scope=\"col\">Updated</th>")
          .raw("</tr></thead><tbody>");
      for (Map<String, Object> r : runs) {
        h.raw("<tr><th scope=\"row\">")
            .link("/runs/" + url(r.get("key")), r.get("command"))
            .raw("</th><td>")
            .text(r.get("status"))
            .raw("</td><td>");
        progress(h, r);
        h.raw("</td><td class=\"num\">");
        long f = num(r.get("failed"));
        if (f > 0) {
          h.link("/runs/" + url(r.get("key")), f);
        } else {
          h.text(0);
        }
        h.raw("</td><td>")
            .text(Html.duration(Duration.ofMillis(num(r.get("meanMillis")))))
            .raw("</td><td>")
            .text(r.get("updated"))
            .raw("</td></tr>");
      }
      h.raw("</tbody></table></div></section>");
    }
    if (queues.isEmpty() && runs.isEmpty()) {
      h.raw("<p>Nothing recorded yet: no queue has jobs and no run is recorded.</p>");
    }
    return h.toString();
  }

  /**
   * Writes a run's progress bar: finished jobs of its total when known (else of those finished),
   * with how many were ok and, while it runs, the time it still needs.
   */
  private static void progress(Html h, Map<String, Object> r) {
    long done = num(r.get("done"));
    long okN = num(r.get("ok"));
    Object total = r.get("total");
    long max = total == null ? done : Math.max(num(total), done);
    h.raw("<progress max=\"")
        .text(Math.max(max, 1))
        .raw("\" value=\"")
        .text(done)
        .raw("\">")
        .text(done)
        .raw("</progress> ")
        .text(done)
        .raw(" of ")
        .text(total == null ? "?" : max)
        .raw(" finished, ")
        .text(okN)
        .raw(" ok");
    Object eta = r.get("etaSeconds");
    if (eta != null) {
      h.raw(" (ETA ").text(Html.duration(Duration.ofSeconds(num(eta)))).raw(")");
    }
  }

  String run(Map<String, Object> d) {
    Html h = new Html();
    h.raw("<p>");
    progress(h, d);
    h.raw("</p>");
    h.raw("<dl class=\"facts\"><dt>Command</dt><dd><code>")
        .text(d.get("command"))
        .raw("</code></dd><dt>Status</dt><dd>")
        .text(d.get("status"))
        .raw("</dd><dt>Started</dt><dd>")
        .text(d.get("started"))
        .raw("</dd><dt>Updated</dt><dd>")
        .text(d.get("updated"))
        .raw("</dd><dt>Finished</dt><dd>")
        .text(d.get("ok"))
        .raw(" ok, ")
        .text(d.get("failed"))
        .raw(" failed, ")
        .text(d.get("attempts"))
        .raw(" attempts</dd></dl>");
    List<Map<String, Object>> fs = maps(d.get("failures"));
    h.raw("<h2>Failed jobs</h2>");
    if (fs.isEmpty()) {
      h.raw("<p>No job of this run failed.</p>");
      return h.toString();
    }
    if (!readOnly && Boolean.TRUE.equals(d.get("replayable"))) {
      h.raw("<p>")
          .button(
              "/actions/retry-run",
              "Run the " + num(d.get("failed")) + " failed jobs again",
              csrf,
              "run",
              str(d.get("key")))
          .raw(" starts the command again with <code>--resume-failed</code> in its folder: the")
          .raw(" jobs that succeeded are skipped. This page shows them as they finish.</p>");
    } else {
      h.raw("<p>To run the failed jobs again, repeat the command with <code>--resume-failed</code>")
          .raw(" (weft run skips the jobs that succeeded).</p>");
    }
    h.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\" class=\"num\">#</th>")
        .raw("<th scope=\"col\">Arguments</th><th scope=\"col\" class=\"num\">Exit</th>")
        .raw("<th scope=\"col\" class=\"num\">Attempts</th><th scope=\"col\">Time</th>")
        .raw("<th scope=\"col\">At</th></tr></thead><tbody>");
    for (Map<String, Object> f : fs) {
      h.raw("<tr><td class=\"num\">")
          .text(f.get("seq"))
          .raw("</td><td><code>")
          .text(f.get("args"))
          .raw("</code></td><td class=\"num\">")
          .text(f.get("exit"))
          .raw("</td><td class=\"num\">")
          .text(f.get("attempts"))
          .raw("</td><td>")
          .text(Html.duration(Duration.ofMillis(num(f.get("millis")))))
          .raw("</td><td>")
          .text(f.get("at"))
          .raw("</td></tr>");
    }
    return h.raw("</tbody></table></div>").toString();
  }

  // ---- jobs -------------------------------------------------------------------------------

  private void filterForm(Html h, Map<String, Object> d, String action, boolean withState) {
    List<?> queues = list(d.get("queues"));
    h.raw("<form method=\"get\" action=\"")
        .raw(action)
        .raw("\" class=\"filter\" role=\"search\"><label>Queue <select name=\"queue\">");
    String current = str(d.get("queue"));
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    for (Object o : queues) {
      names.add(str(o));
    }
    names.add(current);
    for (String q : names) {
      h.raw("<option")
          .raw(q.equals(current) ? " selected" : "")
          .raw(" value=\"")
          .text(q)
          .raw("\">")
          .text(q)
          .raw("</option>");
    }
    h.raw("</select></label>");
    if (withState) {
      h.raw("<label>State <select name=\"state\"><option value=\"any\">any</option>");
      for (JobState s : JobState.values()) {
        String st = Html.lower(s);
        h.raw("<option")
            .raw(st.equals(d.get("state")) ? " selected" : "")
            .raw(">")
            .text(st)
            .raw("</option>");
      }
      h.raw("</select></label>");
    }
    h.raw("<label>Id <input name=\"id\" inputmode=\"numeric\" size=\"8\"></label>");
    textInput(h, "Kind", "kind", d.get("kind"));
    textInput(h, "Unique key", "key", d.get("key"));
    textInput(h, "Payload text", "text", d.get("text"));
    h.raw("<button type=\"submit\">Search</button></form>");
  }

  private static void textInput(Html h, String label, String name, @Nullable Object value) {
    h.raw("<label>")
        .text(label)
        .raw(" <input name=\"")
        .raw(name)
        .raw("\" value=\"")
        .text(value)
        .raw("\" size=\"12\"></label>");
  }

  private static String query(Map<String, Object> d, @Nullable Object before) {
    StringBuilder q = new StringBuilder("?queue=").append(url(d.get("queue")));
    for (String k : List.of("state", "kind", "key", "text")) {
      if (d.get(k) != null) {
        q.append('&').append(k).append('=').append(url(d.get(k)));
      }
    }
    if (before != null) {
      q.append("&before=").append(before);
    }
    return q.toString();
  }

  String jobs(Map<String, Object> d) {
    Html h = new Html();
    filterForm(h, d, "/jobs", true);
    jobTable(h, d, false);
    return h.toString();
  }

  private void jobTable(Html h, Map<String, Object> d, boolean dead) {
    List<Map<String, Object>> jobs = maps(d.get("jobs"));
    if (jobs.isEmpty()) {
      h.raw("<p>No job matches.</p>");
    } else {
      h.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\" class=\"num\">Id</th>")
          .raw("<th scope=\"col\">Kind</th><th scope=\"col\">State</th>")
          .raw("<th scope=\"col\" class=\"num\">Attempt</th><th scope=\"col\">Unique key</th>")
          .raw("<th scope=\"col\">Last error</th>");
      if (dead && !readOnly) {
        h.raw("<th scope=\"col\">Actions</th>");
      }
      h.raw("</tr></thead><tbody>");
      for (Map<String, Object> j : jobs) {
        h.raw("<tr><td class=\"num\">")
            .link("/jobs/" + j.get("id"), j.get("id"))
            .raw("</td><td>")
            .text(j.get("kind"))
            .raw("</td><td><span class=\"state ")
            .text(j.get("state"))
            .raw("\">")
            .text(j.get("state"))
            .raw("</span></td><td class=\"num\">")
            .text(j.get("attempt"))
            .raw(" / ")
            .text(j.get("maxAttempts"))
            .raw("</td><td>")
            .text(j.get("uniqueKey"))
            .raw("</td><td class=\"err\">")
            .text(j.get("lastError") == null ? j.get("reason") : j.get("lastError"))
            .raw("</td>");
        if (dead && !readOnly) {
          String q = str(j.get("queue"));
          h.raw("<td>")
              .button("/actions/retry", "Retry", csrf, "queue", q, "id", "" + j.get("id"))
              .raw(" ")
              .link("/confirm?action=discard&queue=" + url(q) + "&id=" + j.get("id"), "Discard…")
              .raw("</td>");
        }
        h.raw("</tr>");
      }
      h.raw("</tbody></table></div>");
    }
    String base = dead ? "/dead" : "/jobs";
    h.raw("<nav aria-label=\"Pages\" class=\"pager\">");
    if (d.get("before") != null) {
      h.link(base + query(d, null), "Newest");
    }
    if (d.get("next") != null) {
      h.raw(" ").link(base + query(d, d.get("next")), "Older →");
    }
    h.raw("</nav>");
  }

  String dead(Map<String, Object> d) {
    Html h = new Html();
    filterForm(h, d, "/dead", false);
    if (!readOnly && !list(d.get("jobs")).isEmpty()) {
      String q = query(d, null).substring(1);
      h.raw("<p class=\"bulk\">")
          .link("/confirm?action=retry-all&" + q, "Retry all matching…")
          .raw(" ")
          .link("/confirm?action=discard-all&" + q, "Discard all matching…")
          .raw("</p>");
    }
    jobTable(h, d, true);
    return h.toString();
  }

  String job(Map<String, Object> j) {
    Html h = new Html();
    String state = str(j.get("state"));
    String q = str(j.get("queue"));
    h.raw("<dl class=\"facts\"><dt>Queue</dt><dd>")
        .link("/jobs?queue=" + url(q), q)
        .raw("</dd><dt>Kind</dt><dd>")
        .text(j.get("kind"))
        .raw("</dd><dt>State</dt><dd><span class=\"state ")
        .text(state)
        .raw("\" id=\"job-state\">")
        .text(state)
        .raw("</span></dd><dt>Attempt</dt><dd>")
        .text(j.get("attempt"))
        .raw(" of ")
        .text(j.get("maxAttempts"))
        .raw("</dd><dt>Priority</dt><dd>")
        .text(j.get("priority"))
        .raw("</dd><dt>Unique key</dt><dd>")
        .text(j.get("uniqueKey"))
        .raw("</dd><dt>Lease owner</dt><dd>")
        .text(j.get("workerId") == null ? "none" : j.get("workerId"))
        .raw(j.get("leaseExpiresAt") == null ? "" : " until " + esc(j.get("leaseExpiresAt")))
        .raw("</dd><dt>Run at</dt><dd>")
        .text(j.get("runAt"))
        .raw("</dd>");
    if (j.get("reason") != null) {
      h.raw("<dt>Reason</dt><dd>").text(j.get("reason")).raw("</dd>");
    }
    h.raw("</dl>");
    List<?> parents = list(j.get("parents"));
    List<?> children = list(j.get("children"));
    if (!parents.isEmpty() || !children.isEmpty()) {
      // a small graph: what it waits on, itself, what waits on it
      h.raw(
          "<h2>Dependencies</h2><div class=\"graph\" role=\"group\" aria-label=\"Dependencies\">");
      h.raw("<ul aria-label=\"Parents\">");
      for (Object p : parents) {
        h.raw("<li>").link("/jobs/" + p, "#" + p).raw("</li>");
      }
      if (parents.isEmpty()) {
        h.raw("<li class=\"muted\">no parents</li>");
      }
      h.raw("</ul><span class=\"arrow\" aria-hidden=\"true\">→</span><ul><li><strong>#")
          .text(j.get("id"))
          .raw("</strong></li></ul><span class=\"arrow\" aria-hidden=\"true\">→</span>")
          .raw("<ul aria-label=\"Children\">");
      for (Object c : children) {
        h.raw("<li>").link("/jobs/" + c, "#" + c).raw("</li>");
      }
      if (children.isEmpty()) {
        h.raw("<li class=\"muted\">no children</li>");
      }
      h.raw("</ul></div>");
    }
    if (!readOnly && (state.equals("dead") || state.equals("cancelled"))) {
      h.raw("<p>").button("/actions/retry", "Retry", csrf, "queue", q, "id", "" + j.get("id"));
      if (state.equals("dead")) {
        h.raw(" ")
            .link("/confirm?action=discard&queue=" + url(q) + "&id=" + j.get("id"), "Discard…");
      }
      h.raw("</p>");
    }
    h.raw("<h2>Payload</h2><pre class=\"payload\">").text(pretty(str(j.get("payload"))));
    h.raw("</pre><h2>Attempts that failed</h2>");
    List<Map<String, Object>> errors = maps(j.get("errors"));
    if (errors.isEmpty()) {
      h.raw("<p>None.</p>");
    } else {
      h.raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\" class=\"num\">Attempt</th>")
          .raw("<th scope=\"col\">At</th><th scope=\"col\">Took</th>")
          .raw("<th scope=\"col\">Error</th></tr></thead><tbody>");
      for (Map<String, Object> e : errors) {
        Object took = e.get("tookMillis");
        h.raw("<tr><td class=\"num\">")
            .text(e.get("attempt"))
            .raw("</td><td>")
            .text(e.get("at"))
            .raw("</td><td>")
            .text(took == null ? "?" : Html.duration(Duration.ofMillis(num(took))))
            .raw("</td><td><strong>")
            .text(e.get("type"))
            .raw("</strong>: ")
            .text(e.get("message"))
            .raw("<details><summary>Trace</summary><pre>")
            .text(e.get("trace"))
            .raw("</pre></details></td></tr>");
      }
      h.raw("</tbody></table></div>");
    }
    h.raw("<h2>Timeline</h2><ol class=\"timeline\">");
    List<Map<String, Object>> timeline = maps(j.get("timeline"));
    for (Map<String, Object> e : timeline) {
      h.raw("<li><time>").text(e.get("at")).raw("</time> ").text(e.get("what")).raw("</li>");
    }
    return h.raw("</ol>").toString();
  }

  private static String pretty(String json) {
    try {
      var mapper = Json.MAPPER;
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(mapper.readTree(json));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      return json;
    }
  }

  // ---- queues, workers, confirmation ------------------------------------------------------

  String queues(Map<String, Object> d) {
    Html h = new Html();
    List<Map<String, Object>> qs = maps(d.get("queues"));
    if (qs.isEmpty()) {
      h.raw("<p>No queue yet.</p>");
    }
    for (Map<String, Object> q : qs) {
      String name = str(q.get("name"));
      boolean paused = Boolean.TRUE.equals(q.get("paused"));
      h.raw("<section class=\"card\" aria-labelledby=\"q-")
          .text(name)
          .raw("\"><h2 id=\"q-")
          .text(name)
          .raw("\">")
          .text(name)
          .raw(paused ? " <span class=\"tag\">paused</span>" : "")
          .raw("</h2><p>")
          .text(q.get("running"))
          .raw(" running, ")
          .text(map(q.get("counts")).get("available"))
          .raw(" available.");
      if (paused) {
        h.raw(" Paused since ").text(q.get("pausedAt")).raw(": no worker claims from it.");
      }
      h.raw("</p>");
      if (!readOnly) {
        h.button(
            paused ? "/actions/resume" : "/actions/pause",
            paused ? "Resume " + name : "Pause " + name,
            csrf,
            "queue",
            name);
        Map<String, Object> l = q.get("limits") == null ? null : map(q.get("limits"));
        h.raw("<form method=\"post\" action=\"/actions/limits\" class=\"limits\">")
            .hidden("csrf", csrf)
            .hidden("queue", name)
            .raw("<fieldset><legend>Global limits (blank: none)</legend>");
        limitInput(h, name, "Max running", "maxRunning", l);
        limitInput(h, name, "Rate /s", "perSecond", l);
        limitInput(h, name, "Burst", "burst", l);
        limitInput(h, name, "Per-key rate /s", "keyPerSecond", l);
        limitInput(h, name, "Per-key burst", "keyBurst", l);
        h.raw("<button type=\"submit\">Save limits</button></fieldset></form>");
      }
      h.raw("</section>");
    }
    return h.toString();
  }

  private static void limitInput(
      Html h, String queue, String label, String name, @Nullable Map<String, Object> l) {
    Object v = l == null ? null : l.get(name);
    h.raw("<label>")
        .text(label)
        .raw(" <input name=\"")
        .raw(name)
        .raw("\" inputmode=\"decimal\" size=\"6\" value=\"")
        .text(v)
        .raw("\" aria-label=\"")
        .text(label + " of " + queue)
        .raw("\"></label>");
  }

  String workers(Map<String, Object> d) {
    Html h = new Html();
    List<Map<String, Object>> ws = maps(d.get("workers"));
    if (ws.isEmpty()) {
      return "<p>No worker has sent a heartbeat.</p>";
    }
    h.raw("<p class=\"muted\">A worker is dead when its last heartbeat is older than ")
        .text(d.get("deadAfterSeconds"))
        .raw(" s; live workers take over its jobs when their leases expire.</p>")
        .raw("<div class=\"scroll\"><table><thead><tr><th scope=\"col\">Worker</th>")
        .raw("<th scope=\"col\">Queue</th><th scope=\"col\">Host</th>")
        .raw("<th scope=\"col\" class=\"num\">Pid</th><th scope=\"col\">Last heartbeat</th>")
        .raw("<th scope=\"col\" class=\"num\">Jobs held</th><th scope=\"col\">Status</th>")
        .raw("</tr></thead><tbody>");
    for (Map<String, Object> w : ws) {
      boolean dead = Boolean.TRUE.equals(w.get("dead"));
      h.raw("<tr")
          .raw(dead ? " class=\"dead\"" : "")
          .raw("><th scope=\"row\">")
          .text(w.get("id"))
          .raw("</th><td>")
          .text(w.get("queue"))
          .raw("</td><td>")
          .text(w.get("host"))
          .raw("</td><td class=\"num\">")
          .text(w.get("pid"))
          .raw("</td><td>")
          .text(
              Html.duration(Duration.ofMillis((long) (dbl(w.get("heartbeatAgeSeconds")) * 1000)))
                  + " ago")
          .raw("</td><td class=\"num\">")
          .text(w.get("held"))
          .raw("</td><td>")
          .text(dead ? "dead" : "alive")
          .raw("</td></tr>");
    }
    return h.raw("</tbody></table></div>").toString();
  }

  String confirm(String action, String question, Map<String, String> fields, String back) {
    Html h = new Html();
    h.raw("<form method=\"post\" action=\"/actions/")
        .text(action)
        .raw("\" class=\"confirm\"><p>")
        .text(question)
        .raw("</p>")
        .hidden("csrf", csrf);
    for (Map.Entry<String, String> e : fields.entrySet()) {
      h.hidden(e.getKey(), e.getValue());
    }
    h.raw("<button type=\"submit\" id=\"confirm\">Yes, ")
        .text(action.replace('-', ' '))
        .raw("</button> ")
        .link(back, "Cancel")
        .raw("</form>");
    return h.toString();
  }

  static String error(String message) {
    return "<p class=\"flash error\" role=\"alert\">" + esc(message) + "</p>";
  }
}
