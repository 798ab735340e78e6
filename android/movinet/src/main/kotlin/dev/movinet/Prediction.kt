package dev.movinet

/** One class of a [Prediction]: its label, its index in the model's output, its probability. */
data class Category(
    val label: String,
    val index: Int,
    val score: Float,
)

/** Time spent on one frame, in milliseconds (the core's `Timings`). */
data class Timings(
    /** Colour conversion, rotation, crop and resize into the model's input. */
    val preprocessMs: Float,
    /** The model run (LiteRT). */
    val inferenceMs: Float,
    /** Softmax, smoothing, top-k and events. */
    val postprocessMs: Float,
    /** Everything inside the native call, frame checks and pacing included. */
    val totalMs: Float,
)

/**
 * An action in the stream: a label that was the top label for a while.
 *
 * @property startNanos when the label became the top label, on the frames' clock
 *   ([Frame.timestampNanos]).
 * @property endNanos when it stopped being the top label; null while the event goes on.
 * @property peakScore the label's highest score over the event.
 * @property meanScore its mean score over the event's frames.
 */
data class Event(
    val label: String,
    val index: Int,
    val startNanos: Long,
    val endNanos: Long?,
    val peakScore: Float,
    val meanScore: Float,
)

/** What happened to an event on a frame. */
sealed interface EventChange {
    val event: Event

    /** An event started (its [Event.endNanos] is null). */
    data class Started(override val event: Event) : EventChange

    /** An event ended. */
    data class Ended(override val event: Event) : EventChange
}

/**
 * Receives a classifier's action events as they start and end, on the thread that called
 * [MovinetClassifier.classify] (or [MovinetClassifier.finishEvent]), once per change, in order.
 */
fun interface EventListener {
    fun onEvent(change: EventChange)
}

/**
 * What the model makes of the stream so far, after the frame just classified: the top
 * [MovinetOptions.topK] classes at or above [MovinetOptions.scoreThreshold], best first.
 */
data class Prediction(
    val categories: List<Category>,
    val timings: Timings,
    /** Frames the model has seen since the classifier was created or last [MovinetClassifier.reset], this one included. */
    val modelFrames: Long,
    /** Index of this frame among all frames offered since the start or the last reset, paced-out ones included. */
    val frameIndex: Long,
    /** Action events that started or ended on this frame, in that order (usually none). */
    val events: List<EventChange> = emptyList(),
) {
    /** The best class, or null when none reached the score threshold. */
    val top: Category? get() = categories.firstOrNull()
}
