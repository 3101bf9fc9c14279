package dev.weft.example.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The example service: {@code POST /signups} enqueues a welcome mail into weft's job queue (a
 * SQLite file by default); {@link WelcomeMailer}, a handler bean, sends it through the named
 * policies {@code smtp} (retry and circuit breaker) configured in application.properties.
 */
@SpringBootApplication
public class SignupApp {

  /** Starts the service. */
  public static void main(String[] args) {
    SpringApplication.run(SignupApp.class, args);
  }
}
