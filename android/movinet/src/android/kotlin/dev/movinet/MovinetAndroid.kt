@file:JvmName("MovinetAndroid")

package dev.movinet

import android.content.Context
import android.content.res.AssetFileDescriptor
import android.content.res.AssetManager
import android.graphics.Bitmap
import android.graphics.ImageFormat
import android.os.SystemClock
import androidx.camera.core.ImageProxy
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.FileChannel

// The thin Android adapters: each only unpacks an Android object into the platform-independent
// calls (MovinetModel.loadBuffer, MovinetClassifier.classify(Frame)); every rule (labels discovery,
// orientation, YUV range and matrix, the visible rectangle) is the core's. Host-tested with
// Robolectric in android/jvm-tests (AndroidAdaptersTest).
//
// Java callers: MovinetAndroid.create(context, "model.tflite", options) and
// MovinetAndroid.loadModel(context, ...) are plain static methods; Kotlin callers write
// MovinetClassifier.create(context, ...) / MovinetModel.load(context, ...).

/**
 * The YUV range of camera `YUV_420_888` frames: full (JFIF). AOSP tags every
 * `ImageFormat.YUV_420_888` (and NV21, YV12) surface with `HAL_DATASPACE_V0_JFIF`
 * (frameworks/native `libs/ui/PublicFormat.cpp`, `mapPublicFormatToHalDataspace`), "same model
 * as BT.601-625, but all YCbCr values range from 0 to 255" (`graphics-base` dataspace
 * definitions); CameraX's own YUV to RGB converter (camera-core `image_processing_util_jni.cc`)
 * converts with libyuv's JPEG (full-swing) constants, after earlier versions used libyuv's
 * `Android420ToABGR`, whose BT.601 constants assume video range. A camera HAL that fills the
 * buffer in video range anyway gets slightly flat colours; pass `yuvRange = YuvRange.VIDEO`
 * for such a device.
 */
@JvmField
val CAMERA_YUV_RANGE: YuvRange = YuvRange.FULL

/** The matrix of `HAL_DATASPACE_V0_JFIF` (BT.601-625), see [CAMERA_YUV_RANGE]. */
@JvmField
val CAMERA_COLOR_MATRIX: ColorMatrix = ColorMatrix.BT601

/**
 * A model bundled in the app's assets (e.g. `"movinet_a0_stream_int8.tflite"`), to share
 * between classifiers. Store models uncompressed (`androidResources { noCompress += "tflite" }`)
 * so they are memory-mapped instead of read. Without [labels] (an asset name), the core's
 * discovery rule picks a `.txt` asset in the same folder (see [MovinetModel.load]).
 *
 * @throws ModelNotFoundException when there is no such asset.
 * @throws MovinetException (its subclass for the kind) when the model or labels cannot be loaded.
 */
@JvmName("loadModel")
@JvmOverloads
fun loadModelAsset(
    context: Context,
    model: String,
    options: MovinetOptions = MovinetOptions(),
    labels: String? = null,
): MovinetModel {
    NativeLibrary.ensureLoaded()
    val assets = context.assets
    val explicit = labels?.let { name ->
        val bytes = readAsset(assets, name) ?: throw IoException("labels asset not found: $name")
        NativeBridge.parseLabels(bytes = bytes, source = "asset $name")
    }
    val buffer = modelAsset(assets, model)
    return MovinetModel.loadBuffer(buffer, options) { classes -> explicit ?: discoverAssetLabels(assets, model, classes) }
}

/** Kotlin: `MovinetModel.load(context, "model.tflite")` (Java: `MovinetAndroid.loadModel`). */
@JvmSynthetic
fun MovinetModel.Companion.load(
    context: Context,
    model: String,
    options: MovinetOptions = MovinetOptions(),
    labels: String? = null,
): MovinetModel = loadModelAsset(context, model, options, labels)

/**
 * A classifier for a model bundled in the app's assets: [loadModelAsset] and
 * [MovinetModel.newClassifier] in one step. Java: `MovinetAndroid.create(context, "model.tflite",
 * options)`.
 */
@JvmName("create")
@JvmOverloads
fun createClassifier(
    context: Context,
    model: String,
    options: MovinetOptions = MovinetOptions(),
    labels: String? = null,
): MovinetClassifier = loadModelAsset(context, model, options, labels).use { it.newClassifier(options) }

/** Kotlin: `MovinetClassifier.create(context, "model.tflite", options)`. */
@JvmSynthetic
fun MovinetClassifier.Companion.create(
    context: Context,
    model: String,
    options: MovinetOptions = MovinetOptions(),
    labels: String? = null,
): MovinetClassifier = createClassifier(context, model, options, labels)

/**
 * Classifies a CameraX frame in place: its three `YUV_420_888` planes (or the one
 * `RGBA_8888` plane) with their row and pixel strides, only the part inside its `cropRect`
 * (what a `ViewPort` shows; the classifier's crop is taken inside it), `imageInfo.rotationDegrees`
 * and `imageInfo.timestamp`, passed to the core as they are. Returns null when pacing leaves
 * the frame out. The planes are read during the call only; close the image after it
 * (`image.use { classifier.classify(it) }`).
 *
 * @param mirror overrides [MovinetOptions.mirror] for this frame.
 * @param yuvRange the range of the YUV samples: [CAMERA_YUV_RANGE] (full), see there.
 * @param colorMatrix [CAMERA_COLOR_MATRIX] (BT.601).
 */
@JvmOverloads
fun MovinetClassifier.classify(
    image: ImageProxy,
    mirror: Boolean? = null,
    yuvRange: YuvRange = CAMERA_YUV_RANGE,
    colorMatrix: ColorMatrix = CAMERA_COLOR_MATRIX,
): Prediction? = classify(image.toMovinetFrame(mirror, yuvRange, colorMatrix))

/**
 * The [Frame] view of a CameraX image (no copy). Internal: its planes are views of the
 * image's buffers, which the camera reuses once the image is closed, so a frame must never
 * outlive the [MovinetClassifier.classify] call it is made for.
 */
internal fun ImageProxy.toMovinetFrame(mirror: Boolean?, yuvRange: YuvRange, colorMatrix: ColorMatrix): Frame {
    val layout = when (format) {
        ImageFormat.YUV_420_888 -> PixelFormat.YUV_420_888
        android.graphics.PixelFormat.RGBA_8888 -> PixelFormat.RGBA_8888
        else -> throw IllegalArgumentException(
            "ImageProxy format $format is not supported: use ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888 " +
                "(the default) or OUTPUT_IMAGE_FORMAT_RGBA_8888",
        )
    }
    val crop = cropRect
    val visible = if (crop.left == 0 && crop.top == 0 && crop.width() == width && crop.height() == height) {
        null
    } else {
        Crop.Region(crop.left, crop.top, crop.width(), crop.height())
    }
    return Frame(
        format = layout,
        width = width,
        height = height,
        // Whole planes, whatever an earlier reader did to their positions.
        planes = planes.map { Plane(it.buffer.duplicate().apply { clearCompat() }, it.rowStride, it.pixelStride) },
        rotationDegrees = imageInfo.rotationDegrees,
        mirror = mirror,
        timestampNanos = imageInfo.timestamp,
        yuvRange = yuvRange,
        colorMatrix = colorMatrix,
        visibleRect = visible,
    )
}

/**
 * Classifies a bitmap (a decoded video frame, a picture). Its pixels are copied once into a
 * direct buffer the classifier reuses (`ARGB_8888` bitmaps directly, other configurations
 * after conversion).
 *
 * @param rotationDegrees clockwise rotation that makes the bitmap upright.
 * @param timestampNanos when the frame was taken; pacing to [MovinetOptions.modelFps] uses it.
 *   Defaults to now, for live sources; pass the presentation time for decoded video, or null
 *   to feed every bitmap to the model.
 * @param orientation the picture's EXIF orientation, 1 to 8, as `ExifInterface` reads it
 *   (`TAG_ORIENTATION`): it gives the rotation and mirror instead of [rotationDegrees]. Null:
 *   none.
 */
@JvmOverloads
fun MovinetClassifier.classify(
    bitmap: Bitmap,
    rotationDegrees: Int = 0,
    timestampNanos: Long? = SystemClock.elapsedRealtimeNanos(),
    mirror: Boolean? = null,
    orientation: Int? = null,
): Prediction? {
    val argb = if (bitmap.config == Bitmap.Config.ARGB_8888) {
        bitmap
    } else {
        bitmap.copy(Bitmap.Config.ARGB_8888, false)
            ?: throw IllegalArgumentException("cannot convert a ${bitmap.config} bitmap to ARGB_8888")
    }
    try {
        synchronized(scratchLock) {
            // Bitmap.copyPixelsToBuffer copies the pixels as they are in memory.
            val pixels = scratchBuffer(argb.rowBytes * argb.height)
            argb.copyPixelsToBuffer(pixels)
            pixels.flipCompat()
            return classify(
                Frame(
                    format = BITMAP_MEMORY_FORMAT,
                    width = argb.width,
                    height = argb.height,
                    planes = listOf(Plane(pixels, argb.rowBytes, 4)),
                    rotationDegrees = rotationDegrees,
                    mirror = mirror,
                    timestampNanos = timestampNanos,
                    orientation = orientation,
                ),
            )
        }
    } finally {
        if (argb !== bitmap) argb.recycle()
    }
}

/**
 * The byte order of `ARGB_8888` bitmap memory, from one probed pixel. Android documents it as
 * R, G, B, A (`Bitmap.Config.ARGB_8888`: "packed as (A << 24 | B << 16 | G << 8 | R)" in a
 * little-endian int; the NDK's `ANDROID_BITMAP_FORMAT_RGBA_8888`), so on devices this is
 * [PixelFormat.RGBA_8888]; a desktop Skia (Robolectric's native graphics) stores B, G, R, A.
 * One pixel at first use settles it instead of trusting either.
 */
internal val BITMAP_MEMORY_FORMAT: PixelFormat by lazy {
    val probe = Bitmap.createBitmap(1, 1, Bitmap.Config.ARGB_8888)
    try {
        probe.setPixel(0, 0, android.graphics.Color.argb(255, 10, 20, 30))
        val bytes = ByteBuffer.allocate(4)
        probe.copyPixelsToBuffer(bytes)
        bitmapMemoryFormat(bytes.array())
    } finally {
        probe.recycle()
    }
}

/** The layout of a pixel (R 10, G 20, B 30, A 255) as [Bitmap.copyPixelsToBuffer] wrote it. */
internal fun bitmapMemoryFormat(pixel: ByteArray): PixelFormat = when (pixel.map { it.toInt() and 0xff }) {
    listOf(10, 20, 30, 255) -> PixelFormat.RGBA_8888
    listOf(30, 20, 10, 255) -> PixelFormat.BGRA_8888
    else -> throw IllegalStateException("ARGB_8888 bitmap memory in an unknown order: ${pixel.toList()}")
}

/**
 * Labels for a model asset that came without: the core's discovery rule over the asset
 * folder's listing ([NativeBridge.labelCandidates]), each candidate read and checked by the
 * core's rules ([NativeBridge.parseLabels]) until one names exactly [classes] classes.
 */
private fun discoverAssetLabels(assets: AssetManager, model: String, classes: Int): String? {
    val dir = model.substringBeforeLast('/', "")
    val names: Array<String> = try {
        assets.list(dir)?.filterNotNull()?.toTypedArray() ?: return null
    } catch (e: IOException) {
        return null
    }
    val candidates = NativeBridge.labelCandidates(modelName = model.substringAfterLast('/'), names = names)
    for (name in candidates) {
        val path = if (dir.isEmpty()) name else "$dir/$name"
        val bytes = readAsset(assets, path) ?: continue
        val text = try {
            NativeBridge.parseLabels(bytes = bytes, source = "asset $path")
        } catch (e: InvalidLabelsException) {
            continue
        }
        if (text.count { it == '\n' } + 1 == classes) return text
    }
    return null
}

/** An asset as a direct buffer: memory-mapped when stored uncompressed, else read once. */
private fun modelAsset(assets: AssetManager, name: String): ByteBuffer {
    try {
        assets.openFd(name).use { fd ->
            if (fd.declaredLength != AssetFileDescriptor.UNKNOWN_LENGTH) {
                fd.createInputStream().use { stream ->
                    return stream.channel.map(FileChannel.MapMode.READ_ONLY, fd.startOffset, fd.declaredLength)
                }
            }
        }
    } catch (e: IOException) {
        // Compressed in the APK (openFd refuses those) or missing: try reading it.
    }
    val bytes = readAsset(assets, name) ?: throw ModelNotFoundException("model asset not found: $name")
    return ByteBuffer.allocateDirect(bytes.size).put(bytes).apply { flipCompat() }
}

/** An asset's bytes, or null when there is no such asset. */
private fun readAsset(assets: AssetManager, name: String): ByteArray? = try {
    assets.open(name).use { it.readBytes() }
} catch (e: IOException) {
    null
}
