package dev.movinet

/**
 * Which part of the upright frame the model sees; the result is resized to the model's input
 * (172x172 for A0/A1, 224x224 for A2).
 */
sealed interface Crop {
    /** The centred square of the upright frame, as the upstream examples do (the default). */
    data object CenterSquare : Crop

    /** The whole upright frame, stretched to a square. */
    data object Stretch : Crop

    /**
     * A rectangle in the frame's own pixel coordinates, before rotation (like CameraX's
     * `ImageProxy.cropRect`); it is rotated and mirrored with the frame, then stretched.
     */
    data class Region(val x: Int, val y: Int, val width: Int, val height: Int) : Crop
}

/**
 * How far back predictions look. MoViNet stream models average over every frame since the
 * stream began; for a live camera that keeps the first action for ever, so live use bounds it.
 */
sealed interface Horizon {
    /** Every frame since the start or the last reset: one label for a whole clip (the model as exported). */
    data object All : Horizon

    /** About the last [seconds] seconds, counted in frames at [MovinetOptions.modelFps] (5 when null). */
    data class Seconds(val seconds: Float) : Horizon

    /** About the last [frames] frames fed to the model. */
    data class Frames(val frames: Int) : Horizon

    companion object {
        /** The live default: 2 seconds (10 frames at 5 fps), measured on the shared clips concatenated. */
        @JvmField
        val LIVE: Horizon = Seconds(2f)
    }
}

/**
 * When a label becomes an action event ([Prediction.events], [EventListener]): it starts once it
 * has been the top label for [minDurationMs] with a score of at least [minScore], and ends once
 * it has been off the top for [maxGapMs] (or another event starts).
 */
data class EventOptions @JvmOverloads constructor(
    val minScore: Float = 0.5f,
    val minDurationMs: Long = 600,
    val maxGapMs: Long = 1000,
)

/**
 * How a [MovinetClassifier] runs. The native core checks every value and names the first one
 * out of range in a [MovinetException] (in its own terms: `top_k` is [maxResults], `fps` is
 * [modelFps]).
 *
 * @property threads CPU threads for inference, 1 to 64. One is fastest per frame on these small
 *   models and leaves the other cores to the app.
 * @property maxResults categories per [Prediction], best first (at least 1).
 * @property scoreThreshold categories scoring below this probability (0 to 1) are left out.
 * @property modelFps frames per second fed to the model, chosen by the frames' timestamps; the
 *   models were trained at 5. Null feeds every frame (e.g. frames already sampled).
 * @property paceTolerance how early a frame may come, as a fraction of a frame interval (0 to
 *   below 1), and still count for its slot; 0.1 matches the upstream 5 fps ± 10 % camera gate.
 * @property crop which part of the upright frame the model sees.
 * @property mirror mirror frames left to right (after rotation) unless a [Frame] says
 *   otherwise, e.g. for a front camera, so the model sees what the preview shows.
 * @property smoothing exponential moving average of the reported probabilities, 0 (off) to
 *   below 1; the model's stream state already integrates over the [horizon], this only steadies
 *   a display.
 * @property modelSha256 the SHA-256 the model file must have, 64 hexadecimal digits (as
 *   `sha256sum` prints it; `models/manifest.toml` lists the official files'). The core hashes
 *   the bytes before anything reads them and throws a [MovinetException] for any other file,
 *   so a corrupted download or a replaced file never reaches the runtime. Null skips the check.
 * @property horizon how far back predictions look: [Horizon.LIVE] (2 s) so that labels follow a
 *   change of action; [Horizon.All] for one label per clip.
 * @property events when a label becomes an action event.
 */
data class MovinetOptions @JvmOverloads constructor(
    val threads: Int = 1,
    val maxResults: Int = 3,
    val scoreThreshold: Float = 0f,
    val modelFps: Float? = 5f,
    val paceTolerance: Float = 0.1f,
    val crop: Crop = Crop.CenterSquare,
    val mirror: Boolean = false,
    val smoothing: Float = 0f,
    val modelSha256: String? = null,
    val horizon: Horizon = Horizon.LIVE,
    val events: EventOptions = EventOptions(),
)
