package dev.movinet

import java.nio.ByteBuffer

/** How the pixels of a [Frame] are laid out; the native core reads each layout directly. */
enum class PixelFormat(internal val code: Int, internal val planeCount: Int) {
    /** Packed R, G, B bytes: one plane, pixel stride 3. */
    RGB_888(0, 1),

    /** Packed R, G, B, A bytes: one plane, pixel stride 4 (`Bitmap.Config.ARGB_8888` memory). */
    RGBA_8888(1, 1),

    /** Packed B, G, R, A bytes: one plane, pixel stride 4. */
    BGRA_8888(2, 1),

    /** 4:2:0, a Y plane then one plane of interleaved V, U (pixel stride 2). */
    NV21(3, 2),

    /** 4:2:0, a Y plane then one plane of interleaved U, V (pixel stride 2). */
    NV12(4, 2),

    /** 4:2:0, three planes Y, U, V with pixel stride 1. */
    I420(5, 3),

    /** Android `ImageFormat.YUV_420_888`: planes Y, U, V, each with its own strides. */
    YUV_420_888(6, 3),
}

/**
 * One plane of a frame: a direct buffer, read in place from its `position()` to its
 * `limit()`, and how samples are spaced in it.
 *
 * @property rowStride bytes from the start of one row to the start of the next.
 * @property pixelStride bytes from one sample to the next in a row (1 for planar Y/U/V, 2 for
 *   interleaved chroma, 3 or 4 for packed RGB).
 */
class Plane(
    val buffer: ByteBuffer,
    val rowStride: Int,
    val pixelStride: Int,
)

/**
 * A camera frame as the camera gives it, for [MovinetClassifier.classify]. Nothing is copied:
 * the planes are read in place during the call, so they must be direct buffers (CameraX's are)
 * and must not change until the call returns.
 *
 * 4:2:0 chroma planes hold `ceil(width / 2)` x `ceil(height / 2)` samples. A plane needs
 * `(rows - 1) * rowStride + (cols - 1) * pixelStride + bytesPerSample` bytes: the last row
 * need not be padded.
 *
 * @property planes in the format's order: Y, U, V; Y, VU; Y, UV; or the one packed plane.
 * @property rotationDegrees clockwise rotation that turns the frame upright (CameraX's
 *   `imageInfo.rotationDegrees`); any multiple of 90.
 * @property mirror mirror the upright image left to right; null takes [MovinetOptions.mirror].
 * @property timestampNanos when the frame was taken, on any fixed clock (CameraX's
 *   `imageInfo.timestamp`); only differences matter. Null: no pacing by time for this frame.
 * @property fullRange YUV samples span 0..255 (JPEG) instead of the video range 16..235 that
 *   Android cameras deliver. Ignored for RGB formats.
 */
class Frame @JvmOverloads constructor(
    val format: PixelFormat,
    val width: Int,
    val height: Int,
    val planes: List<Plane>,
    val rotationDegrees: Int = 0,
    val mirror: Boolean? = null,
    val timestampNanos: Long? = null,
    val fullRange: Boolean = false,
) {
    init {
        require(planes.size == format.planeCount) {
            "$format takes ${format.planeCount} plane(s), got ${planes.size}"
        }
    }
}
