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
 * Several streams on one model: [MovinetModel.newClassifier].
 *
 * Calls on one classifier take turns (they may come from any thread); use one classifier per
 * camera. [close] it when done: it holds its stream state and a reference to the model's
 * native memory. Closing twice is harmless; any other call after [close] throws
 * [ClosedException].
 */
class MovinetClassifier private constructor(
    handle: Long,
    private val modelLabels: List<String>,
    private val modelHasLabels: Boolean,
    /** The model input's height and width in pixels (172 for A0/A1, 224 for A2). */
    val inputHeight: Int,
    val inputWidth: Int,
    val options: MovinetOptions,
) : AutoCloseable {
    private val handle = AtomicLong(handle)

    @Volatile
    private var classLabels: List<String> = modelLabels

    /**
     * The class names, index i for class i: the model's labels (the index as text when it has
     * none), or with an [ActionSet] ([setActions]) the set's action names.
     */
    val labels: List<String> get() = classLabels

    /** Whether [labels] are names (a labels file or an action set; false: class indices). */
    val hasLabels: Boolean get() = classLabels !== modelLabels || modelHasLabels

    /** Classes the predictions score (600 for Kinetics-600; an action set's actions). */
    val numClasses: Int get() = labels.size

    /**
     * Scores the actions of [actions] instead of the model's classes from the next frame on
     * (null: the model's classes again): categories, events and [labels] then name the set's
     * actions, and a frame that shows none of them scores low on all ("none of these" is one
     * more class for the events, never an event itself). The classifier takes a copy of the
     * set as it is now. The event under way is dropped.
     *
     * @throws InvalidActionSetException for a set made with another model, or an empty one.
     * @throws ClosedException when the classifier or the set is closed.
     */
    fun setActions(actions: ActionSet?) {
        synchronized(this) {
            NativeBridge.setActions(classifier = live(), set = actions?.live() ?: 0L)
            classLabels = if (actions == null) modelLabels else NativeBridge.labels(classifier = live())?.split('\n') ?: modelLabels
        }
    }

    /**
     * Starts recording an example of an action ([ActionSet.add] takes it) from the next
     * frame: the stream starts over, and the frames classified from now on are the example
     * until [finishExample]. Predictions go on meanwhile; each frame costs a second model run.
     */
    fun startExample() {
        NativeBridge.startExample(classifier = live())
    }

    /** Frames recorded since [startExample], or null when not recording. */
    val exampleFrames: Long?
        get() = NativeBridge.exampleFrames(classifier = live()).takeIf { it >= 0 }

    /**
     * Ends the recording and returns the example; the stream goes on.
     *
     * @throws InvalidActionSetException when nothing is being recorded, or less than a second
     *   of frames was.
     */
    fun finishExample(): ActionExample = ActionExample(NativeBridge.finishExample(classifier = live()))

    /** False once [close]d. */
    val isOpen: Boolean get() = handle.get() != 0L

    private val listeners = java.util.concurrent.CopyOnWriteArrayList<EventListener>()

    /**
     * Calls [listener] with every event change from now on, after the call that made it
     * ([classify] or [finishEvent]) has its result. An exception it throws comes out of that
     * call. Listeners are dropped on [close].
     */
    fun addEventListener(listener: EventListener) {
        if (!isOpen) throw ClosedException("MovinetClassifier is closed")
        listeners.add(listener)
    }

    /** Stops calling [listener]; false if it was not listening. */
    fun removeEventListener(listener: EventListener): Boolean = listeners.remove(listener)

    /** The action event under way (its [Event.endNanos] is null), or null: the current action. */
    val currentEvent: Event?
        get() {
            val longs = LongArray(EventSlots.COUNT)
            val scores = FloatArray(EVENT_FLOATS)
            if (!NativeBridge.currentEvent(classifier = live(), outEvent = longs, outScores = scores)) return null
            return event(longs, scores, 0)
        }

    /**
     * Ends the event under way, if any, and returns it (e.g. at the end of a video); listeners
     * get its end too. [reset] drops it without an end.
     */
    fun finishEvent(): Event? {
        val longs = LongArray(EventSlots.COUNT)
        val scores = FloatArray(EVENT_FLOATS)
        if (!NativeBridge.finishEvent(classifier = live(), outEvent = longs, outScores = scores)) return null
        val ended = event(longs, scores, 0)
        publish(listOf(EventChange.Ended(ended)))
        return ended
    }

    /** The handle, or [ClosedException] (the native side says the same for a stale handle). */
    internal fun live(): Long = handle.get().takeIf { it != 0L } ?: throw ClosedException("MovinetClassifier is closed")

    private fun event(longs: LongArray, scores: FloatArray, i: Int): Event {
        val l = i * EventSlots.COUNT
        val index = longs[l + EventSlots.INDEX].toInt()
        return Event(
            label = labels.getOrElse(index) { index.toString() },
            index = index,
            startNanos = longs[l + EventSlots.START_NANOS],
            endNanos = longs[l + EventSlots.END_NANOS].takeIf { it >= 0 },
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
     * @throws InvalidFrameException when the frame is invalid (planes shorter than its size and
     *   strides need, a rotation that is not a multiple of 90, a negative timestamp, ...), with
     *   the core's message.
     * @throws IllegalArgumentException when a plane is not a direct buffer.
     * @throws ClosedException when the classifier is closed.
     */
    fun classify(frame: Frame): Prediction? {
        val names = classLabels
        val slots = minOf(options.topK, names.size).coerceAtLeast(0)
        val indices = IntArray(slots)
        val scores = FloatArray(slots)
        val info = LongArray(ClassifyInfo.COUNT)
        val eventLongs = LongArray(MAX_CHANGES * EventSlots.COUNT)
        val eventScores = FloatArray(MAX_CHANGES * EVENT_FLOATS)
        val p = frame.planes
        val visible = frame.visibleRect
        val timestamp = frame.timestampNanos
        val count = NativeBridge.classify(
            classifier = live(),
            format = frame.format.code,
            width = frame.width,
            height = frame.height,
            plane0 = p.getOrNull(0)?.buffer,
            offset0 = p.offset(0),
            length0 = p.length(0),
            rowStride0 = p.rowStride(0),
            pixelStride0 = p.pixelStride(0),
            plane1 = p.getOrNull(1)?.buffer,
            offset1 = p.offset(1),
            length1 = p.length(1),
            rowStride1 = p.rowStride(1),
            pixelStride1 = p.pixelStride(1),
            plane2 = p.getOrNull(2)?.buffer,
            offset2 = p.offset(2),
            length2 = p.length(2),
            rowStride2 = p.rowStride(2),
            pixelStride2 = p.pixelStride(2),
            hasVisibleRect = visible != null,
            visibleLeft = visible?.x ?: 0,
            visibleTop = visible?.y ?: 0,
            visibleWidth = visible?.width ?: 0,
            visibleHeight = visible?.height ?: 0,
            rotationDegrees = frame.rotationDegrees,
            hasOrientation = frame.orientation != null,
            orientation = frame.orientation ?: 0,
            mirror = frame.mirror ?: options.mirror,
            hasTimestamp = timestamp != null,
            timestampNanos = timestamp ?: 0L,
            yuvRange = (frame.yuvRange ?: CoreDefaults.yuvRange).code,
            colorMatrix = (frame.colorMatrix ?: CoreDefaults.colorMatrix).code,
            outIndices = indices,
            outScores = scores,
            outInfo = info,
            outEvents = eventLongs,
            outEventScores = eventScores,
        )
        if (count < 0) return null
        val categories = List(count) { i -> Category(names[indices[i]], indices[i], scores[i]) }
        val changes = List(info[ClassifyInfo.EVENT_CHANGES].toInt().coerceIn(0, MAX_CHANGES)) { i ->
            val e = event(eventLongs, eventScores, i)
            when (eventLongs[i * EventSlots.COUNT + EventSlots.CHANGE].toInt()) {
                EventChangeCodes.STARTED -> EventChange.Started(e)
                else -> EventChange.Ended(e)
            }
        }
        val prediction = Prediction(
            categories = categories,
            timings = Timings(
                preprocessMs = info[ClassifyInfo.PREPROCESS_NANOS] / 1e6f,
                inferenceMs = info[ClassifyInfo.INFERENCE_NANOS] / 1e6f,
                postprocessMs = info[ClassifyInfo.POSTPROCESS_NANOS] / 1e6f,
                totalMs = info[ClassifyInfo.TOTAL_NANOS] / 1e6f,
            ),
            modelFrames = info[ClassifyInfo.MODEL_FRAMES],
            frameIndex = info[ClassifyInfo.FRAME_INDEX],
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
        NativeBridge.resetClassifier(classifier = live())
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
        buffer.clearCompat()
        return buffer
    }

    companion object {
        /** An event change a frame at most: the old action's end and the new one's start. */
        private const val MAX_CHANGES = 2
        private const val EVENT_FLOATS = 2

        /**
         * A classifier for a `.tflite` MoViNet stream model file: [MovinetModel.load] and
         * [MovinetModel.newClassifier] in one step, for one stream on a model. Without
         * [labels], the core's discovery looks beside the model (see [MovinetModel.load]);
         * otherwise categories are named by index.
         *
         * @throws MovinetException (its subclass for the kind) when the model or labels cannot
         *   be loaded or an option is out of range.
         */
        @JvmStatic
        @JvmOverloads
        fun create(model: File, options: MovinetOptions = MovinetOptions(), labels: File? = null): MovinetClassifier =
            MovinetModel.load(model, options, labels).use { it.newClassifier(options) }

        /**
         * A classifier for a model held in memory: a direct buffer (e.g. a memory-mapped
         * asset), read from its position to its limit and copied once into native memory, so
         * it can be released afterwards. [labels] is the labels text, one class per line.
         *
         * @throws MovinetException (its subclass for the kind) when the model or labels cannot
         *   be loaded.
         * @throws IllegalArgumentException when [model] is not a direct buffer.
         */
        @JvmStatic
        @JvmOverloads
        fun create(model: ByteBuffer, options: MovinetOptions = MovinetOptions(), labels: String? = null): MovinetClassifier =
            MovinetModel.load(model, options, labels).use { it.newClassifier(options) }

        /** A classifier on the model behind [model] (a live model handle) with [labelsText]. */
        internal fun open(model: Long, options: MovinetOptions, labelsText: String?): MovinetClassifier {
            if (model == 0L) throw ClosedException("MovinetModel is closed")
            val info = NativeBridge.modelInfo(model)
            val crop = options.crop
            val region = crop as? Crop.Region
            val horizon = options.horizon
            val handle = NativeBridge.createClassifier(
                model = model,
                labels = labelsText,
                topK = options.topK,
                scoreThreshold = options.scoreThreshold,
                hasModelFps = options.modelFps != null,
                modelFps = options.modelFps ?: 0f,
                paceTolerance = options.paceTolerance,
                crop = when (crop) {
                    Crop.CenterSquare -> CropCodes.CENTER_SQUARE
                    Crop.Stretch -> CropCodes.STRETCH
                    is Crop.Region -> CropCodes.REGION
                },
                cropX = region?.x ?: 0,
                cropY = region?.y ?: 0,
                cropWidth = region?.width ?: 0,
                cropHeight = region?.height ?: 0,
                smoothing = options.smoothing,
                horizon = when (horizon) {
                    Horizon.All -> HorizonCodes.ALL
                    is Horizon.Seconds -> HorizonCodes.SECONDS
                    is Horizon.Frames -> HorizonCodes.FRAMES
                },
                horizonValue = when (horizon) {
                    Horizon.All -> 0f
                    is Horizon.Seconds -> horizon.seconds
                    is Horizon.Frames -> horizon.frames.toFloat()
                },
                eventMinScore = options.events.minScore,
                eventKeepScore = options.events.keepScore,
                eventMinDurationMs = options.events.minDurationMs,
                eventMaxGapMs = options.events.maxGapMs,
            )
            try {
                val names = NativeBridge.labels(classifier = handle)?.split('\n')
                return MovinetClassifier(
                    handle,
                    names ?: List(info[0].toInt()) { it.toString() },
                    names != null,
                    info[1].toInt(),
                    info[2].toInt(),
                    options,
                )
            } catch (e: Throwable) {
                NativeBridge.closeClassifier(classifier = handle)
                throw e
            }
        }

        private fun List<Plane>.offset(i: Int) = getOrNull(i)?.buffer?.position() ?: 0
        private fun List<Plane>.length(i: Int) = getOrNull(i)?.buffer?.remaining() ?: 0
        private fun List<Plane>.rowStride(i: Int) = getOrNull(i)?.rowStride ?: 0
        private fun List<Plane>.pixelStride(i: Int) = getOrNull(i)?.pixelStride ?: 0
    }
}
