package dev.movinet

import java.nio.ByteBuffer

/**
 * The JNI library's entry points (`bindings/jni/src/lib.rs`, which must change with this
 * file). Native objects are `Long` handles; 0 is "none". Every function may throw
 * [MovinetException] (a core error, with the core's message), [IllegalStateException] (a
 * closed handle) or [IllegalArgumentException] (e.g. a heap buffer where a direct one is
 * needed).
 *
 * The library is `libmovinet_jni.so`, found by `System.loadLibrary` inside an app; a host JVM
 * passes its path in the system property [LIBRARY_PATH_PROPERTY] instead.
 */
internal object NativeBridge {
    /** System property with the absolute path of the JNI library (host tests). */
    const val LIBRARY_PATH_PROPERTY = "movinet.native.lib"
    private const val LIBRARY_NAME = "movinet_jni"

    private val loadError: Throwable? = try {
        val path = System.getProperty(LIBRARY_PATH_PROPERTY)
        if (path.isNullOrEmpty()) System.loadLibrary(LIBRARY_NAME) else System.load(path)
        null
    } catch (e: UnsatisfiedLinkError) {
        e
    }

    /** Throws a [MovinetException] that says why when the native library is not there. */
    fun ensureLoaded() {
        val error = loadError ?: return
        val abi = System.getProperty("os.arch").orEmpty()
        throw MovinetException(
            "the movinet native library (lib$LIBRARY_NAME.so) cannot be loaded on this device ($abi): " +
                "${error.message}. movinet ships it for arm64-v8a and x86_64 only, since LiteRT " +
                "2.1.4 has no 32-bit build.",
            error,
        )
    }

    // Keep these names and signatures in step with the Java_dev_movinet_NativeBridge_* functions.

    external fun version(): String

    external fun loadModelFromFile(path: String, threads: Int, modelSha256: String?): Long

    external fun loadModelFromBuffer(
        model: ByteBuffer,
        offset: Int,
        length: Int,
        threads: Int,
        modelSha256: String?,
    ): Long

    /** A labels file read by the core's rules, as its labels joined by `\n`. */
    external fun readLabelsFile(path: String): String

    /** `[classes, input height, input width, state tensors]`. */
    external fun modelInfo(model: Long): IntArray

    external fun closeModel(model: Long): Boolean

    external fun createClassifier(
        model: Long,
        labels: String?,
        topK: Int,
        scoreThreshold: Float,
        hasFps: Boolean,
        fps: Float,
        paceTolerance: Float,
        cropKind: Int,
        cropX: Int,
        cropY: Int,
        cropWidth: Int,
        cropHeight: Int,
        smoothing: Float,
        horizonKind: Int,
        horizonSeconds: Float,
        horizonFrames: Int,
        eventMinScore: Float,
        eventMinDurationMs: Long,
        eventMaxGapMs: Long,
    ): Long

    /** The classifier's labels joined by `\n`, or null when it has none. */
    external fun labels(classifier: Long): String?

    /**
     * Pushes one frame. Each plane is a direct buffer with the region to read (offset, length)
     * and its row and pixel strides; unused planes are null. Returns -1 when pacing left the
     * frame out, else the number of categories written to [outIndices] and [outScores], with
     * [outInfo] = `[preprocess ns, run ns, postprocess ns, total ns, model frames, frame index,
     * event changes]`; each event change (at most two) is written to [outEvents] as `[kind (0
     * started, 1 ended), class index, start ns, end ns or -1]` and to [outEventScores] as
     * `[peak, mean]`.
     */
    external fun classify(
        classifier: Long,
        format: Int,
        width: Int,
        height: Int,
        plane0: ByteBuffer?, offset0: Int, length0: Int, rowStride0: Int, pixelStride0: Int,
        plane1: ByteBuffer?, offset1: Int, length1: Int, rowStride1: Int, pixelStride1: Int,
        plane2: ByteBuffer?, offset2: Int, length2: Int, rowStride2: Int, pixelStride2: Int,
        rotationDegrees: Int,
        mirror: Boolean,
        hasTimestamp: Boolean,
        timestampNanos: Long,
        fullRange: Boolean,
        outIndices: IntArray,
        outScores: FloatArray,
        outInfo: LongArray,
        outEvents: LongArray,
        outEventScores: FloatArray,
    ): Int

    /** The event under way, written as one of [classify]'s event changes; false when none. */
    external fun currentEvent(classifier: Long, outEvent: LongArray, outScores: FloatArray): Boolean

    /** Ends the event under way and writes it as [currentEvent] does; false when none. */
    external fun finishEvent(classifier: Long, outEvent: LongArray, outScores: FloatArray): Boolean

    external fun resetClassifier(classifier: Long)

    external fun closeClassifier(classifier: Long): Boolean

    /** `[models, classifiers]` still open in the native library (for leak checks). */
    external fun openHandles(): IntArray
}
