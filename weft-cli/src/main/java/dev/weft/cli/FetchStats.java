package dev.weft.cli;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counts and latencies of a finished run. Thread-safe. */
final class FetchStats {
  final AtomicLong ok = new AtomicLong();
  final AtomicLong retried = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong breakerRejected = new AtomicLong();
  final AtomicLong attempts = new AtomicLong();
  final AtomicLong bytes = new AtomicLong();
  final Latencies latencies = new Latencies();
  final AtomicLong breakerTrips = new AtomicLong();
  final AtomicLong breakerWaits = new AtomicLong();
  final Map<String, AtomicLong> skippedHosts = new ConcurrentHashMap<>(); // host: URLs skipped
  final AtomicLong notStarted = new AtomicLong(); // left when --deadline passed
  long unreadAfter; // when --deadline passed, the input line after which nothing was read; else 0
  Duration took = Duration.ZERO;
}
