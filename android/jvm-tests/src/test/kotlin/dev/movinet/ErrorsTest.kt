package dev.movinet

import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.assertThrows
import java.io.File
import java.nio.ByteBuffer

/**
 * Errors cross the JNI boundary as the [MovinetException] subclass of their core error kind,
 * with the core's own message (options spelled as Kotlin spells them). The assertions are on
 * the kind (the class); messages are checked where their wording is the point.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ErrorsTest {
    private val clip = TestData.carvingIce
    private fun open(options: MovinetOptions = MovinetOptions(modelFps = null)) =
        MovinetClassifier.create(TestData.a0, options, TestData.kineticsLabels)

    private fun planes() = Yuv.fromRgb(clip.rgb(0), clip.width, clip.height)

    @Test
    fun badModelPath() {
        val e = assertThrows<ModelNotFoundException> { MovinetClassifier.create(File("/no/such/model.tflite")) }
        assertEquals("model file not found: /no/such/model.tflite", e.message)
    }

    @Test
    fun notAModel() {
        val e = assertThrows<InvalidModelException> { MovinetClassifier.create(TestData.kineticsLabels) }
        assertTrue(e.message!!.startsWith("not a TensorFlow Lite model:"), e.message)
    }

    @Test
    fun labelsThatDoNotFitTheModel() {
        val e = assertThrows<InvalidLabelsException> {
            MovinetClassifier.create(TestData.a0, MovinetOptions(), TestData.cattleLabels)
        }
        assertEquals("labels file <labels> has 7 labels but the model has 600 classes", e.message)
    }

    @Test
    fun optionOutOfRange() {
        val threads = assertThrows<InvalidOptionException> { open(MovinetOptions(threads = 0)) }
        assertEquals("invalid option: threads must be between 1 and 64, got 0", threads.message)
        assertEquals("InvalidOption", threads.kind)
        val smoothing = assertThrows<InvalidOptionException> { open(MovinetOptions(smoothing = 1f)) }
        assertEquals("invalid option: smoothing must be at least 0 and below 1, got 1", smoothing.message)
        // Named as the Kotlin caller names them.
        val fps = assertThrows<InvalidOptionException> { open(MovinetOptions(modelFps = 0f)) }
        assertTrue(fps.message!!.startsWith("invalid option: modelFps must be a number above 0"), fps.message)
        val topK = assertThrows<InvalidOptionException> { open(MovinetOptions(topK = 0)) }
        assertEquals("invalid option: topK must be at least 1, got 0", topK.message)
        val negativeTopK = assertThrows<InvalidOptionException> { open(MovinetOptions(topK = -3)) }
        assertEquals("invalid option: topK must be at least 1, got -3", negativeTopK.message)
        val minScore = assertThrows<InvalidOptionException> { open(MovinetOptions(events = EventOptions(minScore = 2f))) }
        assertTrue(minScore.message!!.startsWith("invalid option: events.minScore must be between 0 and 1"), minScore.message)
        val keepScore = assertThrows<InvalidOptionException> { open(MovinetOptions(events = EventOptions(keepScore = -0.5f))) }
        assertEquals("invalid option: events.keepScore must be between 0 and 1, got -0.5", keepScore.message)
        // A keep score over the start score is no error: it acts as the start score.
        open(MovinetOptions(events = EventOptions(minScore = 0.2f))).close()
        assertThrows<InvalidOptionException> { open(MovinetOptions(threads = -1)) }
        assertThrows<InvalidOptionException> { open(MovinetOptions(paceTolerance = 1f)) }
        assertThrows<InvalidOptionException> { open(MovinetOptions(crop = Crop.Region(0, 0, -1, 10))) }
    }

    @Test
    fun closedClassifierThrowsAndCloseTwiceIsHarmless() {
        val c = open()
        assertTrue(c.isOpen)
        c.close()
        c.close()
        assertFalse(c.isOpen)
        val classify = assertThrows<ClosedException> { c.classify(Yuv.nv21(planes())) }
        assertEquals("MovinetClassifier is closed", classify.message)
        val reset = assertThrows<ClosedException> { c.reset() }
        assertEquals("MovinetClassifier is closed", reset.message)
    }

    @Test
    fun staleHandleIsRefusedByTheNativeSide() {
        // Even a handle that bypasses the Kotlin wrapper cannot reach a freed object.
        val e = assertThrows<ClosedException> {
            NativeBridge.resetClassifier(Long.MAX_VALUE)
        }
        assertTrue(e.message!!.contains("is not open"), e.message)
        assertFalse(NativeBridge.closeClassifier(Long.MAX_VALUE))
        assertFalse(NativeBridge.closeModel(0))
    }

    @Test
    fun bufferShorterThanTheDeclaredSize() {
        open().use { c ->
            val full = Yuv.yuv420888(planes(), rowStride = 192)
            // The Y plane one byte short of 171 rows of 192 bytes plus one row of 172.
            val y = full.planes[0].buffer.duplicate().apply { limit(limit() - 1) }
            val short = Frame(full.format, full.width, full.height, listOf(Plane(y, 192, 1), full.planes[1], full.planes[2]))
            val e = assertThrows<InvalidFrameException> { c.classify(short) }
            assertEquals(
                "invalid frame: YUV_420_888 Y plane has 33003 bytes but 172x172 samples with row stride 192 " +
                    "and pixel stride 1 need 33004",
                e.message,
            )
            // And a frame that declares more rows than its NV21 buffer holds.
            val nv21 = Yuv.nv21(planes())
            val tall = Frame(PixelFormat.NV21, 172, 200, nv21.planes)
            val e2 = assertThrows<InvalidFrameException> { c.classify(tall) }
            assertTrue(e2.message!!.startsWith("invalid frame: NV21 Y plane has 29584 bytes"), e2.message)
            // The classifier is still usable after a refused frame.
            assertTrue(c.classify(Yuv.nv21(planes())) != null)
        }
    }

    @Test
    fun nonDirectBuffer() {
        open().use { c ->
            val heap = ByteBuffer.wrap(clip.rgb(0))
            val frame = Frame(PixelFormat.RGB_888, clip.width, clip.height, listOf(Plane(heap, clip.width * 3, 3)))
            val e = assertThrows<IllegalArgumentException> { c.classify(frame) }
            assertTrue(e.message!!.startsWith("plane 0 is not a direct ByteBuffer"), e.message)
        }
        val heapModel = assertThrows<IllegalArgumentException> {
            MovinetClassifier.create(ByteBuffer.wrap(TestData.a0.readBytes()))
        }
        assertTrue(heapModel.message!!.startsWith("model buffer is not a direct ByteBuffer"), heapModel.message)
    }

    @Test
    fun invalidRotationAndStrides() {
        open().use { c ->
            val rotated = Yuv.nv21(planes(), rotationDegrees = 45)
            val e = assertThrows<InvalidFrameException> { c.classify(rotated) }
            assertEquals("invalid frame: rotation must be a multiple of 90 degrees, got 45", e.message)
            val full = Yuv.yuv420888(planes(), rowStride = 192)
            val badStride = Frame(full.format, full.width, full.height, listOf(full.planes[0], Plane(full.planes[1].buffer, 192, 3), full.planes[2]))
            val e2 = assertThrows<InvalidFrameException> { c.classify(badStride) }
            assertEquals("invalid frame: YUV_420_888 U plane: pixel stride must be 1 or 2, got 3", e2.message)
            val negative = Frame(PixelFormat.NV21, -4, 172, Yuv.nv21(planes()).planes)
            val e3 = assertThrows<InvalidFrameException> { c.classify(negative) }
            assertEquals("invalid frame: width must not be negative, got -4", e3.message)
            val badOrientation = assertThrows<InvalidFrameException> {
                c.classify(Frame(PixelFormat.NV21, 172, 172, Yuv.nv21(planes()).planes, orientation = 9))
            }
            assertEquals("invalid frame: orientation must be an EXIF orientation from 1 to 8, got 9", badOrientation.message)
        }
    }

    @Test
    fun wrongPlaneCountIsCaughtBeforeTheNativeCall() {
        val e = assertThrows<IllegalArgumentException> {
            Frame(PixelFormat.NV21, 4, 4, listOf(Plane(ByteBuffer.allocateDirect(16), 4, 1)))
        }
        assertEquals("NV21 takes 2 plane(s), got 1", e.message)
    }

    @AfterAll
    fun nothingLeftOpen() {
        assertEquals(listOf(0, 0), NativeBridge.openHandles().toList(), "[models, classifiers] still open")
    }
}
