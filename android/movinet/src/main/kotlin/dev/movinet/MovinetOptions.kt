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

    /** About the last [seconds] seconds, counted in frames at [MovinetOptions.modelFps] (the core's 5 when null). */
    data class Seconds(val seconds: Float) : Horizon

    /** About the last [frames] frames fed to the model. */
    data class Frames(val frames: Int) : Horizon

    companion object {
        /**
         * The live default, the core's `Horizon::LIVE`: 2 seconds (10 frames at 5 fps),
         * measured on the shared clips concatenated.
         */
        @JvmStatic
        val LIVE: Horizon get() = CoreDefaults.horizon
    }
}

/**
 * When a label becomes an action event ([Prediction.events], [EventListener]): it starts once it
 * has been the top label for [minDurationMs] with a mean score of at least [minScore] over that
 * time, and ends once it has been off the top, or under [keepScore], for [maxGapMs] (or another
 * event starts). A [keepScore] over [minScore] acts as [minScore].
 */
data class EventOptions @JvmOverloads constructor(
    val minScore: Float = CoreDefaults.eventMinScore,
    val keepScore: Float = CoreDefaults.eventKeepScore,
    val minDurationMs: Long = CoreDefaults.eventMinDurationMs,
    val maxGapMs: Long = CoreDefaults.eventMaxGapMs,
)

/**
 * How a [MovinetModel] is loaded and a [MovinetClassifier] runs. Every default is the core's
 * (`ModelOptions::default()`, `ClassifierOptions::default()`), read through JNI. The core
 * checks every value and names the first one out of range in an [InvalidOptionException]
 * (`invalid option: topK must be at least 1, got 0`).
 *
 * @property threads CPU threads for inference, 1 to 64. One is fastest per frame on these small
 *   models and leaves the other cores to the app.
 * @property topK categories per [Prediction], best first (at least 1).
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
 *   the bytes before anything reads them and throws a [ModelDigestMismatchException] for any
 *   other file, so a corrupted download or a replaced file never reaches the runtime. Null
 *   skips the check.
 * @property horizon how far back predictions look: [Horizon.LIVE] (2 s) so that labels follow a
 *   change of action; [Horizon.All] for one label per clip.
 * @property events when a label becomes an action event.
 * @property int8Io bind the model's stream states as int8 where the file quantizes them on the
 *   way in and out with the same scale (a load-time rewrite of the model in memory; the file is
 *   untouched): the same logits, a quarter of the state memory (A0: 684,000 bytes instead of
 *   2,696,832) and a faster run. False runs the graph as exported.
 */
data class MovinetOptions @JvmOverloads constructor(
    val threads: Int = CoreDefaults.threads,
    val topK: Int = CoreDefaults.topK,
    val scoreThreshold: Float = CoreDefaults.scoreThreshold,
    val modelFps: Float? = CoreDefaults.modelFps,
    val paceTolerance: Float = CoreDefaults.paceTolerance,
    val crop: Crop = CoreDefaults.crop,
    val mirror: Boolean = false,
    val smoothing: Float = CoreDefaults.smoothing,
    val modelSha256: String? = null,
    val horizon: Horizon = CoreDefaults.horizon,
    val events: EventOptions = EventOptions(),
    val int8Io: Boolean = CoreDefaults.int8Io,
)

/**
 * The core's defaults, read once through JNI (loading the native library): the single source
 * of every default value in [MovinetOptions], [EventOptions] and [Horizon.LIVE].
 */
internal object CoreDefaults {
    /** Read on first use, so that a library that cannot load fails the call, not the class. */
    private class Values {
        val threads: Int = NativeBridge.defaultThreads()
        val int8Io: Boolean = NativeBridge.defaultInt8Io()
        val topK: Int = NativeBridge.defaultTopK()
        val scoreThreshold: Float = NativeBridge.defaultScoreThreshold()
        val modelFps: Float? = NativeBridge.defaultModelFps().takeIf { it > 0f }
        val paceTolerance: Float = NativeBridge.defaultPaceTolerance()
        val crop: Crop = when (NativeBridge.defaultCrop()) {
            CropCodes.CENTER_SQUARE -> Crop.CenterSquare
            CropCodes.STRETCH -> Crop.Stretch
            else -> error("the core's default crop is a region")
        }
        val smoothing: Float = NativeBridge.defaultSmoothing()
        val horizon: Horizon = NativeBridge.defaultHorizonValue().let { value ->
            when (NativeBridge.defaultHorizon()) {
                HorizonCodes.ALL -> Horizon.All
                HorizonCodes.SECONDS -> Horizon.Seconds(value)
                else -> Horizon.Frames(value.toInt())
            }
        }
        val eventMinScore: Float = NativeBridge.defaultEventMinScore()
        val eventKeepScore: Float = NativeBridge.defaultEventKeepScore()
        val eventMinDurationMs: Long = NativeBridge.defaultEventMinDurationMs()
        val eventMaxGapMs: Long = NativeBridge.defaultEventMaxGapMs()
        val yuvRange: YuvRange = NativeBridge.defaultYuvRange().let { c -> YuvRange.entries.first { it.code == c } }
        val colorMatrix: ColorMatrix = NativeBridge.defaultColorMatrix().let { c -> ColorMatrix.entries.first { it.code == c } }
    }

    private val values: Values by lazy {
        NativeLibrary.ensureLoaded()
        Values()
    }

    val threads: Int get() = values.threads
    val int8Io: Boolean get() = values.int8Io
    val topK: Int get() = values.topK
    val scoreThreshold: Float get() = values.scoreThreshold
    val modelFps: Float? get() = values.modelFps
    val paceTolerance: Float get() = values.paceTolerance
    val crop: Crop get() = values.crop
    val smoothing: Float get() = values.smoothing
    val horizon: Horizon get() = values.horizon
    val eventMinScore: Float get() = values.eventMinScore
    val eventKeepScore: Float get() = values.eventKeepScore
    val eventMinDurationMs: Long get() = values.eventMinDurationMs
    val eventMaxGapMs: Long get() = values.eventMaxGapMs
    val yuvRange: YuvRange get() = values.yuvRange
    val colorMatrix: ColorMatrix get() = values.colorMatrix
}
