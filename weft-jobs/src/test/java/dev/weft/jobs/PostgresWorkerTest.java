package dev.weft.jobs;

class PostgresWorkerTest extends WorkerContract {

  private String url = "";

  @Override
  JobQueue openQueue() {
    url = TestPostgres.emptyDatabase("weft_worker");
    return JobQueue.open(url);
  }

  @Override
  JobQueue openSameDatabase() {
    return JobQueue.open(url);
  }
}
