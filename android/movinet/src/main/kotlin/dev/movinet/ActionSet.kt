package dev.movinet

import java.io.File
import java.util.concurrent.atomic.AtomicLong

/**
 * Custom actions taught on the device from a few examples each, for one model: a classifier
 * given the set ([MovinetClassifier.setActions]) names these actions instead of the model's
 * classes, and scores low on all of them when it sees none of them.
 *
 * ```kotlin
 * val actions = ActionSet.create(model)
 * repeat(3) {
 *     classifier.startExample()
 *     // ... a few seconds of frames through classifier.classify(...)
 *     actions.add("squat", classifier.finishExample())
 * }
 * actions.save(File(context.filesDir, "gym.actions"))   // later: ActionSet.load(file, model)
 * classifier.setActions(actions)
 * ```
 *
 * The set file records the model it was made with and refuses another model
 * ([InvalidActionSetException]). [close] it when done (classifiers given it keep their copy).
 */
class ActionSet private constructor(handle: Long) : AutoCloseable {
    private val handle = AtomicLong(handle)

    /** The handle, or [ClosedException]. */
    internal fun live(): Long = handle.get().takeIf { it != 0L } ?: throw ClosedException("ActionSet is closed")

    /** False once [close]d. */
    val isOpen: Boolean get() = handle.get() != 0L

    /**
     * Adds [example] to the action [name] (a new action comes last).
     *
     * @throws InvalidActionSetException for a bad name (empty, over 100 bytes, a control
     *   character, spaces at either end) or too many actions or examples.
     */
    fun add(name: String, example: ActionExample) {
        NativeBridge.addActionExample(set = live(), name = name, example = example.live())
    }

    /** Removes the action [name]; false if there is none. */
    fun remove(name: String): Boolean = NativeBridge.removeAction(set = live(), name = name)

    /** The actions' names, in order (a prediction's category index i is `names[i]`). */
    val names: List<String> get() = NativeBridge.actionNames(set = live()).toList()

    /** Examples enrolled for [name] (0 if there is no such action). */
    fun examples(name: String): Int = NativeBridge.actionExamples(set = live(), name = name)

    /** SHA-256 of the model the set was made with. */
    val modelSha256: String get() = NativeBridge.actionSetModelSha256(set = live())

    /**
     * Writes the set's file.
     *
     * @throws InvalidActionSetException for an empty set; [IoException] when it cannot be written.
     */
    fun save(file: File) {
        NativeBridge.saveActionSet(set = live(), path = file.path)
    }

    /** The bytes of the set's file. */
    fun toByteArray(): ByteArray = NativeBridge.actionSetToBytes(set = live())

    /** Frees the native set. Harmless when already closed. */
    override fun close() {
        val h = handle.getAndSet(0L)
        if (h != 0L) NativeBridge.closeActionSet(h)
    }

    companion object {
        /** An empty set for [model]. */
        @JvmStatic
        fun create(model: MovinetModel): ActionSet = ActionSet(NativeBridge.newActionSet(model = model.live()))

        /**
         * Reads an action-set file made with [model] ([save], or `movinet enroll`).
         *
         * @throws InvalidActionSetException when it is not one, is damaged or truncated, of
         *   another version, or made with another model; [IoException] when it cannot be read.
         */
        @JvmStatic
        fun load(file: File, model: MovinetModel): ActionSet =
            ActionSet(NativeBridge.loadActionSet(path = file.path, model = model.live()))

        /** The same from the bytes of a set's file (an asset, a download). */
        @JvmStatic
        fun fromBytes(bytes: ByteArray, model: MovinetModel): ActionSet =
            ActionSet(NativeBridge.actionSetFromBytes(bytes = bytes, model = model.live()))

        /** Throws [InvalidActionSetException] for a name an action cannot have (before recording). */
        @JvmStatic
        fun checkName(name: String) {
            NativeBridge.checkActionName(name = name)
        }
    }
}

/** One recorded example of an action ([MovinetClassifier.finishExample], [ActionRecorder.finish]). */
class ActionExample internal constructor(handle: Long) : AutoCloseable {
    private val handle = AtomicLong(handle)

    internal fun live(): Long = handle.get().takeIf { it != 0L } ?: throw ClosedException("ActionExample is closed")

    /** Live frames it keeps for calibrating the "none of these" rule. */
    val liveFrames: Int get() = NativeBridge.exampleLiveFrames(example = live())

    /** Frees the native example (a set it was added to keeps its copy). Harmless when already closed. */
    override fun close() {
        val h = handle.getAndSet(0L)
        if (h != 0L) NativeBridge.closeExample(h)
    }
}

/**
 * Records examples of an action from frames alone (a clip, a camera that shows nothing else):
 * a classifier that only records. [record] each frame as [MovinetClassifier.classify] takes
 * it, then [finish]; it starts over for the next example. On a camera that also shows live
 * labels, record with the live classifier instead ([MovinetClassifier.startExample]).
 */
class ActionRecorder private constructor(private val classifier: MovinetClassifier) : AutoCloseable {
    init {
        classifier.startExample()
    }

    /** Gives the recording a frame; true if pacing kept it. */
    fun record(frame: Frame): Boolean = classifier.classify(frame) != null

    /** Frames kept so far. */
    val frames: Long get() = classifier.exampleFrames ?: 0L

    /**
     * The example recorded; the recorder starts over.
     *
     * @throws InvalidActionSetException when less than a second of frames was recorded.
     */
    fun finish(): ActionExample =
        try {
            classifier.finishExample()
        } finally {
            classifier.startExample()
        }

    /** Forgets the frames recorded so far. */
    fun reset() {
        classifier.startExample()
    }

    /** Frees the recorder. Harmless when already closed. */
    override fun close() = classifier.close()

    companion object {
        /** A recorder on [model] that paces, crops and looks back as a classifier with [options] would. */
        @JvmStatic
        @JvmOverloads
        fun create(model: MovinetModel, options: MovinetOptions = model.options): ActionRecorder {
            val classifier = model.newClassifier(options)
            return try {
                ActionRecorder(classifier)
            } catch (e: Throwable) {
                classifier.close()
                throw e
            }
        }
    }
}

/**
 * Where an [ActionTeacher] is: [clipsDone] of [clips] recorded, [clipFraction] (0 to 1) of the
 * clip being recorded, if [recording].
 */
data class TeachProgress(val clipsDone: Int, val clips: Int, val clipFraction: Float, val recording: Boolean) {
    /** Every clip is recorded: [ActionTeacher.commit] adds them. */
    val done: Boolean get() = clipsDone >= clips
}

/**
 * "Teach an action" (the sample app's flow): name it, record a few short clips of it with the
 * live [classifier] ([startClip], then [afterFrame] after each prediction until the clip ends by
 * itself), then [commit] them into a set. The rules (3 clips of 3 s) are the core's
 * (`movinet::ActionTeacher`); an app only shows the [TeachProgress].
 *
 * @throws InvalidActionSetException from the constructor for a name an action cannot have.
 */
class ActionTeacher(val name: String, private val classifier: MovinetClassifier) : AutoCloseable {
    private val handle = AtomicLong(NativeBridge.newActionTeacher(name = name, classifier = classifier.live()))

    private fun live(): Long = handle.get().takeIf { it != 0L } ?: throw ClosedException("ActionTeacher is closed")

    private fun progress(out: FloatArray) = TeachProgress(
        clipsDone = out[TeachSlots.CLIPS_DONE].toInt(),
        clips = out[TeachSlots.CLIPS].toInt(),
        clipFraction = out[TeachSlots.CLIP_FRACTION],
        recording = out[TeachSlots.RECORDING] != 0f,
    )

    /** Starts recording the next clip (the classifier's stream starts over). */
    fun startClip(): TeachProgress {
        val out = FloatArray(TeachSlots.COUNT)
        NativeBridge.teachStartClip(teacher = live(), classifier = classifier.live(), out = out)
        return progress(out)
    }

    /** After each prediction of the classifier: ends the clip once it is long enough. */
    fun afterFrame(): TeachProgress {
        val out = FloatArray(TeachSlots.COUNT)
        NativeBridge.teachAfterFrame(teacher = live(), classifier = classifier.live(), out = out)
        return progress(out)
    }

    /** Adds the recorded clips to [set] as the action's examples (nothing before every clip is recorded). */
    fun commit(set: ActionSet) {
        NativeBridge.teachCommit(teacher = live(), set = set.live())
    }

    /** Frees the teacher. Harmless when already closed. */
    override fun close() {
        val h = handle.getAndSet(0L)
        if (h != 0L) NativeBridge.closeActionTeacher(h)
    }
}
