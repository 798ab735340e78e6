package dev.movinet

import java.nio.Buffer

// `clear()` and `flip()` through `java.nio.Buffer`. JDK 9 gave `ByteBuffer` covariant overrides
// (`ByteBuffer.clear()` returning `ByteBuffer`); compiled against a class library that declares
// them (JDK 9 and later, and Android's newer SDKs), `byteBuffer.clear()` binds to the override,
// which Android API 24-28 devices lack: `NoSuchMethodError` at the call. On a `Buffer` receiver
// the call binds to `Buffer.clear()`, which every version has. BufferCallsTest (jvm-tests)
// checks the compiled classes for such calls.

/** [Buffer.clear], bound to `Buffer` (see above). */
internal fun Buffer.clearCompat() {
    clear()
}

/** [Buffer.flip], bound to `Buffer` (see above). */
internal fun Buffer.flipCompat() {
    flip()
}
