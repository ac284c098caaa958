package io.keelraft.transport.netty;

import io.netty.handler.codec.DecoderException;

/**
 * A peer sent something this transport refuses; the connection is closed and the {@link Rejection} counted.
 * It is a {@link DecoderException} so that Netty's decoders pass it on unwrapped.
 */
final class BadInputException extends DecoderException {

    private final Rejection rejection;

    BadInputException(Rejection rejection, String detail) {
        super(detail);
        this.rejection = rejection;
    }

    Rejection rejection() {
        return rejection;
    }

    /** Bad input is expected from the network; where in our code we noticed it is of no interest. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
