package dev.movinet

import java.io.File
import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicLong

/**
 * A loaded MoViNet stream model (the core's `Model`), shared by any number of classifiers:
 * each [MovinetClassifier] made from it is one stream (one camera, one clip) with its own
 * state, and they share the model's memory (A0: 3.3 MB of weights, compiled once).
 *
 * ```kotlin
 * MovinetModel.load(file).use { model ->
 *     val front = model.newClassifier(MovinetOptions(mirror = true))
 *     val back = model.newClassifier()
 * }
 * ```
 *
 * Closing rules: [close] frees this handle; classifiers already made keep the model alive
 * and run on until they are closed themselves. [newClassifier] after [close] throws
 * [ClosedException]. Closing twice is harmless. Thread-safe: classifiers on one model may run
 * on different threads (their runs take turns on the compiled model).
 *
 * @property labels the class names found with the model (given, or discovered beside it by
 *   the core's rule), or null when the model came without any.
 * @property options the options the model was loaded with (threads, expected SHA-256, int8 I/O); the
 *   default for its classifiers.
 */
class MovinetModel private constructor(
    handle: Long,
    val labels: List<String>?,
    val options: MovinetOptions,
) : AutoCloseable {
    private val handle = AtomicLong(handle)
    private val info: LongArray = NativeBridge.modelInfo(handle)

    /** Classes the model tells apart (600 for Kinetics-600). */
    val numClasses: Int get() = info[0].toInt()

    /** The model input's height and width in pixels (172 for A0/A1, 224 for A2). */
    val inputHeight: Int get() = info[1].toInt()
    val inputWidth: Int get() = info[2].toInt()

    /**
     * Bytes of stream state each classifier on this model carries between frames (A0: 684,000
     * with [MovinetOptions.int8Io], 2,696,832 without).
     */
    val stateBytes: Long get() = info[4]

    /** False once [close]d. */
    val isOpen: Boolean get() = handle.get() != 0L

    /**
     * A new stream on this model with [options] (the model's own by default; the loading
     * options [MovinetOptions.threads], [MovinetOptions.modelSha256] and [MovinetOptions.int8Io] are the model's and
     * ignored here) and [labels] (text, one class per line; the model's [labels] when null).
     *
     * @throws ClosedException when the model is closed.
     * @throws InvalidOptionException, [InvalidLabelsException] as the core finds them.
     */
    @JvmOverloads
    fun newClassifier(options: MovinetOptions = this.options, labels: String? = null): MovinetClassifier =
        MovinetClassifier.open(handle.get(), options, labels ?: this.labels?.joinToString("\n"))

    /** The handle, or [ClosedException]. */
    internal fun live(): Long = handle.get().takeIf { it != 0L } ?: throw ClosedException("MovinetModel is closed")

    /** Frees this handle of the model; classifiers made from it keep working. Harmless when already closed. */
    override fun close() {
        val h = handle.getAndSet(0L)
        if (h != 0L) NativeBridge.closeModel(h)
    }

    companion object {
        /**
         * Loads a `.tflite` MoViNet stream model file. Without [labels], the core's discovery
         * looks beside the model: a `.txt` whose lines name exactly the model's classes
         * (preferring one that shares the model file's first word, e.g. `cattle7_labels.txt`
         * for `cattle7_a0_stream_int8.tflite`), read by the core's rules (UTF-8, a byte order
         * mark dropped, no blank line); none found leaves [MovinetModel.labels] null.
         *
         * @throws ModelNotFoundException, [InvalidModelException], [ModelDigestMismatchException],
         *   [InvalidLabelsException], [IoException], [InvalidOptionException] as the core finds them.
         */
        @JvmStatic
        @JvmOverloads
        fun load(model: File, options: MovinetOptions = MovinetOptions(), labels: File? = null): MovinetModel {
            NativeLibrary.ensureLoaded()
            val explicit = labels?.let { NativeBridge.readLabelsFile(it.path) }
            val handle = NativeBridge.loadModelFromFile(
                path = model.path,
                threads = options.threads,
                modelSha256 = options.modelSha256,
                int8Io = options.int8Io,
            )
            return wrap(handle, options) { classes ->
                explicit ?: NativeBridge.discoverLabels(model.absolutePath, classes)
            }
        }

        /**
         * Loads a model held in memory: a direct buffer (e.g. a memory-mapped asset), read from
         * its position to its limit and copied once into native memory, so it can be released
         * afterwards. [labels] is the labels text, one class per line.
         *
         * @throws IllegalArgumentException when [model] is not a direct buffer.
         */
        @JvmStatic
        @JvmOverloads
        fun load(model: ByteBuffer, options: MovinetOptions = MovinetOptions(), labels: String? = null): MovinetModel =
            loadBuffer(model, options) { labels }

        /**
         * Loads the model in [model]'s remaining bytes with the loading options of [options] and
         * wraps it with the labels [findLabels] gives (see [wrap]): the one place a buffer (a
         * caller's, or an asset's) becomes a model handle.
         */
        internal fun loadBuffer(model: ByteBuffer, options: MovinetOptions, findLabels: (classes: Int) -> String?): MovinetModel {
            NativeLibrary.ensureLoaded()
            val handle = NativeBridge.loadModelFromBuffer(
                model = model,
                offset = model.position(),
                length = model.remaining(),
                threads = options.threads,
                modelSha256 = options.modelSha256,
                int8Io = options.int8Io,
            )
            return wrap(handle, options, findLabels)
        }

        /**
         * A model handle with the labels [findLabels] gives for its class count, checked by
         * the core against the model now, not at the first classifier. Closes the handle when
         * anything fails.
         */
        internal fun wrap(handle: Long, options: MovinetOptions, findLabels: (classes: Int) -> String?): MovinetModel {
            try {
                val classes = NativeBridge.modelInfo(handle)[0].toInt()
                val text = findLabels(classes)
                val names = text?.let { checkedLabels(handle, it) }
                return MovinetModel(handle, names, options)
            } catch (e: Throwable) {
                NativeBridge.closeModel(handle)
                throw e
            }
        }

        /** The labels as the core parses them, refused unless they name the model's classes. */
        private fun checkedLabels(model: Long, text: String): List<String> {
            val probe = MovinetClassifier.open(model, MovinetOptions(), text)
            probe.use { return it.labels }
        }
    }
}
