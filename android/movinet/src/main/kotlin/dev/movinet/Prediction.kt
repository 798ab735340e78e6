package dev.movinet

/** One class of a [Prediction]: its label, its index in the model's output, its probability. */
data class Category(
    val label: String,
    val index: Int,
    val score: Float,
)

/** Time spent on one frame, in milliseconds. */
data class Timings(
    /** Colour conversion, rotation, crop and resize into the model's input. */
    val preprocessMs: Float,
    /** The model run (LiteRT). */
    val inferenceMs: Float,
    /** Everything inside the native call, from frame to top-k. */
    val totalMs: Float,
)

/**
 * What the model makes of the stream so far, after the frame just classified: the top
 * [MovinetOptions.maxResults] classes at or above [MovinetOptions.scoreThreshold], best first.
 */
data class Prediction(
    val categories: List<Category>,
    val timings: Timings,
    /** Frames the model has seen since it was created or last [MovinetClassifier.reset]. */
    val framesSeen: Long,
) {
    /** The best class, or null when none reached the score threshold. */
    val top: Category? get() = categories.firstOrNull()
}
