package dev.movinet

import java.nio.ByteBuffer

/** How the pixels of a [Frame] are laid out; the native core reads each layout directly. */
enum class PixelFormat(internal val code: Int, internal val planeCount: Int) {
    /** Packed R, G, B bytes: one plane, pixel stride 3. */
    RGB_888(PixelFormatCodes.RGB_888, 1),

    /** Packed R, G, B, A bytes: one plane, pixel stride 4 (`Bitmap.Config.ARGB_8888` memory). */
    RGBA_8888(PixelFormatCodes.RGBA_8888, 1),

    /** Packed B, G, R, A bytes: one plane, pixel stride 4. */
    BGRA_8888(PixelFormatCodes.BGRA_8888, 1),

    /** 4:2:0, a Y plane then one plane of interleaved V, U (pixel stride 2). */
    NV21(PixelFormatCodes.NV21, 2),

    /** 4:2:0, a Y plane then one plane of interleaved U, V (pixel stride 2). */
    NV12(PixelFormatCodes.NV12, 2),

    /** 4:2:0, three planes Y, U, V with pixel stride 1. */
    I420(PixelFormatCodes.I420, 3),

    /** Android `ImageFormat.YUV_420_888`: planes Y, U, V, each with its own strides. */
    YUV_420_888(PixelFormatCodes.YUV_420_888, 3),
}

/** The range of a frame's YUV samples (ignored for RGB formats). */
enum class YuvRange(internal val code: Int) {
    /** Y in 16..235, U and V in 16..240 (video files, iOS `420v`). */
    VIDEO(YuvRangeCodes.VIDEO),

    /** Y, U and V in 0..255 (JPEG/JFIF; Android camera `YUV_420_888` frames, see `classify(ImageProxy)`). */
    FULL(YuvRangeCodes.FULL),
}

/** The YUV to RGB matrix of a frame (ignored for RGB formats). */
enum class ColorMatrix(internal val code: Int) {
    /** ITU-R BT.601 (Android camera frames, SD video). */
    BT601(ColorMatrixCodes.BT601),

    /** ITU-R BT.709 (HD video). */
    BT709(ColorMatrixCodes.BT709),
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
 * and must not change until the call returns. Camera metadata is passed as the platform gives
 * it; the core turns it into a rotation, a mirror and a colour conversion.
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
 *   `imageInfo.timestamp`); only differences matter, and a timestamp that goes backwards
 *   starts a new pacing grid. Null: no pacing by time for this frame.
 * @property orientation an EXIF orientation, 1 to 8 (`ExifInterface.TAG_ORIENTATION` of a
 *   picture), which then gives the rotation and the mirror instead of [rotationDegrees]; a
 *   [mirror] of true mirrors the result once more. Null: none.
 * @property yuvRange the range of the YUV samples; the core's default ([YuvRange.VIDEO]) when
 *   null. `classify(ImageProxy)` passes [YuvRange.FULL] for camera frames.
 * @property colorMatrix the YUV to RGB matrix; the core's default ([ColorMatrix.BT601]) when
 *   null.
 * @property visibleRect the part of the buffer that is the picture, in the buffer's pixels
 *   before rotation (CameraX's `cropRect`, e.g. what a `ViewPort` shows); the classifier's
 *   [MovinetOptions.crop] is then taken inside it. Null: the whole buffer.
 */
class Frame @JvmOverloads constructor(
    val format: PixelFormat,
    val width: Int,
    val height: Int,
    val planes: List<Plane>,
    val rotationDegrees: Int = 0,
    val mirror: Boolean? = null,
    val timestampNanos: Long? = null,
    val orientation: Int? = null,
    val yuvRange: YuvRange? = null,
    val colorMatrix: ColorMatrix? = null,
    val visibleRect: Crop.Region? = null,
) {
    init {
        require(planes.size == format.planeCount) {
            "$format takes ${format.planeCount} plane(s), got ${planes.size}"
        }
    }
}
