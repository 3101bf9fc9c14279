package dev.weft.spring.app;

/** The payload of a "welcome" job. */
public record Welcome(int user) {}
