@file:JvmName("MovinetAndroid")

package dev.movinet

import android.content.Context
import android.content.res.AssetFileDescriptor
import android.content.res.AssetManager
import android.graphics.Bitmap
import android.graphics.ImageFormat
import android.os.SystemClock
import androidx.camera.core.ImageProxy
import java.io.File
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.FileChannel

// The thin Android adapters: each only unpacks an Android object into the platform-independent
// call (MovinetClassifier.create(ByteBuffer | File, ...), MovinetClassifier.classify(Frame)) that
// the host JVM tests exercise.

/**
 * A classifier for a model bundled in the app's assets (e.g. `"movinet_a0_stream_int8.tflite"`).
 * Store models uncompressed (`androidResources { noCompress += "tflite" }`) so they are
 * memory-mapped instead of read. Without [labels] (an asset name), a `.txt` asset in the same
 * folder with one line per class is used if there is one.
 *
 * @throws MovinetException when the model or labels cannot be loaded.
 */
@JvmOverloads
fun MovinetClassifier.Companion.create(
    context: Context,
    model: String,
    options: MovinetOptions = MovinetOptions(),
    labels: String? = null,
): MovinetClassifier {
    val assets = context.assets
    val buffer = modelAsset(assets, model)
    val labelsText = labels?.let { name ->
        readAsset(assets, name) ?: throw MovinetException("labels asset not found: $name")
    }
    val dir = model.substringBeforeLast('/', "")
    return MovinetClassifier.open(
        options,
        labelsText,
        {
            NativeBridge.loadModelFromBuffer(
                buffer,
                buffer.position(),
                buffer.remaining(),
                options.threads,
                options.modelSha256,
            )
        },
    ) { classes ->
        val names = try {
            assets.list(dir).orEmpty().toList()
        } catch (e: IOException) {
            emptyList()
        }
        LabelFiles.pick(model.substringAfterLast('/'), names, classes) { name ->
            readAsset(assets, if (dir.isEmpty()) name else "$dir/$name")
        }
    }
}

/**
 * A classifier for a model file (downloaded, or copied out of the APK). Same as
 * `MovinetClassifier.create(model, options, labels)`; [context] is taken for symmetry with the
 * asset variant.
 */
@JvmOverloads
fun MovinetClassifier.Companion.create(
    @Suppress("UNUSED_PARAMETER") context: Context,
    model: File,
    options: MovinetOptions = MovinetOptions(),
    labels: File? = null,
): MovinetClassifier = MovinetClassifier.create(model, options, labels)

/**
 * Classifies a CameraX frame in place: its three `YUV_420_888` planes (or the one
 * `RGBA_8888` plane) with their row and pixel strides, `imageInfo.rotationDegrees` and
 * `imageInfo.timestamp`. Returns null when pacing leaves the frame out. The image is not
 * closed: close it after the call (`image.use { classifier.classify(it) }`).
 *
 * @param mirror overrides [MovinetOptions.mirror] for this frame.
 */
@JvmOverloads
fun MovinetClassifier.classify(image: ImageProxy, mirror: Boolean? = null): Prediction? =
    classify(image.toMovinetFrame(mirror))

/** The [Frame] view of a CameraX image (no copy). */
@JvmOverloads
fun ImageProxy.toMovinetFrame(mirror: Boolean? = null): Frame {
    val layout = when (format) {
        ImageFormat.YUV_420_888 -> PixelFormat.YUV_420_888
        android.graphics.PixelFormat.RGBA_8888 -> PixelFormat.RGBA_8888
        else -> throw IllegalArgumentException(
            "ImageProxy format $format is not supported: use ImageAnalysis.OUTPUT_IMAGE_FORMAT_YUV_420_888 " +
                "(the default) or OUTPUT_IMAGE_FORMAT_RGBA_8888",
        )
    }
    return Frame(
        format = layout,
        width = width,
        height = height,
        // Whole planes, whatever an earlier reader did to their positions.
        planes = planes.map { Plane(it.buffer.duplicate().apply { clear() }, it.rowStride, it.pixelStride) },
        rotationDegrees = imageInfo.rotationDegrees,
        mirror = mirror,
        timestampNanos = imageInfo.timestamp,
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
 */
@JvmOverloads
fun MovinetClassifier.classify(
    bitmap: Bitmap,
    rotationDegrees: Int = 0,
    timestampNanos: Long? = SystemClock.elapsedRealtimeNanos(),
    mirror: Boolean? = null,
): Prediction? {
    val argb = if (bitmap.config == Bitmap.Config.ARGB_8888) bitmap else bitmap.copy(Bitmap.Config.ARGB_8888, false)
        ?: throw IllegalArgumentException("cannot convert a ${bitmap.config} bitmap to ARGB_8888")
    try {
        synchronized(scratchLock) {
            // ARGB_8888 bitmaps hold R, G, B, A bytes in memory.
            val pixels = scratchBuffer(argb.rowBytes * argb.height)
            argb.copyPixelsToBuffer(pixels)
            pixels.flip()
            return classify(
                Frame(
                    format = PixelFormat.RGBA_8888,
                    width = argb.width,
                    height = argb.height,
                    planes = listOf(Plane(pixels, argb.rowBytes, 4)),
                    rotationDegrees = rotationDegrees,
                    mirror = mirror,
                    timestampNanos = timestampNanos,
                ),
            )
        }
    } finally {
        if (argb !== bitmap) argb.recycle()
    }
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
    val bytes = try {
        assets.open(name).use { it.readBytes() }
    } catch (e: IOException) {
        throw MovinetException("model asset not found: $name", e)
    }
    return ByteBuffer.allocateDirect(bytes.size).put(bytes).apply { flip() }
}

private fun readAsset(assets: AssetManager, name: String): String? = try {
    assets.open(name).use { it.readBytes().toString(Charsets.UTF_8) }
} catch (e: IOException) {
    null
}
