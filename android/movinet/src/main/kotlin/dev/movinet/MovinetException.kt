package dev.movinet

/**
 * An error from the movinet SDK: a model that cannot be loaded, labels that do not fit the
 * model, a frame whose planes are shorter than its declared size, an invalid option, a
 * LiteRT failure. The message is the native core's own, written for users.
 *
 * Misuse of the API is reported with the standard exceptions instead: a closed classifier
 * throws [IllegalStateException], a heap (non-direct) buffer [IllegalArgumentException].
 */
class MovinetException @JvmOverloads constructor(
    message: String,
    cause: Throwable? = null,
) : RuntimeException(message, cause)
