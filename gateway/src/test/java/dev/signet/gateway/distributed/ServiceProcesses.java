package dev.signet.gateway.distributed;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * The child service processes of a test class, as a JUnit extension: when a test or a set-up method fails, it prints
 * the tail of every child's output before the failure propagates, since that is where a service says what went wrong.
 * {@link #close()} stops every child, newest first, even when stopping one fails; a JVM shutdown hook does the same
 * should the test JVM itself be stopped before the class's {@code @AfterAll} runs.
 */
final class ServiceProcesses implements AutoCloseable, TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final int TAIL_LINES = 60;

    private final List<ServiceProcess> started = new ArrayList<>();
    private final Thread stopAtExit = new Thread(this::close, "service-processes-stop");
    private final String adminToken;

    ServiceProcesses(String adminToken) {
        this.adminToken = adminToken;
    }

    /** Starts a service process (see {@link ServiceProcess#start}); its log goes to {@code logDir}. */
    synchronized ServiceProcess start(String name, String mainClass, Path logDir, Function<URI, List<String>> settings) {
        if (started.isEmpty()) {
            Runtime.getRuntime().addShutdownHook(stopAtExit);
        }
        ServiceProcess process = ServiceProcess.start(name, mainClass, logDir, adminToken, settings);
        started.add(process);
        return process;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        printTails();
        throw failure;
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        printTails();
        throw failure;
    }

    private synchronized void printTails() {
        for (ServiceProcess process : started) {
            System.err.printf("%n===== %s: last %d lines (whole log: %s) =====%n%s%n", process.name(), TAIL_LINES,
                    process.log(), process.tail(TAIL_LINES));
        }
    }

    @Override
    public synchronized void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (RuntimeException e) {
                System.err.println("could not stop " + started.get(i).name() + ": " + e);
            }
        }
        started.clear();
        if (Thread.currentThread() != stopAtExit) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopAtExit);
            } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
                // the JVM is exiting (the hook runs anyway) or nothing was ever started
            }
        }
    }
}
