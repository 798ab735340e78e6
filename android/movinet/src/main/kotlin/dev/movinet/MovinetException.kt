package dev.movinet

/**
 * An error from the movinet SDK. Each is one of the core's error kinds, the same kinds Swift
 * (`MovinetError`) and Python see, as its own subclass (generated with the JNI bridge from
 * `movinet::ErrorKind::ALL`, see `MovinetExceptions.kt`), so code can branch on it:
 *
 * ```kotlin
 * try { MovinetClassifier.create(file) } catch (e: ModelNotFoundException) { download() }
 * ```
 *
 * [ModelNotFoundException], [IoException], [InvalidModelException],
 * [ModelDigestMismatchException], [InvalidLabelsException], [InvalidFrameException],
 * [InvalidOptionException], [LiteRtException] (kind `Runtime`), [ClosedException],
 * [InvalidActionSetException]. The
 * message is the core's own, written for users, with options spelled as Kotlin spells them
 * (`topK must be at least 1`).
 *
 * Arguments the Kotlin API never passes (a heap buffer where a direct one is needed) throw
 * [IllegalArgumentException]; a bug inside the native library throws
 * [IllegalStateException] saying so.
 *
 * @property kind the core's name of the error kind (`"InvalidFrame"`).
 */
sealed class MovinetException(
    val kind: String,
    message: String,
    cause: Throwable?,
) : java.lang.RuntimeException(message, cause)
