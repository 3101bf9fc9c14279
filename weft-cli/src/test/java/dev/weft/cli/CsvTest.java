package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** CSV lines of {@code weft fetch --format csv}, quoted as RFC 4180 says. */
class CsvTest {

  @Test
  void fieldsWithCommasQuotesOrLineBreaksAreQuotedAndNullsAreEmpty() {
    List<String> columns = List.of("a", "b", "c", "d", "e");
    Map<String, @Nullable Object> row = new HashMap<>();
    row.put("a", "plain");
    row.put("b", "one, two");
    row.put("c", "say \"hi\"");
    row.put("d", "two\nlines");
    row.put("e", null);
    assertThat(Csv.header(columns)).isEqualTo("a,b,c,d,e");
    assertThat(Csv.line(columns, row))
        .isEqualTo("plain,\"one, two\",\"say \"\"hi\"\"\",\"two\nlines\",");
  }
}
