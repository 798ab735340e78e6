package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.nio.ByteBuffer
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * What a caller can do wrong at the JNI boundary, straight through [NativeBridge] where the
 * Kotlin wrapper would stop it first: null and out-of-range buffers, handles used after close,
 * a close racing classify. Every one is an exception; the JVM keeps running. (Heap buffers,
 * short planes and a closed classifier through the Kotlin API are in [ErrorsTest].)
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MisuseTest {
    private val clip = TestData.carvingIce
    private fun open() = MovinetClassifier.create(TestData.a0, MovinetOptions(modelFps = null), TestData.kineticsLabels)

    /** A classifier straight through the bridge, with every option at its core default. */
    private fun rawClassifier(model: Long): Long = NativeBridge.createClassifier(
        model = model,
        labels = null,
        topK = 3,
        scoreThreshold = 0f,
        hasModelFps = false,
        modelFps = 0f,
        paceTolerance = 0.1f,
        crop = CropCodes.CENTER_SQUARE,
        cropX = 0,
        cropY = 0,
        cropWidth = 0,
        cropHeight = 0,
        smoothing = 0f,
        horizon = HorizonCodes.ALL,
        horizonValue = 0f,
        eventMinScore = 0.65f,
        eventKeepScore = 0.3f,
        eventMinDurationMs = 600,
        eventMaxGapMs = 1000,
    )

    /** A raw classifier handle, a packed RGB frame in a direct buffer, and the output arrays. */
    private inner class Raw {
        val model = NativeBridge.loadModelFromFile(TestData.a0.path, 1, null, true)
        val handle = rawClassifier(model)
        val rgb: ByteBuffer = ByteBuffer.allocateDirect(clip.width * clip.height * 3).apply { put(clip.rgb(0)); flip() }

        init {
            NativeBridge.closeModel(model)
        }

        fun classify(
            plane: ByteBuffer? = rgb,
            offset: Int = 0,
            length: Int = rgb.capacity(),
            handle: Long = this.handle,
            info: LongArray = LongArray(ClassifyInfo.COUNT),
            format: Int = PixelFormatCodes.RGB_888,
            yuvRange: Int = YuvRangeCodes.VIDEO,
        ): Int = NativeBridge.classify(
            classifier = handle,
            format = format,
            width = clip.width,
            height = clip.height,
            plane0 = plane,
            offset0 = offset,
            length0 = length,
            rowStride0 = clip.width * 3,
            pixelStride0 = 3,
            plane1 = null,
            offset1 = 0,
            length1 = 0,
            rowStride1 = 0,
            pixelStride1 = 0,
            plane2 = null,
            offset2 = 0,
            length2 = 0,
            rowStride2 = 0,
            pixelStride2 = 0,
            hasVisibleRect = false,
            visibleLeft = 0,
            visibleTop = 0,
            visibleWidth = 0,
            visibleHeight = 0,
            rotationDegrees = 0,
            hasOrientation = false,
            orientation = 0,
            mirror = false,
            hasTimestamp = false,
            timestampNanos = 0L,
            yuvRange = yuvRange,
            colorMatrix = ColorMatrixCodes.BT601,
            outIndices = IntArray(3),
            outScores = FloatArray(3),
            outInfo = info,
            outEvents = LongArray(2 * EventSlots.COUNT),
            outEventScores = FloatArray(4),
        )
    }

    @Test
    fun unknownCodesAreRefused() {
        val raw = Raw()
        val format = assertThrows<IllegalArgumentException> { raw.classify(format = PixelFormatCodes.COUNT) }
        assertEquals("unknown pixel format code ${PixelFormatCodes.COUNT}", format.message)
        val range = assertThrows<IllegalArgumentException> { raw.classify(yuvRange = -1) }
        assertEquals("unknown YUV range code -1", range.message)
        NativeBridge.closeClassifier(raw.handle)
    }

    @Test
    fun nullPlaneBuffer() {
        val raw = Raw()
        val e = assertThrows<IllegalArgumentException> { raw.classify(plane = null) }
        assertEquals("plane 0 is null", e.message)
        // The classifier is untouched and still works.
        assertEquals(3, raw.classify())
        NativeBridge.closeClassifier(raw.handle)
    }

    @Test
    fun regionOutsideTheBuffer() {
        val raw = Raw()
        val n = raw.rgb.capacity()
        for ((offset, length) in listOf(0 to n + 1, 1 to n, -1 to 10, 0 to -1, Int.MAX_VALUE to Int.MAX_VALUE, n to 1)) {
            val e = assertThrows<IllegalArgumentException>("offset $offset length $length") {
                raw.classify(offset = offset, length = length)
            }
            assertTrue(e.message!!.startsWith("plane 0: region at $offset of $length bytes is outside its $n bytes"), e.message)
        }
        // Inside the buffer but shorter than the frame needs: the core's own check.
        val short = assertThrows<InvalidFrameException> { raw.classify(length = n - 1) }
        assertTrue(short.message!!.startsWith("invalid frame: RGB888 pixel plane has ${n - 1} bytes"), short.message)
        val info = assertThrows<IllegalArgumentException> { raw.classify(info = LongArray(2)) }
        assertEquals("outInfo must hold ${ClassifyInfo.COUNT} values", info.message)
        NativeBridge.closeClassifier(raw.handle)
    }

    @Test
    fun modelBufferMisuse() {
        val bytes = TestData.a0.readBytes()
        val direct = ByteBuffer.allocateDirect(bytes.size).apply { put(bytes); flip() }
        val outside = assertThrows<IllegalArgumentException> {
            NativeBridge.loadModelFromBuffer(direct, 16, bytes.size, 1, null, true)
        }
        assertTrue(outside.message!!.startsWith("model buffer: region at 16 of ${bytes.size} bytes is outside"), outside.message)
        // A region that cuts the model short: a typed error, not a crash.
        val cut = assertThrows<InvalidModelException> { NativeBridge.loadModelFromBuffer(direct, 0, 4096, 1, null, true) }
        assertTrue(cut.message!!.startsWith("model file is truncated or corrupt"), cut.message)
        val empty = assertThrows<InvalidModelException> { NativeBridge.loadModelFromBuffer(direct, 100, 0, 1, null, true) }
        assertEquals("not a TensorFlow Lite model: the file is empty", empty.message)
    }

    @Test
    fun handlesUsedAfterClose() {
        val model = NativeBridge.loadModelFromFile(TestData.a0.path, 1, null, true)
        assertTrue(NativeBridge.closeModel(model))
        val info = assertThrows<ClosedException> { NativeBridge.modelInfo(model) }
        assertTrue(info.message!!.startsWith("MovinetModel is closed"), info.message)
        val create = assertThrows<ClosedException> { rawClassifier(model) }
        assertTrue(create.message!!.startsWith("MovinetModel is closed"), create.message)

        val raw = Raw()
        assertTrue(NativeBridge.closeClassifier(raw.handle))
        for (call in listOf<() -> Any?>(
            { raw.classify() },
            { NativeBridge.labels(raw.handle) },
            { NativeBridge.resetClassifier(raw.handle) },
            { NativeBridge.currentEvent(raw.handle, LongArray(4), FloatArray(2)) },
            { NativeBridge.finishEvent(raw.handle, LongArray(4), FloatArray(2)) },
        )) {
            val e = assertThrows<ClosedException> { call() }
            assertTrue(e.message!!.contains("MovinetClassifier is closed (handle ${raw.handle} is not open)"), e.message)
        }
        // A model handle is not a classifier handle, and the other way round.
        val m = NativeBridge.loadModelFromFile(TestData.a0.path, 1, null, true)
        assertThrows<ClosedException> { NativeBridge.resetClassifier(m + 1_000_000) }
        assertThrows<ClosedException> { NativeBridge.modelInfo(-m) }
        NativeBridge.closeModel(m)
    }

    @Test
    fun closeRacingClassify() {
        val pool = Executors.newFixedThreadPool(4)
        try {
            repeat(20) { round ->
                val c = open()
                val frame = Yuv.nv21(Yuv.fromRgb(clip.rgb(round % clip.count), clip.width, clip.height))
                val start = CountDownLatch(1)
                val ran = AtomicInteger()
                val refused = AtomicInteger()
                val futures = List(4) {
                    pool.submit {
                        start.await()
                        while (true) {
                            try {
                                checkNotNull(c.classify(frame))
                                ran.incrementAndGet()
                            } catch (e: ClosedException) {
                                assertEquals("MovinetClassifier is closed", e.message.orEmpty().substringBefore(" ("))
                                refused.incrementAndGet()
                                break
                            }
                        }
                    }
                }
                start.countDown()
                Thread.sleep((round % 5).toLong())
                c.close()
                futures.forEach { it.get(60, TimeUnit.SECONDS) }
                assertEquals(4, refused.get(), "every thread saw the close")
            }
        } finally {
            pool.shutdownNow()
        }
        // The same race on the raw handles: close from one thread while others are inside
        // classify on the same handle.
        repeat(20) {
            val raw = Raw()
            val threads = List(3) {
                Thread {
                    repeat(50) {
                        try {
                            raw.classify()
                        } catch (e: ClosedException) {
                            // closed under it: expected
                        }
                    }
                }.apply { start() }
            }
            Thread.sleep(2)
            NativeBridge.closeClassifier(raw.handle)
            threads.forEach { it.join(60_000) }
        }
    }

    @AfterAll
    fun nothingLeftOpen() {
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
    }
}
