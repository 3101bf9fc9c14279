package dev.weft.example.spring;

/**
 * A signup, the payload of a "welcome" job.
 *
 * @param email where the welcome mail goes
 */
public record Signup(String email) {}
