package dev.movinet

import java.io.File
import java.nio.ByteBuffer
import java.util.concurrent.atomic.AtomicLong

/**
 * Live action recognition on one video stream: hand it every camera frame, get a [Prediction]
 * for the frames the model takes (about [MovinetOptions.modelFps] per second) and null for the
 * others. The MoViNet stream model carries its state from frame to frame; each prediction covers
 * the last [MovinetOptions.horizon] of the stream (2 s by default), so labels follow the action.
 * Action events ("started", "ended") come with each [Prediction] and go to every
 * [EventListener] added with [addEventListener]; [currentEvent] is the action under way.
 *
 * On Android, create it with `MovinetClassifier.create(context, "model.tflite", options)` and
 * pass CameraX frames with `classify(imageProxy)` or bitmaps with `classify(bitmap, rotation)`.
 *
 * Calls on one classifier take turns (they may come from any thread); use one classifier per
 * camera. [close] it when done: it holds the model's native memory. Closing twice is harmless;
 * any other call after [close] throws [IllegalStateException].
 */
class MovinetClassifier private constructor(
    handle: Long,
    /** The class names, index i for class i (the index as text when the model has no labels). */
    val labels: List<String>,
    /** Whether [labels] came from a labels file (false: class indices). */
    val hasLabels: Boolean,
    /** The model input's height and width in pixels (172 for A0/A1, 224 for A2). */
    val inputHeight: Int,
    val inputWidth: Int,
    val options: MovinetOptions,
) : AutoCloseable {
    private val handle = AtomicLong(handle)

    /** Classes the model tells apart (600 for Kinetics-600). */
    val numClasses: Int get() = labels.size

    /** False once [close]d. */
    val isOpen: Boolean get() = handle.get() != 0L

    private val listeners = java.util.concurrent.CopyOnWriteArrayList<EventListener>()

    /**
     * Calls [listener] with every event change from now on, after the call that made it
     * ([classify] or [finishEvent]) has its result. An exception it throws comes out of that
     * call. Listeners are dropped on [close].
     */
    fun addEventListener(listener: EventListener) {
        check(isOpen) { "MovinetClassifier is closed" }
        listeners.add(listener)
    }

    /** Stops calling [listener]; false if it was not listening. */
    fun removeEventListener(listener: EventListener): Boolean = listeners.remove(listener)

    /** The action event under way (its [Event.endNanos] is null), or null: the current action. */
    val currentEvent: Event?
        get() {
            val longs = LongArray(EVENT_LONGS)
            val scores = FloatArray(EVENT_FLOATS)
            if (!NativeBridge.currentEvent(handle.get(), longs, scores)) return null
            return event(longs, scores, 0)
        }

    /**
     * Ends the event under way, if any, and returns it (e.g. at the end of a video); listeners
     * get its end too. [reset] drops it without an end.
     */
    fun finishEvent(): Event? {
        val longs = LongArray(EVENT_LONGS)
        val scores = FloatArray(EVENT_FLOATS)
        if (!NativeBridge.finishEvent(handle.get(), longs, scores)) return null
        val ended = event(longs, scores, 0)
        publish(listOf(EventChange.Ended(ended)))
        return ended
    }

    private fun event(longs: LongArray, scores: FloatArray, i: Int): Event {
        val l = i * EVENT_LONGS
        val index = longs[l + 1].toInt()
        return Event(
            label = labels.getOrElse(index) { index.toString() },
            index = index,
            startNanos = longs[l + 2],
            endNanos = longs[l + 3].takeIf { it >= 0 },
            peakScore = scores[i * EVENT_FLOATS],
            meanScore = scores[i * EVENT_FLOATS + 1],
        )
    }

    private fun publish(changes: List<EventChange>) {
        for (change in changes) {
            for (listener in listeners) listener.onEvent(change)
        }
    }

    /**
     * Offers the stream one frame; returns the prediction after it, or null when pacing leaves
     * it out. The planes are read in place during the call only.
     *
     * @throws MovinetException when the frame is invalid (planes shorter than its size and
     *   strides need, a rotation that is not a multiple of 90, ...), with the core's message.
     * @throws IllegalArgumentException when a plane is not a direct buffer.
     * @throws IllegalStateException when the classifier is closed.
     */
    fun classify(frame: Frame): Prediction? {
        val timestamp = frame.timestampNanos
        require(timestamp == null || timestamp >= 0) { "timestampNanos must not be negative, got $timestamp" }
        val slots = minOf(options.maxResults, numClasses).coerceAtLeast(0)
        val indices = IntArray(slots)
        val scores = FloatArray(slots)
        val info = LongArray(INFO_SIZE)
        val eventLongs = LongArray(MAX_CHANGES * EVENT_LONGS)
        val eventScores = FloatArray(MAX_CHANGES * EVENT_FLOATS)
        val p = frame.planes
        val count = NativeBridge.classify(
            handle.get(),
            frame.format.code,
            frame.width,
            frame.height,
            p.getOrNull(0)?.buffer, p.offset(0), p.length(0), p.rowStride(0), p.pixelStride(0),
            p.getOrNull(1)?.buffer, p.offset(1), p.length(1), p.rowStride(1), p.pixelStride(1),
            p.getOrNull(2)?.buffer, p.offset(2), p.length(2), p.rowStride(2), p.pixelStride(2),
            frame.rotationDegrees,
            frame.mirror ?: options.mirror,
            timestamp != null,
            timestamp ?: 0L,
            frame.fullRange,
            indices,
            scores,
            info,
            eventLongs,
            eventScores,
        )
        if (count < 0) return null
        val categories = List(count) { i -> Category(labels[indices[i]], indices[i], scores[i]) }
        val changes = List(info[6].toInt().coerceIn(0, MAX_CHANGES)) { i ->
            val e = event(eventLongs, eventScores, i)
            if (eventLongs[i * EVENT_LONGS] == 0L) EventChange.Started(e) else EventChange.Ended(e)
        }
        val prediction = Prediction(
            categories = categories,
            timings = Timings(
                preprocessMs = info[0] / 1e6f,
                inferenceMs = info[1] / 1e6f,
                totalMs = info[3] / 1e6f,
            ),
            framesSeen = info[4],
            events = changes,
        )
        if (changes.isNotEmpty()) publish(changes)
        return prediction
    }

    /**
     * Starts a new stream: zero model state, a new pacing grid, no smoothing history, no event
     * under way (call [finishEvent] first to end it).
     */
    fun reset() {
        NativeBridge.resetClassifier(handle.get())
    }

    /** Frees the native classifier. Harmless when already closed. */
    override fun close() {
        val h = handle.getAndSet(0L)
        if (h != 0L) NativeBridge.closeClassifier(h)
        listeners.clear()
        synchronized(scratchLock) { scratch = null }
    }

    /** Guards [scratch]; adapters that must copy pixels (Bitmaps) hold it for the whole call. */
    internal val scratchLock = Any()
    private var scratch: ByteBuffer? = null

    /**
     * A direct buffer of at least [bytes] bytes, cleared, reused from call to call so that a
     * stream of copied frames does not leave a trail of direct buffers for the GC. Call with
     * [scratchLock] held.
     */
    internal fun scratchBuffer(bytes: Int): ByteBuffer {
        val current = scratch
        val buffer = if (current != null && current.capacity() >= bytes) current else ByteBuffer.allocateDirect(bytes)
        scratch = buffer
        buffer.clear()
        return buffer
    }

    companion object {
        private const val INFO_SIZE = 7

        /** An event change a frame at most: the old action's end and the new one's start. */
        private const val MAX_CHANGES = 2
        private const val EVENT_LONGS = 4
        private const val EVENT_FLOATS = 2

        /**
         * A classifier for a `.tflite` MoViNet stream model file. Without [labels], a `.txt`
         * file beside the model with one line per class is used if there is one (preferring
         * one that shares the model file's first word, e.g. `cattle7_labels.txt` for
         * `cattle7_a0_stream_int8.tflite`); otherwise categories are named by index.
         *
         * @throws MovinetException when the model or labels cannot be loaded.
         */
        @JvmStatic
        @JvmOverloads
        fun create(model: File, options: MovinetOptions = MovinetOptions(), labels: File? = null): MovinetClassifier {
            NativeBridge.ensureLoaded()
            val explicit = labels?.let { readLabels(it) }
            val load = { NativeBridge.loadModelFromFile(model.path, options.threads, options.modelSha256) }
            return open(options, explicit, load) { classes ->
                val dir = model.absoluteFile.parentFile
                val names = dir?.list()?.toList().orEmpty()
                LabelFiles.pick(model.name, names, classes) { name -> readLabelsOrNull(File(dir, name)) }
            }
        }

        /**
         * A classifier for a model held in memory: a direct buffer (e.g. a memory-mapped
         * asset), read from its position to its limit and copied once into native memory, so
         * it can be released afterwards. [labels] is the labels text, one class per line.
         *
         * @throws MovinetException when the model or labels cannot be loaded.
         * @throws IllegalArgumentException when [model] is not a direct buffer.
         */
        @JvmStatic
        @JvmOverloads
        fun create(model: ByteBuffer, options: MovinetOptions = MovinetOptions(), labels: String? = null): MovinetClassifier =
            open(options, labels, {
                NativeBridge.loadModelFromBuffer(
                    model,
                    model.position(),
                    model.remaining(),
                    options.threads,
                    options.modelSha256,
                )
            }, null)

        /**
         * Loads a model, picks its labels once its class count is known, makes the classifier
         * and lets go of the model handle (the classifier keeps the model alive).
         */
        internal fun open(
            options: MovinetOptions,
            labels: String?,
            loadModel: () -> Long,
            findLabels: ((classes: Int) -> String?)?,
        ): MovinetClassifier {
            NativeBridge.ensureLoaded()
            val model = loadModel()
            try {
                val info = NativeBridge.modelInfo(model)
                val labelsText = labels ?: findLabels?.invoke(info[0])
                val crop = options.crop
                val region = crop as? Crop.Region
                val handle = NativeBridge.createClassifier(
                    model,
                    labelsText,
                    options.maxResults,
                    options.scoreThreshold,
                    options.modelFps != null,
                    options.modelFps ?: 0f,
                    options.paceTolerance,
                    when (crop) {
                        Crop.CenterSquare -> 0
                        Crop.Stretch -> 1
                        is Crop.Region -> 2
                    },
                    region?.x ?: 0,
                    region?.y ?: 0,
                    region?.width ?: 0,
                    region?.height ?: 0,
                    options.smoothing,
                    when (options.horizon) {
                        Horizon.All -> 0
                        is Horizon.Seconds -> 1
                        is Horizon.Frames -> 2
                    },
                    (options.horizon as? Horizon.Seconds)?.seconds ?: 0f,
                    (options.horizon as? Horizon.Frames)?.frames ?: 0,
                    options.events.minScore,
                    options.events.minDurationMs,
                    options.events.maxGapMs,
                )
                try {
                    val names = NativeBridge.labels(handle)?.split('\n')
                    return MovinetClassifier(
                        handle,
                        names ?: List(info[0]) { it.toString() },
                        names != null,
                        info[1],
                        info[2],
                        options,
                    )
                } catch (e: Throwable) {
                    NativeBridge.closeClassifier(handle)
                    throw e
                }
            } finally {
                NativeBridge.closeModel(model)
            }
        }

        /**
         * The labels in [file], read by the core: a regular file only (not a FIFO or a device
         * such as `/dev/zero`, whose reported size is 0), at most 16 MB read, UTF-8.
         */
        private fun readLabels(file: File): String = NativeBridge.readLabelsFile(file.path)

        private fun readLabelsOrNull(file: File): String? = try {
            NativeBridge.readLabelsFile(file.path)
        } catch (e: MovinetException) {
            null
        }

        private fun List<Plane>.offset(i: Int) = getOrNull(i)?.buffer?.position() ?: 0
        private fun List<Plane>.length(i: Int) = getOrNull(i)?.buffer?.remaining() ?: 0
        private fun List<Plane>.rowStride(i: Int) = getOrNull(i)?.rowStride ?: 0
        private fun List<Plane>.pixelStride(i: Int) = getOrNull(i)?.pixelStride ?: 0
    }
}

/** Choosing a labels file for a model that came without one. */
internal object LabelFiles {
    /** Lines as the core counts them: split on `\n`, a final empty line (trailing newline) dropped. */
    fun lineCount(text: String): Int {
        val lines = text.split('\n')
        return if (lines.last().isEmpty()) lines.size - 1 else lines.size
    }

    /**
     * Of the `.txt` names in a model's folder, the first whose text has one line per class:
     * names sharing the model file's first word (`cattle7_...`) first, then the rest, each
     * group in name order.
     */
    fun pick(modelName: String, names: List<String>, classes: Int, read: (String) -> String?): String? {
        val prefix = modelName.substringBefore('_')
        return names.filter { it.endsWith(".txt") }
            .sortedWith(compareBy<String>({ !(prefix.isNotEmpty() && it.startsWith(prefix)) }, { it }))
            .asSequence()
            .mapNotNull(read)
            .firstOrNull { lineCount(it) == classes }
    }
}
