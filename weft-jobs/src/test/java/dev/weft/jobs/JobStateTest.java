package dev.weft.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JobStateTest {

  @Test
  void everyPairIsJudgedByTheTable() {
    int allowed = 0;
    for (JobState from : JobState.values()) {
      for (JobState to : JobState.values()) {
        if (from.canMoveTo(to)) {
          allowed++;
          assertThat(from).isNotEqualTo(JobState.SUCCEEDED);
        }
      }
    }
    assertThat(allowed).isEqualTo(16);
  }

  @Test
  void finalStatesLeaveOnlyByHand() {
    assertThat(JobState.SUCCEEDED.next()).isEmpty();
    assertThat(JobState.DEAD.next()).containsExactly(JobState.AVAILABLE);
    assertThat(JobState.CANCELLED.next()).containsExactly(JobState.AVAILABLE);
    assertThat(JobState.RUNNING.isFinal()).isFalse();
  }
}
