package dev.movinet

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Color
import android.graphics.ImageFormat
import android.graphics.Matrix
import android.graphics.Rect
import android.media.Image
import androidx.camera.core.ImageInfo
import androidx.camera.core.ImageProxy
import org.junit.After
import org.junit.Assert.assertArrayEquals
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Test
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config
import org.robolectric.annotation.GraphicsMode
import java.lang.reflect.Modifier
import java.nio.ByteBuffer

/**
 * The Android-only adapters of `MovinetAndroid.kt` (the `ImageProxy` and `Bitmap` paths, assets,
 * label discovery in assets) on Robolectric's Android framework (SDK 34, real Bitmap pixels),
 * against the real JNI library and the shared A0 model. JUnit 4 (Robolectric's runner), run by
 * JUnit 5's vintage engine in the same Maven step as the other tests.
 *
 * CameraX is not on Maven Central, so `ImageProxy` here is the test-scope interface in
 * `src/camerax` with the same package and signatures as `androidx.camera.core.ImageProxy`;
 * [FakeImage] implements it over the same buffers a camera would hand out.
 *
 * Byte order of `Bitmap` memory: checked against Android's documentation (an `ARGB_8888` pixel
 * is stored as R, G, B, A bytes; `Bitmap.Config.ARGB_8888`: "packed as (A << 24 | B << 16 |
 * G << 8 | R)" in native little-endian order), not only against Robolectric.
 */
@RunWith(RobolectricTestRunner::class)
@Config(sdk = [34], manifest = Config.NONE)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
class AndroidAdaptersTest {
    private val clip = TestData.armWrestling
    private val kinetics = TestData.kineticsLabels
    private val open = mutableListOf<AutoCloseable>()

    @After
    fun closeAll() {
        open.forEach { it.close() }
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList())
    }

    private fun classifier(options: MovinetOptions = MovinetOptions(modelFps = null, horizon = Horizon.All)) =
        MovinetClassifier.create(TestData.a0, options, kinetics).also { open += it }

    /** A CameraX image over `YUV_420_888` planes laid out as cameras do (see [Yuv.yuv420888]). */
    private class FakeImage(
        private val frame: Frame,
        override val imageInfo: ImageInfo,
        override var cropRect: Rect = Rect(0, 0, frame.width, frame.height),
        override val format: Int = ImageFormat.YUV_420_888,
    ) : ImageProxy {
        var closed = false
        override val width get() = frame.width
        override val height get() = frame.height
        override val image: Image? get() = null
        // Each plane its own buffer starting at the plane's first byte, as Image.Plane's are
        // (AOSP's ImageReader wraps each plane's memory in a direct buffer of its own).
        override val planes: Array<ImageProxy.PlaneProxy> = frame.planes.map { p ->
            object : ImageProxy.PlaneProxy {
                override val buffer: ByteBuffer = p.buffer.slice()
                override val pixelStride = p.pixelStride
                override val rowStride = p.rowStride
            }
        }.toTypedArray()

        override fun close() {
            closed = true
        }
    }

    private class Info(override val timestamp: Long, override val rotationDegrees: Int) : ImageInfo {
        override val sensorToBufferTransformMatrix = Matrix()
    }

    /** Frame [i] of the clip turned a quarter counter-clockwise, as a sideways sensor gives it. */
    private fun sidewaysYuv(i: Int, timestamp: Long? = null): Frame {
        val sideways = Yuv.rotateCounterClockwise(clip.rgb(i), clip.width, clip.height)
        return Yuv.yuv420888(Yuv.fromRgb(sideways, clip.height, clip.width), rowStride = 192, timestampNanos = timestamp)
    }

    @Test
    fun anImageIsReadInPlaceWithItsRotationTimestampAndFullRange() {
        val viaImage = classifier()
        val viaFrame = classifier()
        val videoRange = classifier()
        var a: Prediction? = null
        var b: Prediction? = null
        var c: Prediction? = null
        for (i in 0 until clip.count) {
            val frame = sidewaysYuv(i)
            val image = FakeImage(frame, Info(timestamp = i * 200_000_000L, rotationDegrees = 90))
            a = viaImage.classify(image)
            assertTrue("the adapter does not close the image", !image.closed)
            b = viaFrame.classify(
                Frame(frame.format, frame.width, frame.height, frame.planes, rotationDegrees = 90,
                    timestampNanos = i * 200_000_000L, yuvRange = YuvRange.FULL, colorMatrix = ColorMatrix.BT601),
            )
            c = videoRange.classify(Frame(frame.format, frame.width, frame.height, frame.planes, rotationDegrees = 90))
        }
        // The same frames reach the model: the image's planes, rotation and full range.
        assertEquals(b!!.categories, a!!.categories)
        assertEquals(clip.count.toLong(), a.modelFrames)
        assertEquals("arm wrestling", a.top!!.label)
        // Full range is what the adapter passes by default (these frames are video range, so
        // reading them as full range moves the scores).
        assertNotEquals(c!!.top!!.score, a.top!!.score)
        assertEquals(CAMERA_YUV_RANGE, YuvRange.FULL)
        // Overridable, for a HAL that fills video range.
        val overridden = classifier()
        var d: Prediction? = null
        for (i in 0 until clip.count) {
            d = overridden.classify(FakeImage(sidewaysYuv(i), Info(0, 90)), yuvRange = YuvRange.VIDEO)
        }
        assertEquals(c.categories, d!!.categories)
    }

    @Test
    fun theImageTimestampPacesFrames() {
        val c = classifier(MovinetOptions())
        val kept = (0 until 30).count { i ->
            c.classify(FakeImage(sidewaysYuv(i % clip.count), Info(timestamp = 5_000_000_000L + i * 33_333_333L, rotationDegrees = 90))) != null
        }
        assertEquals("1 s of a 30 fps camera at the default 5 fps", 5, kept)
    }

    /**
     * `cropRect` (a `ViewPort`'s crop) is the picture: the model sees the centre square of what
     * is inside it. A 172x172 picture inside a larger buffer of noise, cropped to it, gives
     * exactly what the 172x172 picture alone gives.
     */
    @Test
    fun theCropRectIsWhatTheModelSees() {
        val (w, h, left, top) = listOf(256, 224, 40, 20)
        val random = java.util.Random(7)
        val framed = classifier()
        val alone = classifier()
        val ignored = classifier()
        var a: Prediction? = null
        var b: Prediction? = null
        var c: Prediction? = null
        for (i in 0 until clip.count) {
            val big = ByteArray(w * h * 3).also { random.nextBytes(it) }
            val rgb = clip.rgb(i)
            for (y in 0 until clip.height) System.arraycopy(rgb, y * clip.width * 3, big, ((top + y) * w + left) * 3, clip.width * 3)
            val image = FakeImage(
                Yuv.yuv420888(Yuv.fromRgb(big, w, h), rowStride = 320),
                Info(0, 0),
                cropRect = Rect(left, top, left + clip.width, top + clip.height),
            )
            a = framed.classify(image)
            val f = Yuv.yuv420888(Yuv.fromRgb(rgb, clip.width, clip.height), rowStride = 192)
            b = alone.classify(Frame(f.format, f.width, f.height, f.planes, yuvRange = YuvRange.FULL))
            image.cropRect = Rect(0, 0, w, h)
            c = ignored.classify(image)
        }
        assertEquals(b!!.categories, a!!.categories)
        assertNotEquals(b.categories, c!!.categories)
        // A crop rect outside the image is an invalid frame.
        val bad = FakeImage(sidewaysYuv(0), Info(0, 0), cropRect = Rect(0, 0, 400, 10))
        val e = assertThrows(InvalidFrameException::class.java) { framed.classify(bad) }
        assertTrue(e.message!!, e.message!!.startsWith("invalid frame: visible rect 400x10 at (0, 0) is not inside"))
    }

    @Test
    fun planesAreReadWholeWhateverAnEarlierReaderDid() {
        val c = classifier()
        val reference = classifier().classify(FakeImage(sidewaysYuv(0), Info(0, 90)))
        // Another analyzer read the planes to their ends.
        val image = FakeImage(sidewaysYuv(0), Info(0, 90))
        image.planes.forEach { it.buffer.position(it.buffer.limit()) }
        assertEquals(reference!!.categories, c.classify(image)!!.categories)
    }

    @Test
    fun otherImageFormatsAreRefused() {
        val e = assertThrows(IllegalArgumentException::class.java) {
            classifier().classify(FakeImage(sidewaysYuv(0), Info(0, 0), format = ImageFormat.JPEG))
        }
        assertTrue(e.message!!, e.message!!.contains("OUTPUT_IMAGE_FORMAT_YUV_420_888"))
    }

    /**
     * Android documents ARGB_8888 memory as R, G, B, A (`Bitmap.Config.ARGB_8888`: "packed as
     * (A << 24 | B << 16 | G << 8 | R)", i.e. R first in little-endian memory; the NDK calls it
     * `ANDROID_BITMAP_FORMAT_RGBA_8888`): the adapter reads that as RGBA_8888. Robolectric's
     * native graphics (the desktop Skia) stores B, G, R, A instead, which is why the adapter
     * probes one pixel rather than trusting either.
     */
    @Test
    fun bitmapMemoryOrderIsProbedNotAssumed() {
        assertEquals(PixelFormat.RGBA_8888, bitmapMemoryFormat(byteArrayOf(10, 20, 30, -1)))
        assertEquals(PixelFormat.BGRA_8888, bitmapMemoryFormat(byteArrayOf(30, 20, 10, -1)))
        assertThrows(IllegalStateException::class.java) { bitmapMemoryFormat(byteArrayOf(20, 10, 30, -1)) }
        // What this host's framework does, through the same probe.
        val bitmap = Bitmap.createBitmap(2, 1, Bitmap.Config.ARGB_8888)
        bitmap.setPixel(0, 0, Color.argb(255, 10, 20, 30))
        bitmap.setPixel(1, 0, Color.argb(255, 200, 100, 50))
        val bytes = ByteBuffer.allocate(8)
        bitmap.copyPixelsToBuffer(bytes)
        val robolectric = bytes.array()
        println("[bitmap] Robolectric ARGB_8888 memory for (10, 20, 30) and (200, 100, 50): ${robolectric.map { it.toInt() and 0xff }}")
        assertArrayEquals(byteArrayOf(30, 20, 10, -1, 50, 100, 200.toByte(), -1), robolectric)
        assertEquals(PixelFormat.BGRA_8888, BITMAP_MEMORY_FORMAT)
    }

    private fun bitmapOf(rgb: ByteArray, width: Int, height: Int): Bitmap {
        val colors = IntArray(width * height) { i ->
            Color.rgb(rgb[i * 3].toInt() and 0xff, rgb[i * 3 + 1].toInt() and 0xff, rgb[i * 3 + 2].toInt() and 0xff)
        }
        return Bitmap.createBitmap(colors, width, height, Bitmap.Config.ARGB_8888)
    }

    @Test
    fun aBitmapGivesWhatItsPixelsGive() {
        val viaBitmap = classifier()
        val viaRgb = classifier()
        var a: Prediction? = null
        var b: Prediction? = null
        for (i in 0 until clip.count) {
            a = viaBitmap.classify(bitmapOf(clip.rgb(i), clip.width, clip.height), timestampNanos = null)
            b = viaRgb.classify(Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height))
        }
        assertEquals(b!!.categories, a!!.categories)
        assertEquals("arm wrestling", a.top!!.label)
        // Other configurations are converted first.
        val rgb565 = bitmapOf(clip.rgb(0), clip.width, clip.height).copy(Bitmap.Config.RGB_565, false)
        assertNotNull(classifier().classify(rgb565, timestampNanos = null))
    }

    /** A picture with its EXIF orientation (6: turn 90° clockwise) reads like the upright one. */
    @Test
    fun exifOrientationOfAPicture() {
        val upright = classifier()
        val exif = classifier()
        var a: Prediction? = null
        var b: Prediction? = null
        for (i in 0 until clip.count) {
            a = upright.classify(bitmapOf(clip.rgb(i), clip.width, clip.height), timestampNanos = null)
            val sideways = Yuv.rotateCounterClockwise(clip.rgb(i), clip.width, clip.height)
            b = exif.classify(bitmapOf(sideways, clip.height, clip.width), timestampNanos = null, orientation = 6)
        }
        assertEquals(a!!.categories, b!!.categories)
        val e = assertThrows(InvalidFrameException::class.java) {
            exif.classify(bitmapOf(clip.rgb(0), clip.width, clip.height), timestampNanos = null, orientation = 0)
        }
        assertTrue(e.message!!, e.message!!.contains("EXIF orientation from 1 to 8, got 0"))
    }

    /**
     * The app's assets: an APK-like zip the Maven build makes of `models/movinet_a0_stream_int8.tflite`
     * (stored, as `noCompress` stores it) and `models/movinet_labels.txt`, added to the app's
     * `AssetManager` as the framework adds an APK's (its hidden `addAssetPath`).
     */
    private fun contextWithAssets(): Context {
        val context: Context = RuntimeEnvironment.getApplication()
        val apk = System.getProperty("movinet.test.assets") ?: error("movinet.test.assets not set (see pom.xml)")
        val cookie = android.content.res.AssetManager::class.java.getMethod("addAssetPath", String::class.java)
            .invoke(context.assets, apk) as Int
        assertTrue("addAssetPath($apk) failed", cookie != 0)
        return context
    }

    @Test
    fun aModelAndItsLabelsFromAssets() {
        val context = contextWithAssets()
        // The labels are found beside the model by the core's discovery rule.
        MovinetModel.load(context, "models/movinet_a0_stream_int8.tflite").use { model ->
            assertEquals(600, model.numClasses)
            assertEquals("abseiling", model.labels!![0])
            model.newClassifier(MovinetOptions(modelFps = null)).use { c ->
                var last: Prediction? = null
                for (i in 0 until clip.count) last = c.classify(Yuv.rgbFrame(clip.rgb(i), clip.width, clip.height))
                assertEquals("arm wrestling", last!!.top!!.label)
            }
        }
        MovinetClassifier.create(context, "models/movinet_a0_stream_int8.tflite", labels = "models/movinet_labels.txt").use {
            assertEquals("abseiling", it.labels[0])
        }
        assertThrows(ModelNotFoundException::class.java) { MovinetClassifier.create(context, "models/none.tflite") }
        assertThrows(IoException::class.java) {
            MovinetClassifier.create(context, "models/movinet_a0_stream_int8.tflite", labels = "none.txt")
        }
    }

    /** Java callers get plain static methods (`MovinetAndroid.create(context, ...)`), no `Companion` argument. */
    @Test
    fun javaCallersGetStaticMethods() {
        val cls = Class.forName("dev.movinet.MovinetAndroid")
        for ((name, params) in listOf(
            "create" to arrayOf(Context::class.java, String::class.java),
            "create" to arrayOf(Context::class.java, String::class.java, MovinetOptions::class.java),
            "loadModel" to arrayOf(Context::class.java, String::class.java),
            "classify" to arrayOf(MovinetClassifier::class.java, ImageProxy::class.java),
            "classify" to arrayOf(MovinetClassifier::class.java, Bitmap::class.java),
        )) {
            val m = cls.getMethod(name, *params)
            assertTrue("$m is static", Modifier.isStatic(m.modifiers))
        }
        // The Kotlin-only Companion extensions are hidden from Java (synthetic).
        val visible = cls.methods.filter { !it.isSynthetic }
        assertTrue(visible.none { m -> m.parameterTypes.any { it.name.endsWith("\$Companion") } })
    }
}
