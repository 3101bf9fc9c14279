package dev.weft.jobs.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A lease to renew, with the progress to store alongside.
 *
 * @param id the job
 * @param leaseToken the token the renewer holds
 * @param progress progress to store as JSON, or {@code null} to keep what is stored
 */
public record Lease(long id, String leaseToken, @Nullable String progress) {

  /** Checks the token. */
  public Lease {
    Objects.requireNonNull(leaseToken, "leaseToken");
  }
}
