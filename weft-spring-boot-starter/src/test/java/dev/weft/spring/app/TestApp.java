package dev.weft.spring.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The application the starter's tests run: its beans are the handlers below. */
@SpringBootApplication
public class TestApp {}
