package dev.weft.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NewJobHeadersTest {

  @Test
  void headersAreCopiedAndAddedOneByOne() {
    Map<String, String> source = new HashMap<>(Map.of("a", "1"));
    NewJob job = NewJob.ofJson("q", "k", "{}").withHeaders(source).withHeader("b", "2");
    source.put("c", "3");
    assertThat(job.headers()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    assertThat(job.withPriority(3).headers()).isEqualTo(job.headers());
    assertThat(NewJob.ofJson("q", "k", "{}").headers()).isEmpty();
  }

  @Test
  void anEmptyHeaderNameIsRejectedNamingIt() {
    assertThatThrownBy(() -> NewJob.ofJson("q", "k", "{}").withHeader("", "v"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header name must have 1 to 200 characters, was ''");
  }
}
