package io.keelraft.storage;

import java.io.IOException;
import java.nio.file.FileSystemException;

/**
 * Tells a failed open caused by the process (EMFILE) or the system (ENFILE) being out of file descriptors from
 * other failures. Such a shortage is someone else's doing — typically a flood of client connections — and passes,
 * so the log waits it out instead of failing its appends. The JDK reports both as a plain
 * {@link FileSystemException} whose reason is the C library's message; where that message is translated, the
 * shortage is not recognised and the open fails as any other would.
 */
final class DescriptorShortage {

    private DescriptorShortage() {
    }

    static boolean is(IOException e) {
        return e != null && e.getClass() == FileSystemException.class
                && ((FileSystemException) e).getReason() != null
                && ((FileSystemException) e).getReason().startsWith("Too many open files");
    }
}
