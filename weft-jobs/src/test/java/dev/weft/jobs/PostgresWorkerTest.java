package dev.weft.jobs;

class PostgresWorkerTest extends WorkerContract {

  private String url = "";

  @Override
  JobQueue openQueue() {
    url = TestPostgres.freshDatabase("weft_worker");
    return JobQueue.open(url);
  }

  @Override
  JobQueue openSameDatabase() {
    return JobQueue.open(url);
  }
}
