package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.weft.jobs.JobQueue;
import dev.weft.jobs.JobState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real browser: Debian's headless Chromium driven through chromedriver, against
 * a real {@code weft dashboard} child process over a real store (SQLite file here, PostgreSQL in
 * {@link DashboardBrowserPostgresTest}). Clicks through every page, retries dead jobs and sees them
 * succeed once a worker runs (through the page's own live updates), pauses a queue and sees that no
 * claim takes from it, and saves a screenshot of each page under {@code
 * target/dashboard-screenshots/}. A missing browser fails the test with one line; it never skips.
 */
class DashboardBrowserTest {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

  @TempDir Path dir;

  ChromeDriver browser;
  Path shots;

  /** {@return the queue the test runs on, and the dashboard's arguments to reach it} */
  JobQueue openQueue() {
    return JobQueue.sqlite(dir.resolve("state.db"));
  }

  String[] dashboardArgs() {
    return new String[] {"--state", dir.resolve("state.db").toString()};
  }

  String name() {
    return "sqlite";
  }

  /** Adds what only this store shows; the SQLite state file also records a weft run. */
  void before() {
    Cli run =
        Cli.run(
            "",
            "run",
            "--state",
            dir.resolve("state.db").toString(),
            "exit {}",
            ":::",
            "0",
            "0",
            "4",
            "0");
    assertThat(run.exit).as(run.err()).isEqualTo(1);
  }

  @BeforeEach
  void openBrowser() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      fail(
          "the browser tests need Debian's chromium and chromium-driver ("
              + CHROMIUM
              + ", "
              + CHROMEDRIVER
              + "): apt-get install -y chromium chromium-driver");
    }
    shots = Path.of("target", "dashboard-screenshots", name());
    Files.createDirectories(shots);
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toString());
    o.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")),
        "--window-size=1280,900");
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
    browser = new ChromeDriver(service, o);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void everyPageRetryingDeadJobsAndPausingAQueueInTheBrowser() throws Exception {
    before();
    try (DashboardFixture f = new DashboardFixture(openQueue())) {
      List<Long> dead = f.deadJobs("mail", 3);
      f.enqueue("reports", 5);
      f.jobs.pause("reports");
      try (DashboardChild d = DashboardChild.start(dashboardArgs())) {
        // overview
        browser.get(d.at("/").toString());
        assertThat(browser.getTitle()).isEqualTo("Overview · weft dashboard");
        String overview = text("main");
        assertThat(overview).contains("mail").contains("reports").contains("paused");
        awaitText("#live", "Live: ", d);
        shot("overview");
        browser.manage().window().setSize(new Dimension(390, 844));
        shot("overview-phone");
        browser.manage().window().setSize(new Dimension(1280, 900));

        // jobs: list, search, a job's page
        click(By.linkText("Jobs"));
        awaitText("h1", "Jobs of mail", d);
        assertThat(browser.findElements(By.cssSelector("tbody tr"))).hasSize(3);
        browser.findElement(By.name("text")).sendKeys("user-1");
        click(By.cssSelector("form.filter button"));
        awaitUrl("text=user-1", d);
        assertThat(browser.findElements(By.cssSelector("tbody tr"))).hasSize(1);
        shot("jobs");
        click(By.linkText(dead.get(1).toString()));
        awaitText("h1", "Job " + dead.get(1), d);
        assertThat(text("main")).contains("downstream is down").contains("\"to\" : \"user-1\"");
        shot("job");

        // dead letters: retry one, then the others, and see them succeed under a worker
        f.healthy.set(true);
        f.startWorker("mail");
        click(By.linkText("Dead letters"));
        awaitText("h1", "Dead letters of mail", d);
        shot("dead");
        click(By.cssSelector("tbody tr:first-child button"));
        awaitText(".flash", "job " + dead.get(2) + " is available again", d);
        awaitText("#job-state", "succeeded", d); // the page's live update shows it
        click(By.linkText("Dead letters"));
        awaitText("h1", "Dead letters of mail", d);
        click(By.linkText("Retry all matching…"));
        awaitText("main", "Retry all 2 dead jobs of queue 'mail'?", d);
        shot("confirm");
        click(By.id("confirm"));
        awaitText(".flash", "2 dead jobs of queue 'mail' are available again", d);
        DashboardFixture.await(
            () -> f.jobs.counts("mail").get(JobState.SUCCEEDED) == 3,
            () -> "mail: " + f.jobs.counts("mail"));
        f.stopWorker();

        // queues: a paused queue is never claimed from; limits; resume and it drains
        f.startWorker("reports");
        click(By.linkText("Queues"));
        awaitText("h1", "Queues", d);
        assertThat(text("main")).contains("Paused since");
        assertThat(
                f.jobs
                    .store()
                    .claim(
                        "reports", "probe", 10, Duration.ofSeconds(30), f.jobs.time().wallTime()))
            .as("a claim from the paused queue")
            .isEmpty();
        assertThat(f.jobs.counts("reports").get(JobState.AVAILABLE)).isEqualTo(5);
        WebElement max =
            browser.findElement(By.cssSelector("input[aria-label='Max running of reports']"));
        max.clear();
        max.sendKeys("2");
        click(
            By.xpath("//section[.//h2[starts-with(., 'reports')]]//button[text()='Save limits']"));
        awaitText(".flash", "queue 'reports' limits saved", d);
        assertThat(f.jobs.limits("reports").orElseThrow().maxRunning()).isEqualTo(2);
        shot("queues");
        click(By.xpath("//button[text()='Resume reports']"));
        awaitText(".flash", "queue 'reports' is running again", d);
        DashboardFixture.await(
            () -> f.jobs.counts("reports").get(JobState.SUCCEEDED) == 5,
            () -> "reports: " + f.jobs.counts("reports"));

        // workers
        click(By.linkText("Workers"));
        awaitText("h1", "Workers", d);
        assertThat(text("main")).contains("reports").contains("alive");
        shot("workers");
        click(By.linkText("Overview"));
        awaitText("h1", "Overview", d);
        shot("overview-after");
      }
    }
  }

  String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  /** Clicks the element, finding it again if a live update replaced it in between. */
  void click(By by) {
    for (int i = 0; ; i++) {
      try {
        browser.findElement(by).click();
        return;
      } catch (StaleElementReferenceException e) {
        if (i == 5) {
          throw e;
        }
      }
    }
  }

  void awaitText(String css, String wanted, DashboardChild d) throws InterruptedException {
    Supplier<String> now =
        () -> {
          try {
            return browser.findElements(By.cssSelector(css)).stream()
                .map(WebElement::getText)
                .reduce("", (a, b) -> a + "\n" + b);
          } catch (StaleElementReferenceException e) {
            return "";
          }
        };
    DashboardFixture.await(
        () -> now.get().contains(wanted),
        () ->
            "'"
                + wanted
                + "' in "
                + css
                + " of "
                + browser.getCurrentUrl()
                + ", which shows: "
                + now.get()
                + "\ndashboard stderr: "
                + d.stderr());
  }

  void awaitUrl(String part, DashboardChild d) throws InterruptedException {
    DashboardFixture.await(
        () -> browser.getCurrentUrl().contains(part),
        () -> "URL with " + part + ", at " + browser.getCurrentUrl() + "; " + d.stderr());
  }

  void shot(String page) throws Exception {
    Files.write(shots.resolve(page + ".png"), browser.getScreenshotAs(OutputType.BYTES));
  }
}
