package io.marketplacebridge.sandbox;

/**
 * A request the sandbox marketplace refuses, as Microsoft would: the HTTP status, a short error code and a
 * message that says what was wrong.
 */
public class SimulatorException extends RuntimeException {

    private final int status;
    private final String code;

    public SimulatorException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    static SimulatorException badRequest(String message) {
        return new SimulatorException(400, "BadArgument", message);
    }

    static SimulatorException notFound(String message) {
        return new SimulatorException(404, "NotFound", message);
    }

    static SimulatorException conflict(String message) {
        return new SimulatorException(409, "Conflict", message);
    }

    /** The HTTP status of the answer. */
    public int getStatus() {
        return status;
    }

    /** The error code of the answer's body, e.g. {@code BadArgument}. */
    public String getCode() {
        return code;
    }
}
